import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { AlertTracker } from '../../src/core/alerts/tracker';
import { DISPLAY_ORDER } from '../../src/core/status';
import type { PipelineSnapshot } from '../../src/core/storeTypes';
import { PipelineStore } from '../../src/core/store';
import { displayStatusOf, sortForDisplay } from '../../src/core/status';
import { finishedOrReceived } from '../../src/core/runs';
import { mkRecord } from '../support/records';

const T0 = Date.UTC(2026, 0, 5, 10, 0, 0);
const iso = (ms: number): string => new Date(ms).toISOString();
const STATUS_OF = { success: 'success', failed: 'failed', completed_with_errors: 'completed_with_errors', unknown: 'paused' } as const;

/** A store holding one pipeline per spec: its status and when its latest run finished (seconds after T0). */
function storeOf(specs: ReadonlyArray<{ name: string; status: keyof typeof STATUS_OF | 'dq_warning'; at: number }>): PipelineStore {
  const store = new PipelineStore({ coalesceMs: 0 });
  for (const { name, status, at } of specs) {
    const record = mkRecord({ resultName: name, status: status === 'dq_warning' ? 'success' : STATUS_OF[status], loaded: 100, exported: status === 'dq_warning' ? 50 : 100, finishedAt: iso(T0 + at * 1000), startedAt: iso(T0 + at * 1000 - 1000) });
    store.addRun(record.run, 'live', T0 + at * 1000);
  }
  return store;
}

const names = (list: readonly PipelineSnapshot[]) => list.map((p) => p.resultName);

describe('the order pipelines are listed in', () => {
  const store = storeOf([
    { name: 'ok_new', status: 'success', at: 90 },
    { name: 'ok_late', status: 'success', at: 10 },
    { name: 'ok_old', status: 'success', at: 5 },
    { name: 'dq', status: 'dq_warning', at: 80 },
    { name: 'dq_late', status: 'dq_warning', at: 70 },
    { name: 'cwe', status: 'completed_with_errors', at: 60 },
    { name: 'odd', status: 'unknown', at: 50 },
    { name: 'fail', status: 'failed', at: 40 },
    { name: 'fail_late', status: 'failed', at: 30 },
  ]);

  test('without lateness: failures first, then by status, the most recent first', () => {
    assert.deepEqual(names(store.list()), ['fail', 'fail_late', 'cwe', 'odd', 'dq', 'dq_late', 'ok_new', 'ok_late', 'ok_old']);
  });

  test('late ones come right after the failed ones, in their statuses’ order; a failed one that is late stays with the failed', () => {
    const late = new Set(['ok_late', 'dq_late', 'fail_late']);
    assert.deepEqual(names(store.list((n) => late.has(n))), ['fail', 'fail_late', 'dq_late', 'ok_late', 'cwe', 'odd', 'dq', 'ok_new', 'ok_old']);
  });

  test('coming back: no longer late, back in its status’s place', () => {
    assert.deepEqual(names(store.list(() => false)), names(store.list()));
  });

  test('the alert tracker’s lateness is what moves a pipeline up', () => {
    const tracker = new AlertTracker();
    const s = new PipelineStore({ coalesceMs: 0 });
    s.onDidAddRun((record) => tracker.observe(record));
    // QUIET runs every minute, six times (a cadence is learned), then stops; BUSY keeps going.
    for (let i = 0; i < 6; i++) s.addRun(mkRecord({ resultName: 'QUIET', finishedAt: iso(T0 + i * 60_000), startedAt: iso(T0 + i * 60_000 - 1000) }).run, 'live', T0 + i * 60_000);
    for (let i = 0; i < 10; i++) s.addRun(mkRecord({ resultName: 'BUSY', finishedAt: iso(T0 + i * 60_000), startedAt: iso(T0 + i * 60_000 - 1000) }).run, 'live', T0 + i * 60_000);
    const isLate = (n: string) => tracker.get(n)?.late !== undefined;
    assert.deepEqual(names(s.list(isLate)), ['BUSY', 'QUIET'], 'the most recent first while both are on time');
    tracker.checkLate(T0 + 9 * 60_000);
    assert.deepEqual(names(s.list(isLate)), ['QUIET', 'BUSY'], 'late moves up');
    s.addRun(mkRecord({ resultName: 'QUIET', finishedAt: iso(T0 + 9 * 60_000 + 1000) }).run, 'live', T0 + 9 * 60_000 + 1000);
    assert.equal(isLate('QUIET'), false);
    assert.deepEqual(names(s.list(isLate)), ['QUIET', 'BUSY'], 'back on time, and now the most recent');
    s.addRun(mkRecord({ resultName: 'BUSY', finishedAt: iso(T0 + 10 * 60_000) }).run, 'live', T0 + 10 * 60_000);
    assert.deepEqual(names(s.list(isLate)), ['BUSY', 'QUIET']);
  });

  test('(property) tiers never go back, statuses then recency within them, the same whatever the input order', () => {
    const spec = fc.record({ status: fc.constantFrom('success', 'failed', 'completed_with_errors', 'unknown', 'dq_warning'), at: fc.integer({ min: 0, max: 100 }), late: fc.boolean() });
    fc.assert(
      fc.property(fc.uniqueArray(fc.tuple(fc.stringMatching(/^[A-Z]{1,4}$/), spec), { selector: ([n]) => n, maxLength: 40 }), (entries) => {
        const s = storeOf(entries.map(([name, e]) => ({ name, ...e })));
        const late = new Set(entries.filter(([, e]) => e.late).map(([n]) => n));
        const listed = s.list((n) => late.has(n));
        assert.deepEqual([...names(listed)].sort(), entries.map(([n]) => n).sort(), 'every pipeline once');
        assert.deepEqual(names(sortForDisplay([...listed].reverse(), (n) => late.has(n))), names(listed), 'input order does not matter');
        const tier = (p: PipelineSnapshot) => (p.displayStatus === 'failed' ? 0 : late.has(p.resultName) ? 1 : 2);
        for (let i = 1; i < listed.length; i++) {
          const [a, b] = [listed[i - 1], listed[i]];
          assert.ok(tier(a) <= tier(b), `${a.resultName} before ${b.resultName}`);
          if (tier(a) !== tier(b)) continue;
          const [sa, sb] = [DISPLAY_ORDER.indexOf(displayStatusOf(a.latest)), DISPLAY_ORDER.indexOf(displayStatusOf(b.latest))];
          assert.ok(sa <= sb);
          if (sa === sb) assert.ok(finishedOrReceived(a.latest) >= finishedOrReceived(b.latest));
        }
      }),
    );
  });
});
