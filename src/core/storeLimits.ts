// The bounds that keep the model's memory bounded whatever a publisher sends (tdtp.limits.*, and
// KEPT_RUNS_BUDGET over them): the limits, what they have cost, and how they are read.

/** Bounds that keep the model's memory bounded whatever a publisher sends (tdtp.limits.*). */
export interface StoreLimits {
  /** Pipelines kept; past it the ones that give way are chosen by EvictionOrder. */
  readonly maxPipelines: number;
  /** Characters of an `error` kept per run. */
  readonly errorChars: number;
}

/** What the limit on pipelines has cost since the store was last cleared. */
export interface StoreOverflow {
  /** Pipelines dropped to stay within the limit. */
  readonly evicted: number;
  readonly limit: number;
  /** Messages of new names left unread during a flood (floodGuard.ts); may be non-zero with none evicted. */
  readonly unread: number;
}

/** What the limit on kept runs has cost: histories kept shorter than `tdtp.history.size` asks. */
export interface StoreBudget {
  /** KEPT_RUNS_BUDGET: runs kept in all histories together at most. */
  readonly runs: number;
  /** Runs kept per pipeline now. */
  readonly runsPerPipeline: number;
  /** What the settings asked for. */
  readonly historySize: number;
}

export const DEFAULT_HISTORY_SIZE = 100;
/**
 * Runs kept in all histories together, whatever the settings say: the most that
 * `tdtp.limits.maxPipelines` (to 1,000,000) × `tdtp.history.size` (to 10,000) may come to. The
 * defaults (5,000 × 100) are exactly this. Past it each pipeline keeps fewer runs (at least one),
 * and at most this many pipelines are kept.
 */
export const KEPT_RUNS_BUDGET = 500_000;
/** The core's own fallbacks (the terminal tool, tests); VS Code passes the manifest's defaults. */
export const DEFAULT_LIMITS: StoreLimits = { maxPipelines: 5000, errorChars: 16 * 1024 };

export function boundedLimits(limits: Partial<StoreLimits> | undefined): StoreLimits {
  return {
    maxPipelines: positiveInt(limits?.maxPipelines, DEFAULT_LIMITS.maxPipelines),
    errorChars: positiveInt(limits?.errorChars, DEFAULT_LIMITS.errorChars),
  };
}

export function positiveInt(value: number | undefined, fallback: number): number {
  return value !== undefined && Number.isInteger(value) && value > 0 ? value : fallback;
}
