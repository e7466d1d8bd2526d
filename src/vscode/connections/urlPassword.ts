import { createHash } from 'node:crypto';
import * as vscode from 'vscode';
import { Disposable } from '../../core/lifecycle';
import { parseConnectionSettings } from '../../core/settings';
import { passwordScope } from '../../core/endpoint';
import { redactUrl, splitUrlPassword } from '../../core/redisUrl';
import { inertText } from '../../core/text';
import { isPlainObject } from '../../core/validate';
import { namedConnectionInput } from '../settings/config';
import { CONNECTION_FIELDS } from '../settings/settingKeys';
import type { PasswordStore } from './secrets';
import { DEFAULT_CONNECTION } from './secrets';

/** Where a setting's value was written. */
export type UrlScope = 'user' | 'workspace' | 'folder';

/**
 * Whether to move the password out of a URL setting of that scope (`setting`: `tdtp.redis.url`
 * or `tdtp.connections[2].url`); `replaces`: another password is stored for that connection now
 * and the move would replace it. Replaced by the in-VS-Code tests.
 */
export type MoveQuestion = (scope: UrlScope, shownUrl: string, setting: string, replaces: boolean) => Thenable<boolean>;

const WARNED_KEY = 'tdtp.urlPasswordWarned';

/** A URL with a password, where it was written, and how to write it back without the password. */
interface UrlWithPassword {
  readonly setting: string;
  readonly connection: string;
  readonly url: string;
  readonly password: string;
  readonly bare: string;
  /** The endpoint the password is bound to (see passwordScope); undefined: where it first connects. */
  readonly endpoint?: string;
  /** Asked again when the same value was already warned about (by setting and value). */
  readonly warnedId: string;
  /** Writes the setting back with `bare` in place of the URL, in the scope it was found in. */
  readonly rewrite: () => Thenable<void>;
}

/**
 * A password inside `tdtp.redis.url`, or inside the `url` of a `tdtp.connections` entry, travels
 * with Settings Sync (and a workspace's settings with its repository). Says so once per value
 * and offers to move it to secret storage: the password is stored with PasswordStore under its
 * connection's name and the setting rewritten without it, where it was written.
 */
export class UrlPasswordGuard extends Disposable {
  constructor(
    private readonly passwords: PasswordStore,
    private readonly memento: vscode.Memento,
    private readonly log: vscode.LogOutputChannel,
    public ask: MoveQuestion = askToMove,
  ) {
    super();
    this.register(vscode.workspace.onDidChangeConfiguration((e) => (e.affectsConfiguration('tdtp.redis.url') || e.affectsConfiguration('tdtp.connections')) && void this.check()));
  }

  /** Looks at every scope's values; resolves when any question asked has been answered. */
  async check(): Promise<void> {
    const section = vscode.workspace.getConfiguration('tdtp');
    const url = section.inspect<unknown>('redis.url');
    const connections = section.inspect<unknown>('connections');
    const scopes: Array<[UrlScope, unknown, unknown, vscode.ConfigurationTarget]> = [
      ['user', url?.globalValue, connections?.globalValue, vscode.ConfigurationTarget.Global],
      ['workspace', url?.workspaceValue, connections?.workspaceValue, vscode.ConfigurationTarget.Workspace],
      ['folder', url?.workspaceFolderValue, connections?.workspaceFolderValue, vscode.ConfigurationTarget.WorkspaceFolder],
    ];
    for (const [scope, urlValue, connectionsValue, target] of scopes) {
      for (const found of [...redisUrl(urlValue, scope, target), ...connectionUrls(connectionsValue, target)]) await this.offer(scope, found);
    }
  }

  private async offer(scope: UrlScope, found: UrlWithPassword): Promise<void> {
    const id = createHash('sha256').update(`${scope}\n${found.warnedId}`).digest('hex');
    const warned = this.memento.get<string[]>(WARNED_KEY, []);
    if (warned.includes(id)) return;
    await this.memento.update(WARNED_KEY, [...warned, id].slice(-20));
    this.log.warn(`${found.setting} in the ${scope} settings holds a password (${redactUrl(found.url)}); settings travel with Settings Sync.`);
    const stored = await this.passwords.get(found.connection, 'redis');
    if (!(await this.ask(scope, redactUrl(found.url), found.setting, stored !== undefined && stored !== found.password))) return;
    // The secret first: the rewritten setting then connects with it.
    await this.passwords.set(found.password, found.connection, 'redis', found.endpoint);
    await found.rewrite();
    this.log.info(`The password of ${found.setting} (${scope} settings) is now in secret storage; the setting is ${redactUrl(found.bare)}.`);
  }
}

function redisUrl(value: unknown, scope: UrlScope, target: vscode.ConfigurationTarget): UrlWithPassword[] {
  const split = typeof value === 'string' ? splitUrlPassword(value) : undefined;
  if (!split) return [];
  const endpoint = redisUrlEndpoint(split.url, scope);
  return [
    {
      setting: 'tdtp.redis.url',
      connection: DEFAULT_CONNECTION,
      url: value as string,
      password: split.password,
      bare: split.url,
      ...(endpoint !== undefined ? { endpoint } : {}),
      // The id of before tdtp.connections were looked at too: a warning already given is not given again.
      warnedId: value as string,
      rewrite: () => vscode.workspace.getConfiguration('tdtp').update('redis.url', split.url, target),
    },
  ];
}

/**
 * Where the password of a `tdtp.redis.url` goes: that URL read with the other `tdtp.redis.*` fields
 * of its own scope and the scopes below it (the user's settings for a URL in them), never with what
 * a workspace sets above it. Bound there when moved, so that settings pointing the connection
 * elsewhere later do not receive it without the user's say.
 */
function redisUrlEndpoint(bareUrl: string, scope: UrlScope): string | undefined {
  const section = vscode.workspace.getConfiguration('tdtp');
  const fields: Record<string, unknown> = {};
  for (const field of CONNECTION_FIELDS) {
    const inspected = section.inspect(`redis.${field.setting}`);
    const own = scope === 'user' ? [inspected?.globalValue] : scope === 'workspace' ? [inspected?.workspaceValue, inspected?.globalValue] : [inspected?.workspaceFolderValue, inspected?.workspaceValue, inspected?.globalValue];
    fields[field.setting] = own.find((value) => value !== undefined);
  }
  const parsed = parseConnectionSettings(namedConnectionInput({ ...fields, url: bareUrl }, 0, {}).input);
  return parsed.ok ? passwordScope(parsed.settings) : undefined;
}

/**
 * Entries without a usable name are left alone (the password would have no connection to belong
 * to), and so is a later entry repeating a name: it is no connection (see Config), and its password
 * must not replace the one of the entry that is.
 */
function connectionUrls(value: unknown, target: vscode.ConfigurationTarget): UrlWithPassword[] {
  if (!Array.isArray(value)) return [];
  const found: UrlWithPassword[] = [];
  const names = new Set<string>();
  value.forEach((entry: unknown, index) => {
    const name = isPlainObject(entry) && typeof entry.name === 'string' && entry.name.trim() !== '' ? entry.name : undefined;
    if (!isPlainObject(entry) || name === undefined || names.has(name)) return;
    names.add(name);
    if (typeof entry.url !== 'string') return;
    const split = splitUrlPassword(entry.url);
    if (!split) return;
    const url = entry.url;
    // Bound to where the entry points, read as the connection reads it (user, TLS, …).
    const parsed = parseConnectionSettings(namedConnectionInput({ ...entry, url: split.url }, index, {}).input);
    found.push({
      warnedId: `tdtp.connections\n${name}\n${url}`,
      ...(parsed.ok ? { endpoint: passwordScope(parsed.settings) } : {}),
      setting: `tdtp.connections[${index}].url`,
      connection: name,
      url,
      password: split.password,
      bare: split.url,
      // Read again at write time: only this entry's url changes, and only if it is still this URL.
      rewrite: async () => {
        const section = vscode.workspace.getConfiguration('tdtp');
        const inspected = section.inspect<unknown>('connections');
        const now = target === vscode.ConfigurationTarget.Global ? inspected?.globalValue : target === vscode.ConfigurationTarget.Workspace ? inspected?.workspaceValue : inspected?.workspaceFolderValue;
        if (!Array.isArray(now)) return;
        const list = now.map((e: unknown) => (isPlainObject(e) && e.name === name && e.url === url ? { ...e, url: split.url } : e));
        await section.update('connections', list, target);
      },
    });
  });
  return found;
}

async function askToMove(scope: UrlScope, shownUrl: string, setting: string, replaces: boolean): Promise<boolean> {
  const move = vscode.l10n.t('Move to Secret Storage');
  const where = scope === 'user' ? vscode.l10n.t('your user settings') : vscode.l10n.t('the workspace settings');
  const question = vscode.l10n.t('{0} in {1} holds a password ({2}). Settings travel with Settings Sync, and workspace settings with the repository. Move the password to VS Code\'s secret storage?', setting, where, shownUrl);
  const choice = await vscode.window.showWarningMessage(
    inertText(replaces ? `${question} ${vscode.l10n.t('A different password is stored for this connection now: the move replaces it.')}` : question),
    move,
  );
  return choice === move;
}
