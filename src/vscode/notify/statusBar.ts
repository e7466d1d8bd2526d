import * as vscode from 'vscode';
import { Disposable } from '../../core/lifecycle';
import { inertText } from '../../core/text';
import type { ReconcileReport } from '../../core/watcher';
import { appendWire, escapeMarkdown, untrustedMarkdown } from '../words/markdown';
import { connectionText, countText, dateTimeText, formatNumber } from '../words/format';
import { problemHeadline, problemText } from '../words/problems';
import { budgetText } from './notifications';
import { problemOf, worstState } from '../connections/watchedConnection';
import type { Viewer } from '../connections/viewer';
import { namedSettingProblemText } from '../words/settings';

/** `TDTP ✓ 12 ✗ 2 ⚠ 1`, coloured when something failed or the connection is down; click focuses the view. */
export class StatusBarController extends Disposable {
  private readonly item: vscode.StatusBarItem;
  private lastLoad: ReconcileReport | undefined;

  constructor(private readonly viewer: Viewer) {
    super();
    this.item = this.register(vscode.window.createStatusBarItem('tdtp.status', vscode.StatusBarAlignment.Left, 50));
    this.item.name = vscode.l10n.t('TDTP Pipelines');
    this.item.command = 'tdtp.pipelines.focus';
    this.register(viewer.onDidChange(() => this.update()));
    this.register(viewer.onDidChangeState(() => this.update()));
    this.register(viewer.onDidChangeConnections(() => this.update()));
    // One check can turn thousands late (every key expired after a reconnect): one update for all of them.
    this.register(viewer.onDidTurnLate(() => this.updateSoon()));
    this.register(
      viewer.onDidReconcile(({ report }) => {
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

  /** The tooltip as a reader sees it (for tests): Markdown escapes undone. */
  get tooltipText(): string {
    const tooltip = this.item.tooltip;
    return typeof tooltip === 'string' ? tooltip : (tooltip?.value ?? '').replace(/&nbsp;/g, ' ').replace(/\\(.)/g, '$1');
  }

  private updateQueued = false;

  private updateSoon(): void {
    if (this.updateQueued) return;
    this.updateQueued = true;
    queueMicrotask(() => {
      this.updateQueued = false;
      this.update();
    });
  }

  private update(): void {
    const connections = this.viewer.connections;
    // The worst state speaks for all: one connection down is worth showing.
    const state = worstState(connections.map((s) => s.state));
    const endpoint = this.viewer.multiple ? vscode.l10n.t('{0} of {1} connections', connections.filter((s) => s.state.kind === 'connected').length, connections.length) : connections[0]?.endpoint;
    const counts = this.viewer.counts();
    const warnings = counts.completed_with_errors + counts.dq_warning + counts.unknown;
    const parts = ['$(pulse) TDTP'];
    if (state.kind === 'connected' || counts.total > 0) {
      parts.push(`$(check) ${counts.success}`, `$(error) ${counts.failed}`, `$(warning) ${warnings}`);
    }
    const late = this.viewer.lateCount();
    if (late > 0) parts.push(`$(clock) ${late}`);
    // The endpoint comes from settings: inert, so it cannot draw icons of its own in the status bar.
    if (state.kind !== 'connected') parts.push(`$(debug-disconnect) ${inertText(connectionText(state, endpoint))}`);
    this.item.text = parts.join('  ');

    const problemConnections = connections.filter((s) => problemOf(s.state) || s.state.kind === 'notConfigured');
    const down = state.kind === 'failed' || state.kind === 'reconnecting' || state.kind === 'notConfigured';
    this.item.backgroundColor =
      counts.failed > 0 || state.kind === 'failed' || state.kind === 'notConfigured'
        ? new vscode.ThemeColor('statusBarItem.errorBackground')
        : warnings > 0 || late > 0 || down
          ? new vscode.ThemeColor('statusBarItem.warningBackground')
          : undefined;

    const tooltip = untrustedMarkdown();
    tooltip.appendMarkdown(`**TDTP** — `);
    appendWire(tooltip, connectionText(state, endpoint));
    for (const connection of problemConnections) {
      const p = problemOf(connection.state);
      const prefix = this.viewer.multiple ? `[${connection.name}] ` : '';
      tooltip.appendMarkdown(`\n\n**${escapeMarkdown(prefix)}${escapeMarkdown(p ? problemHeadline(p.code) : vscode.l10n.t('A setting is wrong'))}**\n\n`);
      appendWire(tooltip, p ? problemText(p) : connection.state.kind === 'notConfigured' ? connection.state.problems.map(namedSettingProblemText).join('\n') : '');
    }
    tooltip.appendMarkdown('\n\n');
    tooltip.appendText(
      vscode.l10n.t('{0}: {1} succeeded, {2} failed, {3} completed with errors, {4} with a data-quality warning, {5} unknown.', countText(counts.total, vscode.l10n.t('{0} pipeline|{0} pipelines', formatNumber(counts.total))), counts.success, counts.failed, counts.completed_with_errors, counts.dq_warning, counts.unknown),
    );
    for (const connection of this.viewer.connections) {
      const budget = connection.store.budget;
      if (budget) {
        tooltip.appendMarkdown('\n\n');
        appendWire(tooltip, (this.viewer.multiple ? `[${connection.name}] ` : '') + budgetText(budget));
      }
      const overflow = connection.store.overflow;
      if (!overflow) continue;
      tooltip.appendMarkdown('\n\n');
      const where = this.viewer.multiple ? `[${connection.name}] ` : '';
      if (overflow.evicted > 0) appendWire(tooltip, where + vscode.l10n.t('{0} not shown: more than the limit of {1} (tdtp.limits.maxPipelines).', countText(overflow.evicted, vscode.l10n.t('{0} pipeline|{0} pipelines', formatNumber(overflow.evicted))), formatNumber(overflow.limit)));
      if (overflow.unread > 0) {
        const unread = countText(overflow.unread, vscode.l10n.t('{0} message|{0} messages', formatNumber(overflow.unread)));
        appendWire(tooltip, (overflow.evicted > 0 ? ' ' : where) + vscode.l10n.t('During a flood of new names, {0} were counted and left unread.', unread));
      }
    }
    if (late > 0) {
      tooltip.appendMarkdown('\n\n');
      tooltip.appendText(countText(late, vscode.l10n.t('{0} pipeline is late: no run arrived when one was expected.|{0} pipelines are late: no run arrived when one was expected.', formatNumber(late))));
    }
    if (this.lastLoad) {
      tooltip.appendMarkdown('\n\n');
      tooltip.appendText(
        this.lastLoad.source === 'loaded'
          ? countText(this.lastLoad.keys, vscode.l10n.t('{0} state loaded at connect ({1}).|{0} states loaded at connect ({1}).', formatNumber(this.lastLoad.keys), dateTimeText(this.lastLoad.finishedAt)))
          : countText(this.lastLoad.added, vscode.l10n.t('Reconciled with Redis at {1}: {0} state recovered.|Reconciled with Redis at {1}: {0} states recovered.', formatNumber(this.lastLoad.added), dateTimeText(this.lastLoad.finishedAt))),
      );
    }
    this.item.tooltip = tooltip;
    const summary = vscode.l10n.t('TDTP: {0} succeeded, {1} failed, {2}; {3}', counts.success, counts.failed, countText(warnings, vscode.l10n.t('{0} warning|{0} warnings', formatNumber(warnings))), connectionText(state, endpoint));
    this.item.accessibilityInformation = { label: late > 0 ? `${summary}; ${vscode.l10n.t('{0} late', late)}` : summary };
  }

}
