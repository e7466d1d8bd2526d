// The store's change notifications, coalesced: a burst of events costs a few view refreshes.
import type { IDisposable } from './lifecycle';

export interface StoreChange {
  /** result_names whose entry changed since the last notification. */
  readonly pipelines: ReadonlySet<string>;
  /** Whether the list of rejected messages changed. */
  readonly rejectedChanged: boolean;
  /** Whether pipelines were added or removed (a structural change). */
  readonly structural: boolean;
  /** Whether a count shown beside the pipelines changed (messages the flood guard left unread). */
  readonly countsChanged: boolean;
}

/** Collects what changed and fires one StoreChange at most every `coalesceMs` (0: at once, for tests). */
export class ChangeBatch implements IDisposable {
  private pipelines = new Set<string>();
  private rejectedChanged = false;
  private structuralChange = false;
  private countsChanged = false;
  private timer: ReturnType<typeof setTimeout> | undefined;
  private disposed = false;

  constructor(
    private readonly coalesceMs: number,
    private readonly fire: (change: StoreChange) => void,
  ) {}

  /** A pipeline's entry changed; `structural`: it was added or removed. */
  pipeline(resultName: string, structural: boolean): void {
    this.pipelines.add(resultName);
    if (structural) this.structuralChange = true;
    this.schedule();
  }

  /** Pipelines were added or removed (one named, or any number). */
  structural(resultName?: string): void {
    this.structuralChange = true;
    if (resultName !== undefined) this.pipelines.add(resultName);
    this.schedule();
  }

  /** The whole model changed (cleared): pipelines and the rejected list, in one notification. */
  everything(): void {
    this.structuralChange = true;
    this.rejectedChanged = true;
    this.schedule();
  }

  rejected(): void {
    this.rejectedChanged = true;
    this.schedule();
  }

  counts(): void {
    this.countsChanged = true;
    this.schedule();
  }

  /** Delivers what is pending now. */
  flush(): void {
    if (this.timer) {
      clearTimeout(this.timer);
      this.timer = undefined;
    }
    if (this.pipelines.size === 0 && !this.rejectedChanged && !this.structuralChange && !this.countsChanged) return;
    const change: StoreChange = { pipelines: this.pipelines, rejectedChanged: this.rejectedChanged, structural: this.structuralChange, countsChanged: this.countsChanged };
    this.pipelines = new Set();
    this.rejectedChanged = false;
    this.structuralChange = false;
    this.countsChanged = false;
    this.fire(change);
  }

  dispose(): void {
    this.disposed = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
  }

  private schedule(): void {
    if (this.disposed) return;
    if (this.coalesceMs <= 0) {
      this.flush();
      return;
    }
    this.timer ??= setTimeout(() => {
      this.timer = undefined;
      this.flush();
    }, this.coalesceMs);
  }
}
