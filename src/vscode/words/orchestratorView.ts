import * as vscode from 'vscode';
import type { ApprovalState } from '../../core/orchestrator/approvals';
import type { JobOrigin } from '../../core/orchestrator/jobs';
import { isStopping } from '../../core/orchestrator/jobs';
import type { CronProblemCode, NextRun } from '../../core/orchestrator/nextRun';
import type { Health, Job } from '../../core/orchestrator/types';
import { dateTimeText, durationText } from './format';
import { serverText } from './orchestrator';

// Words for the Orchestrator view's rows: a job's status and origin, the server's health, a
// schedule's next run, a scenario's approval. Server text goes through serverText (inert, bounded).

export function jobStatusText(job: Pick<Job, 'status' | 'statusText' | 'cancelledBy'>): string {
  if (isStopping(job)) return vscode.l10n.t('stopping…');
  switch (job.status) {
    case 'pending':
      return vscode.l10n.t('pending');
    case 'running':
      return vscode.l10n.t('running');
    case 'done':
      return vscode.l10n.t('done');
    case 'failed':
      return vscode.l10n.t('failed');
    case 'cancelled':
      return vscode.l10n.t('cancelled');
    default:
      return vscode.l10n.t('unknown status "{0}"', serverText(job.statusText, 40));
  }
}

export function jobStatusIcon(job: Pick<Job, 'status' | 'cancelledBy'>): vscode.ThemeIcon {
  if (isStopping(job)) return new vscode.ThemeIcon('loading~spin', new vscode.ThemeColor('tdtp.warningIcon'));
  switch (job.status) {
    case 'pending':
      return new vscode.ThemeIcon('clock');
    case 'running':
      return new vscode.ThemeIcon('sync~spin');
    case 'done':
      return new vscode.ThemeIcon('pass-filled', new vscode.ThemeColor('tdtp.successIcon'));
    case 'failed':
      return new vscode.ThemeIcon('error', new vscode.ThemeColor('tdtp.failedIcon'));
    case 'cancelled':
      return new vscode.ThemeIcon('circle-slash', new vscode.ThemeColor('tdtp.warningIcon'));
    default:
      return new vscode.ThemeIcon('question', new vscode.ThemeColor('tdtp.unknownIcon'));
  }
}

/** `tokenName`: the token's name when the connected role may read tokens (admins); else its id, shortened. */
export function jobOriginText(origin: JobOrigin, tokenName?: string): string {
  switch (origin.kind) {
    case 'schedule':
      return vscode.l10n.t('schedule {0}', serverText(origin.scheduleId, 60));
    case 'token':
      return tokenName !== undefined ? vscode.l10n.t('token "{0}"', serverText(tokenName, 60)) : vscode.l10n.t('token {0}', serverText(origin.tokenId, 8));
    case 'unattributed':
      return vscode.l10n.t('pub/sub or no token');
  }
}

/** "running 1m 05s" / "took 3.2s". */
export function jobElapsedText(job: Pick<Job, 'status'>, elapsedMs: number | undefined): string | undefined {
  if (elapsedMs === undefined) return undefined;
  const text = wholeSecondsText(elapsedMs);
  return job.status === 'running' || job.status === 'pending' ? vscode.l10n.t('for {0}', text) : vscode.l10n.t('took {0}', text);
}

/** The server writes whole seconds: a finer figure would be noise (0.00s or 1.00s for the same 0.1 s job). */
function wholeSecondsText(ms: number): string {
  if (ms < 1000) return vscode.l10n.t('under 1s');
  if (ms < 60_000) return vscode.l10n.t('{0}s', Math.floor(ms / 1000));
  return durationText(Math.floor(ms / 1000) * 1000);
}

function pubsubText(state: string): string {
  switch (state) {
    case 'skip':
      return vscode.l10n.t('pub/sub off');
    case 'connected':
      return vscode.l10n.t('pub/sub connected');
    case 'disconnected':
      return vscode.l10n.t('pub/sub disconnected');
    default:
      return vscode.l10n.t('pub/sub {0}', serverText(state, 40));
  }
}

/** A job's or schedule's parameters, `name=value, …` (inert, bounded); undefined when there are none. */
export function paramsText(params: Readonly<Record<string, string>>, valueChars = 120): string | undefined {
  const entries = Object.entries(params);
  if (entries.length === 0) return undefined;
  return entries.map(([k, v]) => `${serverText(k, 60)}=${serverText(v, valueChars)}`).join(', ');
}

/** The health line: licence tier, active jobs, pub/sub. */
export function healthText(health: Health): string {
  return vscode.l10n.t('licence {0} · {1} active · {2}', serverText(health.licenseTier, 40), health.activeJobs, pubsubText(health.pubsub));
}

export function cronProblemText(code: CronProblemCode, values: readonly string[]): string {
  const v = values.map((value) => serverText(value, 80));
  switch (code) {
    case 'cronTooLong':
      return vscode.l10n.t('the expression is longer than {0} characters', v[1] ?? '');
    case 'notTimeZone':
      return vscode.l10n.t('"{0}" is not a time zone', v[0] ?? '');
    case 'cronUnsupported':
      return vscode.l10n.t('the orchestrator does not read "{0}" in cron', v[0] ?? '');
    case 'notCron':
      return vscode.l10n.t('not a cron expression the orchestrator reads');
    case 'cronNeverFires':
      return vscode.l10n.t('never fires');
  }
}

export function nextRunText(next: NextRun): string {
  switch (next.kind) {
    case 'at':
      return next.estimated ? vscode.l10n.t('next about {0}', dateTimeText(next.epochMs)) : vscode.l10n.t('next {0}', dateTimeText(next.epochMs));
    case 'disabled':
      return vscode.l10n.t('disabled');
    case 'unknown':
      return vscode.l10n.t('every {0}, from when the server registered it', durationText(next.everyMs));
    case 'invalid':
      return cronProblemText(next.code, next.values);
  }
}

export function approvalText(state: ApprovalState): string {
  switch (state.kind) {
    case 'notApproved':
      return vscode.l10n.t('not approved');
    case 'disabled':
      return vscode.l10n.t('approval disabled');
    case 'approved':
      if (state.serverMatches === false) return vscode.l10n.t('changed since approval');
      if (state.fileMatches === false) return vscode.l10n.t('approved; the workspace file differs');
      return vscode.l10n.t('approved');
    case 'unknown':
      return vscode.l10n.t('approval not known');
  }
}
