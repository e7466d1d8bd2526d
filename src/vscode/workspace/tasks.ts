import * as vscode from 'vscode';
import type { Config } from '../settings/config';
import type { WorkspacePipelineFiles } from './pipelineFiles';

export const TASK_TYPE = 'tdtp';

/** The manifest's taskDefinitions entry: `{ "type": "tdtp", "pipeline": "<file>" }` (relative to the folder, or absolute). */
export interface TdtpTaskDefinition extends vscode.TaskDefinition {
  readonly type: typeof TASK_TYPE;
  readonly pipeline: string;
}

/**
 * `tdtp` tasks: `<tdtp.cli.path> <tdtp.cli.args…> --pipeline <file>`, one per pipeline file, run as a
 * process (no shell, so a file name is never interpreted). The run's result arrives through Redis
 * as usual. Nothing is offered in Restricted Mode (VS Code does not run tasks there either).
 */
export class PipelineTaskProvider implements vscode.TaskProvider {
  constructor(
    private readonly files: WorkspacePipelineFiles,
    private readonly config: Config,
  ) {}

  provideTasks(): vscode.Task[] {
    if (!vscode.workspace.isTrusted || !this.files.active) return [];
    return this.files.index
      .pipelineFiles()
      .map((file) => this.taskFor(vscode.Uri.parse(file)))
      .filter((task): task is vscode.Task => task !== undefined);
  }

  resolveTask(task: vscode.Task): vscode.Task | undefined {
    const definition = task.definition as Partial<TdtpTaskDefinition>;
    if (!vscode.workspace.isTrusted || typeof definition.pipeline !== 'string' || definition.pipeline === '') return undefined;
    const folder = typeof task.scope === 'object' ? task.scope : vscode.workspace.workspaceFolders?.[0];
    const uri = /^(\/|[a-zA-Z]:[\\/])/.test(definition.pipeline) || !folder ? vscode.Uri.file(definition.pipeline) : vscode.Uri.joinPath(folder.uri, definition.pipeline);
    return this.taskFor(uri, task.definition as TdtpTaskDefinition, task.name);
  }

  /** The task for a pipeline file; undefined outside the workspace. */
  taskFor(uri: vscode.Uri, given?: TdtpTaskDefinition, name?: string): vscode.Task | undefined {
    const folder = vscode.workspace.getWorkspaceFolder(uri);
    if (!folder) return undefined;
    const relative = vscode.workspace.asRelativePath(uri, false);
    const definition: TdtpTaskDefinition = given ?? { type: TASK_TYPE, pipeline: relative };
    const { path, args } = this.config.cli;
    const task = new vscode.Task(
      definition,
      folder,
      name ?? vscode.l10n.t('run {0}', relative),
      TASK_TYPE,
      new vscode.ProcessExecution(path, [...args, '--pipeline', uri.fsPath], { cwd: folder.uri.fsPath }),
      [],
    );
    task.presentationOptions = { reveal: vscode.TaskRevealKind.Always, clear: true };
    return task;
  }
}

/** *Run Pipeline* (CodeLens, editor title): saves the file, then runs its task. */
export async function runPipeline(files: WorkspacePipelineFiles, provider: PipelineTaskProvider, config: Config, target?: unknown): Promise<vscode.TaskExecution | undefined> {
  if (!vscode.workspace.isTrusted) {
    void vscode.window.showWarningMessage(vscode.l10n.t('Pipelines are not run in Restricted Mode. Trust this folder to run them.'));
    return undefined;
  }
  const uri = target instanceof vscode.Uri ? target : vscode.window.activeTextEditor?.document.uri;
  if (!uri || files.definitionsIn(uri).length === 0) {
    void vscode.window.showWarningMessage(vscode.l10n.t('This file is not a pipeline that publishes to Redis (no result_log of type redis).'));
    return undefined;
  }
  if (config.cli.path === '') {
    void vscode.window.showErrorMessage(vscode.l10n.t('Set tdtp.cli.path (in your user settings) to the tdtpcli program.'));
    return undefined;
  }
  const document = vscode.workspace.textDocuments.find((d) => d.uri.toString() === uri.toString());
  // tdtpcli reads the file from disk: what is run is what the editor shows.
  if (document?.isDirty) await document.save();
  const task = provider.taskFor(uri);
  return task && vscode.tasks.executeTask(task);
}
