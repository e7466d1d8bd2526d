import * as vscode from 'vscode';
import { firstLine } from '../../core/format';
import type { RunRecord } from '../../core/runs';
import { displayStatusOf } from '../../core/status';
import { inertText } from '../../core/text';
import { durationText, finishedText, formatNumber, statusText } from '../words/format';
import type { Viewer } from '../connections/viewer';
import { liveResultOf } from './liveStatus';
import type { WorkspacePipelineFiles } from './pipelineFiles';

/** Runs shown in the hover, newest first. */
const HOVER_RUNS = 5;

/** Hovering `result_log:` or its `name:` shows the result's last few runs. Wire text goes through appendText (escaped). */
export class PipelineHoverProvider implements vscode.HoverProvider {
  constructor(
    private readonly files: WorkspacePipelineFiles,
    private readonly viewer: Viewer,
  ) {}

  provideHover(document: vscode.TextDocument, position: vscode.Position): vscode.Hover | undefined {
    if (!this.files.active) return undefined;
    const definition = this.files.parsedDocument(document).definitions.find((d) => position.line === d.resultLogAt.line || position.line === d.resultNameAt.line);
    if (!definition) return undefined;
    const md = new vscode.MarkdownString();
    const live = liveResultOf(this.viewer, definition);
    md.appendMarkdown(`**${vscode.l10n.t('TDTP result')}** `);
    md.appendText(inertText(live?.snapshot.resultName ?? definition.resultName));
    md.appendMarkdown('\n\n');
    if (!live) {
      md.appendText(vscode.l10n.t('No run seen yet on the connected Redis.'));
      return new vscode.Hover(md);
    }
    const runs = live.connection.store
      .history(live.snapshot.resultName)
      .filter((item): item is RunRecord => item.kind === 'run')
      .slice(0, HOVER_RUNS);
    for (const record of runs) {
      const r = record.run.result;
      const line = [statusText(displayStatusOf(record)), finishedText(record), durationText(r.duration_ms), vscode.l10n.t('{0} → {1} rows', formatNumber(r.rows_loaded), formatNumber(r.rows_exported))];
      md.appendMarkdown('- ');
      md.appendText(line.join(' · '));
      if (r.error) {
        md.appendMarkdown('  \n  ');
        md.appendText(inertText(firstLine(r.error, 160)));
      }
      md.appendMarkdown('\n');
    }
    if (this.viewer.multiple) {
      md.appendMarkdown('\n');
      md.appendText(vscode.l10n.t('Connection: {0}', live.connection.name));
    }
    return new vscode.Hover(md);
  }
}
