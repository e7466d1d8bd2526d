import * as vscode from 'vscode';
import { ActionRunner } from './vscode/actions';
import { TdtpViewerApi, createApi } from './vscode/api';
import { registerCommands } from './vscode/commands';
import { Config } from './vscode/config';
import { DetailPanelManager } from './vscode/detailPanel';
import { EventLog } from './vscode/eventLog';
import { NotificationController } from './vscode/notifications';
import { PasswordStore } from './vscode/secrets';
import { StatusBarController } from './vscode/statusBar';
import { PipelinesTreeProvider } from './vscode/treeView';
import { Viewer } from './vscode/viewer';
import { registerViewState } from './vscode/viewState';

/** Builds the connections and their models, then hands each feature its part. Everything disposable goes to context.subscriptions. */
export function activate(context: vscode.ExtensionContext): TdtpViewerApi {
  const log = vscode.window.createOutputChannel('TDTP', { log: true });
  const config = new Config();
  const passwords = new PasswordStore(context.secrets);
  const viewer = new Viewer(config, passwords, log);
  const tree = new PipelinesTreeProvider(viewer, config);
  const panels = new DetailPanelManager(context.extensionUri, viewer, config, log);
  const notifications = new NotificationController(viewer, config, log);
  const statusBar = new StatusBarController(viewer);
  const actions = new ActionRunner(viewer, log);
  const apiDisposables: vscode.Disposable[] = [];
  const api = createApi(viewer, () => config.tolerance.tolerance, apiDisposables);
  context.subscriptions.push(
    log,
    config,
    viewer,
    tree,
    panels,
    notifications,
    statusBar,
    actions,
    ...apiDisposables,
    new EventLog(viewer, log),
    ...registerViewState(tree, viewer, () => config.connectionConfigured),
    ...registerCommands({ viewer, actions, config, passwords, panels, tree, log, extensionId: context.extension.id }),
  );

  if (config.autoConnect) void viewer.connectAll();

  // The in-VS-Code tests observe internals through this seam; it exists only when they run.
  if (process.env.TDTP_VIEWER_TEST === '1') {
    const testing = {
      viewer,
      tree,
      panels,
      notifications,
      actions,
      passwords,
      config,
      statusBar,
      /** The first (usually the only) connection. */
      get session() {
        return viewer.sessions[0];
      },
      get store() {
        return viewer.sessions[0].store;
      },
    };
    Object.assign(api, { testing });
  }
  return api;
}

export function deactivate(): void {
  // Everything is disposed through context.subscriptions.
}
