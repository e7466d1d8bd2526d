import * as vscode from 'vscode';
import { readResultLogPassword } from '../../core/pipelineFiles';
import type { WorkspaceEndpoint } from '../../core/pipelineIndex';
import type { NodeAddress } from '../../core/settings';
import { parseConnectionSettings, parseResultLogAddress } from '../../core/settings';
import { passwordScope } from '../../core/endpoint';
import { settingProblemText } from '../words/settings';
import { inertText } from '../../core/text';
import type { Config } from '../settings/config';
import type { PasswordStore } from '../connections/secrets';
import { DEFAULT_CONNECTION } from '../connections/secrets';
import type { Viewer } from '../connections/viewer';
import type { WorkspacePipelineFiles } from './pipelineFiles';
import { readPipelineFile } from './pipelineFiles';

/** For tests and other extensions: which endpoint, and what to do with a password in the file. */
export interface ConnectFromWorkspaceOptions {
  readonly address?: string;
  readonly db?: number;
  readonly password?: 'fromFile' | 'none';
}

/**
 * A password is stored for the default connection and differs from the file's (or was saved for
 * another server): replace it with the file's, keep the user's, or (undefined) cancel. Replaced by
 * the in-VS-Code tests; never answered through the command's options.
 */
export type ReplaceQuestion = (savedFor: string | undefined, fileFor: string | undefined) => Thenable<'replace' | 'keep' | undefined>;

/**
 * Keeps `tdtp.workspaceEndpoints` (how many distinct `result_log.address` + `db` the pipeline files
 * name) for the welcome view, which offers them while nothing is configured. Never in Restricted
 * Mode: the index is empty there.
 */
export function trackWorkspaceEndpoints(files: WorkspacePipelineFiles): vscode.Disposable {
  const update = () => void vscode.commands.executeCommand('setContext', 'tdtp.workspaceEndpoints', files.active ? files.index.endpoints().length : 0);
  update();
  return files.onDidChange(update);
}

/**
 * *Connect to a Redis from the Pipeline Files*: one entry per distinct address + db; the choice
 * becomes `tdtp.redis.host`/`port`/`db`. A password written in the file is never copied into the
 * settings: the user may keep it in secret storage instead, bound to that endpoint, and replacing
 * a password the user stored only if they say so.
 */
export async function connectFromWorkspace(
  files: WorkspacePipelineFiles,
  viewer: Viewer,
  config: Config,
  passwords: PasswordStore,
  askReplace: ReplaceQuestion,
  options: ConnectFromWorkspaceOptions = {},
): Promise<boolean> {
  if (!vscode.workspace.isTrusted) return false;
  await files.ready;
  const endpoints = files.index.endpoints();
  let endpoint: WorkspaceEndpoint | undefined;
  if (options.address !== undefined) {
    endpoint = endpoints.find((e) => e.address === options.address && (options.db === undefined || e.db === options.db));
  } else {
    const picked = await vscode.window.showQuickPick(
      endpoints.map((e) => ({
        label: inertText(e.db === 0 ? e.address : vscode.l10n.t('{0}, database {1}', e.address, e.db)),
        description: e.passwordInFile ? vscode.l10n.t('the file sets a password') : undefined,
        detail: inertText(e.files.map((f) => vscode.workspace.asRelativePath(vscode.Uri.parse(f))).join(', ')),
        endpoint: e,
      })),
      { title: vscode.l10n.t('TDTP: connect to a Redis named by the pipeline files'), placeHolder: vscode.l10n.t('result_log.address of your pipelines') },
    );
    endpoint = picked?.endpoint;
  }
  if (!endpoint) return false;
  const address = parseResultLogAddress(endpoint.address);
  if ('code' in address) {
    void vscode.window.showErrorMessage(vscode.l10n.t('The pipeline files give result_log.address {0}, which cannot be used: {1}', inertText(JSON.stringify(endpoint.address)), inertText(settingProblemText(address))));
    return false;
  }
  if (endpoint.passwordInFile) {
    const choice = options.password ?? (await askAboutPassword());
    if (choice === undefined) return false;
    if (choice === 'fromFile') {
      const password = await passwordFromFiles(endpoint);
      if (password !== undefined && !(await keepFilePassword(password, scopeAfterConnect(config, address, endpoint.db), passwords, askReplace))) return false;
    }
  }
  const target = vscode.workspace.workspaceFolders?.length ? vscode.ConfigurationTarget.Workspace : vscode.ConfigurationTarget.Global;
  const section = vscode.workspace.getConfiguration('tdtp');
  await section.update('redis.host', address.host, target);
  await section.update('redis.port', address.port, target);
  await section.update('redis.db', endpoint.db, target);
  const connection = viewer.get(DEFAULT_CONNECTION);
  if (connection && connection.state.kind === 'idle' && !config.autoConnect) void connection.connect();
  return true;
}

async function askAboutPassword(): Promise<'fromFile' | 'none' | undefined> {
  const keep = vscode.l10n.t('Keep It in Secret Storage');
  const none = vscode.l10n.t('Connect Without It');
  const choice = await vscode.window.showInformationMessage(
    vscode.l10n.t('The pipeline file sets a Redis password. It is not copied into the settings; the viewer can keep it in VS Code\'s secret storage.'),
    { modal: true },
    keep,
    none,
  );
  return choice === keep ? 'fromFile' : choice === none ? 'none' : undefined;
}

/** Where the default connection's password goes once it points at the file's address and db (see passwordScope). */
function scopeAfterConnect(config: Config, address: NodeAddress, db: number): string | undefined {
  const profile = config.connectionProfiles().profiles.find((p) => p.name === DEFAULT_CONNECTION);
  const parsed = parseConnectionSettings({ ...(profile?.read({}).input ?? {}), host: address.host, port: address.port, db });
  return parsed.ok ? passwordScope(parsed.settings) : undefined;
}

/**
 * Stores the file's password bound to where it is for. One the user stored that differs (in value
 * or server) is replaced only when they say so. Resolves false when they cancel.
 */
async function keepFilePassword(password: string, scope: string | undefined, passwords: PasswordStore, askReplace: ReplaceQuestion): Promise<boolean> {
  const stored = await passwords.getBound(DEFAULT_CONNECTION, 'redis');
  if (stored && (stored.password !== password || stored.endpoint !== scope)) {
    const answer = await askReplace(stored.endpoint, scope);
    if (answer !== 'replace') return answer === 'keep';
  }
  await passwords.set(password, DEFAULT_CONNECTION, 'redis', scope);
  return true;
}

export async function askToReplace(savedFor: string | undefined, fileFor: string | undefined): Promise<'replace' | 'keep' | undefined> {
  const replace = vscode.l10n.t('Replace It');
  const keep = vscode.l10n.t('Keep Mine');
  // The endpoints come from settings and a repository's file: plain text in a modal's detail.
  const choice = await vscode.window.showWarningMessage(
    vscode.l10n.t('A Redis password of yours is stored for this connection. Replace it with the pipeline file\'s password?'),
    { modal: true, detail: vscode.l10n.t('Yours is for: {0}\nThe file\'s is for: {1}', savedFor ?? vscode.l10n.t('no server yet'), fileFor ?? vscode.l10n.t('no server yet')) },
    replace,
    keep,
  );
  return choice === replace ? 'replace' : choice === keep ? 'keep' : undefined;
}

/** The password written for this endpoint, read again from its file only now. */
async function passwordFromFiles(endpoint: WorkspaceEndpoint): Promise<string | undefined> {
  if (!endpoint.passwordAt) return undefined;
  const content = await readPipelineFile(vscode.Uri.parse(endpoint.passwordAt.file));
  return typeof content === 'string' ? readResultLogPassword(content, endpoint.passwordAt.documentIndex) : undefined;
}
