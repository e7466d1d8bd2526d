// Download Artifact: the file a finished job recorded, its SHA-256 checked by the client against
// what the server recorded before anything is written; the user picks where.
import * as vscode from 'vscode';
import type { OrchestratorModel } from '../../core/orchestrator/model';
import type { Job } from '../../core/orchestrator/types';
import { orchestratorProblemText } from '../words/orchestrator';
import type { OrchestratorUi } from './prompts';
import { NOT_MODAL } from './prompts';

/** A base name from the server's path, safe as a default file name. */
function defaultName(job: Job, fromHeader: string | undefined): string {
  const base = fromHeader ?? (job.artifactPath ?? '').split(/[\\/]/).pop() ?? '';
  const safe = base.replace(/[^\w.-]+/g, '_').replace(/^\.+/, '').slice(0, 120);
  return safe || `${job.id.slice(0, 36)}.artifact`;
}

export async function downloadArtifact(model: OrchestratorModel, job: Job, ui: Pick<OrchestratorUi, 'saveTo' | 'error' | 'info'>): Promise<vscode.Uri | undefined> {
  if (job.artifactSha256 === undefined) {
    void ui.info(vscode.l10n.t('This job has no artifact.'), NOT_MODAL);
    return undefined;
  }
  const answer = await vscode.window.withProgress(
    { location: vscode.ProgressLocation.Notification, title: vscode.l10n.t('TDTP: downloading the artifact…') },
    () => model.call((c, signal) => c.artifact(job.id, job.artifactSha256, { signal })),
  );
  if (!answer.ok) {
    void ui.error(orchestratorProblemText(answer.problem));
    return undefined;
  }
  const folder = vscode.workspace.workspaceFolders?.[0]?.uri;
  const name = defaultName(job, answer.value.fileName);
  const target = await ui.saveTo({ defaultUri: folder ? vscode.Uri.joinPath(folder, name) : undefined, title: vscode.l10n.t('Save the artifact') });
  if (!target) return undefined;
  await vscode.workspace.fs.writeFile(target, answer.value.bytes);
  void ui.info(vscode.l10n.t('Saved {0} (SHA-256 checked).', target.fsPath), NOT_MODAL);
  return target;
}
