// "While you were away" facts: what changed between the model restored from disk and the model
// after the first reconcile. And Export History over a restored model.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { decodePayload } from '../../src/core/decode';
import { toExportRows } from '../../src/core/export';
import { hasNews, summarizeAway, takeBaseline } from '../../src/core/history/away';
import { PipelineStore } from '../../src/core/store';

let n = 0;
function run(resultName: string, status = 'success', exported = 100) {
  n++;
  const event = { pipeline_name: 'p', result_name: resultName, status, started_at: '2025-11-18T10:00:00Z', finished_at: new Date(Date.UTC(2025, 10, 18, 10, 0, n)).toISOString(), duration_ms: n, rows_loaded: 100, rows_exported: exported };
  const outcome = decodePayload('x', resultName, JSON.stringify(event), 0);
  if (outcome.kind !== 'run') assert.fail(JSON.stringify(outcome));
  return outcome.run;
}

/** A store restored from another one's mutations, as the journal restores it. */
function restoredFrom(original: PipelineStore): PipelineStore {
  const store = new PipelineStore({ coalesceMs: 0 });
  for (const m of original.mutations()) store.apply(m);
  return store;
}

describe('summarizeAway', () => {
  test('failures, recoveries, data-quality warnings, expired states and new pipelines since the restore', () => {
    const original = new PipelineStore({ coalesceMs: 0 });
    original.addRun(run('FIXED', 'failed'), 'live');
    original.addRun(run('BREAKS'), 'live');
    original.addRun(run('DQ'), 'live');
    original.addRun(run('GONE'), 'live');
    original.addRun(run('QUIET'), 'live');
    const store = restoredFrom(original);
    const baseline = takeBaseline(store);
    assert.equal(hasNews(summarizeAway(baseline, store)), false, 'nothing happened yet');
    store.addRun(run('FIXED'), 'recovered');
    store.addRun(run('BREAKS', 'completed_with_errors'), 'loaded');
    store.addRun(run('BREAKS'), 'loaded');
    store.addRun(run('DQ', 'success', 90), 'loaded');
    store.addRun(run('NEW'), 'loaded');
    store.markExpiredExcept(new Set(['FIXED', 'BREAKS', 'DQ', 'NEW', 'QUIET']));
    const s = summarizeAway(baseline, store);
    assert.deepEqual(
      { ...s, failed: [...s.failed].sort() },
      { runs: 5, failed: ['BREAKS'], recovered: ['FIXED'], dataQuality: ['DQ'], expired: ['GONE'], added: ['NEW'] },
    );
    assert.equal(hasNews(s), true);
  });
});

describe('Export History over a restored model', () => {
  test('the restored runs are exported like any other', () => {
    const original = new PipelineStore({ coalesceMs: 0 });
    for (let i = 0; i < 3; i++) original.addRun(run('EXP'), 'live');
    const store = restoredFrom(original);
    assert.deepEqual(
      toExportRows(store.history('EXP')).map((r) => r.duration_ms),
      toExportRows(original.history('EXP')).map((r) => r.duration_ms),
    );
    assert.equal(toExportRows(store.history('EXP')).length, 3);
  });
});
