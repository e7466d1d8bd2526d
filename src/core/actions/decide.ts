import { matchRules } from './match';
import type { PlannedAction } from './plan';
import { planAction } from './plan';
import type { PauseLimit, RateLimiter } from './rateLimit';
import type { RuleProblem } from './rules';
import type { ActionEvent, ActionRule, ActionTransitionKind } from './types';
import { templateVars } from './template';

export type ActionOutcome =
  | { readonly kind: 'run'; readonly action: PlannedAction }
  | { readonly kind: 'rate-limited'; readonly retryAfterMs: number }
  /** `pausedNow`: this event paused the rule (tell the user once); otherwise it was paused before. */
  | { readonly kind: 'paused'; readonly limit: PauseLimit; readonly perMinute: number; readonly pausedNow: boolean }
  | { readonly kind: 'problem'; readonly problem: RuleProblem };

export interface ActionDecision {
  readonly index: number;
  readonly rule: ActionRule;
  /** The transition the rule matched on; undefined for a rule without `on`. */
  readonly transition: ActionTransitionKind | undefined;
  readonly outcome: ActionOutcome;
}

/**
 * For every matching rule: what to do. A rule with `on` is rate-limited per result_name *and*
 * transition kind: it acts once per change, so the recovery 20 s after a first failure (or the run
 * that ends a lateness) is not held back by the first one's window; the tracker already sends each
 * change once, and the per-rule and overall per-minute caps still bound a storm. A rule without
 * `on` is limited per result_name alone. With `dryRun` the rate limiter is only consulted, not
 * updated (a paused rule shows as paused; one that would pause shows `pausedNow`). A rule whose
 * URL expands to something unsafe gives a problem and does not count against its rate limit.
 */
export function decideActions(rules: readonly ActionRule[], event: ActionEvent, limiter: RateLimiter | undefined, options: { dryRun?: boolean } = {}): ActionDecision[] {
  const matched = matchRules(rules, event);
  if (matched.length === 0) return [];
  const common = templateVars(event.record, event.connection, event);
  return matched.map(({ index, rule, transition }): ActionDecision => {
    const vars = transition === undefined ? common : { ...common, transition };
    const decided = (outcome: ActionOutcome): ActionDecision => ({ index, rule, transition, outcome });
    const plan = planAction(rule, vars);
    if (!plan.ok) return decided({ kind: 'problem', problem: plan.problem });
    const rate = limiter ? (options.dryRun ? limiter.peek(rule, vars.result_name, transition) : limiter.tryAcquire(rule, vars.result_name, transition)) : { allowed: true as const };
    if (rate.allowed) return decided({ kind: 'run', action: plan.action });
    if (rate.reason === 'window') return decided({ kind: 'rate-limited', retryAfterMs: rate.retryAfterMs });
    return decided({ kind: 'paused', limit: rate.limit, perMinute: rate.perMinute, pausedNow: rate.pausedNow });
  });
}
