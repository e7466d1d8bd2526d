import { DqVerdict, isDqWarning } from './dataQuality';
import type { StatusKind } from './decode';

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
