import * as vscode from 'vscode';
import { PipelineStore } from './core/store';
import { ApiEvents, TdtpViewerApi, connectionInfo, polledState, toPipelineEvent } from './vscode/api';
import { registerCommands } from './vscode/commands';
import { Config } from './vscode/config';
import { DetailPanelManager } from './vscode/detailPanel';
import { EventLog } from './vscode/eventLog';
import { NotificationController } from './vscode/notifications';
import { PasswordStore } from './vscode/secrets';
import { ViewerSession } from './vscode/session';
import { StatusBarController } from './vscode/statusBar';
import { PipelinesTreeProvider } from './vscode/treeView';
import { registerViewState } from './vscode/viewState';

/** Builds the model and the connection, then hands each feature its part. Everything disposable goes to context.subscriptions. */
export function activate(context: vscode.ExtensionContext): TdtpViewerApi {
  const log = vscode.window.createOutputChannel('TDTP', { log: true });
  const config = new Config();
  const passwords = new PasswordStore(context.secrets);
  const store = new PipelineStore({ historySize: config.historySize, tolerance: config.tolerance.tolerance });
  const session = new ViewerSession(store, config, passwords, log);
  const tree = new PipelinesTreeProvider(store, config);
  const panels = new DetailPanelManager(context.extensionUri, store, session, config, log);
  const notifications = new NotificationController(store, config, log);
  const apiEvents = new ApiEvents(store, session);
  const statusBar = new StatusBarController(store, session);
  context.subscriptions.push(
    log,
    config,
    store,
    session,
    tree,
    panels,
    notifications,
    apiEvents,
    new EventLog(store, session, log),
    statusBar,
    ...registerViewState(tree, session, () => config.connectionConfigured),
    ...registerCommands({ store, session, config, passwords, panels, tree, log, extensionId: context.extension.id }),
    config.onDidChange((change) => change === 'model' && session.applyModelSettings()),
  );

  if (config.autoConnect) void session.connect();

  const api: TdtpViewerApi = {
    version: 1,
    onDidReceiveEvent: apiEvents.onDidReceiveEvent,
    onDidChangeConnection: apiEvents.onDidChangeConnection,
    getConnection: () => connectionInfo(session),
    getPipelines: () => store.list().map((p) => toPipelineEvent(p.latest)),
    getHistory: (resultName) => store.history(resultName).flatMap((item) => (item.kind === 'run' ? [toPipelineEvent(item)] : [])),
    pollPipelineState: async (resultName) => polledState(resultName, await session.poll(resultName), config.tolerance.tolerance),
  };
  // The in-VS-Code tests observe internals through this seam; it exists only when they run.
  if (process.env.TDTP_VIEWER_TEST === '1') {
    Object.assign(api, { testing: { store, session, tree, panels, notifications, passwords, config, statusBar } });
  }
  return api;
}

export function deactivate(): void {
  // Everything is disposed through context.subscriptions.
}
