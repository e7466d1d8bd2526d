// The core pieces of reading runs back from recorders' streams, without a server: the standing a
// stream-read run gives its pipeline (eviction order, journal), the stream IDs of runs whose time
// cannot be trusted, and the recorder's queue.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { PipelineRun } from '../../src/core/decode';
import { decodePayload, runIdentity } from '../../src/core/decode';
import { mutationLine, parseLine } from '../../src/core/history/records';
import { StreamRecorder } from '../../src/core/history/recorder';
import { RunQueue } from '../../src/core/history/runQueue';
import { parseConnectionSettings } from '../../src/core/settings';
import { hasOwnTime, runHash, streamIdOf, streamIdSeq, streamIdTime } from '../../src/core/history/streamId';
import type { StoreMutation } from '../../src/core/storeTypes';
import { PipelineStore } from '../../src/core/store';
import type { RunRecord } from '../../src/core/runs';

const ZERO = '0001-01-01T00:00:00Z';

function run(resultName: string, fields: Record<string, unknown> = {}): PipelineRun {
  const json = JSON.stringify({ pipeline_name: 'p', result_name: resultName, status: 'success', started_at: '2025-11-18T10:00:00Z', finished_at: '2025-11-18T10:00:02Z', duration_ms: 2000, rows_loaded: 1, rows_exported: 1, ...fields });
  const outcome = decodePayload(`tdtp:pipeline:${resultName}:state`, resultName, json);
  assert.equal(outcome.kind, 'run');
  return (outcome as { run: PipelineRun }).run;
}

function forgets(store: PipelineStore): string[] {
  const names: string[] = [];
  store.onDidMutate((m) => m.kind === 'forget' && names.push(m.resultName ?? '*'));
  return names;
}

describe('runs read from a stream give their pipeline no standing', () => {
  test('a stream-only pipeline gives way before one heard once, live', () => {
    const store = new PipelineStore({ coalesceMs: 0, limits: { maxPipelines: 2 } });
    const forgotten = forgets(store);
    store.addRun(run('LIVE_ONCE'), 'live');
    // Three runs from a stream: more than one run, and a non-live source, yet still only a stream's.
    for (let i = 0; i < 3; i++) store.addRun(run('STREAM_ONLY', { duration_ms: i }), 'loaded', Date.now(), true);
    store.addRun(run('NEW_LIVE'), 'live');
    assert.deepEqual(forgotten, ['STREAM_ONLY']);
    assert.ok(store.has('LIVE_ONCE'));
  });

  test('a stream run of a new name is not added to a full model, and pushes nothing out', () => {
    const store = new PipelineStore({ coalesceMs: 0, limits: { maxPipelines: 2 } });
    const forgotten = forgets(store);
    store.addRun(run('A'), 'live');
    store.addRun(run('B'), 'live');
    assert.equal(store.room, 0);
    assert.equal(store.addRun(run('JUNK'), 'loaded', Date.now(), true), undefined);
    assert.deepEqual(forgotten, []);
    assert.equal(store.size, 2);
    assert.equal(store.overflow, undefined);
  });

  test('a stream run the model holds says nothing of the state key: an expired mark stays', () => {
    const store = new PipelineStore({ coalesceMs: 0 });
    const r = run('EXP');
    store.addRun(r, 'live');
    store.markExpired('EXP');
    assert.equal(store.addRun(r, 'recovered', Date.now(), true), undefined);
    assert.equal(store.get('EXP')?.stateExpired, true);
  });

  test('the journal keeps where a run came from, and a reloaded stream-only pipeline still gives way first', () => {
    const source = new PipelineStore({ coalesceMs: 0 });
    const lines: string[] = [];
    source.onDidMutate((m) => lines.push(mutationLine(m)));
    source.addRun(run('STREAMED'), 'loaded', 1000, true);
    source.addRun(run('STREAMED', { duration_ms: 5 }), 'loaded', 2000, true);
    source.addRun(run('HEARD'), 'live', 3000);
    const parsed = lines.map((l) => parseLine(l.trimEnd()));
    const records = parsed.map((p) => (p?.kind === 'mutation' && p.mutation.kind === 'run' ? p.mutation.record : undefined));
    assert.deepEqual(
      records.map((r) => r?.fromStream),
      [true, true, undefined],
    );
    const reloaded = new PipelineStore({ coalesceMs: 0, limits: { maxPipelines: 2 } });
    for (const p of parsed) if (p?.kind === 'mutation') reloaded.apply(p.mutation as StoreMutation);
    const forgotten = forgets(reloaded);
    reloaded.addRun(run('THIRD'), 'live');
    assert.deepEqual(forgotten, ['STREAMED']);
  });
});

describe('stream IDs of runs whose time is not their own', () => {
  const record = (r: PipelineRun, receivedAt: number): Pick<RunRecord, 'run' | 'receivedAt'> => ({ run: r, receivedAt });

  test('a run that never started: the second it arrived in, and the same ID for every recorder in that second', () => {
    const r = run('ZERO', { status: 'failed', started_at: ZERO, finished_at: ZERO, duration_ms: 0, error: 'no config' });
    const at = Date.UTC(2026, 11, 6, 20, 0, 0);
    assert.equal(streamIdOf(record(r, at + 10)), streamIdOf(record(r, at + 990)));
    assert.equal(streamIdTime(streamIdOf(record(r, at + 10))), at);
    assert.equal(hasOwnTime(record(r, at)), false);
  });

  test('the hash is FNV-1a of the run\'s identity, as recorders before this one wrote it', () => {
    const fnv = (text: string) => {
      let hash = 0x811c9dc5;
      for (let i = 0; i < text.length; i++) hash = Math.imul(hash ^ text.charCodeAt(i), 0x01000193);
      return hash >>> 0;
    };
    for (const r of [run('OWN'), run('ЗАКАЗЫ', { pipeline_name: 'выгрузка', duration_ms: 0 })]) assert.equal(runHash({ run: r }), fnv(runIdentity(r.result)));
  });

  test('runs that never started with another error are other runs (the error joins the hash)', () => {
    const a = run('ZERO', { status: 'failed', started_at: ZERO, finished_at: ZERO, duration_ms: 0, error: 'no config' });
    const b = run('ZERO', { status: 'failed', started_at: ZERO, finished_at: ZERO, duration_ms: 0, error: 'no source' });
    assert.notEqual(runHash({ run: a }), runHash({ run: b }));
  });

  test('a finished_at beyond the clock-skew allowance: the ID takes the arrival, the run keeps its claim', () => {
    const r = run('FUTURE', { finished_at: '9999-12-31T23:59:59Z' });
    const at = Date.UTC(2026, 11, 6, 20, 0, 0, 500);
    const id = streamIdOf(record(r, at));
    assert.equal(streamIdTime(id), at - 500, 'the second it arrived in');
    assert.equal(streamIdSeq(id), runHash({ run: r }));
    assert.equal(hasOwnTime(record(r, at)), false);
    assert.equal(r.result.finished_at, '9999-12-31T23:59:59Z');
  });

  test('a run with its own time: finished_at in ms, whenever it arrived', () => {
    const r = run('OWN', { finished_at: '2025-11-18T13:00:02.123456789+03:00' });
    const at = Date.UTC(2026, 0, 1);
    assert.equal(streamIdOf(record(r, at)), streamIdOf(record(r, at + 86_400_000)));
    assert.equal(streamIdTime(streamIdOf(record(r, at))), Date.UTC(2025, 10, 18, 10, 0, 2, 123));
    assert.equal(hasOwnTime(record(r, at)), true);
  });
});

describe('RunQueue (the recorder’s backlog)', () => {
  test('first in, first out across growth; a batch back first, in order, with its attempts; bytes become text', () => {
    const q = new RunQueue();
    const push = (i: number) => q.push(`R${i}`, `k:R${i}:runs`, i % 2 ? Buffer.from(`{"n":${i}}`) : `{"n":${i}}`, i === 3, 1_763_460_000_000 + i, 4_294_967_295 - i);
    for (let i = 0; i < 40; i++) push(i);
    const first = q.take(5);
    assert.deepEqual(first.map((p) => p.resultName), ['R0', 'R1', 'R2', 'R3', 'R4']);
    assert.deepEqual(first[3], { resultName: 'R3', key: 'k:R3:runs', payload: Buffer.from('{"n":3}'), checkStream: true, id: '1763460000003-4294967292', ms: 1_763_460_000_003, seq: 4_294_967_292, attempts: 0 });
    first[3].attempts = 2;
    q.unshiftAll([first[3], first[1]]);
    q.dropFirst();
    for (let i = 40; i < 60; i++) push(i);
    assert.equal(q.length, 56);
    q.dropWires();
    const all = q.take(1000);
    assert.deepEqual(all.slice(0, 3).map((p) => [p.resultName, p.attempts, p.payload]), [['R1', 0, '{"n":1}'], ['R5', 0, '{"n":5}'], ['R6', 0, '{"n":6}']]);
    assert.equal(all.at(-1)?.id, '1763460000059-4294967236');
    assert.deepEqual(q.take(1), []);
    assert.equal(q.length, 0);
  });

  test('a run put back keeps its attempts and its check', () => {
    const q = new RunQueue();
    q.push('A', 'k', 'x', true, 5, 6);
    const [a] = q.take(1);
    a.attempts = 7;
    q.unshiftAll([a]);
    assert.deepEqual(q.take(1), [{ ...a }]);
  });
});

describe('a recorder without a connection', () => {
  test('keeps at most maxPending runs, dropping the oldest, and counts them', () => {
    const parsed = parseConnectionSettings({ host: '127.0.0.1', port: 1 });
    assert.ok(parsed.ok);
    const recorder = new StreamRecorder(parsed.settings, { maxLen: 10, maxPending: 3, holdMs: 60_000 });
    try {
      for (let i = 0; i < 5; i++) recorder.store.addRun(run(`DROP_${i}`), 'live', Date.UTC(2025, 10, 18, 10, 0, 2), false, Buffer.from('{}'));
      assert.equal(recorder.pending, 3);
      assert.equal(recorder.recorded.dropped, 2);
    } finally {
      recorder.dispose();
    }
  });
});
