// A job's log as a read-only virtual document (`tdtp-orchestrator-job:`): header lines (scenario,
// status, parameters, runner, times, error, who stopped it, artifact), then the log. The
// orchestrator writes a job's log only when the job ends, so while it runs the document says so;
// an open document is read again when its job changes (the poller names the changed jobs).
import * as vscode from 'vscode';
import { Disposable } from '../../core/lifecycle';
import { isActive, jobElapsedMs } from '../../core/orchestrator/jobs';
import type { Job } from '../../core/orchestrator/types';
import { sanitizeForTerminal } from '../../core/text';
import { dateTimeText } from '../words/format';
import { orchestratorProblemText, serverText } from '../words/orchestrator';
import { jobElapsedText, jobStatusText, paramsText } from '../words/orchestratorView';
import { originText } from './items';
import { JOB_LOG_EXTENSION, JOB_LOG_SCHEME } from './jobLogNames';
import type { Orchestrators } from './orchestrators';

/** The document of one job: `tdtp-orchestrator-job:/<connection>/<job id>/<scenario>.tdtp-job-log`. */
export function jobLogUri(connection: string, jobId: string, scenario: string): vscode.Uri {
  const name = scenario.replace(/[^\w.-]+/g, '_').slice(0, 80) || 'job';
  return vscode.Uri.from({ scheme: JOB_LOG_SCHEME, path: `/${encodeURIComponent(connection)}/${encodeURIComponent(jobId)}/${name}${JOB_LOG_EXTENSION}` });
}

export function parseJobLogUri(uri: vscode.Uri): { connection: string; jobId: string } | undefined {
  const parts = uri.path.split('/');
  if (parts.length < 4) return undefined;
  try {
    return { connection: decodeURIComponent(parts[1]), jobId: decodeURIComponent(parts[2]) };
  } catch {
    return undefined;
  }
}

/** The document's text for a job (exported for tests of the wording). */
export function jobLogText(job: Job, nowMs: number, startedBy: string): string {
  const header = [
    vscode.l10n.t('Scenario: {0}', serverText(job.scenario, 120)),
    vscode.l10n.t('Status: {0}', jobStatusText(job)),
    vscode.l10n.t('Parameters: {0}', paramsText(job.params, 200) ?? vscode.l10n.t('none')),
    job.runner && vscode.l10n.t('Runner: {0}', serverText(job.runner, 60)),
    vscode.l10n.t('Started by: {0}', startedBy),
    job.startedAt && vscode.l10n.t('Started: {0}', dateTimeText(job.startedAt.epochMs)),
    job.finishedAt && vscode.l10n.t('Finished: {0}', dateTimeText(job.finishedAt.epochMs)),
    jobElapsedText(job, jobElapsedMs(job, nowMs)),
    job.error && vscode.l10n.t('Error: {0}', serverText(job.error, 2000)),
    job.cancelledBy && vscode.l10n.t('Stopped by: {0}', serverText(job.cancelledBy, 60)),
    job.artifactPath !== undefined &&
      vscode.l10n.t('Artifact: {0} ({1} bytes, SHA-256 {2}); TDTP: Download Artifact saves it', serverText(job.artifactPath, 200), job.artifactSize ?? '?', serverText(job.artifactSha256 ?? '', 80)),
    vscode.l10n.t('Job id: {0}', serverText(job.id, 80)),
  ].filter((line): line is string => typeof line === 'string' && line !== '');
  let body: string;
  if (isActive(job)) body = vscode.l10n.t('The orchestrator writes a job\'s log only when the job ends (its last 64 KiB). This document is read again then.');
  else if (job.log === undefined || job.log === '') body = vscode.l10n.t('The orchestrator kept no log for this job (logs older than its retention are cleared).');
  else body = sanitizeForTerminal(job.log) + (job.logTruncated ? `\n${vscode.l10n.t('[cut here: the log is longer]')}` : '');
  return `${header.join('\n')}\n${'─'.repeat(60)}\n${body}\n`;
}

export class JobLogProvider extends Disposable implements vscode.TextDocumentContentProvider {
  private readonly changed = this.register(new vscode.EventEmitter<vscode.Uri>());
  readonly onDidChange = this.changed.event;

  constructor(private readonly orchestrators: Orchestrators) {
    super();
    this.register(vscode.workspace.registerTextDocumentContentProvider(JOB_LOG_SCHEME, this));
    this.register(
      orchestrators.onDidChangeJobs(({ server, change }) => {
        const touched = new Set([...change.changed, ...change.added]);
        this.reread((target) => target.connection === server.endpoint.connection && touched.has(target.jobId));
      }),
    );
    // A tab restored after a reload is read before its orchestrator connects: read it again when one connects (or goes).
    const models = new Map<string, unknown>();
    this.register(
      orchestrators.onDidChangeServers(() => {
        const changed = new Set<string>();
        for (const server of orchestrators.servers) {
          const c = server.endpoint.connection;
          if (models.get(c) !== server.model) changed.add(c);
          models.set(c, server.model);
        }
        for (const c of models.keys()) {
          if (orchestrators.get(c)) continue;
          models.delete(c);
          changed.add(c);
        }
        if (changed.size > 0) this.reread((target) => changed.has(target.connection));
      }),
    );
  }

  /** Fires a change for the open job documents that `which` picks. */
  private reread(which: (target: { connection: string; jobId: string }) => boolean): void {
    for (const doc of vscode.workspace.textDocuments) {
      if (doc.uri.scheme !== JOB_LOG_SCHEME) continue;
      const target = parseJobLogUri(doc.uri);
      if (target && which(target)) this.changed.fire(doc.uri);
    }
  }

  async provideTextDocumentContent(uri: vscode.Uri): Promise<string> {
    const target = parseJobLogUri(uri);
    const model = target && this.orchestrators.get(target.connection)?.model;
    if (!target || !model) return vscode.l10n.t('This orchestrator is not connected.');
    const answer = await model.call((c, signal) => c.job(target.jobId, { signal }));
    if (!answer.ok) return `${orchestratorProblemText(answer.problem)}\n`;
    return jobLogText(answer.value, Date.now(), originText(model, answer.value));
  }
}
