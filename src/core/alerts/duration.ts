/**
 * Durations as the framework's schedules write them: Go's `time.ParseDuration` forms ("15m",
 * "1h30m", "90s", "1.5h", "500ms") and the `@every 15s` schedule form. Settings are hostile
 * text: the length is bounded and every unit is named, so "15" (minutes? seconds?) is refused.
 */

const UNIT_MS: Readonly<Record<string, number>> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };
const PART = /(\d+(?:\.\d+)?|\.\d+)(ms|s|m|h|d)/y;
const MAX_TEXT = 64;

/**
 * Why a text is not a duration; values: `durationTooLong` [characters, the most allowed];
 * `durationEmpty` none; `notDuration` [the text, up to 10 characters from where it stops
 * reading]; `durationOverflow` [the text] (over 2^53 ms).
 */
export type DurationProblemCode = 'durationTooLong' | 'durationEmpty' | 'notDuration' | 'durationOverflow';

export type DurationParse = { readonly ok: true; readonly ms: number } | { readonly ok: false; readonly code: DurationProblemCode; readonly values: readonly string[] };

const refused = (code: DurationProblemCode, ...values: Array<string | number>): DurationParse => ({ ok: false, code, values: values.map(String) });

/** Parses "15m", "1h30m", "@every 15s"…; `d` (days) is accepted too, though Go has no such unit. */
export function parseDuration(text: string): DurationParse {
  if (text.length > MAX_TEXT) return refused('durationTooLong', text.length, MAX_TEXT);
  const body = text.trim().replace(/^@every\s+/, '');
  if (body === '') return refused('durationEmpty');
  let ms = 0;
  PART.lastIndex = 0;
  while (PART.lastIndex < body.length) {
    const at = PART.lastIndex;
    const match = PART.exec(body);
    if (!match) return refused('notDuration', body, body.slice(at, at + 10));
    ms += Number(match[1]) * UNIT_MS[match[2]];
  }
  // 63 digits of hours is finite, but no time: past 2^53 ms nothing adds up exactly any more.
  if (!(ms <= Number.MAX_SAFE_INTEGER)) return refused('durationOverflow', body);
  return { ok: true, ms: Math.round(ms) };
}
