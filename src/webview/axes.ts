import type { DurationUnits } from './protocol';

// The charts' axes, as pure functions (no DOM, no uPlot): which time steps the x axis may use, how
// wide its window is, and how tick values are written so that no two ticks of an axis read the
// same. uPlot chooses the step from these and calls the formatters with it (charts.ts).

const S = 1000;
const M = 60 * S;
const H = 60 * M;
const D = 24 * H;
const MO = 30 * D;
const Y = 365 * D;

/**
 * The x axis's steps, ms: uPlot's own time steps from one second up (its sub-second steps would
 * put several ticks within one second, and runs are timed to the second on the axis). Steps of a
 * month and more are calendar months and years to uPlot.
 */
export const TIME_STEPS_MS: readonly number[] = [
  S, 5 * S, 10 * S, 15 * S, 30 * S,
  M, 5 * M, 10 * M, 15 * M, 30 * M,
  H, 2 * H, 3 * H, 4 * H, 6 * H, 8 * H, 12 * H,
  D, 2 * D, 3 * D, 4 * D, 5 * D, 6 * D, 7 * D, 8 * D, 9 * D, 10 * D, 15 * D,
  MO, 2 * MO, 3 * MO, 4 * MO, 6 * MO,
  Y, 2 * Y, 5 * Y, 10 * Y, 25 * Y, 50 * Y, 100 * Y,
];

/** Steps for the rows axis: whole numbers only (rows are counted in ones). */
export const WHOLE_STEPS: readonly number[] = Array.from({ length: 13 }, (_, k) => [1, 2, 2.5, 5].map((m) => m * 10 ** k))
  .flat()
  .filter((v) => Number.isInteger(v));

/**
 * Steps for the duration axis, ms: the ones a clock counts in, so that every tick is a duration
 * written in whole units (30s, 1m 30s, 2h) or in at most two decimals of a second. A step of
 * 2.5 × 10^k ms would read 4.17m; after a day the steps go on in days, written in hours as
 * durations are elsewhere (48h). uPlot draws no ticks for a span past the last step.
 */
export const DURATION_STEPS_MS: readonly number[] = [
  1, 2, 5, 10, 20, 50, 100, 200, 500,
  S, 2 * S, 5 * S, 10 * S, 15 * S, 30 * S,
  M, 2 * M, 5 * M, 10 * M, 15 * M, 30 * M,
  H, 2 * H, 3 * H, 6 * H, 12 * H,
  D, 2 * D, 5 * D, 10 * D, 20 * D, 50 * D, 100 * D, 200 * D, 500 * D, 1000 * D,
];

/** The narrowest time window the x axis shows: one run, or runs seconds apart, sit inside a minute. */
export const MIN_TIME_WINDOW_MS = M;

/**
 * The x axis's window for runs from `min` to `max` (epoch ms): a little room at both ends so the
 * first and last points are not cut by the frame, and at least a minute wide, centred on the runs.
 * Its ends are whole milliseconds: uPlot aligns ticks to the scale's minimum rounded to the
 * millisecond, and from a fractional one they land a millisecond early (10:00:19.999 reads :19).
 */
export function timeWindow(min: number, max: number): [number, number] {
  const span = max - min;
  const pad = span < MIN_TIME_WINDOW_MS ? (MIN_TIME_WINDOW_MS - span) / 2 : span * 0.03;
  return [Math.floor(min - pad), Math.ceil(max + pad)];
}

/** Candidate label forms for a time step, from the plainest to the most detailed. */
function timeForms(stepMs: number, multiDay: boolean, multiYear: boolean): Intl.DateTimeFormatOptions[] {
  const hm: Intl.DateTimeFormatOptions = { hour: '2-digit', minute: '2-digit' };
  const hms: Intl.DateTimeFormatOptions = { ...hm, second: '2-digit' };
  const dayHm: Intl.DateTimeFormatOptions = { month: 'short', day: 'numeric', ...hm };
  const day: Intl.DateTimeFormatOptions = { month: 'short', day: 'numeric' };
  const dayYear: Intl.DateTimeFormatOptions = { ...day, year: 'numeric' };
  // The zone's name tells the two 01:30s of the night the clocks go back apart.
  const zoned: Intl.DateTimeFormatOptions = { month: 'short', day: 'numeric', ...hms, timeZoneName: 'short' };
  if (stepMs < M) return multiDay ? [{ month: 'short', day: 'numeric', ...hms }, zoned] : [hms, { month: 'short', day: 'numeric', ...hms }, zoned];
  if (stepMs < D) return multiDay ? [dayHm, { ...dayHm, year: 'numeric' }, zoned] : [hm, hms, dayHm, zoned];
  if (stepMs < 28 * D) return multiYear ? [dayYear, { ...dayYear, ...hm }] : [day, dayYear, dayHm];
  if (stepMs < Y) return [{ month: 'short', year: 'numeric' }, dayYear];
  return [{ year: 'numeric' }, { month: 'short', year: 'numeric' }, dayYear];
}

const formats = new Map<string, Intl.DateTimeFormat>();
function dateFormat(language: string, options: Intl.DateTimeFormatOptions, timeZone?: string): Intl.DateTimeFormat {
  const key = `${language}\u0000${timeZone ?? ''}\u0000${JSON.stringify(options)}`;
  let format = formats.get(key);
  if (!format) {
    const withZone = timeZone ? { ...options, timeZone } : options;
    try {
      format = new Intl.DateTimeFormat(language, withZone);
    } catch {
      format = new Intl.DateTimeFormat(undefined, withZone);
    }
    formats.set(key, format);
  }
  return format;
}

/**
 * The x axis's tick labels for ticks `stepMs` apart, in the UI language: the time of day (with
 * seconds below a minute's step), the date once the ticks cover more than a day, the year when
 * they cross one. Should two labels still read the same (a clock set back at the end of summer
 * time), a more detailed form is taken; the last form is used whatever it gives.
 * `timeZone` is for tests; the webview shows the machine's local time.
 */
export function timeTickLabels(ticks: readonly number[], stepMs: number, language: string, timeZone?: string): string[] {
  if (ticks.length === 0) return [];
  const first = ticks[0];
  const last = ticks[ticks.length - 1];
  const yearOf = (ms: number) => dateFormat('en', { year: 'numeric' }, timeZone).format(ms);
  const dayOf = (ms: number) => dateFormat('en', { year: 'numeric', month: 'numeric', day: 'numeric' }, timeZone).format(ms);
  const multiDay = dayOf(first) !== dayOf(last) && last - first >= D - H;
  const multiYear = yearOf(first) !== yearOf(last);
  const forms = timeForms(stepMs, multiDay, multiYear);
  let labels: string[] = [];
  for (const options of forms) {
    const format = dateFormat(language, options, timeZone);
    labels = ticks.map((ms) => format.format(ms));
    if (new Set(labels).size === labels.length) break;
  }
  return labels;
}

/** A unit for an axis: the divisor and the suffix written after the number. */
interface Unit {
  readonly size: number;
  readonly suffix: string;
}

const COUNT_UNITS: readonly Unit[] = [
  { size: 1, suffix: '' },
  { size: 1e3, suffix: 'k' },
  { size: 1e6, suffix: 'M' },
  { size: 1e9, suffix: 'G' },
];

/** The largest unit not above the largest tick (one unit for the whole axis). */
function unitFor(ticks: readonly number[], units: readonly Unit[]): Unit {
  const top = Math.max(0, ...ticks.map((v) => Math.abs(v)));
  let unit = units[0];
  for (const u of units) if (top >= u.size) unit = u;
  return unit;
}

/** Enough decimals in `unit` to tell ticks `step` apart (a step of 50 in thousands: two). */
function decimalsFor(step: number, unit: Unit): number {
  if (!(step > 0)) return 0;
  const inUnit = step / unit.size;
  let decimals = 0;
  const fraction = (d: number) => Math.abs(Math.round(inUnit * 10 ** d) - inUnit * 10 ** d);
  while (decimals < 9 && fraction(decimals) > 1e-9 * Math.max(1, inUnit * 10 ** decimals)) decimals++;
  return decimals;
}

const two = (n: number) => String(n).padStart(2, '0');

/** The units as English writes them; the panel passes the UI language's (PanelLabels.durationUnits). */
export const ENGLISH_DURATION_UNITS: DurationUnits = { ms: '{0}ms', s: '{0}s', m: '{0}m', h: '{0}h' };

/** How a duration axis is written: the unit templates and the language of its decimal separator. */
export interface DurationWords {
  readonly units: DurationUnits;
  readonly language: string;
}

const ENGLISH: DurationWords = { units: ENGLISH_DURATION_UNITS, language: 'en' };

const numberFormats = new Map<string, Intl.NumberFormat>();
function fixed(value: number, decimals: number, language: string): string {
  const key = `${language}\u0000${decimals}`;
  let format = numberFormats.get(key);
  if (!format) {
    const options: Intl.NumberFormatOptions = { minimumFractionDigits: decimals, maximumFractionDigits: decimals, useGrouping: false };
    try {
      format = new Intl.NumberFormat(language, options);
    } catch {
      format = new Intl.NumberFormat('en', options);
    }
    numberFormats.set(key, format);
  }
  return format.format(value);
}

/**
 * One duration tick, to the step's resolution: `decimals` of a second (1 or 2) below a second's
 * step, else whole seconds, minutes or hours. Written as durations are elsewhere (1m 05s, 2h 05m),
 * without the parts below the resolution and without trailing zero parts (1m, not 1m 00s).
 */
function durationTick(ms: number, resolution: number, decimals: number, words: DurationWords): string {
  const unit = (template: string, value: string) => template.replace('{0}', value);
  const sign = ms < 0 ? '-' : '';
  // Whole units of the resolution: no float noise from uPlot's sums reaches the label.
  const total = Math.round(Math.abs(ms) / resolution) * resolution;
  const hours = Math.floor(total / H);
  const minutes = Math.floor((total % H) / M);
  const secondsMs = total % M;
  const parts: string[] = [];
  if (hours > 0) parts.push(unit(words.units.h, String(hours)));
  const lead = () => parts.length === 0;
  const minutePart = () => parts.push(unit(words.units.m, lead() ? String(minutes) : two(minutes)));
  if (resolution < S) {
    if (minutes > 0 || !lead()) minutePart();
    const seconds = fixed(secondsMs / S, decimals, words.language);
    parts.push(unit(words.units.s, lead() || secondsMs >= 10 * S ? seconds : `0${seconds}`));
  } else {
    const seconds = Math.round(secondsMs / S);
    if (minutes > 0 || (seconds > 0 && !lead())) minutePart();
    if (seconds > 0) parts.push(unit(words.units.s, lead() ? String(seconds) : two(seconds)));
  }
  return sign + parts.join(' ');
}

/**
 * Duration ticks `step` ms apart (a step of DURATION_STEPS_MS): "50ms" while the axis stays below a
 * second; else seconds with one or two decimals for steps of 10-500 ms ("1.25s"), milliseconds
 * for finer steps ("1495ms", never three decimals), and whole units for steps of a second and
 * more ("30s", "1m 30s", "1h 15m"). Ticks a step apart never read the same. `words`: the UI
 * language's units and decimal separator ("1 мин 30 с", "1,5 с").
 */
export function durationTickLabels(ticks: readonly number[], step: number, words: DurationWords = ENGLISH): string[] {
  const top = Math.max(0, ...ticks.map((v) => Math.abs(v)));
  if (step >= S || (top >= S && step >= 10)) {
    const resolution = step >= H ? H : step >= M ? M : step >= S ? S : step % 100 === 0 ? 100 : 10;
    const decimals = resolution === 100 ? 1 : 2;
    return ticks.map((v) => (v === 0 ? '0' : durationTick(v, resolution, decimals, words)));
  }
  return ticks.map((v) => (v === 0 ? '0' : words.units.ms.replace('{0}', String(Math.round(v)))));
}

/** Row-count ticks `step` apart: 15k, 15.05k, 1.2M. */
export function countTickLabels(ticks: readonly number[], step: number): string[] {
  const unit = unitFor(ticks, COUNT_UNITS);
  const decimals = decimalsFor(step, unit);
  return ticks.map((v) => (v === 0 ? '0' : `${(v / unit.size).toFixed(decimals)}${unit.suffix}`));
}

/**
 * A y axis's range when uPlot's own would not do: from zero, and with room above, when every value
 * is the same (one run, or equal runs), so the point sits inside the chart with ticks beside it.
 * Undefined means "let uPlot choose" (values that differ).
 */
export function flatRange(min: number | null, max: number | null): [number, number] | undefined {
  if (min === null || max === null || min !== max) return undefined;
  if (min === 0) return [0, 1];
  return min > 0 ? [0, min * 2] : [min * 2, 0];
}
