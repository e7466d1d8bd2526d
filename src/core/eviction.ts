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
 * Every operation is O(1): one doubly linked list per tier, its nodes found by name. (Not an
 * insertion-ordered Set per tier: deleting its oldest names leaves holes at its front that every
 * later next() walks past until the table is rebuilt, which made a reconcile evicting 5,000
 * pipelines quadratic in them.)
 */
export class EvictionOrder {
  /** The oldest node of each tier, and the newest (where touched names go). */
  private readonly heads: Array<Node | undefined> = new Array<Node | undefined>(TIERS).fill(undefined);
  private readonly tails: Array<Node | undefined> = new Array<Node | undefined>(TIERS).fill(undefined);
  private readonly nodes = new Map<string, Node>();

  /** A pipeline was just updated: its runs heard (not from a stream), whether one came from a state key, its latest status. */
  touchPipeline(name: string, heard: number, fromState: boolean, statusKind: string): void {
    const standing: Standing = heard === 0 ? 'streamOnly' : fromState || heard > 1 ? 'established' : 'seenOnce';
    this.touch(name, standing, statusKind === 'failed' || statusKind === 'completed_with_errors');
  }

  /** `name` was just updated; `standing` and `failing` describe it now. */
  touch(name: string, standing: Standing, failing: boolean): void {
    const tier = STANDING_RANK[standing] * 2 + (failing ? 1 : 0);
    let node = this.nodes.get(name);
    if (node === undefined) {
      node = { name, tier, older: undefined, newer: undefined };
      this.nodes.set(name, node);
    } else {
      // Already the newest of its tier (a pipeline that runs again, the usual case): nothing moves.
      if (node.tier === tier && node.newer === undefined) return;
      this.unlink(node);
      node.tier = tier;
    }
    const tail = this.tails[tier];
    node.older = tail;
    node.newer = undefined;
    if (tail) tail.newer = node;
    else this.heads[tier] = node;
    this.tails[tier] = node;
  }

  remove(name: string): void {
    const node = this.nodes.get(name);
    if (node === undefined) return;
    this.unlink(node);
    this.nodes.delete(name);
  }

  clear(): void {
    this.heads.fill(undefined);
    this.tails.fill(undefined);
    this.nodes.clear();
  }

  /** The next to give way, or undefined when there is none. */
  next(): string | undefined {
    for (const head of this.heads) if (head) return head.name;
    return undefined;
  }

  private unlink(node: Node): void {
    if (node.older) node.older.newer = node.newer;
    else this.heads[node.tier] = node.newer;
    if (node.newer) node.newer.older = node.older;
    else this.tails[node.tier] = node.older;
    node.older = node.newer = undefined;
  }
}

const TIERS = 6;

interface Node {
  readonly name: string;
  tier: number;
  older: Node | undefined;
  newer: Node | undefined;
}
