// The store's record of one pipeline, and the snapshot it gives out of it (a leaf beside store.ts).
import type { KeptItem } from './keptRun';
import type { Ring } from './ring';
import type { RunRecord } from './runs';
import { displayStatusOf } from './status';
import type { PipelineSnapshot, StatusCounts } from './storeTypes';

export interface Entry {
  readonly resultName: string;
  latest: RunRecord;
  history: Ring<KeptItem>;
  stateExpired: boolean;
  runCount: number;
  restored: boolean;
  /** Read from a state key at least once (not only heard live): a team's pipeline, not a flood's. */
  fromState: boolean;
  /** Runs that did not come from a recorder's stream (live, state keys, polls). */
  heard: number;
}

export function snapshot(entry: Entry): PipelineSnapshot {
  return {
    resultName: entry.resultName,
    latest: entry.latest,
    displayStatus: displayStatusOf(entry.latest),
    stateExpired: entry.stateExpired,
    runCount: entry.runCount,
    restored: entry.restored,
  };
}

/** Pipelines by the status their latest run shows. */
export function statusCounts(entries: Iterable<Entry>): StatusCounts {
  const counts: StatusCounts = { success: 0, failed: 0, completed_with_errors: 0, dq_warning: 0, unknown: 0, total: 0 };
  for (const entry of entries) {
    counts[displayStatusOf(entry.latest)]++;
    counts.total++;
  }
  return counts;
}

/** Runs in the histories, gap markers not counted; a compact run is counted as it is, never expanded. */
export function runsKept(entries: Iterable<Entry>): number {
  let runs = 0;
  for (const { history } of entries) for (let i = 0; i < history.size; i++) if (history.at(i).kind !== 'gap') runs++;
  return runs;
}
