// The detail panel's chart axes (src/webview/axes.ts): whatever the runs' time span, the x axis's
// tick labels differ from each other, and so do the y axes' for close or equal values.
import * as assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { chartInstant } from '../../src/core/alerts/trend';
import { CLOCK_SKEW_ALLOWANCE_MS } from '../../src/core/clock';
import { mkRecord } from '../support/records';
import { DURATION_STEPS_MS, ENGLISH_DURATION_UNITS, MIN_TIME_WINDOW_MS, TIME_STEPS_MS, WHOLE_STEPS, countTickLabels, durationTickLabels, flatRange, timeTickLabels, timeWindow } from '../../src/webview/axes';

const S = 1000;
const M = 60 * S;
const H = 60 * M;
const D = 24 * H;

/** What uPlot does with the steps: the smallest that leaves `space` px between ticks (its findIncr). */
function stepFor(min: number, max: number, steps: readonly number[], widthPx: number, spacePx: number): number {
  const step = steps.find((s) => (widthPx * s) / (max - min) >= spacePx);
  assert.ok(step, `a step for ${max - min} ms`);
  return step;
}

/** Ticks at multiples of the step inside the window (UTC-aligned, as uPlot aligns them in UTC here). */
function ticksOf(min: number, max: number, step: number): number[] {
  const ticks: number[] = [];
  if (step >= 28 * D) {
    // Calendar months and years, as uPlot's month steps are.
    const months = Math.round(step / (30 * D));
    const start = new Date(min);
    let y = start.getUTCFullYear();
    let m = start.getUTCMonth() + 1;
    for (;;) {
      const t = Date.UTC(y, m, 1);
      if (t > max) break;
      if (t >= min) ticks.push(t);
      m += months;
      while (m >= 12) {
        m -= 12;
        y++;
      }
    }
    return ticks;
  }
  for (let t = Math.ceil(min / step) * step; t <= max; t += step) ticks.push(t);
  return ticks;
}

const START = Date.UTC(2026, 0, 5, 9, 0, 0, 250);
const SPANS = [0, 400, S, 3 * S, 20 * S, 59 * S, 5 * M, 40 * M, 2 * H, 7 * H, 20 * H, 30 * H, 3 * D, 20 * D, 90 * D, 400 * D, 3 * 365 * D, 30 * 365 * D];

describe('the time axis', () => {
  test('one run, or runs seconds apart, sit inside a window of at least a minute, centred', () => {
    assert.deepEqual(timeWindow(START, START), [START - MIN_TIME_WINDOW_MS / 2, START + MIN_TIME_WINDOW_MS / 2]);
    const [a, b] = timeWindow(START, START + 3 * S);
    assert.equal(b - a, MIN_TIME_WINDOW_MS);
    assert.equal((a + b) / 2, START + 1.5 * S);
    // Whole milliseconds at both ends, even when the runs' middle is not (ticks would land a millisecond early).
    for (const [x, y] of [timeWindow(START, START + 3001), timeWindow(START + 0.5, START + 0.5), timeWindow(START, START + 7 * H + 1)]) {
      assert.ok(Number.isInteger(x) && Number.isInteger(y), `${x} – ${y}`);
    }
    const [c, d] = timeWindow(START, START + H);
    assert.ok(c < START && d > START + H && d - c < 1.1 * H, 'a little room at both ends of a longer span');
  });

  test('steps are a second and more, ascending', () => {
    assert.equal(TIME_STEPS_MS[0], S);
    for (let i = 1; i < TIME_STEPS_MS.length; i++) assert.ok(TIME_STEPS_MS[i] > TIME_STEPS_MS[i - 1]);
  });

  for (const language of ['en', 'ru']) {
    for (const width of [280, 600, 760]) {
      test(`${language}, ${width} px: every span gives ticks, all labelled differently`, () => {
        for (const span of SPANS) {
          const [min, max] = timeWindow(START, START + span);
          const space = max - min >= D ? 120 : 90;
          const step = stepFor(min, max, TIME_STEPS_MS, width, space);
          const ticks = ticksOf(min, max, step);
          const labels = timeTickLabels(ticks, step, language, 'UTC');
          // A narrow panel may hold a single tick over a day or more; from 600 px on there are two.
          assert.ok(ticks.length >= (width >= 600 ? 2 : 1), `span ${span} ms: ${ticks.length} tick(s)`);
          assert.equal(new Set(labels).size, labels.length, `span ${span} ms, step ${step} ms: ${labels.join(' · ')}`);
        }
      });
    }
  }

  test('runs within three seconds: times of day with seconds, no label twice (the defect seen before)', () => {
    const [min, max] = timeWindow(START, START + 3 * S);
    const step = stepFor(min, max, TIME_STEPS_MS, 600, 90);
    const labels = timeTickLabels(ticksOf(min, max, step), step, 'en', 'UTC');
    assert.ok(labels.every((l) => /^\d\d:\d\d:\d\d/.test(l)), labels.join(' · '));
    assert.equal(new Set(labels).size, labels.length);
  });

  test('ticks over more than a day carry the date; hourly ticks over a day and a half do not repeat a time', () => {
    const ticks = ticksOf(START, START + 36 * H, 6 * H);
    const labels = timeTickLabels(ticks, 6 * H, 'en', 'UTC');
    assert.equal(new Set(labels).size, labels.length, labels.join(' · '));
    assert.ok(labels.every((l) => /Jan/.test(l)), labels.join(' · '));
  });

  test('the night the clocks go back: the repeated hour is told apart by its zone', () => {
    // 2026-11-01 in New York: 01:00 EDT, then 01:00 EST an hour later.
    const first = Date.UTC(2026, 10, 1, 4, 0, 0);
    const ticks = [first, first + 30 * M, first + H, first + 90 * M, first + 2 * H];
    const labels = timeTickLabels(ticks, 30 * M, 'en', 'America/New_York');
    assert.equal(new Set(labels).size, labels.length, labels.join(' · '));
  });

  test('a run claiming year 9999 does not stretch the axis: it sits at now plus the skew allowance', () => {
    const now = Date.UTC(2026, 0, 5, 12, 0, 0);
    const iso = (ms: number) => new Date(ms).toISOString();
    const claims = [...Array.from({ length: 10 }, (_, i) => iso(now - (10 - i) * 6 * M)), '9999-12-31T23:59:59Z'];
    const xs = claims.map((finishedAt) => chartInstant(mkRecord({ finishedAt, startedAt: iso(now - 2 * H) }), now));
    assert.equal(xs[10], now + CLOCK_SKEW_ALLOWANCE_MS, 'the far-future run at the right edge');
    assert.equal(xs[0], now - 60 * M, 'the others where they claim to be');
    const [min, max] = timeWindow(Math.min(...xs), Math.max(...xs));
    assert.ok(max - min < 2 * H, `an hour and a bit wide, not eight thousand years (${max - min} ms)`);
    const step = stepFor(min, max, TIME_STEPS_MS, 600, 90);
    assert.ok(step <= 15 * M, `ticks minutes apart (${step} ms)`);
    const labels = timeTickLabels(ticksOf(min, max, step), step, 'en', 'UTC');
    assert.ok(labels.every((l) => /^\d\d:\d\d/.test(l) && !/9999/.test(l)), `times of day, no year: ${labels.join(' · ')}`);
  });
  test('no ticks, no labels', () => {
    assert.deepEqual(timeTickLabels([], S, 'en'), []);
  });
});

describe('the y axes', () => {
  test('durations close together: one form per axis, at most two decimals, milliseconds when seconds would need three', () => {
    assert.deepEqual(durationTickLabels([1490, 1495, 1500, 1505, 1510], 5), ['1490ms', '1495ms', '1500ms', '1505ms', '1510ms']);
    assert.deepEqual(durationTickLabels([1480, 1500, 1520], 20), ['1.48s', '1.50s', '1.52s']);
    assert.deepEqual(durationTickLabels([0, 500, 1000, 1500], 500), ['0', '0.5s', '1.0s', '1.5s']);
    assert.deepEqual(durationTickLabels([0, 100, 200], 100), ['0', '100ms', '200ms']);
    assert.deepEqual(durationTickLabels([0, 50, 100, 150], 50), ['0', '50ms', '100ms', '150ms']);
  });

  test('durations of a minute or more: whole units written as durations are elsewhere (1m 30s, 1h 15m)', () => {
    assert.deepEqual(durationTickLabels([0, 30 * S, 60 * S, 90 * S], 30 * S), ['0', '30s', '1m', '1m 30s']);
    assert.deepEqual(durationTickLabels([4 * M + 10 * S, 4 * M + 20 * S, 4 * M + 30 * S], 10 * S), ['4m 10s', '4m 20s', '4m 30s']);
    assert.deepEqual(durationTickLabels([M + 5 * S, M + 10 * S], 5 * S), ['1m 05s', '1m 10s']);
    assert.deepEqual(durationTickLabels([0, 5 * M, 10 * M], 5 * M), ['0', '5m', '10m']);
    assert.deepEqual(durationTickLabels([45 * M, 60 * M, 75 * M], 15 * M), ['45m', '1h', '1h 15m']);
    assert.deepEqual(durationTickLabels([2 * H, 4 * H], 2 * H), ['2h', '4h']);
    assert.deepEqual(durationTickLabels([H, H + 5 * S], 5 * S), ['1h', '1h 00m 05s']);
    assert.deepEqual(durationTickLabels([48 * H, 72 * H], D), ['48h', '72h'], 'hours on, as durationText writes them');
  });

  test('in the UI language: its units and decimal separator, as the panel writes durations (1 мин 30 с, 1,5 с)', () => {
    const ru = { units: { ms: '{0} мс', s: '{0} с', m: '{0} мин', h: '{0} ч' }, language: 'ru' };
    assert.deepEqual(durationTickLabels([0, 30 * S, 60 * S, 90 * S], 30 * S, ru), ['0', '30 с', '1 мин', '1 мин 30 с']);
    assert.deepEqual(durationTickLabels([45 * M, 60 * M, 75 * M], 15 * M, ru), ['45 мин', '1 ч', '1 ч 15 мин']);
    assert.deepEqual(durationTickLabels([1000, 1500, 2000], 500, ru), ['1,0 с', '1,5 с', '2,0 с']);
    assert.deepEqual(durationTickLabels([M + 500, M + 1000], 500, ru), ['1 мин 00,5 с', '1 мин 01,0 с']);
    assert.deepEqual(durationTickLabels([0, 50, 100], 50, ru), ['0', '50 мс', '100 мс']);
    assert.deepEqual(durationTickLabels([1490, 1495], 5, { units: ENGLISH_DURATION_UNITS, language: 'en' }), ['1490ms', '1495ms']);
  });

  test('the duration axis steps as a clock does: 1/2/5 ms … 1/2/5/10/15/30 s and min, 1/2/3/6/12/24 h', () => {
    for (const step of [1, 2, 5, 10, 20, 50, 100, 200, 500, S, 2 * S, 5 * S, 10 * S, 15 * S, 30 * S, M, 2 * M, 5 * M, 10 * M, 15 * M, 30 * M, H, 2 * H, 3 * H, 6 * H, 12 * H, D]) {
      assert.ok(DURATION_STEPS_MS.includes(step), `${step} ms`);
    }
    for (const step of [2.5e4, 5e4, 2e5, 2.5e5, 5e6]) assert.ok(!DURATION_STEPS_MS.includes(step), `no step of ${step} ms (0.833m, 4.17m, 1.39h)`);
    for (let i = 1; i < DURATION_STEPS_MS.length; i++) assert.ok(DURATION_STEPS_MS[i] > DURATION_STEPS_MS[i - 1]);
    assert.ok(DURATION_STEPS_MS.every((s) => Number.isInteger(s) && s >= 1));
    assert.ok(DURATION_STEPS_MS[DURATION_STEPS_MS.length - 1] >= 365 * D, 'a step for durations of days too (uPlot draws no ticks past the last)');
  });

  // What uPlot does on the duration chart: it picks a step from the axis's increments (at least 30 px
  // apart on a plot about 100-120 px high) and puts ticks at its multiples.
  const DURATION_SPANS: ReadonlyArray<[string, number]> = [['200 ms', 200], ['40 s', 40 * S], ['3 min', 3 * M], ['50 min', 50 * M], ['5 h', 5 * H]];
  for (const [name, span] of DURATION_SPANS) {
    test(`durations over ${name}: labels distinct, short, no long decimals, whole units for whole-unit steps`, () => {
      for (const height of [90, 120, 150]) {
        for (const base of [0, span / 2, 3 * span, 7 * M + 1234, 2 * H + 17 * S]) {
          const min = base;
          const max = base + span;
          const step = stepFor(min, max, DURATION_STEPS_MS, height, 30);
          const ticks = ticksOf(min, max, step);
          const labels = durationTickLabels(ticks, step);
          const what = `${name} from ${base} ms, ${height} px, step ${step}: ${labels.join(' · ')}`;
          // A short plot may hold a single tick over 50 minutes (the next step after 15 min is 30).
          assert.ok(ticks.length >= (height >= 120 ? 2 : 1), what);
          assert.equal(new Set(labels).size, labels.length, what);
          assert.ok(labels.every((l) => l.length <= 13), `short: ${what}`);
          assert.ok(labels.every((l) => !/\.\d{3}/.test(l)), `at most two decimals: ${what}`);
          if (step >= S) assert.ok(labels.every((l) => !l.includes('.')), `a step of whole seconds, minutes or hours writes whole units: ${what}`);
          assert.ok(labels.every((l) => /^(0|\d+(\.\d{1,2})?ms|(\d+h)?( ?\d+m)?( ?\d+(\.\d{1,2})?s)?)$/.test(l)), `duration-shaped: ${what}`);
        }
      }
    });
  }

  test('three minutes of durations from zero read 0 · 1m · 2m · 3m (not 0.833333333m)', () => {
    const step = stepFor(0, 3 * M, DURATION_STEPS_MS, 120, 30);
    assert.deepEqual(durationTickLabels(ticksOf(0, 3 * M, step), step), ['0', '1m', '2m', '3m']);
  });

  test('row counts close together stay apart: 14.99k, 15.00k, 15.01k', () => {
    assert.deepEqual(countTickLabels([14_990, 15_000, 15_010], 10), ['14.99k', '15.00k', '15.01k']);
    assert.deepEqual(countTickLabels([0, 5_000, 10_000, 15_000], 5_000), ['0', '5k', '10k', '15k']);
    assert.deepEqual(countTickLabels([0, 1, 2], 1), ['0', '1', '2']);
    assert.deepEqual(countTickLabels([1_000_000, 1_250_000], 250_000), ['1.00M', '1.25M']);
  });

  test('labels differ for every step the axes may take', () => {
    const cases: Array<[readonly number[], (ticks: readonly number[], step: number) => string[]]> = [
      [DURATION_STEPS_MS, durationTickLabels],
      [WHOLE_STEPS.slice(0, 30), countTickLabels],
    ];
    for (const [steps, labelsOf] of cases) {
      for (const step of steps) {
        for (const base of [0, 1_000, 14_990, 1_234_567, 98_765_432]) {
          const ticks = [0, 1, 2, 3].map((i) => Math.floor(base / step) * step + i * step);
          const labels = labelsOf(ticks, step);
          assert.equal(new Set(labels).size, labels.length, `step ${step} from ${base}: ${labels.join(' · ')}`);
        }
      }
    }
  });

  test('whole steps only: rows are never counted in fractions', () => {
    assert.ok(WHOLE_STEPS.every((s) => Number.isInteger(s) && s >= 1));
    for (let i = 1; i < WHOLE_STEPS.length; i++) assert.ok(WHOLE_STEPS[i] > WHOLE_STEPS[i - 1]);
  });

  test('equal values (one run, or equal runs) range from zero with room above; differing values are left to uPlot', () => {
    assert.deepEqual(flatRange(1842, 1842), [0, 3684]);
    assert.deepEqual(flatRange(0, 0), [0, 1]);
    assert.equal(flatRange(1500, 2200), undefined);
    assert.equal(flatRange(null, null), undefined);
  });
});
