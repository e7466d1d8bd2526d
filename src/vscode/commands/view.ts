import * as vscode from 'vscode';
import type { DisplayStatus } from '../../core/status';
import { DISPLAY_ORDER } from '../../core/status';
import { exportHistory } from './exportHistory';
import type { PipelinesView } from '../tree/pipelinesView';
import { statusText } from '../words/format';
import type { CommandContext, Commands } from './context';

/** The view's own commands (filter, grouping), export, settings and the log. */
export function viewCommands({ viewer, view, config, log, extensionId }: CommandContext): Commands {
  return {
    'tdtp.filter': () => showFilter(view),
    'tdtp.clearFilter': () => view.setFilter(undefined),
    'tdtp.groupByStatus': () => view.setGroupByStatus(true),
    'tdtp.ungroup': () => view.setGroupByStatus(false),
    'tdtp.groupByNamespace': () => config.setGroupByNamespace(true),
    'tdtp.ungroupNamespaces': () => config.setGroupByNamespace(false),
    'tdtp.exportHistory': (options?: unknown) => exportHistory(viewer, typeof options === 'object' && options !== null ? (options as Parameters<typeof exportHistory>[1]) : undefined),
    'tdtp.openSettings': () => vscode.commands.executeCommand('workbench.action.openSettings', `@ext:${extensionId}`),
    'tdtp.showLog': () => log.show(),
  };
}

async function showFilter(view: PipelinesView): Promise<void> {
  const quickPick = vscode.window.createQuickPick<vscode.QuickPickItem & { status: DisplayStatus }>();
  quickPick.title = vscode.l10n.t('TDTP: Filter Pipelines');
  quickPick.placeholder = vscode.l10n.t('Type to filter by result_name or pipeline name; tick statuses to show only those');
  quickPick.canSelectMany = true;
  quickPick.items = DISPLAY_ORDER.map((status) => ({ label: statusText(status), status, alwaysShow: true }));
  const current = view.filter;
  quickPick.value = current?.text ?? '';
  quickPick.selectedItems = quickPick.items.filter((i) => current?.statuses.has(i.status));
  const listeners: vscode.Disposable[] = [];
  await new Promise<void>((resolve) => {
    listeners.push(
      quickPick.onDidAccept(() => {
        view.setFilter({ text: quickPick.value.trim(), statuses: new Set(quickPick.selectedItems.map((i) => i.status)) });
        quickPick.hide();
      }),
      quickPick.onDidHide(() => resolve()),
    );
    quickPick.show();
  });
  vscode.Disposable.from(quickPick, ...listeners).dispose();
}
