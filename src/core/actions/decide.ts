import { ActionEvent, matchRules } from './match';
import { PlannedAction, planAction } from './plan';
import { PauseLimit, RateLimiter } from './rateLimit';
import type { ActionRule, RuleProblem } from './rules';
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
  readonly outcome: ActionOutcome;
}

/**
 * For every matching rule: what to do. With `dryRun` the rate limiter is only consulted, not
 * updated (a paused rule shows as paused; one that would pause shows `pausedNow`). A rule whose
 * URL expands to something unsafe gives a problem and does not count against its rate limit.
 */
export function decideActions(rules: readonly ActionRule[], event: ActionEvent, limiter: RateLimiter | undefined, options: { dryRun?: boolean } = {}): ActionDecision[] {
  const matched = matchRules(rules, event);
  if (matched.length === 0) return [];
  const vars = templateVars(event.record, event.connection);
  return matched.map(({ index, rule }): ActionDecision => {
    const plan = planAction(rule, vars);
    if (!plan.ok) return { index, rule, outcome: { kind: 'problem', problem: plan.problem } };
    const rate = limiter ? (options.dryRun ? limiter.peek(rule, vars.result_name) : limiter.tryAcquire(rule, vars.result_name)) : { allowed: true as const };
    if (rate.allowed) return { index, rule, outcome: { kind: 'run', action: plan.action } };
    if (rate.reason === 'window') return { index, rule, outcome: { kind: 'rate-limited', retryAfterMs: rate.retryAfterMs } };
    return { index, rule, outcome: { kind: 'paused', limit: rate.limit, perMinute: rate.perMinute, pausedNow: rate.pausedNow } };
  });
}
