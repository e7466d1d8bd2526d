import * as vscode from 'vscode';
import type { PipelineAlerts } from '../../core/alerts/tracker';
import { firstLine } from '../../core/format';
import type { Namespace } from '../../core/namespaces';
import { NAMESPACE_SEPARATOR } from '../../core/namespaces';
import { finishedOrReceived } from '../../core/runs';
import type { DisplayStatus } from '../../core/status';
import { displayStatusOf } from '../../core/status';
import type { PipelineSnapshot } from '../../core/storeTypes';
import { inertText } from '../../core/text';
import type { WatchedConnection } from '../connections/watchedConnection';
import { problemOf } from '../connections/watchedConnection';
import { failingText, lateText } from '../words/alerts';
import { ageText, connectionText, countText, dateTimeText, durationText, finishedText, formatNumber, sourceText, statusIcon, statusText } from '../words/format';
import type { GapNode, RejectedNode, RunNode } from './nodes';
import { connectionTooltip, gapTooltip, rejectedTooltip } from './tooltips';

// The TreeItems of the Pipelines view: label, description, icon, id and context value of each kind
// of row. Run and pipeline tooltips are built when hovered (the provider's resolveTreeItem).

export function connectionItem(connection: WatchedConnection): vscode.TreeItem {
  const item = new vscode.TreeItem(inertText(connection.name), vscode.TreeItemCollapsibleState.Expanded);
  item.id = `connection:${connection.name}`;
  const state = connection.state;
  const counts = connection.store.counts();
  item.description = inertText(`${connectionText(state, connection.endpoint)} · ✓ ${counts.success} ✗ ${counts.failed}`);
  const problem = problemOf(state);
  item.iconPath =
    state.kind === 'connected'
      ? new vscode.ThemeIcon('plug', new vscode.ThemeColor('tdtp.successIcon'))
      : problem || state.kind === 'notConfigured'
        ? new vscode.ThemeIcon('debug-disconnect', new vscode.ThemeColor('tdtp.failedIcon'))
        : new vscode.ThemeIcon('debug-disconnect');
  item.tooltip = connectionTooltip(connection);
  item.contextValue = `connection state-${state.kind}`;
  return item;
}

/** `running`: active jobs of its scenarios on the orchestrator (they lead the row and spin its icon). */
export function pipelineItem(snapshot: PipelineSnapshot, muted: boolean, connection: string, alerts?: PipelineAlerts, running = 0): vscode.TreeItem {
  const record = snapshot.latest;
  const r = record.run.result;
  const item = new vscode.TreeItem(inertText(snapshot.resultName), vscode.TreeItemCollapsibleState.Collapsed);
  item.id = `pipeline:${snapshot.resultName}`;
  item.iconPath = statusIcon(snapshot.displayStatus);
  const parts = [
    r.pipeline_name,
    durationText(r.duration_ms),
    `${formatNumber(r.rows_loaded)}→${formatNumber(r.rows_exported)}`,
    ageText(finishedOrReceived(record)),
  ];
  if (snapshot.stateExpired) parts.push(vscode.l10n.t('state expired'));
  const failing = alerts && failingText(alerts);
  if (failing) parts.unshift(failing);
  // The clock mark leads: a pipeline that stopped running is what the row must say first.
  if (alerts?.late) parts.unshift(lateText(alerts.late));
  // A run in progress is what the row says first: its result is not here yet.
  if (running > 0) {
    parts.unshift(vscode.l10n.t('running on the orchestrator'));
    item.iconPath = new vscode.ThemeIcon('sync~spin');
  }
  if (alerts?.unusual.length) parts.push(vscode.l10n.t('unusual'));
  if (snapshot.restored) parts.push(vscode.l10n.t('saved, not yet checked with Redis'));
  if (muted) parts.push(vscode.l10n.t('muted'));
  item.description = inertText(parts.join(' · '));
  item.command = { command: 'tdtp.showDetails', title: vscode.l10n.t('Show Details'), arguments: [snapshot.resultName, connection] };
  const tokens = ['pipeline', `status-${snapshot.displayStatus}`, muted ? 'muted' : 'unmuted'];
  if (snapshot.stateExpired) tokens.push('expired');
  if (alerts?.late) tokens.push('late');
  if (alerts && alerts.failures > 1) tokens.push('failing');
  if (alerts?.unusual.length) tokens.push('unusual');
  if (snapshot.restored) tokens.push('restored');
  if (running > 0) tokens.push('running');
  item.contextValue = tokens.join(' ');
  item.accessibilityInformation = {
    label: inertText(vscode.l10n.t('{0}: {1}, {2}', snapshot.resultName, statusText(snapshot.displayStatus, r.status), String(item.description))),
    role: 'treeitem',
  };
  return item;
}

export function runItem(node: RunNode): vscode.TreeItem {
  const record = node.record;
  const status = displayStatusOf(record);
  const r = record.run.result;
  const item = new vscode.TreeItem(finishedText(record), vscode.TreeItemCollapsibleState.None);
  item.id = node.id;
  item.iconPath = statusIcon(status);
  const parts = [statusText(status, r.status), durationText(r.duration_ms), `${formatNumber(r.rows_loaded)}→${formatNumber(r.rows_exported)}`];
  if (record.source !== 'live') parts.push(sourceText(record.source));
  if (r.error) parts.push(firstLine(r.error, 80));
  item.description = inertText(parts.join(' · '));
  item.contextValue = `run status-${status} source-${record.source}`;
  item.command = { command: 'tdtp.showDetails', title: vscode.l10n.t('Show Details'), arguments: [node.resultName, node.connection.name] };
  return item;
}

export function gapItem(node: GapNode): vscode.TreeItem {
  const item = new vscode.TreeItem(vscode.l10n.t('Gap: {0} – {1}', dateTimeText(node.gap.from), dateTimeText(node.gap.to)), vscode.TreeItemCollapsibleState.None);
  item.id = node.id;
  item.iconPath = new vscode.ThemeIcon('debug-disconnect', new vscode.ThemeColor('tdtp.warningIcon'));
  item.description = vscode.l10n.t('events may have been lost');
  item.tooltip = gapTooltip(node.gap);
  item.contextValue = 'gap';
  return item;
}

/** A status group: the status and how many shown pipelines have it. */
export function groupItem(status: DisplayStatus, count: number, scope: string): vscode.TreeItem {
  const item = new vscode.TreeItem(statusText(status), vscode.TreeItemCollapsibleState.Expanded);
  item.id = `group:${scope}${status}`;
  item.description = String(count);
  item.iconPath = statusIcon(status);
  item.contextValue = `group status-${status}`;
  return item;
}

/** A namespace: its last segment, the count below it and the worst status's icon. */
export function namespaceItem(namespace: Namespace | undefined, path: string, scope: string): vscode.TreeItem {
  const segment = path.slice(path.lastIndexOf(NAMESPACE_SEPARATOR) + 1);
  const item = new vscode.TreeItem(inertText(segment), vscode.TreeItemCollapsibleState.Expanded);
  item.id = `namespace:${scope}${path}`;
  const count = namespace?.count ?? 0;
  const worst = namespace?.worst ?? 'success';
  item.description = String(count);
  item.iconPath = statusIcon(worst);
  item.tooltip = vscode.l10n.t('{0}: {1}, worst status: {2}', inertText(path), countText(count, vscode.l10n.t('{0} pipeline|{0} pipelines', formatNumber(count))), statusText(worst));
  item.contextValue = `namespace status-${worst}`;
  item.accessibilityInformation = { label: vscode.l10n.t('{0}: {1}, worst status: {2}', inertText(path), countText(count, vscode.l10n.t('{0} pipeline|{0} pipelines', formatNumber(count))), statusText(worst)), role: 'treeitem' };
  return item;
}

/** The group of messages that could not be decoded, with how many there were. */
export function rejectedGroupItem(total: number, scope: string): vscode.TreeItem {
  const item = new vscode.TreeItem(vscode.l10n.t('Rejected messages'), vscode.TreeItemCollapsibleState.Collapsed);
  item.id = `rejected:${scope}`;
  item.description = String(total);
  item.iconPath = new vscode.ThemeIcon('circle-slash', new vscode.ThemeColor('tdtp.failedIcon'));
  item.tooltip = vscode.l10n.t('Messages that could not be decoded; the most recent are listed.');
  item.contextValue = 'rejectedGroup';
  return item;
}

export function rejectedItem(node: RejectedNode): vscode.TreeItem {
  const m = node.message;
  const item = new vscode.TreeItem(inertText(m.resultName ?? m.source), vscode.TreeItemCollapsibleState.None);
  item.id = node.id;
  item.description = inertText(m.reason);
  item.iconPath = new vscode.ThemeIcon('circle-slash');
  item.tooltip = rejectedTooltip(m);
  item.contextValue = 'rejected';
  return item;
}
