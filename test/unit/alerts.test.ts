import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { earlyToleranceMs, learnCadence, MIN_RUNS_TO_LEARN, nextDue } from '../../src/core/alerts/cadence';
import { parseDuration } from '../../src/core/alerts/duration';
import { parseExpectations } from '../../src/core/alerts/expectations';
import type { NoticeKind, NoticeSwitches } from '../../src/core/alerts/policy';
import { noticesFor } from '../../src/core/alerts/policy';
import type { AlertSettings } from '../../src/core/alerts/tracker';
import { AlertTracker, DEFAULT_ALERT_SETTINGS } from '../../src/core/alerts/tracker';
import { newSeries, ringPush, ringValues, sortedMedian, sortedPush, sortedWindowSlots, windowCount } from '../../src/core/alerts/stats';
import { summarizeRuns } from '../../src/core/alerts/trend';
import { findUnusual } from '../../src/core/alerts/unusual';
import { EXPECTATION_PROBLEM_CASES } from '../support/expectationProblems';
import type { RecordSpec } from '../support/records';
import { mkRecord } from '../support/records';

const T0 = Date.UTC(2026, 0, 5, 10, 0, 0);
const iso = (ms: number): string => new Date(ms).toISOString();
/** A run that finished at `at` (epoch ms). */
const runAt = (at: number, spec: RecordSpec = {}) => mkRecord({ startedAt: iso(at - (spec.durationMs ?? 1000)), finishedAt: iso(at), receivedAt: at, ...spec });
const ALL_ON: NoticeSwitches = { failed: true, completedWithErrors: true, dataQuality: true, success: false, recovered: true, unusual: true };
const settings = (over: Partial<AlertSettings> = {}): AlertSettings => ({ ...DEFAULT_ALERT_SETTINGS, ...over });
const stated = (value: unknown) => {
  const { expectations, problems } = parseExpectations(value);
  assert.deepEqual(problems, []);
  return expectations;
};

describe('parseDuration', () => {
  test('Go forms, @every, fractions and days', () => {
    assert.deepEqual(parseDuration('15m'), { ok: true, ms: 900_000 });
    assert.deepEqual(parseDuration('@every 15s'), { ok: true, ms: 15_000 });
    assert.deepEqual(parseDuration('1h30m'), { ok: true, ms: 5_400_000 });
    assert.deepEqual(parseDuration('1.5h'), { ok: true, ms: 5_400_000 });
    assert.deepEqual(parseDuration('500ms'), { ok: true, ms: 500 });
    assert.deepEqual(parseDuration('1d'), { ok: true, ms: 86_400_000 });
  });
  test('a number without a unit, garbage and overlong text are refused with a reason', () => {
    for (const text of ['15', '', 'fifteen minutes', '15 m', '-5m', 'x'.repeat(100)]) {
      const parsed = parseDuration(text);
      assert.equal(parsed.ok, false, text);
    }
  });
});

describe('parseExpectations', () => {
  test('every, cron with a zone, maxAge and grace', () => {
    const list = stated([
      { resultName: 'MASK_*', every: '@every 15s' },
      { resultName: 'BILLING_DAILY', cron: '0 2 * * *', timeZone: 'Europe/Moscow', grace: '30m' },
      { resultName: 'AUDIT_LOG', maxAge: '2h' },
      { resultName: 'GO_STYLE', cron: '@every 1m' },
    ]);
    assert.deepEqual(list.map((e) => e.schedule.kind), ['every', 'cron', 'maxAge', 'every']);
    assert.equal(list[1].graceMs, 1_800_000);
    assert.ok(list[0].matches('MASK_V001') && !list[0].matches('CRM'));
  });
  test('each problem names the entry and field; a bad entry is left out, the others kept', () => {
    const { expectations, problems } = parseExpectations([
      { resultName: 'A', every: '15' },
      { resultName: 'B', cron: 'not a cron' },
      { resultName: 'C', cron: '* * * * *', timeZone: 'Mars/Olympus' },
      { resultName: 'D', every: '1m', cron: '* * * * *' },
      { resultName: '[oops', every: '1m' },
      { resultName: 'F', every: '100ms' },
      { resultName: 'G', every: '1m', colour: 'red' },
      { resultName: 'H', every: '1m', timeZone: 'UTC' },
      'text',
      { resultName: 'OK', every: '1m' },
    ]);
    assert.deepEqual(expectations.map((e) => e.resultName), ['OK']);
    const at = problems.map((p) => p.at);
    for (const where of ['[0].every', '[1].cron', '[2].timeZone', '[3]', '[4].resultName', '[5].every', '[6].colour', '[7].timeZone', '[8]']) {
      assert.ok(at.some((a) => a === `tdtp.expectations${where}`), `${where} in ${JSON.stringify(problems)}`);
    }
    assert.deepEqual(parseExpectations(undefined), { expectations: [], problems: [] });
    assert.equal(parseExpectations({}).problems.length, 1);
  });
  for (const [code, c] of Object.entries(EXPECTATION_PROBLEM_CASES)) {
    test(`problem ${code}: a fact (where, code, values), no sentence`, () => {
      const { problems } = parseExpectations(c.value);
      const found = problems.find((p) => p.code === code);
      assert.ok(found, `${code} in ${JSON.stringify(problems)}`);
      assert.equal(found.at, c.at);
      assert.deepEqual(found.values.slice(0, c.values.length), c.values);
      assert.equal(found.got?.kind, c.got);
      if (code === 'notCron') assert.ok(found.values[1], "croner's own reason is kept");
      // The one problem of its case: the others' tables do not leak into it.
      assert.deepEqual(problems.map((p) => p.code), [code]);
    });
  }
  test('a refused duration says why as a code', () => {
    assert.deepEqual(parseDuration('15'), { ok: false, code: 'notDuration', values: ['15', '15'] });
    assert.deepEqual(parseDuration('1h 30x'), { ok: false, code: 'notDuration', values: ['1h 30x', ' 30x'] });
    assert.deepEqual(parseDuration(''), { ok: false, code: 'durationEmpty', values: [] });
    assert.deepEqual(parseDuration('x'.repeat(65)), { ok: false, code: 'durationTooLong', values: ['65', '64'] });
  });
});

describe('learnCadence', () => {
  test('speaks only after enough runs', () => {
    const times = Array.from({ length: MIN_RUNS_TO_LEARN - 1 }, (_, i) => T0 + i * 60_000);
    assert.equal(learnCadence(times), undefined);
    assert.equal(learnCadence([...times, T0 + times.length * 60_000])?.periodMs, 60_000);
  });
  test('a burst of runs a few milliseconds apart is not a schedule', () => {
    assert.equal(learnCadence(Array.from({ length: 10 }, (_, i) => T0 + i * 3)), undefined);
  });
  test('irregular runs teach nothing', () => {
    const gaps = [10, 300, 40, 900, 5, 120, 600, 30];
    let t = T0;
    assert.equal(learnCadence(gaps.map((g) => (t += g * 1000))), undefined);
  });
});

describe('AlertTracker: failures and recoveries', () => {
  test('ten failures in a row: one firstFailure, then a count; on change toasts once, every event ten times', () => {
    const tracker = new AlertTracker();
    const transitions = Array.from({ length: 10 }, (_, i) => tracker.observe(runAt(T0 + i * 60_000, { status: 'failed', error: 'boom' })));
    assert.deepEqual(transitions[0], [{ kind: 'firstFailure' }]);
    assert.deepEqual(transitions[9], [{ kind: 'stillFailing', failures: 10, since: T0 }]);
    const toasts = (policy: 'onChange' | 'everyEvent') => transitions.flatMap((t, i) => noticesFor(runAt(T0 + i * 60_000, { status: 'failed', error: 'boom' }), t, policy, ALL_ON));
    assert.deepEqual(toasts('onChange'), ['failed']);
    assert.equal(toasts('everyEvent').length, 10);
    assert.equal(tracker.get('MASK_V001')?.failures, 10);
  });
  test('a recovery after three failures says how many and for how long', () => {
    const tracker = new AlertTracker();
    for (let i = 0; i < 3; i++) tracker.observe(runAt(T0 + i * 600_000, { status: i === 1 ? 'completed_with_errors' : 'failed', error: 'x' }));
    const ok = runAt(T0 + 7_800_000);
    const t = tracker.observe(ok);
    assert.deepEqual(t, [{ kind: 'recovered', failures: 3, downMs: 7_800_000 }]);
    assert.deepEqual(noticesFor(ok, t, 'onChange', ALL_ON), ['recovered']);
    assert.deepEqual(tracker.observe(runAt(T0 + 8_400_000)), []);
    assert.equal(tracker.get('MASK_V001')?.failures, 0);
  });
  test('a loaded failure counts: the live failure after it is "still failing"', () => {
    const tracker = new AlertTracker();
    tracker.observe(runAt(T0, { status: 'failed', source: 'loaded' }));
    assert.equal(tracker.observe(runAt(T0 + 1000, { status: 'failed' }))[0].kind, 'stillFailing');
  });
});

describe('AlertTracker: data quality', () => {
  test('the same small drop on every run toasts once; a share twice the usual toasts again', () => {
    const tracker = new AlertTracker();
    const kinds: (readonly NoticeKind[])[] = [];
    for (let i = 0; i < 8; i++) {
      const r = runAt(T0 + i * 60_000, { loaded: 10_000, exported: 9_970 });
      kinds.push(noticesFor(r, tracker.observe(r), 'onChange', ALL_ON));
    }
    assert.deepEqual(kinds.flat(), ['dq_warning']);
    const worse = runAt(T0 + 9 * 60_000, { loaded: 10_000, exported: 9_940 });
    const t = tracker.observe(worse);
    assert.deepEqual(t, [{ kind: 'dqGrew', percent: 0.6, usualPercent: 0.3 }]);
    const extra = runAt(T0 + 10 * 60_000, { loaded: 10_000, exported: 10_100 });
    assert.deepEqual(tracker.observe(extra), [{ kind: 'dqChanged', from: 'dropped', to: 'extra' }]);
  });
  test('every event: each warning toasts', () => {
    const tracker = new AlertTracker();
    let n = 0;
    for (let i = 0; i < 4; i++) {
      const r = runAt(T0 + i * 60_000, { loaded: 10_000, exported: 9_970 });
      n += noticesFor(r, tracker.observe(r), 'everyEvent', ALL_ON).length;
    }
    assert.equal(n, 4);
  });
});

describe('AlertTracker: unusual runs', () => {
  test('a tenth of the usual rows and five times the usual duration are marked; a toast only when asked', () => {
    const tracker = new AlertTracker();
    for (let i = 0; i < 20; i++) tracker.observe(runAt(T0 + i * 60_000, { loaded: 15_000 + i, durationMs: 1800 + i }));
    const low = runAt(T0 + 21 * 60_000, { loaded: 1_500, durationMs: 9_500 });
    const t = tracker.observe(low);
    assert.deepEqual(
      tracker.get('MASK_V001')?.unusual.map((f) => `${f.metric} ${f.direction}`),
      ['rows_loaded below', 'rows_exported below', 'duration_ms above'],
    );
    assert.deepEqual(noticesFor(low, t, 'onChange', ALL_ON), ['unusual']);
    assert.deepEqual(noticesFor(low, t, 'onChange', { ...ALL_ON, unusual: false }), []);
  });
  test('too few runs: nothing is unusual yet', () => {
    const median = { rows_loaded: 100, rows_exported: 100, duration_ms: 100 };
    assert.deepEqual(findUnusual({ rows_loaded: 1, rows_exported: 1, duration_ms: 100 }, { runs: 4, median }, { factor: 3, minRuns: 5 }), []);
    assert.equal(findUnusual({ rows_loaded: 1, rows_exported: 1, duration_ms: 100 }, { runs: 5, median }, { factor: 3, minRuns: 5 }).length, 2);
  });
});

describe('AlertTracker: lateness', () => {
  test('a stated "@every 2s": late once after the grace, cleared by the next run', () => {
    const tracker = new AlertTracker(settings({ expectations: stated([{ resultName: '*', every: '@every 2s' }]) }));
    tracker.observe(runAt(T0));
    assert.deepEqual(tracker.checkLate(T0 + 3000), []);
    const late = tracker.checkLate(T0 + 3001);
    assert.deepEqual(late, [{ resultName: 'MASK_V001', late: { basis: 'stated', expectedAt: T0 + 2000, lateAfter: T0 + 3000 } }]);
    assert.deepEqual(tracker.checkLate(T0 + 60_000), [], 'once');
    assert.equal(tracker.lateCount(), 1);
    assert.equal(tracker.isLate('MASK_V001'), true);
    assert.deepEqual(tracker.observe(runAt(T0 + 10_000)), [{ kind: 'backOnTime', lateByMs: 8000, after: 'stated' }]);
    assert.equal(tracker.lateCount(), 0);
    assert.equal(tracker.isLate('MASK_V001'), false);
  });
  test('a learned cadence: silent until learned, then late past period and grace', () => {
    const tracker = new AlertTracker();
    for (let i = 0; i < 5; i++) tracker.observe(runAt(T0 + i * 60_000));
    assert.deepEqual(tracker.checkLate(T0 + 3_600_000), [], 'five runs are not enough');
    tracker.observe(runAt(T0 + 5 * 60_000));
    const last = T0 + 5 * 60_000;
    assert.deepEqual(tracker.checkLate(last + 90_000), []);
    assert.equal(tracker.checkLate(last + 90_001)[0]?.late.basis, 'learned');
  });
  test('a state key that expired without a newer run is late when no cadence is known', () => {
    const tracker = new AlertTracker(settings({ learnCadence: false }));
    tracker.observe(runAt(T0));
    assert.deepEqual(tracker.checkLate(T0 + 1, () => false), []);
    assert.deepEqual(tracker.checkLate(T0 + 2, (name) => name === 'MASK_V001'), [{ resultName: 'MASK_V001', late: { basis: 'stateExpired' } }]);
    assert.deepEqual(tracker.observe(runAt(T0 + 3)), [{ kind: 'backOnTime', lateByMs: 0, after: 'stateExpired' }], 'back, after a lateness that was no news');
  });
  test('the late count follows pipelines turning late, coming back, and being forgotten', () => {
    const tracker = new AlertTracker(settings({ expectations: stated([{ resultName: '*', every: '@every 2s' }]) }));
    for (const name of ['A', 'B', 'C']) tracker.observe(runAt(T0, { resultName: name }));
    assert.equal(tracker.checkLate(T0 + 3001).length, 3);
    assert.equal(tracker.lateCount(), 3);
    tracker.observe(runAt(T0 + 4000, { resultName: 'A' }));
    assert.equal(tracker.lateCount(), 2);
    tracker.retain((name) => name !== 'B');
    assert.equal(tracker.lateCount(), 1);
    tracker.forget('A');
    assert.equal(tracker.lateCount(), 1, 'A was not late');
    assert.equal(tracker.get('A'), undefined);
    tracker.forget('C');
    assert.equal(tracker.lateCount(), 0, 'C was');
    tracker.observe(runAt(T0, { resultName: 'D' }));
    tracker.checkLate(T0 + 3001);
    assert.deepEqual(['A', 'B', 'C', 'D'].map((name) => tracker.isLate(name)), [false, false, false, true]);
    assert.equal(tracker.lateCount(), 1);
    tracker.clear();
    assert.equal(tracker.lateCount(), 0);
  });
  test('a cron schedule in a zone', () => {
    const tracker = new AlertTracker(settings({ expectations: stated([{ resultName: 'MASK_*', cron: '*/5 * * * *', timeZone: 'Asia/Kolkata' }]) }));
    tracker.observe(runAt(Date.UTC(2026, 0, 5, 10, 1, 0)));
    const due = tracker.get('MASK_V001')?.due;
    assert.equal(due?.expectedAt, Date.UTC(2026, 0, 5, 10, 5, 0));
    assert.equal(due?.lateAfter, Date.UTC(2026, 0, 5, 10, 7, 30));
  });
  test('a cron run that finishes a moment before its slot belongs to it: the next due is the slot after', () => {
    const [expectation] = stated([{ resultName: '*', cron: '*/15 * * * *' }]);
    const due = (at: number) => nextDue({ basis: 'stated', expectation }, at)?.expectedAt;
    const ten = Date.UTC(2026, 0, 5, 10, 0, 0);
    const quarterPast = Date.UTC(2026, 0, 5, 10, 15, 0);
    assert.equal(due(ten + 3000), quarterPast, 'a run for 10:00 that finished 10:00:03');
    assert.equal(due(ten - 2000), quarterPast, 'a run for 10:00 that finished 09:59:58 (its clock 5 s ahead)');
    assert.equal(due(ten), quarterPast, 'exactly on the slot');
    // The tolerance is a tenth of the 15-minute gap, bounded by a minute.
    assert.equal(earlyToleranceMs(15 * 60_000), 60_000);
    assert.equal(due(ten - 60_000), quarterPast, 'a minute early is the bound, still for 10:00');
    assert.equal(due(ten - 60_001), ten, 'more than a minute early: a late 09:45 run, the 10:00 one is still due');
    const [everyMinute] = stated([{ resultName: '*', cron: '* * * * *' }]);
    assert.equal(earlyToleranceMs(60_000), 6000);
    assert.equal(nextDue({ basis: 'stated', expectation: everyMinute }, ten - 6000)?.expectedAt, ten + 60_000);
    assert.equal(nextDue({ basis: 'stated', expectation: everyMinute }, ten - 6001)?.expectedAt, ten);
  });
  test('the tracker does not turn a cron pipeline late at the slot its early run was for', () => {
    const tracker = new AlertTracker(settings({ expectations: stated([{ resultName: 'MASK_*', cron: '*/15 * * * *', grace: '1m' }]) }));
    const ten = Date.UTC(2026, 0, 5, 10, 0, 0);
    tracker.observe(runAt(ten - 2000));
    assert.deepEqual(tracker.checkLate(ten + 5 * 60_000), [], 'the 10:00 run came (2 s early); 10:15 is next');
    assert.equal(tracker.checkLate(ten + 16 * 60_000 + 1)[0]?.late.basis, 'stated');
  });
});

describe('summarizeRuns', () => {
  test('success rate, p50/p95 over every run, the usual band over the successful ones', () => {
    const runs = [
      ...Array.from({ length: 18 }, (_, i) => ({ statusKind: 'success' as const, durationMs: 1000 + i * 10 })),
      { statusKind: 'failed' as const, durationMs: 0 },
      { statusKind: 'success' as const, durationMs: 9000 },
    ];
    const s = summarizeRuns(runs);
    assert.equal(s.runs, 20);
    assert.equal(s.successRate, 0.95);
    assert.equal(s.p50DurationMs, 1085);
    assert.ok(s.p95DurationMs > 1170 && s.p95DurationMs < 9000);
    assert.deepEqual([s.usualLowMs, s.usualHighMs], [1045, 1135]);
    assert.ok(Number.isNaN(summarizeRuns([]).successRate));
  });
});

describe('series windows', () => {
  test('a sorted window: the median of the newest values, oldest dropped first', () => {
    const buf = newSeries(1 + sortedWindowSlots(3));
    const at = 1; // not at 0, so offsets are exercised
    assert.ok(Number.isNaN(sortedMedian(buf, at, 3)));
    for (const v of [5, 1, 9]) sortedPush(buf, at, 3, v);
    assert.equal(sortedMedian(buf, at, 3), 5);
    sortedPush(buf, at, 3, 2); // drops 5: [1, 9, 2]
    assert.equal(sortedMedian(buf, at, 3), 2);
    sortedPush(buf, at, 3, 2); // drops 1: [9, 2, 2]
    assert.equal(sortedMedian(buf, at, 3), 2);
    sortedPush(buf, at, 3, 0.5); // drops 9: [2, 2, 0.5]
    assert.equal(sortedMedian(buf, at, 3), 2);
    assert.equal(windowCount(buf, at), 3);
    assert.equal(buf[0], 0, 'the slot before the window is untouched');
  });
  test('a ring: the newest values, oldest first', () => {
    const buf = newSeries(5);
    for (const v of [1, 2]) ringPush(buf, 0, 3, v);
    assert.deepEqual(ringValues(buf, 0, 3), [1, 2]);
    for (const v of [3, 4]) ringPush(buf, 0, 3, v);
    assert.deepEqual(ringValues(buf, 0, 3), [2, 3, 4]);
  });
});

describe('AlertTracker: a pipeline seen once', () => {
  test('its first run, failed, still counts for the cadence once more runs come', () => {
    assert.ok(MIN_RUNS_TO_LEARN > 1, 'the tracker learns nothing for a pipeline without a series (one run at most)');
    const failedFirst = new AlertTracker();
    const allGood = new AlertTracker();
    for (let i = 0; i < 8; i++) {
      failedFirst.observe(runAt(T0 + i * 60_000, { resultName: 'A', status: i === 0 ? 'failed' : 'success' }));
      allGood.observe(runAt(T0 + i * 60_000, { resultName: 'A' }));
    }
    assert.ok(allGood.get('A')?.cadence, 'a cadence is learned');
    assert.deepEqual(failedFirst.get('A')?.cadence, allGood.get('A')?.cadence);
    assert.deepEqual(failedFirst.get('A')?.due, allGood.get('A')?.due);
  });

  test('a flood of names seen once each (failed) holds no series: well under the ~1.5 KB each would take', () => {
    setFlagsFromString('--expose-gc');
    const gc = runInNewContext('gc') as () => void;
    const names = 20_000;
    const records = Array.from({ length: names }, (_, i) => runAt(T0 + i, { resultName: `FLOOD_${i}`, status: 'failed', error: 'boom' }));
    const tracker = new AlertTracker();
    gc();
    gc();
    const before = process.memoryUsage().heapUsed;
    for (const record of records) tracker.observe(record);
    gc();
    gc();
    const perName = (process.memoryUsage().heapUsed - before) / names;
    assert.equal(tracker.get('FLOOD_7')?.failures, 1);
    assert.ok(perName < 600, `${Math.round(perName)} bytes per name`);
  });
});

describe('AlertTracker.retain', () => {
  test('pipelines the model no longer holds are forgotten, and never turn late', () => {
    const tracker = new AlertTracker(settings({ expectations: stated([{ resultName: '*', every: '1m' }]) }));
    tracker.observe(runAt(T0, { resultName: 'A' }));
    tracker.observe(runAt(T0, { resultName: 'B' }));
    tracker.retain((name) => name === 'B');
    assert.equal(tracker.get('A'), undefined);
    assert.deepEqual(tracker.checkLate(T0 + 3_600_000).map((l) => l.resultName), ['B']);
  });
});

describe('defaults', () => {
  test("the core's DEFAULT_ALERT_SETTINGS (tests, bench) are the manifest's defaults", () => {
    const manifest = JSON.parse(readFileSync(join(__dirname, '..', '..', 'package.json'), 'utf8'));
    const props = manifest.contributes.configuration.properties;
    assert.equal(props['tdtp.alerts.learnCadence'].default, DEFAULT_ALERT_SETTINGS.learnCadence);
    assert.equal(props['tdtp.alerts.unusualFactor'].default, DEFAULT_ALERT_SETTINGS.unusual.factor);
    assert.equal(props['tdtp.alerts.unusualMinRuns'].default, DEFAULT_ALERT_SETTINGS.unusual.minRuns);
    assert.equal(props['tdtp.alerts.dataQualityGrowthFactor'].default, DEFAULT_ALERT_SETTINGS.dqGrowthFactor);
    assert.deepEqual(props['tdtp.expectations'].default, DEFAULT_ALERT_SETTINGS.expectations);
  });
});
