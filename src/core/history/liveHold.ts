import type { PipelineRun } from '../decode';
import type { PipelineStore } from '../store';

/** Live runs held at most while the streams are read (a flood meanwhile is not held). */
const MAX_HELD = 10_000;

/**
 * Live runs that arrive while the recorders' streams are read at connect: theirs are newer than
 * everything a stream holds, so they are held and added after the streams' runs. Added at once,
 * a live run would become the latest first, and the runs missed before it could not go in.
 */
export class LiveHold {
  private held: Array<{ readonly run: PipelineRun; readonly at: number }> | undefined;

  constructor(
    private readonly store: PipelineStore,
    private readonly max = MAX_HELD,
  ) {}

  /** Start holding (a read of the streams begins). */
  begin(): void {
    this.held ??= [];
  }

  /**
   * A live run: held while a read runs, else added now (with its payload's bytes, for the journal;
   * a held one without them). Past `max` held, all are added and holding stops.
   */
  offer(run: PipelineRun, wire?: Uint8Array): void {
    if (this.held) {
      if (this.held.length < this.max) {
        this.held.push({ run, at: Date.now() });
        return;
      }
      this.end();
    }
    this.store.addRun(run, 'live', undefined, false, wire);
  }

  /** Stop holding: the held runs are added, in the order they arrived. */
  end(): void {
    const held = this.held;
    this.held = undefined;
    if (held) for (const { run, at } of held) this.store.addRun(run, 'live', at);
  }
}
