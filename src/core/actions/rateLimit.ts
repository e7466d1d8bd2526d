import type { ActionRule } from './types';

/** Which limit paused a rule: its own `perMinute`, or the cap over all rules together. */
export type PauseLimit = 'rule' | 'overall';

export type RateDecision =
  | { readonly allowed: true }
  /** The rule ran for this result_name (and transition) within its window: skipped, nothing else happens. */
  | { readonly allowed: false; readonly reason: 'window'; readonly retryAfterMs: number }
  /** The rule is paused; `pausedNow` is true for the one attempt that paused it (tell the user once). */
  | { readonly allowed: false; readonly reason: 'paused'; readonly limit: PauseLimit; readonly perMinute: number; readonly pausedNow: boolean };

export interface PausedRule {
  readonly index: number;
  readonly limit: PauseLimit;
  /** The number of runs per minute that was reached. */
  readonly perMinute: number;
}

export interface RateLimiterOptions {
  /** Milliseconds from any origin; default `performance.now()` (monotonic: clock changes do not matter). */
  readonly now?: () => number;
  /** Entries kept at most (rule × result_name, × transition for rules with `on`); default 10,000. */
  readonly maxEntries?: number;
  /** Runs per minute over all rules together (`tdtp.actionRunsPerMinute`); undefined: no overall cap. */
  readonly maxRunsPerMinute?: number;
}

export const DEFAULT_RATE_LIMITER_ENTRIES = 10_000;
const MINUTE_MS = 60_000;

type Limited = Pick<ActionRule, 'index' | 'rateLimit'>;

/**
 * Three limits, so that no stream of events — however many distinct result_names it uses — runs a
 * rule more than a handful of times:
 * - per rule and result_name: at most one run per `rateLimit.perResultNameSeconds` (default 60 s).
 *   The window starts at the last run allowed; suppressed attempts do not extend it. Given a
 *   `transition` (the kind a rule with `on` matched), the window is per result_name and kind:
 *   a recovery is not held back by the failure before it.
 * - per rule: at most `rateLimit.perMinute` runs in any 60 s (default 10), over all result_names.
 * - overall: at most `maxRunsPerMinute` runs in any 60 s, all rules together.
 * A rule that would pass either of the last two is PAUSED: it runs no more until `resume` (or
 * `clear`, when settings change). Only the attempt that pauses it says `pausedNow`.
 *
 * Memory is bounded: the per-minute lists hold at most their limit each, and when `maxEntries`
 * (rule × result_name) is reached, entries whose window has passed are dropped; if that is not
 * enough, the entries that ran longest ago are dropped down to 90 % (so the sweep is rare). A
 * dropped entry still inside its window lets that result_name run once early — within the
 * per-rule limit, which no eviction forgets.
 *
 * Keys are rule *indexes*: after `tdtp.actions` is edited, call `clear()` if rules moved.
 */
export class RateLimiter {
  private readonly last = new Map<string, { at: number; windowMs: number }>();
  /** When each rule's recent runs happened (at most its perMinute), and all rules' together. */
  private readonly ruleRuns = new Map<number, number[]>();
  private readonly allRuns: number[] = [];
  private readonly pausedRules = new Map<number, PausedRule>();
  private readonly now: () => number;
  private readonly maxEntries: number;
  private readonly maxRunsPerMinute: number | undefined;

  constructor(options: RateLimiterOptions = {}) {
    this.now = options.now ?? (() => performance.now());
    const max = options.maxEntries;
    this.maxEntries = max !== undefined && Number.isInteger(max) && max > 0 ? max : DEFAULT_RATE_LIMITER_ENTRIES;
    const cap = options.maxRunsPerMinute;
    this.maxRunsPerMinute = cap !== undefined && Number.isInteger(cap) && cap > 0 ? cap : undefined;
  }

  /** Allows and records a run, says how long until the next one, or pauses the rule. */
  tryAcquire(rule: Limited, resultName: string, transition?: string): RateDecision {
    const now = this.now();
    const key = keyOf(rule.index, resultName, transition);
    const decision = this.decide(rule, key, now);
    if (decision.allowed) this.record(rule, key, now);
    else if (decision.reason === 'paused' && decision.pausedNow) this.pausedRules.set(rule.index, { index: rule.index, limit: decision.limit, perMinute: decision.perMinute });
    return decision;
  }

  /** The decision `tryAcquire` would make, without recording or pausing anything (dry runs). */
  peek(rule: Limited, resultName: string, transition?: string): RateDecision {
    return this.decide(rule, keyOf(rule.index, resultName, transition), this.now());
  }

  isPaused(index: number): PausedRule | undefined {
    return this.pausedRules.get(index);
  }

  get paused(): readonly PausedRule[] {
    return [...this.pausedRules.values()];
  }

  /**
   * Lets a paused rule run again, with a fresh minute: its own recent runs and the overall ones
   * are forgotten (otherwise the next event would pause it again at once). False if it was not paused.
   */
  resume(index: number): boolean {
    if (!this.pausedRules.delete(index)) return false;
    this.ruleRuns.delete(index);
    this.allRuns.length = 0;
    return true;
  }

  get size(): number {
    return this.last.size;
  }

  clear(): void {
    this.last.clear();
    this.ruleRuns.clear();
    this.allRuns.length = 0;
    this.pausedRules.clear();
  }

  private decide(rule: Limited, key: string, now: number): RateDecision {
    const paused = this.pausedRules.get(rule.index);
    if (paused) return { allowed: false, reason: 'paused', limit: paused.limit, perMinute: paused.perMinute, pausedNow: false };
    const limit = rule.rateLimit;
    if (limit !== false && limit.perResultNameSeconds > 0) {
      const entry = this.last.get(key);
      // The rule's current window (settings may have changed since the entry was written).
      const windowMs = limit.perResultNameSeconds * 1000;
      const elapsed = entry ? now - entry.at : Infinity;
      // elapsed < 0: an injected wall clock went backwards; do not lock the rule for that long.
      if (elapsed >= 0 && elapsed < windowMs) return { allowed: false, reason: 'window', retryAfterMs: windowMs - elapsed };
    }
    if (limit !== false && recent(this.ruleRuns.get(rule.index), now) >= limit.perMinute) return { allowed: false, reason: 'paused', limit: 'rule', perMinute: limit.perMinute, pausedNow: true };
    if (this.maxRunsPerMinute !== undefined && recent(this.allRuns, now) >= this.maxRunsPerMinute) return { allowed: false, reason: 'paused', limit: 'overall', perMinute: this.maxRunsPerMinute, pausedNow: true };
    return { allowed: true };
  }

  private record(rule: Limited, key: string, now: number): void {
    if (this.maxRunsPerMinute !== undefined) this.allRuns.push(now);
    const limit = rule.rateLimit;
    if (limit === false) return;
    let runs = this.ruleRuns.get(rule.index);
    if (!runs) this.ruleRuns.set(rule.index, (runs = []));
    runs.push(now);
    if (limit.perResultNameSeconds === 0) return;
    // delete + set keeps the map in order of last run, oldest first, for eviction.
    if (!this.last.delete(key) && this.last.size >= this.maxEntries) this.evict(now);
    this.last.set(key, { at: now, windowMs: limit.perResultNameSeconds * 1000 });
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

/**
 * How many of `runs` (oldest first) fall in the minute before `now`; older ones are dropped from
 * the list, and so are times after `now` (a clock that went backwards must not lock a rule).
 */
function recent(runs: number[] | undefined, now: number): number {
  if (!runs) return 0;
  let drop = 0;
  while (drop < runs.length && now - runs[drop] >= MINUTE_MS) drop++;
  if (drop) runs.splice(0, drop);
  if (runs.length && runs[runs.length - 1] > now) runs.splice(0, runs.length, ...runs.filter((t) => t <= now));
  return runs.length;
}

/** A transition kind has no NUL, so the result_name after it cannot make two keys alike. */
function keyOf(index: number, resultName: string, transition: string | undefined): string {
  return transition === undefined ? `${index}\u0000${resultName}` : `${index}\u0000${transition}\u0000${resultName}`;
}
