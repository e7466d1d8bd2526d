/**
 * Durations as the framework's schedules write them: Go's `time.ParseDuration` forms ("15m",
 * "1h30m", "90s", "1.5h", "500ms") and the `@every 15s` schedule form. Settings are hostile
 * text: the length is bounded and every unit is named, so "15" (minutes? seconds?) is refused.
 */

const UNIT_MS: Readonly<Record<string, number>> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };
const PART = /(\d+(?:\.\d+)?|\.\d+)(ms|s|m|h|d)/y;
const MAX_TEXT = 64;

export type DurationParse = { readonly ok: true; readonly ms: number } | { readonly ok: false; readonly reason: string };

/** Parses "15m", "1h30m", "@every 15s"…; `d` (days) is accepted too, though Go has no such unit. */
export function parseDuration(text: string): DurationParse {
  if (text.length > MAX_TEXT) return { ok: false, reason: `is ${text.length} characters long; a duration is at most ${MAX_TEXT}` };
  const body = text.trim().replace(/^@every\s+/, '');
  if (body === '') return { ok: false, reason: 'is empty; expected a duration such as "15m" or "@every 15s"' };
  let ms = 0;
  PART.lastIndex = 0;
  while (PART.lastIndex < body.length) {
    const at = PART.lastIndex;
    const match = PART.exec(body);
    if (!match) return { ok: false, reason: `"${body}" is not a duration at "${body.slice(at, at + 10)}"; expected forms such as "15m", "1h30m", "90s" or "@every 15s"` };
    ms += Number(match[1]) * UNIT_MS[match[2]];
  }
  if (!Number.isFinite(ms)) return { ok: false, reason: `"${body}" is too long a duration` };
  return { ok: true, ms: Math.round(ms) };
}
