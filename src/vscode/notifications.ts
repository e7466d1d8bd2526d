import * as vscode from 'vscode';
import { firstLine } from '../core/format';
import { Disposable } from '../core/lifecycle';
import { RunRecord, StoreOverflow, displayStatusOf } from '../core/store';
import { inertText, logValue } from '../core/text';
import { Config } from './config';
import { dqText } from './presentation';
import { ConnectionRun, Viewer } from './viewer';

export type NotificationKind = 'failed' | 'completed_with_errors' | 'dq_warning' | 'success' | 'summary' | 'limit';

/** What was shown, for the log and for tests (a seam: tests observe this instead of reading toasts). */
export interface ShownNotification {
  readonly kind: NotificationKind;
  readonly resultName?: string;
  readonly connection?: string;
  readonly message: string;
}

/** More toasts than this within the window are summarised in one. */
const STORM_LIMIT = 3;
const STORM_WINDOW_MS = 10_000;
/** A storm's log line names this many pipelines (a flood has thousands). */
const SUMMARY_LOG_NAMES = 20;
/** Pipelines a storm keeps for its summary; past them it only counts (a flood has thousands). */
const SUPPRESSED_KEPT = 1000;

/**
 * Toasts for live events only: states loaded at connect or recovered by reconcile are summarised
 * in the status bar instead. A storm of failures becomes one "N more pipelines failed" toast.
 */
export class NotificationController extends Disposable {
  private readonly shownEmitter = this.register(new vscode.EventEmitter<ShownNotification>());
  readonly onDidShow = this.shownEmitter.event;
  private recent: number[] = [];
  private suppressed = new Map<string, ConnectionRun>();
  /** Storm events past SUPPRESSED_KEPT: counted, not kept. */
  private uncounted = { total: 0, failed: 0 };
  /** Stores whose limit on pipelines was reported: one notice until they are cleared. */
  private readonly limitReported = new WeakSet<object>();
  private summaryTimer: ReturnType<typeof setTimeout> | undefined;

  constructor(
    private readonly viewer: Viewer,
    private readonly config: Config,
    private readonly log: vscode.LogOutputChannel,
  ) {
    super();
    this.register(viewer.onDidAddRun((run) => this.onRun(run)));
    this.register(viewer.onDidChange(({ connection }) => this.checkLimit(connection.name, connection.store)));
    this.register({ dispose: () => clearTimeout(this.summaryTimer) });
  }

  private onRun(sessionRun: ConnectionRun): void {
    const { record } = sessionRun;
    if (record.source !== 'live') return;
    const kind = notificationKind(record);
    if (!kind) return;
    const settings = this.config.notifications;
    const enabled = { failed: settings.failed, completed_with_errors: settings.completedWithErrors, dq_warning: settings.dataQuality, success: settings.success }[kind];
    if (!enabled || settings.muted.includes(record.run.resultName)) return;

    const now = Date.now();
    this.recent = this.recent.filter((t) => now - t < STORM_WINDOW_MS);
    if (this.recent.length >= STORM_LIMIT) {
      // Keep the latest per pipeline; one summary toast goes out when the window closes.
      const key = `${sessionRun.connection.name}\u0000${record.run.resultName}`;
      if (this.suppressed.size < SUPPRESSED_KEPT || this.suppressed.has(key)) this.suppressed.set(key, sessionRun);
      else {
        this.uncounted.total++;
        if (record.run.statusKind === 'failed') this.uncounted.failed++;
      }
      this.summaryTimer ??= setTimeout(() => this.showSummary(), STORM_WINDOW_MS);
      return;
    }
    this.recent.push(now);
    this.show(kind, sessionRun);
  }

  /** One notice per store when the limit on pipelines first drops some; the status bar keeps the count. */
  private checkLimit(connectionName: string, store: { readonly overflow: StoreOverflow | undefined }): void {
    const overflow = store.overflow;
    if (!overflow) {
      this.limitReported.delete(store);
      return;
    }
    if (this.limitReported.has(store)) return;
    this.limitReported.add(store);
    const where = this.viewer.multiple ? `[${connectionName}] ` : '';
    const message = inertText(
      where + vscode.l10n.t('{0} TDTP pipelines not shown: more than the limit of {1} (tdtp.limits.maxPipelines); the least recently updated go first, pipelines seen more than once last.', overflow.evicted, overflow.limit),
    );
    this.log.warn(`${message} A flood of distinct result_names on the channel does this.`);
    this.shownEmitter.fire({ kind: 'limit', connection: connectionName, message });
    const settings = vscode.l10n.t('Open Settings');
    void vscode.window.showWarningMessage(message, settings).then((choice) => {
      if (choice === settings) void vscode.commands.executeCommand('workbench.action.openSettings', 'tdtp.limits.maxPipelines');
    });
  }

  private show(kind: Exclude<NotificationKind, 'summary' | 'limit'>, { connection, record }: ConnectionRun): void {
    const r = record.run.result;
    const name = record.run.resultName;
    // With several connections every toast says which one it is about.
    const where = this.viewer.multiple ? `[${connection.name}] ` : '';
    const showDetails = vscode.l10n.t('Show Details');
    const mute = vscode.l10n.t('Mute');
    let message: string;
    let present: (message: string, ...items: string[]) => Thenable<string | undefined>;
    switch (kind) {
      case 'failed':
        message = where + vscode.l10n.t('TDTP pipeline {0} ({1}) failed: {2}', r.pipeline_name, name, firstLine(r.error) || vscode.l10n.t('unknown error'));
        present = vscode.window.showErrorMessage;
        break;
      case 'completed_with_errors':
        message = where + vscode.l10n.t('TDTP pipeline {0} ({1}) completed with errors: {2}', r.pipeline_name, name, firstLine(r.error) || vscode.l10n.t('unknown error'));
        present = vscode.window.showWarningMessage;
        break;
      case 'dq_warning':
        message = where + vscode.l10n.t('TDTP pipeline {0} ({1}): {2}', r.pipeline_name, name, dqText(record.dq) ?? '');
        present = vscode.window.showWarningMessage;
        break;
      case 'success':
        message = where + vscode.l10n.t('TDTP pipeline {0} ({1}) succeeded.', r.pipeline_name, name);
        present = vscode.window.showInformationMessage;
        break;
    }
    // Every part but our words came from the wire or from settings: the toast gets inert text.
    message = inertText(message);
    this.shownEmitter.fire({ kind, resultName: name, connection: connection.name, message });
    present(message, showDetails, mute).then((choice) => {
      if (choice === showDetails) void vscode.commands.executeCommand('tdtp.showDetails', name, connection.name);
      else if (choice === mute) void vscode.commands.executeCommand('tdtp.mute', name);
    });
  }

  private showSummary(): void {
    this.summaryTimer = undefined;
    const records = [...this.suppressed.values()].map((r) => r.record);
    const uncounted = this.uncounted;
    this.suppressed.clear();
    this.uncounted = { total: 0, failed: 0 };
    if (!records.length) return;
    const failed = records.filter((r) => r.run.statusKind === 'failed').length + uncounted.failed;
    const total = records.length + uncounted.total;
    const message =
      failed === total
        ? vscode.l10n.t('{0} more TDTP pipelines failed.', failed)
        : vscode.l10n.t('{0} more TDTP pipelines need attention ({1} failed).', total, failed);
    const names = records.slice(0, SUMMARY_LOG_NAMES).map((r) => logValue(r.run.resultName, 300));
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

/** A toast per display status; an unknown status gets none. */
function notificationKind(record: RunRecord): Exclude<NotificationKind, 'summary' | 'limit'> | undefined {
  const status = displayStatusOf(record);
  return status === 'unknown' ? undefined : status;
}
