import * as vscode from 'vscode';
import { inertText } from '../../core/text';
import type { PipelineFileLocation, WorkspacePipelineFiles } from './pipelineFiles';

/**
 * *Open Pipeline Config*: the file (and the `result_log.name` line) that publishes to a result
 * name. Several files may: then all are offered. Returns the editor shown, for tests.
 */
export async function openPipelineConfig(files: WorkspacePipelineFiles, resultName: string): Promise<vscode.TextEditor | undefined> {
  await files.ready;
  const locations = files.locate(resultName);
  if (locations.length === 0) {
    void vscode.window.showInformationMessage(vscode.l10n.t('No pipeline file in this workspace publishes to {0}.', inertText(resultName)));
    return undefined;
  }
  let chosen: PipelineFileLocation | undefined = locations[0];
  if (locations.length > 1) {
    const picked = await vscode.window.showQuickPick(
      locations.map((location) => ({
        label: inertText(vscode.workspace.asRelativePath(location.uri)),
        description: location.definition.pipelineName && inertText(location.definition.pipelineName),
        detail: vscode.l10n.t('line {0}', location.definition.resultNameAt.line + 1),
        location,
      })),
      { title: vscode.l10n.t('TDTP: {0} files publish to {1}', locations.length, inertText(resultName)), placeHolder: vscode.l10n.t('Open which pipeline file?') },
    );
    chosen = picked?.location;
  }
  if (!chosen) return undefined;
  const { line, column } = chosen.definition.resultNameAt;
  const position = new vscode.Position(line, column);
  return vscode.window.showTextDocument(chosen.uri, { selection: new vscode.Range(position, position), preview: false });
}
