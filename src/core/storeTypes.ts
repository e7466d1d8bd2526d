// The store's shapes, a leaf: what it gives out of a pipeline, the changes a journal writes and
// replays, the counts, and the options it is made with.
import type { DqTolerance } from './dataQuality';
import type { GapMarker, RunRecord } from './runs';
import type { DisplayStatus } from './status';
import type { StoreLimits } from './storeLimits';

export interface PipelineSnapshot {
  readonly resultName: string;
  readonly latest: RunRecord;
  readonly displayStatus: DisplayStatus;
  /** The state key was gone at the last reconcile: the run is older than the key's TTL. */
  readonly stateExpired: boolean;
  readonly runCount: number;
  /** Filled from the persisted history and not yet confirmed by a reconcile with Redis. */
  readonly restored?: boolean;
}

/**
 * One change to the model, as it happened (after de-duplication): what a journal writes, and what
 * `apply` replays. Replaying the mutations of a store into an empty one rebuilds the same model.
 */
export type StoreMutation =
  /**
   * A run entered the history and became the latest. `wire`: the payload's bytes as received, when
   * the run kept is exactly what they say (the journal writes them as they are; never kept here).
   */
  | { readonly kind: 'run'; readonly record: RunRecord; readonly wire?: Uint8Array }
  /** A gap marker was pushed, or (`merged`) replaced the newest item, itself a gap. */
  | { readonly kind: 'gap'; readonly resultName: string; readonly gap: GapMarker; readonly merged: boolean }
  | { readonly kind: 'expired'; readonly resultName: string; readonly expired: boolean }
  /** Runs ever seen (more than the history keeps); written by `mutations()` only. */
  | { readonly kind: 'runCount'; readonly resultName: string; readonly runCount: number }
  /** One pipeline forgotten, or all of them (no resultName). */
  | { readonly kind: 'forget'; readonly resultName?: string };

export interface StatusCounts {
  success: number;
  failed: number;
  completed_with_errors: number;
  dq_warning: number;
  unknown: number;
  total: number;
}

export interface StoreOptions {
  /** Runs (and gap markers) kept per result_name. */
  historySize?: number;
  /** Rejected messages kept for display; the count of all of them is kept separately. */
  rejectedSize?: number;
  tolerance?: DqTolerance;
  /**
   * Change notifications are coalesced: at most one per this many milliseconds, so a flood of
   * events costs a few view refreshes. 0 notifies synchronously (tests).
   */
  coalesceMs?: number;
  limits?: Partial<StoreLimits>;
}
