import * as vscode from 'vscode';

const PASSWORD_KEY = 'tdtp.redis.password';

/** The Redis password lives only in SecretStorage, never in settings. */
export class PasswordStore {
  readonly onDidChange: vscode.Event<void>;

  constructor(private readonly secrets: vscode.SecretStorage) {
    this.onDidChange = (listener, thisArgs, disposables) =>
      secrets.onDidChange((e) => {
        if (e.key === PASSWORD_KEY) listener.call(thisArgs);
      }, undefined, disposables);
  }

  get(): Thenable<string | undefined> {
    return this.secrets.get(PASSWORD_KEY);
  }

  set(password: string): Thenable<void> {
    return this.secrets.store(PASSWORD_KEY, password);
  }

  clear(): Thenable<void> {
    return this.secrets.delete(PASSWORD_KEY);
  }
}
