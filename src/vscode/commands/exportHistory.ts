import * as vscode from 'vscode';
import { countText, formatNumber } from '../words/format';
import { toCsv, toJson } from '../../core/export';
import type { HistoryItem } from '../../core/runs';
import type { Viewer } from '../connections/viewer';

type Format = 'csv' | 'json';

/**
 * TDTP: Export History. Interactive: pick what (everything or one pipeline), the format, and where.
 * Programmatic: `executeCommand('tdtp.exportHistory', { uri, format, resultName?, connection? })`
 * writes without asking and returns the number of runs written.
 */
export async function exportHistory(viewer: Viewer, options?: { uri?: vscode.Uri | string; format?: Format; resultName?: string; connection?: string }): Promise<number | undefined> {
  const connections = options?.connection ? viewer.connections.filter((s) => s.name === options.connection) : viewer.connections;
  let resultName = options?.resultName;
  if (!options?.uri) {
    const everything = vscode.l10n.t('All pipelines');
    const names = [...new Set(connections.flatMap((s) => s.store.list().map((p) => p.resultName)))].sort();
    const picked = await vscode.window.showQuickPick([everything, ...names], { title: vscode.l10n.t('TDTP: Export History'), placeHolder: vscode.l10n.t('Export the runs of…') });
    if (picked === undefined) return undefined;
    resultName = picked === everything ? undefined : picked;
  }
  let format = options?.format;
  if (!format) {
    const picked = await vscode.window.showQuickPick(
      [
        { label: 'CSV', description: vscode.l10n.t('for spreadsheets'), format: 'csv' as const },
        { label: 'JSON', description: vscode.l10n.t('for scripts'), format: 'json' as const },
      ],
      { title: vscode.l10n.t('TDTP: Export History'), placeHolder: vscode.l10n.t('Format') },
    );
    if (!picked) return undefined;
    format = picked.format;
  }
  let uri = typeof options?.uri === 'string' ? vscode.Uri.file(options.uri) : options?.uri;
  if (!uri) {
    const stamp = new Date().toISOString().slice(0, 19).replace(/[:T]/g, '-');
    uri = await vscode.window.showSaveDialog({
      title: vscode.l10n.t('TDTP: Export History'),
      defaultUri: vscode.Uri.joinPath(vscode.workspace.workspaceFolders?.[0]?.uri ?? vscode.Uri.file(process.env.HOME ?? '/'), `tdtp-history-${resultName ?? 'all'}-${stamp}.${format}`),
      filters: format === 'csv' ? { CSV: ['csv'] } : { JSON: ['json'] },
    });
    if (!uri) return undefined;
  }
  // Oldest first reads naturally in a spreadsheet; gap markers are left out by the writers.
  const items: HistoryItem[] = connections.flatMap((s) => (resultName ? [resultName] : s.store.list().map((p) => p.resultName)).flatMap((name) => s.store.history(name).reverse()));
  const runs = items.filter((i) => i.kind === 'run').length;
  const text = format === 'csv' ? toCsv(items, { bom: true }) : toJson(items);
  await vscode.workspace.fs.writeFile(uri, new TextEncoder().encode(text));
  if (!options?.uri) {
    const open = vscode.l10n.t('Open');
    void vscode.window.showInformationMessage(vscode.l10n.t('TDTP: {0} exported to {1}.', countText(runs, vscode.l10n.t('{0} run|{0} runs', formatNumber(runs))), uri.fsPath), open).then((choice) => {
      if (choice === open) void vscode.commands.executeCommand('vscode.open', uri);
    });
  }
  return runs;
}
