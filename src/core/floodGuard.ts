// A flood of distinct result names (a broken or hostile publisher) makes a full model admit and
// evict a name for every message: each is decoded, stored, journaled and dropped again, and the
// extension host's memory balloons (BENCHMARKS.md, 11e). At the limit, the guard lets at most
// FLOOD_NEW_NAMES_PER_SECOND new names in per second; past that, a message for a name the model
// does not hold is counted and left unread, until a second passes with fewer (the second after
// one over the cap admits none). Names the model holds are always read: a team's pipelines stay
// current, and so does the tree.
export const FLOOD_NEW_NAMES_PER_SECOND = 500;

const WINDOW_MS = 1000;

export class FloodGuard {
  private windowStart = Number.NEGATIVE_INFINITY;
  private newNames = 0;
  private overLastWindow = false;

  constructor(
    private readonly perSecond = FLOOD_NEW_NAMES_PER_SECOND,
    private readonly now: () => number = Date.now,
  ) {}

  /** A message for a name the full model does not hold: whether to leave it unread. */
  shedsNewName(): boolean {
    const now = this.now();
    if (now - this.windowStart >= WINDOW_MS) {
      // A quiet second in between ends the flood.
      this.overLastWindow = now - this.windowStart < 2 * WINDOW_MS && this.newNames > this.perSecond;
      this.windowStart = now;
      this.newNames = 0;
    }
    this.newNames++;
    return this.overLastWindow || this.newNames > this.perSecond;
  }
}
