/**
 * Ownership of disposables, shaped like `vscode.Disposable` so the core and the front ends share it
 * (the core stays vscode-free).
 */
export interface IDisposable {
  dispose(): void;
}

/** Collects disposables and disposes them together, newest first. */
export class DisposableStore implements IDisposable {
  private items: IDisposable[] = [];
  private disposed = false;

  add<T extends IDisposable>(item: T): T {
    if (this.disposed) {
      item.dispose();
    } else {
      this.items.push(item);
    }
    return item;
  }

  dispose(): void {
    this.disposed = true;
    const items = this.items.reverse();
    this.items = [];
    for (const item of items) item.dispose();
  }
}

/** Base of every owner: what it registers is disposed with it, newest first. */
export abstract class Disposable implements IDisposable {
  private readonly owned = new DisposableStore();

  protected register<T extends IDisposable>(item: T): T {
    return this.owned.add(item);
  }

  dispose(): void {
    this.owned.dispose();
  }
}
