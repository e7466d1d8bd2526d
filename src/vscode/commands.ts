import * as vscode from 'vscode';
import { encodeResult } from '../core/decode';
import { DisplayStatus, PipelineStore, RunRecord } from '../core/store';
import { NotConnectedError } from '../core/watcher';
import { PolledState, polledState } from './api';
import { Config } from './config';
import { DetailPanelManager } from './detailPanel';
import { dqText, durationText, formatNumber, problemHeadline, statusText } from './presentation';
import { PasswordStore } from './secrets';
import { ViewerSession, problemOf } from './session';
import { PipelinesTreeProvider, TreeNode } from './treeView';

interface CommandContext {
  readonly store: PipelineStore;
  readonly session: ViewerSession;
  readonly config: Config;
  readonly passwords: PasswordStore;
  readonly panels: DetailPanelManager;
  readonly tree: PipelinesTreeProvider;
  readonly log: vscode.LogOutputChannel;
  readonly extensionId: string;
}

/** A command's target: a tree node, or a result_name (from a toast, the panel, or another extension). */
type Target = TreeNode | string | undefined;

function resultNameOf(target: Target): string | undefined {
  if (typeof target === 'string') return target;
  if (target && (target.kind === 'pipeline' || target.kind === 'run' || target.kind === 'gap')) return target.resultName;
  return undefined;
}

export function registerCommands(ctx: CommandContext): vscode.Disposable[] {
  const { store, session, config, passwords, panels, tree, log } = ctx;
  const register = (id: string, handler: (...args: never[]) => unknown) => vscode.commands.registerCommand(id, handler as (...args: unknown[]) => unknown);

  return [
    register('tdtp.connect', () => session.retry()),
    register('tdtp.disconnect', () => session.disconnect()),
    register('tdtp.refresh', () =>
      vscode.window.withProgress({ location: { viewId: 'tdtp.pipelines' }, title: vscode.l10n.t('Reading the state keys…') }, async () => {
        try {
          const report = await session.refresh();
          vscode.window.setStatusBarMessage(vscode.l10n.t('TDTP: {0} state keys read, {1} new.', report.keys, report.added), 5000);
          return report;
        } catch (err) {
          void showNotConnected(session, err);
          return undefined;
        }
      }),
    ),
    register('tdtp.pollPipelineState', async (name?: unknown) => {
      if (typeof name === 'string' && name !== '') {
        // Programmatic: nothing shown; the state, or undefined when the key is absent.
        return polledState(name, await session.poll(name), config.tolerance.tolerance);
      }
      const picked = await pickResultName(store);
      if (!picked) return undefined;
      return pollAndShow(picked, session, config, log);
    }),
    register('tdtp.pollNow', async (target: Target) => {
      const name = resultNameOf(target);
      if (!name) return undefined;
      return pollAndShow(name, session, config, log);
    }),
    register('tdtp.setPassword', async () => {
      const password = await vscode.window.showInputBox({
        title: vscode.l10n.t('TDTP: Redis password'),
        prompt: vscode.l10n.t('Stored in VS Code\'s secret storage, never in settings. The viewer reconnects with it.'),
        password: true,
        ignoreFocusOut: true,
        validateInput: (v) => (v.length === 0 ? vscode.l10n.t('Enter a password, or run "TDTP: Clear Redis Password" to remove it.') : undefined),
      });
      if (password === undefined) return;
      await passwords.set(password);
      if (session.state.kind === 'idle') void session.connect();
    }),
    register('tdtp.clearPassword', async () => {
      await passwords.clear();
      vscode.window.setStatusBarMessage(vscode.l10n.t('TDTP: the Redis password was removed.'), 5000);
    }),
    register('tdtp.showDetails', (target: Target) => {
      const name = resultNameOf(target);
      if (name) panels.show(name);
    }),
    register('tdtp.copyEventJson', async (target: Target) => {
      const name = resultNameOf(target);
      const record: RunRecord | undefined = target && typeof target !== 'string' && target.kind === 'run' ? target.record : name ? store.get(name)?.latest : undefined;
      if (!record) return;
      await vscode.env.clipboard.writeText(encodeResult(record.run.result));
      vscode.window.setStatusBarMessage(vscode.l10n.t('TDTP: event JSON of {0} copied.', record.run.resultName), 3000);
    }),
    register('tdtp.mute', async (target: Target) => {
      const name = resultNameOf(target);
      if (name) await config.setMuted(name, true);
    }),
    register('tdtp.unmute', async (target: Target) => {
      const name = resultNameOf(target);
      if (name) await config.setMuted(name, false);
    }),
    register('tdtp.filter', () => showFilter(tree)),
    register('tdtp.clearFilter', () => tree.setFilter(undefined)),
    register('tdtp.groupByStatus', () => tree.setGroupByStatus(true)),
    register('tdtp.ungroup', () => tree.setGroupByStatus(false)),
    register('tdtp.openSettings', () => vscode.commands.executeCommand('workbench.action.openSettings', `@ext:${ctx.extensionId}`)),
    register('tdtp.showLog', () => log.show()),
  ];
}

async function pickResultName(store: PipelineStore): Promise<string | undefined> {
  const quickPick = vscode.window.createQuickPick<vscode.QuickPickItem & { resultName: string }>();
  quickPick.title = vscode.l10n.t('TDTP: Poll Pipeline State');
  quickPick.placeholder = vscode.l10n.t('Choose a result_name, or type one (result_log.name of the pipeline)');
  const known = store.list().map((p) => ({
    label: p.resultName,
    description: statusText(p.displayStatus, p.latest.run.result.status),
    detail: p.latest.run.result.pipeline_name,
    resultName: p.resultName,
  }));
  quickPick.items = known;
  const disposables: vscode.Disposable[] = [quickPick];
  const picked = await new Promise<string | undefined>((resolve) => {
    disposables.push(
      quickPick.onDidChangeValue((value) => {
        const typed = value.trim();
        // Offer the typed name itself when no known result_name is exactly it.
        quickPick.items = typed && !known.some((k) => k.resultName === typed) ? [{ label: typed, description: vscode.l10n.t('poll this name'), resultName: typed, alwaysShow: true }, ...known] : known;
      }),
      quickPick.onDidAccept(() => resolve(quickPick.selectedItems[0]?.resultName ?? (quickPick.value.trim() || undefined))),
      quickPick.onDidHide(() => resolve(undefined)),
    );
    quickPick.show();
  });
  for (const d of disposables) d.dispose();
  return picked;
}

async function pollAndShow(resultName: string, session: ViewerSession, config: Config, log: vscode.LogOutputChannel): Promise<PolledState | undefined> {
  let state: PolledState | undefined;
  try {
    const result = await vscode.window.withProgress({ location: vscode.ProgressLocation.Window, title: vscode.l10n.t('Polling {0}…', resultName) }, () => session.poll(resultName));
    state = polledState(resultName, result, config.tolerance.tolerance);
  } catch (err) {
    if (err instanceof NotConnectedError || session.state.kind !== 'connected') {
      void showNotConnected(session, err);
    } else {
      log.error(`Poll of ${resultName} failed: ${(err as Error).message}`);
      void vscode.window.showErrorMessage(vscode.l10n.t('Polling {0} failed: {1}', resultName, (err as Error).message));
    }
    return undefined;
  }
  if (!state) {
    void vscode.window.showWarningMessage(vscode.l10n.t('No state for {0}: its state key does not exist. It expired (TTL) or the pipeline never ran.', resultName));
    return undefined;
  }
  const r = state.event;
  const status: DisplayStatus = state.statusKind === 'success' && (state.dataQuality.kind === 'dropped' || state.dataQuality.kind === 'extra') ? 'dq_warning' : state.statusKind;
  const parts = [
    `${resultName} (${r.pipeline_name}): ${statusText(status, r.status)}`,
    durationText(r.duration_ms),
    vscode.l10n.t('rows {0} → {1}', formatNumber(r.rows_loaded), formatNumber(r.rows_exported)),
  ];
  const dq = dqText(state.dataQuality);
  if (dq && status === 'dq_warning') parts.push(dq);
  parts.push(state.ttlMs === undefined ? vscode.l10n.t('state key has no expiry') : vscode.l10n.t('state expires in {0}', durationText(state.ttlMs)));
  const finished = r.finished_at;
  parts.push(vscode.l10n.t('finished {0}', finished));
  const message = parts.join(' · ');
  const showDetails = vscode.l10n.t('Show Details');
  const present = state.statusKind === 'failed' ? vscode.window.showErrorMessage : status === 'success' ? vscode.window.showInformationMessage : vscode.window.showWarningMessage;
  void present(message, showDetails).then((choice) => {
    if (choice === showDetails) void vscode.commands.executeCommand('tdtp.showDetails', resultName);
  });
  return state;
}

async function showNotConnected(session: ViewerSession, err: unknown): Promise<void> {
  const problem = problemOf(session.state);
  const retry = vscode.l10n.t('Retry');
  const settings = vscode.l10n.t('Open Settings');
  const headline = problem ? problemHeadline(problem.code) : vscode.l10n.t('Not connected to Redis');
  const choice = await vscode.window.showErrorMessage(`TDTP: ${headline}. ${(err as Error)?.message ?? ''}`, retry, settings);
  if (choice === retry) await session.retry();
  else if (choice === settings) await vscode.commands.executeCommand('tdtp.openSettings');
}

async function showFilter(tree: PipelinesTreeProvider): Promise<void> {
  const statuses: DisplayStatus[] = ['failed', 'completed_with_errors', 'dq_warning', 'unknown', 'success'];
  const quickPick = vscode.window.createQuickPick<vscode.QuickPickItem & { status: DisplayStatus }>();
  quickPick.title = vscode.l10n.t('TDTP: Filter Pipelines');
  quickPick.placeholder = vscode.l10n.t('Type to filter by result_name or pipeline name; tick statuses to show only those');
  quickPick.canSelectMany = true;
  quickPick.items = statuses.map((status) => ({ label: statusText(status), status, alwaysShow: true }));
  const current = tree.filter;
  quickPick.value = current?.text ?? '';
  quickPick.selectedItems = quickPick.items.filter((i) => current?.statuses.has(i.status));
  const disposables: vscode.Disposable[] = [quickPick];
  await new Promise<void>((resolve) => {
    disposables.push(
      quickPick.onDidAccept(() => {
        tree.setFilter({ text: quickPick.value.trim(), statuses: new Set(quickPick.selectedItems.map((i) => i.status)) });
        quickPick.hide();
      }),
      quickPick.onDidHide(() => resolve()),
    );
    quickPick.show();
  });
  for (const d of disposables) d.dispose();
}
