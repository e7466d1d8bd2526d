import * as vscode from 'vscode';
import type { PipelineAlerts } from '../../core/alerts/tracker';
import { alertRows, failingText, lateText } from '../words/alerts';
import { RejectedMessage } from '../../core/decode';
import { ageOf, firstLine } from '../../core/format';
import { Disposable } from '../../core/lifecycle';
import { NAMESPACE_SEPARATOR, Namespace, groupByNamespace } from '../../core/namespaces';
import { DISPLAY_ORDER, DisplayStatus } from '../../core/status';
import { PipelineSnapshot } from '../../core/store';
import type { StoreChange } from '../../core/changeBatch';
import type { GapMarker, HistoryItem, RunRecord } from '../../core/runs';
import { finishedOrReceived } from '../../core/runs';
import { displayStatusOf } from '../../core/status';
import { inertText, truncate } from '../../core/text';
import { appendWire, appendWireBlock, escapeMarkdown, untrustedMarkdown } from '../words/markdown';
import { Config } from '../settings/config';
import { WatchedConnection, problemOf } from '../connections/watchedConnection';
import { Viewer } from '../connections/viewer';
import { ageText, connectionText, countText, dateTimeText, dqText, durationText, finishedText, formatNumber, sourceText, statusIcon, statusText } from '../words/format';
import { gapReasonText, problemText } from '../words/problems';
import { namedSettingProblemText } from '../words/settings';

export type TreeNode = ConnectionNode | PipelineNode | RunNode | GapNode | GroupNode | NamespaceNode | RejectedGroupNode | RejectedNode;

/** A top-level node per connection, shown only when several are configured. */
export class ConnectionNode {
  readonly kind = 'connection';
  constructor(readonly connection: WatchedConnection) {}
}
export class PipelineNode {
  readonly kind = 'pipeline';
  constructor(
    readonly connection: WatchedConnection,
    public snapshot: PipelineSnapshot,
  ) {}
  get resultName(): string {
    return this.snapshot.resultName;
  }
}
export class RunNode {
  readonly kind = 'run';
  constructor(readonly connection: WatchedConnection, readonly resultName: string, readonly record: RunRecord, readonly id: string) {}
}
export class GapNode {
  readonly kind = 'gap';
  constructor(readonly connection: WatchedConnection, readonly resultName: string, readonly gap: GapMarker, readonly id: string) {}
}
export class GroupNode {
  readonly kind = 'group';
  constructor(readonly connection: WatchedConnection, readonly status: DisplayStatus) {}
}
/** A `:`-separated prefix of result names (`travel:sales`), when the tree is grouped by namespace. */
export class NamespaceNode {
  readonly kind = 'namespace';
  constructor(readonly connection: WatchedConnection, readonly path: string) {}
}
export class RejectedGroupNode {
  readonly kind = 'rejectedGroup';
  constructor(readonly connection: WatchedConnection) {}
}
export class RejectedNode {
  readonly kind = 'rejected';
  constructor(readonly connection: WatchedConnection, readonly message: RejectedMessage, readonly id: string) {}
}

export interface TreeFilter {
  readonly text: string;
  readonly statuses: ReadonlySet<DisplayStatus>;
}

/** Ages in descriptions are refreshed this often while the view is visible. */
const AGE_REFRESH_MS = 30_000;
/**
 * A list that keeps changing shape (a flood of new names) is refreshed at most this often: each
 * refresh sends every row to the window, and ten a second of 5,000 rows kept the host busy.
 */
const SHAPE_REFRESH_MS = 1000;

/**
 * The Pipelines view. Store changes arrive coalesced; they become targeted refreshes of the
 * changed items when the order stays the same, one root refresh otherwise, and nothing while the
 * view is hidden (it catches up when shown).
 */
export class PipelinesTreeProvider extends Disposable implements vscode.TreeDataProvider<TreeNode> {
  private readonly changeEmitter = this.register(new vscode.EventEmitter<TreeNode | TreeNode[] | undefined>());
  readonly onDidChangeTreeData = this.changeEmitter.event;
  /** Node objects are reused so targeted refreshes find them: keyed by connection and name. */
  private readonly nodes = new Map<string, PipelineNode>();
  /** The item last built for each pipeline row, and from what: a refresh of 5,000 rows rebuilds the changed ones. */
  private readonly rows = new WeakMap<PipelineNode, { readonly key: string; readonly latest: RunRecord; readonly item: vscode.TreeItem }>();
  private readonly groups = new Map<string, GroupNode>();
  private readonly namespaceNodes = new Map<string, NamespaceNode>();
  /** The namespaces last shown per connection: their children and marks come from here. */
  private readonly namespaces = new Map<WatchedConnection, Map<string, Namespace>>();
  private readonly rejectedGroups = new Map<WatchedConnection, RejectedGroupNode>();
  private readonly connectionNodes = new Map<WatchedConnection, ConnectionNode>();
  private readonly rootOrders = new Map<WatchedConnection, string>();
  /** Pipelines that turned late since the last look, per connection (see onTurnedLate). */
  private readonly turnedLate = new Map<WatchedConnection, Set<string>>();
  private filterValue: TreeFilter | undefined;
  private groupByStatusValue = false;
  private groupByNamespaceValue = false;
  private visible = false;
  private staleWhileHidden = false;
  private ageTimer: ReturnType<typeof setInterval> | undefined;
  /** Shape refreshes waiting for SHAPE_REFRESH_MS to pass: the root's, or connections' lists. */
  private shapeTimer: ReturnType<typeof setTimeout> | undefined;
  private shapeRoot = false;
  private readonly shapeNodes = new Set<ConnectionNode>();
  private lastShapeAt = -Infinity;

  constructor(
    private readonly viewer: Viewer,
    private readonly config: Config,
  ) {
    super();
    this.register(viewer.onDidChange(({ connection, change }) => this.onStoreChange(connection, change)));
    this.register(
      viewer.onDidChangeConnections(() => {
        for (const connection of [...this.connectionNodes.keys()]) if (!viewer.connections.includes(connection)) this.forget(connection);
        this.refreshAll();
      }),
    );
    this.register(
      viewer.onDidChangeState((connection) => {
        if (viewer.multiple) this.fire([this.connectionNode(connection)]);
      }),
    );
    this.register(config.onDidChange((c) => (c === 'notifications' || c === 'alerts') && this.refreshAll()));
    // A pipeline turning late changes its item and its place (late ones sort up), not the store.
    // One check can turn thousands late: they are gathered and handled once, like a store change.
    this.register(
      viewer.onDidTurnLate(({ connection, resultName }) => {
        let names = this.turnedLate.get(connection);
        if (!names) this.turnedLate.set(connection, (names = new Set()));
        names.add(resultName);
        if (this.turnedLate.size === 1 && names.size === 1) queueMicrotask(() => this.onTurnedLate());
      }),
    );
    this.register({ dispose: () => clearInterval(this.ageTimer) });
    this.register({ dispose: () => clearTimeout(this.shapeTimer) });
  }

  /** The view tells us when it is shown or hidden. */
  setVisible(visible: boolean): void {
    this.visible = visible;
    if (visible && this.staleWhileHidden) this.refreshAll();
    if (visible && !this.ageTimer) this.ageTimer = setInterval(() => this.refreshAll(), AGE_REFRESH_MS);
    if (!visible && this.ageTimer) {
      clearInterval(this.ageTimer);
      this.ageTimer = undefined;
    }
  }

  get filter(): TreeFilter | undefined {
    return this.filterValue;
  }

  setFilter(filter: TreeFilter | undefined): void {
    this.filterValue = filter && (filter.text || filter.statuses.size) ? filter : undefined;
    this.refreshAll();
  }

  get groupByStatus(): boolean {
    return this.groupByStatusValue;
  }

  setGroupByStatus(value: boolean): void {
    this.groupByStatusValue = value;
    this.refreshAll();
  }

  get groupByNamespace(): boolean {
    return this.groupByNamespaceValue;
  }

  setGroupByNamespace(value: boolean): void {
    this.groupByNamespaceValue = value;
    this.refreshAll();
  }

  refreshAll(): void {
    this.fire(undefined);
  }

  private fire(nodes: TreeNode[] | undefined): void {
    if (!this.visible) {
      this.staleWhileHidden = true;
      return;
    }
    if (!nodes) this.staleWhileHidden = false;
    this.changeEmitter.fire(nodes);
  }

  /** A shape refresh now, or once SHAPE_REFRESH_MS has passed since the last (the waiting ones merged). */
  private refreshShape(node: ConnectionNode | undefined): void {
    if (node) this.shapeNodes.add(node);
    else this.shapeRoot = true;
    if (this.shapeTimer) return;
    const wait = this.lastShapeAt + SHAPE_REFRESH_MS - Date.now();
    if (wait <= 0) this.fireShape();
    else this.shapeTimer = setTimeout(() => this.fireShape(), wait);
  }

  private fireShape(): void {
    this.shapeTimer = undefined;
    this.lastShapeAt = Date.now();
    const nodes = this.shapeRoot ? undefined : [...this.shapeNodes];
    this.shapeRoot = false;
    this.shapeNodes.clear();
    this.fire(nodes);
  }

  private onTurnedLate(): void {
    const turned = [...this.turnedLate];
    this.turnedLate.clear();
    for (const [connection, pipelines] of turned) if (this.viewer.connections.includes(connection)) this.onStoreChange(connection, { pipelines, rejectedChanged: false, structural: false });
  }

  private onStoreChange(connection: WatchedConnection, change: StoreChange): void {
    if (!this.visible) {
      this.staleWhileHidden = true;
      return;
    }
    // The list under this connection changed shape: refresh its parent (the root when it is the only one).
    const reshape = () => this.refreshShape(this.viewer.multiple ? this.connectionNode(connection) : undefined);
    if (change.structural || change.rejectedChanged || this.groupByStatusValue || this.groupByNamespaceValue) return reshape();
    const order = this.visiblePipelines(connection)
      .map((p) => p.resultName)
      .join('\u0000');
    if (order !== this.rootOrders.get(connection)) return reshape();
    const targets: TreeNode[] = [];
    for (const name of change.pipelines) {
      const node = this.nodes.get(nodeKey(connection, name));
      const snapshot = connection.store.get(name);
      if (node && snapshot) {
        node.snapshot = snapshot;
        targets.push(node);
      }
    }
    if (targets.length) this.fire(targets);
  }

  private visiblePipelines(connection: WatchedConnection): PipelineSnapshot[] {
    const filter = this.filterValue;
    // Late ones sort up; nothing to ask (the common case) when none is late.
    const all = connection.store.list(this.viewer.latenessOf(connection));
    if (!filter) return all;
    const text = filter.text.toLocaleLowerCase();
    return all.filter(
      (p) =>
        (filter.statuses.size === 0 || filter.statuses.has(p.displayStatus)) &&
        (!text || p.resultName.toLocaleLowerCase().includes(text) || p.latest.run.result.pipeline_name.toLocaleLowerCase().includes(text)),
    );
  }

  private pipelineNode(connection: WatchedConnection, snapshot: PipelineSnapshot): PipelineNode {
    const key = nodeKey(connection, snapshot.resultName);
    let node = this.nodes.get(key);
    if (node) node.snapshot = snapshot;
    else {
      node = new PipelineNode(connection, snapshot);
      this.nodes.set(key, node);
    }
    return node;
  }

  private connectionNode(connection: WatchedConnection): ConnectionNode {
    let node = this.connectionNodes.get(connection);
    if (!node) {
      node = new ConnectionNode(connection);
      this.connectionNodes.set(connection, node);
    }
    return node;
  }

  private groupNode(connection: WatchedConnection, status: DisplayStatus): GroupNode {
    const key = nodeKey(connection, status);
    let node = this.groups.get(key);
    if (!node) {
      node = new GroupNode(connection, status);
      this.groups.set(key, node);
    }
    return node;
  }

  private namespaceNode(connection: WatchedConnection, path: string): NamespaceNode {
    const key = nodeKey(connection, path);
    let node = this.namespaceNodes.get(key);
    if (!node) {
      node = new NamespaceNode(connection, path);
      this.namespaceNodes.set(key, node);
    }
    return node;
  }

  /** A namespace's sub-namespaces, then its own pipelines. */
  private namespaceChildren(connection: WatchedConnection, namespace: Namespace): TreeNode[] {
    return [...namespace.namespaces.map((n) => this.namespaceNode(connection, n.path)), ...namespace.pipelines.map((p) => this.pipelineNode(connection, p))];
  }

  private rejectedGroup(connection: WatchedConnection): RejectedGroupNode {
    let node = this.rejectedGroups.get(connection);
    if (!node) {
      node = new RejectedGroupNode(connection);
      this.rejectedGroups.set(connection, node);
    }
    return node;
  }

  private forget(connection: WatchedConnection): void {
    this.connectionNodes.delete(connection);
    this.rejectedGroups.delete(connection);
    this.rootOrders.delete(connection);
    this.namespaces.delete(connection);
    for (const key of [...this.nodes.keys(), ...this.groups.keys(), ...this.namespaceNodes.keys()]) {
      if (key.startsWith(`${connection.name}\u0000`)) {
        this.nodes.delete(key);
        this.groups.delete(key);
        this.namespaceNodes.delete(key);
      }
    }
  }

  /** What a connection shows: its pipelines (or status groups), then its rejected messages. */
  private connectionChildren(connection: WatchedConnection): TreeNode[] {
    const pipelines = this.visiblePipelines(connection);
    this.rootOrders.set(connection, pipelines.map((p) => p.resultName).join('\u0000'));
    for (const key of [...this.nodes.keys()]) {
      const node = this.nodes.get(key)!;
      if (node.connection === connection && !connection.store.has(node.resultName)) this.nodes.delete(key);
    }
    const rejected = connection.store.rejectedMessages().total > 0 ? [this.rejectedGroup(connection)] : [];
    if (this.groupByStatusValue) {
      const present = new Set(pipelines.map((p) => p.displayStatus));
      return [...DISPLAY_ORDER.filter((s) => present.has(s)).map((s) => this.groupNode(connection, s)), ...rejected];
    }
    if (this.groupByNamespaceValue) {
      const root = groupByNamespace(pipelines);
      const byPath = new Map<string, Namespace>();
      const index = (n: Namespace) => {
        byPath.set(n.path, n);
        n.namespaces.forEach(index);
      };
      root.namespaces.forEach(index);
      this.namespaces.set(connection, byPath);
      return [...this.namespaceChildren(connection, root), ...rejected];
    }
    return [...pipelines.map((p) => this.pipelineNode(connection, p)), ...rejected];
  }

  /** The namespace holding a name or a namespace path (everything before its last separator), or the top. */
  private namespaceParent(connection: WatchedConnection, name: string): TreeNode | undefined {
    const cut = name.lastIndexOf(NAMESPACE_SEPARATOR);
    if (cut >= 0) return this.namespaceNode(connection, name.slice(0, cut));
    return this.viewer.multiple ? this.connectionNode(connection) : undefined;
  }

  getChildren(element?: TreeNode): TreeNode[] {
    if (!element) {
      if (this.viewer.multiple) return this.viewer.connections.map((s) => this.connectionNode(s));
      const only = this.viewer.connections[0];
      return only ? this.connectionChildren(only) : [];
    }
    switch (element.kind) {
      case 'connection':
        return this.connectionChildren(element.connection);
      case 'group':
        return this.visiblePipelines(element.connection)
          .filter((p) => p.displayStatus === element.status)
          .map((p) => this.pipelineNode(element.connection, p));
      case 'namespace': {
        const namespace = this.namespaces.get(element.connection)?.get(element.path);
        return namespace ? this.namespaceChildren(element.connection, namespace) : [];
      }
      case 'pipeline':
        return historyNodes(element.connection, element.resultName, element.connection.store.history(element.resultName));
      case 'rejectedGroup':
        return element.connection.store.rejectedMessages().recent.map((m, i) => new RejectedNode(element.connection, m, `rejected:${element.connection.name}:${m.receivedAt}:${i}`));
      default:
        return [];
    }
  }

  getParent(element: TreeNode): TreeNode | undefined {
    const top = (connection: WatchedConnection) => (this.viewer.multiple ? this.connectionNode(connection) : undefined);
    switch (element.kind) {
      case 'run':
      case 'gap':
        return this.nodes.get(nodeKey(element.connection, element.resultName));
      case 'pipeline':
        if (this.groupByStatusValue) return this.groupNode(element.connection, element.snapshot.displayStatus);
        if (this.groupByNamespaceValue) return this.namespaceParent(element.connection, element.resultName);
        return top(element.connection);
      case 'namespace':
        return this.namespaceParent(element.connection, element.path);
      case 'group':
      case 'rejectedGroup':
        return top(element.connection);
      case 'rejected':
        return this.rejectedGroup(element.connection);
      default:
        return undefined;
    }
  }

  /**
   * Tooltips are built when hovered, not with every row: a refresh of 5,000 rows built 5,000
   * Markdown tooltips (errors of kilobytes among them) and sent megabytes to the window.
   */
  resolveTreeItem(item: vscode.TreeItem, element: TreeNode): vscode.TreeItem {
    if (element.kind === 'pipeline') {
      const { snapshot } = element;
      item.tooltip = runTooltip(snapshot.resultName, snapshot.latest, snapshot.stateExpired, this.viewer.alertsOf(element.connection, element.resultName));
    } else if (element.kind === 'run') {
      item.tooltip = runTooltip(element.resultName, element.record, false);
    }
    return item;
  }

  getTreeItem(element: TreeNode): vscode.TreeItem {
    // Ids stay unique across connections; with one connection they stay as they always were.
    const scope = this.viewer.multiple ? `${element.connection.name}/` : '';
    switch (element.kind) {
      case 'connection':
        return connectionItem(element.connection);
      case 'pipeline': {
        const { snapshot } = element;
        const muted = this.config.notifications.muted.includes(element.resultName);
        const alerts = this.viewer.alertsOf(element.connection, element.resultName);
        // What the row shows besides its latest run; an unchanged row is not built again.
        const now = Date.now();
        const age = ageOf(finishedOrReceived(snapshot.latest), now);
        let key = `${scope}\u0000${muted}\u0000${snapshot.displayStatus}\u0000${snapshot.stateExpired}\u0000${snapshot.restored}\u0000${age.unit === 'now' ? 'now' : age.unit + age.value}`;
        if (alerts) key += `\u0000${failingText(alerts, now)}\u0000${alerts.late && lateText(alerts.late, now)}\u0000${alerts.unusual.length}`;
        const built = this.rows.get(element);
        if (built && built.latest === snapshot.latest && built.key === key) return built.item;
        const item = pipelineItem(snapshot, muted, element.connection.name, alerts);
        item.id = `pipeline:${scope}${element.resultName}`;
        this.rows.set(element, { key, latest: snapshot.latest, item });
        return item;
      }
      case 'run':
        return runItem(element);
      case 'gap':
        return gapItem(element);
      case 'group': {
        const count = this.visiblePipelines(element.connection).filter((p) => p.displayStatus === element.status).length;
        const item = new vscode.TreeItem(statusText(element.status), vscode.TreeItemCollapsibleState.Expanded);
        item.id = `group:${scope}${element.status}`;
        item.description = String(count);
        item.iconPath = statusIcon(element.status);
        item.contextValue = `group status-${element.status}`;
        return item;
      }
      case 'namespace':
        return namespaceItem(this.namespaces.get(element.connection)?.get(element.path), element.path, scope);
      case 'rejectedGroup': {
        const { total } = element.connection.store.rejectedMessages();
        const item = new vscode.TreeItem(vscode.l10n.t('Rejected messages'), vscode.TreeItemCollapsibleState.Collapsed);
        item.id = `rejected:${scope}`;
        item.description = String(total);
        item.iconPath = new vscode.ThemeIcon('circle-slash', new vscode.ThemeColor('tdtp.failedIcon'));
        item.tooltip = vscode.l10n.t('Messages that could not be decoded; the most recent are listed.');
        item.contextValue = 'rejectedGroup';
        return item;
      }
      case 'rejected': {
        const m = element.message;
        const item = new vscode.TreeItem(inertText(m.resultName ?? m.source), vscode.TreeItemCollapsibleState.None);
        item.id = element.id;
        item.description = inertText(m.reason);
        item.iconPath = new vscode.ThemeIcon('circle-slash');
        const tooltip = untrustedMarkdown();
        tooltip.appendMarkdown(`**${escapeMarkdown(vscode.l10n.t('Rejected message'))}** — ${escapeMarkdown(dateTimeText(m.receivedAt))}\n\n`);
        appendWire(tooltip, `${m.source}\n${m.reason}\n\n`);
        appendWireBlock(tooltip, truncate(m.rawPreview, 500));
        item.tooltip = tooltip;
        item.contextValue = 'rejected';
        return item;
      }
    }
  }

}

/** A namespace: its last segment, the count below it and the worst status's icon. */
function namespaceItem(namespace: Namespace | undefined, path: string, scope: string): vscode.TreeItem {
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

function nodeKey(connection: WatchedConnection, name: string): string {
  return `${connection.name}\u0000${name}`;
}

function connectionItem(connection: WatchedConnection): vscode.TreeItem {
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
  const tooltip = untrustedMarkdown();
  appendWire(tooltip, `${connection.name}: ${connectionText(state, connection.endpoint)}`);
  if (problem) appendWire(tooltip, `\n\n${problemText(problem)}`);
  if (state.kind === 'notConfigured') appendWire(tooltip, `\n\n${state.problems.map(namedSettingProblemText).join('\n')}`);
  item.tooltip = tooltip;
  item.contextValue = `connection state-${state.kind}`;
  return item;
}

function historyNodes(connection: WatchedConnection, resultName: string, history: HistoryItem[]): TreeNode[] {
  // Ids count from the oldest so existing items keep theirs when a new run is added.
  return history.map((item, i) => {
    const id = `${resultName}\u0000${history.length - i}\u0000${item.kind === 'run' ? item.receivedAt : item.from}`;
    const scoped = `${connection.name}\u0000${id}`;
    return item.kind === 'run' ? new RunNode(connection, resultName, item, `run:${scoped}`) : new GapNode(connection, resultName, item, `gap:${scoped}`);
  });
}

export function pipelineItem(snapshot: PipelineSnapshot, muted: boolean, connection: string, alerts?: PipelineAlerts): vscode.TreeItem {
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
  item.contextValue = tokens.join(' ');
  item.accessibilityInformation = {
    label: inertText(vscode.l10n.t('{0}: {1}, {2}', snapshot.resultName, statusText(snapshot.displayStatus, r.status), String(item.description))),
    role: 'treeitem',
  };
  return item;
}

function runItem(node: RunNode): vscode.TreeItem {
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

function gapItem(node: GapNode): vscode.TreeItem {
  const item = new vscode.TreeItem(vscode.l10n.t('Gap: {0} – {1}', dateTimeText(node.gap.from), dateTimeText(node.gap.to)), vscode.TreeItemCollapsibleState.None);
  item.id = node.id;
  item.iconPath = new vscode.ThemeIcon('debug-disconnect', new vscode.ThemeColor('tdtp.warningIcon'));
  item.description = vscode.l10n.t('events may have been lost');
  const tooltip = untrustedMarkdown();
  appendWire(tooltip, gapReasonText(node.gap.reason));
  item.tooltip = tooltip;
  item.contextValue = 'gap';
  return item;
}

/** Every field, the error and the DQ verdict. Values from the wire go through appendWire (escaped, inert). */
export function runTooltip(resultName: string, record: RunRecord, stateExpired: boolean, alerts?: PipelineAlerts): vscode.MarkdownString {
  const r = record.run.result;
  const md = untrustedMarkdown();
  const status = displayStatusOf(record);
  md.appendMarkdown(`**${escapeMarkdown(resultName)}** — ${escapeMarkdown(statusText(status, r.status))}\n\n`);
  const rows: Array<[string, string]> = [
    [vscode.l10n.t('Pipeline'), r.pipeline_name],
    [vscode.l10n.t('Started'), record.run.startedAt ? dateTimeText(record.run.startedAt.epochMs) : vscode.l10n.t('not known')],
    [vscode.l10n.t('Finished'), finishedText(record)],
    [vscode.l10n.t('Duration'), durationText(r.duration_ms)],
    [vscode.l10n.t('Rows loaded'), formatNumber(r.rows_loaded)],
    [vscode.l10n.t('Rows exported'), formatNumber(r.rows_exported)],
  ];
  const dq = dqText(record.dq);
  if (dq) rows.push([vscode.l10n.t('Data quality'), dq]);
  if (r.package_uuid) rows.push([vscode.l10n.t('Package'), r.package_uuid]);
  rows.push([vscode.l10n.t('Source'), sourceText(record.source)]);
  if (record.run.resultNameMismatch) rows.push([vscode.l10n.t('Note'), vscode.l10n.t('the payload says result_name "{0}"', r.result_name)]);
  if (stateExpired) rows.push([vscode.l10n.t('State key'), vscode.l10n.t('expired')]);
  if (alerts) rows.push(...alertRows(alerts));
  for (const [label, value] of rows) {
    md.appendMarkdown(`${escapeMarkdown(label)}: `);
    appendWire(md, value);
    md.appendMarkdown('  \n');
  }
  if (r.error) {
    md.appendMarkdown(`\n**${escapeMarkdown(vscode.l10n.t('Error'))}**\n`);
    appendWireBlock(md, truncate(r.error, TOOLTIP_ERROR_CHARS));
  }
  return md;
}

/** A hover is no place for a long error: the detail panel shows it whole. */
const TOOLTIP_ERROR_CHARS = 2000;
