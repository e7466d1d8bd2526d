import { DqVerdict, isDqWarning } from '../dataQuality';
import { RunRecord, finishedOrReceived } from '../store';
import { Cadence, Due, LEARN_WINDOW, learnCadence, nextDue } from './cadence';
import { Expectation, expectationFor } from './expectations';
import { BASELINE_RUNS, RunMetrics, UnusualFinding, UnusualThresholds, findUnusual } from './unusual';
import { Window, median } from './stats';

/**
 * What each pipeline has been doing, turned into transitions: the first failure, a failure that
 * goes on, a recovery, a data-quality verdict that changed or a dropped share far beyond the
 * pipeline's usual, an unusual run, a run that is late. The tracker returns facts; what to toast
 * is the policy's question (policy.ts), how to say it the front end's.
 *
 * Every run counts, whatever its source (a state loaded at connect is a failure too), so a live
 * failure after a loaded one is "still failing"; the front ends toast for live runs only.
 * Time comes from the clock the tracker is given, so tests control it.
 */

export type AlertTransition =
  /** The first failing run after a success (or the first run seen, when it failed). */
  | { readonly kind: 'firstFailure' }
  /** Another failing run: `failures` in a row since `since` (the first one's finish time). */
  | { readonly kind: 'stillFailing'; readonly failures: number; readonly since: number }
  /** A success after `failures` failing runs; down for `downMs` (first failure to this run). */
  | { readonly kind: 'recovered'; readonly failures: number; readonly downMs: number }
  /** The data-quality verdict became a warning, or changed from one warning kind to the other. */
  | { readonly kind: 'dqChanged'; readonly from: DqVerdict['kind'] | undefined; readonly to: DqVerdict['kind'] }
  /** Still a warning, but the share of rows dropped (or added) is far beyond the pipeline's usual. */
  | { readonly kind: 'dqGrew'; readonly percent: number; readonly usualPercent: number }
  | { readonly kind: 'unusual'; readonly findings: readonly UnusualFinding[] }
  /** A run arrived for a pipeline that was late. */
  | { readonly kind: 'backOnTime'; readonly lateByMs: number };

export type TransitionKind = AlertTransition['kind'] | 'late';

export type Lateness =
  /** The next run was due at `expectedAt` and has not come by `lateAfter`. */
  | { readonly basis: 'learned' | 'stated'; readonly expectedAt: number; readonly lateAfter: number }
  /** No cadence is known, but the state key expired without a newer run. */
  | { readonly basis: 'stateExpired' };

export interface LateTransition {
  readonly resultName: string;
  readonly late: Lateness;
}

export interface PipelineAlerts {
  /** Failing runs in a row (failed or completed_with_errors); 0 when the latest did not fail. */
  readonly failures: number;
  /** Finish time of the first of them. */
  readonly failingSince?: number;
  readonly cadence?: Cadence;
  readonly due?: Due;
  readonly late?: Lateness;
  /** Findings for the latest run. */
  readonly unusual: readonly UnusualFinding[];
}

export interface AlertSettings {
  readonly expectations: readonly Expectation[];
  /** Learn cadences from run intervals (for pipelines without an expectation). */
  readonly learnCadence: boolean;
  readonly unusual: UnusualThresholds;
  /** A dropped share at least this many times the usual one is worth a toast again. */
  readonly dqGrowthFactor: number;
}

export const DEFAULT_ALERT_SETTINGS: AlertSettings = { expectations: [], learnCadence: true, unusual: { factor: 3, minRuns: 5 }, dqGrowthFactor: 2 };

interface Entry {
  failures: number;
  failingSince: number | undefined;
  lastVerdict: DqVerdict['kind'] | undefined;
  /** Finish times, for learning the cadence. */
  readonly times: Window;
  /** Newest run time, the anchor for the next due time. */
  lastRunAt: number;
  readonly baseline: RunMetrics[];
  /** Dropped (or added) share of each baseline run, 0 for runs without a warning. */
  readonly dqShares: Window;
  cadence: Cadence | undefined;
  due: Due | undefined;
  late: Lateness | undefined;
  unusual: readonly UnusualFinding[];
}

export class AlertTracker {
  private readonly entries = new Map<string, Entry>();
  private settings: AlertSettings;

  constructor(settings: AlertSettings = DEFAULT_ALERT_SETTINGS) {
    this.settings = settings;
  }

  /** Updates a pipeline with a new run; returns what changed. */
  observe(record: RunRecord): AlertTransition[] {
    const name = record.run.resultName;
    let entry = this.entries.get(name);
    if (!entry) {
      entry = { failures: 0, failingSince: undefined, lastVerdict: undefined, times: new Window(LEARN_WINDOW + 1), lastRunAt: -Infinity, baseline: [], dqShares: new Window(BASELINE_RUNS), cadence: undefined, due: undefined, late: undefined, unusual: [] };
      this.entries.set(name, entry);
    }
    const transitions: AlertTransition[] = [];
    const at = finishedOrReceived(record);
    const status = record.run.statusKind;

    if (entry.late) {
      transitions.push({ kind: 'backOnTime', lateByMs: entry.late.basis === 'stateExpired' ? 0 : Math.max(0, at - entry.late.expectedAt) });
      entry.late = undefined;
    }

    const failing = status === 'failed' || status === 'completed_with_errors';
    if (failing) {
      entry.failures++;
      if (entry.failures === 1) {
        entry.failingSince = at;
        transitions.push({ kind: 'firstFailure' });
      } else transitions.push({ kind: 'stillFailing', failures: entry.failures, since: entry.failingSince ?? at });
    } else if (status === 'success') {
      if (entry.failures > 0) transitions.push({ kind: 'recovered', failures: entry.failures, downMs: Math.max(0, at - (entry.failingSince ?? at)) });
      entry.failures = 0;
      entry.failingSince = undefined;
    }

    // Data quality and volume are judged on successful runs only: a failed run exports nothing.
    entry.unusual = [];
    if (status === 'success') {
      const verdict = record.dq;
      const share = isDqWarning(verdict) && 'percent' in verdict ? verdict.percent : 0;
      if (isDqWarning(verdict)) {
        if (verdict.kind !== entry.lastVerdict) transitions.push({ kind: 'dqChanged', from: entry.lastVerdict, to: verdict.kind });
        else if (entry.dqShares.size > 0) {
          const usualPercent = median(entry.dqShares.toArray());
          // Slack for rounding only: a share exactly `factor` times the usual one counts (0.024 × 3 is 0.07200000000000001).
          if (usualPercent > 0 && share >= usualPercent * this.settings.dqGrowthFactor * (1 - 4 * Number.EPSILON)) transitions.push({ kind: 'dqGrew', percent: share, usualPercent });
        }
      }
      entry.lastVerdict = verdict.kind;
      const metrics = metricsOf(record);
      entry.unusual = findUnusual(metrics, entry.baseline, this.settings.unusual);
      if (entry.unusual.length) transitions.push({ kind: 'unusual', findings: entry.unusual });
      entry.baseline.push(metrics);
      if (entry.baseline.length > BASELINE_RUNS) entry.baseline.shift();
      entry.dqShares.push(share);
    }

    entry.times.push(at);
    if (at >= entry.lastRunAt) entry.lastRunAt = at;
    this.refreshDue(name, entry);
    return transitions;
  }

  /**
   * Pipelines that turned late by `now` (each once, until a run arrives). `stateExpired` says
   * which state keys are gone: for a pipeline without a known cadence that is the only sign.
   */
  checkLate(now: number, stateExpired?: (resultName: string) => boolean): LateTransition[] {
    const turned: LateTransition[] = [];
    for (const [resultName, entry] of this.entries) {
      if (entry.late) continue;
      if (entry.due && entry.cadence) {
        if (now > entry.due.lateAfter) entry.late = { basis: entry.cadence.basis, expectedAt: entry.due.expectedAt, lateAfter: entry.due.lateAfter };
      } else if (stateExpired?.(resultName)) entry.late = { basis: 'stateExpired' };
      if (entry.late) turned.push({ resultName, late: entry.late });
    }
    return turned;
  }

  get(resultName: string): PipelineAlerts | undefined {
    const e = this.entries.get(resultName);
    if (!e) return undefined;
    return {
      failures: e.failures,
      ...(e.failingSince !== undefined ? { failingSince: e.failingSince } : {}),
      ...(e.cadence ? { cadence: e.cadence } : {}),
      ...(e.due ? { due: e.due } : {}),
      ...(e.late ? { late: e.late } : {}),
      unusual: e.unusual,
    };
  }

  /** How many pipelines are late now. */
  lateCount(): number {
    let n = 0;
    for (const e of this.entries.values()) if (e.late) n++;
    return n;
  }

  /** New expectations or thresholds apply to the next runs; due times are recomputed now. */
  setSettings(settings: AlertSettings): void {
    this.settings = settings;
    for (const [name, entry] of this.entries) this.refreshDue(name, entry);
  }

  forget(resultName: string): void {
    this.entries.delete(resultName);
  }

  clear(): void {
    this.entries.clear();
  }

  private refreshDue(resultName: string, entry: Entry): void {
    const expectation = expectationFor(this.settings.expectations, resultName);
    let cadence: Cadence | undefined;
    if (expectation) cadence = { basis: 'stated', expectation };
    else if (this.settings.learnCadence) {
      const learned = learnCadence(entry.times.toArray());
      if (learned) cadence = { basis: 'learned', learned };
    }
    entry.cadence = cadence;
    entry.due = cadence && Number.isFinite(entry.lastRunAt) ? nextDue(cadence, entry.lastRunAt) : undefined;
  }
}

function metricsOf(record: RunRecord): RunMetrics {
  const r = record.run.result;
  return { rows_loaded: r.rows_loaded, rows_exported: r.rows_exported, duration_ms: r.duration_ms };
}
