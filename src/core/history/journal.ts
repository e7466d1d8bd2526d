import { ftruncateSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { Emitter } from '../emitter';
import type { IDisposable } from '../lifecycle';
import type { PipelineStore } from '../store';
import type { StoreMutation } from '../storeTypes';
import { Compaction, type CompactionHost, inSlices } from './compaction';
import { historyFileName } from './identity';
import { AppendHandle, ChunkedWriter, type JournalIo, chunkBuffer, drain, nodeIo, writeAtomicallySteps } from './journalFile';
import type { JournalOptions, JournalWriteProblem, LoadReport } from './journalTypes';
import { JournalLock, LOCK_REFRESH_MS } from './lock';
import { PendingRecords } from './pending';
import { headerLine, mutationLine, seenLine } from './records';
import { readJournal } from './replay';

export type { JournalOptions, JournalWriteProblem, LoadReport, SetAsideReason } from './journalTypes';
export { eraseAllHistory, eraseHistoryOf } from './journalFile';
const DEFAULT_FLUSH_MS = 250;
const DEFAULT_HOLD_MS = 1000;
const DEFAULT_SEEN_MS = 30_000;
const DEFAULT_COMPACT_SLACK_BYTES = 4 * 1024 * 1024;
/** After a failed write, the next attempt (a rewrite from the model) waits this long. */
const RETRY_MS = 5000;
/** Records gathered before they are written, whatever the timer says. */
const WRITE_BATCH = 4096;

/**
 * The persisted history of one server: an append-only NDJSON journal of the store's mutations,
 * rewritten from the model (compacted, in slices: compaction.ts) past twice its compacted size. Loading
 * replays it into an empty store. A killed process loses at most the last `flushMs` of changes
 * (`holdMs` for a pipeline new to the file); a cut-off last line is dropped; a damaged file is
 * renamed `*.corrupt.ndjson` (the newest one kept) and never stops the viewer. A file removed or
 * replaced under the writer, and a write that failed, are repaired by rewriting it from the model.
 */
export class HistoryJournal implements IDisposable {
  readonly file: string;
  /** What loading found; with `open()` it is there once the promise resolves. */
  loadReport!: LoadReport;
  /** The open journal appends go to. */
  private readonly handle: AppendHandle;
  private fileBytes = 0;
  private compactedBytes = 0;
  /** Appended so far: the bytes per record, to tell a file grown by new pipelines from one grown by churn. */
  private appendedBytes = 0;
  private appendedLines = 0;
  private readonly pending: PendingRecords;
  /** The appends' buffer, kept from one write to the next. */
  private writeBuffer: Buffer | undefined;
  private needsRewrite = false;
  private retryAt = 0;
  private flushTimer: ReturnType<typeof setTimeout> | undefined;
  private seenTimer: ReturnType<typeof setInterval> | undefined;
  private lockTimer: ReturnType<typeof setInterval> | undefined;
  private live = false;
  private lastSeen: number | undefined;
  private writeFailing = false;
  /** The rewrite under way while recording (appends go on to the old file meanwhile), and when it settles. */
  private compaction: Compaction | undefined;
  private compactionFailing = false;
  /** Loaded in slices of this (`start`), else at once; an overgrown file is then rewritten once loaded. */
  private sliceMs: number | undefined;
  private compactWhenLoaded = false;
  private disposed = false;
  private readonly lock: JournalLock;
  private readonly io: JournalIo;
  private readonly flushMs: number;
  private readonly seenMs: number;
  private readonly slackBytes: number;
  private readonly now: () => number;
  private subscription: IDisposable = { dispose() {} };
  private readonly problemEmitter = new Emitter<JournalWriteProblem>();
  readonly onWriteProblem = this.problemEmitter.event;

  /**
   * Loads the journal into `store` (expected empty) in slices of at most `sliceMs` of work, yielding
   * to the event loop between them (activation is never blocked long, and the tree fills as it
   * goes), then records the store's changes. The store must not change otherwise until then.
   */
  static async open(store: PipelineStore, options: JournalOptions, sliceMs = 10): Promise<HistoryJournal> {
    const journal = HistoryJournal.start(store, options, sliceMs);
    await journal.ready;
    return journal;
  }

  /** As `open`, handing the journal back at once: `ready` says when it has loaded (dispose stops the load). */
  static start(store: PipelineStore, options: JournalOptions, sliceMs = 10): HistoryJournal {
    const journal = new HistoryJournal(store, options, true);
    journal.sliceMs = sliceMs;
    journal.ready = inSlices(journal.loadSteps(), sliceMs, () => journal.disposed).then((report) => {
      // Closed meanwhile (its server is no longer watched, the window closes): the rest is not read.
      if (!report) return { file: journal.file, pipelines: store.size, runs: 0, lastSeen: undefined, truncatedTail: false, readOnly: true, compacted: false, durationMs: 0 };
      journal.loaded(report);
      return report;
    });
    return journal;
  }

  /** Resolves with the load report once loaded (at once for a journal made with `new`). */
  ready!: Promise<LoadReport>;

  /** Loads the journal into `store` (expected empty) at once and from then on records its changes. */
  constructor(
    private readonly store: PipelineStore,
    private readonly options: JournalOptions,
    later?: true,
  ) {
    this.flushMs = Math.min(Math.max(options.flushMs ?? DEFAULT_FLUSH_MS, 0), 1000);
    this.pending = new PendingRecords(Math.max(options.holdMs ?? DEFAULT_HOLD_MS, 0));
    this.seenMs = options.seenMs ?? DEFAULT_SEEN_MS;
    this.slackBytes = options.compactSlackBytes ?? DEFAULT_COMPACT_SLACK_BYTES;
    this.now = options.now ?? Date.now;
    this.io = options.io ?? nodeIo;
    this.file = join(options.dir, historyFileName(options.identity));
    this.lock = new JournalLock(`${this.file}.lock`, options.lockHooks);
    this.handle = new AppendHandle(options.dir, this.file);
    this.lock.acquire();
    if (!later) {
      this.loaded(drain(this.loadSteps()));
      this.ready = Promise.resolve(this.loadReport);
    }
  }

  private loaded(report: LoadReport): void {
    this.loadReport = report;
    if (this.disposed) return;
    // A reader takes over once the writer is gone (code-server keeps a reloaded page's extension
    // host a while), writing the model, which has everything since; a writer keeps its lock fresh.
    this.lockTimer = setInterval(() => (this.lock.held ? this.checkLock() : this.tryTakeOver()), this.lock.held ? LOCK_REFRESH_MS : this.seenMs);
    this.lockTimer.unref?.();
    this.subscription = this.store.onDidMutate((mutation) => this.append(mutation));
    if (this.compactWhenLoaded) this.startCompaction();
  }

  /** Whether this journal writes (it holds the lock). */
  get writing(): boolean {
    return this.lock.held && !this.disposed;
  }

  /** Becomes the writer if the lock is free (or abandoned) now; returns whether this journal writes. */
  tryTakeOver(): boolean {
    if (this.disposed) return false;
    if (this.lock.held) return true;
    if (!this.lock.acquire()) return false;
    clearInterval(this.lockTimer);
    this.lockTimer = setInterval(() => this.checkLock(), LOCK_REFRESH_MS);
    this.lockTimer.unref?.();
    this.rewrite();
    return true;
  }

  /** Connected or not: while connected the journal keeps "last seen" current. */
  setLive(live: boolean): void {
    if (this.disposed || live === this.live) return;
    this.live = live;
    this.seen();
    if (live) {
      this.seenTimer = setInterval(() => this.seen(), this.seenMs);
      this.seenTimer.unref?.();
    } else {
      clearInterval(this.seenTimer);
      this.seenTimer = undefined;
    }
  }

  /** Writes everything pending now, pipelines held back included (a rewrite under way is finished). */
  flush(): void {
    this.compaction?.finishNow();
    this.write(true);
  }

  /** Rewrites the journal from the model at once: a header, the model's mutations, "last seen" (once loaded: the model is partial before). */
  compact(): void {
    if (this.loadReport) this.rewrite();
  }

  /** Starts a rewrite in slices, as the journal does past twice the model; resolves once it has settled. */
  compactInSlices(): Promise<void> {
    if (this.loadReport) this.startCompaction();
    return this.compacting ?? Promise.resolve();
  }

  /** Resolves once the rewrite under way while recording (if any) has settled. */
  get compacting(): Promise<void> | undefined {
    return this.compaction?.settled;
  }

  private rewrite(): void {
    this.stopCompaction();
    drain(this.rewriteSteps());
  }

  /** Starts rewriting the journal from the model in slices, recording on meanwhile (see Compaction). */
  private startCompaction(): void {
    if (this.compaction || !this.writable()) return;
    if (this.live) this.lastSeen = this.now();
    const target = { io: this.io, dir: this.options.dir, file: this.file, holdMs: this.pending.holdMs, header: headerLine(this.options.identity, this.now()) };
    this.compaction = Compaction.start(this.store, target, this.compactionHost, this.sliceMs ?? 10);
  }

  private readonly compactionHost: CompactionHost = {
    now: () => this.now(),
    mayRename: () => this.writable(),
    tail: () => (this.lastSeen === undefined ? undefined : seenLine(this.lastSeen)),
    done: (compaction, bytes) => this.compacted(compaction, bytes),
    failed: (err) => this.compactionFailed(err),
  };

  /** The rewrite was renamed over the journal: appends go on in the new file, which holds everything. */
  private compacted(compaction: Compaction, bytes: number): void {
    this.compaction = undefined;
    this.handle.close(true);
    this.compactedBytes = compaction.modelBytes;
    this.fileBytes = bytes;
    this.pending.clear();
    this.pending.fileHolds(compaction.holds);
    this.needsRewrite = false;
    this.writeFailing = this.compactionFailing = false;
    try {
      this.handle.open();
    } catch (err) {
      this.failed(err as Error);
    }
  }

  /** The old journal is as it was (appends went on to it): the rewrite is tried again later. */
  private compactionFailed(err: Error): void {
    this.compaction = undefined;
    this.retryAt = this.now() + RETRY_MS;
    if (!this.compactionFailing && !this.writeFailing) this.problemEmitter.fire({ file: this.file, message: err.message });
    this.compactionFailing = true;
    if (!this.disposed) this.schedule();
  }

  private stopCompaction(): void {
    this.compaction?.stop();
    this.compaction = undefined;
  }

  /** The rewrite, pausing every few hundred records (while loading: the store changes only through the load). */
  private *rewriteSteps(): Generator<void> {
    this.pending.clear();
    if (!this.writable()) return;
    if (this.live) this.lastSeen = this.now();
    this.handle.close();
    try {
      const bytes = yield* writeAtomicallySteps(this.io, this.options.dir, this.file, this.modelLines());
      this.compactedBytes = bytes;
      this.fileBytes = bytes;
      this.pending.fileHolds(this.store.list().map((p) => p.resultName));
      this.handle.open();
      this.needsRewrite = false;
      this.writeFailing = false;
    } catch (err) {
      this.failed(err as Error);
    }
  }

  /** Stops recording and deletes the file (persistence turned off, or the history cleared). */
  erase(): void {
    const writing = this.lock.held;
    this.pending.clear();
    this.stop();
    if (writing) rmSync(this.file, { force: true });
  }

  dispose(): void {
    if (this.disposed) return;
    if (this.live) this.seen();
    // A rewrite under way is dropped, not finished (that could take seconds): the old file has everything.
    this.stopCompaction();
    this.write(true);
    this.stop();
  }

  private *modelLines(): Generator<string> {
    yield headerLine(this.options.identity, this.now());
    for (const mutation of this.store.mutations()) yield mutationLine(mutation);
    if (this.lastSeen !== undefined) yield seenLine(this.lastSeen);
  }

  /** The viewer is (or was until now) connected to this server. */
  private seen(): void {
    this.lastSeen = this.now();
    if (this.recording()) this.written(this.pending.addSeen(this.lastSeen));
  }

  private append(mutation: StoreMutation): void {
    if (!this.recording()) return;
    const now = this.now();
    this.compaction?.offer(mutation, now, this.flushMs > 0);
    this.written(this.pending.add(mutation, now, this.flushMs > 0));
  }

  /** Records are taken: this writes (not a reader, not closed), and the model is whole (loaded). */
  private recording(): boolean {
    return !this.disposed && this.lock.held && this.loadReport !== undefined;
  }

  /** `count` records pending: a burst is written every few thousand (they die young instead of aging into the old heap). */
  private written(count: number): void {
    if (count >= WRITE_BATCH || this.flushMs === 0) this.write(this.flushMs === 0);
    else if (count > 0 || this.pending.holding) this.schedule();
  }

  private schedule(): void {
    if (this.flushTimer) return;
    this.flushTimer = setTimeout(() => this.write(false), this.flushMs);
    this.flushTimer.unref?.();
  }

  /** Whether this may write now: it holds the lock (another window may have taken it). */
  private writable(): boolean {
    if (this.disposed && !this.lock.held) return false;
    if (this.lock.verify()) return true;
    this.lostLock();
    return false;
  }

  private checkLock(): void {
    if (!this.disposed && !this.lock.verify()) this.lostLock();
  }

  /** Another window took the lock (ours was judged abandoned): this one reads from now on. */
  private lostLock(): void {
    this.stopCompaction();
    this.pending.clear();
    this.handle.close();
    clearInterval(this.lockTimer);
    if (this.disposed) return;
    this.lockTimer = setInterval(() => this.tryTakeOver(), this.seenMs);
    this.lockTimer.unref?.();
  }

  /** Appends pending records (`all`: the held ones too, else those held long enough). */
  private write(all: boolean): void {
    clearTimeout(this.flushTimer);
    this.flushTimer = undefined;
    const now = this.now();
    const items = this.pending.take(now, all);
    this.compaction?.writeQueue(now, all);
    if (this.pending.holding || this.compaction?.holding) this.schedule();
    if (items.length === 0 && !this.needsRewrite) return;
    if (!this.writable()) return;
    if (this.needsRewrite || !this.handle.writesTo(this.fileBytes)) {
      // The model holds everything pending; a failed rewrite is retried after a pause; one under way replaces the file.
      if (this.compaction) return;
      if (all) this.rewrite();
      else if (now >= this.retryAt) this.startCompaction();
      else this.schedule();
      return;
    }
    const fd = this.handle.fd as number;
    const before = this.fileBytes;
    this.writeBuffer ??= chunkBuffer();
    const out = new ChunkedWriter(this.io, fd, this.writeBuffer);
    try {
      this.pending.encode(items, out);
      out.end();
      this.fileBytes += out.written;
      this.appendedBytes += out.written;
      this.appendedLines += out.lines;
      this.writeFailing = false;
    } catch (err) {
      // Cut back to the last whole record, so the file never holds half a line before the next one.
      try {
        ftruncateSync(fd, before);
      } catch {
        // The rewrite replaces it.
      }
      this.failed(err as Error);
      return;
    }
    if (!this.compaction && now >= this.retryAt && this.fileBytes > 2 * Math.max(this.compactedBytes, this.modelBytesNow()) + this.slackBytes) this.startCompaction();
  }

  /**
   * About what the model takes compacted now: its runs and gap markers at the bytes per record
   * appended so far, and a short count line per pipeline. A file grown by new pipelines (a first
   * fill) is not rewritten for it; one grown by churn is.
   */
  private modelBytesNow(): number {
    if (this.appendedLines === 0) return 0;
    const pipelines = this.store.size;
    return (this.appendedBytes / this.appendedLines) * (this.store.itemCount - 2 * pipelines) + 48 * pipelines;
  }

  private failed(err: Error): void {
    this.handle.close();
    this.needsRewrite = true;
    this.retryAt = this.now() + RETRY_MS;
    if (!this.writeFailing) this.problemEmitter.fire({ file: this.file, message: err.message });
    this.writeFailing = true;
    if (!this.disposed) this.schedule();
  }

  private stop(): void {
    this.disposed = true;
    this.stopCompaction();
    this.subscription.dispose();
    clearTimeout(this.flushTimer);
    clearInterval(this.seenTimer);
    clearInterval(this.lockTimer);
    this.flushTimer = undefined;
    this.seenTimer = undefined;
    this.lockTimer = undefined;
    this.handle.close();
    this.problemEmitter.dispose();
    this.lock.release();
  }

  /** Reads the file line by line into the store, pausing (yield) every few hundred lines. */
  private *loadSteps(): Generator<void, LoadReport> {
    const started = Date.now();
    const read = yield* readJournal(this.file, this.store, this.options.identity, this.lock.held);
    const report = (fields: Partial<LoadReport>): LoadReport => {
      const runs = fields.runs ?? this.store.runsKept;
      return { file: this.file, pipelines: this.store.size, runs, lastSeen: undefined, truncatedTail: false, readOnly: !this.lock.held, compacted: false, durationMs: Date.now() - started, ...fields };
    };
    if (!read.facts) {
      this.rewrite();
      return report({ setAside: read.setAside });
    }
    const { facts, setAside } = read;
    const { truncatedTail, badLines } = facts;
    let lastSeen = facts.lastSeen;
    yield;
    for (const p of this.store.list()) lastSeen = Math.max(lastSeen ?? 0, p.latest.receivedAt);
    this.lastSeen = lastSeen;
    // What the model would take compacted, from the bytes per record read.
    const items = this.store.itemCount;
    this.compactedBytes = facts.records > 0 ? Math.min(facts.bytesRead, Math.round((facts.recordBytes / facts.records) * items)) : 0;
    this.fileBytes = facts.bytesRead;
    const overgrown = this.fileBytes > 2 * this.compactedBytes + this.slackBytes;
    // A cut-off or damaged file is rewritten whole, so that appends start on a line of their own;
    // one grown past twice the model is rewritten too (the bound holds across sessions), once loaded when in slices.
    const damaged = badLines > 0 || truncatedTail || facts.openEnded;
    this.compactWhenLoaded = overgrown && !damaged && this.sliceMs !== undefined;
    yield;
    if (damaged || (overgrown && !this.compactWhenLoaded)) yield* this.rewriteSteps();
    else if (this.lock.held) {
      this.pending.fileHolds(this.store.list().map((p) => p.resultName));
      try {
        this.handle.open();
      } catch (err) {
        this.failed(err as Error);
      }
    }
    return report({ runs: this.store.runsKept, lastSeen, truncatedTail, setAside, compacted: overgrown && this.lock.held });
  }
}
