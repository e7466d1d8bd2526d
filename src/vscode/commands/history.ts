import * as vscode from 'vscode';
import { countText, formatNumber } from '../words/format';
import { inertText, logValue } from '../../core/text';
import type { WatchedConnection } from '../connections/watchedConnection';
import type { CommandContext, Commands } from './context';
import { resolveTarget } from './target';

/**
 * TDTP: Clear History — of one pipeline (its tree node, or a result_name and connection name),
 * of one connection (its node), or, from the palette, of what the user picks. The persisted
 * journal is rewritten at once, so what was cleared does not stay on disk. A state key that still
 * exists comes back at the next reconcile, as its latest run.
 */
export function historyCommands({ viewer, log }: CommandContext): Commands {
  const clear = (connection: WatchedConnection, resultName?: string) => {
    connection.store.forget(resultName);
    connection.history?.compact();
    log.info(`[${connection.name}] History ${resultName === undefined ? 'of every pipeline' : `of ${logValue(resultName)}`} cleared.`);
  };
  return {
    'tdtp.clearHistory': async (...args) => {
      const target = resolveTarget(viewer, args);
      if (!target) return;
      if (target.connection) {
        clear(target.connection, target.resultName);
        return;
      }
      const all = { label: vscode.l10n.t('All connections'), connections: viewer.connections };
      const each = viewer.connections.map((c) => ({ label: inertText(c.name), description: countText(c.store.size, vscode.l10n.t('{0} pipeline|{0} pipelines', formatNumber(c.store.size))), connections: [c] }));
      const chosen = await vscode.window.showQuickPick(viewer.multiple ? [all, ...each] : [{ ...all, label: vscode.l10n.t('Every pipeline') }], {
        title: vscode.l10n.t('TDTP: Clear History of …'),
        placeHolder: vscode.l10n.t('The runs kept in VS Code are forgotten; the latest states come back from Redis.'),
      });
      for (const connection of chosen?.connections ?? []) clear(connection);
    },
  };
}
