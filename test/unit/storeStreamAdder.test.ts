// streamAdder (the connect-time read of recorders' streams) against addRun(…, fromStream) run by
// run: random histories, duplicates, runs already held or pushed out, small histories, a pipeline
// limit that evicts, listeners that change the history meanwhile. Both must leave the same model
// and fire the same events in the same order.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { PipelineRun } from '../../src/core/decode';
import { decodePayload } from '../../src/core/decode';
import type { HistoryItem, RunRecord, RunSource } from '../../src/core/runs';
import { PipelineStore } from '../../src/core/store';
import { rng } from '../../bench/payloads';

const NAMES = ['A', 'B', 'C', 'D', 'E'];
const T0 = Date.UTC(2025, 10, 18, 10, 0, 0);

/** A run from a small pool of identities, so that equal runs are frequent. */
function randomRun(random: () => number, name: string): PipelineRun {
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(random() * xs.length)];
  const finished = pick([T0 + 1000, T0 + 2000]);
  const event = {
    // U+0000 in a field: the identities are then compared whole.
    pipeline_name: random() < 0.8 ? 'p' : pick(['q', 'p\u0000x', 'p\u0000', 'p\u0000a']),
    result_name: random() < 0.1 ? 'other' : name,
    status: random() < 0.8 ? 'success' : pick(['failed', 'weird', 'a\u0000b', 'b']),
    started_at: new Date(T0).toISOString(),
    finished_at: random() < 0.05 ? '0001-01-01T00:00:00Z' : random() < 0.1 ? new Date(finished).toISOString().replace('Z', '+00:00') : new Date(finished).toISOString(),
    duration_ms: pick([1, 2, 3]),
    rows_loaded: pick([10, 20]),
    rows_exported: pick([10, 20]),
    ...(random() < 0.1 && { error: 'x'.repeat(Math.floor(random() * 40)) }),
  };
  const outcome = decodePayload(`k:${name}`, name, JSON.stringify(event), 0);
  if (outcome.kind !== 'run') assert.fail(JSON.stringify(outcome));
  return outcome.run;
}

function mk(duration: number): PipelineRun {
  const outcome = decodePayload('k:A', 'A', JSON.stringify({ pipeline_name: 'p', result_name: 'A', status: 'success', started_at: '2025-11-18T10:00:00Z', finished_at: '2025-11-18T10:00:01Z', duration_ms: duration, rows_loaded: 1, rows_exported: 1 }), 0);
  if (outcome.kind !== 'run') assert.fail('not a run');
  return outcome.run;
}

function view(item: HistoryItem | RunRecord | undefined): unknown {
  if (item === undefined || item.kind === 'gap') return item;
  const { run, ...rest } = item;
  return { ...rest, result: run.result, statusKind: run.statusKind, resultName: run.resultName, mismatch: run.resultNameMismatch };
}

type Op =
  | { kind: 'run'; run: PipelineRun; source: RunSource; at: number }
  | { kind: 'gap'; names?: string[] }
  | { kind: 'forget'; name: string }
  | { kind: 'stream'; source: RunSource; runs: Array<{ run: PipelineRun; at: number }> };

function scenario(seed: number): { options: ConstructorParameters<typeof PipelineStore>[0]; ops: Op[]; meddle: number } {
  const random = rng(seed);
  const historySize = [1, 2, 3, 5, 8][Math.floor(random() * 5)];
  const maxPipelines = [1, 2, 3, 50][Math.floor(random() * 4)];
  const ops: Op[] = [];
  let at = 1;
  const steps = 4 + Math.floor(random() * 12);
  for (let i = 0; i < steps; i++) {
    const name = NAMES[Math.floor(random() * NAMES.length)];
    const roll = random();
    if (roll < 0.4) ops.push({ kind: 'run', run: randomRun(random, name), source: (['live', 'loaded', 'recovered', 'polled'] as const)[Math.floor(random() * 4)], at: at++ });
    else if (roll < 0.5) ops.push({ kind: 'gap', names: random() < 0.5 ? undefined : [name] });
    else if (roll < 0.55) ops.push({ kind: 'forget', name });
    else {
      const runs = Array.from({ length: Math.floor(random() * (historySize + 4)) }, () => ({ run: randomRun(random, name), at: at++ }));
      ops.push({ kind: 'stream', source: random() < 0.9 ? (random() < 0.5 ? 'loaded' : 'recovered') : 'live', runs });
    }
  }
  // Now and then a listener changes the history while a stream is read.
  const meddle = random() < 0.5 ? 1 + Math.floor(random() * 3) : 0;
  return { options: { coalesceMs: 0, historySize, limits: { maxPipelines, errorChars: 16 } }, ops, meddle };
}

/** Runs a scenario; `batched` reads streams through streamAdder, else through addRun one by one. */
function play(seed: number, batched: boolean): unknown {
  const { options, ops, meddle } = scenario(seed);
  const store = new PipelineStore(options);
  const events: unknown[] = [];
  store.onDidAddRun((r) => events.push(['added', view(r)]));
  store.onDidMutate((m) => events.push(['mutate', m.kind === 'run' ? { kind: 'run', record: view(m.record) } : m]));
  store.onDidChange((c) => events.push(['change', { ...c, pipelines: [...c.pipelines] }]));
  let added = 0;
  const meddler = store.onDidAddRun((r) => {
    if (meddle === 0 || ++added % meddle !== 0) return;
    if (added % 2 === 0) store.addGap(1, 2, 'meddle', new Set([r.run.resultName]));
    else store.addRun(randomRun(rng(added), r.run.resultName), 'live', r.receivedAt + 0.5);
  });
  const returned: unknown[] = [];
  for (const op of ops) {
    if (op.kind === 'run') returned.push(view(store.addRun(op.run, op.source, op.at)));
    else if (op.kind === 'gap') store.addGap(5, 6, 'gap', op.names && new Set(op.names));
    else if (op.kind === 'forget') store.forget(op.name);
    else if (batched) {
      const add = store.streamAdder(op.source);
      for (const { run, at } of op.runs) returned.push(view(add(run, at)));
    } else {
      for (const { run, at } of op.runs) returned.push(view(store.addRun(run, op.source, at, true)));
    }
  }
  meddler.dispose();
  const model = {
    list: store.list().map((p) => ({ ...p, latest: view(p.latest) })),
    histories: NAMES.map((name) => store.history(name).map(view)),
    mutations: [...store.mutations()].map((m) => (m.kind === 'run' ? { kind: 'run', record: view(m.record) } : m)),
    overflow: store.overflow,
    budget: store.budget,
    counts: store.counts(),
    room: store.room,
  };
  store.dispose();
  return { returned, events, model };
}

describe('PipelineStore.streamAdder', () => {
  test('leaves the same model and fires the same events as addRun run by run (random scenarios)', () => {
    for (let seed = 1; seed <= 3000; seed++) {
      assert.deepStrictEqual(play(seed, true), play(seed, false), `seed ${seed}`);
    }
  });

  test('identities with U+0000 in a field are compared whole, as addRun does', () => {
    const mkWith = (pipeline: string, status: string) => {
      const outcome = decodePayload('k:A', 'A', JSON.stringify({ pipeline_name: pipeline, result_name: 'A', status, started_at: '2025-11-18T10:00:00Z', finished_at: '2025-11-18T10:00:01Z', duration_ms: 1, rows_loaded: 1, rows_exported: 1 }), 0);
      if (outcome.kind !== 'run') assert.fail('not a run');
      return outcome.run;
    };
    for (const batched of [true, false]) {
      const store = new PipelineStore({ coalesceMs: 0, historySize: 5 });
      store.addRun(mkWith('p', 'a\u0000b'), 'loaded', 1);
      store.addRun(mk(2), 'loaded', 2);
      const add = batched ? store.streamAdder('loaded') : (r: PipelineRun, at: number) => store.addRun(r, 'loaded', at, true);
      // "p" + "a\0b" and "p\0a" + "b" make one identity: the same run to the store.
      assert.equal(add(mkWith('p\u0000a', 'b'), 10), undefined, `batched ${batched}`);
      assert.notEqual(add(mkWith('p\u0000a', 'c'), 11), undefined, `batched ${batched}`);
      store.dispose();
    }
  });

  test('a gap marker a listener pushes meanwhile takes a place in the history', () => {
    for (const batched of [true, false]) {
      const store = new PipelineStore({ coalesceMs: 0, historySize: 3 });
      store.addRun(mk(1), 'loaded', 1);
      const sub = store.onDidAddRun((r) => r.run.result.duration_ms === 2 && store.addGap(1, 2, 'listener', new Set(['A'])));
      const add = batched ? store.streamAdder('loaded') : (r: PipelineRun, at: number) => store.addRun(r, 'loaded', at, true);
      // [1] → [2, 1] → [gap, 2, 1] → [3, gap, 2]: 1 is no longer held.
      const results = [2, 3, 1].map((d, i) => add(mk(d), 10 + i) !== undefined);
      assert.deepEqual(results, [true, true, true], `batched ${batched}`);
      sub.dispose();
      store.dispose();
    }
  });

  test('a run pushed out of a full history is added again, as addRun does', () => {
    for (const batched of [true, false]) {
      const store = new PipelineStore({ coalesceMs: 0, historySize: 2 });
      store.addRun(mk(1), 'loaded', 1);
      store.addRun(mk(2), 'loaded', 2);
      const add = batched ? store.streamAdder('loaded') : (r: PipelineRun, at: number) => store.addRun(r, 'loaded', at, true);
      // 1 is still held; 3 and 4 push 1 and 2 out, so they are new again; then 2 is held.
      const results = [1, 3, 4, 1, 2, 2].map((d, i) => add(mk(d), 10 + i) !== undefined);
      assert.deepEqual(results, [false, true, true, true, true, false], `batched ${batched}`);
      assert.deepEqual(store.history('A').map((item) => item.kind === 'run' && item.run.result.duration_ms), [2, 1]);
      store.dispose();
    }
  });
});
