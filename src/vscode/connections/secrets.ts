import * as vscode from 'vscode';

/**
 * Which secret: the Redis password, the Sentinel password of a Sentinel deployment, or the
 * orchestrator's bearer token or LDAP password (bound to its URL as the others to their endpoint).
 */
export type SecretKind = 'redis' | 'sentinel' | 'orchestratorToken' | 'orchestratorPassword';

const BASE: Record<SecretKind, string> = {
  redis: 'tdtp.redis.password',
  sentinel: 'tdtp.redis.sentinelPassword',
  orchestratorToken: 'tdtp.orchestrator.token',
  orchestratorPassword: 'tdtp.orchestrator.password',
};

/** The default connection's key is the plain one; named connections get their own. */
const keyOf = (connection: string, kind: SecretKind) => (connection === DEFAULT_CONNECTION ? BASE[kind] : `${BASE[kind]}/${connection}`);

/** The name of the connection made from the `tdtp.redis.*` settings. */
export const DEFAULT_CONNECTION = 'default';

/**
 * A stored password and the endpoint it was saved for (see passwordScope in core/endpoint).
 * `endpoint` is undefined for a password saved while its connection's settings could not say where
 * (or before passwords were bound): it is bound where it first connects if the user's own settings
 * say where that is, and otherwise only after the user agrees (WatchedConnection).
 */
export interface StoredPassword {
  readonly password: string;
  readonly endpoint?: string;
}

/** Whether to send a stored password to an endpoint other than the one it was saved for (undefined: saved for none). */
export type ElsewhereQuestion = (connection: string, kind: SecretKind, savedFor: string | undefined, now: string) => Thenable<boolean>;

/**
 * Redis passwords live only in SecretStorage, one per connection and kind, never in settings.
 * Each is bound to the endpoint it was saved for: a repository that points the same connection
 * name at another host does not receive it unless the user says so.
 */
export class PasswordStore {
  /** Fires with the connection whose secret changed, and which one. */
  readonly onDidChange: vscode.Event<{ readonly connection: string; readonly kind: SecretKind }>;

  constructor(
    private readonly secrets: vscode.SecretStorage,
    /** Asked when a stored password would go elsewhere; replaced by the in-VS-Code tests. */
    public askElsewhere: ElsewhereQuestion = askInModal,
  ) {
    this.onDidChange = (listener, thisArgs, disposables) =>
      secrets.onDidChange((e) => {
        const slash = e.key.indexOf('/');
        const base = slash < 0 ? e.key : e.key.slice(0, slash);
        const kind = (Object.keys(BASE) as SecretKind[]).find((k) => BASE[k] === base);
        if (kind) listener.call(thisArgs, { connection: slash < 0 ? DEFAULT_CONNECTION : e.key.slice(slash + 1), kind });
      }, undefined, disposables);
  }

  async get(connection = DEFAULT_CONNECTION, kind: SecretKind = 'redis'): Promise<string | undefined> {
    return (await this.getBound(connection, kind))?.password;
  }

  async getBound(connection = DEFAULT_CONNECTION, kind: SecretKind = 'redis'): Promise<StoredPassword | undefined> {
    const value = await this.secrets.get(keyOf(connection, kind));
    if (value === undefined) return undefined;
    try {
      const parsed = JSON.parse(value) as Partial<StoredPassword> & { tdtp?: number };
      if (parsed.tdtp === 1 && typeof parsed.password === 'string') return { password: parsed.password, endpoint: typeof parsed.endpoint === 'string' ? parsed.endpoint : undefined };
    } catch {
      // A password stored as plain text, before passwords were bound.
    }
    return { password: value };
  }

  /** `endpoint`: where the password is meant to go (omitted: bound where it first connects). */
  set(password: string, connection = DEFAULT_CONNECTION, kind: SecretKind = 'redis', endpoint?: string): Promise<void> {
    return this.serialized(() => this.store(password, connection, kind, endpoint));
  }

  clear(connection = DEFAULT_CONNECTION, kind: SecretKind = 'redis'): Promise<void> {
    return this.serialized(() => this.secrets.delete(keyOf(connection, kind)));
  }

  /**
   * Binds `password` to `endpoint` if it is still the stored one and still bound to `from`
   * (undefined: unbound); a clear or a new password in between wins. Resolves whether it did.
   */
  rebind(password: string, connection: string, kind: SecretKind, from: string | undefined, endpoint: string): Promise<boolean> {
    let done = false;
    return this.serialized(async () => {
      const stored = await this.getBound(connection, kind);
      if (!stored || stored.endpoint !== from || stored.password !== password) return;
      await this.store(password, connection, kind, endpoint);
      done = true;
    }).then(() => done);
  }

  private store(password: string, connection: string, kind: SecretKind, endpoint: string | undefined): Thenable<void> {
    return this.secrets.store(keyOf(connection, kind), JSON.stringify({ tdtp: 1, password, ...(endpoint !== undefined ? { endpoint } : {}) }));
  }

  /** Writes one at a time, in call order. */
  private writes: Promise<void> = Promise.resolve();

  private serialized(write: () => Thenable<void>): Promise<void> {
    const next = this.writes.then(() => write());
    this.writes = next.catch(() => {});
    return next;
  }
}

async function askInModal(connection: string, kind: SecretKind, savedFor: string | undefined, now: string): Promise<boolean> {
  const send = kind === 'orchestratorToken' ? vscode.l10n.t('Send the Token') : vscode.l10n.t('Send the Password');
  // The endpoints come from settings a repository may have written: plain text in a modal's detail, never markup.
  const question =
    kind === 'orchestratorToken' || kind === 'orchestratorPassword'
      ? kind === 'orchestratorToken'
        ? vscode.l10n.t('The orchestrator of the connection "{0}" now has another URL. Send its stored token there?', connection)
        : vscode.l10n.t('The orchestrator of the connection "{0}" now has another URL. Send its stored LDAP password there?', connection)
      : savedFor === undefined
      ? kind === 'sentinel'
        ? vscode.l10n.t('The workspace settings point the connection "{0}" at a server its stored Sentinel password was not saved for. Send it there?', connection)
        : vscode.l10n.t('The workspace settings point the connection "{0}" at a server its stored Redis password was not saved for. Send it there?', connection)
      : kind === 'sentinel'
        ? vscode.l10n.t('The connection "{0}" now points somewhere else. Send its stored Sentinel password there?', connection)
        : vscode.l10n.t('The connection "{0}" now points somewhere else. Send its stored Redis password there?', connection);
  const detail = savedFor === undefined ? vscode.l10n.t('Now: {0}', now) : vscode.l10n.t('Saved for: {0}\nNow: {1}', savedFor, now);
  const choice = await vscode.window.showWarningMessage(question, { modal: true, detail }, send);
  return choice === send;
}
