import * as vscode from 'vscode';
import type { ActionRunner } from '../actions';
import type { Config } from '../config';
import type { DetailPanelManager } from '../detailPanel';
import type { PipelinesView } from '../pipelinesView';
import type { PasswordStore } from '../secrets';
import type { Viewer } from '../viewer';
import { connectionCommands } from './connection';
import { historyCommands } from './history';
import { pipelineCommands } from './pipeline';
import { viewCommands } from './view';

/** What command handlers work with. */
export interface CommandContext {
  readonly viewer: Viewer;
  readonly actions: ActionRunner;
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

/** Registers every `tdtp.*` command; each group lives in its own file. */
export function registerCommands(context: { subscriptions: vscode.Disposable[] }, ctx: CommandContext): void {
  const commands: Commands = { ...connectionCommands(ctx), ...pipelineCommands(ctx), ...viewCommands(ctx), ...historyCommands(ctx) };
  for (const [id, handler] of Object.entries(commands)) context.subscriptions.push(vscode.commands.registerCommand(id, handler));
}
