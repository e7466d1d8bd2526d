// One request in flight per server: every call to one orchestrator (the poller's and a person's)
// goes through that server's queue, in order. A hung call ends at its own timeout (http.ts), so
// the queue cannot stall for longer than that.
import type { IDisposable } from '../lifecycle';

export class SerialQueue implements IDisposable {
  private tail: Promise<unknown> = Promise.resolve();
  private readonly controller = new AbortController();
  private waiting = 0;

  /** Calls waiting or running. */
  get size(): number {
    return this.waiting;
  }

  /** Runs `task` after every task queued before it; the signal aborts when the queue is disposed. */
  run<T>(task: (signal: AbortSignal) => Promise<T>): Promise<T> {
    this.waiting++;
    const result = this.tail.then(() => task(this.controller.signal));
    const done = () => {
      this.waiting--;
    };
    this.tail = result.then(done, done);
    return result;
  }

  dispose(): void {
    this.controller.abort();
  }
}
