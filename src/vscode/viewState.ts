import * as vscode from 'vscode';
import { connectionText, dateTimeText } from './presentation';
import { ViewerSession, ViewerState } from './session';
import { PipelinesTreeProvider } from './treeView';

/** Context keys for the welcome views and menus (`tdtp.state`), and the view's own description line. */
export function registerViewState(tree: PipelinesTreeProvider, session: ViewerSession, configured: () => boolean): vscode.Disposable[] {
  const view = vscode.window.createTreeView('tdtp.pipelines', { treeDataProvider: tree, showCollapseAll: true });
  let loading: { resolve(): void } | undefined;

  const describe = () => {
    const state = session.state;
    const report = session.lastReconcile;
    const parts = [connectionText(state, session.endpoint)];
    if (state.kind === 'connected' && report) parts.push(vscode.l10n.t('reconciled {0}', dateTimeText(report.finishedAt)));
    view.description = parts.join(' · ');
    view.message =
      state.kind === 'reconnecting' || state.kind === 'failed'
        ? `${state.problem.message}`
        : state.kind === 'notConfigured'
          ? state.problems.join('\n')
          : undefined;
  };

  const onState = (state: ViewerState) => {
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
  onState(session.state);
  void vscode.commands.executeCommand('setContext', 'tdtp.hasPipelines', false);
  tree.setVisible(view.visible);

  return [
    view,
    view.onDidChangeVisibility((e) => tree.setVisible(e.visible)),
    session.onDidChangeState(onState),
    session.onDidReconcile(() => {
      loading?.resolve();
      loading = undefined;
      describe();
    }),
    { dispose: () => loading?.resolve() },
  ];
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
