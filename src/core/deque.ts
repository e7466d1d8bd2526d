/**
 * A double-ended queue on a growable ring: push and shift at either end in O(1) (amortised), where
 * an array's `shift()` and `unshift()` move every element.
 */
export class Deque<T> {
  private items: Array<T | undefined> = new Array(16);
  private head = 0;
  private count = 0;

  get length(): number {
    return this.count;
  }

  push(item: T): void {
    if (this.count === this.items.length) this.grow();
    this.items[(this.head + this.count) % this.items.length] = item;
    this.count++;
  }

  /** Puts `item` first. */
  unshift(item: T): void {
    if (this.count === this.items.length) this.grow();
    this.head = (this.head - 1 + this.items.length) % this.items.length;
    this.items[this.head] = item;
    this.count++;
  }

  shift(): T | undefined {
    if (this.count === 0) return undefined;
    const item = this.items[this.head];
    this.items[this.head] = undefined;
    this.head = (this.head + 1) % this.items.length;
    this.count--;
    return item;
  }

  /** Removes and returns the first `n` (or all there are), first first. */
  take(n: number): T[] {
    const out: T[] = [];
    while (out.length < n && this.count > 0) out.push(this.shift() as T);
    return out;
  }

  /** Puts `items` first, in their order. */
  unshiftAll(items: readonly T[]): void {
    for (let i = items.length - 1; i >= 0; i--) this.unshift(items[i]);
  }

  /** Calls `fn` with each item, first first. */
  forEach(fn: (item: T) => void): void {
    for (let i = 0; i < this.count; i++) fn(this.items[(this.head + i) % this.items.length] as T);
  }

  private grow(): void {
    const next: Array<T | undefined> = new Array(this.items.length * 2);
    for (let i = 0; i < this.count; i++) next[i] = this.items[(this.head + i) % this.items.length];
    this.items = next;
    this.head = 0;
  }
}
