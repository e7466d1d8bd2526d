/**
 * Which pipelines give way when the model holds as many as it may. A flood of junk names from a
 * hostile publisher must not push out the pipelines a team watches, so the order is:
 *
 * 1. pipelines seen once, live (what a flood of distinct names is made of), before pipelines seen
 *    more than once or read from a state key (what a team's pipelines are);
 * 2. within those, the ones that did not fail before failures (a failure is what someone must see);
 * 3. within those, the least recently updated first.
 *
 * Every operation is O(1): one insertion-ordered set per tier.
 */
export class EvictionOrder {
  private readonly tiers: Array<Set<string>> = [new Set(), new Set(), new Set(), new Set()];
  private readonly tierOf = new Map<string, number>();

  /** `name` was just updated; `established` and `failing` describe it now. */
  touch(name: string, established: boolean, failing: boolean): void {
    const tier = (established ? 2 : 0) + (failing ? 1 : 0);
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
