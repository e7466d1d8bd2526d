import type { Lateness } from './tracker';

/** Lateness that is news: a run was due (a stated expectation, or the learned cadence) and has not come. */
export type LateNews = Extract<Lateness, { readonly basis: 'learned' | 'stated' }>;

/**
 * Whether a pipeline's lateness is news worth a toast or an `on: "late"` action rule. Only lateness
 * against a due time (stated in `tdtp.expectations`, or learned from the pipeline's cadence) is;
 * a state key that expired with no newer run is not: a TTL shorter than the schedule is common, so
 * it is marked in the tree but said no louder (a rule can still ask for it: `on: "stateExpired"`).
 */
export function isLateNews(late: Lateness): late is LateNews {
  return isNewsBasis(late.basis);
}

/** The same test on what a lateness was based on (a `backOnTime` transition keeps only that). */
export function isNewsBasis(basis: Lateness['basis']): boolean {
  return basis !== 'stateExpired';
}
