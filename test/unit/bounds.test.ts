import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import type { PipelineRun } from '../../src/core/decode';
import { MAX_EXTRA_CHARS, MAX_FIELD_CHARS, MAX_RESULT_NAME_CHARS, boundRun, decodeMessage, decodePayload } from '../../src/core/decode';
import { encodeResult } from '../../src/core/encode';
import { EvictionOrder } from '../../src/core/eviction';
import { KeySpace } from '../../src/core/keySpace';
import { PipelineStore } from '../../src/core/store';
import { DEFAULT_LIMITS, KEPT_RUNS_BUDGET } from '../../src/core/storeLimits';
import type { RunSource } from '../../src/core/runs';

const T0 = Date.UTC(2025, 10, 18, 10, 0, 0);

function payload(resultName: string, fields: Record<string, unknown> = {}): string {
  return JSON.stringify({
    pipeline_name: 'erp_mask_sync',
    result_name: resultName,
    status: 'success',
    started_at: '2025-11-18T10:00:00Z',
    finished_at: new Date(T0 + 2000).toISOString(),
    duration_ms: 1842,
    rows_loaded: 100,
    rows_exported: 100,
    ...fields,
  });
}

function run(resultName: string, fields: Record<string, unknown> = {}): PipelineRun {
  const outcome = decodePayload(`tdtp:pipeline:${resultName}`, resultName, payload(resultName, fields), 0);
  if (outcome.kind !== 'run') assert.fail(JSON.stringify(outcome));
  return outcome.run;
}

function failed(resultName: string, n = 0): PipelineRun {
  return run(resultName, { status: 'failed', error: 'boom', duration_ms: n });
}

describe('decode: the length of a result_name', () => {
  const keys = new KeySpace('tdtp:pipeline');

  test('a channel name up to the limit is accepted, longer is rejected with a clear reason', () => {
    const ok = 'R'.repeat(MAX_RESULT_NAME_CHARS);
    assert.equal(decodeMessage(keys, keys.channel(ok), payload(ok)).kind, 'run');
    const long = 'R'.repeat(MAX_RESULT_NAME_CHARS + 1);
    const outcome = decodeMessage(keys, keys.channel(long), payload(long));
    assert.equal(outcome.kind, 'rejected');
    if (outcome.kind !== 'rejected') return;
    assert.match(outcome.rejected.reason, new RegExp(`is ${MAX_RESULT_NAME_CHARS + 1} characters long, over the ${MAX_RESULT_NAME_CHARS}-character limit`));
    assert.ok(outcome.rejected.reason.length < 200, outcome.rejected.reason);
  });

  test('a rejected message keeps a bounded source and result_name, however long the channel', () => {
    const huge = 'x'.repeat(1_000_000);
    const outcome = decodeMessage(keys, keys.channel(huge), '{}');
    assert.equal(outcome.kind, 'rejected');
    if (outcome.kind !== 'rejected') return;
    assert.ok(outcome.rejected.source.length <= MAX_RESULT_NAME_CHARS + 129);
    assert.ok((outcome.rejected.resultName ?? '').length <= MAX_RESULT_NAME_CHARS + 1);
  });
});

describe('boundRun: bytes kept per run', () => {
  test('a short run is kept as it is (the same object)', () => {
    const r = failed('R');
    assert.equal(boundRun(r, 100), r);
  });

  test('a long error is cut to the limit; the other fields stay', () => {
    const r = run('R', { status: 'failed', error: `${'e'.repeat(100_000)}` });
    const b = boundRun(r, 1000);
    assert.equal(b.result.error, `${'e'.repeat(1000)}…`);
    assert.equal(b.result.pipeline_name, 'erp_mask_sync');
    assert.equal(b.statusKind, 'failed');
    assert.equal(b.resultName, 'R');
    assert.equal(b.finishedAt?.epochMs, T0 + 2000);
  });

  test('long pipeline_name, status and package_uuid are cut; large extra fields are not kept, small ones are', () => {
    const b = boundRun(run('R', { pipeline_name: 'p'.repeat(5000), status: 's'.repeat(5000), package_uuid: 'u'.repeat(5000), big: 'x'.repeat(MAX_EXTRA_CHARS) }), 1000);
    assert.equal(b.result.pipeline_name.length, MAX_FIELD_CHARS + 1);
    assert.equal(b.result.status.length, MAX_FIELD_CHARS + 1);
    assert.equal(b.statusKind, 'unknown');
    assert.equal((b.result.package_uuid ?? '').length, MAX_FIELD_CHARS + 1);
    assert.equal(Object.hasOwn(b.result, 'big'), false);
    const small = boundRun(run('R', { error: 'e'.repeat(2000), note: 'kept', __proto__x: 1 }), 1000);
    assert.equal(small.result.note, 'kept');
  });

  test('each bound alone: an error, a field or the extras just over makes a copy, at the limit the same run', () => {
    const atLimit = run('R', { status: 'failed', error: 'e'.repeat(1000), pipeline_name: 'p'.repeat(MAX_FIELD_CHARS), note: 'n' });
    assert.equal(boundRun(atLimit, 1000), atLimit);
    assert.equal(boundRun(run('R', { error: 'e'.repeat(1001) }), 1000).result.error, `${'e'.repeat(1000)}…`);
    assert.equal(boundRun(run('R', { result_name: 'r'.repeat(MAX_FIELD_CHARS + 1) }), 1000).result.result_name, `${'r'.repeat(MAX_FIELD_CHARS)}…`);
    const extrasOnly = boundRun(run('R', { big: 'x'.repeat(MAX_EXTRA_CHARS) }), 1000);
    assert.equal(Object.hasOwn(extrasOnly.result, 'big'), false);
    assert.equal(extrasOnly.result.pipeline_name, 'erp_mask_sync');
    const smallExtras = run('R', { note: 'kept' });
    assert.equal(boundRun(smallExtras, 1000), smallExtras);
  });

  test('a "__proto__" key from the wire stays a plain field in the bounded copy', () => {
    const text = payload('R', { error: 'e'.repeat(2000) }).replace(/}$/, ',"__proto__":{"polluted":true}}');
    const outcome = decodePayload('s', 'R', text, 0);
    if (outcome.kind !== 'run') assert.fail('not a run');
    const b = boundRun(outcome.run, 10);
    assert.equal(({} as Record<string, unknown>).polluted, undefined);
    assert.match(encodeResult(b.result), /"__proto__":\{"polluted":true\}/);
  });

  test('no kept run is larger than the bounds allow (property)', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 3000 }), fc.string({ maxLength: 3000 }), fc.integer({ min: 1, max: 500 }), (error, name, max) => {
        const b = boundRun(run('R', { error, pipeline_name: name, status: 'failed' }), max);
        assert.ok((b.result.error ?? '').length <= max + 1);
        assert.ok(b.result.pipeline_name.length <= MAX_FIELD_CHARS + 1);
        if (error.length <= max && name.length <= MAX_FIELD_CHARS) assert.equal(b.result.error, error);
      }),
      { numRuns: 200 },
    );
  });
});

describe('EvictionOrder', () => {
  test('stream-only before seen-once before established, non-failing before failing, least recently updated first', () => {
    const order = new EvictionOrder();
    order.touch('stream-fail', 'streamOnly', true);
    order.touch('stream-ok', 'streamOnly', false);
    order.touch('est-fail', 'established', true);
    order.touch('est-ok', 'established', false);
    order.touch('once-fail-old', 'seenOnce', true);
    order.touch('once-fail-new', 'seenOnce', true);
    order.touch('once-ok', 'seenOnce', false);
    const taken: string[] = [];
    for (let name = order.next(); name !== undefined; name = order.next()) {
      taken.push(name);
      order.remove(name);
    }
    assert.deepEqual(taken, ['stream-ok', 'stream-fail', 'once-ok', 'once-fail-old', 'once-fail-new', 'est-ok', 'est-fail']);
  });

  test('answers as one insertion-ordered set per tier would, for any sequence of touches and removals', () => {
    const standings = ['streamOnly', 'seenOnce', 'established'] as const;
    const op = fc.record({ name: fc.integer({ min: 0, max: 12 }), what: fc.integer({ min: 0, max: 7 }) });
    fc.assert(
      fc.property(fc.array(op, { maxLength: 200 }), (ops) => {
        const order = new EvictionOrder();
        const model = Array.from({ length: 6 }, () => new Set<string>());
        for (const { name, what } of ops) {
          const key = `p${name}`;
          for (const tier of model) tier.delete(key);
          if (what === 6) order.remove(key);
          else if (what === 7) {
            order.clear();
            for (const tier of model) tier.clear();
          } else {
            order.touch(key, standings[what >> 1], (what & 1) === 1);
            model[what].add(key);
          }
          assert.equal(order.next(), model.flatMap((tier) => [...tier])[0]);
        }
      }),
      { numRuns: 2_000 },
    );
  });

  test('an update moves a name to the end of its (new) tier', () => {
    const order = new EvictionOrder();
    order.touch('a', 'seenOnce', false);
    order.touch('b', 'seenOnce', false);
    order.touch('a', 'seenOnce', false);
    assert.equal(order.next(), 'b');
    order.touch('b', 'established', false);
    assert.equal(order.next(), 'a');
  });
});

describe('PipelineStore: the limit on pipelines', () => {
  function store(maxPipelines: number): PipelineStore {
    return new PipelineStore({ coalesceMs: 0, limits: { maxPipelines } });
  }

  test('the defaults are far above what a team runs', () => {
    assert.equal(DEFAULT_LIMITS.maxPipelines, 5000);
    assert.equal(DEFAULT_LIMITS.errorChars, 16 * 1024);
    assert.equal(new PipelineStore().overflow, undefined);
  });

  test('a flood of distinct failed names never pushes out the pipelines a team watches', () => {
    const s = store(50);
    // The team: read from state keys at connect, or heard more than once; some of them failing.
    for (let i = 0; i < 10; i++) s.addRun(run(`TEAM_${i}`, { duration_ms: 1 }), 'loaded');
    for (let i = 0; i < 10; i++) {
      s.addRun(failed(`LIVE_${i}`, 1), 'live');
      s.addRun(failed(`LIVE_${i}`, 2), 'live');
    }
    for (let i = 0; i < 20_000; i++) s.addRun(failed(`JUNK_${i}`), 'live');
    assert.equal(s.size, 50);
    for (let i = 0; i < 10; i++) assert.ok(s.has(`TEAM_${i}`) && s.has(`LIVE_${i}`), `team pipeline ${i} is kept`);
    // The newest junk is what is left of it.
    assert.ok(s.has('JUNK_19999') && !s.has('JUNK_0'));
    assert.deepEqual(s.overflow, { evicted: 20_000 - 30, limit: 50, unread: 0 });
  });

  test('when everything is established, the least recently updated non-failing pipeline goes first', () => {
    const s = store(3);
    s.addRun(run('OK_OLD'), 'loaded');
    s.addRun(failed('FAIL_OLD'), 'loaded');
    s.addRun(run('OK_NEW'), 'loaded');
    s.addRun(run('NEXT'), 'loaded');
    assert.deepEqual(s.list().map((p) => p.resultName).sort(), ['FAIL_OLD', 'NEXT', 'OK_NEW']);
  });

  test('an evicted pipeline is a structural change and a forget mutation (the journal drops it too)', () => {
    const s = store(1);
    const mutations: string[] = [];
    s.onDidMutate((m) => mutations.push(m.kind === 'forget' ? `forget ${m.resultName}` : m.kind));
    s.addRun(run('A'), 'live');
    let structural = false;
    s.onDidChange((c) => (structural ||= c.structural && c.pipelines.has('A')));
    s.addRun(run('B'), 'live');
    assert.ok(structural);
    assert.deepEqual(mutations, ['run', 'forget A', 'run']);
  });

  test('a lower limit applies at once; clear() resets the count', () => {
    const s = store(100);
    for (let i = 0; i < 10; i++) s.addRun(run(`R${i}`), 'live');
    s.setLimits({ maxPipelines: 4 });
    assert.equal(s.size, 4);
    assert.deepEqual(s.overflow, { evicted: 6, limit: 4, unread: 0 });
    s.clear();
    assert.equal(s.overflow, undefined);
  });

  test('the largest settings cannot keep more runs than the budget; it is reported once it drops a run', () => {
    // tdtp.limits.maxPipelines and tdtp.history.size at their manifest maximums.
    const s = new PipelineStore({ coalesceMs: 0, historySize: 10_000, limits: { maxPipelines: 1_000_000 } });
    assert.ok(s.historyCapacity * Math.min(1_000_000, KEPT_RUNS_BUDGET) <= KEPT_RUNS_BUDGET, `${s.historyCapacity} runs per pipeline`);
    assert.equal(s.budget, undefined, 'nothing dropped yet');
    for (let i = 0; i < s.historyCapacity; i++) s.addRun(run('R', { duration_ms: i }), 'live');
    assert.equal(s.budget, undefined, 'a history exactly full has dropped nothing');
    s.addRun(run('R', { duration_ms: 999_999 }), 'live');
    assert.deepEqual(s.budget, { runs: KEPT_RUNS_BUDGET, runsPerPipeline: s.historyCapacity, historySize: 10_000 });
    assert.equal(s.history('R').length, s.historyCapacity);
    // Within the budget (the defaults): the setting is the capacity, no report.
    const d = new PipelineStore({ coalesceMs: 0, historySize: 100, limits: { maxPipelines: 5000 } });
    assert.equal(d.historyCapacity, 100);
    for (let i = 0; i < 150; i++) d.addRun(run('R', { duration_ms: i }), 'live');
    assert.equal(d.budget, undefined);
    // Settings that change apply the budget to the kept histories at once.
    d.setLimits({ maxPipelines: 1_000_000 });
    assert.ok(d.history('R').length <= d.historyCapacity && d.historyCapacity < 100);
    d.setLimits({ maxPipelines: 5000 });
    assert.equal(d.historyCapacity, 100);
  });

  test('errors are kept up to errorChars, in history and latest alike; duplicates still recognised', () => {
    const s = new PipelineStore({ coalesceMs: 0, limits: { errorChars: 100 } });
    const long = run('R', { status: 'failed', error: 'x'.repeat(1_000_000) });
    const sources: RunSource[] = ['live', 'recovered'];
    assert.ok(s.addRun(long, sources[0]));
    assert.equal(s.addRun(long, sources[1]), undefined, 'the state key read of the same run is a duplicate');
    assert.equal(s.get('R')?.latest.run.result.error?.length, 101);
  });

  test('the store stays fast under the flood: 200,000 distinct names (figure only, no timing asserted)', () => {
    const s = new PipelineStore({ coalesceMs: 100 });
    for (let i = 0; i < 200_000; i++) s.addRun(failed(`F${i}`), 'live');
    assert.equal(s.size, DEFAULT_LIMITS.maxPipelines);
    s.dispose();
  });
});

describe('PipelineStore: a state key read confirms a pipeline', () => {
  test('a live run later found in its state key is established and outlives a flood', () => {
    const s = new PipelineStore({ coalesceMs: 0, limits: { maxPipelines: 10 } });
    const team = run('TEAM');
    s.addRun(team, 'live');
    assert.equal(s.addRun(team, 'recovered'), undefined, 'a duplicate, not a second run');
    for (let i = 0; i < 1000; i++) s.addRun(failed(`JUNK_${i}`), 'live');
    assert.ok(s.has('TEAM'));
  });
});
