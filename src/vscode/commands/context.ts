// What command handlers work with: a leaf that every command group imports (index.ts imports the groups).
import type * as vscode from 'vscode';
import type { ActionsLoader } from '../actions/loader';
import type { Config } from '../settings/config';
import type { DetailPanelManager } from '../panel/detailPanel';
import type { PipelinesView } from '../tree/pipelinesView';
import type { PasswordStore } from '../connections/secrets';
import type { Viewer } from '../connections/viewer';

/** What command handlers work with. */
export interface CommandContext {
  readonly viewer: Viewer;
  readonly actions: ActionsLoader;
  readonly config: Config;
  readonly passwords: PasswordStore;
  readonly panels: DetailPanelManager;
  readonly view: PipelinesView;
  readonly log: vscode.LogOutputChannel;
  readonly extensionId: string;
}

/**
 * Command ids and their handlers. Handlers take the raw arguments and resolve them with
 * `resolveTarget`; they return no pipeline data (other extensions read that through the API).
 */
export type Commands = Record<string, (...args: unknown[]) => unknown>;
