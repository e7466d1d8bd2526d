import type { IDisposable } from './lifecycle';

/** A minimal typed event emitter shaped like `vscode.Event`, so the core stays vscode-free. */

export type Listener<T> = (value: T) => void;
export type Event<T> = (listener: Listener<T>) => IDisposable;

export class Emitter<T> implements IDisposable {
  private listeners: Listener<T>[] = [];
  private disposed = false;

  /** Subscribe; the returned disposable removes exactly this listener. */
  readonly event: Event<T> = (listener) => {
    if (this.disposed) return { dispose() {} };
    this.listeners = [...this.listeners, listener];
    return {
      dispose: () => {
        this.listeners = this.listeners.filter((l) => l !== listener);
      },
    };
  };

  get hasListeners(): boolean {
    return this.listeners.length > 0;
  }

  /**
   * Deliver to every listener. One throwing listener must not starve the others
   * (a broken view must never stop the model), so errors are reported, not rethrown.
   */
  fire(value: T): void {
    for (const listener of this.listeners) {
      try {
        listener(value);
      } catch (err) {
        this.onListenerError(err);
      }
    }
  }

  onListenerError: (err: unknown) => void = (err) => {
    console.error('[tdtp] listener failed:', err);
  };

  dispose(): void {
    this.disposed = true;
    this.listeners = [];
  }
}
