// A fixed-capacity ring buffer: what keeps every history's memory bounded.

/** A fixed-capacity ring; memory stays bounded whatever the event rate. */
export class Ring<T> {
  private items: T[] = [];
  private head = 0;

  constructor(private capacity: number) {}

  push(item: T): void {
    if (this.items.length < this.capacity) {
      this.items.push(item);
    } else {
      this.items[this.head] = item;
      this.head = (this.head + 1) % this.capacity;
    }
  }

  get size(): number {
    return this.items.length;
  }

  newest(): T | undefined {
    if (this.items.length === 0) return undefined;
    return this.items[(this.head + this.items.length - 1) % this.items.length];
  }

  replaceNewest(item: T): void {
    if (this.items.length === 0) this.push(item);
    else this.items[(this.head + this.items.length - 1) % this.items.length] = item;
  }

  /** Newest first. */
  toArray(): T[] {
    const out: T[] = [];
    for (let i = this.items.length - 1; i >= 0; i--) out.push(this.items[(this.head + i) % this.items.length]);
    return out;
  }

  /** The item `i` places from the newest (0 is the newest). */
  at(i: number): T {
    return this.items[(this.head + this.items.length - 1 - i) % this.items.length];
  }

  set(i: number, item: T): void {
    this.items[(this.head + this.items.length - 1 - i) % this.items.length] = item;
  }

  /** Newest first: a state key read again usually holds the newest run, found at once. */
  some(predicate: (item: T) => boolean): boolean {
    const n = this.items.length;
    for (let i = n - 1; i >= 0; i--) if (predicate(this.items[(this.head + i) % n])) return true;
    return false;
  }

  resize(capacity: number): void {
    const newestFirst = this.toArray().slice(0, capacity);
    this.capacity = capacity;
    this.items = newestFirst.reverse();
    this.head = 0;
  }
}
