import * as vscode from 'vscode';
import { Disposable } from '../../core/lifecycle';
import type { Config } from '../settings/config';
import { connectionText, dateTimeText } from '../words/format';
import type { TreeFilter } from './provider';
import { PipelinesTreeProvider } from './provider';
import type { Viewer } from '../connections/viewer';
import type { WatchedConnectionState } from '../../core/connection';
import { bestState } from '../connections/watchedConnection';
import { problemText } from '../words/problems';
import { namedSettingProblemText } from '../words/settings';

export const PIPELINES_VIEW_ID = 'tdtp.pipelines';

/**
 * The Pipelines view, whole: its tree provider, its TreeView, its description line and every
 * context key its welcome views and menus read (`tdtp.state`, `tdtp.configured`,
 * `tdtp.hasPipelines`, `tdtp.filterActive`, `tdtp.groupByStatus`, `tdtp.groupByNamespace`).
 */
export class PipelinesView extends Disposable {
  readonly tree: PipelinesTreeProvider;
  private readonly view: vscode.TreeView<unknown>;
  private loading: { resolve(): void } | undefined;
  private hasPipelines: boolean | undefined;

  constructor(
    private readonly viewer: Viewer,
    private readonly config: Config,
  ) {
    super();
    this.tree = this.register(new PipelinesTreeProvider(viewer, config));
    const view = this.register(vscode.window.createTreeView(PIPELINES_VIEW_ID, { treeDataProvider: this.tree, showCollapseAll: true }));
    this.view = view;
    this.register(view.onDidChangeVisibility((e) => this.tree.setVisible(e.visible)));
    this.register(viewer.onDidChangeState(() => this.onState()));
    this.register(viewer.onDidChangeConnections(() => this.onState()));
    this.register(
      viewer.onDidChange(({ change }) => {
        this.updateHasPipelines();
        if (change.structural) this.describe();
      }),
    );
    this.register(
      viewer.onDidReconcile(() => {
        this.stopLoading();
        this.describe();
      }),
    );
    this.register({ dispose: () => this.stopLoading() });
    this.onState();
    this.updateHasPipelines();
    setContext('tdtp.filterActive', false);
    setContext('tdtp.groupByStatus', false);
    this.applyGroupByNamespace();
    this.register(config.onDidChange((c) => c === 'tree' && this.applyGroupByNamespace()));
    this.tree.setVisible(view.visible);
  }

  get filter(): TreeFilter | undefined {
    return this.tree.filter;
  }

  setFilter(filter: TreeFilter | undefined): void {
    this.tree.setFilter(filter);
    setContext('tdtp.filterActive', this.tree.filter !== undefined);
  }

  setGroupByStatus(value: boolean): void {
    this.tree.setGroupByStatus(value);
    setContext('tdtp.groupByStatus', value);
  }

  /** `tdtp.tree.groupByNamespace` is a setting, so the grouping survives a reload. */
  private applyGroupByNamespace(): void {
    const value = this.config.groupByNamespace;
    this.tree.setGroupByNamespace(value);
    setContext('tdtp.groupByNamespace', value);
  }

  private updateHasPipelines(): void {
    const has = this.viewer.connections.some((c) => c.store.size > 0);
    if (has === this.hasPipelines) return;
    this.hasPipelines = has;
    setContext('tdtp.hasPipelines', has);
  }

  private onState(): void {
    // With several connections the welcome views follow the best state: any connected one shows the tree.
    const state = bestState(this.viewer.connections.map((c) => c.state));
    setContext('tdtp.state', contextState(state));
    setContext('tdtp.configured', this.config.connectionConfigured);
    this.describe();
    // Loading the state keys at connect shows progress in the view until the reconcile is done.
    if (state.kind === 'connected' && !this.loading) {
      void vscode.window.withProgress({ location: { viewId: PIPELINES_VIEW_ID } }, () => new Promise<void>((resolve) => (this.loading = { resolve })));
    } else if (state.kind !== 'connected') {
      this.stopLoading();
    }
  }

  private stopLoading(): void {
    this.loading?.resolve();
    this.loading = undefined;
  }

  private describe(): void {
    const { view, viewer } = this;
    if (viewer.multiple) {
      // Each connection node carries its own state; the title says how many are up.
      const up = viewer.connections.filter((c) => c.state.kind === 'connected').length;
      view.description = vscode.l10n.t('{0} of {1} connections', up, viewer.connections.length);
      view.message = undefined;
      return;
    }
    const connection = viewer.connections[0];
    if (!connection) return;
    const state = connection.state;
    const report = connection.lastReconcile;
    const parts = [connectionText(state, connection.endpoint)];
    if (state.kind === 'connected' && report) parts.push(vscode.l10n.t('reconciled {0}', dateTimeText(report.finishedAt)));
    view.description = parts.join(' · ');
    // A lone view's header (and so its description) is hidden: the message line above the tree
    // carries the same. Only while the tree has items: an empty tree shows its welcome content.
    view.message =
      connection.store.size === 0
        ? undefined
        : state.kind === 'reconnecting' || state.kind === 'failed'
          ? problemText(state.problem)
          : state.kind === 'notConfigured'
            ? state.problems.map(namedSettingProblemText).join('\n')
            : parts.join(' · ');
  }
}

/** The one owner of the Pipelines view; disposed with the extension. */
export function registerPipelinesView(context: { subscriptions: vscode.Disposable[] }, viewer: Viewer, config: Config): PipelinesView {
  const view = new PipelinesView(viewer, config);
  context.subscriptions.push(view);
  return view;
}

function setContext(key: string, value: unknown): void {
  void vscode.commands.executeCommand('setContext', key, value);
}

/** `tdtp.state` takes the state's own kind, so `when` clauses use the same words as the code. */
function contextState(state: WatchedConnectionState): WatchedConnectionState['kind'] {
  // Later attempts follow a failure: keep showing why instead of flickering to "connecting".
  return state.kind === 'connecting' && state.attempt > 1 ? 'reconnecting' : state.kind;
}
