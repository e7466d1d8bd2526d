import { boundedInstant } from '../clock';
import type { StatusKind } from '../decode';
import type { RunRecord } from '../runs';
import { finishedOrReceived } from '../runs';
import { quantileOfSorted } from './stats';

/**
 * What the detail panel's charts summarise over the runs shown: how many succeeded, the median
 * and 95th percentile of the duration, and the usual band (the middle half of the successful
 * runs' durations) drawn behind them.
 */
export interface RunSample {
  readonly statusKind: StatusKind;
  readonly durationMs: number;
}

export interface TrendSummary {
  readonly runs: number;
  /** Share of runs with status success, 0..1; NaN without runs. */
  readonly successRate: number;
  /** Over every run of the window. */
  readonly p50DurationMs: number;
  readonly p95DurationMs: number;
  /** The usual band: the 25th to 75th percentile of the successful runs' durations (NaN without any). */
  readonly usualLowMs: number;
  readonly usualHighMs: number;
}

export function summarizeRuns(runs: readonly RunSample[]): TrendSummary {
  const all = runs.map((r) => r.durationMs).sort((a, b) => a - b);
  const ok = runs.filter((r) => r.statusKind === 'success').map((r) => r.durationMs).sort((a, b) => a - b);
  return {
    runs: runs.length,
    successRate: runs.length ? ok.length / runs.length : NaN,
    p50DurationMs: quantileOfSorted(all, 0.5),
    p95DurationMs: quantileOfSorted(all, 0.95),
    usualLowMs: quantileOfSorted(ok, 0.25),
    usualHighMs: quantileOfSorted(ok, 0.75),
  };
}

/**
 * Where a run sits on the charts' time axis: when it finished as claimed, but no later than now
 * plus the skew allowance (clock.ts). One run claiming year 9999 would otherwise stretch the axis
 * over eight thousand years and squeeze every other run into one pixel; it is drawn at the right
 * edge instead, and its claimed time is still what the panel reads out.
 */
export function chartInstant(record: RunRecord, nowMs: number): number {
  return boundedInstant(finishedOrReceived(record), nowMs);
}
