import { truncate } from '../text';
import type { Problem } from '../validate';
import { Path, Problems, isPlainObject } from '../validate';
import type { GlobProblem } from './glob';
import { compileGlob } from './glob';
import type { TemplatePlaceProblem } from './placeholders';
import { checkArgsTemplates, checkUrlTemplate } from './placeholders';
import type { ActionRule, ActionRun, ActionWhen } from './types';
import { ACTION_STATUSES, ACTION_TRANSITIONS } from './types';
import type { UrlProblem } from './url';

export const DEFAULT_RATE_LIMIT_SECONDS = 60;
export const DEFAULT_RULE_RUNS_PER_MINUTE = 10;
export const ACTIONS_SETTING = 'tdtp.actions';
const RUN_KINDS = ['task', 'command', 'openUrl'] as const;

/**
 * What can be wrong with `tdtp.actions` (worded by the front end; `values` in the order listed):
 * - `notRules`, `notRule`, `notText`, `notBoolean`, `notRateLimit`, `notSeconds`, `notCount`,
 *   `notWhen`, `notStatuses`, `notTransitions`, `notGlob`, `notRun`, `notTaskLabel`, `notCommandId`,
 *   `notUrl`, `notArgs`: the value has the wrong type (the problem's `got`). `notStatuses`: [the
 *   statuses]; `notTransitions`: [the transitions].
 * - `notStatus` [the statuses]: a status the framework does not define (`got`).
 * - `notTransition` [the transitions]: not a transition a rule can wait for (`got`).
 * - `emptyStatusList`; `emptyTransitionList`; `runMissing` [kinds]; `noRunKind` [kinds]; `manyRunKinds` [kinds, given];
 *   `argsWithoutCommand`; `argsTooDeep` [levels]; `argsNotJsonNumber` [value]; `argsNotJson` (`got`).
 * - glob, URL and placeholder problems: see `GlobProblem`, `UrlProblem`, `TemplatePlaceProblem`.
 */
export type RuleProblemCode =
  | 'notRules'
  | 'notRule'
  | 'notText'
  | 'notBoolean'
  | 'notRateLimit'
  | 'notSeconds'
  | 'notCount'
  | 'notWhen'
  | 'notStatuses'
  | 'notStatus'
  | 'emptyStatusList'
  | 'notTransitions'
  | 'notTransition'
  | 'emptyTransitionList'
  | 'notGlob'
  | 'runMissing'
  | 'notRun'
  | 'noRunKind'
  | 'manyRunKinds'
  | 'argsWithoutCommand'
  | 'notTaskLabel'
  | 'notCommandId'
  | 'notUrl'
  | 'notArgs'
  | 'argsTooDeep'
  | 'argsNotJsonNumber'
  | 'argsNotJson'
  | GlobProblem['code']
  | UrlProblem['code']
  | TemplatePlaceProblem['code'];

export type RuleProblem = Problem<RuleProblemCode | 'unknownField'>;

/**
 * Validates `tdtp.actions`. Every problem names the rule and field (`tdtp.actions[2].run`). A rule
 * with any problem is left out; the others are kept. `undefined`/`null` (the setting not written)
 * is no rules, no problems.
 */
export function parseActionRules(value: unknown): { rules: ActionRule[]; problems: RuleProblem[] } {
  const rules: ActionRule[] = [];
  const problems = new Problems<RuleProblemCode>();
  if (value === undefined || value === null) return { rules, problems: problems.list };
  const root = Path.of(ACTIONS_SETTING);
  if (!Array.isArray(value)) {
    problems.wrong(root, 'notRules', value);
    return { rules, problems: problems.list };
  }
  value.forEach((entry, index) => {
    const before = problems.count;
    const rule = parseRule(entry, index, root.item(index), problems);
    if (rule && problems.count === before) rules.push(rule);
  });
  return { rules, problems: problems.list };
}

/** `tdtp.actions[2] "alert on failure"`: how every message and list names a rule. */
export function ruleLabel(rule: Pick<ActionRule, 'index' | 'name'>): string {
  return `${ACTIONS_SETTING}[${rule.index}]${rule.name !== undefined ? ` ${JSON.stringify(truncate(rule.name, 80))}` : ''}`;
}

function parseRule(entry: unknown, index: number, at: Path, problems: Problems<RuleProblemCode>): ActionRule | undefined {
  if (!isPlainObject(entry)) {
    problems.wrong(at, 'notRule', entry);
    return undefined;
  }
  problems.unknownFields(entry, ['name', 'when', 'run', 'includeRecovered', 'rateLimit'], at);

  let name: string | undefined;
  if (Object.hasOwn(entry, 'name')) {
    if (typeof entry.name !== 'string' || entry.name.trim() === '') problems.wrong(at.field('name'), 'notText', entry.name);
    else name = entry.name;
  }

  const when = parseWhen(entry.when, Object.hasOwn(entry, 'when'), at.field('when'), problems);
  const run = parseRun(entry.run, Object.hasOwn(entry, 'run'), at.field('run'), problems);

  let includeRecovered = false;
  if (Object.hasOwn(entry, 'includeRecovered')) {
    if (typeof entry.includeRecovered !== 'boolean') problems.wrong(at.field('includeRecovered'), 'notBoolean', entry.includeRecovered);
    else includeRecovered = entry.includeRecovered;
  }

  const rateLimit = Object.hasOwn(entry, 'rateLimit') ? parseRateLimit(entry.rateLimit, at.field('rateLimit'), problems) : { perResultNameSeconds: DEFAULT_RATE_LIMIT_SECONDS, perMinute: DEFAULT_RULE_RUNS_PER_MINUTE };

  if (!when || !run || rateLimit === undefined) return undefined;
  return { index, ...(name !== undefined ? { name } : {}), when, run, includeRecovered, rateLimit };
}

function parseRateLimit(value: unknown, at: Path, problems: Problems<RuleProblemCode>): ActionRule['rateLimit'] | undefined {
  if (value === false) return false;
  if (!isPlainObject(value)) {
    problems.wrong(at, 'notRateLimit', value);
    return undefined;
  }
  problems.unknownFields(value, ['perResultNameSeconds', 'perMinute'], at);
  let perResultNameSeconds = DEFAULT_RATE_LIMIT_SECONDS;
  if (Object.hasOwn(value, 'perResultNameSeconds')) {
    const s = value.perResultNameSeconds;
    if (typeof s !== 'number' || !Number.isFinite(s) || s < 0) {
      problems.wrong(at.field('perResultNameSeconds'), 'notSeconds', s);
      return undefined;
    }
    perResultNameSeconds = s;
  }
  let perMinute = DEFAULT_RULE_RUNS_PER_MINUTE;
  if (Object.hasOwn(value, 'perMinute')) {
    const n = value.perMinute;
    if (typeof n !== 'number' || !Number.isInteger(n) || n < 1) {
      problems.wrong(at.field('perMinute'), 'notCount', n);
      return undefined;
    }
    perMinute = n;
  }
  return { perResultNameSeconds, perMinute };
}

function parseWhen(value: unknown, present: boolean, at: Path, problems: Problems<RuleProblemCode>): ActionWhen | undefined {
  if (!present) return {};
  if (!isPlainObject(value)) {
    problems.wrong(at, 'notWhen', value);
    return undefined;
  }
  problems.unknownFields(value, ['on', 'status', 'dataQualityWarning', 'resultName', 'pipelineName', 'connection'], at);
  const when: { -readonly [K in keyof ActionWhen]: ActionWhen[K] } = {};

  if (Object.hasOwn(value, 'on')) {
    const on = parseOneOrList(value.on, ACTION_TRANSITIONS, at.field('on'), problems, { notList: 'notTransitions', notItem: 'notTransition', empty: 'emptyTransitionList' });
    if (on) when.on = on;
  }
  if (Object.hasOwn(value, 'status')) {
    const status = parseOneOrList(value.status, ACTION_STATUSES, at.field('status'), problems, { notList: 'notStatuses', notItem: 'notStatus', empty: 'emptyStatusList' });
    if (status) when.status = status;
  }

  if (Object.hasOwn(value, 'dataQualityWarning')) {
    if (typeof value.dataQualityWarning !== 'boolean') problems.wrong(at.field('dataQualityWarning'), 'notBoolean', value.dataQualityWarning);
    else when.dataQualityWarning = value.dataQualityWarning;
  }

  for (const field of ['resultName', 'pipelineName', 'connection'] as const) {
    if (!Object.hasOwn(value, field)) continue;
    const glob = value[field];
    if (typeof glob !== 'string' || glob === '') {
      problems.wrong(at.field(field), 'notGlob', glob);
      continue;
    }
    const compiled = compileGlob(glob);
    if (typeof compiled !== 'function') problems.add(at.field(field), compiled.code, compiled.values);
    else when[field] = glob;
  }
  return when;
}

/** A value of `allowed`, or a non-empty list of them (`"failed"` is `["failed"]`). */
function parseOneOrList<T extends string>(
  raw: unknown,
  allowed: readonly T[],
  at: Path,
  problems: Problems<RuleProblemCode>,
  codes: { readonly notList: RuleProblemCode; readonly notItem: RuleProblemCode; readonly empty: RuleProblemCode },
): T[] | undefined {
  const names = allowed.join(', ');
  const list: readonly unknown[] | undefined = typeof raw === 'string' ? [raw] : Array.isArray(raw) ? raw : undefined;
  if (!list) {
    problems.wrong(at, codes.notList, raw, [names]);
    return undefined;
  }
  if (list.length === 0) {
    problems.add(at, codes.empty);
    return undefined;
  }
  const found: T[] = [];
  list.forEach((item, i) => {
    if (typeof item === 'string' && (allowed as readonly string[]).includes(item)) found.push(item as T);
    else problems.wrong(typeof raw === 'string' ? at : at.item(i), codes.notItem, item, [names]);
  });
  return found;
}

function parseRun(value: unknown, present: boolean, at: Path, problems: Problems<RuleProblemCode>): ActionRun | undefined {
  const kinds = RUN_KINDS.join(', ');
  if (!present) {
    problems.add(at, 'runMissing', [kinds]);
    return undefined;
  }
  if (!isPlainObject(value)) {
    problems.wrong(at, 'notRun', value, [kinds]);
    return undefined;
  }
  problems.unknownFields(value, [...RUN_KINDS, 'args'], at);
  const given = RUN_KINDS.filter((k) => Object.hasOwn(value, k));
  if (given.length === 0) {
    problems.add(at, 'noRunKind', [kinds]);
    return undefined;
  }
  if (given.length > 1) {
    problems.add(at, 'manyRunKinds', [kinds, given.join(', ')]);
    return undefined;
  }
  const kind = given[0];
  if (Object.hasOwn(value, 'args') && kind !== 'command') {
    problems.add(at.field('args'), 'argsWithoutCommand');
    return undefined;
  }
  const text = value[kind];
  if (typeof text !== 'string' || text.trim() === '') {
    problems.wrong(at.field(kind), kind === 'task' ? 'notTaskLabel' : kind === 'command' ? 'notCommandId' : 'notUrl', text);
    return undefined;
  }
  switch (kind) {
    case 'task':
      return { kind, task: text };
    case 'command': {
      let args: unknown[] = [];
      if (Object.hasOwn(value, 'args')) {
        if (!Array.isArray(value.args)) {
          problems.wrong(at.field('args'), 'notArgs', value.args);
          return undefined;
        }
        const before = problems.count;
        checkJsonValue(value.args, 0, at.field('args'), problems);
        if (problems.count > before) return undefined;
        args = value.args;
      }
      const misplaced = checkArgsTemplates(text, args);
      if (misplaced) {
        problems.add(at.field('args'), misplaced.code, misplaced.values);
        return undefined;
      }
      return { kind, command: text, args };
    }
    case 'openUrl': {
      const problem = checkUrlTemplate(text);
      if (problem) {
        problems.add(at.field('openUrl'), problem.code, problem.values);
        return undefined;
      }
      return { kind, openUrl: text };
    }
  }
}

const MAX_ARGS_DEPTH = 32;

/** Reports the first thing in `value` that is not plain JSON. */
function checkJsonValue(value: unknown, depth: number, at: Path, problems: Problems<RuleProblemCode>): void {
  if (depth > MAX_ARGS_DEPTH) return problems.add(at, 'argsTooDeep', [MAX_ARGS_DEPTH]);
  if (value === null || typeof value === 'string' || typeof value === 'boolean') return;
  if (typeof value === 'number') return Number.isFinite(value) ? undefined : problems.add(at, 'argsNotJsonNumber', [String(value)]);
  const items = Array.isArray(value) ? value : isPlainObject(value) ? Object.values(value) : undefined;
  if (!items) return problems.wrong(at, 'argsNotJson', value);
  const before = problems.count;
  for (const item of items) {
    checkJsonValue(item, depth + 1, at, problems);
    if (problems.count > before) return;
  }
}
