// A flood of distinct result names (a broken or hostile publisher) fills the model with names
// seen once and then makes it admit and evict one per message: each is decoded, stored, journaled
// and dropped again, and the extension host's memory balloons (BENCHMARKS.md, 11e). The guard
// reads at most FLOOD_NEW_NAMES_PER_SECOND names the model does not hold in any one second; the
// rest of that second's new names are left unread. Names the model holds are always read, so a
// team's pipelines stay current.
//
// A burst is not always a flood (a thousand pipelines that first run at midnight): the first
// MISSED_KEPT names left unread are kept, and once a quiet second has passed the watcher reads
// their state keys, so nothing a real burst sent is lost. Past MISSED_KEPT it is a flood: those
// names are let go and every message left unread is counted (the store's `unread`, worded).
export const FLOOD_NEW_NAMES_PER_SECOND = 200;
export const MISSED_KEPT = 2_000;

const WINDOW_MS = 1000;

export class FloodGuard {
  private windowStart = Number.NEGATIVE_INFINITY;
  private newNames = 0;
  private missed = new Set<string>();
  private flooded = false;
  private lastShedAt = Number.NEGATIVE_INFINITY;

  constructor(
    private readonly perSecond = FLOOD_NEW_NAMES_PER_SECOND,
    private readonly now: () => number = Date.now,
    private readonly kept = MISSED_KEPT,
  ) {}

  /**
   * A message for `name`, which the model does not hold: `read` it, or leave it unread and
   * `kept` (its state key is read when the burst is over) or `lost` (a flood: counted only).
   */
  admit(name: string): 'read' | 'kept' | 'lost' {
    const now = this.now();
    if (now - this.windowStart >= WINDOW_MS) {
      this.windowStart = now;
      this.newNames = 0;
    }
    if (++this.newNames <= this.perSecond) return 'read';
    this.lastShedAt = now;
    if (this.flooded) return 'lost';
    this.missed.add(name);
    if (this.missed.size <= this.kept) return 'kept';
    // A flood after all: what was kept is let go too (its messages count as lost from now).
    this.flooded = true;
    return 'lost';
  }

  /** How many kept names a flood just let go (to count them as lost), once. */
  takeLetGo(): number {
    if (!this.flooded || this.missed.size === 0) return 0;
    const count = this.missed.size - 1;
    this.missed = new Set();
    return count;
  }

  /**
   * Once a second has passed without a message left unread: the kept names to read from their
   * state keys (empty after a flood), and the guard starts over. Undefined while it goes on.
   */
  takeMissed(): string[] | undefined {
    if (this.now() - this.lastShedAt < WINDOW_MS) return undefined;
    const names = this.flooded ? [] : [...this.missed];
    this.missed = new Set();
    this.flooded = false;
    return names;
  }
}
