/*
 * Action rules (`tdtp.actions`): "when a run like this arrives, run a task, execute a command or
 * open a URL" — the extension points the reference worker marks (trigger an Airflow DAG on
 * success, alert or open an incident on failure).
 *
 * Everything that comes from the wire is hostile text: a producer can put anything in `error` or
 * `pipeline_name`, and can send any number of distinct result_names. So:
 * - An event value fills data; it never picks what runs (placeholders.ts): the task's name, the
 *   command's id and the URL's scheme and host are fixed by the user's rule, and rules that put a
 *   `${…}` where a command reads "which task / file / shell line" are refused when read.
 * - Tasks get values as environment variables (TDTP_RESULT_NAME, …), never substituted into the
 *   task's command line (template.ts); the README shows how to use them safely in each shell.
 * - In a URL every value is percent-encoded so it stays inside its path segment or parameter, and
 *   the string is opened as it is (url.ts). Only http and https URLs are opened.
 * - Three rate limits; a rule that runs too often pauses itself until the user resumes it (rateLimit.ts).
 *
 * One idea per file: rules.ts (the setting and its problems), glob.ts, match.ts, template.ts,
 * url.ts, placeholders.ts, types.ts (the shapes, a leaf), plan.ts, rateLimit.ts, and decide.ts putting them together.
 */
export * from './types';
export * from './rules';
export * from './glob';
export * from './match';
export * from './template';
export * from './url';
export * from './placeholders';
export * from './plan';
export * from './rateLimit';
export * from './decide';
