/**
 * Is a run unusual for its pipeline? Its rows and duration against the median of the pipeline's
 * own recent successful runs: a tenth of the usual rows, or five times the usual duration, is
 * worth a look even when the status says success.
 */

export type UnusualMetric = 'rows_loaded' | 'rows_exported' | 'duration_ms';
export const UNUSUAL_METRICS: readonly UnusualMetric[] = ['rows_loaded', 'rows_exported', 'duration_ms'];

export interface UnusualThresholds {
  /** A value at least this many times the median (or at most the median divided by it) is unusual. */
  readonly factor: number;
  /** Successful runs needed before anything is called unusual. */
  readonly minRuns: number;
}

export interface UnusualFinding {
  readonly metric: UnusualMetric;
  readonly value: number;
  readonly median: number;
  readonly direction: 'above' | 'below';
}

export type RunMetrics = Readonly<Record<UnusualMetric, number>>;

/** Successful runs a baseline holds: the median of the last 20. */
export const BASELINE_RUNS = 20;

/** The medians of a pipeline's recent successful runs. */
export interface Baseline {
  readonly runs: number;
  readonly median: RunMetrics;
}

/**
 * Findings for `run` against the baseline of earlier successful runs. A faster run than usual is
 * not a finding: a shorter duration is good news, and a run with too few rows is caught by its rows.
 */
export function findUnusual(run: RunMetrics, baseline: Baseline, thresholds: UnusualThresholds): readonly UnusualFinding[] {
  if (baseline.runs < Math.max(1, thresholds.minRuns) || !(thresholds.factor > 1)) return NONE;
  let findings: UnusualFinding[] | undefined;
  const judge = (metric: UnusualMetric, value: number, lowIsNews: boolean): void => {
    const usual = baseline.median[metric];
    if (!(usual > 0)) return;
    if (value >= usual * thresholds.factor) (findings ??= []).push({ metric, value, median: usual, direction: 'above' });
    else if (lowIsNews && value * thresholds.factor <= usual) (findings ??= []).push({ metric, value, median: usual, direction: 'below' });
  };
  judge('rows_loaded', run.rows_loaded, true);
  judge('rows_exported', run.rows_exported, true);
  judge('duration_ms', run.duration_ms, false);
  return findings ?? NONE;
}

/** Most runs are usual: one shared empty answer, no allocation per event. */
export const NONE: readonly UnusualFinding[] = Object.freeze([]);
