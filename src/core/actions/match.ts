import { isLateNews, isNewsBasis } from '../alerts/lateNews';
import type { Lateness } from '../alerts/tracker';
import { isDqWarning } from '../dataQuality';
import { truncate } from '../text';
import type { RunSource } from '../runs';
import type { GlobMatcher } from './glob';
import { compileGlob } from './glob';
import type { ActionEvent, ActionRule, ActionTransitionKind, ActionWhen } from './types';

/**
 * Why a rule does not apply, as a fact for the front end to word. values:
 * `polled` []; `notLive` [source];
 * `transition` [the event's kinds joined with "," ("" when the run brought none; "late" or
 * "stateExpired" for a late event), the wanted kinds…]; `lateEvent` [its kind: "late" or
 * "stateExpired"] (a late event, and the rule has no `on`);
 * `status` [status, the wanted statuses…];
 * `dataQualityWarning` [] (the run has one, the rule wants none); `noDataQualityWarning` [];
 * `resultName` / `pipelineName` / `connection` [the value, shortened; the glob]; `noConnection` [].
 */
export interface Mismatch {
  readonly code: 'polled' | 'notLive' | 'transition' | 'lateEvent' | 'status' | 'dataQualityWarning' | 'noDataQualityWarning' | 'resultName' | 'pipelineName' | 'connection' | 'noConnection';
  readonly values: readonly string[];
}

/**
 * Why `rule` does not apply to the event, or undefined when it does. For a dry run ("why did
 * nothing happen?"); it names the first condition that fails.
 *
 * Sources: `live` always counts. `loaded` and `recovered` (state keys read at connect and after a
 * reconnect: their events were missed) count only with `includeRecovered`. `polled` never counts:
 * a poll is the user asking to look at a state, not news of a run, and running an alert again
 * because someone pressed "Poll now" would be a surprise.
 *
 * Transitions (`when.on`): a run matches when it brought one of the rule's kinds. A late event is
 * `late` when a run was due (stated or learned) and `stateExpired` when only the state key expired
 * (`isLateNews`, the same test as the late toast's); neither is ever a run's. A rule without `on`
 * never matches a late event. A late event is
 * news from the clock, not a run: the source of the latest run it carries does not matter (a
 * pipeline whose latest run was polled, or loaded at connect, is late all the same), so neither
 * the `polled` rule nor `includeRecovered` applies to it.
 */
export function explainMismatch(rule: ActionRule, event: ActionEvent): Mismatch | undefined {
  const checked = check(rule, event);
  return 'mismatch' in checked ? checked.mismatch : undefined;
}

/** The rules that apply to an event, in settings order, each with the transition it matched on (none without `on`). */
export function matchRules(rules: readonly ActionRule[], event: ActionEvent): Array<{ index: number; rule: ActionRule; transition: ActionTransitionKind | undefined }> {
  const matched: Array<{ index: number; rule: ActionRule; transition: ActionTransitionKind | undefined }> = [];
  for (const rule of rules) {
    const checked = check(rule, event);
    if (!('mismatch' in checked)) matched.push({ index: rule.index, rule, transition: checked.transition });
  }
  return matched;
}

/** The kind a late event is: `late` (news: a run was due), or `stateExpired` (only the state key expired). */
/**
 * A `backOnTime` ends a lateness the rule was told of: after `late` news always, after a mere state
 * key expiry only for a rule that asks for `stateExpired` (an `["late", "backOnTime"]` rule must not
 * "resolve" what it never opened).
 */
function endsWatchedLateness(after: Lateness['basis'], on: readonly ActionTransitionKind[]): boolean {
  return isNewsBasis(after) || on.includes('stateExpired');
}

export function lateKind(lateness: Lateness): 'late' | 'stateExpired' {
  return isLateNews(lateness) ? 'late' : 'stateExpired';
}

function check(rule: ActionRule, event: ActionEvent): { mismatch: Mismatch } | { transition: ActionTransitionKind | undefined } {
  const mismatch = (code: Mismatch['code'], values: readonly string[] = []) => ({ mismatch: { code, values } });
  const { record } = event;
  const on = rule.when.on;
  let transition: ActionTransitionKind | undefined;
  if (event.late) {
    const kind = lateKind(event.late.lateness);
    if (!on) return mismatch('lateEvent', [kind]);
    if (!on.includes(kind)) return mismatch('transition', [kind, ...on]);
    transition = kind;
  } else {
    const source: RunSource = record.source;
    if (source === 'polled') return mismatch('polled');
    if (source !== 'live' && !rule.includeRecovered) return mismatch('notLive', [source]);
    if (on) {
      const brought = event.transitions ?? [];
      // The first of the rule's kinds the run brought: the rule's order says which one it is about.
      transition = on.find((kind) => brought.some((t) => t.kind === kind && (t.kind !== 'backOnTime' || endsWatchedLateness(t.after, on))));
      if (transition === undefined) return mismatch('transition', [brought.map((t) => t.kind).join(','), ...on]);
    }
  }
  const other = otherConditions(rule, event);
  return other ? { mismatch: other } : { transition };
}

/** The conditions on the run itself (for a late event: on the pipeline's latest run). */
function otherConditions(rule: ActionRule, event: ActionEvent): Mismatch | undefined {
  const { record } = event;
  const when = rule.when;
  const status = record.run.statusKind;
  if (when.status && !when.status.includes(status)) return { code: 'status', values: [status, ...when.status] };
  if (when.dataQualityWarning !== undefined) {
    const warning = isDqWarning(record.dq);
    if (warning !== when.dataQualityWarning) return { code: warning ? 'dataQualityWarning' : 'noDataQualityWarning', values: [] };
  }
  const resultName = record.run.resultName;
  if (when.resultName !== undefined && !globOf(when, 'resultName')(resultName)) return { code: 'resultName', values: [truncate(resultName, 80), when.resultName] };
  const pipelineName = record.run.result.pipeline_name;
  if (when.pipelineName !== undefined && !globOf(when, 'pipelineName')(pipelineName)) return { code: 'pipelineName', values: [truncate(pipelineName, 80), when.pipelineName] };
  if (when.connection !== undefined) {
    if (event.connection === undefined) return { code: 'noConnection', values: [] };
    if (!globOf(when, 'connection')(event.connection)) return { code: 'connection', values: [truncate(event.connection, 80), when.connection] };
  }
  return undefined;
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
    matcher = typeof compiled === 'function' ? compiled : () => false;
    cache[field] = matcher;
  }
  return matcher;
}
