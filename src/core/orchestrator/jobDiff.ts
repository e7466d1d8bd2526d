// Which jobs a refresh changed: the poller fires only these, so a view refreshes its rows, not
// the whole tree, and a refresh that changed nothing costs no event at all.
import type { Job } from './types';

export interface JobsDiff {
  /** Ids new in this list. */
  readonly added: readonly string[];
  /** Ids in both lists whose shown state differs. */
  readonly changed: readonly string[];
  /** Ids gone from this list (aged out of the newest N, or the server lost them). */
  readonly removed: readonly string[];
}

/** What a row shows of a job: a change in any of these is a change of the row. */
function fingerprint(job: Job): string {
  return JSON.stringify([
    job.statusText,
    job.cancelledBy ?? '',
    job.finishedAt?.text ?? '',
    job.error ?? '',
    job.log?.length ?? -1,
    job.artifactSha256 ?? '',
    job.startedAt?.text ?? '',
  ]);
}

export function diffJobs(previous: readonly Job[], next: readonly Job[]): JobsDiff {
  const before = new Map<string, string>();
  for (const job of previous) before.set(job.id, fingerprint(job));
  const added: string[] = [];
  const changed: string[] = [];
  const seen = new Set<string>();
  for (const job of next) {
    if (seen.has(job.id)) continue;
    seen.add(job.id);
    const was = before.get(job.id);
    if (was === undefined) added.push(job.id);
    else if (was !== fingerprint(job)) changed.push(job.id);
  }
  const removed = [...before.keys()].filter((id) => !seen.has(id));
  return { added, changed, removed };
}

export function isEmptyDiff(diff: JobsDiff): boolean {
  return diff.added.length === 0 && diff.changed.length === 0 && diff.removed.length === 0;
}
