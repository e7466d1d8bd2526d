/**
 * The one home for making text that came over the wire (or from a settings file) safe to show.
 * Every string a publisher or a repository controls is data: it must not drive a terminal, forge
 * a log line, become a link or a command, or draw an icon. Each front end picks the function for
 * its surface; none writes its own escaping.
 */

/** At most `max` UTF-16 units, not splitting a surrogate pair, with "…" when cut. */
export function truncate(text: string, max: number): string {
  if (text.length <= max) return text;
  const code = text.charCodeAt(max - 1);
  const end = code >= 0xd800 && code <= 0xdbff ? max - 1 : max;
  return `${text.slice(0, end)}…`;
}

/** C0/C1 controls except TAB and LF, and the bidi marks, overrides and isolates (Trojan Source). */
// eslint-disable-next-line no-control-regex
const CONTROLS = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/g;

function escapeCodeUnit(c: string): string {
  return `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`;
}

/** Neutralises terminal control characters in text from the wire (a payload must not drive the terminal). */
export function sanitizeForTerminal(text: string): string {
  return text.replace(CONTROLS, escapeCodeUnit);
}

/** How much of one value a log line keeps; the rest is in the model and in Redis. */
export const LOG_VALUE_CHARS = 2000;

/**
 * One value for a single log line: controls escaped as for a terminal, and newlines and tabs
 * written as `\n` and `\t`, so a multi-line `error` cannot forge a line that looks like the
 * log's own. Bounded, so a 1 MB error does not become a 1 MB log line.
 */
export function logValue(text: string, max = LOG_VALUE_CHARS): string {
  return sanitizeForTerminal(truncate(text, max)).replace(/\n/g, '\\n').replace(/\t/g, '\\t');
}

/** Zero-width space: breaks a syntax without changing what a reader sees. */
export const ZWSP = '\u200b';

/**
 * Text for every VS Code surface: toasts, the status bar, tree labels, descriptions and tooltips,
 * quick picks, progress titles, panel titles. What each surface would otherwise interpret:
 *
 * - `[label](command:…)`, `(https:…)`, `(file:…)` — a live link in a notification message (and in
 *   Markdown): `](` becomes `]\u200b(`.
 * - `$(icon)` — a codicon in the status bar, quick picks and progress titles: `$\u200b(`.
 * - bare `https://…`, `www.…` and `name@host` — autolinks in Markdown tooltips.
 * - control characters and bidi overrides — shown as `\uXXXX` so text cannot reorder or hide itself.
 *
 * The text reads the same (the inserted character has no width), and applying it twice changes
 * nothing more. Tabs and newlines stay: surfaces that show one line cut at the first newline.
 */
export function inertText(text: string): string {
  return sanitizeForTerminal(text)
    .replace(/\](?=\()/g, `]${ZWSP}`)
    .replace(/\$(?=\()/g, `$${ZWSP}`)
    .replace(/:(?=\/\/)/g, `:${ZWSP}`)
    .replace(/(www)(?=\.)/gi, `$1${ZWSP}`)
    .replace(/@(?!\u200b)/g, `@${ZWSP}`);
}
