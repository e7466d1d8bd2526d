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
  return [4, 6, 9, 11].includes(month) ? 30 : 31;
}

export function truncate(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max)}…`;
}
