import * as vscode from 'vscode';
import { Disposable } from '../../core/lifecycle';
import type { Config } from '../settings/config';
import type { PasswordStore } from '../connections/secrets';
import type { Viewer } from '../connections/viewer';
import { PIPELINE_FILE_SELECTOR, PipelineCodeLensProvider } from './codeLens';
import type { ConnectFromWorkspaceOptions, ReplaceQuestion } from './connectOffer';
import { askToReplace, connectFromWorkspace, trackWorkspaceEndpoints } from './connectOffer';
import { PipelineDiagnostics } from './diagnostics';
import { PipelineHoverProvider } from './hover';
import { openPipelineConfig } from './openConfig';
import { WorkspacePipelineFiles } from './pipelineFiles';
import { PipelineTaskProvider, TASK_TYPE, runPipeline } from './tasks';

/**
 * The workspace's pipeline files linked to their live results: discovery, CodeLens and hover,
 * Problems, Open Pipeline Config, connecting from the files, and the `tdtp` task. Owns all of it.
 */
export class WorkspaceFeatures extends Disposable {
  readonly files: WorkspacePipelineFiles;
  readonly codeLens: PipelineCodeLensProvider;
  readonly tasks: PipelineTaskProvider;
  /** Asked before the connect offer replaces a stored password; replaced by the in-VS-Code tests. */
  askReplacePassword: ReplaceQuestion = askToReplace;

  constructor(viewer: Viewer, config: Config, passwords: PasswordStore, log: vscode.LogOutputChannel) {
    super();
    const files = (this.files = this.register(new WorkspacePipelineFiles(log)));
    this.codeLens = this.register(new PipelineCodeLensProvider(files, viewer));
    this.tasks = new PipelineTaskProvider(files, config);
    this.register(new PipelineDiagnostics(files, viewer, config));
    this.register(vscode.languages.registerCodeLensProvider(PIPELINE_FILE_SELECTOR, this.codeLens));
    this.register(vscode.languages.registerHoverProvider(PIPELINE_FILE_SELECTOR, new PipelineHoverProvider(files, viewer)));
    this.register(vscode.tasks.registerTaskProvider(TASK_TYPE, this.tasks));
    this.register(trackWorkspaceEndpoints(files));

    const updateEditorContext = () => {
      const uri = vscode.window.activeTextEditor?.document.uri;
      void vscode.commands.executeCommand('setContext', 'tdtp.editorIsPipeline', !!uri && files.definitionsIn(uri).length > 0);
      void vscode.commands.executeCommand('setContext', 'tdtp.hasPipelineFiles', files.index.pipelineFiles().length > 0);
    };
    updateEditorContext();
    this.register(files.onDidChange(updateEditorContext));
    this.register(vscode.window.onDidChangeActiveTextEditor(updateEditorContext));

    this.register(
      vscode.commands.registerCommand('tdtp.openPipelineConfig', (target?: unknown) => {
        const name = resultNameOf(target);
        return name === undefined ? undefined : openPipelineConfig(files, name);
      }),
    );
    this.register(vscode.commands.registerCommand('tdtp.runPipeline', (target?: unknown) => runPipeline(files, this.tasks, config, target)));
    this.register(
      vscode.commands.registerCommand('tdtp.connectFromWorkspace', (options?: ConnectFromWorkspaceOptions) =>
        connectFromWorkspace(files, viewer, config, passwords, this.askReplacePassword, typeof options === 'object' && options !== null ? options : {}),
      ),
    );
  }
}

export function registerWorkspaceFeatures(context: { subscriptions: vscode.Disposable[] }, viewer: Viewer, config: Config, passwords: PasswordStore, log: vscode.LogOutputChannel): WorkspaceFeatures {
  const features = new WorkspaceFeatures(viewer, config, passwords, log);
  context.subscriptions.push(features);
  return features;
}

/** A pipeline tree node or a result name (from the panel, or another extension). */
function resultNameOf(target: unknown): string | undefined {
  if (typeof target === 'string') return target;
  const name = target && typeof target === 'object' ? (target as { resultName?: unknown }).resultName : undefined;
  return typeof name === 'string' ? name : undefined;
}
