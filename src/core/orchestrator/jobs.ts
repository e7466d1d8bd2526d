// Facts about one job that the views show: whether it is still in flight or stopping, what
// started it, how long it ran, and the order of the Jobs list.
import type { Job } from './types';

/** A job still in flight: `pending`, or `running` (which includes "stopping…"). */
export function isActive(job: Pick<Job, 'status'>): boolean {
  return job.status === 'pending' || job.status === 'running';
}

/** Stop was asked and the process has not exited yet: `running` with `cancelledBy` set. */
export function isStopping(job: Pick<Job, 'status' | 'cancelledBy'>): boolean {
  return job.status === 'running' && job.cancelledBy !== undefined;
}

/**
 * What started a job, as far as the server records it: a schedule (its id); a token (its id: a
 * person or a tool, named through GET /tokens); or `unattributed` — a pub/sub trigger, or a run
 * through --no-auth or LDAP, where the principal has no token id (v1.18.1 records nothing more).
 */
export type JobOrigin = { readonly kind: 'schedule'; readonly scheduleId: string } | { readonly kind: 'token'; readonly tokenId: string } | { readonly kind: 'unattributed' };

export function jobOrigin(job: Pick<Job, 'scheduleId' | 'submittedBy'>): JobOrigin {
  if (job.scheduleId !== undefined) return { kind: 'schedule', scheduleId: job.scheduleId };
  if (job.submittedBy !== undefined) return { kind: 'token', tokenId: job.submittedBy };
  return { kind: 'unattributed' };
}

/**
 * How long it ran (finished) or has been running (active), in ms; undefined without a start, or
 * for a finished job without an end. Never negative: the server's clock may be ahead of ours.
 */
export function jobElapsedMs(job: Pick<Job, 'status' | 'startedAt' | 'finishedAt'>, nowMs: number): number | undefined {
  if (!job.startedAt) return undefined;
  const end = isActive(job) ? nowMs : job.finishedAt?.epochMs;
  return end === undefined ? undefined : Math.max(0, end - job.startedAt.epochMs);
}

const GROUP: Readonly<Record<Job['status'], number>> = { running: 0, pending: 1, done: 2, failed: 2, cancelled: 2, unknown: 3 };

/** The Jobs list's order: running (stopping included), pending, then finished; newest first in each. */
export function sortJobsForDisplay(jobs: readonly Job[]): Job[] {
  return [...jobs].sort((a, b) => GROUP[a.status] - GROUP[b.status] || (b.startedAt?.epochMs ?? 0) - (a.startedAt?.epochMs ?? 0));
}
