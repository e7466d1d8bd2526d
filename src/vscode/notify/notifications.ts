import * as vscode from 'vscode';
import { isLateNews } from '../../core/alerts/lateNews';
import type { NoticeKind } from '../../core/alerts/policy';
import { noticesFor } from '../../core/alerts/policy';
import type { AlertTransition, Lateness } from '../../core/alerts/tracker';
import { firstLine } from '../../core/format';
import { FLOOD_NEW_NAMES_PER_SECOND } from '../../core/floodGuard';
import { Disposable } from '../../core/lifecycle';
import type { StoreBudget, StoreOverflow } from '../../core/storeLimits';
import type { JobNoticeKind } from '../../core/orchestrator/notices';
import type { Job, RunRequest } from '../../core/orchestrator/types';
import type { RunRecord } from '../../core/runs';
import { inertText, logValue } from '../../core/text';
import type { Config } from '../settings/config';
import { findingText, spanText } from '../words/alerts';
import { countText, dqText, formatNumber } from '../words/format';
import type { ConnectionRun, Viewer } from '../connections/viewer';
import type { WatchedConnection } from '../connections/watchedConnection';

export type NotificationKind = NoticeKind | 'late' | 'summary' | 'limit' | 'flood' | OrchestratorNoticeKind;

/** Toasts about the orchestrator: a job that failed or was stopped, a new run request to review. */
export type OrchestratorNoticeKind = JobNoticeKind | 'request';

/**
 * A notice about the orchestrator of a connection. orchestrator/notify.ts decides which, and words
 * and shows it (`present`, given the connection's prefix; it returns the message it showed): that
 * code loads with the orchestrator's features, the storm summary here is shared.
 */
export type OrchestratorNotice = ({ readonly kind: JobNoticeKind; readonly job: Job } | { readonly kind: 'request'; readonly request: RunRequest }) & {
  readonly connection: string;
  present(where: string): string;
};

/** What the toasts ask of the orchestrator links: the job behind a pipeline's latest run, if one is known. */
export interface JobToastLinks {
  latestJob(connection: string, resultName: string): Job | undefined;
}

/** What was shown, for the log and for tests (a seam: tests observe this instead of reading toasts). */
export interface ShownNotification {
  readonly kind: NotificationKind;
  readonly resultName?: string;
  readonly connection?: string;
  readonly message: string;
  /** The orchestrator job a failure toast offers the log of. */
  readonly jobId?: string;
}

/** A toast to show: about a run, or about a pipeline that turned late. */
type PipelineNotice =
  | { readonly kind: NoticeKind; readonly connection: WatchedConnection; readonly resultName: string; readonly record: RunRecord; readonly transitions: readonly AlertTransition[] }
  | { readonly kind: 'late'; readonly connection: WatchedConnection; readonly resultName: string; readonly late: Lateness };
/** Its resultName is the scenario's name (the storm summary keys and counts by it). */
type NamedOrchestratorNotice = OrchestratorNotice & { readonly resultName: string };
type Notice = PipelineNotice | NamedOrchestratorNotice;

const isOrchestratorNotice = (notice: Notice): notice is NamedOrchestratorNotice => typeof notice.connection === 'string';

/** The connection's name a notice is about. */
const whereOf = (notice: Notice): string => (isOrchestratorNotice(notice) ? notice.connection : notice.connection.name);
const isFailure = (notice: Notice): boolean => notice.kind === 'failed' || notice.kind === 'jobFailed';

/** More toasts than this within the window are summarised in one. */
const STORM_LIMIT = 3;
const STORM_WINDOW_MS = 10_000;
/** A storm's log line names this many pipelines (a flood has thousands). */
const SUMMARY_LOG_NAMES = 20;
/** Pipelines a storm keeps for its summary; past them it only counts (a flood has thousands). */
const SUPPRESSED_KEPT = 1000;

/**
 * Toasts for live events only: states loaded at connect or recovered by reconcile are summarised
 * in the status bar instead. Which runs toast is the core's policy (`tdtp.notifications.policy`:
 * on change by default: a first failure, a recovery, a changed data-quality verdict); a pipeline
 * that turns late toasts once. A storm of toasts becomes one "N more pipelines failed" toast.
 */
export class NotificationController extends Disposable {
  private readonly shownEmitter = this.register(new vscode.EventEmitter<ShownNotification>());
  readonly onDidShow = this.shownEmitter.event;
  private recent: number[] = [];
  private suppressed = new Map<string, Notice>();
  /** Storm events past SUPPRESSED_KEPT: counted, not kept. */
  private uncounted = { total: 0, failed: 0 };
  /** Stores whose limit on pipelines was reported: one notice until they are cleared. */
  private readonly limitReported = new WeakSet<object>();
  /** Stores whose budget of kept runs was reported, the same way. */
  private readonly budgetReported = new WeakSet<object>();
  private readonly floodReported = new WeakSet<object>();
  private summaryTimer: ReturnType<typeof setTimeout> | undefined;
  private jobLinks: JobToastLinks | undefined;

  constructor(
    private readonly viewer: Viewer,
    private readonly config: Config,
    private readonly log: vscode.LogOutputChannel,
  ) {
    super();
    this.register(viewer.onDidAddRun((run) => this.onRun(run)));
    this.register(
      viewer.onDidChange(({ connection }) => {
        this.checkLimit(connection.name, connection.store);
        this.checkBudget(connection.name, connection.store);
      }),
    );
    this.register(
      viewer.onDidTurnLate(({ connection, resultName, late }) => {
        const settings = this.config.notifications;
        // An expired state key alone is marked, not toasted (isLateNews): a TTL shorter than the schedule is common.
        if (settings.late && isLateNews(late) && !settings.muted.includes(resultName)) this.offer({ kind: 'late', connection, resultName, late });
      }),
    );
    this.register({ dispose: () => clearTimeout(this.summaryTimer) });
  }

  /** A failure toast of a pipeline whose job is known offers Show Log. */
  setJobLinks(links: JobToastLinks): void {
    this.jobLinks = links;
  }

  /** A job or request toast, under the same storm summary as the pipelines' (the caller applied policy and mute). */
  offerOrchestrator(notice: OrchestratorNotice): void {
    this.offer({ ...notice, resultName: notice.kind === 'request' ? notice.request.scenario : notice.job.scenario });
  }

  private onRun({ connection, record, transitions }: ConnectionRun): void {
    if (record.source !== 'live') return;
    const settings = this.config.notifications;
    if (settings.muted.includes(record.run.resultName)) return;
    // The most important toast only: a recovery says more than the success it came with.
    const kind = noticesFor(record, transitions, settings.policy, settings)[0];
    if (kind) this.offer({ kind, connection, resultName: record.run.resultName, record, transitions });
  }

  private offer(notice: Notice): void {
    const now = Date.now();
    this.recent = this.recent.filter((t) => now - t < STORM_WINDOW_MS);
    if (this.recent.length >= STORM_LIMIT) {
      // Keep the latest per pipeline; one summary toast goes out when the window closes.
      const key = `${whereOf(notice)}\u0000${isOrchestratorNotice(notice) ? 'orchestrator\u0000' : ''}${notice.resultName}`;
      if (this.suppressed.size < SUPPRESSED_KEPT || this.suppressed.has(key)) this.suppressed.set(key, notice);
      else {
        this.uncounted.total++;
        if (isFailure(notice)) this.uncounted.failed++;
      }
      this.summaryTimer ??= setTimeout(() => this.showSummary(), STORM_WINDOW_MS);
      return;
    }
    this.recent.push(now);
    if (isOrchestratorNotice(notice)) this.showOrchestrator(notice);
    else this.show(notice);
  }

  /**
   * One notice per store when a limit first drops something (`reported` remembers the stores told;
   * a store whose limit no longer bites is forgotten, so it is told again next time); the status
   * bar keeps the figures.
   */
  private noticeOnce(reported: WeakSet<object>, store: object, connectionName: string, words: (() => string) | undefined, setting: string, logTail = '', kind: 'limit' | 'flood' = 'limit'): void {
    if (!words) {
      reported.delete(store);
      return;
    }
    if (reported.has(store)) return;
    reported.add(store);
    const where = this.viewer.multiple ? `[${connectionName}] ` : '';
    const message = inertText(where + words());
    this.log.warn(message + logTail);
    this.shownEmitter.fire({ kind, connection: connectionName, message });
    const settings = vscode.l10n.t('Open Settings');
    void vscode.window.showWarningMessage(message, settings).then((choice) => {
      if (choice === settings) void vscode.commands.executeCommand('workbench.action.openSettings', setting);
    });
  }

  /** The limit on pipelines. */
  private checkLimit(connectionName: string, store: { readonly overflow: StoreOverflow | undefined }): void {
    const overflow = store.overflow;
    this.checkFlood(connectionName, store, overflow);
    const words =
      overflow &&
      overflow.evicted > 0 &&
      (() =>
        vscode.l10n.t(
          '{0}: more than the limit of {1} (tdtp.limits.maxPipelines); the least recently updated go first, pipelines seen more than once last.',
          countText(overflow.evicted, vscode.l10n.t('{0} TDTP pipeline not shown|{0} TDTP pipelines not shown', formatNumber(overflow.evicted))),
          overflow.limit,
        ));
    this.noticeOnce(this.limitReported, store, connectionName, words || undefined, 'tdtp.limits.maxPipelines', ' A flood of distinct result_names on the channel does this.');
  }

  /** The flood guard (core/floodGuard.ts), when it first leaves a message unread. */
  private checkFlood(connectionName: string, store: object, overflow: StoreOverflow | undefined): void {
    const words =
      overflow &&
      overflow.unread > 0 &&
      (() => vscode.l10n.t('TDTP: a flood of new result_names: past {0} new names a second, messages are counted and left unread. Pipelines already shown stay current.', FLOOD_NEW_NAMES_PER_SECOND));
    this.noticeOnce(this.floodReported, store, connectionName, words || undefined, 'tdtp.limits', '', 'flood');
  }

  /** The budget of kept runs (KEPT_RUNS_BUDGET), when it first drops a run the settings would keep. */
  private checkBudget(connectionName: string, store: { readonly budget: StoreBudget | undefined }): void {
    const budget = store.budget;
    this.noticeOnce(this.budgetReported, store, connectionName, budget && (() => budgetText(budget)), 'tdtp.history.size');
  }

  private showOrchestrator(notice: NamedOrchestratorNotice): void {
    const where = this.viewer.multiple || this.viewer.get(notice.connection) === undefined ? `[${notice.connection}] ` : '';
    const message = notice.present(where);
    this.shownEmitter.fire({ kind: notice.kind, resultName: notice.resultName, connection: notice.connection, message });
  }

  private show(notice: PipelineNotice): void {
    const { connection, resultName: name } = notice;
    // With several connections every toast says which one it is about.
    const where = this.viewer.multiple ? `[${connection.name}] ` : '';
    const showDetails = vscode.l10n.t('Show Details');
    const mute = vscode.l10n.t('Mute');
    const kind = notice.kind;
    let message: string;
    let present: (message: string, ...items: string[]) => Thenable<string | undefined>;
    if (notice.kind === 'late') {
      const late = notice.late;
      const ago = late.basis === 'stateExpired' ? 0 : Date.now() - late.expectedAt;
      message = where + vscode.l10n.t('TDTP pipeline {0} is late: a run was expected {1} ago.', name, spanText(ago));
      present = vscode.window.showWarningMessage;
    } else {
      const { record, transitions } = notice;
      const r = record.run.result;
      switch (notice.kind) {
        case 'failed':
          message = where + vscode.l10n.t('TDTP pipeline {0} ({1}) failed: {2}', r.pipeline_name, name, firstLine(r.error) || vscode.l10n.t('unknown error'));
          present = vscode.window.showErrorMessage;
          break;
        case 'completed_with_errors':
          message = where + vscode.l10n.t('TDTP pipeline {0} ({1}) completed with errors: {2}', r.pipeline_name, name, firstLine(r.error) || vscode.l10n.t('unknown error'));
          present = vscode.window.showWarningMessage;
          break;
        case 'dq_warning': {
          const grew = transitions.find((t) => t.kind === 'dqGrew');
          const usual = grew?.kind === 'dqGrew' ? vscode.l10n.t(' (usually {0}%)', grew.usualPercent.toLocaleString(vscode.env.language, { maximumSignificantDigits: 2 })) : '';
          message = where + vscode.l10n.t('TDTP pipeline {0} ({1}): {2}', r.pipeline_name, name, (dqText(record.dq) ?? '') + usual);
          present = vscode.window.showWarningMessage;
          break;
        }
        case 'recovered': {
          const recovered = transitions.find((t) => t.kind === 'recovered');
          const failures = recovered?.kind === 'recovered' ? recovered.failures : 1;
          const down = recovered?.kind === 'recovered' ? recovered.downMs : 0;
          // The names come from the wire: only the count's own words are chosen by plural form.
          const after = countText(failures, vscode.l10n.t('after {0} failure|after {0} failures', formatNumber(failures)));
          message = where + vscode.l10n.t('TDTP pipeline {0} ({1}) recovered {2}, down {3}.', r.pipeline_name, name, after, spanText(down));
          present = vscode.window.showInformationMessage;
          break;
        }
        case 'unusual': {
          const found = transitions.find((t) => t.kind === 'unusual');
          const what = found?.kind === 'unusual' ? found.findings.map(findingText).join('; ') : '';
          message = where + vscode.l10n.t('TDTP pipeline {0} ({1}) ran unusually: {2}.', r.pipeline_name, name, what);
          present = vscode.window.showWarningMessage;
          break;
        }
        case 'success':
          message = where + vscode.l10n.t('TDTP pipeline {0} ({1}) succeeded.', r.pipeline_name, name);
          present = vscode.window.showInformationMessage;
          break;
      }
    }
    // Every part but our words came from the wire or from settings: the toast gets inert text.
    message = inertText(message);
    // A failed run whose orchestrator job is known: its log is one click away.
    const job = kind === 'failed' ? this.jobLinks?.latestJob(connection.name, name) : undefined;
    const showLog = vscode.l10n.t('Show Log');
    this.shownEmitter.fire({ kind, resultName: name, connection: connection.name, message, jobId: job?.id });
    const items = job ? [showDetails, showLog, mute] : [showDetails, mute];
    present(message, ...items).then((choice) => {
      if (choice === showDetails) void vscode.commands.executeCommand('tdtp.showDetails', name, connection.name);
      else if (choice === showLog && job) void vscode.commands.executeCommand('tdtp.orchestrator.showJobLog', { server: connection.name, jobId: job.id });
      else if (choice === mute) void vscode.commands.executeCommand('tdtp.mute', name);
    });
  }

  /** Forgets the toasts of the storm window, summary pending included (the in-VS-Code tests start each suite so). */
  resetStormWindow(): void {
    clearTimeout(this.summaryTimer);
    this.summaryTimer = undefined;
    this.suppressed.clear();
    this.uncounted = { total: 0, failed: 0 };
    this.recent = [];
  }

  private showSummary(): void {
    this.summaryTimer = undefined;
    const records = [...this.suppressed.values()];
    const uncounted = this.uncounted;
    this.suppressed.clear();
    this.uncounted = { total: 0, failed: 0 };
    if (!records.length) return;
    const failed = records.filter(isFailure).length + uncounted.failed;
    const total = records.length + uncounted.total;
    const message =
      failed === total
        ? countText(failed, vscode.l10n.t('{0} more TDTP pipeline failed.|{0} more TDTP pipelines failed.', formatNumber(failed)))
        : countText(total, vscode.l10n.t('{0} more TDTP pipeline needs attention ({1} failed).|{0} more TDTP pipelines need attention ({1} failed).', formatNumber(total), formatNumber(failed)));
    const names = records.slice(0, SUMMARY_LOG_NAMES).map((r) => logValue(r.resultName, 300));
    if (total > SUMMARY_LOG_NAMES) names.push(`and ${total - SUMMARY_LOG_NAMES} more`);
    this.log.warn(`${message} ${names.join(', ')}`);
    this.shownEmitter.fire({ kind: 'summary', message });
    const show = vscode.l10n.t('Show');
    const present = failed > 0 ? vscode.window.showErrorMessage : vscode.window.showWarningMessage;
    present(message, show).then((choice) => {
      if (choice === show) void vscode.commands.executeCommand('tdtp.pipelines.focus');
    });
    this.recent = [];
  }
}

/** The budget of kept runs in words: the notice's text and a line of the status bar's tooltip. */
export function budgetText(budget: StoreBudget): string {
  return vscode.l10n.t(
    'TDTP keeps {0} per pipeline, not {1}: the limit of {2} runs in all is reached (tdtp.limits.maxPipelines × tdtp.history.size).',
    countText(budget.runsPerPipeline, vscode.l10n.t('{0} run|{0} runs', formatNumber(budget.runsPerPipeline))),
    formatNumber(budget.historySize),
    formatNumber(budget.runs),
  );
}
