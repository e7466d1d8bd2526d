import { truncate } from './text';

/**
 * Go `time.Time` as `encoding/json` writes it: RFC 3339 with up to nine fractional digits
 * (trailing zeros trimmed) and any zone offset. JavaScript's Date keeps milliseconds only, so the
 * text is kept for display and the parsed instant is used for ordering and arithmetic.
 */
export interface GoTime {
  /** The text exactly as received. */
  readonly text: string;
  /** Milliseconds since the Unix epoch (sub-millisecond digits are truncated). */
  readonly epochMs: number;
  /** Nanoseconds within the millisecond, 0..999999, so ordering can use full precision. */
  readonly subMsNanos: number;
  /** The zone offset in minutes east of UTC, as written by the producer. */
  readonly offsetMinutes: number;
}

const RFC3339 =
  /^(\d{4})-(\d{2})-(\d{2})[Tt](\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?(?:([Zz])|([+-])(\d{2}):(\d{2}))$/;

/** Go's zero `time.Time`: the run never started (or never finished). */
export const GO_ZERO_TIME = '0001-01-01T00:00:00Z';

export type GoTimeParse =
  | { ok: true; time: GoTime | undefined }
  | { ok: false; reason: string };

/** Parses a Go RFC 3339 time. The Go zero time parses to `undefined` ("not known"). */
export function parseGoTime(text: string): GoTimeParse {
  // Hot path (two calls per message): a hand-written scan of the shape Go writes. Anything it does
  // not accept goes through the regex below, which also words every rejection.
  const fast = parseGoTimeFast(text);
  if (fast !== undefined) return fast;
  const m = RFC3339.exec(text);
  if (!m) return { ok: false, reason: `"${truncate(text, 40)}" is not an RFC 3339 time` };
  const [, y, mo, d, h, mi, s, frac, z, sign, oh, om] = m;
  const year = Number(y);
  const month = Number(mo);
  const day = Number(d);
  const hour = Number(h);
  const minute = Number(mi);
  const second = Number(s);
  if (month < 1 || month > 12) return { ok: false, reason: `month ${mo} is out of range in "${text}"` };
  if (day < 1 || day > daysInMonth(year, month)) return { ok: false, reason: `day ${d} is out of range in "${text}"` };
  // Go accepts a leap second only as :60 in parsing of some layouts; encoding/json never writes it.
  if (hour > 23 || minute > 59 || second > 59) return { ok: false, reason: `clock time is out of range in "${text}"` };
  const offsetMinutes = z ? 0 : (sign === '-' ? -1 : 1) * (Number(oh) * 60 + Number(om));
  if (!z && (Number(oh) > 23 || Number(om) > 59)) return { ok: false, reason: `zone offset is out of range in "${text}"` };
  const nanos = frac ? Number(frac.padEnd(9, '0')) : 0;
  if (year === 1 && month === 1 && day === 1 && hour === 0 && minute === 0 && second === 0 && nanos === 0 && offsetMinutes === 0) {
    return { ok: true, time: undefined };
  }
  // Not Date.UTC: it maps years 0..99 to 1900+, and moving the year afterwards turned 0000-02-29
  // (a leap day; 1900 is not a leap year) into 0000-03-01. setUTCFullYear takes the year as given.
  const date = new Date(0);
  date.setUTCFullYear(year, month - 1, day);
  date.setUTCHours(hour, minute, second, 0);
  const epochMs = date.getTime() - offsetMinutes * 60_000 + Math.floor(nanos / 1_000_000);
  return { ok: true, time: { text, epochMs, subMsNanos: nanos % 1_000_000, offsetMinutes } };
}

function daysInMonth(year: number, month: number): number {
  if (month === 2) return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0 ? 29 : 28;
  return month === 4 || month === 6 || month === 9 || month === 11 ? 30 : 31;
}

const POW10 = [1, 10, 100, 1_000, 10_000, 100_000, 1_000_000, 10_000_000, 100_000_000, 1_000_000_000];

/** `count` ASCII digits at `at` as a number, or -1 (also past the end: charCodeAt gives NaN). */
function digitsAt(text: string, at: number, count: number): number {
  let value = 0;
  for (let i = at; i < at + count; i++) {
    const digit = text.charCodeAt(i) - 48;
    if (!(digit >= 0 && digit <= 9)) return -1;
    value = value * 10 + digit;
  }
  return value;
}

/**
 * Days from 1970-01-01 to a proleptic Gregorian date (H. Hinnant's days_from_civil): exact for
 * every year 0000..9999, the same instant `setUTCFullYear` gives, without a Date per call.
 */
function daysFromCivil(year: number, month: number, day: number): number {
  const y = month <= 2 ? year - 1 : year;
  const era = Math.floor(y / 400);
  const yearOfEra = y - era * 400;
  const dayOfYear = Math.floor((153 * (month > 2 ? month - 3 : month + 9) + 2) / 5) + day - 1;
  const dayOfEra = yearOfEra * 365 + Math.floor(yearOfEra / 4) - Math.floor(yearOfEra / 100) + dayOfYear;
  return era * 146_097 + dayOfEra - 719_468;
}

/** The accepting half of parseGoTime without regex or Date; undefined means "ask the regex". */
function parseGoTimeFast(text: string): GoTimeParse | undefined {
  const n = text.length;
  if (n < 20 || n > 35) return undefined;
  const year = digitsAt(text, 0, 4);
  const month = digitsAt(text, 5, 2);
  const day = digitsAt(text, 8, 2);
  const hour = digitsAt(text, 11, 2);
  const minute = digitsAt(text, 14, 2);
  const second = digitsAt(text, 17, 2);
  if (year < 0 || month < 0 || day < 0 || hour < 0 || minute < 0 || second < 0) return undefined;
  const t = text.charCodeAt(10);
  if (text.charCodeAt(4) !== 45 || text.charCodeAt(7) !== 45 || (t !== 84 && t !== 116) || text.charCodeAt(13) !== 58 || text.charCodeAt(16) !== 58) return undefined;
  let pos = 19;
  let nanos = 0;
  if (text.charCodeAt(pos) === 46) {
    const start = ++pos;
    for (; pos < n && pos - start < 10; pos++) {
      const digit = text.charCodeAt(pos) - 48;
      if (!(digit >= 0 && digit <= 9)) break;
      nanos = nanos * 10 + digit;
    }
    const length = pos - start;
    if (length === 0 || length > 9) return undefined;
    nanos *= POW10[9 - length];
  }
  let offsetMinutes = 0;
  const zone = text.charCodeAt(pos);
  if (zone === 90 || zone === 122) {
    if (pos + 1 !== n) return undefined;
  } else if (zone === 43 || zone === 45) {
    if (pos + 6 !== n || text.charCodeAt(pos + 3) !== 58) return undefined;
    const oh = digitsAt(text, pos + 1, 2);
    const om = digitsAt(text, pos + 4, 2);
    if (oh < 0 || om < 0 || oh > 23 || om > 59) return undefined;
    offsetMinutes = (zone === 45 ? -1 : 1) * (oh * 60 + om);
  } else {
    return undefined;
  }
  if (month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month) || hour > 23 || minute > 59 || second > 59) return undefined;
  if (year === 1 && month === 1 && day === 1 && hour === 0 && minute === 0 && second === 0 && nanos === 0 && offsetMinutes === 0) {
    return { ok: true, time: undefined };
  }
  const epochMs = daysFromCivil(year, month, day) * 86_400_000 + hour * 3_600_000 + minute * 60_000 + second * 1000 - offsetMinutes * 60_000 + Math.floor(nanos / 1_000_000);
  return { ok: true, time: { text, epochMs, subMsNanos: nanos % 1_000_000, offsetMinutes } };
}

/**
 * The instant of a Go time text in epoch milliseconds: parseGoTime(text)'s `time.epochMs`, or
 * undefined when it rejects the text or it is the Go zero time. For the alert tracker, which must
 * not keep a GoTime on every run (BENCHMARKS.md, section 9a-9c).
 */
export function goTimeEpochMs(text: string): number | undefined {
  const parsed = parseGoTime(text);
  return parsed.ok ? parsed.time?.epochMs : undefined;
}
