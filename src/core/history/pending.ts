import type { StoreMutation } from '../storeTypes';
import type { ChunkedWriter } from './journalFile';
import { forgetLine, mutationLine, putRunLine, runLineAround, seenLine } from './records';

/** A record the journal has yet to write: a change to the model, or "last seen". */
export type Pending = StoreMutation | { readonly kind: 'seen'; readonly at: number };

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
    return this.items.push(mutation);
  }

  addSeen(at: number): number {
    return this.items.push({ kind: 'seen', at });
  }

  clear(): void {
    this.items = [];
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
    this.queued.clear();
    for (const [name, { since, item }] of this.held) {
      if (!all && now - since < this.holdMs) continue;
      this.held.delete(name);
      items.push(item);
    }
    return items;
  }

  /** Encodes taken records in order into `out`, noting which pipelines the file then holds. */
  encode(items: readonly Pending[], out: ChunkedWriter): void {
    let forgets: string[] = [];
    let forgetSet = new Set<string>();
    let forgetChars = 0;
    const flushForgets = () => {
      if (forgets.length === 0) return;
      out.add(forgetLine(forgets));
      forgets = [];
      forgetSet = new Set();
      forgetChars = 0;
    };
    for (const item of items) {
      if (item.kind === 'seen') {
        out.add(seenLine(item.at));
        continue;
      }
      if (item.kind === 'forget') {
        if (item.resultName === undefined) {
          flushForgets();
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
      const name = item.kind === 'run' ? item.record.run.resultName : item.resultName;
      // A forget of this name must come before its new records.
      if (forgetSet.has(name)) flushForgets();
      if (item.kind !== 'run' || !putRunLine(item, out)) {
        const around = item.kind === 'run' ? runLineAround(item) : undefined;
        if (around) out.addBytes(around.head, around.wire, '}\n');
        else out.add(mutationLine(item));
      }
      this.onDisk.add(name);
    }
    flushForgets();
  }
}
