import { median } from './stats';

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

/**
 * Findings for `run` against `baseline` (earlier successful runs, newest last; only the last
 * BASELINE_RUNS are used). A faster run than usual is not a finding: a shorter duration is good
 * news, and a run with too few rows is caught by its rows.
 */
export function findUnusual(run: RunMetrics, baseline: readonly RunMetrics[], thresholds: UnusualThresholds): UnusualFinding[] {
  const recent = baseline.slice(-BASELINE_RUNS);
  if (recent.length < Math.max(1, thresholds.minRuns) || !(thresholds.factor > 1)) return [];
  const findings: UnusualFinding[] = [];
  for (const metric of UNUSUAL_METRICS) {
    const usual = median(recent.map((r) => r[metric]));
    const value = run[metric];
    if (!(usual > 0)) continue;
    if (value >= usual * thresholds.factor) findings.push({ metric, value, median: usual, direction: 'above' });
    else if (metric !== 'duration_ms' && value * thresholds.factor <= usual) findings.push({ metric, value, median: usual, direction: 'below' });
  }
  return findings;
}
