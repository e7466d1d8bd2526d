import * as vscode from 'vscode';
import { connectionCommands } from './connection';
import type { CommandContext, Commands } from './context';
import { historyCommands } from './history';
import { pipelineCommands } from './pipeline';
import { viewCommands } from './view';

/**
 * Registers the viewer's own commands (connection, pipeline, view, history), a group per file. The rule:
 * a feature with an owner of its own (workspace files, action rules) registers its commands in that
 * owner, which disposes them; everything else is registered here.
 */
export function registerCommands(context: { subscriptions: vscode.Disposable[] }, ctx: CommandContext): void {
  const commands: Commands = { ...connectionCommands(ctx), ...pipelineCommands(ctx), ...viewCommands(ctx), ...historyCommands(ctx) };
  for (const [id, handler] of Object.entries(commands)) context.subscriptions.push(vscode.commands.registerCommand(id, handler));
}
