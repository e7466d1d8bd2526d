import * as vscode from 'vscode';

/** Which secret: the Redis password, or the Sentinel password of a Sentinel deployment. */
export type SecretKind = 'redis' | 'sentinel';

const BASE: Record<SecretKind, string> = { redis: 'tdtp.redis.password', sentinel: 'tdtp.redis.sentinelPassword' };

/** The default connection's key is the plain one; named connections get their own. */
const keyOf = (connection: string, kind: SecretKind) => (connection === DEFAULT_CONNECTION ? BASE[kind] : `${BASE[kind]}/${connection}`);

/** The name of the connection made from the `tdtp.redis.*` settings. */
export const DEFAULT_CONNECTION = 'default';

/** Redis passwords live only in SecretStorage, one per connection, never in settings. */
export class PasswordStore {
  /** Fires with the connection name whose password changed. */
  readonly onDidChange: vscode.Event<string>;

  constructor(private readonly secrets: vscode.SecretStorage) {
    this.onDidChange = (listener, thisArgs, disposables) =>
      secrets.onDidChange((e) => {
        const match = /^tdtp\.redis\.(?:password|sentinelPassword)(?:\/(.+))?$/.exec(e.key);
        if (match) listener.call(thisArgs, match[1] ?? DEFAULT_CONNECTION);
      }, undefined, disposables);
  }

  get(connection = DEFAULT_CONNECTION, kind: SecretKind = 'redis'): Thenable<string | undefined> {
    return this.secrets.get(keyOf(connection, kind));
  }

  set(password: string, connection = DEFAULT_CONNECTION, kind: SecretKind = 'redis'): Thenable<void> {
    return this.secrets.store(keyOf(connection, kind), password);
  }

  clear(connection = DEFAULT_CONNECTION, kind: SecretKind = 'redis'): Thenable<void> {
    return this.secrets.delete(keyOf(connection, kind));
  }
}
