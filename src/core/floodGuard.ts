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
  /** Names left unread while it may still be a burst; undefined once it is a flood. */
  private missed: Set<string> | undefined = new Set();
  private lastShedAt = Number.NEGATIVE_INFINITY;

  constructor(
    private readonly perSecond = FLOOD_NEW_NAMES_PER_SECOND,
    private readonly now: () => number = Date.now,
    private readonly kept = MISSED_KEPT,
  ) {}

  /**
   * A message for `name`, which the model does not hold: -1 to read it; otherwise it is left
   * unread, and the number of messages that are now lost (0 while its state key may still be
   * read; at the moment it turns out a flood, the kept names' too).
   */
  admit(name: string): number {
    const now = this.now();
    if (now - this.windowStart >= WINDOW_MS) {
      this.windowStart = now;
      this.newNames = 0;
    }
    if (++this.newNames <= this.perSecond) return -1;
    this.lastShedAt = now;
    if (!this.missed) return 1;
    this.missed.add(name);
    if (this.missed.size <= this.kept) return 0;
    this.missed = undefined;
    return this.kept + 1;
  }

  /**
   * Once a second has passed without a message left unread: the kept names to read from their
   * state keys (none after a flood), and the guard starts over. Undefined while it goes on.
   */
  takeMissed(): string[] | undefined {
    if (this.now() - this.lastShedAt < WINDOW_MS) return undefined;
    const names = [...(this.missed ?? [])];
    this.missed = new Set();
    return names;
  }
}
