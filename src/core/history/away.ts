import { displayStatus } from '../status';
import type { PipelineStore } from '../store';
import type { RunRecord } from '../runs';
import { sameRecord } from '../runs';

/** What the model held when it was restored from disk: per pipeline its latest run and flags. */
export type AwayBaseline = ReadonlyMap<string, { readonly latest: RunRecord; readonly failing: boolean; readonly expired: boolean }>;

/** "While you were away": what changed between the restored model and the first reconcile. */
export interface AwaySummary {
  /** Runs new to the model (from the streams and the state keys). */
  readonly runs: number;
  /** Pipelines with a failed or completed_with_errors run among the new ones. */
  readonly failed: readonly string[];
  /** Pipelines that were failing and whose latest run now succeeded. */
  readonly recovered: readonly string[];
  /** Pipelines with a data-quality warning among the new runs. */
  readonly dataQuality: readonly string[];
  /** Pipelines whose state key expired meanwhile. */
  readonly expired: readonly string[];
  /** Pipelines the viewer had not seen before. */
  readonly added: readonly string[];
}

export function takeBaseline(store: PipelineStore): AwayBaseline {
  const baseline = new Map<string, { latest: RunRecord; failing: boolean; expired: boolean }>();
  for (const p of store.list()) baseline.set(p.resultName, { latest: p.latest, failing: isFailure(p.latest), expired: p.stateExpired });
  return baseline;
}

export function summarizeAway(baseline: AwayBaseline, store: PipelineStore): AwaySummary {
  let runs = 0;
  const failed: string[] = [];
  const recovered: string[] = [];
  const dataQuality: string[] = [];
  const expired: string[] = [];
  const added: string[] = [];
  for (const p of store.list()) {
    const before = baseline.get(p.resultName);
    if (!before) added.push(p.resultName);
    // Newest first, down to the run the restored model ended with.
    const fresh: RunRecord[] = [];
    for (const item of store.history(p.resultName)) {
      if (before && item.kind === 'run' && sameRecord(item, before.latest)) break;
      if (item.kind === 'run') fresh.push(item);
    }
    runs += fresh.length;
    if (fresh.some(isFailure)) failed.push(p.resultName);
    if (fresh.some((r) => displayStatus(r.run.statusKind, r.dq) === 'dq_warning')) dataQuality.push(p.resultName);
    if (before?.failing && fresh.length > 0 && p.latest.run.statusKind === 'success') recovered.push(p.resultName);
    if (before && !before.expired && p.stateExpired) expired.push(p.resultName);
  }
  return { runs, failed, recovered, dataQuality, expired, added };
}

/** Whether a summary is worth telling (nothing happened: no notification). */
export function hasNews(summary: AwaySummary): boolean {
  return summary.runs > 0 || summary.expired.length > 0;
}

function isFailure(record: RunRecord): boolean {
  return record.run.statusKind === 'failed' || record.run.statusKind === 'completed_with_errors';
}
