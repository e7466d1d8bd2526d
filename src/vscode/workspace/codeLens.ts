import * as vscode from 'vscode';
import { Disposable } from '../../core/lifecycle';
import type { DqVerdict } from '../../core/dataQuality';
import { finishedOrReceived } from '../../core/runs';
import type { PipelineAlerts } from '../../core/alerts/tracker';
import { lateText } from '../words/alerts';
import { ageText, formatNumber, statusText } from '../words/format';
import type { Viewer } from '../connections/viewer';
import type { LiveResult } from './liveStatus';
import { liveResultOf } from './liveStatus';
import type { WorkspacePipelineFiles } from './pipelineFiles';

/** Pipeline files are YAML on disk; the language id depends on what is installed, the name does not. */
export const PIPELINE_FILE_SELECTOR: vscode.DocumentSelector = { scheme: 'file', pattern: '**/*.{yaml,yml}' };
/** "3 min ago" moves on: lenses of visible pipeline files are refreshed this often. */
const AGE_REFRESH_MS = 60_000;

const STATUS_CODICONS = { success: 'pass-filled', failed: 'error', completed_with_errors: 'warning', dq_warning: 'pass', unknown: 'question' } as const;

/**
 * Above each `result_log:` of a pipeline file: the latest status of the result it publishes, how
 * long ago, rows loaded → exported and the data-quality mark (a click opens the detail panel), and
 * *Run Pipeline*. Positions come from the document's own text, so they follow unsaved edits.
 */
export class PipelineCodeLensProvider extends Disposable implements vscode.CodeLensProvider {
  private readonly changeEmitter = this.register(new vscode.EventEmitter<void>());
  readonly onDidChangeCodeLenses = this.changeEmitter.event;

  constructor(
    private readonly files: WorkspacePipelineFiles,
    private readonly viewer: Viewer,
  ) {
    super();
    const refresh = () => this.changeEmitter.fire();
    this.register(files.onDidChange(refresh));
    this.register(viewer.onDidChange(refresh));
    this.register(viewer.onDidChangeConnections(refresh));
    const timer = setInterval(() => {
      if (vscode.window.visibleTextEditors.some((e) => files.definitionsIn(e.document.uri).length > 0)) refresh();
    }, AGE_REFRESH_MS);
    this.register({ dispose: () => clearInterval(timer) });
  }

  provideCodeLenses(document: vscode.TextDocument): vscode.CodeLens[] {
    if (!this.files.active) return [];
    const { definitions } = this.files.parsedDocument(document);
    const lenses: vscode.CodeLens[] = [];
    definitions.forEach((definition, i) => {
      const range = new vscode.Range(definition.resultLogAt.line, 0, definition.resultLogAt.line, 0);
      const live = liveResultOf(this.viewer, definition);
      lenses.push(
        new vscode.CodeLens(
          range,
          live
            ? { title: statusLensTitle(live, this.viewer.alertsOf(live.connection, live.snapshot.resultName)), tooltip: vscode.l10n.t('Latest run: open the detail panel'), command: 'tdtp.showDetails', arguments: [live.snapshot.resultName, live.connection.name] }
            : { title: `$(circle-outline) ${vscode.l10n.t('TDTP: no run seen yet')}`, tooltip: vscode.l10n.t('Read its state key now'), command: 'tdtp.pollNow', arguments: [definition.resultName] },
        ),
      );
      // tdtpcli runs a whole file: one Run per file, above its first result_log.
      if (i === 0) lenses.push(new vscode.CodeLens(range, { title: `$(play) ${vscode.l10n.t('Run Pipeline')}`, command: 'tdtp.runPipeline', arguments: [document.uri] }));
    });
    return lenses;
  }

}

/** Only the viewer's own words and numbers: nothing from the wire or the file reaches the title (`$(…)` would render). */
export function statusLensTitle(live: LiveResult, alerts?: PipelineAlerts): string {
  const { snapshot } = live;
  const r = snapshot.latest.run.result;
  const parts = [
    `$(${STATUS_CODICONS[snapshot.displayStatus]}) ${statusText(snapshot.displayStatus)}`,
    ageText(finishedOrReceived(snapshot.latest)),
    vscode.l10n.t('{0} → {1} rows', formatNumber(r.rows_loaded), formatNumber(r.rows_exported)),
  ];
  const dq = dqMark(snapshot.latest.dq);
  if (dq) parts.push(dq);
  if (snapshot.stateExpired) parts.push(vscode.l10n.t('state expired'));
  // The alert rules' "late" (an expected run has not arrived), worded as the tree words it.
  if (alerts?.late) parts.push(lateText(alerts.late));
  return parts.join(' · ');
}

function dqMark(verdict: DqVerdict): string | undefined {
  switch (verdict.kind) {
    case 'ok':
      return vscode.l10n.t('DQ ✓');
    case 'dropped':
      return vscode.l10n.t('DQ ⚠ {0} dropped', formatNumber(verdict.rows));
    case 'extra':
      return vscode.l10n.t('DQ ⚠ {0} extra', formatNumber(verdict.rows));
    default:
      return undefined;
  }
}
