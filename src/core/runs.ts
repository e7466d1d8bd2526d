// The run types every part of the viewer shares: a run as the model keeps it, a gap marker, and
// the facts read off a run. A leaf: the store, the journal, the streams and the views import it.
import type { DqVerdict } from './dataQuality';
import type { PipelineRun } from './decode';
import { runIdentity } from './decode';

/** How a run reached the model. */
export type RunSource =
  /** A pub/sub event received while connected. */
  | 'live'
  /** A state key that already existed when the viewer connected. */
  | 'loaded'
  /** A state key that changed while the viewer was disconnected (its event was lost). */
  | 'recovered'
  /** Read by an explicit poll. */
  | 'polled';

export interface RunRecord {
  readonly kind: 'run';
  readonly run: PipelineRun;
  readonly dq: DqVerdict;
  readonly source: RunSource;
  readonly receivedAt: number;
  /** Read back from a recorder's stream: it gives its pipeline no standing in the eviction order. */
  readonly fromStream?: true;
}

/** A span in which events may have been lost (disconnected, or kicked for being slow). */
export interface GapMarker {
  readonly kind: 'gap';
  readonly from: number;
  readonly to: number;
  readonly reason: string;
}

export type HistoryItem = RunRecord | GapMarker;

/**
 * Whether two records are the same run received at the same time: older runs of a history are
 * kept compact and given out as new objects (KeptRun), so a record read earlier is not `===`.
 */
export function sameRecord(a: RunRecord, b: RunRecord): boolean {
  return a === b || (a.receivedAt === b.receivedAt && a.source === b.source && runIdentity(a.run.result) === runIdentity(b.run.result));
}

/** When the run finished, or when it was received for runs that never started. */
export function finishedOrReceived(record: RunRecord): number {
  return record.run.finishedAt?.epochMs ?? record.receivedAt;
}
