import { isDqWarning } from './dataQuality';
import { StatusKind, describeValue } from './decode';
import { truncate } from './text';
import { dqRows } from './export';
import type { RunRecord, RunSource } from './store';

/*
 * Action rules (`tdtp.actions`): "when a run like this arrives, run a task, execute a command or
 * open a URL" — the extension points the reference worker marks (trigger an Airflow DAG on
 * success, alert or open an incident on failure).
 *
 * Everything that comes from the wire is hostile text: a producer can put anything in `error` or
 * `pipeline_name`. So:
 * - The task's name, the command's id and the URL's scheme are fixed by the user's rule; no
 *   variable can choose *what* runs.
 * - Tasks get values as environment variables (TDTP_RESULT_NAME, …), never substituted into the
 *   task's command line. A shell parses its command line: `${error}` pasted into
 *   `curl -d "${error}"` would run `$(rm -rf ~)` or `"; rm -rf ~; "` from an error message. A
 *   shell does not parse the *value* of a variable it expands, so `curl -d "$TDTP_ERROR"` sends the
 *   text as it is. (Quote it: unquoted, the value is still split into words and globbed. On
 *   Windows cmd.exe `%TDTP_ERROR%` is expanded before parsing and is NOT safe; use PowerShell's
 *   `$env:TDTP_ERROR` or a script that reads the environment.)
 * - In a URL every substituted value is percent-encoded (encodeURIComponent), so a value cannot
 *   add a query parameter, a fragment or a path; the template's own text is kept as written.
 *   Only http and https URLs are opened. `vscode:` URLs are refused on purpose: they hand their
 *   query to whichever extension owns the handler; a rule that wants a VS Code command uses
 *   `run.command`, whose arguments are values, not text to parse.
 * - Command arguments are values passed in-process: strings are expanded without escaping and stay
 *   strings (`"${rows_loaded}"` is the string "15000").
 */

/** Statuses a rule can ask for; `unknown` is any status the framework does not define. */
export const ACTION_STATUSES: readonly StatusKind[] = ['success', 'failed', 'completed_with_errors', 'unknown'];

export interface ActionWhen {
  /** Any of these (a single status in settings becomes a one-element list). */
  readonly status?: readonly StatusKind[];
  /** true: only runs with a data-quality warning (dropped or extra rows); false: only without. */
  readonly dataQualityWarning?: boolean;
  /** Globs (`*`, `?`, `[abc]`, `[a-z]`, `[!x]`, `\` escapes), whole value, case-sensitive. */
  readonly resultName?: string;
  readonly pipelineName?: string;
  /** Glob over the connection's name; a rule with it never matches an event without one. */
  readonly connection?: string;
}

export type ActionRun =
  | { readonly kind: 'task'; readonly task: string }
  | { readonly kind: 'command'; readonly command: string; readonly args: readonly unknown[] }
  | { readonly kind: 'openUrl'; readonly openUrl: string };

export interface ActionRule {
  /** Position in `tdtp.actions`: names the rule in messages and keys the rate limiter. */
  readonly index: number;
  readonly name?: string;
  readonly when: ActionWhen;
  readonly run: ActionRun;
  /** Also run for runs read from state keys (`loaded`, `recovered`). Never for `polled`. */
  readonly includeRecovered: boolean;
  /** At most one run per this many seconds per result_name; false (or 0 seconds): no limit. */
  readonly rateLimit: { readonly perResultNameSeconds: number } | false;
}

export const DEFAULT_RATE_LIMIT_SECONDS = 60;
const SETTING = 'tdtp.actions';

// ---------------------------------------------------------------------------------------------
// Parsing

/**
 * Validates `tdtp.actions`. Every problem names the rule and field
 * (`tdtp.actions[2].run: expected one of task, command, openUrl`). A rule with any problem is left
 * out; the others are kept. `undefined`/`null` (the setting not written) is no rules, no problems.
 */
export function parseActionRules(value: unknown): { rules: ActionRule[]; problems: string[] } {
  const rules: ActionRule[] = [];
  const problems: string[] = [];
  if (value === undefined || value === null) return { rules, problems };
  if (!Array.isArray(value)) {
    problems.push(`${SETTING}: expected an array of rules, got ${describeValue(value, 'text')}`);
    return { rules, problems };
  }
  value.forEach((entry, index) => {
    const before = problems.length;
    const rule = parseRule(entry, index, problems);
    if (rule && problems.length === before) rules.push(rule);
  });
  return { rules, problems };
}

function parseRule(entry: unknown, index: number, problems: string[]): ActionRule | undefined {
  const at = (field?: string): string => `${SETTING}[${index}]${field ? `.${field}` : ''}`;
  if (!isPlainObject(entry)) {
    problems.push(`${at()}: expected an object with "run", got ${describeValue(entry, 'text')}`);
    return undefined;
  }
  unknownFields(entry, ['name', 'when', 'run', 'includeRecovered', 'rateLimit'], at, problems);

  let name: string | undefined;
  if (Object.hasOwn(entry, 'name')) {
    if (typeof entry.name !== 'string' || entry.name.trim() === '') problems.push(`${at('name')}: expected non-empty text, got ${describeValue(entry.name, 'text')}`);
    else name = entry.name;
  }

  const when = parseWhen(entry.when, Object.hasOwn(entry, 'when'), at, problems);
  const run = parseRun(entry.run, Object.hasOwn(entry, 'run'), at, problems);

  let includeRecovered = false;
  if (Object.hasOwn(entry, 'includeRecovered')) {
    if (typeof entry.includeRecovered !== 'boolean') problems.push(`${at('includeRecovered')}: expected true or false, got ${describeValue(entry.includeRecovered, 'text')}`);
    else includeRecovered = entry.includeRecovered;
  }

  let rateLimit: ActionRule['rateLimit'] = { perResultNameSeconds: DEFAULT_RATE_LIMIT_SECONDS };
  if (Object.hasOwn(entry, 'rateLimit')) {
    const v = entry.rateLimit;
    if (v === false) rateLimit = false;
    else if (!isPlainObject(v)) problems.push(`${at('rateLimit')}: expected false or an object such as { "perResultNameSeconds": 60 }, got ${describeValue(v, 'text')}`);
    else {
      unknownFields(v, ['perResultNameSeconds'], (f) => at(`rateLimit${f ? `.${f}` : ''}`), problems);
      if (Object.hasOwn(v, 'perResultNameSeconds')) {
        const s = v.perResultNameSeconds;
        if (typeof s !== 'number' || !Number.isFinite(s) || s < 0) problems.push(`${at('rateLimit.perResultNameSeconds')}: expected a number of seconds ≥ 0, got ${describeValue(s, 'text')}`);
        else rateLimit = s === 0 ? false : { perResultNameSeconds: s };
      }
    }
  }

  if (!when || !run) return undefined;
  return { index, ...(name !== undefined ? { name } : {}), when, run, includeRecovered, rateLimit };
}

function parseWhen(value: unknown, present: boolean, at: (field?: string) => string, problems: string[]): ActionWhen | undefined {
  if (!present) return {};
  if (!isPlainObject(value)) {
    problems.push(`${at('when')}: expected an object, got ${describeValue(value, 'text')}`);
    return undefined;
  }
  const w = (field?: string): string => at(`when${field ? `.${field}` : ''}`);
  unknownFields(value, ['status', 'dataQualityWarning', 'resultName', 'pipelineName', 'connection'], w, problems);
  const when: { -readonly [K in keyof ActionWhen]: ActionWhen[K] } = {};

  if (Object.hasOwn(value, 'status')) {
    const raw = value.status;
    const list = typeof raw === 'string' ? [raw] : Array.isArray(raw) ? raw : undefined;
    if (!list) problems.push(`${w('status')}: expected a status or a list of statuses (${ACTION_STATUSES.join(', ')}), got ${describeValue(raw, 'text')}`);
    else if (list.length === 0) problems.push(`${w('status')}: the list is empty, so the rule would never run; leave "status" out to match every status`);
    else {
      const statuses: StatusKind[] = [];
      list.forEach((s: unknown, i) => {
        const where = typeof raw === 'string' ? w('status') : w(`status[${i}]`);
        if (typeof s === 'string' && (ACTION_STATUSES as readonly string[]).includes(s)) statuses.push(s as StatusKind);
        else problems.push(`${where}: ${describeValue(s, 'text')} is not a status; expected one of ${ACTION_STATUSES.join(', ')}`);
      });
      when.status = statuses;
    }
  }

  if (Object.hasOwn(value, 'dataQualityWarning')) {
    if (typeof value.dataQualityWarning !== 'boolean') problems.push(`${w('dataQualityWarning')}: expected true or false, got ${describeValue(value.dataQualityWarning, 'text')}`);
    else when.dataQualityWarning = value.dataQualityWarning;
  }

  for (const field of ['resultName', 'pipelineName', 'connection'] as const) {
    if (!Object.hasOwn(value, field)) continue;
    const glob = value[field];
    if (typeof glob !== 'string' || glob === '') {
      problems.push(`${w(field)}: expected a non-empty glob such as "MASK_*", got ${describeValue(glob, 'text')}`);
      continue;
    }
    const compiled = compileGlob(glob);
    if (typeof compiled === 'string') problems.push(`${w(field)}: ${compiled}`);
    else when[field] = glob;
  }
  return when;
}

function parseRun(value: unknown, present: boolean, at: (field?: string) => string, problems: string[]): ActionRun | undefined {
  const kinds = ['task', 'command', 'openUrl'] as const;
  if (!present) {
    problems.push(`${at('run')}: missing; expected one of ${kinds.join(', ')}`);
    return undefined;
  }
  if (!isPlainObject(value)) {
    problems.push(`${at('run')}: expected an object with one of ${kinds.join(', ')}, got ${describeValue(value, 'text')}`);
    return undefined;
  }
  const r = (field?: string): string => at(`run${field ? `.${field}` : ''}`);
  unknownFields(value, [...kinds, 'args'], r, problems);
  const given = kinds.filter((k) => Object.hasOwn(value, k));
  if (given.length === 0) {
    problems.push(`${r()}: expected one of ${kinds.join(', ')}`);
    return undefined;
  }
  if (given.length > 1) {
    problems.push(`${r()}: expected exactly one of ${kinds.join(', ')}, got ${given.join(' and ')}`);
    return undefined;
  }
  const kind = given[0];
  if (Object.hasOwn(value, 'args') && kind !== 'command') {
    problems.push(`${r('args')}: only allowed with "command"`);
    return undefined;
  }
  const text = value[kind];
  if (typeof text !== 'string' || text.trim() === '') {
    const what = kind === 'task' ? 'the label of a task' : kind === 'command' ? 'a command id' : 'an http or https URL';
    problems.push(`${r(kind)}: expected ${what}, got ${describeValue(text, 'text')}`);
    return undefined;
  }
  switch (kind) {
    case 'task':
      return { kind, task: text };
    case 'command': {
      let args: unknown[] = [];
      if (Object.hasOwn(value, 'args')) {
        if (!Array.isArray(value.args)) {
          problems.push(`${r('args')}: expected an array of arguments, got ${describeValue(value.args, 'text')}`);
          return undefined;
        }
        const problem = checkJsonValue(value.args, 0);
        if (problem) {
          problems.push(`${r('args')}: ${problem}`);
          return undefined;
        }
        args = value.args;
      }
      return { kind, command: text, args };
    }
    case 'openUrl': {
      const problem = checkUrlTemplate(text);
      if (problem) {
        problems.push(`${r('openUrl')}: ${problem}`);
        return undefined;
      }
      return { kind, openUrl: text };
    }
  }
}

const MAX_ARGS_DEPTH = 32;

function checkJsonValue(value: unknown, depth: number): string | undefined {
  if (depth > MAX_ARGS_DEPTH) return `nested deeper than ${MAX_ARGS_DEPTH} levels`;
  if (value === null || typeof value === 'string' || typeof value === 'boolean') return undefined;
  if (typeof value === 'number') return Number.isFinite(value) ? undefined : `${value} is not a JSON number`;
  if (Array.isArray(value)) {
    for (const item of value) {
      const problem = checkJsonValue(item, depth + 1);
      if (problem) return problem;
    }
    return undefined;
  }
  if (isPlainObject(value)) {
    for (const item of Object.values(value)) {
      const problem = checkJsonValue(item, depth + 1);
      if (problem) return problem;
    }
    return undefined;
  }
  return `${describeValue(value, 'text')} is not a JSON value`;
}

/** The template must fix the scheme itself; it is then tried with sample values. */
function checkUrlTemplate(template: string): string | undefined {
  if (!/^https?:\/\//i.test(template)) return `"${truncate(template, 80)}" must start with http:// or https:// (only web pages are opened, and the scheme cannot come from a variable)`;
  return checkActionUrl(expandTemplate(template, SAMPLE_VARS, 'url'));
}

function unknownFields(obj: Record<string, unknown>, allowed: readonly string[], at: (field?: string) => string, problems: string[]): void {
  for (const key of Object.keys(obj)) {
    if (!allowed.includes(key)) problems.push(`${at(truncate(key, 60))}: unknown field; expected ${allowed.join(', ')}`);
  }
}

// ---------------------------------------------------------------------------------------------
// Globs

type GlobToken =
  | { readonly t: 'lit'; readonly c: string }
  | { readonly t: 'any' }
  | { readonly t: 'star' }
  | { readonly t: 'class'; readonly negate: boolean; readonly ranges: ReadonlyArray<readonly [number, number]> };

export type GlobMatcher = (text: string) => boolean;

/**
 * Compiles a glob: `*` any run of characters (`:` and `/` included), `?` one character, `[abc]`,
 * `[a-z]`, `[!abc]` or `[^abc]` one character of (not of) a set, `\x` the character x itself.
 * It matches the whole text, case-sensitively, by Unicode code point. Returns a problem sentence
 * for a malformed glob. Matching takes O(text × pattern) steps at worst, never exponential (no
 * regular expression is built), so a hostile 1 MB pipeline_name cannot hang the extension host.
 */
export function compileGlob(pattern: string): GlobMatcher | string {
  const cps = Array.from(pattern);
  const tokens: GlobToken[] = [];
  for (let i = 0; i < cps.length; i++) {
    const c = cps[i];
    if (c === '\\') {
      if (i + 1 >= cps.length) return `glob "${truncate(pattern, 80)}" ends with a lone "\\" (write "\\\\" for a backslash)`;
      tokens.push({ t: 'lit', c: cps[++i] });
    } else if (c === '*') {
      if (tokens.at(-1)?.t !== 'star') tokens.push({ t: 'star' });
    } else if (c === '?') {
      tokens.push({ t: 'any' });
    } else if (c === '[') {
      const start = i;
      let j = i + 1;
      let negate = false;
      if (cps[j] === '!' || cps[j] === '^') {
        negate = true;
        j++;
      }
      const ranges: Array<[number, number]> = [];
      let first = true;
      let closed = false;
      while (j < cps.length) {
        let ch = cps[j];
        if (ch === ']' && !first) {
          closed = true;
          break;
        }
        first = false;
        if (ch === '\\') {
          if (j + 1 >= cps.length) break;
          ch = cps[++j];
        }
        let hi = ch;
        if (cps[j + 1] === '-' && j + 2 < cps.length && cps[j + 2] !== ']') {
          j += 2;
          hi = cps[j];
          if (hi === '\\') {
            if (j + 1 >= cps.length) break;
            hi = cps[++j];
          }
        }
        const lo = ch.codePointAt(0)!;
        const top = hi.codePointAt(0)!;
        if (top < lo) return `glob "${truncate(pattern, 80)}" has the reversed range "${ch}-${hi}"`;
        ranges.push([lo, top]);
        j++;
      }
      if (!closed) return `glob "${truncate(pattern, 80)}" has a "[" at position ${start + 1} that is never closed (write "\\[" for a bracket)`;
      tokens.push({ t: 'class', negate, ranges });
      i = j;
    } else {
      tokens.push({ t: 'lit', c });
    }
  }
  return (text) => matchTokens(tokens, Array.from(text));
}

function matchOne(token: GlobToken, c: string): boolean {
  switch (token.t) {
    case 'lit':
      return token.c === c;
    case 'any':
      return true;
    case 'class': {
      const cp = c.codePointAt(0)!;
      const inside = token.ranges.some(([lo, hi]) => cp >= lo && cp <= hi);
      return inside !== token.negate;
    }
    default:
      return false;
  }
}

/** Greedy match with backtracking to the last star only: O(n·m). */
function matchTokens(tokens: readonly GlobToken[], text: readonly string[]): boolean {
  let p = 0;
  let s = 0;
  let starP = -1;
  let starS = 0;
  while (s < text.length) {
    const token = tokens[p];
    if (token !== undefined && token.t === 'star') {
      starP = p++;
      starS = s;
    } else if (token !== undefined && matchOne(token, text[s])) {
      p++;
      s++;
    } else if (starP >= 0) {
      p = starP + 1;
      s = ++starS;
    } else return false;
  }
  while (tokens[p]?.t === 'star') p++;
  return p === tokens.length;
}

/** Matchers are compiled once per rule (rules are immutable) and forgotten with the rule. */
const compiledGlobs = new WeakMap<ActionWhen, Partial<Record<'resultName' | 'pipelineName' | 'connection', GlobMatcher>>>();

function globOf(when: ActionWhen, field: 'resultName' | 'pipelineName' | 'connection'): GlobMatcher {
  let cache = compiledGlobs.get(when);
  if (!cache) compiledGlobs.set(when, (cache = {}));
  let matcher = cache[field];
  if (!matcher) {
    const compiled = compileGlob(when[field] ?? '*');
    // A hand-built rule with a malformed glob matches nothing (parseActionRules reports it).
    matcher = typeof compiled === 'string' ? () => false : compiled;
    cache[field] = matcher;
  }
  return matcher;
}

// ---------------------------------------------------------------------------------------------
// Matching

export interface ActionEvent {
  readonly record: RunRecord;
  /** The name of the connection the run came from (matched by `when.connection`). */
  readonly connection?: string;
}

/**
 * Why `rule` does not apply to the event, in one sentence, or undefined when it does. For a
 * dry run ("why did nothing happen?").
 *
 * Sources: `live` always counts. `loaded` and `recovered` (state keys read at connect and after a
 * reconnect: their events were missed) count only with `includeRecovered`. `polled` never counts:
 * a poll is the user asking to look at a state, not news of a run, and running an alert again
 * because someone pressed "Poll now" would be a surprise.
 */
export function explainMismatch(rule: ActionRule, event: ActionEvent): string | undefined {
  const { record } = event;
  const source: RunSource = record.source;
  if (source === 'polled') return 'polled runs never trigger actions';
  if (source !== 'live' && !rule.includeRecovered) return `the run was ${source} from its state key, and the rule runs on live events only (set "includeRecovered": true)`;
  const when = rule.when;
  const status = record.run.statusKind;
  if (when.status && !when.status.includes(status)) return `the status is ${status}, the rule wants ${when.status.join(' or ')}`;
  if (when.dataQualityWarning !== undefined) {
    const warning = isDqWarning(record.dq);
    if (warning !== when.dataQualityWarning) return warning ? 'the run has a data-quality warning, the rule wants none' : 'the run has no data-quality warning';
  }
  const resultName = record.run.resultName;
  if (when.resultName !== undefined && !globOf(when, 'resultName')(resultName)) return `result_name "${truncate(resultName, 80)}" does not match "${when.resultName}"`;
  const pipelineName = record.run.result.pipeline_name;
  if (when.pipelineName !== undefined && !globOf(when, 'pipelineName')(pipelineName)) return `pipeline_name "${truncate(pipelineName, 80)}" does not match "${when.pipelineName}"`;
  if (when.connection !== undefined) {
    if (event.connection === undefined) return 'the run has no connection name';
    if (!globOf(when, 'connection')(event.connection)) return `connection "${truncate(event.connection, 80)}" does not match "${when.connection}"`;
  }
  return undefined;
}

/** The rules that apply to an event, in settings order. `index` is the rule's index in `tdtp.actions`. */
export function matchRules(rules: readonly ActionRule[], event: ActionEvent): Array<{ index: number; rule: ActionRule }> {
  const matched: Array<{ index: number; rule: ActionRule }> = [];
  for (const rule of rules) if (explainMismatch(rule, event) === undefined) matched.push({ index: rule.index, rule });
  return matched;
}

// ---------------------------------------------------------------------------------------------
// Templating

export const TEMPLATE_VARIABLES = [
  'result_name',
  'pipeline_name',
  'status',
  'error',
  'rows_loaded',
  'rows_exported',
  'duration_ms',
  'finished_at',
  'started_at',
  'package_uuid',
  'connection',
  'dq_rows',
] as const;

export type TemplateVariable = (typeof TEMPLATE_VARIABLES)[number];
export type TemplateVars = Readonly<Record<TemplateVariable, string>>;

/**
 * The variables of a run, all as text. `result_name` is the model's key (the channel's suffix);
 * `status` is the text as received (an unknown status as written); times are the RFC 3339 text as
 * received; an absent `error`/`package_uuid`/connection is ""; `dq_rows` is how many rows loaded
 * and exported differ by, "" for failed runs (see export.ts).
 */
export function templateVars(record: RunRecord, connection?: string): TemplateVars {
  const r = record.run.result;
  return {
    result_name: record.run.resultName,
    pipeline_name: r.pipeline_name,
    status: r.status,
    error: typeof r.error === 'string' ? r.error : '',
    rows_loaded: String(r.rows_loaded),
    rows_exported: String(r.rows_exported),
    duration_ms: String(r.duration_ms),
    finished_at: r.finished_at,
    started_at: r.started_at,
    package_uuid: typeof r.package_uuid === 'string' ? r.package_uuid : '',
    connection: connection ?? '',
    dq_rows: String(dqRows(record.dq) ?? ''),
  };
}

/**
 * - `url`: each value is percent-encoded with encodeURIComponent (after lone surrogates become
 *   U+FFFD and values are cut at MAX_URL_VALUE_CHARS, so a 1 MB error cannot make a 3 MB URL).
 * - `none`: values as they are (command arguments, passed as values).
 * - `shell`: each value in POSIX single quotes (`'it'\''s'`), NUL removed. For POSIX sh only; not
 *   for cmd.exe or PowerShell. The extension itself passes values to tasks by environment instead.
 */
export type TemplateEscape = 'url' | 'none' | 'shell';

export const MAX_URL_VALUE_CHARS = 2000;
export const MAX_ENV_VALUE_CHARS = 16_000;

const PLACEHOLDER = /\$(\$?)\{([A-Za-z_][A-Za-z0-9_]*)\}/g;

/**
 * Replaces `${name}` with the variable's value, escaped for where it goes. An unknown `${foo}`
 * is left as it is; `$${name}` is the literal text `${name}`. One pass: a value that itself holds
 * `${…}` is not expanded again.
 */
export function expandTemplate(template: string, vars: Readonly<Record<string, string | undefined>>, escape: TemplateEscape): string {
  return template.replace(PLACEHOLDER, (whole: string, dollar: string, name: string) => {
    if (dollar) return whole.slice(1);
    if (!Object.hasOwn(vars, name)) return whole;
    const value = vars[name];
    if (typeof value !== 'string') return whole;
    switch (escape) {
      case 'url':
        return encodeURIComponent(truncate(wellFormed(value), MAX_URL_VALUE_CHARS));
      case 'shell':
        return `'${value.replace(/\0/g, '').replace(/'/g, `'\\''`)}'`;
      default:
        return value;
    }
  });
}

/**
 * Expands command arguments: strings anywhere inside arrays and objects are expanded without
 * escaping (they are values, not text to parse); object keys, numbers, booleans and null are kept.
 */
export function expandArgs(args: readonly unknown[], vars: Readonly<Record<string, string | undefined>>): unknown[] {
  return args.map((arg) => expandValue(arg, vars));
}

function expandValue(value: unknown, vars: Readonly<Record<string, string | undefined>>): unknown {
  if (typeof value === 'string') return expandTemplate(value, vars, 'none');
  if (Array.isArray(value)) return value.map((item) => expandValue(item, vars));
  if (isPlainObject(value)) {
    // fromEntries defines own properties, so a "__proto__" key stays a plain key.
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, expandValue(v, vars)]));
  }
  return value;
}

/** The environment variable for a template variable: `result_name` → `TDTP_RESULT_NAME`. */
export function envName(variable: TemplateVariable): string {
  return `TDTP_${variable.toUpperCase()}`;
}

/**
 * The variables as environment variables for a task (merged over the task's own environment by
 * the caller). Values are made safe to hand to a process: NUL (which spawn refuses) and lone
 * surrogates become U+FFFD, and each value is cut at MAX_ENV_VALUE_CHARS (Linux refuses a single
 * environment string over 128 KiB, which a long Go error could pass).
 */
export function taskEnvironment(vars: TemplateVars): Record<string, string> {
  const env: Record<string, string> = {};
  for (const name of TEMPLATE_VARIABLES) env[envName(name)] = truncate(wellFormed(vars[name]).replace(/\0/g, '\uFFFD'), MAX_ENV_VALUE_CHARS);
  return env;
}

export const ALLOWED_URL_SCHEMES: readonly string[] = ['http:', 'https:'];
const MAX_URL_CHARS = 32_768;

/** A problem sentence for a URL the extension must not open, or undefined when it may. */
export function checkActionUrl(url: string): string | undefined {
  if (url.length > MAX_URL_CHARS) return `the URL is ${url.length} characters long, over the ${MAX_URL_CHARS}-character limit`;
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return `"${truncate(url, 120)}" is not a valid URL`;
  }
  if (!ALLOWED_URL_SCHEMES.includes(parsed.protocol)) return `only http and https URLs are opened, not ${parsed.protocol} ("${truncate(url, 120)}")`;
  if (parsed.hostname === '') return `"${truncate(url, 120)}" has no host`;
  return undefined;
}

// ---------------------------------------------------------------------------------------------
// Planning

export type PlannedAction =
  | { readonly kind: 'task'; readonly task: string; readonly env: Readonly<Record<string, string>> }
  | { readonly kind: 'command'; readonly command: string; readonly args: readonly unknown[] }
  | { readonly kind: 'openUrl'; readonly url: string };

export type PlanResult = { readonly ok: true; readonly action: PlannedAction } | { readonly ok: false; readonly problem: string };

/** What the rule would do for these variables; a URL that expands to something unsafe is a problem. */
export function planAction(rule: ActionRule, vars: TemplateVars): PlanResult {
  const run = rule.run;
  switch (run.kind) {
    case 'task':
      return { ok: true, action: { kind: 'task', task: run.task, env: taskEnvironment(vars) } };
    case 'command':
      return { ok: true, action: { kind: 'command', command: run.command, args: expandArgs(run.args, vars) } };
    case 'openUrl': {
      const url = expandTemplate(run.openUrl, vars, 'url');
      const problem = checkActionUrl(url);
      return problem ? { ok: false, problem: `${SETTING}[${rule.index}].run.openUrl: ${problem}` } : { ok: true, action: { kind: 'openUrl', url } };
    }
  }
}

/** `tdtp.actions[2] "alert on failure"`, for messages. */
export function ruleLabel(rule: ActionRule): string {
  return `${SETTING}[${rule.index}]${rule.name !== undefined ? ` ${JSON.stringify(truncate(rule.name, 80))}` : ''}`;
}

/**
 * One sentence for a dry run: `run task "alert" with TDTP_RESULT_NAME=MASK_V001, TDTP_STATUS=failed, …`,
 * `open https://…`, `execute command "x" with args [...]`. Values from the wire are shown quoted
 * and escaped (newlines as \n, bidirectional controls as \u escapes) and shortened.
 */
export function describePlannedAction(action: PlannedAction): string {
  switch (action.kind) {
    case 'task': {
      const env = Object.entries(action.env).map(([k, v]) => `${k}=${displayValue(v)}`);
      return `run task ${JSON.stringify(action.task)} with ${env.join(', ')}`;
    }
    case 'command':
      return `execute command ${JSON.stringify(action.command)} ${action.args.length ? `with args ${escapeBidi(truncate(JSON.stringify(action.args), 500))}` : 'with no arguments'}`;
    case 'openUrl':
      return `open ${truncate(action.url, 2000)}`;
  }
}

function displayValue(value: string): string {
  const short = truncate(value, 80);
  return escapeBidi(/^[\w.:+@/-]*$/.test(short) && short !== '' ? short : JSON.stringify(short));
}

function escapeBidi(text: string): string {
  return text.replace(/[\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

// ---------------------------------------------------------------------------------------------
// Rate limiting

export type RateDecision = { readonly allowed: true } | { readonly allowed: false; readonly retryAfterMs: number };

export interface RateLimiterOptions {
  /** Milliseconds from any origin; default `performance.now()` (monotonic: clock changes do not matter). */
  readonly now?: () => number;
  /** Entries kept at most (rule × result_name); default 10,000. */
  readonly maxEntries?: number;
}

export const DEFAULT_RATE_LIMITER_ENTRIES = 10_000;

/**
 * At most one run per rule and result_name per the rule's window (`rateLimit.perResultNameSeconds`,
 * default 60 s). The window starts at the last run allowed; suppressed attempts do not extend it.
 *
 * Memory is bounded: when `maxEntries` is reached, entries whose window has passed are dropped; if
 * that is not enough, the entries that ran longest ago are dropped down to 90 % (so the sweep is
 * rare). A dropped entry that was still inside its window lets that result_name run once early:
 * with 10,000 entries that takes 10,000 distinct pipelines within one window.
 *
 * Keys are rule *indexes*: after `tdtp.actions` is edited, call `clear()` if rules moved.
 */
export class RateLimiter {
  private readonly last = new Map<string, { at: number; windowMs: number }>();
  private readonly now: () => number;
  private readonly maxEntries: number;

  constructor(options: RateLimiterOptions = {}) {
    this.now = options.now ?? (() => performance.now());
    const max = options.maxEntries;
    this.maxEntries = max !== undefined && Number.isInteger(max) && max > 0 ? max : DEFAULT_RATE_LIMITER_ENTRIES;
  }

  /** Allows and records a run, or says how long until the next one is allowed. */
  tryAcquire(rule: Pick<ActionRule, 'index' | 'rateLimit'>, resultName: string): RateDecision {
    const now = this.now();
    const decision = this.decide(rule, resultName, now);
    if (decision.allowed && rule.rateLimit !== false) {
      const key = keyOf(rule.index, resultName);
      // delete + set keeps the map in order of last run, oldest first, for eviction.
      if (!this.last.delete(key) && this.last.size >= this.maxEntries) this.evict(now);
      this.last.set(key, { at: now, windowMs: rule.rateLimit.perResultNameSeconds * 1000 });
    }
    return decision;
  }

  /** The decision `tryAcquire` would make, without recording anything (dry runs). */
  peek(rule: Pick<ActionRule, 'index' | 'rateLimit'>, resultName: string): RateDecision {
    return this.decide(rule, resultName, this.now());
  }

  private decide(rule: Pick<ActionRule, 'index' | 'rateLimit'>, resultName: string, now: number): RateDecision {
    if (rule.rateLimit === false) return { allowed: true };
    const entry = this.last.get(keyOf(rule.index, resultName));
    if (!entry) return { allowed: true };
    // The rule's current window (settings may have changed since the entry was written).
    const windowMs = rule.rateLimit.perResultNameSeconds * 1000;
    const elapsed = now - entry.at;
    // elapsed < 0: an injected wall clock went backwards; do not lock the rule for that long.
    if (elapsed < 0 || elapsed >= windowMs) return { allowed: true };
    return { allowed: false, retryAfterMs: windowMs - elapsed };
  }

  get size(): number {
    return this.last.size;
  }

  clear(): void {
    this.last.clear();
  }

  private evict(now: number): void {
    for (const [key, entry] of this.last) if (now - entry.at >= entry.windowMs || now < entry.at) this.last.delete(key);
    const target = Math.floor(this.maxEntries * 0.9);
    if (this.last.size < this.maxEntries) return;
    // Oldest first; at least one goes (maxEntries 1 gives target 0).
    for (const key of this.last.keys()) {
      if (this.last.size <= target) break;
      this.last.delete(key);
    }
  }
}

function keyOf(index: number, resultName: string): string {
  return `${index}\u0000${resultName}`;
}

// ---------------------------------------------------------------------------------------------
// All together

export type ActionOutcome =
  | { readonly kind: 'run'; readonly action: PlannedAction }
  | { readonly kind: 'rate-limited'; readonly retryAfterMs: number }
  | { readonly kind: 'problem'; readonly problem: string };

export interface ActionDecision {
  readonly index: number;
  readonly rule: ActionRule;
  readonly outcome: ActionOutcome;
}

/**
 * For every matching rule: what to do. With `dryRun` the rate limiter is only consulted, not
 * updated (describe the result with `describePlannedAction`). A rule whose URL expands to
 * something unsafe gives a problem and does not count against its rate limit.
 */
export function decideActions(rules: readonly ActionRule[], event: ActionEvent, limiter: RateLimiter | undefined, options: { dryRun?: boolean } = {}): ActionDecision[] {
  const matched = matchRules(rules, event);
  if (matched.length === 0) return [];
  const vars = templateVars(event.record, event.connection);
  return matched.map(({ index, rule }): ActionDecision => {
    const plan = planAction(rule, vars);
    if (!plan.ok) return { index, rule, outcome: { kind: 'problem', problem: plan.problem } };
    const rate = limiter ? (options.dryRun ? limiter.peek(rule, vars.result_name) : limiter.tryAcquire(rule, vars.result_name)) : { allowed: true as const };
    if (!rate.allowed) return { index, rule, outcome: { kind: 'rate-limited', retryAfterMs: rate.retryAfterMs } };
    return { index, rule, outcome: { kind: 'run', action: plan.action } };
  });
}

// ---------------------------------------------------------------------------------------------
// Helpers

/** Sample values used to check an openUrl template when settings are read. */
const SAMPLE_VARS: TemplateVars = {
  result_name: 'MASK_V001',
  pipeline_name: 'erp_mask_sync',
  status: 'failed',
  error: 'error',
  rows_loaded: '15000',
  rows_exported: '14998',
  duration_ms: '1842',
  finished_at: '2025-11-18T10:00:02Z',
  started_at: '2025-11-18T10:00:00Z',
  package_uuid: '',
  connection: 'default',
  dq_rows: '2',
};

function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return false;
  const proto: unknown = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}



/** Lone surrogates (possible through JSON `\ud800` escapes) become U+FFFD; encodeURIComponent throws on them. */
function wellFormed(text: string): string {
  return text.replace(/[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g, '\uFFFD');
}
