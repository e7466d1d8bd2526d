import type { Expectation, Schedule } from './expectations';
import { MIN_PERIOD_MS } from './expectations';
import { median, medianAbsoluteDeviation } from './stats';

type CronSchedule = Extract<Schedule, { kind: 'cron' }>;

/**
 * When is a pipeline's next run due? From a schedule stated in `tdtp.expectations`, or from the
 * intervals between its own runs: the median interval is the period (a few missed runs, which
 * make double intervals, do not move it), the median absolute deviation its jitter. A pipeline
 * that runs irregularly (a spread over a quarter of its period) has no learned cadence: guessing
 * would raise false alarms.
 */

export interface LearnedCadence {
  readonly periodMs: number;
  /** Median absolute deviation of the intervals. */
  readonly jitterMs: number;
  /** Intervals it was learned from. */
  readonly intervals: number;
}

export type Cadence =
  | { readonly basis: 'learned'; readonly learned: LearnedCadence }
  | { readonly basis: 'stated'; readonly expectation: Expectation };

/** Runs needed before a cadence is learned: fewer intervals than this say little. */
export const MIN_RUNS_TO_LEARN = 6;
/** Intervals looked at: the newest ones, so a changed schedule is learned again. */
export const LEARN_WINDOW = 20;
/** A spread of the intervals larger than this share of the period: irregular, nothing learned. */
const MAX_RELATIVE_JITTER = 0.25;
/** Late only after the period plus this share of it (or four spreads, whichever is more). */
const LEARNED_GRACE_SHARE = 0.5;
const JITTER_GRACE = 4;
/** A stated schedule's grace when the entry gives none: half its period. */
const STATED_GRACE_SHARE = 0.5;
/**
 * A run that finishes a little before a cron slot belongs to that slot: its scheduler's clock runs
 * ahead of ours, or the framework fired a moment early. "A little" is a tenth of the gap to the
 * slot after it, and never more than EARLY_MAX_MS (a run over a minute early is a late run for the
 * slot before).
 */
const EARLY_PARTS = 10;
const EARLY_MAX_MS = 60_000;

/** How early a run may finish and still belong to a cron slot `gapMs` before the next one. */
export function earlyToleranceMs(gapMs: number): number {
  return Math.min(EARLY_MAX_MS, Math.max(0, gapMs) / EARLY_PARTS);
}

/** Learns a cadence from the finish times of runs (any order; equal times count once). */
export function learnCadence(finishTimes: readonly number[]): LearnedCadence | undefined {
  const sorted = [...new Set(finishTimes)].sort((a, b) => a - b);
  if (sorted.length < MIN_RUNS_TO_LEARN) return undefined;
  const newest = sorted.slice(-(LEARN_WINDOW + 1));
  const intervals: number[] = [];
  for (let i = 1; i < newest.length; i++) intervals.push(newest[i] - newest[i - 1]);
  const periodMs = median(intervals);
  // A burst (a replay, runs published by hand) is not a schedule.
  if (!(periodMs >= MIN_PERIOD_MS)) return undefined;
  const jitterMs = medianAbsoluteDeviation(intervals, periodMs);
  if (jitterMs > periodMs * MAX_RELATIVE_JITTER) return undefined;
  return { periodMs, jitterMs, intervals: intervals.length };
}

export interface Due {
  /** When the next run is expected (epoch ms). */
  readonly expectedAt: number;
  /** After this it is late. */
  readonly lateAfter: number;
}

/** When the run after one that finished (or started) at `lastRunAt` is due (for cron: see cronSlotAfter). */
export function nextDue(cadence: Cadence, lastRunAt: number): Due | undefined {
  if (cadence.basis === 'learned') {
    const { periodMs, jitterMs } = cadence.learned;
    const expectedAt = lastRunAt + periodMs;
    return { expectedAt, lateAfter: expectedAt + Math.max(periodMs * LEARNED_GRACE_SHARE, jitterMs * JITTER_GRACE) };
  }
  const { schedule, graceMs } = cadence.expectation;
  const expectedAt = scheduledAfter(schedule, lastRunAt);
  if (expectedAt === undefined) return undefined;
  const grace = graceMs ?? (schedule.kind === 'maxAge' ? 0 : STATED_GRACE_SHARE * periodOf(schedule, expectedAt));
  return { expectedAt, lateAfter: expectedAt + grace };
}

function scheduledAfter(schedule: Schedule, lastRunAt: number): number | undefined {
  switch (schedule.kind) {
    case 'every':
      return lastRunAt + schedule.everyMs;
    case 'maxAge':
      return lastRunAt + schedule.maxAgeMs;
    case 'cron':
      return cronSlotAfter(schedule.cron, lastRunAt);
  }
}

/**
 * The slot after the run's own: a run that finished at most earlyToleranceMs before a slot is
 * that slot's run, so the next one due is the slot after it (a 10:00 run that finished 09:59:58
 * on a clock 5 s ahead is for 10:00; the next is due 10:15). Otherwise the first slot after it.
 */
function cronSlotAfter(cron: CronSchedule['cron'], lastRunAt: number): number | undefined {
  const slot = cron.nextRun(new Date(lastRunAt))?.getTime();
  if (slot === undefined) return undefined;
  const after = cron.nextRun(new Date(slot))?.getTime();
  if (after === undefined) return slot;
  return slot - lastRunAt <= earlyToleranceMs(after - slot) ? after : slot;
}

/** The period of a schedule around a time: for cron, the gap from that firing to the next one. */
export function periodOf(schedule: Schedule, at: number): number {
  switch (schedule.kind) {
    case 'every':
      return schedule.everyMs;
    case 'maxAge':
      return schedule.maxAgeMs;
    case 'cron': {
      const after = schedule.cron.nextRun(new Date(at));
      return after ? after.getTime() - at : 0;
    }
  }
}
