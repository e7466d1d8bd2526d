import * as vscode from 'vscode';
import { ActionsLoader } from './vscode/actions/loader';
import { AwayNotifier } from './vscode/notify/awaySummary';
import type { TdtpViewerApi } from './vscode/api';
import { createApi } from './vscode/api';
import { registerCommands } from './vscode/commands';
import { Config } from './vscode/settings/config';
import { DetailPanelManager } from './vscode/panel/detailPanel';
import { EventLog } from './vscode/notify/eventLog';
import type { JournalPlace } from './vscode/connections/journal';
import { eraseJournalsIfOff } from './vscode/connections/journal';
import { NotificationController } from './vscode/notify/notifications';
import { OrchestratorLoader } from './vscode/orchestrator/loader';
import { registerPipelinesView } from './vscode/tree/pipelinesView';
import { PasswordStore } from './vscode/connections/secrets';
import { StatusBarController } from './vscode/notify/statusBar';
import { exposeTestSeam } from './vscode/testing';
import { UrlPasswordGuard } from './vscode/connections/urlPassword';
import { Viewer } from './vscode/connections/viewer';
import { registerWorkspaceFeatures } from './vscode/workspace';

/** Builds the connections and their models, then hands each feature its part. Each owner goes to context.subscriptions. */
export function activate(context: vscode.ExtensionContext): TdtpViewerApi {
  const own = <T extends vscode.Disposable>(owner: T): T => {
    context.subscriptions.push(owner);
    return owner;
  };
  const log = own(vscode.window.createOutputChannel('TDTP', { log: true }));
  const config = own(new Config());
  const passwords = new PasswordStore(context.secrets);
  const journalPlace: JournalPlace = { dir: context.globalStorageUri.fsPath, persist: () => config.historyPersist, log };
  eraseJournalsIfOff(journalPlace);
  const viewer = own(new Viewer(config, passwords, log, journalPlace));
  const away = own(new AwayNotifier(viewer, log));
  const view = registerPipelinesView(context, viewer, config);
  const workspace = registerWorkspaceFeatures(context, viewer, config, passwords, log);
  const panels = own(new DetailPanelManager(context.extensionUri, viewer, config, log, workspace.files));
  const notifications = own(new NotificationController(viewer, config, log));
  const orchestrator = own(new OrchestratorLoader(context, { config, passwords, log, workspace, view, panels, notifications }, config));
  const statusBar = own(new StatusBarController(viewer));
  const actions = own(new ActionsLoader(viewer, log));
  own(new EventLog(viewer, log));
  const { api, disposable } = createApi(viewer, orchestrator);
  own(disposable);
  registerCommands(context, { viewer, actions, config, passwords, panels, view, log, extensionId: context.extension.id });

  const urlPasswords = own(new UrlPasswordGuard(passwords, context.globalState, log));
  void urlPasswords.check();

  if (config.autoConnect) void viewer.connectAll();
  exposeTestSeam(api, { viewer, view, panels, notifications, actions, passwords, config, statusBar, workspace, away, journalPlace, urlPasswords, orchestrator });
  return api;
}

export function deactivate(): void {
  // Everything is disposed through context.subscriptions.
}
