import * as vscode from 'vscode';
import { connectionText, dateTimeText } from './presentation';
import { ViewerState } from './session';
import { Viewer } from './viewer';
import { PipelinesTreeProvider } from './treeView';

/** Context keys for the welcome views and menus (`tdtp.state`), and the view's own description line. */
export function registerViewState(tree: PipelinesTreeProvider, viewer: Viewer, configured: () => boolean): vscode.Disposable[] {
  const view = vscode.window.createTreeView('tdtp.pipelines', { treeDataProvider: tree, showCollapseAll: true });
  let loading: { resolve(): void } | undefined;

  const describe = () => {
    if (viewer.multiple) {
      // Each connection node carries its own state; the title says how many are up.
      const up = viewer.sessions.filter((s) => s.state.kind === 'connected').length;
      view.description = vscode.l10n.t('{0} of {1} connections', up, viewer.sessions.length);
      view.message = undefined;
      return;
    }
    const session = viewer.sessions[0];
    if (!session) return;
    const state = session.state;
    const report = session.lastReconcile;
    const parts = [connectionText(state, session.endpoint)];
    if (state.kind === 'connected' && report) parts.push(vscode.l10n.t('reconciled {0}', dateTimeText(report.finishedAt)));
    view.description = parts.join(' · ');
    // A lone view's header (and so its description) is hidden: the message line above the tree
    // carries the same. Only while the tree has items: an empty tree shows its welcome content.
    view.message =
      session.store.size === 0
        ? undefined
        : state.kind === 'reconnecting' || state.kind === 'failed'
          ? state.problem.message
          : state.kind === 'notConfigured'
            ? state.problems.join('\n')
            : parts.join(' · ');
  };

  const onState = () => {
    // With several connections the welcome views follow the best state: any connected one shows the tree.
    const state = bestState(viewer.sessions.map((s) => s.state));
    void vscode.commands.executeCommand('setContext', 'tdtp.state', contextState(state));
    void vscode.commands.executeCommand('setContext', 'tdtp.configured', configured());
    describe();
    // Loading the state keys at connect shows progress in the view until the reconcile is done.
    if (state.kind === 'connected' && !loading) {
      void vscode.window.withProgress({ location: { viewId: 'tdtp.pipelines' } }, () => new Promise<void>((resolve) => (loading = { resolve })));
    } else if (state.kind !== 'connected' && loading) {
      loading.resolve();
      loading = undefined;
    }
  };
  onState();
  void vscode.commands.executeCommand('setContext', 'tdtp.hasPipelines', false);
  tree.setVisible(view.visible);

  return [
    view,
    view.onDidChangeVisibility((e) => tree.setVisible(e.visible)),
    viewer.onDidChangeState(onState),
    viewer.onDidChangeSessions(onState),
    viewer.onDidChange(({ change }) => change.structural && describe()),
    viewer.onDidReconcile(() => {
      loading?.resolve();
      loading = undefined;
      describe();
    }),
    { dispose: () => loading?.resolve() },
  ];
}

const RANK: Record<ViewerState['kind'], number> = { connected: 0, connecting: 1, reconnecting: 2, failed: 3, notConfigured: 4, idle: 5 };

function bestState(states: ViewerState[]): ViewerState {
  return states.reduce<ViewerState>((best, s) => (RANK[s.kind] < RANK[best.kind] ? s : best), states[0] ?? { kind: 'idle' });
}

function contextState(state: ViewerState): string {
  switch (state.kind) {
    case 'notConfigured':
      return 'notConfigured';
    case 'connecting':
      // Later attempts follow a failure: keep showing why instead of flickering to "connecting".
      return state.attempt > 1 ? 'error' : 'connecting';
    case 'connected':
      return 'connected';
    case 'reconnecting':
    case 'failed':
      return 'error';
    case 'idle':
      return 'disconnected';
  }
}
