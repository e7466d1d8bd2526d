import * as vscode from 'vscode';
import type { ActionRunner } from './actions/runner';
import type { ActionsLoader } from './actions/loader';
import type { AwayNotifier } from './notify/awaySummary';
import type { JournalPlace } from './connections/journal';
import type { TdtpViewerApi } from './api';
import type { Config } from './settings/config';
import type { DetailPanelManager } from './panel/detailPanel';
import type { NotificationController } from './notify/notifications';
import type { PipelinesView } from './tree/pipelinesView';
import type { PasswordStore } from './connections/secrets';
import type { StatusBarController } from './notify/statusBar';
import type { PipelinesTreeProvider } from './tree/provider';
import type { Viewer } from './connections/viewer';
import type { WatchedConnection } from './connections/watchedConnection';
import type { UrlPasswordGuard } from './connections/urlPassword';
import type { WorkspaceFeatures } from './workspace';
import type { Orchestrators } from './orchestrator/orchestrators';
import type { OrchestratorLoader } from './orchestrator/loader';
import type { OrchestratorLinks } from './orchestrator/links';
import type { ScenarioLens } from './orchestrator/scenarioLens';
import type { OrchestratorAdmin } from './orchestrator/requests';
import type { UiHolder } from './orchestrator/prompts';
import type { OrchestratorView } from './orchestrator/view';
import type { PipelineStore } from '../core/store';

/** The internals the in-VS-Code tests observe (test/vscode). */
export interface Testing {
  readonly viewer: Viewer;
  readonly view: PipelinesView;
  readonly tree: PipelinesTreeProvider;
  readonly panels: DetailPanelManager;
  readonly notifications: NotificationController;
  /** The action rules' runner; reading it loads it (loader.ts), as setting a rule would. */
  readonly actions: ActionRunner;
  readonly actionsLoader: ActionsLoader;
  readonly passwords: PasswordStore;
  readonly config: Config;
  readonly statusBar: StatusBarController;
  readonly workspace: WorkspaceFeatures;
  readonly away: AwayNotifier;
  readonly journalPlace: JournalPlace;
  readonly urlPasswords: UrlPasswordGuard;
  /** Loads the orchestrator's features when configured; reading the parts below loads them too. */
  readonly orchestrator: OrchestratorLoader;
  readonly orchestrators: Orchestrators;
  readonly links: OrchestratorLinks;
  readonly scenarioLens: ScenarioLens;
  /** The requests inbox, schedule and token commands. */
  readonly orchestratorAdmin: OrchestratorAdmin;
  readonly orchestratorView: OrchestratorView;
  /** The questions of every orchestrator command: replace `ui` to script them. */
  readonly orchestratorPrompts: UiHolder;
  /** The first (usually the only) connection. */
  readonly connection: WatchedConnection;
  readonly store: PipelineStore;
}

/**
 * The test runner extension: never published, installed only by the test harness
 * (test/support/codeServer.mjs, or as extensionDevelopmentPath under @vscode/test-electron). It is
 * under this extension's own publisher, so no marketplace extension can take its id.
 */
export const TEST_RUNNER_ID = 'tdtp.tdtp-vscode-test-runner';

/**
 * The seam hands out internals (the password store among them) to any extension that reads the
 * API, so it exists only when the test runner extension is installed AND the harness set
 * TDTP_VIEWER_TEST=1. An environment variable alone is not enough: a dev container or a remote's
 * settings can set one, but cannot make VS Code load an extension that is never published.
 */
export function testSeamAllowed(env: NodeJS.ProcessEnv, hasExtension: (id: string) => boolean): boolean {
  return env.TDTP_VIEWER_TEST === '1' && hasExtension(TEST_RUNNER_ID);
}

type OrchestratorParts = 'orchestrators' | 'orchestratorView' | 'links' | 'scenarioLens' | 'orchestratorAdmin' | 'orchestratorPrompts';

export function exposeTestSeam(api: TdtpViewerApi, { actions, ...parts }: Omit<Testing, 'connection' | 'store' | 'tree' | 'actions' | 'actionsLoader' | OrchestratorParts> & { readonly actions: ActionsLoader }): void {
  if (!testSeamAllowed(process.env, (id) => vscode.extensions.getExtension(id) !== undefined)) return;
  // Reading one of the orchestrator's parts loads its features (loader.ts), as configuring one would.
  const feature = () => parts.orchestrator.load();
  const testing: Testing = {
    ...parts,
    tree: parts.view.tree,
    actionsLoader: actions,
    get actions() {
      return actions.load();
    },
    get orchestrators() {
      return feature().orchestrators;
    },
    get orchestratorView() {
      return feature().orchestratorView;
    },
    get links() {
      return feature().links;
    },
    get scenarioLens() {
      return feature().scenarioLens;
    },
    get orchestratorAdmin() {
      return feature().orchestratorAdmin;
    },
    get orchestratorPrompts() {
      return feature().orchestratorPrompts;
    },
    get connection() {
      return parts.viewer.connections[0];
    },
    get store() {
      return parts.viewer.connections[0].store;
    },
  };
  Object.assign(api, { testing });
}
