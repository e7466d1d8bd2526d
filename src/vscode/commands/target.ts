import * as vscode from 'vscode';
import type { RunRecord } from '../../core/runs';
import { inertText } from '../../core/text';
import { errorText, problemHeadline } from '../words/problems';
import type { Viewer } from '../connections/viewer';
import { WatchedConnection, problemOf } from '../connections/watchedConnection';

/**
 * What a command is about. Every command resolves its arguments here, and only here:
 * - a tree node, from the view's menus (a connection, a pipeline, a history row, a gap);
 * - a result_name and optionally a connection name, from a toast, the detail panel or a tree
 *   item's click (the first connection when none is named).
 * `connection` is undefined when the arguments name none (a command then acts on every
 * connection, or asks); `resultName` when they name no pipeline.
 */
export interface CommandTarget {
  readonly connection?: WatchedConnection;
  readonly resultName?: string;
  /** A history row's own run, when the command was invoked on one. */
  readonly record?: RunRecord;
}

interface NodeLike {
  readonly kind: string;
  readonly connection: WatchedConnection;
  readonly resultName?: string;
  readonly record?: RunRecord;
}

function isNode(value: unknown): value is NodeLike {
  return typeof value === 'object' && value !== null && 'kind' in value && (value as { connection?: unknown }).connection instanceof WatchedConnection;
}

/** The target of a command's arguments; undefined when they name a connection that does not exist. */
export function resolveTarget(viewer: Viewer, args: readonly unknown[]): CommandTarget | undefined {
  const [first, second] = args;
  if (isNode(first)) {
    const onPipeline = first.kind === 'pipeline' || first.kind === 'run' || first.kind === 'gap';
    return { connection: first.connection, resultName: onPipeline ? first.resultName : undefined, record: first.kind === 'run' ? first.record : undefined };
  }
  if (typeof first === 'string' && first !== '') {
    const connection = viewer.get(typeof second === 'string' ? second : undefined);
    return connection && { connection, resultName: first };
  }
  return {};
}

/** A target that names a pipeline, with the connection it is on; undefined otherwise. */
export function pipelineTarget(viewer: Viewer, args: readonly unknown[]): (CommandTarget & { connection: WatchedConnection; resultName: string }) | undefined {
  const target = resolveTarget(viewer, args);
  return target?.connection && target.resultName !== undefined ? { ...target, connection: target.connection, resultName: target.resultName } : undefined;
}

/** A command needed a live connection: says why there is none, with Retry and Open Settings. */
export async function showNotConnected(viewer: Viewer, connection: WatchedConnection, err: unknown): Promise<void> {
  const problem = problemOf(connection.state);
  const where = viewer.multiple ? ` [${connection.name}]` : '';
  const retry = vscode.l10n.t('Retry');
  const settings = vscode.l10n.t('Open Settings');
  const headline = problem ? problemHeadline(problem.code) : vscode.l10n.t('Not connected to Redis');
  const choice = await vscode.window.showErrorMessage(inertText(`TDTP${where}: ${headline}. ${errorText(err)}`), retry, settings);
  if (choice === retry) await connection.retry();
  else if (choice === settings) await vscode.commands.executeCommand('tdtp.openSettings');
}
