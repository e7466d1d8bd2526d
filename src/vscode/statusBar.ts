import * as vscode from 'vscode';
import { PipelineStore } from '../core/store';
import { ReconcileReport } from '../core/watcher';
import { connectionText, dateTimeText, problemHeadline } from './presentation';
import { ViewerSession, problemOf } from './session';

/** `TDTP ✓ 12 ✗ 2 ⚠ 1`, coloured when something failed or the connection is down; click focuses the view. */
export class StatusBarController implements vscode.Disposable {
  private readonly item: vscode.StatusBarItem;
  private readonly disposables: vscode.Disposable[] = [];
  private lastLoad: ReconcileReport | undefined;

  constructor(
    private readonly store: PipelineStore,
    private readonly session: ViewerSession,
  ) {
    this.item = vscode.window.createStatusBarItem('tdtp.status', vscode.StatusBarAlignment.Left, 50);
    this.item.name = vscode.l10n.t('TDTP Pipelines');
    this.item.command = 'tdtp.pipelines.focus';
    const storeSubscription = store.onDidChange(() => this.update());
    this.disposables.push(
      this.item,
      { dispose: () => storeSubscription.dispose() },
      session.onDidChangeState(() => this.update()),
      session.onDidReconcile((report) => {
        this.lastLoad = report;
        this.update();
      }),
    );
    this.update();
    this.item.show();
  }

  get text(): string {
    return this.item.text;
  }

  private update(): void {
    const state = this.session.state;
    const counts = this.store.counts();
    const warnings = counts.completed_with_errors + counts.dq_warning + counts.unknown;
    const parts = ['$(pulse) TDTP'];
    if (state.kind === 'connected' || counts.total > 0) {
      parts.push(`$(check) ${counts.success}`, `$(error) ${counts.failed}`, `$(warning) ${warnings}`);
    }
    if (state.kind !== 'connected') parts.push(`$(debug-disconnect) ${connectionText(state, this.session.endpoint)}`);
    this.item.text = parts.join('  ');

    const problem = problemOf(state);
    const down = state.kind === 'failed' || state.kind === 'reconnecting' || state.kind === 'notConfigured';
    this.item.backgroundColor =
      counts.failed > 0 || state.kind === 'failed' || state.kind === 'notConfigured'
        ? new vscode.ThemeColor('statusBarItem.errorBackground')
        : warnings > 0 || down
          ? new vscode.ThemeColor('statusBarItem.warningBackground')
          : undefined;

    const tooltip = new vscode.MarkdownString();
    tooltip.appendMarkdown(`**TDTP** — `);
    tooltip.appendText(connectionText(state, this.session.endpoint));
    if (problem) {
      tooltip.appendMarkdown(`\n\n**${problemHeadline(problem.code)}**\n\n`);
      tooltip.appendText(problem.message);
    }
    if (state.kind === 'notConfigured') {
      tooltip.appendMarkdown('\n\n');
      tooltip.appendText(state.problems.join('\n'));
    }
    tooltip.appendMarkdown('\n\n');
    tooltip.appendText(
      vscode.l10n.t('{0} pipelines: {1} succeeded, {2} failed, {3} completed with errors, {4} with a data-quality warning, {5} unknown.', counts.total, counts.success, counts.failed, counts.completed_with_errors, counts.dq_warning, counts.unknown),
    );
    if (this.lastLoad) {
      tooltip.appendMarkdown('\n\n');
      tooltip.appendText(
        this.lastLoad.source === 'loaded'
          ? vscode.l10n.t('{0} states loaded at connect ({1}).', this.lastLoad.keys, dateTimeText(this.lastLoad.finishedAt))
          : vscode.l10n.t('Reconciled with Redis at {0}: {1} states recovered.', dateTimeText(this.lastLoad.finishedAt), this.lastLoad.added),
      );
    }
    this.item.tooltip = tooltip;
    this.item.accessibilityInformation = { label: vscode.l10n.t('TDTP: {0} succeeded, {1} failed, {2} warnings; {3}', counts.success, counts.failed, warnings, connectionText(state, this.session.endpoint)) };
  }

  dispose(): void {
    for (const d of this.disposables) d.dispose();
  }
}
