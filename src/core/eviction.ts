/**
 * How much a pipeline's runs say it is a team's, the first key of the eviction order:
 * - `streamOnly`: every run it has was read back from a recorder's stream. A stream keeps whatever
 *   was published, a flood's junk names included, long after their state keys expired;
 * - `seenOnce`: heard once, live (what a flood of distinct names is made of);
 * - `established`: heard more than once, or read from a state key (what a team's pipelines are).
 */
export type Standing = 'streamOnly' | 'seenOnce' | 'established';

const STANDING_RANK: Readonly<Record<Standing, number>> = { streamOnly: 0, seenOnce: 1, established: 2 };

/**
 * Which pipelines give way when the model holds as many as it may. A flood of junk names from a
 * hostile publisher (live, or written into streams by a recorder) must not push out the pipelines
 * a team watches, so the order is:
 *
 * 1. by standing (above): stream-only before seen-once before established;
 * 2. within each, the ones that did not fail before failures (a failure is what someone must see);
 * 3. within those, the least recently updated first.
 *
 * Every operation is O(1): one insertion-ordered set per tier.
 */
export class EvictionOrder {
  private readonly tiers: Array<Set<string>> = Array.from({ length: 6 }, () => new Set<string>());
  private readonly tierOf = new Map<string, number>();

  /** A pipeline was just updated: its runs heard (not from a stream), whether one came from a state key, its latest status. */
  touchPipeline(name: string, heard: number, fromState: boolean, statusKind: string): void {
    const standing: Standing = heard === 0 ? 'streamOnly' : fromState || heard > 1 ? 'established' : 'seenOnce';
    this.touch(name, standing, statusKind === 'failed' || statusKind === 'completed_with_errors');
  }

  /** `name` was just updated; `standing` and `failing` describe it now. */
  touch(name: string, standing: Standing, failing: boolean): void {
    const tier = STANDING_RANK[standing] * 2 + (failing ? 1 : 0);
    const old = this.tierOf.get(name);
    if (old !== undefined) this.tiers[old].delete(name);
    this.tiers[tier].add(name);
    this.tierOf.set(name, tier);
  }

  remove(name: string): void {
    const old = this.tierOf.get(name);
    if (old === undefined) return;
    this.tiers[old].delete(name);
    this.tierOf.delete(name);
  }

  clear(): void {
    for (const tier of this.tiers) tier.clear();
    this.tierOf.clear();
  }

  /** The next to give way, or undefined when there is none. */
  next(): string | undefined {
    for (const tier of this.tiers) for (const name of tier) return name;
    return undefined;
  }
}
