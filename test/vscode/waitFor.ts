/** Minimal event shape shared by vscode.Event and the core's Event. */
type AnyEvent<T> = (listener: (value: T) => void) => { dispose(): void };

/**
 * Resolves when `check()` returns a value other than undefined, re-checking whenever one of the
 * events fires (no polling, no sleeps). Rejects with `what` after the timeout.
 */
export function untilEvent<T>(what: string, check: () => T | undefined, events: AnyEvent<unknown>[], timeoutMs = 15_000): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const subscriptions: Array<{ dispose(): void }> = [];
    const done = () => {
      clearTimeout(timer);
      for (const s of subscriptions) s.dispose();
    };
    const timer = setTimeout(() => {
      done();
      reject(new Error(`Timed out after ${timeoutMs} ms waiting for: ${what}`));
    }, timeoutMs);
    const evaluate = () => {
      let value: T | undefined;
      try {
        value = check();
      } catch (err) {
        done();
        reject(err);
        return;
      }
      if (value !== undefined) {
        done();
        resolve(value);
      }
    };
    for (const event of events) subscriptions.push(event(() => evaluate()));
    evaluate();
  });
}

/** Resolves with the first value of `event` that satisfies `predicate`. */
export function nextEvent<T>(what: string, event: AnyEvent<T>, predicate: (value: T) => boolean = () => true, timeoutMs = 15_000): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => {
      subscription.dispose();
      reject(new Error(`Timed out after ${timeoutMs} ms waiting for: ${what}`));
    }, timeoutMs);
    const subscription = event((value) => {
      if (predicate(value)) {
        clearTimeout(timer);
        subscription.dispose();
        resolve(value);
      }
    });
  });
}
