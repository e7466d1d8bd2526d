import * as vscode from 'vscode';
import { Disposable } from '../../core/lifecycle';
import { isDqWarning } from '../../core/dataQuality';
import { firstLine } from '../../core/format';
import { finishedOrReceived } from '../../core/runs';
import { inertText } from '../../core/text';
import type { Config } from '../settings/config';
import { dateTimeText, dqText, formatNumber } from '../words/format';
import type { Viewer } from '../connections/viewer';
import { liveResultOf } from './liveStatus';
import type { WorkspacePipelineFiles } from './pipelineFiles';

/** The error's first line is cut here: the Problems panel shows one line, the panel the whole text. */
const ERROR_CHARS = 200;
/** A whole line (the editor cuts a range at the line's end). */
const LINE_END = 10_000;

/**
 * The Problems panel: a pipeline whose latest run failed or completed with errors gets an error on
 * its file at the `result_log.name` line (the error's first line and the time); a data-quality
 * warning gets a warning; both go away when a later run is clean. A file skipped for its shape gets
 * a warning saying so. `tdtp.workspace.problems` turns it off.
 */
export class PipelineDiagnostics extends Disposable {
  private readonly collection = this.register(vscode.languages.createDiagnosticCollection('tdtp'));

  constructor(
    private readonly files: WorkspacePipelineFiles,
    private readonly viewer: Viewer,
    private readonly config: Config,
  ) {
    super();
    const update = () => this.update();
    this.register(files.onDidChange(update));
    this.register(viewer.onDidChange(update));
    this.register(viewer.onDidChangeConnections(update));
    this.register(config.onDidChange((c) => c === 'workspace' && update()));
    this.update();
  }

  /** Recomputed as a whole: a few lookups per definition, after the store's coalesced changes. */
  private update(): void {
    if (!this.files.active || !this.config.workspaceProblems) {
      this.collection.clear();
      return;
    }
    const byFile = new Map<string, vscode.Diagnostic[]>();
    for (const file of this.files.index.pipelineFiles()) {
      const uri = vscode.Uri.parse(file);
      const diagnostics: vscode.Diagnostic[] = [];
      for (const { definition } of this.files.definitionsIn(uri)) {
        const live = liveResultOf(this.viewer, definition);
        if (!live) continue;
        const record = live.snapshot.latest;
        const r = record.run.result;
        const when = dateTimeText(finishedOrReceived(record));
        const { line, column } = definition.resultNameAt;
        const range = new vscode.Range(line, column, line, column + 'name'.length);
        let diagnostic: vscode.Diagnostic | undefined;
        if (record.run.statusKind === 'failed' || record.run.statusKind === 'completed_with_errors') {
          const error = inertText(firstLine(r.error, ERROR_CHARS)) || vscode.l10n.t('no error text');
          const message =
            record.run.statusKind === 'failed'
              ? vscode.l10n.t('The latest run failed ({0}): {1}', when, error)
              : vscode.l10n.t('The latest run completed with errors ({0}): {1}', when, error);
          diagnostic = new vscode.Diagnostic(range, message, vscode.DiagnosticSeverity.Error);
        } else if (isDqWarning(record.dq)) {
          diagnostic = new vscode.Diagnostic(range, vscode.l10n.t('Data-quality warning in the latest run ({0}): {1}', when, dqText(record.dq) ?? ''), vscode.DiagnosticSeverity.Warning);
        }
        if (!diagnostic) continue;
        diagnostic.source = 'TDTP';
        diagnostic.code = record.run.statusKind === 'success' ? 'data-quality' : record.run.statusKind;
        diagnostics.push(diagnostic);
      }
      if (diagnostics.length) byFile.set(file, diagnostics);
    }
    for (const { file, problem } of this.files.index.skippedForShape()) {
      if (problem.code !== 'too-complex') continue;
      const diagnostic = new vscode.Diagnostic(
        new vscode.Range(problem.line, 0, problem.line, LINE_END),
        vscode.l10n.t('TDTP does not read this pipeline: its anchors and merge keys (<<) need more than {0} lookups. It is skipped so that it cannot stall VS Code; tdtpcli may still run it.', formatNumber(problem.limit)),
        vscode.DiagnosticSeverity.Warning,
      );
      diagnostic.source = 'TDTP';
      diagnostic.code = problem.code;
      byFile.set(file, [...(byFile.get(file) ?? []), diagnostic]);
    }
    this.collection.clear();
    for (const [file, diagnostics] of byFile) this.collection.set(vscode.Uri.parse(file), diagnostics);
  }

}
