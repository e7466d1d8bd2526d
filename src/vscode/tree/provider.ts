import * as vscode from 'vscode';
import { ageOf } from '../../core/format';
import { Disposable } from '../../core/lifecycle';
import type { Namespace } from '../../core/namespaces';
import { NAMESPACE_SEPARATOR, groupByNamespace } from '../../core/namespaces';
import type { RunRecord } from '../../core/runs';
import { finishedOrReceived } from '../../core/runs';
import type { DisplayStatus } from '../../core/status';
import { DISPLAY_ORDER } from '../../core/status';
import type { PipelineSnapshot } from '../../core/storeTypes';
import type { StoreChange } from '../../core/changeBatch';
import type { Config } from '../settings/config';
import type { WatchedConnection } from '../connections/watchedConnection';
import type { Viewer } from '../connections/viewer';
import { failingText, lateText } from '../words/alerts';
import type { ConnectionNode, PipelineNode, TreeNode } from './nodes';
import { historyNodes, rejectedNodes } from './nodes';
import { NodeCache } from './nodeCache';
import { connectionItem, gapItem, groupItem, namespaceItem, pipelineItem, rejectedGroupItem, rejectedItem, runItem } from './items';
import { runTooltip } from './tooltips';

/** What the view's filter lets through: a result or pipeline name containing the text (any case), with one of the statuses (none: any). */
export interface TreeFilter {
  readonly text: string;
  readonly statuses: ReadonlySet<DisplayStatus>;
}

/** What the tree asks of the orchestrator links (vscode/orchestrator/links.ts): whether a row's scenario runs. */
export interface JobRowLinks {
  /** Active jobs of the scenarios publishing to the row, on the orchestrator of its connection. */
  runningJobs(connection: string, resultName: string): readonly unknown[];
  /** Whether the row publishes a result of one of the scenarios (any linked scenario when undefined). */
  touches(resultName: string, scenarios: ReadonlySet<string> | undefined): boolean;
  readonly onDidChangeRows: vscode.Event<{ readonly connection: string; readonly scenarios: ReadonlySet<string> | undefined }>;
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
  private readonly nodes = new NodeCache();
  /** The item last built for each pipeline row, and from what: a refresh of 5,000 rows rebuilds the changed ones. */
  private readonly rows = new WeakMap<PipelineNode, { readonly key: string; readonly latest: RunRecord; readonly item: vscode.TreeItem }>();
  /** The namespaces last shown per connection: their children and marks come from here. */
  private readonly namespaces = new Map<WatchedConnection, Map<string, Namespace>>();
  private readonly rootOrders = new Map<WatchedConnection, string>();
  /** Pipelines that turned late since the last look, per connection (see onTurnedLate). */
  private readonly turnedLate = new Map<WatchedConnection, Set<string>>();
  private jobLinks: JobRowLinks | undefined;
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
        for (const connection of this.nodes.shownConnections()) if (!viewer.connections.includes(connection)) this.forget(connection);
        this.refreshAll();
      }),
    );
    this.register(
      viewer.onDidChangeState((connection) => {
        if (viewer.multiple) this.fire([this.nodes.connection(connection)]);
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

  /** The orchestrator's jobs mark the rows of their scenarios "running": only those rows are refreshed. */
  setJobLinks(links: JobRowLinks): void {
    this.jobLinks = links;
    this.register(
      links.onDidChangeRows(({ connection: name, scenarios }) => {
        const connection = this.viewer.connections.find((c) => c.name === name);
        if (!connection) return;
        if (!this.visible) {
          this.staleWhileHidden = true;
          return;
        }
        const targets = this.nodes.shownPipelines(connection).filter((node) => links.touches(node.resultName, scenarios));
        if (targets.length) this.fire(targets);
      }),
    );
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
    for (const [connection, pipelines] of turned) if (this.viewer.connections.includes(connection)) this.onStoreChange(connection, { pipelines, rejectedChanged: false, structural: false, countsChanged: false });
  }

  private onStoreChange(connection: WatchedConnection, change: StoreChange): void {
    if (!this.visible) {
      this.staleWhileHidden = true;
      return;
    }
    // The list under this connection changed shape: refresh its parent (the root when it is the only one).
    const reshape = () => this.refreshShape(this.viewer.multiple ? this.nodes.connection(connection) : undefined);
    if (change.structural || change.rejectedChanged || this.groupByStatusValue || this.groupByNamespaceValue) return reshape();
    const order = this.visiblePipelines(connection)
      .map((p) => p.resultName)
      .join('\u0000');
    if (order !== this.rootOrders.get(connection)) return reshape();
    const targets: TreeNode[] = [];
    for (const name of change.pipelines) {
      const node = this.nodes.shownPipeline(connection, name);
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

  /** A namespace's sub-namespaces, then its own pipelines. */
  private namespaceChildren(connection: WatchedConnection, namespace: Namespace): TreeNode[] {
    return [...namespace.namespaces.map((n) => this.nodes.namespace(connection, n.path)), ...namespace.pipelines.map((p) => this.nodes.pipeline(connection, p))];
  }

  private forget(connection: WatchedConnection): void {
    this.nodes.forget(connection);
    this.rootOrders.delete(connection);
    this.namespaces.delete(connection);
  }

  /** What a connection shows: its pipelines (or status groups), then its rejected messages. */
  private connectionChildren(connection: WatchedConnection): TreeNode[] {
    const pipelines = this.visiblePipelines(connection);
    this.rootOrders.set(connection, pipelines.map((p) => p.resultName).join('\u0000'));
    this.nodes.prune(connection);
    const rejected = connection.store.rejectedMessages().total > 0 ? [this.nodes.rejectedGroup(connection)] : [];
    if (this.groupByStatusValue) {
      const present = new Set(pipelines.map((p) => p.displayStatus));
      return [...DISPLAY_ORDER.filter((s) => present.has(s)).map((s) => this.nodes.group(connection, s)), ...rejected];
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
    return [...pipelines.map((p) => this.nodes.pipeline(connection, p)), ...rejected];
  }

  /** The namespace holding a name or a namespace path (everything before its last separator), or the top. */
  private namespaceParent(connection: WatchedConnection, name: string): TreeNode | undefined {
    const cut = name.lastIndexOf(NAMESPACE_SEPARATOR);
    if (cut >= 0) return this.nodes.namespace(connection, name.slice(0, cut));
    return this.viewer.multiple ? this.nodes.connection(connection) : undefined;
  }

  getChildren(element?: TreeNode): TreeNode[] {
    if (!element) {
      if (this.viewer.multiple) return this.viewer.connections.map((s) => this.nodes.connection(s));
      const only = this.viewer.connections[0];
      return only ? this.connectionChildren(only) : [];
    }
    switch (element.kind) {
      case 'connection':
        return this.connectionChildren(element.connection);
      case 'group':
        return this.visiblePipelines(element.connection)
          .filter((p) => p.displayStatus === element.status)
          .map((p) => this.nodes.pipeline(element.connection, p));
      case 'namespace': {
        const namespace = this.namespaces.get(element.connection)?.get(element.path);
        return namespace ? this.namespaceChildren(element.connection, namespace) : [];
      }
      case 'pipeline':
        return historyNodes(element.connection, element.resultName, element.connection.store.history(element.resultName));
      case 'rejectedGroup':
        return rejectedNodes(element.connection);
      default:
        return [];
    }
  }

  getParent(element: TreeNode): TreeNode | undefined {
    const top = (connection: WatchedConnection) => (this.viewer.multiple ? this.nodes.connection(connection) : undefined);
    switch (element.kind) {
      case 'run':
      case 'gap':
        return this.nodes.shownPipeline(element.connection, element.resultName);
      case 'pipeline':
        if (this.groupByStatusValue) return this.nodes.group(element.connection, element.snapshot.displayStatus);
        if (this.groupByNamespaceValue) return this.namespaceParent(element.connection, element.resultName);
        return top(element.connection);
      case 'namespace':
        return this.namespaceParent(element.connection, element.path);
      case 'group':
      case 'rejectedGroup':
        return top(element.connection);
      case 'rejected':
        return this.nodes.rejectedGroup(element.connection);
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
        const running = this.jobLinks?.runningJobs(element.connection.name, element.resultName).length ?? 0;
        let key = `${scope}\u0000${running}\u0000${muted}\u0000${snapshot.displayStatus}\u0000${snapshot.stateExpired}\u0000${snapshot.restored}\u0000${age.unit === 'now' ? 'now' : age.unit + age.value}`;
        if (alerts) key += `\u0000${failingText(alerts, now)}\u0000${alerts.late && lateText(alerts.late, now)}\u0000${alerts.unusual.length}`;
        const built = this.rows.get(element);
        if (built && built.latest === snapshot.latest && built.key === key) return built.item;
        const item = pipelineItem(snapshot, muted, element.connection.name, alerts, running);
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
        return groupItem(element.status, count, scope);
      }
      case 'namespace':
        return namespaceItem(this.namespaces.get(element.connection)?.get(element.path), element.path, scope);
      case 'rejectedGroup':
        return rejectedGroupItem(element.connection.store.rejectedMessages().total, scope);
      case 'rejected':
        return rejectedItem(element);
    }
  }
}
