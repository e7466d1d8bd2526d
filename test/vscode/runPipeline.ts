import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';

/**
 * Runs `tdtp.runPipeline` on a pipeline file, as a click on its lens does. Resolves once the task
 * has started, with `ended`: the exit code of the program tdtp.cli.path names.
 */
export async function runPipelineCommand(uri: vscode.Uri): Promise<{ ended: Promise<number | undefined> }> {
  const ended = new Promise<number | undefined>((resolve) => {
    const listener = vscode.tasks.onDidEndTaskProcess((e) => {
      if (e.execution.task.definition.type === 'tdtp') {
        listener.dispose();
        resolve(e.exitCode);
      }
    });
  });
  const execution = await vscode.commands.executeCommand<vscode.TaskExecution>('tdtp.runPipeline', uri);
  assert.ok(execution, 'a task was started');
  return { ended };
}
