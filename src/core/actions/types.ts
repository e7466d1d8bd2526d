// The shapes of action rules and the events they match: a leaf that the rest of actions/ imports,
// so the parser, the matcher and the templates do not import each other for types.
import type { AlertTransition, Lateness, TransitionKind } from '../alerts/tracker';
import type { StatusKind } from '../decode';
import type { RunRecord } from '../runs';

/** Statuses a rule can ask for; `unknown` is any status the framework does not define. */
export const ACTION_STATUSES: readonly StatusKind[] = ['success', 'failed', 'completed_with_errors', 'unknown'];

/**
 * What a rule can wait for (`when.on`): the alert tracker's transitions (tracker.ts), and
 * `stateExpired`: a pipeline "late" only because its state key expired with no newer run. That is
 * not `late` (see alerts/lateNews.ts: a TTL shorter than the schedule is common); a rule that wants
 * the TTL signal asks for it by name.
 */
export type ActionTransitionKind = TransitionKind | 'stateExpired';

/** In the order the docs list them. The record makes the compiler fail when the tracker gains a kind this misses. */
const TRANSITION_SET: Record<ActionTransitionKind, true> = { firstFailure: true, stillFailing: true, recovered: true, dqChanged: true, dqGrew: true, unusual: true, late: true, stateExpired: true, backOnTime: true };
export const ACTION_TRANSITIONS: readonly ActionTransitionKind[] = Object.keys(TRANSITION_SET) as ActionTransitionKind[];

export interface ActionWhen {
  /**
   * Any of these transitions (a single one in settings becomes a one-element list). Without it the
   * rule runs on every run that meets its other conditions, and never on a late event.
   */
  readonly on?: readonly ActionTransitionKind[];
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

export interface RuleRateLimit {
  /** At most one run per this many seconds per result_name; 0: no such limit. */
  readonly perResultNameSeconds: number;
  /** At most this many runs per minute over all result_names; past it the rule pauses itself. */
  readonly perMinute: number;
}

export interface ActionRule {
  /** Position in `tdtp.actions`: names the rule in messages and keys the rate limiter. */
  readonly index: number;
  readonly name?: string;
  readonly when: ActionWhen;
  readonly run: ActionRun;
  /** Also run for runs read from state keys (`loaded`, `recovered`). Never for `polled`. */
  readonly includeRecovered: boolean;
  /** false: neither per-result_name nor per-rule limit (the overall cap still applies). */
  readonly rateLimit: RuleRateLimit | false;
}

/**
 * A run, or a pipeline that turned late. For a late event `record` is the pipeline's latest run:
 * the other conditions (status, names, data quality) and the variables are read from it.
 */
export interface ActionEvent {
  readonly record: RunRecord;
  /** The name of the connection the run came from (matched by `when.connection`). */
  readonly connection?: string;
  /** What the run changed about its pipeline (the alert tracker's transitions); none when absent. */
  readonly transitions?: readonly AlertTransition[];
  /** Present on a late event: how the pipeline is late, and when that was found (`at`, ms). */
  readonly late?: LateEvent;
}

export interface LateEvent {
  readonly lateness: Lateness;
  readonly at: number;
}
