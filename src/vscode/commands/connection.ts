import * as vscode from 'vscode';
import { countText, formatNumber } from '../words/format';
import { inertText } from '../../core/text';
import type { SecretKind } from '../connections/secrets';
import type { Viewer } from '../connections/viewer';
import type { WatchedConnection } from '../connections/watchedConnection';
import type { CommandContext, Commands } from './context';
import { resolveTarget, showNotConnected } from './target';

/** Connect, Disconnect, Refresh and the passwords: on a connection node, or on every connection. */
export function connectionCommands({ viewer, passwords }: CommandContext): Commands {
  /** The node's connection, or every connection. */
  const connectionsOf = (args: unknown[]): WatchedConnection[] => {
    const target = resolveTarget(viewer, args);
    if (!target) return [];
    return target.connection ? [target.connection] : [...viewer.connections];
  };
  return {
    'tdtp.connect': async (...args) => {
      await Promise.all(connectionsOf(args).map((c) => c.retry()));
    },
    'tdtp.disconnect': (...args) => connectionsOf(args).forEach((c) => c.disconnect()),
    'tdtp.refresh': (...args) =>
      vscode.window.withProgress({ location: { viewId: 'tdtp.pipelines' }, title: vscode.l10n.t('Reading the state keys…') }, async () => {
        let keys = 0;
        let added = 0;
        for (const connection of connectionsOf(args)) {
          try {
            const report = await connection.refresh();
            keys += report.keys;
            added += report.added;
          } catch (err) {
            void showNotConnected(viewer, connection, err);
          }
        }
        vscode.window.setStatusBarMessage(vscode.l10n.t('TDTP: {0} read, {1} new.', countText(keys, vscode.l10n.t('{0} state key|{0} state keys', formatNumber(keys))), formatNumber(added)), 5000);
      }),
    'tdtp.setPassword': async (...args) => {
      const connection = await pickConnection(viewer, args, vscode.l10n.t('Set the Redis password of which connection?'));
      if (!connection) return;
      const kind = await pickSecretKind(connection);
      if (!kind) return;
      // Bound to where the connection points now, named in the prompt: a later change of its host does not take the password along.
      const scope = connection.passwordScope();
      const password = await vscode.window.showInputBox({
        title: vscode.l10n.t('TDTP: Redis password'),
        prompt:
          scope === undefined
            ? vscode.l10n.t('Stored in VS Code\'s secret storage, never in settings. The viewer reconnects with it.')
            : vscode.l10n.t('For {0}. Stored in VS Code\'s secret storage, never in settings. The viewer reconnects with it.', inertText(scope)),
        password: true,
        ignoreFocusOut: true,
        validateInput: (v) => (v.length === 0 ? vscode.l10n.t('Enter a password, or run "TDTP: Clear Redis Password" to remove it.') : undefined),
      });
      if (password === undefined) return;
      await passwords.set(password, connection.name, kind, scope);
      if (connection.state.kind === 'idle') void connection.connect();
    },
    'tdtp.clearPassword': async (...args) => {
      const connection = await pickConnection(viewer, args, vscode.l10n.t('Remove the Redis password of which connection?'));
      if (!connection) return;
      const kind = await pickSecretKind(connection);
      if (!kind) return;
      await passwords.clear(connection.name, kind);
      vscode.window.setStatusBarMessage(vscode.l10n.t('TDTP: the Redis password was removed.'), 5000);
    },
  };
}

/** The connection a command is about: the node's, the only one, or the user's pick. */
async function pickConnection(viewer: Viewer, args: unknown[], placeHolder: string): Promise<WatchedConnection | undefined> {
  const target = resolveTarget(viewer, args);
  if (!target) return undefined;
  if (target.connection) return target.connection;
  if (!viewer.multiple) return viewer.connections[0];
  const item = await vscode.window.showQuickPick(
    viewer.connections.map((connection) => ({ label: inertText(connection.name), description: inertText(connection.endpoint ?? ''), connection })),
    { placeHolder },
  );
  return item?.connection;
}

/** With Sentinel there are two passwords: the data nodes' and the sentinels' own. */
async function pickSecretKind(connection: WatchedConnection): Promise<SecretKind | undefined> {
  if (!connection.usesSentinel) return 'redis';
  const picked = await vscode.window.showQuickPick(
    [
      { label: vscode.l10n.t('Redis password'), description: vscode.l10n.t('the primary and replicas'), secret: 'redis' as const },
      { label: vscode.l10n.t('Sentinel password'), description: vscode.l10n.t('the sentinels themselves (their requirepass)'), secret: 'sentinel' as const },
    ],
    { placeHolder: vscode.l10n.t('Which password?') },
  );
  return picked?.secret;
}
