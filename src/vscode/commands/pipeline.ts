import * as vscode from 'vscode';
import { encodeResult } from '../../core/encode';
import { displayStatus } from '../../core/status';
import { inertText, logValue } from '../../core/text';
import { NotConnectedError } from '../../core/watcher';
import type { PolledState } from '../api';
import { pollState } from '../api';
import { dqText, durationText, formatNumber, statusText } from '../words/format';
import type { Viewer } from '../connections/viewer';
import type { WatchedConnection } from '../connections/watchedConnection';
import type { CommandContext, Commands } from './context';
import { pipelineTarget, showNotConnected } from './target';
import { errorText } from '../words/problems';

/** Commands on one pipeline: from its tree node, a toast or its detail panel. */
export function pipelineCommands({ viewer, config, panels, actions, log }: CommandContext): Commands {
  return {
    'tdtp.pollPipelineState': async (...args) => {
      const target = pipelineTarget(viewer, args) ?? (await pickResultName(viewer));
      if (target) await pollAndShow(viewer, target.connection, target.resultName, log);
    },
    'tdtp.pollNow': async (...args) => {
      const target = pipelineTarget(viewer, args);
      if (target) await pollAndShow(viewer, target.connection, target.resultName, log);
    },
    'tdtp.showDetails': (...args) => {
      const target = pipelineTarget(viewer, args);
      if (target) panels.show(target.resultName, target.connection.name);
    },
    'tdtp.copyEventJson': async (...args) => {
      const target = pipelineTarget(viewer, args);
      const record = target && (target.record ?? target.connection.store.get(target.resultName)?.latest);
      if (!record) return;
      await vscode.env.clipboard.writeText(encodeResult(record.run.result));
      vscode.window.setStatusBarMessage(inertText(vscode.l10n.t('TDTP: event JSON of {0} copied.', record.run.resultName)), 3000);
    },
    'tdtp.mute': async (...args) => {
      const target = pipelineTarget(viewer, args);
      if (target) await config.setMuted(target.resultName, true);
    },
    'tdtp.unmute': async (...args) => {
      const target = pipelineTarget(viewer, args);
      if (target) await config.setMuted(target.resultName, false);
    },
    'tdtp.testActionRules': async (...args) => {
      const target = pipelineTarget(viewer, args) ?? (await pickResultName(viewer, false));
      const record = target && target.connection.store.get(target.resultName)?.latest;
      if (!target || !record) return;
      const results = actions.explain(record, target.connection.name);
      if (results.length === 0) {
        void vscode.window.showInformationMessage(vscode.l10n.t('No action rules are configured (setting tdtp.actions).'));
        return;
      }
      log.info(`Test Action Rules with the latest run of ${target.resultName}:\n${results.map((r) => `  ${r.label}: ${r.would}`).join('\n')}`);
      void vscode.window.showQuickPick(
        results.map((r) => ({ label: inertText(r.label), description: r.paused ? vscode.l10n.t('paused') : undefined, detail: inertText(r.would) })),
        { title: inertText(vscode.l10n.t('TDTP: what the action rules would do with the latest run of {0} (nothing is run)', target.resultName)), matchOnDetail: true },
      );
    },
  };
}

type PollPick = vscode.QuickPickItem & { resultName: string; connection: WatchedConnection };

/** Known result_names of every connection; a typed name is offered on each connection. */
async function pickResultName(viewer: Viewer, allowTyped = true): Promise<{ connection: WatchedConnection; resultName: string } | undefined> {
  const quickPick = vscode.window.createQuickPick<PollPick>();
  quickPick.title = vscode.l10n.t('TDTP: Poll Pipeline State');
  quickPick.placeholder = vscode.l10n.t('Choose a result_name, or type one (result_log.name of the pipeline)');
  const known: PollPick[] = viewer.connections.flatMap((connection) =>
    connection.store.list().map((p) => ({
      // Quick picks draw $(icon) syntax: every text from the wire or settings is inert.
      label: inertText(p.resultName),
      description: inertText(statusText(p.displayStatus, p.latest.run.result.status) + (viewer.multiple ? ` · ${connection.name}` : '')),
      detail: inertText(p.latest.run.result.pipeline_name),
      resultName: p.resultName,
      connection,
    })),
  );
  quickPick.items = known;
  const listeners: vscode.Disposable[] = [];
  const picked = await new Promise<{ connection: WatchedConnection; resultName: string } | undefined>((resolve) => {
    listeners.push(
      quickPick.onDidChangeValue((value) => {
        const typed = value.trim();
        // Offer the typed name itself when no known result_name is exactly it.
        const offers: PollPick[] = typed && allowTyped
          ? viewer.connections
              .filter((connection) => !known.some((k) => k.resultName === typed && k.connection === connection))
              .map((connection) => ({ label: inertText(typed), description: inertText(viewer.multiple ? vscode.l10n.t('poll this name on {0}', connection.name) : vscode.l10n.t('poll this name')), resultName: typed, connection, alwaysShow: true }))
          : [];
        quickPick.items = [...offers, ...known];
      }),
      quickPick.onDidAccept(() => {
        const item = quickPick.selectedItems[0];
        const typed = quickPick.value.trim();
        const fallback = viewer.get(undefined);
        resolve(item ? { connection: item.connection, resultName: item.resultName } : typed && allowTyped && fallback ? { connection: fallback, resultName: typed } : undefined);
      }),
      quickPick.onDidHide(() => resolve(undefined)),
    );
    quickPick.show();
  });
  vscode.Disposable.from(quickPick, ...listeners).dispose();
  return picked;
}

async function pollAndShow(viewer: Viewer, connection: WatchedConnection, resultName: string, log: vscode.LogOutputChannel): Promise<void> {
  let state: PolledState | undefined;
  const where = viewer.multiple ? `[${connection.name}] ` : '';
  try {
    state = await vscode.window.withProgress({ location: vscode.ProgressLocation.Window, title: inertText(vscode.l10n.t('Polling {0}…', resultName)) }, () => pollState(connection, resultName));
  } catch (err) {
    if (err instanceof NotConnectedError || connection.state.kind !== 'connected') {
      void showNotConnected(viewer, connection, err);
    } else {
      log.error(`Poll of ${logValue(resultName)} failed: ${logValue(errorText(err))}`);
      void vscode.window.showErrorMessage(inertText(vscode.l10n.t('Polling {0} failed: {1}', resultName, errorText(err))));
    }
    return;
  }
  if (!state) {
    void vscode.window.showWarningMessage(inertText(where + vscode.l10n.t('No state for {0}: its state key does not exist. It expired (TTL) or the pipeline never ran.', resultName)));
    return;
  }
  const r = state.event;
  const status = displayStatus(state.statusKind, state.dataQuality);
  const parts = [
    `${resultName} (${r.pipeline_name}): ${statusText(status, r.status)}`,
    durationText(r.duration_ms),
    vscode.l10n.t('rows {0} → {1}', formatNumber(r.rows_loaded), formatNumber(r.rows_exported)),
  ];
  const dq = dqText(state.dataQuality);
  if (dq && status === 'dq_warning') parts.push(dq);
  parts.push(state.ttlMs === undefined ? vscode.l10n.t('state key has no expiry') : vscode.l10n.t('state expires in {0}', durationText(state.ttlMs)));
  parts.push(vscode.l10n.t('finished {0}', r.finished_at));
  const message = inertText(where + parts.join(' · '));
  const showDetails = vscode.l10n.t('Show Details');
  const present = state.statusKind === 'failed' ? vscode.window.showErrorMessage : status === 'success' ? vscode.window.showInformationMessage : vscode.window.showWarningMessage;
  void present(message, showDetails).then((choice) => {
    if (choice === showDetails) void vscode.commands.executeCommand('tdtp.showDetails', resultName, connection.name);
  });
}
