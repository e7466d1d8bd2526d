// Everything of the orchestrator in VS Code, built in one call: the servers and their models, the
// Orchestrator and Requests views and their commands, the links to pipeline rows, the scenario
// CodeLens and the toasts. The entry point of dist/lib/orchestrator.js (scripts/build.mjs): the
// extension loads it only once an orchestrator is configured (loader.ts).
import type * as vscode from 'vscode';
import type { PasswordStore } from '../connections/secrets';
import type { NotificationController } from '../notify/notifications';
import type { DetailPanelManager } from '../panel/detailPanel';
import type { Config } from '../settings/config';
import type { PipelinesView } from '../tree/pipelinesView';
import type { WorkspaceFeatures } from '../workspace';
import { OrchestratorLinks } from './links';
import { OrchestratorNotices } from './notify';
import { Orchestrators } from './orchestrators';
import type { UiHolder } from './prompts';
import { windowUi } from './prompts';
import { OrchestratorAdmin } from './requests';
import { ScenarioLens } from './scenarioLens';
import type { OrchestratorView } from './view';
import { registerOrchestratorView } from './view';

/** What the rest of the extension lends the orchestrator features. */
export interface OrchestratorDeps {
  readonly config: Config;
  readonly passwords: PasswordStore;
  readonly log: vscode.LogOutputChannel;
  readonly workspace: WorkspaceFeatures;
  readonly view: PipelinesView;
  readonly panels: DetailPanelManager;
  readonly notifications: NotificationController;
}

export interface OrchestratorFeature {
  readonly orchestrators: Orchestrators;
  readonly orchestratorAdmin: OrchestratorAdmin;
  readonly orchestratorView: OrchestratorView;
  /** The questions of every orchestrator command (the tests script them). */
  readonly orchestratorPrompts: UiHolder;
  readonly links: OrchestratorLinks;
  readonly scenarioLens: ScenarioLens;
}

/** Builds the features; each owner goes to context.subscriptions. */
export function activateOrchestrator(context: vscode.ExtensionContext, deps: OrchestratorDeps): OrchestratorFeature {
  const own = <T extends vscode.Disposable>(owner: T): T => {
    context.subscriptions.push(owner);
    return owner;
  };
  const orchestrators = own(new Orchestrators(deps.config, deps.passwords, deps.log));
  const orchestratorPrompts: UiHolder = { ui: windowUi };
  const orchestratorAdmin = own(new OrchestratorAdmin(orchestrators, deps.passwords, orchestratorPrompts));
  const orchestratorView = registerOrchestratorView(context, orchestrators, deps.passwords, orchestratorPrompts);
  const links = own(new OrchestratorLinks(deps.workspace.files, orchestrators, deps.log));
  deps.view.tree.setJobLinks(links);
  deps.panels.setJobLinks(links);
  deps.notifications.setJobLinks(links);
  const scenarioLens = own(new ScenarioLens(orchestrators, deps.workspace.files, orchestratorPrompts));
  own(new OrchestratorNotices(orchestrators, links, deps.notifications, deps.config));
  return { orchestrators, orchestratorAdmin, orchestratorView, orchestratorPrompts, links, scenarioLens };
}
