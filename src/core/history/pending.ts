import type { StoreMutation } from '../storeTypes';
import type { ChunkedWriter, LineSink } from './journalFile';
import { forgetLine, mutationLine, putRunLine, seenLine } from './records';

/**
 * A record the journal has yet to write: a change to the model, "last seen", or a run's line
 * encoded when it was added (`staged`: `bytes[start, end)`, a staging buffer).
 */
export type Pending = StoreMutation | { readonly kind: 'seen'; readonly at: number } | { readonly kind: 'staged'; readonly name: string; readonly bytes: Buffer; readonly start: number; readonly end: number };

/** Staged lines are kept up to about this many bytes; a run past it waits as a mutation, as before. */
const MAX_STAGED_BYTES = 4 * 1024 * 1024;

/**
 * Runs' lines encoded as they are added, until the next write copies them out. Encoded at once, a
 * run's payload and record are still in the processor's cache and need not be kept until the
 * write (encoded thousands of runs later, each line cost about twice as much).
 *
 * Two buffers take turns: take() hands the lines staged so far to the write and stages the next
 * ones in the other buffer, so nothing added before the write has encoded them can overwrite
 * them. A write encodes what it took before it takes again (journal.ts: one synchronous call).
 */
class Staging implements LineSink {
  bytes: Buffer = Buffer.allocUnsafe(64 * 1024);
  at = 0;
  private other: Buffer | undefined = undefined;

  /** The lines staged so far now belong to the records taken; the next are staged in the other buffer. */
  turn(): void {
    if (this.at === 0) return;
    const taken = this.bytes;
    this.bytes = this.other ?? Buffer.allocUnsafe(taken.length);
    this.other = taken;
    this.at = 0;
  }

  clear(): void {
    this.at = 0;
  }

  reserve(maxBytes: number): boolean {
    if (this.at + maxBytes > MAX_STAGED_BYTES) return false;
    if (maxBytes <= this.bytes.length - this.at) return true;
    const bigger = Buffer.allocUnsafe(Math.min(MAX_STAGED_BYTES, Math.max(this.bytes.length * 2, this.at + maxBytes)));
    this.bytes.copy(bigger, 0, 0, this.at);
    this.bytes = bigger;
    return true;
  }

  commit(end: number): void {
    this.at = end;
  }
}

/** Forgotten names written on one line, up to about this many characters. */
const FORGET_LINE_CHARS = 64 * 1024;

/**
 * What the journal has yet to write, and which pipelines its file holds. A pipeline new to the
 * file has its first record held back for `holdMs`: one that a flood of names evicts sooner is
 * dropped with its forget, and costs nothing. A second change releases it (a flood's names are
 * seen once). Forgets of pipelines the file holds are gathered on as few lines as possible.
 */
export class PendingRecords {
  private items: Pending[] = [];
  /** Pipelines with records in `items` that the file does not hold yet. */
  private readonly queued = new Set<string>();
  private readonly held = new Map<string, { readonly since: number; readonly item: StoreMutation }>();
  private onDisk = new Set<string>();
  private readonly staging = new Staging();

  constructor(readonly holdMs: number) {}

  /** Whether records are held back (a write is due later). */
  get holding(): boolean {
    return this.held.size > 0;
  }

  /** Adds a change (`hold`: a new pipeline may wait); returns how many records are pending. */
  add(mutation: StoreMutation, now: number, hold: boolean): number {
    if (mutation.kind === 'forget') {
      const name = mutation.resultName;
      if (name === undefined) this.clear();
      else if (this.held.delete(name)) return this.items.length; // never written: forgetting it costs nothing
    } else {
      const name = mutation.kind === 'run' ? mutation.record.run.resultName : mutation.resultName;
      if (!this.onDisk.has(name) && !this.queued.has(name)) {
        const first = this.held.get(name);
        if (!first && hold && this.holdMs > 0) {
          // Without its payload bytes: a flood's names are held, their bytes not kept for a second.
          this.held.set(name, { since: now, item: mutation.kind === 'run' && mutation.wire ? { kind: 'run', record: mutation.record } : mutation });
          return this.items.length;
        }
        this.held.delete(name);
        this.queued.add(name);
        if (first) this.items.push(first.item);
      }
    }
    return this.items.push(this.staged(mutation) ?? mutation);
  }

  /** A run with its payload's bytes, encoded now (undefined: it waits as it is). */
  private staged(mutation: StoreMutation): Pending | undefined {
    if (mutation.kind !== 'run' || !mutation.wire) return undefined;
    const start = this.staging.at;
    return putRunLine(mutation, this.staging) ? { kind: 'staged', name: mutation.record.run.resultName, bytes: this.staging.bytes, start, end: this.staging.at } : undefined;
  }

  addSeen(at: number): number {
    return this.items.push({ kind: 'seen', at });
  }

  clear(): void {
    this.items = [];
    this.staging.clear();
    this.queued.clear();
    this.held.clear();
  }

  /** The file now holds exactly these pipelines (it was rewritten from the model, or loaded). */
  fileHolds(names: Iterable<string>): void {
    this.onDisk = new Set(names);
  }

  /** The pipelines the file holds. */
  get fileNames(): ReadonlySet<string> {
    return this.onDisk;
  }

  /** The file now holds this pipeline too (a rewrite wrote it). */
  fileHoldsToo(name: string): void {
    this.onDisk.add(name);
  }

  /** Takes what is due: every pending record, and the held ones held long enough (`all`: every one). */
  take(now: number, all: boolean): Pending[] {
    const items = this.items;
    this.items = [];
    this.staging.turn();
    this.queued.clear();
    for (const [name, { since, item }] of this.held) {
      if (!all && now - since < this.holdMs) continue;
      this.held.delete(name);
      items.push(item);
    }
    return items;
  }

  /** Encodes records taken (before the next take), in order, into `out`, noting which pipelines the file then holds. */
  encode(items: readonly Pending[], out: ChunkedWriter): void {
    // Staged lines one after another (in one buffer) are written together, from where they are (no copy).
    let rangeBytes: Buffer | undefined;
    let rangeStart = 0;
    let rangeEnd = 0;
    let rangeLines = 0;
    const flushRange = () => {
      if (rangeLines === 0) return;
      out.addLines(rangeBytes as Buffer, rangeStart, rangeEnd, rangeLines);
      rangeLines = 0;
    };
    let forgets: string[] = [];
    let forgetSet = new Set<string>();
    let forgetChars = 0;
    const flushForgets = () => {
      if (forgets.length === 0) return;
      flushRange();
      out.add(forgetLine(forgets));
      forgets = [];
      forgetSet = new Set();
      forgetChars = 0;
    };
    for (const item of items) {
      if (item.kind === 'seen') {
        flushRange();
        out.add(seenLine(item.at));
        continue;
      }
      if (item.kind === 'forget') {
        if (item.resultName === undefined) {
          flushForgets();
          flushRange();
          out.add(mutationLine(item));
          this.onDisk.clear();
          continue;
        }
        if (forgetSet.has(item.resultName)) continue;
        forgets.push(item.resultName);
        forgetSet.add(item.resultName);
        this.onDisk.delete(item.resultName);
        forgetChars += item.resultName.length + 3;
        if (forgetChars >= FORGET_LINE_CHARS) flushForgets();
        continue;
      }
      const name = item.kind === 'run' ? item.record.run.resultName : item.kind === 'staged' ? item.name : item.resultName;
      // A forget of this name must come before its new records.
      if (forgetSet.has(name)) flushForgets();
      if (item.kind === 'staged') {
        if (rangeLines > 0 && (item.bytes !== rangeBytes || item.start !== rangeEnd)) flushRange();
        if (rangeLines === 0) {
          rangeBytes = item.bytes;
          rangeStart = item.start;
        }
        rangeEnd = item.end;
        rangeLines++;
      } else {
        flushRange();
        if (item.kind !== 'run' || !putRunLine(item, out)) out.add(mutationLine(item));
      }
      this.onDisk.add(name);
    }
    flushRange();
    flushForgets();
  }
}
