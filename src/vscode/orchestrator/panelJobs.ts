// The detail panel's list of a result's orchestrator jobs, worded: made here, in the orchestrator's
// bundle, so the panel (always loaded) carries no orchestrator wording of its own.
import * as vscode from 'vscode';
import { jobElapsedMs } from '../../core/orchestrator/jobs';
import type { Job } from '../../core/orchestrator/types';
import type { JobsView } from '../../webview/protocol';
import { dateTimeText, durationText } from '../words/format';
import { serverText } from '../words/orchestrator';
import { jobStatusText } from '../words/orchestratorView';

export function jobsView(jobs: readonly Job[], nowMs: number): JobsView {
  const t = vscode.l10n.t;
  const rows = jobs.map((job) => {
    const elapsed = jobElapsedMs(job, nowMs);
    return {
      id: job.id,
      scenario: serverText(job.scenario, 120),
      status: job.status,
      statusText: jobStatusText(job),
      started: job.startedAt ? dateTimeText(job.startedAt.epochMs) : t('not known'),
      duration: elapsed === undefined ? '' : durationText(elapsed),
    };
  });
  return { title: t('Orchestrator jobs'), columns: [t('Scenario'), t('Status'), t('Started'), t('Duration')], showLog: t('Show Log'), empty: t('No recent job of its scenarios on the orchestrator.'), rows };
}
