import * as vscode from 'vscode';
import { encodeResult } from '../core/decode';
import { DisplayStatus, RunRecord } from '../core/store';
import { NotConnectedError } from '../core/watcher';
import { PolledState, polledState, sessionOrThrow } from './api';
import { Config } from './config';
import { DetailPanelManager } from './detailPanel';
import { dqText, durationText, formatNumber, problemHeadline, statusText } from './presentation';
import { PasswordStore, SecretKind } from './secrets';
import { ViewerSession, problemOf } from './session';
import { PipelinesTreeProvider, TreeNode } from './treeView';
import { Viewer } from './viewer';
import { ActionRunner } from './actions';
import { exportHistory } from './exportHistory';

interface CommandContext {
  readonly viewer: Viewer;
  readonly actions: ActionRunner;
  readonly config: Config;
  readonly passwords: PasswordStore;
  readonly panels: DetailPanelManager;
  readonly tree: PipelinesTreeProvider;
  readonly log: vscode.LogOutputChannel;
  readonly extensionId: string;
}

/**
 * A command's target: a tree node, or a result_name and optionally a connection name (from a toast,
 * the panel, or another extension).
 */
type Target = TreeNode | string | undefined;

function targetOf(viewer: Viewer, target: Target, connection?: unknown): { session: ViewerSession; resultName: string } | undefined {
  if (typeof target === 'string') {
    const session = viewer.get(typeof connection === 'string' ? connection : undefined);
    return session && { session, resultName: target };
  }
  if (target && (target.kind === 'pipeline' || target.kind === 'run' || target.kind === 'gap')) return { session: target.session, resultName: target.resultName };
  return undefined;
}

export function registerCommands(ctx: CommandContext): vscode.Disposable[] {
  const { viewer, config, passwords, panels, tree, log, actions } = ctx;
  const register = (id: string, handler: (...args: never[]) => unknown) => vscode.commands.registerCommand(id, handler as (...args: unknown[]) => unknown);
  /** A connection node, a name, or every connection. */
  const sessionsOf = (target: unknown): ViewerSession[] => {
    if (target && typeof target === 'object' && (target as TreeNode).kind === 'connection') return [(target as { session: ViewerSession }).session];
    if (typeof target === 'string') return viewer.get(target) ? [viewer.get(target)!] : [];
    return [...viewer.sessions];
  };

  return [
    register('tdtp.connect', (target?: unknown) => Promise.all(sessionsOf(target).map((s) => s.retry()))),
    register('tdtp.disconnect', (target?: unknown) => sessionsOf(target).forEach((s) => s.disconnect())),
    register('tdtp.refresh', (target?: unknown) =>
      vscode.window.withProgress({ location: { viewId: 'tdtp.pipelines' }, title: vscode.l10n.t('Reading the state keys…') }, async () => {
        let keys = 0;
        let added = 0;
        for (const session of sessionsOf(target)) {
          try {
            const report = await session.refresh();
            keys += report.keys;
            added += report.added;
          } catch (err) {
            void showNotConnected(viewer, session, err);
          }
        }
        vscode.window.setStatusBarMessage(vscode.l10n.t('TDTP: {0} state keys read, {1} new.', keys, added), 5000);
      }),
    ),
    register('tdtp.pollPipelineState', async (name?: unknown, connection?: unknown) => {
      if (typeof name === 'string' && name !== '') {
        // Programmatic: nothing shown; the state, or undefined when the key is absent.
        const session = sessionOrThrow(viewer, typeof connection === 'string' ? connection : undefined);
        return polledState(session.name, name, await session.poll(name), config.tolerance.tolerance);
      }
      const picked = await pickResultName(viewer);
      if (!picked) return undefined;
      return pollAndShow(viewer, picked.session, picked.resultName, config, log);
    }),
    register('tdtp.pollNow', async (target: Target, connection?: unknown) => {
      const t = targetOf(viewer, target, connection);
      if (!t) return undefined;
      return pollAndShow(viewer, t.session, t.resultName, config, log);
    }),
    register('tdtp.setPassword', async (target?: unknown) => {
      const session = await pickSession(viewer, target, vscode.l10n.t('Set the Redis password of which connection?'));
      if (!session) return;
      const kind = await pickSecretKind(session);
      if (!kind) return;
      const password = await vscode.window.showInputBox({
        title: vscode.l10n.t('TDTP: Redis password'),
        prompt: vscode.l10n.t('Stored in VS Code\'s secret storage, never in settings. The viewer reconnects with it.'),
        password: true,
        ignoreFocusOut: true,
        validateInput: (v) => (v.length === 0 ? vscode.l10n.t('Enter a password, or run "TDTP: Clear Redis Password" to remove it.') : undefined),
      });
      if (password === undefined) return;
      await passwords.set(password, session.name, kind);
      if (session.state.kind === 'idle') void session.connect();
    }),
    register('tdtp.clearPassword', async (target?: unknown) => {
      const session = await pickSession(viewer, target, vscode.l10n.t('Remove the Redis password of which connection?'));
      if (!session) return;
      const kind = await pickSecretKind(session);
      if (!kind) return;
      await passwords.clear(session.name, kind);
      vscode.window.setStatusBarMessage(vscode.l10n.t('TDTP: the Redis password was removed.'), 5000);
    }),
    register('tdtp.showDetails', (target: Target, connection?: unknown) => {
      const t = targetOf(viewer, target, connection);
      if (t) panels.show(t.resultName, t.session.name);
    }),
    register('tdtp.copyEventJson', async (target: Target, connection?: unknown) => {
      const t = targetOf(viewer, target, connection);
      const record: RunRecord | undefined = target && typeof target !== 'string' && target.kind === 'run' ? target.record : t ? t.session.store.get(t.resultName)?.latest : undefined;
      if (!record) return;
      await vscode.env.clipboard.writeText(encodeResult(record.run.result));
      vscode.window.setStatusBarMessage(vscode.l10n.t('TDTP: event JSON of {0} copied.', record.run.resultName), 3000);
    }),
    register('tdtp.mute', async (target: Target) => {
      const t = targetOf(viewer, target);
      if (t) await config.setMuted(t.resultName, true);
    }),
    register('tdtp.unmute', async (target: Target) => {
      const t = targetOf(viewer, target);
      if (t) await config.setMuted(t.resultName, false);
    }),
    register('tdtp.filter', () => showFilter(tree)),
    register('tdtp.clearFilter', () => tree.setFilter(undefined)),
    register('tdtp.groupByStatus', () => tree.setGroupByStatus(true)),
    register('tdtp.ungroup', () => tree.setGroupByStatus(false)),
    register('tdtp.exportHistory', (options?: unknown) => exportHistory(viewer, typeof options === 'object' && options !== null ? (options as Parameters<typeof exportHistory>[1]) : undefined)),
    register('tdtp.testActionRules', async (target?: Target, connection?: unknown) => {
      const t = targetOf(viewer, target, connection) ?? (await pickResultName(viewer, false));
      const record = t && t.session.store.get(t.resultName)?.latest;
      if (!t || !record) return undefined;
      const results = actions.explain(record, t.session.name).map(({ rule, would }) => ({ index: rule.index, name: rule.name, would }));
      if (typeof target !== 'string') {
        if (results.length === 0) {
          void vscode.window.showInformationMessage(vscode.l10n.t('No action rules are configured (setting tdtp.actions).'));
        } else {
          log.info(`Test Action Rules with the latest run of ${t.resultName}:\n${results.map((r) => `  tdtp.actions[${r.index}]${r.name ? ` "${r.name}"` : ''}: ${r.would}`).join('\n')}`);
          void vscode.window.showQuickPick(
            results.map((r) => ({ label: `tdtp.actions[${r.index}]${r.name ? ` ${r.name}` : ''}`, detail: r.would })),
            { title: vscode.l10n.t('TDTP: what the action rules would do with the latest run of {0} (nothing is run)', t.resultName), matchOnDetail: true },
          );
        }
      }
      return results;
    }),
    register('tdtp.openSettings', () => vscode.commands.executeCommand('workbench.action.openSettings', `@ext:${ctx.extensionId}`)),
    register('tdtp.showLog', () => log.show()),
  ];
}

type PollPick = vscode.QuickPickItem & { resultName: string; session: ViewerSession };

/** Known result_names of every connection; a typed name is offered on each connection. */
async function pickResultName(viewer: Viewer, allowTyped = true): Promise<{ session: ViewerSession; resultName: string } | undefined> {
  const quickPick = vscode.window.createQuickPick<PollPick>();
  quickPick.title = vscode.l10n.t('TDTP: Poll Pipeline State');
  quickPick.placeholder = vscode.l10n.t('Choose a result_name, or type one (result_log.name of the pipeline)');
  const known: PollPick[] = viewer.sessions.flatMap((session) =>
    session.store.list().map((p) => ({
      label: p.resultName,
      description: statusText(p.displayStatus, p.latest.run.result.status) + (viewer.multiple ? ` · ${session.name}` : ''),
      detail: p.latest.run.result.pipeline_name,
      resultName: p.resultName,
      session,
    })),
  );
  quickPick.items = known;
  const disposables: vscode.Disposable[] = [quickPick];
  const picked = await new Promise<{ session: ViewerSession; resultName: string } | undefined>((resolve) => {
    disposables.push(
      quickPick.onDidChangeValue((value) => {
        const typed = value.trim();
        // Offer the typed name itself when no known result_name is exactly it.
        const offers: PollPick[] = typed && allowTyped
          ? viewer.sessions
              .filter((session) => !known.some((k) => k.resultName === typed && k.session === session))
              .map((session) => ({ label: typed, description: viewer.multiple ? vscode.l10n.t('poll this name on {0}', session.name) : vscode.l10n.t('poll this name'), resultName: typed, session, alwaysShow: true }))
          : [];
        quickPick.items = [...offers, ...known];
      }),
      quickPick.onDidAccept(() => {
        const item = quickPick.selectedItems[0];
        const typed = quickPick.value.trim();
        const fallback = viewer.get(undefined);
        resolve(item ? { session: item.session, resultName: item.resultName } : typed && allowTyped && fallback ? { session: fallback, resultName: typed } : undefined);
      }),
      quickPick.onDidHide(() => resolve(undefined)),
    );
    quickPick.show();
  });
  for (const d of disposables) d.dispose();
  return picked;
}

/** The connection a command is about: the node's, the named one, the only one, or the user's pick. */
async function pickSession(viewer: Viewer, target: unknown, placeHolder: string): Promise<ViewerSession | undefined> {
  if (target && typeof target === 'object' && 'session' in target) return (target as { session: ViewerSession }).session;
  if (typeof target === 'string') return viewer.get(target);
  if (!viewer.multiple) return viewer.sessions[0];
  const item = await vscode.window.showQuickPick(
    viewer.sessions.map((session) => ({ label: session.name, description: session.endpoint, session })),
    { placeHolder },
  );
  return item?.session;
}

/** With Sentinel there are two passwords: the data nodes' and the sentinels' own. */
async function pickSecretKind(session: ViewerSession): Promise<SecretKind | undefined> {
  if (!session.usesSentinel) return 'redis';
  const picked = await vscode.window.showQuickPick(
    [
      { label: vscode.l10n.t('Redis password'), description: vscode.l10n.t('the primary and replicas'), secret: 'redis' as const },
      { label: vscode.l10n.t('Sentinel password'), description: vscode.l10n.t('the sentinels themselves (their requirepass)'), secret: 'sentinel' as const },
    ],
    { placeHolder: vscode.l10n.t('Which password?') },
  );
  return picked?.secret;
}

async function pollAndShow(viewer: Viewer, session: ViewerSession, resultName: string, config: Config, log: vscode.LogOutputChannel): Promise<PolledState | undefined> {
  let state: PolledState | undefined;
  const where = viewer.multiple ? `[${session.name}] ` : '';
  try {
    const result = await vscode.window.withProgress({ location: vscode.ProgressLocation.Window, title: vscode.l10n.t('Polling {0}…', resultName) }, () => session.poll(resultName));
    state = polledState(session.name, resultName, result, config.tolerance.tolerance);
  } catch (err) {
    if (err instanceof NotConnectedError || session.state.kind !== 'connected') {
      void showNotConnected(viewer, session, err);
    } else {
      log.error(`Poll of ${resultName} failed: ${(err as Error).message}`);
      void vscode.window.showErrorMessage(vscode.l10n.t('Polling {0} failed: {1}', resultName, (err as Error).message));
    }
    return undefined;
  }
  if (!state) {
    void vscode.window.showWarningMessage(where + vscode.l10n.t('No state for {0}: its state key does not exist. It expired (TTL) or the pipeline never ran.', resultName));
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
  const message = where + parts.join(' · ');
  const showDetails = vscode.l10n.t('Show Details');
  const present = state.statusKind === 'failed' ? vscode.window.showErrorMessage : status === 'success' ? vscode.window.showInformationMessage : vscode.window.showWarningMessage;
  void present(message, showDetails).then((choice) => {
    if (choice === showDetails) void vscode.commands.executeCommand('tdtp.showDetails', resultName, session.name);
  });
  return state;
}

async function showNotConnected(viewer: Viewer, session: ViewerSession, err: unknown): Promise<void> {
  const problem = problemOf(session.state);
  const where = viewer.multiple ? ` [${session.name}]` : '';
  const retry = vscode.l10n.t('Retry');
  const settings = vscode.l10n.t('Open Settings');
  const headline = problem ? problemHeadline(problem.code) : vscode.l10n.t('Not connected to Redis');
  const choice = await vscode.window.showErrorMessage(`TDTP${where}: ${headline}. ${(err as Error)?.message ?? ''}`, retry, settings);
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
