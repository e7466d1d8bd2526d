// Which job and request changes deserve a toast, under the pipelines' policy (alerts/policy.ts):
// transitions only, never what the first poll loaded; on change (the default), a scenario's
// failure toasts when its last finished job had not failed, every failure otherwise; a stop
// always (someone ended a run). New pending requests toast for reviewers. Facts only.
import type { NotificationPolicy } from '../alerts/policy';
import type { JobsDiff } from './jobDiff';
import type { Job, RunRequest } from './types';

export type JobNoticeKind = 'jobFailed' | 'jobStopped';

export interface JobNotice {
  readonly kind: JobNoticeKind;
  readonly job: Job;
}

const FINISHED: ReadonlySet<Job['status']> = new Set(['done', 'failed', 'cancelled']);

/** One server's jobs as last seen: what each job's status was, and each scenario's last finished status. */
export class JobNoticeTracker {
  private readonly statusById = new Map<string, Job['status']>();
  /** done or failed of each scenario's newest finished job (a stop leaves the streak as it was). */
  private readonly lastOutcome = new Map<string, 'done' | 'failed'>();
  private loaded = false;

  /** The notices of one refresh: `jobs` is the whole list (newest first), `diff` what changed. */
  update(jobs: readonly Job[], diff: JobsDiff, policy: NotificationPolicy): JobNotice[] {
    const first = !this.loaded;
    this.loaded = true;
    const notices: JobNotice[] = [];
    const touched = new Set([...diff.added, ...diff.changed]);
    // Oldest first, so a scenario's streak follows the order its jobs ended in.
    for (let i = jobs.length - 1; i >= 0; i--) {
      const job = jobs[i];
      const was = this.statusById.get(job.id);
      this.statusById.set(job.id, job.status);
      if (!FINISHED.has(job.status)) continue;
      const newlyFinished = !first && touched.has(job.id) && (was === undefined || !FINISHED.has(was));
      const streak = this.lastOutcome.get(job.scenario);
      if (job.status === 'failed' || job.status === 'done') this.lastOutcome.set(job.scenario, job.status);
      if (!newlyFinished) continue;
      if (job.status === 'failed' && (policy === 'everyEvent' || streak !== 'failed')) notices.push({ kind: 'jobFailed', job });
      else if (job.status === 'cancelled') notices.push({ kind: 'jobStopped', job });
    }
    for (const id of diff.removed) this.statusById.delete(id);
    return notices;
  }
}

/** Pending requests as last seen: the ones new since then (none from the first load). */
export class RequestNoticeTracker {
  private seen = new Set<string>();
  private loaded = false;

  update(requests: readonly RunRequest[]): RunRequest[] {
    const first = !this.loaded;
    this.loaded = true;
    const fresh = first ? [] : requests.filter((r) => r.status === 'pending' && !this.seen.has(r.id));
    // Only ids still listed are kept: the set stays as small as the server's list.
    this.seen = new Set(requests.map((r) => r.id));
    return fresh;
  }
}
