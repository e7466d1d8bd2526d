import { closeSync, fsync, fsyncSync, mkdirSync, openSync, renameSync, rmSync } from 'node:fs';
import type { PipelineStore } from '../store';
import type { StoreMutation } from '../storeTypes';
import { ChunkedWriter, type JournalIo, drain } from './journalFile';
import { PendingRecords } from './pending';
import { mutationLine } from './records';

/** Runs `steps`, yielding to the event loop after each `sliceMs` of work; undefined when `stopped()` after a turn. */
export async function inSlices<T>(steps: Generator<void, T>, sliceMs: number, stopped: () => boolean): Promise<T | undefined> {
  let sliceStart = performance.now();
  for (let step = steps.next(); ; step = steps.next()) {
    if (step.done) return step.value;
    if (performance.now() - sliceStart >= sliceMs) {
      await new Promise<void>((resolve) => setImmediate(resolve));
      sliceStart = performance.now();
      if (stopped()) {
        void steps.return(undefined as never);
        return undefined;
      }
    }
  }
}

/** Where a compaction writes. */
export interface CompactionTarget {
  readonly io: JournalIo;
  readonly dir: string;
  readonly file: string;
  /** A pipeline new to the file waits this long (see PendingRecords). */
  readonly holdMs: number;
  readonly header: string;
}

/** The journal a compaction serves: told how it ended (once, unless stopped). */
export interface CompactionHost {
  now(): number;
  /** Whether this may still replace the journal (the lock is held). */
  mayRename(): boolean;
  /** The line to end with ("last seen"). */
  tail(): string | undefined;
  done(compaction: Compaction, bytes: number): void;
  failed(err: Error): void;
}

function nameOf(mutation: StoreMutation): string | undefined {
  return mutation.kind === 'run' ? mutation.record.run.resultName : mutation.resultName;
}

/**
 * A rewrite of the journal from the model while the model keeps changing, into `<file>.tmp`: the
 * model pipeline by pipeline in slices (the event loop turns between them), and the changes made
 * meanwhile to pipelines already written after them, in order. A change to a pipeline not written
 * yet (a new one too: the store's order puts it last) is left out: the model has it when its turn
 * comes. Renamed over the journal only once complete and synced; stopped or failed, the temporary
 * file is removed and the journal is as it was.
 */
export class Compaction {
  readonly tmp: string;
  /** Resolves once renamed, stopped or failed (the host was told which). */
  readonly settled: Promise<void>;
  /** Pipelines written from the model so far; after a Clear History (`cleared`) none is. */
  private readonly written = new Set<string>();
  private cleared = false;
  /** Changes made meanwhile, for the temporary file (held back as the journal's own, see PendingRecords). */
  private readonly queue: PendingRecords;
  private readonly out: ChunkedWriter;
  private fd: number | undefined;
  /** Bytes of the model as written (the compacted size), without the changes made meanwhile. */
  modelBytes = 0;
  private readonly file: string;
  /** Renamed, stopped or failed. */
  private over = false;

  /** Starts one in slices of `sliceMs`; undefined (the host told) when the temporary file cannot be opened. */
  static start(store: PipelineStore, target: CompactionTarget, host: CompactionHost, sliceMs: number): Compaction | undefined {
    try {
      return new Compaction(store, target, host, sliceMs);
    } catch (err) {
      host.failed(err as Error);
      return undefined;
    }
  }

  private constructor(
    private readonly store: PipelineStore,
    { io, dir, file, holdMs, header }: CompactionTarget,
    private readonly host: CompactionHost,
    sliceMs: number,
  ) {
    this.file = file;
    this.tmp = `${file}.tmp`;
    this.queue = new PendingRecords(holdMs);
    mkdirSync(dir, { recursive: true });
    this.fd = openSync(this.tmp, 'w');
    this.out = new ChunkedWriter(io, this.fd);
    this.out.add(header);
    this.modelBytes = this.out.buffered;
    this.settled = this.run(sliceMs).then(
      (bytes) => {
        if (bytes !== undefined) host.done(this, bytes);
      },
      (err: Error) => host.failed(err),
    );
  }

  /** The pipelines the file holds (once renamed: the journal's). */
  get holds(): ReadonlySet<string> {
    return this.queue.fileNames;
  }

  /** Whether changes are held back (a write of the queue is due later). */
  get holding(): boolean {
    return this.queue.holding;
  }

  /** A change to the model made now (in order with the others). */
  offer(mutation: StoreMutation, now: number, hold: boolean): void {
    const name = nameOf(mutation);
    if (name === undefined) this.cleared = true; // what is left to write is gone: all goes by the queue
    else if (!this.cleared && !this.written.has(name)) return;
    this.queue.add(mutation, now, hold);
  }

  /** Writes the changes due into the temporary file (`all`: the held ones too); a failure stops it (the host told). */
  writeQueue(now: number, all: boolean): void {
    if (this.over) return;
    try {
      this.writeDue(now, all);
    } catch (err) {
      this.stop();
      this.host.failed(err as Error);
    }
  }

  private writeDue(now: number, all: boolean): void {
    const items = this.queue.take(now, all);
    if (items.length > 0) this.queue.encode(items, this.out);
  }

  /** The model's pipelines not written yet, pausing after each (the store may change between two). */
  *writeModel(): Generator<void> {
    let current: string | undefined;
    let writing = false;
    for (const mutation of this.store.mutations()) {
      const name = nameOf(mutation) as string;
      if (name !== current) {
        current = name;
        // The store's order is live: one added since (or forgotten and added again) comes at the end, once.
        if (this.cleared) return;
        writing = !this.written.has(name);
        if (writing) {
          this.written.add(name);
          this.queue.fileHoldsToo(name);
        }
      }
      if (writing) {
        const before = this.out.written + this.out.buffered;
        this.out.add(mutationLine(mutation));
        this.modelBytes += this.out.written + this.out.buffered - before;
      }
      if (mutation.kind === 'runCount') yield;
    }
  }

  /** Ends it now: the rest of the model, the queue, the host's tail; synced and renamed (the host told either way). */
  finishNow(): void {
    if (this.over) return;
    if (!this.host.mayRename()) return this.stop();
    let bytes: number;
    try {
      drain(this.writeModel());
      this.writeDue(this.host.now(), true);
      this.end();
      fsyncSync(this.fd as number);
      bytes = this.rename();
    } catch (err) {
      this.stop();
      return this.host.failed(err as Error);
    }
    this.host.done(this, bytes);
  }

  private end(): void {
    const tail = this.host.tail();
    if (tail) this.out.add(tail);
    this.out.end();
  }

  /** The whole rewrite in slices; the sync runs off the main thread. The bytes once renamed, undefined when stopped; rejects on failure. */
  private async run(sliceMs: number): Promise<number | undefined> {
    try {
      // Started from a change being recorded: the model is read from a turn of its own, never mid-change.
      await new Promise<void>((resolve) => setImmediate(resolve));
      if (this.over) return undefined;
      await inSlices(this.writeModel(), sliceMs, () => this.over);
      if (this.over) return undefined;
      this.writeDue(this.host.now(), false);
      this.out.end();
      const fd = this.fd as number;
      await new Promise<void>((resolve, reject) => fsync(fd, (err) => (err ? reject(err) : resolve())));
      if (this.over) return undefined;
      // What came during the sync is written after it (a crash loses it as it would an append not yet synced).
      if (!this.host.mayRename()) {
        this.stop();
        return undefined;
      }
      this.writeDue(this.host.now(), true);
      this.end();
      return this.rename();
    } catch (err) {
      if (this.over) return undefined;
      this.stop();
      throw err;
    }
  }

  private rename(): number {
    closeSync(this.fd as number);
    this.fd = undefined;
    renameSync(this.tmp, this.file);
    this.over = true;
    return this.out.written;
  }

  /** Stops here: the temporary file is removed, the journal left as it is. */
  stop(): void {
    if (this.over) return;
    this.over = true;
    if (this.fd !== undefined) {
      try {
        closeSync(this.fd);
      } catch {
        // Already closed.
      }
      this.fd = undefined;
    }
    rmSync(this.tmp, { force: true });
  }
}
