// The alert rules against a producer's clock: one run claiming year 9999, a clock behind ours by
// more than the grace, a clock ahead of ours. The tracker's own clock is fixed, so nothing here
// depends on when the test runs.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { parseExpectations } from '../../src/core/alerts/expectations';
import type { AlertSettings } from '../../src/core/alerts/tracker';
import { AlertTracker, DEFAULT_ALERT_SETTINGS } from '../../src/core/alerts/tracker';
import { CLOCK_SKEW_ALLOWANCE_MS } from '../../src/core/clock';
import type { RunSource } from '../../src/core/runs';
import { mkRecord } from '../support/records';

const T0 = Date.UTC(2026, 0, 5, 10, 0, 0);
const MIN = 60_000;
const iso = (ms: number): string => new Date(ms).toISOString();
const YEAR_9999 = '9999-12-31T23:59:59Z';
/** A run that claims to have finished at `claimed` and arrived (by our clock) at `receivedAt`. */
const run = (claimed: number | string, receivedAt: number, source: RunSource = 'live', status = 'success') =>
  mkRecord({ finishedAt: typeof claimed === 'string' ? claimed : iso(claimed), startedAt: iso(T0 - 3_600_000), receivedAt, source, status, ...(status === 'failed' ? { error: 'boom' } : {}) });
/** A run every minute, late 30 s after a missed one (the grace of a stated schedule is half its period). */
const everyMinute = (): AlertSettings => {
  const { expectations, problems } = parseExpectations([{ resultName: '*', every: '1m' }]);
  assert.deepEqual(problems, []);
  return { ...DEFAULT_ALERT_SETTINGS, expectations };
};
/** A tracker whose clock reads what the test sets. */
function trackerAt(settings: AlertSettings, start: number): { tracker: AlertTracker; clock: { now: number } } {
  const clock = { now: start };
  return { tracker: new AlertTracker(settings, () => clock.now), clock };
}

describe('AlertTracker: a run that claims a far-future finish (year 9999)', () => {
  test('a live one moves no anchor: the pipeline turns late when its next run does not come', () => {
    const { tracker, clock } = trackerAt(everyMinute(), T0);
    tracker.observe(run(T0, T0));
    clock.now = T0 + MIN;
    tracker.observe(run(YEAR_9999, T0 + MIN));
    assert.equal(tracker.get('MASK_V001')?.due?.expectedAt, T0 + 2 * MIN, 'due a minute after it arrived');
    assert.deepEqual(tracker.checkLate(T0 + 2 * MIN + 30_000), []);
    assert.equal(tracker.checkLate(T0 + 2 * MIN + 30_001)[0]?.late.basis, 'stated', 'late on time, not in year 9999');
    const back = tracker.observe(run(T0 + 3 * MIN, T0 + 3 * MIN));
    assert.deepEqual(back, [{ kind: 'backOnTime', lateByMs: MIN, after: 'stated' }]);
    assert.deepEqual(tracker.checkLate(T0 + 4 * MIN + 30_000), []);
    assert.equal(tracker.checkLate(T0 + 4 * MIN + 30_001).length, 1, 'and late again the next time');
  });

  test('one read at connect (a state key, a stream) is bounded by the clock, even with a received time from year 9999', () => {
    for (const source of ['loaded', 'recovered', 'polled'] as const) {
      const { tracker } = trackerAt(everyMinute(), T0);
      // A stream entry's ID carries the time a recorder took for it: here the claim itself.
      tracker.observe(run(YEAR_9999, Date.UTC(9999, 11, 31, 23, 59, 59), source));
      const due = tracker.get('MASK_V001')?.due;
      assert.ok(due && due.expectedAt <= T0 + CLOCK_SKEW_ALLOWANCE_MS + MIN, `${source}: due by the clock plus the allowance, not in 9999 (${due?.expectedAt})`);
      assert.equal(tracker.checkLate(T0 + CLOCK_SKEW_ALLOWANCE_MS + MIN + 30_001).length, 1, source);
    }
  });

  test('failures: the time since the first failure and the time down are not measured from year 9999', () => {
    const { tracker } = trackerAt(DEFAULT_ALERT_SETTINGS, T0);
    tracker.observe(run(YEAR_9999, T0, 'live', 'failed'));
    const still = tracker.observe(run(T0 + MIN, T0 + MIN, 'live', 'failed'));
    assert.deepEqual(still, [{ kind: 'stillFailing', failures: 2, since: T0 }]);
    assert.deepEqual(tracker.observe(run(T0 + 5 * MIN, T0 + 5 * MIN)), [{ kind: 'recovered', failures: 2, downMs: 5 * MIN }]);
  });

  test('after a reload: a tracker taught the restored history with such a run still turns late', () => {
    // The history as the journal restores it: live runs with the times they arrived, the last one claiming 9999.
    const history = [run(T0, T0), run(T0 + MIN, T0 + MIN), run(YEAR_9999, T0 + 2 * MIN)];
    // The next session starts an hour later.
    const later = T0 + 60 * MIN;
    const { tracker } = trackerAt(everyMinute(), later);
    for (const record of history) tracker.observe(record);
    assert.equal(tracker.get('MASK_V001')?.due?.expectedAt, T0 + 3 * MIN);
    assert.equal(tracker.checkLate(later)[0]?.late.basis, 'stated', 'late at once: nothing has come for an hour');
  });
});

describe("AlertTracker: a producer's clock that is not ours", () => {
  // Runs arrive every minute, on time; the producer stamps them with its own clock.
  const onTime = (skewMs: number, source: RunSource = 'live') => {
    const { tracker, clock } = trackerAt(everyMinute(), T0);
    for (let i = 0; i < 5; i++) {
      clock.now = T0 + i * MIN;
      tracker.observe(run(T0 + i * MIN + skewMs, T0 + i * MIN, source));
    }
    return { tracker, last: T0 + 4 * MIN };
  };

  test('behind by ten minutes (more than the grace): never late while runs arrive on time; late when one does not', () => {
    const { tracker, last } = onTime(-10 * MIN);
    assert.deepEqual(tracker.checkLate(last + MIN + 29_000), [], 'the next run is not even due yet by our clock');
    assert.equal(tracker.get('MASK_V001')?.due?.expectedAt, last + MIN);
    assert.equal(tracker.checkLate(last + MIN + 30_001).length, 1, 'late 30 s after the missed run was due');
  });

  test('ahead by four minutes (within the allowance): late 30 s after a missed run, not four minutes later', () => {
    const { tracker, last } = onTime(4 * MIN);
    assert.equal(tracker.get('MASK_V001')?.due?.expectedAt, last + MIN);
    assert.deepEqual(tracker.checkLate(last + MIN + 30_000), []);
    assert.equal(tracker.checkLate(last + MIN + 30_001).length, 1);
  });

  test('ahead by a day (beyond the allowance): the same', () => {
    const { tracker, last } = onTime(24 * 60 * MIN);
    assert.equal(tracker.checkLate(last + MIN + 30_001).length, 1);
  });

  test('a learned cadence from runs stamped by a clock behind ours: late only past period and grace', () => {
    const { tracker, clock } = trackerAt(DEFAULT_ALERT_SETTINGS, T0);
    for (let i = 0; i < 8; i++) {
      clock.now = T0 + i * MIN;
      tracker.observe(run(T0 + i * MIN - 10 * MIN, T0 + i * MIN));
    }
    const last = T0 + 7 * MIN;
    assert.equal(tracker.get('MASK_V001')?.cadence?.basis, 'learned');
    assert.deepEqual(tracker.checkLate(last + MIN + 30_000), []);
    assert.equal(tracker.checkLate(last + MIN + 30_001).length, 1);
  });

  test('a state key read at connect: what it claims is all there is (it arrived long after it finished)', () => {
    // A pipeline that stopped an hour ago is late as soon as Redis has been read, not an hour and a minute after connecting.
    const { tracker } = trackerAt(everyMinute(), T0 + 60 * MIN);
    tracker.observe(run(T0, T0 + 60 * MIN, 'loaded'));
    assert.equal(tracker.get('MASK_V001')?.due?.expectedAt, T0 + MIN);
    assert.equal(tracker.checkLate(T0 + 60 * MIN).length, 1);
  });
});
