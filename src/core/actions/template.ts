import { isLateNews } from '../alerts/lateNews';
import { dqRows } from '../export';
import { truncate } from '../text';
import type { RunRecord } from '../runs';
import { isPlainObject } from '../validate';
import type { ActionEvent, ActionTransitionKind } from './types';

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
  'transition',
  'late_by_ms',
  'expected_at',
] as const;

export type TemplateVariable = (typeof TEMPLATE_VARIABLES)[number];
export type TemplateVars = Readonly<Record<TemplateVariable, string>>;

/** What the event says beyond its run (its transitions, its lateness), and the transition a rule matched on. */
export type EventFacts = Pick<ActionEvent, 'transitions' | 'late'> & { readonly transition?: ActionTransitionKind };

/**
 * The variables of a run, all as text. `result_name` is the model's key (the channel's suffix);
 * `status` is the text as received (an unknown status as written); times are the RFC 3339 text as
 * received; an absent `error`/`package_uuid`/connection is ""; `dq_rows` is how many rows loaded
 * and exported differ by, "" for failed runs (see export.ts).
 *
 * From the event (`facts`): `transition` is the kind the rule matched on ("" for a rule without
 * `on`). For a late event, `expected_at` is when the run was due (RFC 3339, UTC, milliseconds) and
 * `late_by_ms` how long past it the pipeline was found late; both "" when only the state key's
 * expiry said so (`stateExpired`: no due time known). For a run that ended a lateness (`backOnTime`), `late_by_ms`
 * is how late it came. Otherwise both are "".
 */
export function templateVars(record: RunRecord, connection?: string, facts: EventFacts = {}): TemplateVars {
  const r = record.run.result;
  const lateness = facts.late?.lateness;
  const expectedAt = lateness && isLateNews(lateness) && Number.isFinite(lateness.expectedAt) ? lateness.expectedAt : undefined;
  const backOnTime = facts.late ? undefined : facts.transitions?.find((t) => t.kind === 'backOnTime');
  const lateByMs = expectedAt !== undefined ? Math.max(0, (facts.late?.at ?? expectedAt) - expectedAt) : backOnTime?.kind === 'backOnTime' ? backOnTime.lateByMs : undefined;
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
    transition: facts.transition ?? '',
    late_by_ms: lateByMs !== undefined ? String(Math.round(lateByMs)) : '',
    expected_at: expectedAt !== undefined ? new Date(expectedAt).toISOString() : '',
  };
}

/** Sample values used to check a template when settings are read. */
export const SAMPLE_VARS: TemplateVars = {
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
  transition: 'firstFailure',
  late_by_ms: '120000',
  expected_at: '2025-11-18T10:15:00.000Z',
};

/**
 * - `url`: each value is percent-encoded with encodeURIComponent (after lone surrogates become
 *   U+FFFD and values are cut at MAX_URL_VALUE_CHARS, so a 1 MB error cannot make a 3 MB URL).
 *   Use `expandUrl` (url.ts) for a whole URL: it also refuses values that would climb the path.
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

/** The template variables `text` would expand (`$${x}` and unknown names are literal text, not listed). */
export function placeholdersIn(text: string): TemplateVariable[] {
  const found: TemplateVariable[] = [];
  for (const [, dollar, name] of text.matchAll(PLACEHOLDER)) {
    if (!dollar && (TEMPLATE_VARIABLES as readonly string[]).includes(name)) found.push(name as TemplateVariable);
  }
  return found;
}

/**
 * Expands command arguments: strings anywhere inside arrays and objects are expanded without
 * escaping (they are values, not text to parse); object keys, numbers, booleans and null are kept.
 * Where a placeholder may stand at all is decided when the rule is read (placeholders.ts).
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

/** Lone surrogates (possible through JSON `\ud800` escapes) become U+FFFD; encodeURIComponent throws on them. */
export function wellFormed(text: string): string {
  return text.replace(/[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g, '\uFFFD');
}
