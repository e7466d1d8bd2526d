import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { earlyToleranceMs, learnCadence, nextDue } from '../../src/core/alerts/cadence';
import { parseExpectations } from '../../src/core/alerts/expectations';
import type { NoticeKind, NoticeSwitches, NotificationPolicy } from '../../src/core/alerts/policy';
import { noticesFor } from '../../src/core/alerts/policy';
import type { AlertTransition } from '../../src/core/alerts/tracker';
import { AlertTracker, DEFAULT_ALERT_SETTINGS } from '../../src/core/alerts/tracker';
import { newSeries, sortedMedian, sortedPush, sortedWindowSlots, windowCount } from '../../src/core/alerts/stats';
import { baselineRunsNeeded } from '../../src/core/alerts/baseline';
import type { RunMetrics, UnusualFinding, UnusualThresholds } from '../../src/core/alerts/unusual';
import { BASELINE_RUNS, UNUSUAL_METRICS, findUnusual, findUnusualAgainst } from '../../src/core/alerts/unusual';
import { isDqWarning } from '../../src/core/dataQuality';
import type { RunRecord } from '../../src/core/runs';
import { mkRecord } from '../support/records';

const T0 = Date.UTC(2026, 0, 5, 10, 0, 0);
const iso = (ms: number): string => new Date(ms).toISOString();

/** Run times every `period`, each off by up to ±`jitter`, with the runs at `missed` indexes left out. */
const schedule = fc
  .record({
    period: fc.integer({ min: 1000, max: 86_400_000 }),
    jitterShare: fc.double({ min: 0, max: 0.05, noNaN: true }),
    runs: fc.integer({ min: 8, max: 40 }),
    seed: fc.array(fc.double({ min: -1, max: 1, noNaN: true }), { minLength: 40, maxLength: 40 }),
    missedShare: fc.double({ min: 0, max: 0.2, noNaN: true }),
    missedSeed: fc.array(fc.double({ min: 0, max: 1, noNaN: true }), { minLength: 40, maxLength: 40 }),
  })
  .map(({ period, jitterShare, runs, seed, missedShare, missedSeed }) => {
    const jitter = period * jitterShare;
    const times: number[] = [];
    // "A few missed runs": at most a third of the intervals left doubled (a quarter of the runs), never the last run (the anchor),
    // never two in a row.
    let missedLeft = Math.floor((runs - 1) / 4);
    let previousMissed = false;
    for (let i = 0; i < runs; i++) {
      const missed: boolean = i > 0 && i < runs - 1 && missedLeft > 0 && !previousMissed && missedSeed[i] < missedShare;
      if (missed) missedLeft--;
      else times.push(Math.round(T0 + i * period + seed[i] * jitter));
      previousMissed = missed;
    }
    return { period, jitter, times };
  });

describe('cadence (property)', () => {
  test('learned from jittery runs with gaps: the period within twice the jitter; on time is not late, twice the period is', () => {
    fc.assert(
      fc.property(schedule, ({ period, jitter, times }) => {
        const learned = learnCadence(times);
        assert.ok(learned, 'a regular schedule is learned');
        assert.ok(Math.abs(learned.periodMs - period) <= 2 * jitter + 1, `learned ${learned.periodMs} for ${period}`);
        const last = times[times.length - 1];
        const due = nextDue({ basis: 'learned', learned }, last)!;
        assert.ok(due.lateAfter >= last + period + 2 * jitter, 'a run within its jitter is on time');
        assert.ok(due.lateAfter < last + 2 * period, 'a missed run is noticed before the next one is due');
      }),
    );
  });

  test('the tracker turns a silent pipeline late exactly once, and a run clears it', () => {
    fc.assert(
      fc.property(schedule, fc.integer({ min: 2, max: 20 }), ({ period, times }, checks) => {
        const tracker = new AlertTracker();
        for (const t of times) tracker.observe(mkRecord({ finishedAt: iso(t), startedAt: iso(t - 10), receivedAt: t }));
        const last = times[times.length - 1];
        let turned = 0;
        for (let k = 1; k <= checks; k++) turned += tracker.checkLate(last + (k * 3 * period) / checks).length;
        assert.equal(turned, 1);
        assert.equal(tracker.observe(mkRecord({ finishedAt: iso(last + 3 * period), receivedAt: last + 3 * period }))[0]?.kind, 'backOnTime');
        assert.equal(tracker.lateCount(), 0);
      }),
    );
  });
});

/** Wall-clock hour and minute of an instant in a zone. */
function localTime(ms: number, timeZone: string): { hour: number; minute: number } {
  const parts = new Intl.DateTimeFormat('en-GB', { timeZone, hour: '2-digit', minute: '2-digit', hourCycle: 'h23' }).formatToParts(new Date(ms));
  return { hour: Number(parts.find((p) => p.type === 'hour')!.value), minute: Number(parts.find((p) => p.type === 'minute')!.value) };
}

const cron = (pattern: string, timeZone: string) => {
  const { expectations, problems } = parseExpectations([{ resultName: '*', cron: pattern, timeZone }]);
  assert.deepEqual(problems, []);
  return expectations[0];
};

// Around the 2026 changes in Berlin: clocks go 02:00 → 03:00 on 29 March and 03:00 → 02:00 on 25 October.
const aroundDst = fc.oneof(fc.integer({ min: Date.UTC(2026, 2, 27), max: Date.UTC(2026, 2, 31) }), fc.integer({ min: Date.UTC(2026, 9, 23), max: Date.UTC(2026, 9, 27) }));

describe('cron across a daylight-saving change (property)', () => {
  test('"*/15 * * * *" in Europe/Berlin: the next run is always within 15 real minutes', () => {
    const expectation = cron('*/15 * * * *', 'Europe/Berlin');
    fc.assert(
      fc.property(aroundDst, (last) => {
        const due = nextDue({ basis: 'stated', expectation }, last)!;
        // Within 15 minutes, or a minute more for a run that came (up to) a minute before its slot.
        assert.ok(due.expectedAt > last && due.expectedAt - last <= 15 * 60_000 + earlyToleranceMs(15 * 60_000), `${iso(last)} → ${iso(due.expectedAt)}`);
        assert.equal(localTime(due.expectedAt, 'Europe/Berlin').minute % 15, 0);
      }),
    );
  });

  test('a daily "M H * * *" in Europe/Berlin fires at H:M local time (the first time after a skipped hour), 23 to 25 hours apart', () => {
    fc.assert(
      fc.property(aroundDst, fc.integer({ min: 0, max: 23 }), fc.integer({ min: 0, max: 59 }), (last, hour, minute) => {
        const expectation = cron(`${minute} ${hour} * * *`, 'Europe/Berlin');
        const first = nextDue({ basis: 'stated', expectation }, last)!.expectedAt;
        const second = nextDue({ basis: 'stated', expectation }, first)!.expectedAt;
        for (const at of [first, second]) {
          const local = localTime(at, 'Europe/Berlin');
          const skipped = hour === 2 && local.hour === 3 && local.minute === 0;
          assert.ok((local.hour === hour && local.minute === minute) || skipped, `${iso(at)} for ${hour}:${minute}`);
        }
        assert.ok(first > last && first - last <= 25 * 3_600_000 + earlyToleranceMs(22.5 * 3_600_000));
        const gap = second - first;
        assert.ok(gap >= 22.5 * 3_600_000 && gap <= 25 * 3_600_000, `gap ${gap / 3_600_000} h`);
      }),
    );
  });
});

describe('a cron run early or late on its slot (property)', () => {
  // Zones with a DST change in the window (Lord Howe moves by half an hour), and one without.
  const zones = fc.constantFrom('Europe/Berlin', 'America/New_York', 'Australia/Lord_Howe', 'Asia/Kolkata', 'UTC');
  const patterns = fc.constantFrom('*/15 * * * *', '* * * * *', '0 * * * *', '30 2 * * *', '0 9,17 * * *', '*/10 * * * * *', '*/30 * * * *');
  // Around the 2026 changes: Europe (29 March, 25 October), the US (8 March, 1 November), Lord Howe (5 April, 4 October).
  const around = fc.oneof(
    ...[Date.UTC(2026, 2, 29), Date.UTC(2026, 9, 25), Date.UTC(2026, 2, 8), Date.UTC(2026, 10, 1), Date.UTC(2026, 3, 5), Date.UTC(2026, 9, 4)].map((day) => fc.integer({ min: day - 2 * 86_400_000, max: day + 2 * 86_400_000 })),
  );
  /** Three consecutive slots after `from`, as croner lists them. */
  const slots = (pattern: string, timeZone: string, from: number) => {
    const expectation = cron(pattern, timeZone);
    assert.equal(expectation.schedule.kind, 'cron');
    const [s0, s1, s2] = (expectation.schedule as Extract<typeof expectation.schedule, { kind: 'cron' }>).cron.nextRuns(3, new Date(from)).map((d) => d.getTime());
    return { expectation, s0, s1, s2, tolerance: earlyToleranceMs(s1 - s0) };
  };

  test('a run anywhere from the tolerance before its slot to just before the next slot’s tolerance: the next slot is due', () => {
    fc.assert(
      fc.property(patterns, zones, around, fc.double({ min: 0, max: 1, noNaN: true }), (pattern, timeZone, from, share) => {
        const { expectation, s0, s1, tolerance } = slots(pattern, timeZone, from);
        // From `tolerance` early to just short of the next slot's window (a run late on its slot, by up to almost a whole gap).
        const earliest = s0 - Math.floor(tolerance);
        const latest = s1 - Math.floor(earlyToleranceMs(s1 - s0)) - 1;
        const at = Math.round(earliest + share * (latest - earliest));
        assert.equal(nextDue({ basis: 'stated', expectation }, at)?.expectedAt, s1, `${pattern} ${timeZone}: run ${iso(at)} for ${iso(s0)}`);
      }),
    );
  });

  test('the boundaries: exactly the tolerance early is the slot’s run, a millisecond more is the slot before’s', () => {
    fc.assert(
      fc.property(patterns, zones, around, (pattern, timeZone, from) => {
        const { expectation, s0, s1, s2 } = slots(pattern, timeZone, from);
        const due = (at: number) => nextDue({ basis: 'stated', expectation }, at)?.expectedAt;
        const early = Math.floor(earlyToleranceMs(s1 - s0));
        assert.equal(due(s0 - early), s1, `${iso(s0 - early)}: ${early} ms early`);
        assert.equal(due(s0 - early - 1), s0, `${iso(s0 - early - 1)}: past the window, a late run for the slot before`);
        assert.equal(due(s0), s1, 'on the slot');
        const nextEarly = Math.floor(earlyToleranceMs(s2 - s1));
        assert.equal(due(s1 - nextEarly), s2, 'inside the next slot’s window: the one after it is due');
      }),
    );
  });

  test('the tolerance is a tenth of the gap, never over a minute, and never reaches the slot before', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1000, max: 40 * 86_400_000 }), (gap) => {
        const t = earlyToleranceMs(gap);
        assert.ok(t <= 60_000 && t <= gap / 10 && t > 0);
      }),
    );
  });
});

describe('thresholds at their boundaries (property)', () => {
  const baselineOf = (n: number, m: number) => ({ runs: n, median: { rows_loaded: m, rows_exported: m, duration_ms: m } });

  test('exactly factor × the median is unusual, one less is not; the same below', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 1_000_000 }), fc.integer({ min: 2, max: 10 }), fc.integer({ min: 1, max: 20 }), (m, factor, minRuns) => {
        const t = { factor, minRuns };
        const base = baselineOf(minRuns, m);
        const above = (v: number) => findUnusual({ rows_loaded: v, rows_exported: m, duration_ms: m }, base, t).some((f) => f.direction === 'above');
        assert.equal(above(m * factor), true);
        assert.equal(above(m * factor - 1), false);
        const below = (v: number) => findUnusual({ rows_loaded: v, rows_exported: m, duration_ms: m }, base, t).some((f) => f.direction === 'below');
        const edge = Math.floor(m / factor);
        assert.equal(below(edge), true);
        assert.equal(below(edge + 1), (edge + 1) * factor <= m);
        assert.deepEqual(findUnusual({ rows_loaded: 0, rows_exported: 0, duration_ms: m * factor }, baselineOf(minRuns - 1, m), t), [], 'one run too few');
      }),
    );
  });

  test('a dropped share exactly growthFactor × the usual one toasts again, just under does not', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 50 }), fc.integer({ min: 2, max: 4 }), (usualRows, growth) => {
        const loaded = 100_000;
        const tracker = new AlertTracker({ ...DEFAULT_ALERT_SETTINGS, dqGrowthFactor: growth });
        let t = T0;
        const observe = (dropped: number) => tracker.observe(mkRecord({ loaded, exported: loaded - dropped, finishedAt: iso((t += 60_000)), receivedAt: t }));
        for (let i = 0; i < 5; i++) observe(usualRows);
        assert.deepEqual(observe(usualRows * growth - 1), []);
        assert.deepEqual(observe(usualRows * growth).map((x) => x.kind), ['dqGrew']);
      }),
    );
  });
});

describe('sorted windows against a plain model (property)', () => {
  const medianOf = (values: readonly number[]): number => {
    const sorted = [...values].sort((a, b) => a - b);
    const mid = sorted.length >> 1;
    return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
  };
  // Few distinct values, so equal values (the oldest equal to others, the newest equal to the oldest) are common.
  const values = fc.array(fc.oneof(fc.integer({ min: -3, max: 3 }), fc.integer({ min: -2_000_000, max: 2_000_000 }), fc.double({ min: 0, max: 100, noNaN: true })), { maxLength: 80 });

  test('after every push: the count, the median and the sorted part are those of the newest `capacity` values', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 25 }), values, fc.integer({ min: 0, max: 3 }), (capacity, pushed, at) => {
        // The window at an offset, between other slots that must not change.
        const buf = newSeries(at + sortedWindowSlots(capacity) + 2);
        buf[0] = at > 0 ? 7 : buf[0];
        const seen: number[] = [];
        for (const v of pushed) {
          sortedPush(buf, at, capacity, v);
          seen.push(v);
          const newest = seen.slice(-capacity);
          assert.equal(windowCount(buf, at), newest.length);
          assert.equal(sortedMedian(buf, at, capacity), medianOf(newest));
          const sortedPart = buf.slice(at + 2 + capacity, at + 2 + capacity + newest.length);
          assert.deepEqual(sortedPart, [...newest].sort((a, b) => a - b));
        }
        if (at > 0) assert.equal(buf[0], 7);
        assert.deepEqual(buf.slice(at + sortedWindowSlots(capacity)), [0, 0]);
      }),
    );
  });

  test('the tracker finds a run unusual exactly as findUnusual does against the medians of the last successful runs', () => {
    const run = fc.record({ ok: fc.boolean(), loaded: fc.integer({ min: 0, max: 1000 }), duration: fc.integer({ min: 0, max: 1000 }), droppedShare: fc.integer({ min: 0, max: 3 }) });
    fc.assert(
      fc.property(fc.array(run, { minLength: 1, maxLength: 60 }), (runs) => {
        const tracker = new AlertTracker();
        const history: Array<{ rows_loaded: number; rows_exported: number; duration_ms: number }> = [];
        let t = T0;
        for (const r of runs) {
          const exported = r.loaded - Math.floor((r.loaded * r.droppedShare) / 10);
          const record = mkRecord({ status: r.ok ? 'success' : 'failed', loaded: r.loaded, exported: r.ok ? exported : 0, durationMs: r.duration, finishedAt: iso((t += 60_000)), receivedAt: t });
          const transitions = tracker.observe(record);
          const found = transitions.find((x) => x.kind === 'unusual');
          if (!r.ok) {
            assert.equal(found, undefined);
            continue;
          }
          const metrics = { rows_loaded: r.loaded, rows_exported: exported, duration_ms: r.duration };
          const last = history.slice(-BASELINE_RUNS);
          const expected = last.length
            ? findUnusual(metrics, { runs: last.length, median: { rows_loaded: medianOf(last.map((h) => h.rows_loaded)), rows_exported: medianOf(last.map((h) => h.rows_exported)), duration_ms: medianOf(last.map((h) => h.duration_ms)) } }, DEFAULT_ALERT_SETTINGS.unusual)
            : [];
          assert.deepEqual(found?.kind === 'unusual' ? found.findings : [], expected);
          assert.deepEqual(tracker.get(record.run.resultName)?.unusual, expected);
          history.push(metrics);
        }
      }),
    );
  });
});

/** noticesFor as it was before it made its array lazily: the model the current one must match. */
function noticesModel(record: RunRecord, transitions: readonly AlertTransition[], policy: NotificationPolicy, on: NoticeSwitches): NoticeKind[] {
  const has = (kind: AlertTransition['kind']) => transitions.some((t) => t.kind === kind);
  const notices: NoticeKind[] = [];
  const status = record.run.statusKind;
  const failureNews = policy === 'everyEvent' || has('firstFailure');
  if (status === 'failed' && on.failed && failureNews) notices.push('failed');
  if (status === 'completed_with_errors' && on.completedWithErrors && failureNews) notices.push('completed_with_errors');
  if (status === 'success') {
    if (has('recovered') && on.recovered) notices.push('recovered');
    const dqNews = policy === 'everyEvent' ? isDqWarning(record.dq) : has('dqChanged') || has('dqGrew');
    if (dqNews && on.dataQuality) notices.push('dq_warning');
    if (has('unusual') && on.unusual) notices.push('unusual');
    if (on.success && !isDqWarning(record.dq) && !notices.includes('recovered')) notices.push('success');
  }
  return notices;
}

describe('the notification policy against a plain model (property)', () => {
  const TRANSITIONS: readonly AlertTransition[] = [
    { kind: 'firstFailure' },
    { kind: 'stillFailing', failures: 2, since: T0 },
    { kind: 'recovered', failures: 1, downMs: 60_000 },
    { kind: 'dqChanged', from: undefined, to: 'dropped' },
    { kind: 'dqGrew', percent: 10, usualPercent: 2 },
    { kind: 'unusual', findings: [] },
    { kind: 'backOnTime', lateByMs: 0, after: 'learned' },
  ];
  test('any run, transitions, policy and switches: the same notices in the same order', () => {
    const switches = fc.record({ failed: fc.boolean(), completedWithErrors: fc.boolean(), dataQuality: fc.boolean(), success: fc.boolean(), recovered: fc.boolean(), unusual: fc.boolean() });
    fc.assert(
      fc.property(
        fc.constantFrom('success', 'failed', 'completed_with_errors', 'running', 'odd'),
        fc.integer({ min: 0, max: 3 }),
        fc.subarray([...TRANSITIONS]),
        fc.constantFrom<NotificationPolicy>('onChange', 'everyEvent'),
        switches,
        (status, dropped, transitions, policy, on) => {
          const record = mkRecord({ status, loaded: 100, exported: 100 - dropped });
          assert.deepEqual([...noticesFor(record, transitions, policy, on)], noticesModel(record, transitions, policy, on));
        },
      ),
    );
  });
});

describe('unusual-run findings against a plain model (property)', () => {
  /** findUnusualAgainst as it was before it built its array at its size. */
  function findingsModel(run: RunMetrics, runs: number, usual: readonly number[], t: UnusualThresholds): UnusualFinding[] {
    if (runs < baselineRunsNeeded(t.minRuns) || !(t.factor > 1)) return [];
    const out: UnusualFinding[] = [];
    UNUSUAL_METRICS.forEach((metric, i) => {
      const value = run[metric];
      if (!(usual[i] > 0)) return;
      if (value >= usual[i] * t.factor) out.push({ metric, value, median: usual[i], direction: 'above' });
      else if (metric !== 'duration_ms' && value * t.factor <= usual[i]) out.push({ metric, value, median: usual[i], direction: 'below' });
    });
    return out;
  }
  test('any values, medians (0, negative and NaN included) and thresholds: the same findings in the same order', () => {
    const n = fc.oneof(fc.integer({ min: -10, max: 1000 }), fc.constantFrom(0, NaN, 0.5));
    fc.assert(
      fc.property(fc.tuple(n, n, n), fc.tuple(n, n, n), fc.integer({ min: 0, max: 30 }), fc.constantFrom(0, 1, 2, 3, 10), fc.constantFrom(0, 1, 5, NaN, 2.5), ([l, e, d], usual, runs, factor, minRuns) => {
        const run = { rows_loaded: l, rows_exported: e, duration_ms: d };
        const t = { factor, minRuns };
        assert.deepEqual([...findUnusualAgainst(run, runs, usual[0], usual[1], usual[2], t)], findingsModel(run, runs, usual, t));
      }),
    );
  });
});
