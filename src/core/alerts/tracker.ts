import { boundedInstant } from '../clock';
import type { DqVerdict } from '../dataQuality';
import { isDqWarning } from '../dataQuality';
import { goTimeEpochMs } from '../goTime';
import type { RunRecord } from '../runs';
import type { Cadence, Due } from './cadence';
import { LEARN_WINDOW, learnCadence, nextDue } from './cadence';
import type { Expectation } from './expectations';
import { expectationFor } from './expectations';
import { withItem } from './list';
import type { UnusualFinding, UnusualThresholds } from './unusual';
import { BASELINE_RUNS, NONE, findUnusualAgainst } from './unusual';
import { newSeries, ringPush, ringSlots, ringValues, sortedMedian, sortedPush, sortedWindowSlots, windowCount } from './stats';

/**
 * What each pipeline has been doing, turned into transitions: the first failure, a failure that
 * goes on, a recovery, a data-quality verdict that changed or a dropped share far beyond the
 * pipeline's usual, an unusual run, a run that is late. The tracker returns facts; what to toast
 * is the policy's question (policy.ts), how to say it the front end's.
 *
 * Every run counts, whatever its source (a state loaded at connect is a failure too), so a live
 * failure after a loaded one is "still failing"; the front ends toast for live runs only.
 * Times are this computer's (see anchorOf); the clock the tracker is given bounds what a producer
 * claims, so tests control it.
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
  /** A run arrived for a pipeline that was late; `after`: what its lateness was based on (see Lateness). */
  | { readonly kind: 'backOnTime'; readonly lateByMs: number; readonly after: Lateness['basis'] };

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
  /** When the first of them finished, by this computer's clock (anchorOf). */
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
  /**
   * The pipeline's recent numbers in one array (see stats.ts): sorted windows of the last
   * BASELINE_RUNS successful runs' rows loaded, rows exported, duration and dropped (or added)
   * share (0 without a warning), and a ring of the last finish times for learning the cadence.
   * NO_SERIES until the pipeline's first successful run or its second run, whichever comes first: a flood
   * of names seen once each (failures, as a misconfigured producer sends) holds ~1.5 KB less per name.
   */
  series: number[];
  /** The first run's time while the series is NO_SERIES. */
  firstAt: number;
  /** Newest run time, the anchor for the next due time. */
  lastRunAt: number;
  /** A run arrived since the cadence and due time were last worked out (done lazily, see due()). */
  stale: boolean;
  cadence: Cadence | undefined;
  due: Due | undefined;
  late: Lateness | undefined;
  unusual: readonly UnusualFinding[];
}

const WINDOW = sortedWindowSlots(BASELINE_RUNS);
const AT_LOADED = 0;
const AT_EXPORTED = WINDOW;
const AT_DURATION = 2 * WINDOW;
const AT_SHARE = 3 * WINDOW;
const AT_TIMES = 4 * WINDOW;
/** Finish times kept: enough for LEARN_WINDOW intervals. */
const TIMES = LEARN_WINDOW + 1;
const SERIES_SLOTS = AT_TIMES + ringSlots(TIMES);

const NO_TRANSITIONS: readonly AlertTransition[] = Object.freeze([]);
/** The series of a pipeline seen once at most: one shared empty array of the series' element kind (the field keeps one shape). */
const NO_SERIES = newSeries(0);

/**
 * When a run finished, by this computer's clock: the one time base of lateness, failing-since and
 * time down, which are judged against this computer's clock. A live run arrived as it finished
 * (the framework publishes at the end of a run), so its arrival is that time. Its `finished_at`
 * would be the producer's clock: one behind ours by more than a grace made every cycle "late", one
 * ahead of ours hid lateness by as much, and a single run claiming year 9999 moved the anchor out
 * of reach for good. Arrival beats learning the skew: it needs no runs to learn from, is right from
 * the first run, and a producer whose clock jumps changes nothing. A run that did not arrive as it
 * happened (a state key read at connect or by a poll, a run read from a recorder's stream, each
 * with the time it was read) has only its claim, bounded by when it was read and by our clock.
 * The run's own fields keep the claimed time, shown as claimed.
 */
function anchorOf(record: RunRecord, now: () => number): number {
  if (record.source === 'live') return record.receivedAt;
  // finished_at without keeping a GoTime on the run (`run.finishedAt` would, on every run of the
  // history; BENCHMARKS.md section 9a-9c).
  const claimed = goTimeEpochMs(record.run.result.finished_at) ?? record.receivedAt;
  return boundedInstant(claimed, Math.min(record.receivedAt, now()));
}

export class AlertTracker {
  private readonly entries = new Map<string, Entry>();
  private settings: AlertSettings;
  /** Entries with `late` set, kept as they change: views ask often, with thousands of pipelines. */
  private late = 0;
  /** This computer's clock, which bounds the times producers claim (tests fix it). */
  private readonly now: () => number;

  constructor(settings: AlertSettings = DEFAULT_ALERT_SETTINGS, now: () => number = Date.now) {
    this.settings = settings;
    this.now = now;
  }

  /** Updates a pipeline with a new run; returns what changed. */
  observe(record: RunRecord): readonly AlertTransition[] {
    const name = record.run.resultName;
    let entry = this.entries.get(name);
    const seen = entry !== undefined;
    if (!entry) {
      entry = { failures: 0, failingSince: undefined, lastVerdict: undefined, series: NO_SERIES, firstAt: NaN, lastRunAt: -Infinity, stale: true, cadence: undefined, due: undefined, late: undefined, unusual: NONE };
      this.entries.set(name, entry);
    }
    // Most runs change nothing: one shared empty answer unless something happens.
    let transitions: AlertTransition[] | undefined;
    const at = anchorOf(record, this.now);
    const status = record.run.statusKind;
    let series = entry.series;
    if (series === NO_SERIES && (status === 'success' || seen)) {
      series = entry.series = newSeries(SERIES_SLOTS);
      if (seen) ringPush(series, AT_TIMES, TIMES, entry.firstAt);
    }

    if (entry.late) {
      transitions = withItem(transitions, { kind: 'backOnTime', lateByMs: entry.late.basis === 'stateExpired' ? 0 : Math.max(0, at - entry.late.expectedAt), after: entry.late.basis });
      entry.late = undefined;
      this.late--;
    }

    const failing = status === 'failed' || status === 'completed_with_errors';
    if (failing) {
      entry.failures++;
      if (entry.failures === 1) {
        entry.failingSince = at;
        transitions = withItem(transitions, { kind: 'firstFailure' });
      } else transitions = withItem(transitions, { kind: 'stillFailing', failures: entry.failures, since: entry.failingSince ?? at });
    } else if (status === 'success') {
      if (entry.failures > 0) transitions = withItem(transitions, { kind: 'recovered', failures: entry.failures, downMs: Math.max(0, at - (entry.failingSince ?? at)) });
      entry.failures = 0;
      entry.failingSince = undefined;
    }

    // Data quality and volume are judged on successful runs only: a failed run exports nothing.
    entry.unusual = NONE;
    if (status === 'success') {
      const verdict = record.dq;
      const share = isDqWarning(verdict) && 'percent' in verdict ? verdict.percent : 0;
      if (isDqWarning(verdict)) {
        if (verdict.kind !== entry.lastVerdict) transitions = withItem(transitions, { kind: 'dqChanged', from: entry.lastVerdict, to: verdict.kind });
        else if (windowCount(series, AT_SHARE) > 0) {
          const usualPercent = sortedMedian(series, AT_SHARE, BASELINE_RUNS);
          // Slack for rounding only: a share exactly `factor` times the usual one counts (0.024 × 3 is 0.07200000000000001).
          if (usualPercent > 0 && share >= usualPercent * this.settings.dqGrowthFactor * (1 - 4 * Number.EPSILON)) transitions = withItem(transitions, { kind: 'dqGrew', percent: share, usualPercent });
        }
      }
      entry.lastVerdict = verdict.kind;
      // The wire's own fields are the metrics (rows_loaded, rows_exported, duration_ms).
      const metrics = record.run.result;
      const runs = windowCount(series, AT_DURATION);
      const usualLoaded = sortedMedian(series, AT_LOADED, BASELINE_RUNS);
      const usualExported = sortedMedian(series, AT_EXPORTED, BASELINE_RUNS);
      entry.unusual = findUnusualAgainst(metrics, runs, usualLoaded, usualExported, sortedMedian(series, AT_DURATION, BASELINE_RUNS), this.settings.unusual);
      if (entry.unusual.length) transitions = withItem(transitions, { kind: 'unusual', findings: entry.unusual });
      sortedPush(series, AT_LOADED, BASELINE_RUNS, metrics.rows_loaded);
      sortedPush(series, AT_EXPORTED, BASELINE_RUNS, metrics.rows_exported);
      sortedPush(series, AT_DURATION, BASELINE_RUNS, metrics.duration_ms);
      sortedPush(series, AT_SHARE, BASELINE_RUNS, share);
    }

    if (series !== NO_SERIES) ringPush(series, AT_TIMES, TIMES, at);
    else entry.firstAt = at;
    if (at >= entry.lastRunAt) entry.lastRunAt = at;
    // The cadence is worked out when it is next needed (the once-a-second check, a view), not
    // per event: a burst of runs costs one learning per pipeline.
    entry.stale = true;
    return transitions ?? NO_TRANSITIONS;
  }

  /**
   * Pipelines that turned late by `now` (each once, until a run arrives). `stateExpired` says
   * which state keys are gone: for a pipeline without a known cadence that is the only sign.
   */
  checkLate(now: number, stateExpired?: (resultName: string) => boolean): LateTransition[] {
    const turned: LateTransition[] = [];
    for (const [resultName, entry] of this.entries) {
      if (entry.late) continue;
      this.refresh(resultName, entry);
      if (entry.due && entry.cadence) {
        if (now > entry.due.lateAfter) entry.late = { basis: entry.cadence.basis, expectedAt: entry.due.expectedAt, lateAfter: entry.due.lateAfter };
      } else if (stateExpired?.(resultName)) entry.late = { basis: 'stateExpired' };
      if (entry.late) {
        this.late++;
        turned.push({ resultName, late: entry.late });
      }
    }
    return turned;
  }

  get(resultName: string): PipelineAlerts | undefined {
    const e = this.entries.get(resultName);
    if (!e) return undefined;
    this.refresh(resultName, e);
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
    return this.late;
  }

  /** Whether a pipeline is late now: a lookup, for sorting thousands (get() builds the whole answer). */
  isLate(resultName: string): boolean {
    return this.entries.get(resultName)?.late !== undefined;
  }

  /** New expectations or thresholds apply to the next runs; due times are recomputed now. */
  setSettings(settings: AlertSettings): void {
    this.settings = settings;
    for (const entry of this.entries.values()) entry.stale = true;
  }

  /** Forgets pipelines the model no longer holds (its store was cleared or trimmed). */
  retain(keep: (resultName: string) => boolean): void {
    for (const [name, entry] of this.entries) {
      if (keep(name)) continue;
      if (entry.late) this.late--;
      this.entries.delete(name);
    }
  }

  /** Forgets one pipeline (evicted or cleared from the model): one lookup, as a flood evicts one per new name. */
  forget(resultName: string): void {
    if (this.entries.get(resultName)?.late) this.late--;
    this.entries.delete(resultName);
  }

  clear(): void {
    this.entries.clear();
    this.late = 0;
  }

  private refresh(resultName: string, entry: Entry): void {
    if (!entry.stale) return;
    entry.stale = false;
    const expectation = expectationFor(this.settings.expectations, resultName);
    let cadence: Cadence | undefined;
    if (expectation) cadence = { basis: 'stated', expectation };
    else if (this.settings.learnCadence) {
      // Without a series the pipeline has run once at most: nothing to learn (MIN_RUNS_TO_LEARN),
      // and a flood's thousands of such names cost no arrays at the once-a-second check.
      const learned = entry.series !== NO_SERIES ? learnCadence(ringValues(entry.series, AT_TIMES, TIMES)) : undefined;
      if (learned) cadence = { basis: 'learned', learned };
    }
    entry.cadence = cadence;
    entry.due = cadence && Number.isFinite(entry.lastRunAt) ? nextDue(cadence, entry.lastRunAt) : undefined;
  }
}
