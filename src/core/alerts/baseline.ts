/**
 * How many successful runs a pipeline's baseline needs before anything is judged against it: one
 * home for the unusual-run rule (unusual.ts) and the detail panel's usual band, so that the band is
 * drawn exactly when the rule starts judging. `tdtp.alerts.unusualMinRuns` runs, and at least one:
 * the median of a single run is that run, which is what a person who sets the minimum to 1 asks
 * for (a run five times slower than the only one before it is worth a look). A fractional minimum
 * rounds up (the rule compares counts); a minimum that is not a number (a manifest without a
 * default) counts as one, as the rule has treated it so far.
 */
export function baselineRunsNeeded(minRuns: number): number {
  return Number.isNaN(minRuns) ? 1 : Math.max(1, Math.ceil(minRuns));
}
