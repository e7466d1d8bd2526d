import type { DqVerdict } from './dataQuality';
import { isDqWarning } from './dataQuality';
import type { StatusKind } from './decode';
import type { RunRecord } from './runs';
import { finishedOrReceived } from './runs';

/** What a view shows for a pipeline: its status kind, with a data-quality warning as its own kind. */
export type DisplayStatus = StatusKind | 'dq_warning';

/**
 * The one answer to "is this run a data-quality warning?": a successful run whose rows loaded and
 * exported differ beyond the tolerance. Failed and partial runs keep their own status.
 */
export function displayStatus(statusKind: StatusKind, dq: DqVerdict): DisplayStatus {
  return statusKind === 'success' && isDqWarning(dq) ? 'dq_warning' : statusKind;
}

/** The order statuses are shown in everywhere (list, groups, filters, summaries): what needs attention first. */
export const DISPLAY_ORDER: readonly DisplayStatus[] = ['failed', 'completed_with_errors', 'unknown', 'dq_warning', 'success'];

/** Sorts by DISPLAY_ORDER: negative when `a` comes first. */
export function compareDisplayStatus(a: DisplayStatus, b: DisplayStatus): number {
  return DISPLAY_ORDER.indexOf(a) - DISPLAY_ORDER.indexOf(b);
}

/** The more alarming of two statuses: for a group's mark. */
export function worseStatus(a: DisplayStatus, b: DisplayStatus): DisplayStatus {
  return compareDisplayStatus(b, a) < 0 ? b : a;
}

export function displayStatusOf(record: RunRecord): DisplayStatus {
  return displayStatus(record.run.statusKind, record.dq);
}

/** What the display order reads of a pipeline (the store's PipelineSnapshot, and the views' copies of it). */
interface Listed {
  readonly resultName: string;
  readonly displayStatus: DisplayStatus;
  readonly latest: RunRecord;
}

/**
 * The one order of pipelines in a list, what needs attention first:
 * 1. failed runs;
 * 2. late pipelines, whatever their last run said (the run that should have come did not, which
 *    is as much a missing delivery as a failure; a failed one that is also late stays with the failed);
 * 3. the other statuses in DISPLAY_ORDER (completed with errors, unknown, data-quality warning, success).
 * Within a tier by status (so late ones keep their statuses' order), then the most recent first,
 * then by name. The key is worked out once per pipeline, so 5,000 cost 5,000 lookups, not one per comparison.
 */
export function sortForDisplay<T extends Listed>(pipelines: readonly T[], isLate?: (resultName: string) => boolean): T[] {
  const keyed = pipelines.map((p) => {
    const status = DISPLAY_ORDER.indexOf(p.displayStatus);
    return { p, tier: attentionTier(status, p.displayStatus !== 'failed' && isLate?.(p.resultName) === true), status, at: finishedOrReceived(p.latest) };
  });
  keyed.sort((a, b) => a.tier - b.tier || a.status - b.status || b.at - a.at || (a.p.resultName < b.p.resultName ? -1 : a.p.resultName > b.p.resultName ? 1 : 0));
  return keyed.map((k) => k.p);
}

/** Tiers: 0 failed, 1 late, then each other status (its DISPLAY_ORDER index + 1). */
function attentionTier(statusIndex: number, late: boolean): number {
  return statusIndex === DISPLAY_ORDER.indexOf('failed') ? 0 : late ? 1 : statusIndex + 1;
}
