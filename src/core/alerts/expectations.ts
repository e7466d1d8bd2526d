import type { Cron } from 'croner';
import type { GlobMatcher, GlobProblem } from '../actions/glob';
import { compileGlob } from '../actions/glob';
import { croner, isTimeZone } from '../cron';
import { truncate } from '../text';
import type { Problem } from '../validate';
import { Path, Problems, isPlainObject } from '../validate';
import type { DurationProblemCode } from './duration';
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
const SCHEDULE_FIELDS = ['every', 'cron', 'maxAge'] as const;
/** Schedules faster than this would make a timer's second-by-second check meaningless. */
export const MIN_PERIOD_MS = 1000;
const MAX_ENTRIES = 500;
const MAX_PATTERN = 200;

/**
 * What can be wrong with `tdtp.expectations`, as facts; the front ends word them. Each problem
 * names where (`tdtp.expectations[2].cron`); `values` hold, in order:
 * - `notExpectations` (the setting is not an array), `notExpectation` (an entry is not an object),
 *   `notGlob` (resultName), `notScheduleText` (every, cron, maxAge), `notGrace`, `notTimeZone`: none; `got` is the value.
 * - `tooManyExpectations`: [entries, the most used]. Only the first ones are used.
 * - `noSchedule`: [the schedule fields, joined by ", "]; `manySchedules`: [the same, the given ones, joined the same way (field names, no words)].
 * - `timeZoneWithoutCron`: none.
 * - duration problems (every, maxAge, grace, `@every` in cron), see DurationProblemCode.
 * - `periodTooShort`: [the text, the shortest period in ms].
 * - `cronTooLong`: [characters, the most allowed]; `cronNeverFires`: [pattern]; `notCron`: [pattern, croner's own message].
 * - glob problems (resultName): see GlobProblem.
 */
export type ExpectationProblemCode =
  | 'notExpectations'
  | 'tooManyExpectations'
  | 'notExpectation'
  | 'notGlob'
  | 'noSchedule'
  | 'manySchedules'
  | 'timeZoneWithoutCron'
  | 'notScheduleText'
  | 'notGrace'
  | 'periodTooShort'
  | 'cronTooLong'
  | 'notTimeZone'
  | 'cronNeverFires'
  | 'notCron'
  | DurationProblemCode
  | GlobProblem['code'];

export type ExpectationProblem = Problem<ExpectationProblemCode | 'unknownField'>;

export function parseExpectations(value: unknown): { expectations: Expectation[]; problems: ExpectationProblem[] } {
  const expectations: Expectation[] = [];
  const problems = new Problems<ExpectationProblemCode>();
  if (value === undefined || value === null) return { expectations, problems: problems.list };
  const root = Path.of(SETTING);
  if (!Array.isArray(value)) {
    problems.wrong(root, 'notExpectations', value);
    return { expectations, problems: problems.list };
  }
  if (value.length > MAX_ENTRIES) problems.add(root, 'tooManyExpectations', [value.length, MAX_ENTRIES]);
  value.slice(0, MAX_ENTRIES).forEach((entry: unknown, index) => {
    const before = problems.count;
    const parsed = parseEntry(entry, index, root.item(index), problems);
    if (parsed && problems.count === before) expectations.push(parsed);
  });
  return { expectations, problems: problems.list };
}

function parseEntry(entry: unknown, index: number, at: Path, problems: Problems<ExpectationProblemCode>): Expectation | undefined {
  if (!isPlainObject(entry)) {
    problems.wrong(at, 'notExpectation', entry);
    return undefined;
  }
  const e = entry;
  problems.unknownFields(e, FIELDS, at);

  const glob = e.resultName;
  let matches: GlobMatcher | undefined;
  if (typeof glob !== 'string' || glob === '') problems.wrong(at.field('resultName'), 'notGlob', glob);
  else {
    const compiled = compileGlob(glob);
    if (typeof compiled !== 'function') problems.add(at.field('resultName'), compiled.code, compiled.values);
    else matches = compiled;
  }

  const given = SCHEDULE_FIELDS.filter((k) => Object.hasOwn(e, k));
  if (given.length !== 1) {
    if (given.length === 0) problems.add(at, 'noSchedule', [SCHEDULE_FIELDS.join(', ')]);
    else problems.add(at, 'manySchedules', [SCHEDULE_FIELDS.join(', '), given.join(', ')]);
    return undefined;
  }
  const kind = given[0];
  if (Object.hasOwn(e, 'timeZone') && kind !== 'cron') problems.add(at.field('timeZone'), 'timeZoneWithoutCron');

  let schedule: Schedule | undefined;
  const text = e[kind];
  if (typeof text !== 'string') problems.wrong(at.field(kind), 'notScheduleText', text);
  else if (kind === 'cron' && !/^\s*@every\s/.test(text)) schedule = parseCron(text, e.timeZone, at, problems);
  else {
    const d = period(text, at.field(kind), problems);
    if (d !== undefined) schedule = kind === 'maxAge' ? { kind, maxAgeMs: d } : { kind: 'every', everyMs: d };
  }

  let graceMs: number | undefined;
  if (Object.hasOwn(e, 'grace')) {
    const g = e.grace;
    const parsed = typeof g === 'string' ? parseDuration(g) : undefined;
    if (!parsed) problems.wrong(at.field('grace'), 'notGrace', g);
    else if (!parsed.ok) problems.add(at.field('grace'), parsed.code, parsed.values);
    else graceMs = parsed.ms;
  }

  if (!matches || !schedule || typeof glob !== 'string') return undefined;
  return { index, resultName: glob, matches, schedule, ...(graceMs !== undefined ? { graceMs } : {}) };
}

function period(text: string, at: Path, problems: Problems<ExpectationProblemCode>): number | undefined {
  const parsed = parseDuration(text);
  if (!parsed.ok) {
    problems.add(at, parsed.code, parsed.values);
    return undefined;
  }
  if (parsed.ms < MIN_PERIOD_MS) {
    problems.add(at, 'periodTooShort', [truncate(text, 80), MIN_PERIOD_MS]);
    return undefined;
  }
  return parsed.ms;
}

function parseCron(pattern: string, zone: unknown, at: Path, problems: Problems<ExpectationProblemCode>): Schedule | undefined {
  if (pattern.length > MAX_PATTERN) {
    problems.add(at.field('cron'), 'cronTooLong', [pattern.length, MAX_PATTERN]);
    return undefined;
  }
  let timeZone: string | undefined;
  if (zone !== undefined) {
    if (typeof zone !== 'string' || !isTimeZone(zone)) {
      problems.wrong(at.field('timeZone'), 'notTimeZone', zone);
      return undefined;
    }
    timeZone = zone;
  }
  try {
    // No callback: croner only computes times, it schedules nothing.
    const cron = new (croner().Cron)(pattern.trim(), { timezone: timeZone, paused: true });
    if (cron.nextRun(new Date(0)) === null) {
      problems.add(at.field('cron'), 'cronNeverFires', [truncate(pattern, 80)]);
      return undefined;
    }
    return { kind: 'cron', cron, pattern: pattern.trim(), ...(timeZone ? { timeZone } : {}) };
  } catch (err) {
    problems.add(at.field('cron'), 'notCron', [truncate(pattern, 80), truncate(err instanceof Error ? err.message : String(err), 160)]);
    return undefined;
  }
}


/** The expectation for a result_name: the first whose glob matches. */
export function expectationFor(expectations: readonly Expectation[], resultName: string): Expectation | undefined {
  for (const e of expectations) if (e.matches(resultName)) return e;
  return undefined;
}
