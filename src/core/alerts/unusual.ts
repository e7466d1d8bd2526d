import { baselineRunsNeeded } from './baseline';

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
  const m = baseline.median;
  return findUnusualAgainst(run, baseline.runs, m.rows_loaded, m.rows_exported, m.duration_ms, thresholds);
}

/**
 * findUnusual with the baseline's count and medians as numbers: the tracker calls it for every
 * successful run with the medians it keeps, so no baseline object is made per run.
 */
export function findUnusualAgainst(run: RunMetrics, runs: number, usualLoaded: number, usualExported: number, usualDuration: number, thresholds: UnusualThresholds): readonly UnusualFinding[] {
  const factor = thresholds.factor;
  if (runs < baselineRunsNeeded(thresholds.minRuns) || !(factor > 1)) return NONE;
  const loaded = judge('rows_loaded', run.rows_loaded, usualLoaded, factor, true);
  const exported = judge('rows_exported', run.rows_exported, usualExported, factor, true);
  const duration = judge('duration_ms', run.duration_ms, usualDuration, factor, false);
  // One array at its size: a push onto a one-element array reserves room for 17, and a run with
  // too few rows usually has two findings (loaded and exported).
  if (loaded && exported) return duration ? [loaded, exported, duration] : [loaded, exported];
  const rows = loaded ?? exported;
  if (rows) return duration ? [rows, duration] : [rows];
  return duration ? [duration] : NONE;
}

/** This metric's finding, if it has one. */
function judge(metric: UnusualMetric, value: number, usual: number, factor: number, lowIsNews: boolean): UnusualFinding | undefined {
  if (!(usual > 0)) return undefined;
  if (value >= usual * factor) return { metric, value, median: usual, direction: 'above' };
  if (lowIsNews && value * factor <= usual) return { metric, value, median: usual, direction: 'below' };
  return undefined;
}

/** Most runs are usual: one shared empty answer, no allocation per event. */
export const NONE: readonly UnusualFinding[] = Object.freeze([]);
