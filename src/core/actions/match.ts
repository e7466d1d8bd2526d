import { isDqWarning } from '../dataQuality';
import { truncate } from '../text';
import type { RunRecord, RunSource } from '../store';
import { GlobMatcher, compileGlob } from './glob';
import type { ActionRule, ActionWhen } from './rules';

export interface ActionEvent {
  readonly record: RunRecord;
  /** The name of the connection the run came from (matched by `when.connection`). */
  readonly connection?: string;
}

/**
 * Why a rule does not apply, as a fact for the front end to word. values:
 * `polled` []; `notLive` [source]; `status` [status, the wanted statuses…];
 * `dataQualityWarning` [] (the run has one, the rule wants none); `noDataQualityWarning` [];
 * `resultName` / `pipelineName` / `connection` [the value, shortened; the glob]; `noConnection` [].
 */
export interface Mismatch {
  readonly code: 'polled' | 'notLive' | 'status' | 'dataQualityWarning' | 'noDataQualityWarning' | 'resultName' | 'pipelineName' | 'connection' | 'noConnection';
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
 */
export function explainMismatch(rule: ActionRule, event: ActionEvent): Mismatch | undefined {
  const { record } = event;
  const source: RunSource = record.source;
  if (source === 'polled') return { code: 'polled', values: [] };
  if (source !== 'live' && !rule.includeRecovered) return { code: 'notLive', values: [source] };
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

/** The rules that apply to an event, in settings order. `index` is the rule's index in `tdtp.actions`. */
export function matchRules(rules: readonly ActionRule[], event: ActionEvent): Array<{ index: number; rule: ActionRule }> {
  const matched: Array<{ index: number; rule: ActionRule }> = [];
  for (const rule of rules) if (explainMismatch(rule, event) === undefined) matched.push({ index: rule.index, rule });
  return matched;
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
