import * as vscode from 'vscode';
import { firstLine } from '../core/format';
import { Disposable } from '../core/lifecycle';
import { RunRecord, displayStatusOf } from '../core/store';
import { inertText, logValue } from '../core/text';
import { Config } from './config';
import { dqText } from './presentation';
import { ConnectionRun, Viewer } from './viewer';

export type NotificationKind = 'failed' | 'completed_with_errors' | 'dq_warning' | 'success' | 'summary';

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

/**
 * Toasts for live events only: states loaded at connect or recovered by reconcile are summarised
 * in the status bar instead. A storm of failures becomes one "N more pipelines failed" toast.
 */
export class NotificationController extends Disposable {
  private readonly shownEmitter = this.register(new vscode.EventEmitter<ShownNotification>());
  readonly onDidShow = this.shownEmitter.event;
  private recent: number[] = [];
  private suppressed = new Map<string, ConnectionRun>();
  private summaryTimer: ReturnType<typeof setTimeout> | undefined;

  constructor(
    private readonly viewer: Viewer,
    private readonly config: Config,
    private readonly log: vscode.LogOutputChannel,
  ) {
    super();
    this.register(viewer.onDidAddRun((run) => this.onRun(run)));
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
      this.suppressed.set(`${sessionRun.connection.name}\u0000${record.run.resultName}`, sessionRun);
      this.summaryTimer ??= setTimeout(() => this.showSummary(), STORM_WINDOW_MS);
      return;
    }
    this.recent.push(now);
    this.show(kind, sessionRun);
  }

  private show(kind: Exclude<NotificationKind, 'summary'>, { connection, record }: ConnectionRun): void {
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
    this.suppressed.clear();
    if (!records.length) return;
    const failed = records.filter((r) => r.run.statusKind === 'failed').length;
    const message =
      failed === records.length
        ? vscode.l10n.t('{0} more TDTP pipelines failed.', failed)
        : vscode.l10n.t('{0} more TDTP pipelines need attention ({1} failed).', records.length, failed);
    const names = records.slice(0, SUMMARY_LOG_NAMES).map((r) => logValue(r.run.resultName, 300));
    if (records.length > SUMMARY_LOG_NAMES) names.push(`and ${records.length - SUMMARY_LOG_NAMES} more`);
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
function notificationKind(record: RunRecord): Exclude<NotificationKind, 'summary'> | undefined {
  const status = displayStatusOf(record);
  return status === 'unknown' ? undefined : status;
}
