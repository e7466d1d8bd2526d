import { createHash } from 'node:crypto';
import * as vscode from 'vscode';
import { Disposable } from '../core/lifecycle';
import { redactUrl, splitUrlPassword } from '../core/settings';
import { inertText } from '../core/text';
import { DEFAULT_CONNECTION, PasswordStore } from './secrets';

/** Where a setting's value was written. */
export type UrlScope = 'user' | 'workspace' | 'folder';

/** Whether to move the password out of `tdtp.redis.url` of that scope; replaced by the in-VS-Code tests. */
export type MoveQuestion = (scope: UrlScope, shownUrl: string) => Thenable<boolean>;

const WARNED_KEY = 'tdtp.urlPasswordWarned';

/**
 * A password inside `tdtp.redis.url` travels with Settings Sync (and a workspace's settings with
 * its repository). Says so once per value and offers to move it to secret storage: the password
 * is stored with PasswordStore and the setting rewritten without it, where it was written.
 */
export class UrlPasswordGuard extends Disposable {
  constructor(
    private readonly passwords: PasswordStore,
    private readonly memento: vscode.Memento,
    private readonly log: vscode.LogOutputChannel,
    public ask: MoveQuestion = askToMove,
  ) {
    super();
    this.register(vscode.workspace.onDidChangeConfiguration((e) => e.affectsConfiguration('tdtp.redis.url') && void this.check()));
  }

  /** Looks at every scope's value; resolves when any question asked has been answered. */
  async check(): Promise<void> {
    const inspected = vscode.workspace.getConfiguration('tdtp').inspect<string>('redis.url');
    const scopes: Array<[UrlScope, unknown, vscode.ConfigurationTarget]> = [
      ['user', inspected?.globalValue, vscode.ConfigurationTarget.Global],
      ['workspace', inspected?.workspaceValue, vscode.ConfigurationTarget.Workspace],
      ['folder', inspected?.workspaceFolderValue, vscode.ConfigurationTarget.WorkspaceFolder],
    ];
    for (const [scope, value, target] of scopes) {
      if (typeof value !== 'string') continue;
      const split = splitUrlPassword(value);
      if (!split) continue;
      const id = createHash('sha256').update(`${scope}\n${value}`).digest('hex');
      const warned = this.memento.get<string[]>(WARNED_KEY, []);
      if (warned.includes(id)) continue;
      await this.memento.update(WARNED_KEY, [...warned, id].slice(-20));
      this.log.warn(`tdtp.redis.url in the ${scope} settings holds a password (${redactUrl(value)}); settings travel with Settings Sync.`);
      if (!(await this.ask(scope, redactUrl(value)))) continue;
      // The secret first: the rewritten setting then connects with it.
      await this.passwords.set(split.password, DEFAULT_CONNECTION, 'redis');
      await vscode.workspace.getConfiguration('tdtp').update('redis.url', split.url, target);
      this.log.info(`The password of tdtp.redis.url (${scope} settings) is now in secret storage; the setting is ${redactUrl(split.url)}.`);
    }
  }
}

async function askToMove(scope: UrlScope, shownUrl: string): Promise<boolean> {
  const move = vscode.l10n.t('Move to Secret Storage');
  const where = scope === 'user' ? vscode.l10n.t('your user settings') : vscode.l10n.t('the workspace settings');
  const choice = await vscode.window.showWarningMessage(
    inertText(vscode.l10n.t('tdtp.redis.url in {0} holds a password ({1}). Settings travel with Settings Sync, and workspace settings with the repository. Move the password to VS Code\'s secret storage?', where, shownUrl)),
    move,
  );
  return choice === move;
}
