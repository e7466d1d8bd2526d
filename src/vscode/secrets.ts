import * as vscode from 'vscode';

/** The default connection's key is the one earlier versions used; named connections get their own. */
const keyOf = (connection: string) => (connection === DEFAULT_CONNECTION ? 'tdtp.redis.password' : `tdtp.redis.password/${connection}`);

/** The name of the connection made from the `tdtp.redis.*` settings. */
export const DEFAULT_CONNECTION = 'default';

/** Redis passwords live only in SecretStorage, one per connection, never in settings. */
export class PasswordStore {
  /** Fires with the connection name whose password changed. */
  readonly onDidChange: vscode.Event<string>;

  constructor(private readonly secrets: vscode.SecretStorage) {
    this.onDidChange = (listener, thisArgs, disposables) =>
      secrets.onDidChange((e) => {
        const match = /^tdtp\.redis\.password(?:\/(.+))?$/.exec(e.key);
        if (match) listener.call(thisArgs, match[1] ?? DEFAULT_CONNECTION);
      }, undefined, disposables);
  }

  get(connection = DEFAULT_CONNECTION): Thenable<string | undefined> {
    return this.secrets.get(keyOf(connection));
  }

  set(password: string, connection = DEFAULT_CONNECTION): Thenable<void> {
    return this.secrets.store(keyOf(connection), password);
  }

  clear(connection = DEFAULT_CONNECTION): Thenable<void> {
    return this.secrets.delete(keyOf(connection));
  }
}
