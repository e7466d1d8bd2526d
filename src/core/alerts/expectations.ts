import { Cron } from 'croner';
import { compileGlob, GlobMatcher } from '../actions';
import { describeValue } from '../decode';
import { truncate } from '../text';
import { parseDuration } from './duration';

/**
 * `tdtp.expectations`: cadences stated by those who know them, for pipelines whose runs are too
 * few or too irregular to learn from. Each entry names result_names by glob and gives exactly one
 * of `every` ("15m", "@every 15s"), `cron` ("*\/5 * * * *", with `timeZone`) or `maxAge` ("2h").
 * The first entry whose glob matches a result_name applies to it.
 */

export type Schedule =
  | { readonly kind: 'every'; readonly everyMs: number }
  | { readonly kind: 'cron'; readonly cron: Cron; readonly pattern: string; readonly timeZone?: string }
  | { readonly kind: 'maxAge'; readonly maxAgeMs: number };

export interface Expectation {
  /** Position in `tdtp.expectations`, for messages. */
  readonly index: number;
  readonly resultName: string;
  readonly matches: GlobMatcher;
  readonly schedule: Schedule;
  /** How long after the expected time a run may still arrive before the pipeline counts as late. */
  readonly graceMs?: number;
}

const SETTING = 'tdtp.expectations';
const FIELDS = ['resultName', 'every', 'cron', 'timeZone', 'maxAge', 'grace'] as const;
/** Schedules faster than this would make a timer's second-by-second check meaningless. */
export const MIN_PERIOD_MS = 1000;
const MAX_ENTRIES = 500;
const MAX_PATTERN = 200;

export function parseExpectations(value: unknown): { expectations: Expectation[]; problems: string[] } {
  const expectations: Expectation[] = [];
  const problems: string[] = [];
  if (value === undefined || value === null) return { expectations, problems };
  if (!Array.isArray(value)) {
    problems.push(`${SETTING}: expected an array, got ${describeValue(value, 'text')}`);
    return { expectations, problems };
  }
  if (value.length > MAX_ENTRIES) problems.push(`${SETTING}: ${value.length} entries; only the first ${MAX_ENTRIES} are used`);
  value.slice(0, MAX_ENTRIES).forEach((entry: unknown, index) => {
    const before = problems.length;
    const parsed = parseEntry(entry, index, problems);
    if (parsed && problems.length === before) expectations.push(parsed);
  });
  return { expectations, problems };
}

function parseEntry(entry: unknown, index: number, problems: string[]): Expectation | undefined {
  const at = (field?: string): string => `${SETTING}[${index}]${field ? `.${field}` : ''}`;
  if (entry === null || typeof entry !== 'object' || Array.isArray(entry)) {
    problems.push(`${at()}: expected an object such as { "resultName": "MASK_*", "every": "15m" }, got ${describeValue(entry, 'text')}`);
    return undefined;
  }
  const e = entry as Record<string, unknown>;
  for (const key of Object.keys(e)) if (!(FIELDS as readonly string[]).includes(key)) problems.push(`${at(truncate(key, 60))}: unknown field; expected ${FIELDS.join(', ')}`);

  const glob = e.resultName;
  let matches: GlobMatcher | undefined;
  if (typeof glob !== 'string' || glob === '') problems.push(`${at('resultName')}: expected a non-empty glob such as "MASK_*", got ${describeValue(glob, 'text')}`);
  else {
    const compiled = compileGlob(glob);
    if (typeof compiled !== 'function') problems.push(`${at('resultName')}: glob "${compiled.values[0]}" is malformed (${compiled.code})`);
    else matches = compiled;
  }

  const given = (['every', 'cron', 'maxAge'] as const).filter((k) => Object.hasOwn(e, k));
  if (given.length !== 1) {
    problems.push(`${at()}: expected exactly one of every, cron, maxAge${given.length ? `, got ${given.join(' and ')}` : ''}`);
    return undefined;
  }
  const kind = given[0];
  if (Object.hasOwn(e, 'timeZone') && kind !== 'cron') problems.push(`${at('timeZone')}: only allowed with "cron"`);

  let schedule: Schedule | undefined;
  const text = e[kind];
  if (typeof text !== 'string') problems.push(`${at(kind)}: expected text, got ${describeValue(text, 'text')}`);
  else if (kind === 'cron' && !/^\s*@every\s/.test(text)) schedule = parseCron(text, e.timeZone, at, problems);
  else {
    const d = period(text, kind === 'cron' ? 'cron' : kind, at, problems);
    if (d !== undefined) schedule = kind === 'maxAge' ? { kind, maxAgeMs: d } : { kind: 'every', everyMs: d };
  }

  let graceMs: number | undefined;
  if (Object.hasOwn(e, 'grace')) {
    const g = e.grace;
    const parsed = typeof g === 'string' ? parseDuration(g) : undefined;
    if (!parsed) problems.push(`${at('grace')}: expected a duration such as "5m", got ${describeValue(g, 'text')}`);
    else if (!parsed.ok) problems.push(`${at('grace')}: ${parsed.reason}`);
    else graceMs = parsed.ms;
  }

  if (!matches || !schedule || typeof glob !== 'string') return undefined;
  return { index, resultName: glob, matches, schedule, ...(graceMs !== undefined ? { graceMs } : {}) };
}

function period(text: string, field: string, at: (field?: string) => string, problems: string[]): number | undefined {
  const parsed = parseDuration(text);
  if (!parsed.ok) {
    problems.push(`${at(field)}: ${parsed.reason}`);
    return undefined;
  }
  if (parsed.ms < MIN_PERIOD_MS) {
    problems.push(`${at(field)}: "${text}" is shorter than the shortest period, 1s`);
    return undefined;
  }
  return parsed.ms;
}

function parseCron(pattern: string, zone: unknown, at: (field?: string) => string, problems: string[]): Schedule | undefined {
  if (pattern.length > MAX_PATTERN) {
    problems.push(`${at('cron')}: ${pattern.length} characters long; at most ${MAX_PATTERN}`);
    return undefined;
  }
  let timeZone: string | undefined;
  if (zone !== undefined) {
    if (typeof zone !== 'string' || !isTimeZone(zone)) {
      problems.push(`${at('timeZone')}: ${describeValue(zone, 'text')} is not a time zone; expected a name such as "Europe/Moscow" or "UTC"`);
      return undefined;
    }
    timeZone = zone;
  }
  try {
    // No callback: croner only computes times, it schedules nothing.
    const cron = new Cron(pattern.trim(), { timezone: timeZone, paused: true });
    if (cron.nextRun(new Date(0)) === null) {
      problems.push(`${at('cron')}: "${truncate(pattern, 80)}" never fires`);
      return undefined;
    }
    return { kind: 'cron', cron, pattern: pattern.trim(), ...(timeZone ? { timeZone } : {}) };
  } catch (err) {
    problems.push(`${at('cron')}: "${truncate(pattern, 80)}" is not a cron expression (${truncate(err instanceof Error ? err.message : String(err), 160)})`);
    return undefined;
  }
}

function isTimeZone(name: string): boolean {
  if (name.length > 64) return false;
  try {
    new Intl.DateTimeFormat('en', { timeZone: name });
    return true;
  } catch {
    return false;
  }
}

/** The expectation for a result_name: the first whose glob matches. */
export function expectationFor(expectations: readonly Expectation[], resultName: string): Expectation | undefined {
  for (const e of expectations) if (e.matches(resultName)) return e;
  return undefined;
}
