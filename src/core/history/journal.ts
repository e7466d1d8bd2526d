import { closeSync, fsyncSync, mkdirSync, openSync, readFileSync, readdirSync, renameSync, rmSync, writeFileSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { Emitter } from '../emitter';
import { IDisposable } from '../lifecycle';
import { PipelineStore } from '../store';
import { JOURNAL_VERSION, headerLine, mutationLine, parseLine, seenLine } from './records';
import { historyFileName } from './identity';

export interface JournalOptions {
  /** The folder of the journals (VS Code's global storage). Created when missing. */
  readonly dir: string;
  /** `historyIdentity(settings)`: which server's history this is. */
  readonly identity: string;
  /** Appends are batched and written at most this long after the change (default 250, ≤ 1000). */
  readonly flushMs?: number;
  /** While connected, "last seen" is written this often (default 30 000): the gap after a crash. */
  readonly seenMs?: number;
  /** The journal is rewritten from the model when it has this many lines more than the model (default 10 000). */
  readonly compactSlack?: number;
  readonly now?: () => number;
}

/** Why a journal was set aside instead of loaded (whole or in part). */
export type SetAsideReason =
  /** The first line is not a header of this version and server. */
  | 'header'
  /** Lines other than a cut-off last one are not valid records; the valid ones were loaded. */
  | 'lines'
  /** The file could not be read at all (permissions, not a file). */
  | 'unreadable';

export interface LoadReport {
  readonly file: string;
  readonly pipelines: number;
  readonly runs: number;
  /** Until when the viewer was last connected to this server; undefined for a new journal. */
  readonly lastSeen: number | undefined;
  /** The last record was cut off mid-write (a killed process): dropped, the rest loaded. */
  readonly truncatedTail: boolean;
  readonly setAside?: { readonly path: string; readonly reason: SetAsideReason; readonly badLines: number; readonly detail?: string };
  /**
   * Another window (process) or connection already keeps this server's journal: this one loaded
   * it and writes nothing, so two writers never mix their records.
   */
  readonly readOnly: boolean;
  readonly durationMs: number;
}

/** A write that failed (disk full, folder removed); reported once until a write succeeds again. */
export interface JournalWriteProblem {
  readonly file: string;
  readonly message: string;
}

const DEFAULT_FLUSH_MS = 250;
const DEFAULT_SEEN_MS = 30_000;
const DEFAULT_COMPACT_SLACK = 10_000;

/**
 * The persisted history of one server: an append-only NDJSON journal of the store's mutations,
 * rewritten from the model (compacted) when it grows. Loading replays it into an empty store.
 * A killed process loses at most the last `flushMs` of changes; a cut-off last line is dropped;
 * a damaged file is renamed `*.corrupt.ndjson` (the newest one kept) and never stops the viewer.
 */
export class HistoryJournal implements IDisposable {
  readonly file: string;
  readonly loadReport: LoadReport;
  private fd: number | undefined;
  private pending: string[] = [];
  private flushTimer: ReturnType<typeof setTimeout> | undefined;
  private seenTimer: ReturnType<typeof setInterval> | undefined;
  private linesSinceCompact = 0;
  private compactAt: number;
  private live = false;
  private readOnly: boolean;
  private lockTimer: ReturnType<typeof setInterval> | undefined;
  private lastSeen: number | undefined;
  private writeFailing = false;
  private disposed = false;
  private readonly flushMs: number;
  private readonly seenMs: number;
  private readonly slack: number;
  private readonly now: () => number;
  private readonly subscription: IDisposable;
  private readonly problemEmitter = new Emitter<JournalWriteProblem>();
  readonly onWriteProblem = this.problemEmitter.event;

  /** Loads the journal into `store` (expected empty) and from then on records its changes. */
  constructor(
    private readonly store: PipelineStore,
    private readonly options: JournalOptions,
  ) {
    this.flushMs = Math.min(Math.max(options.flushMs ?? DEFAULT_FLUSH_MS, 0), 1000);
    this.seenMs = options.seenMs ?? DEFAULT_SEEN_MS;
    this.slack = options.compactSlack ?? DEFAULT_COMPACT_SLACK;
    this.now = options.now ?? Date.now;
    this.file = join(options.dir, historyFileName(options.identity));
    this.readOnly = !acquireLock(options.dir, `${this.file}.lock`);
    this.loadReport = this.load();
    this.compactAt = this.store.itemCount + this.slack;
    // The writer may be a window that is closing (code-server keeps a reloaded page's extension
    // host a while): take over when it is gone, writing the model, which has everything since.
    if (this.readOnly) {
      this.lockTimer = setInterval(() => this.tryTakeOver(), this.seenMs);
      this.lockTimer.unref?.();
    }
    this.subscription = store.onDidMutate((mutation) => this.append(mutationLine(mutation)));
  }

  /** Becomes the writer if the lock is free now; returns whether this journal writes. */
  tryTakeOver(): boolean {
    if (!this.readOnly || this.disposed) return !this.readOnly;
    if (!acquireLock(this.options.dir, `${this.file}.lock`)) return false;
    this.readOnly = false;
    clearInterval(this.lockTimer);
    this.lockTimer = undefined;
    this.compact();
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

  /** Writes what is pending now. */
  flush(): void {
    clearTimeout(this.flushTimer);
    this.flushTimer = undefined;
    if (this.pending.length === 0 || this.readOnly) return;
    const text = this.pending.join('');
    this.pending = [];
    try {
      this.fd ??= this.openAppend();
      writeSync(this.fd, text);
      this.writeFailing = false;
    } catch (err) {
      this.closeFd();
      if (!this.writeFailing) this.problemEmitter.fire({ file: this.file, message: (err as Error).message });
      this.writeFailing = true;
    }
    if (this.linesSinceCompact > this.compactAt) this.compact();
  }

  /** Rewrites the journal from the model: a header, the model's mutations, "last seen". */
  compact(): void {
    this.pending = [];
    if (this.readOnly) return;
    const lines: string[] = [headerLine(this.options.identity, this.now())];
    for (const mutation of this.store.mutations()) lines.push(mutationLine(mutation));
    if (this.live) this.lastSeen = this.now();
    if (this.lastSeen !== undefined) lines.push(seenLine(this.lastSeen));
    try {
      this.closeFd();
      writeAtomically(this.options.dir, this.file, lines.join(''));
      this.linesSinceCompact = 0;
      this.compactAt = lines.length + this.slack;
      this.writeFailing = false;
    } catch (err) {
      if (!this.writeFailing) this.problemEmitter.fire({ file: this.file, message: (err as Error).message });
      this.writeFailing = true;
    }
  }

  /** Stops recording and deletes the file (persistence turned off, or the history cleared). */
  erase(): void {
    const readOnly = this.readOnly;
    this.stop();
    this.pending = [];
    if (!readOnly) rmSync(this.file, { force: true });
  }

  dispose(): void {
    if (this.disposed) return;
    if (this.live) this.seen();
    this.flush();
    this.stop();
  }

  /** The viewer is (or was until now) connected to this server. */
  private seen(): void {
    this.lastSeen = this.now();
    this.append(seenLine(this.lastSeen));
  }

  private stop(): void {
    this.disposed = true;
    this.subscription.dispose();
    clearTimeout(this.flushTimer);
    clearInterval(this.seenTimer);
    clearInterval(this.lockTimer);
    this.flushTimer = undefined;
    this.seenTimer = undefined;
    this.lockTimer = undefined;
    this.closeFd();
    this.problemEmitter.dispose();
    if (!this.readOnly) releaseLock(`${this.file}.lock`);
  }

  private append(line: string): void {
    if (this.disposed || this.readOnly) return;
    this.pending.push(line);
    this.linesSinceCompact++;
    if (this.flushMs === 0) {
      this.flush();
      return;
    }
    if (!this.flushTimer) {
      this.flushTimer = setTimeout(() => this.flush(), this.flushMs);
      this.flushTimer.unref?.();
    }
  }

  private openAppend(): number {
    mkdirSync(this.options.dir, { recursive: true });
    return openSync(this.file, 'a');
  }

  private closeFd(): void {
    if (this.fd === undefined) return;
    try {
      closeSync(this.fd);
    } catch {
      // Already closed with the file gone: nothing to keep.
    }
    this.fd = undefined;
  }

  private load(): LoadReport {
    const started = Date.now();
    const report = (fields: Partial<LoadReport>): LoadReport => {
      const pipelines = this.store.size;
      let runs = 0;
      for (const p of this.store.list()) runs += this.store.history(p.resultName).filter((i) => i.kind === 'run').length;
      return { file: this.file, pipelines, runs, lastSeen: undefined, truncatedTail: false, readOnly: this.readOnly, durationMs: Date.now() - started, ...fields };
    };
    let text: string;
    try {
      text = readFileSync(this.file, 'utf8');
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code === 'ENOENT') {
        this.compact();
        return report({});
      }
      const path = this.setAside();
      this.compact();
      return report({ setAside: { path, reason: 'unreadable', badLines: 0, detail: code ?? (err as Error).message } });
    }
    const lines = text.split('\n');
    // A file ends with "\n": what follows the last one was cut off mid-write, unless complete.
    const tail = lines.pop() ?? '';
    if (tail !== '') lines.push(tail);
    let truncatedTail = false;
    let badLines = 0;
    let lastSeen: number | undefined;
    let header = true;
    for (let i = 0; i < lines.length; i++) {
      const line = lines[i];
      const isTail = tail !== '' && i === lines.length - 1;
      if (line === '') continue;
      const parsed = parseLine(line);
      if (header) {
        header = false;
        if (!parsed || parsed.kind !== 'header' || parsed.version !== JOURNAL_VERSION || parsed.identity !== this.options.identity) {
          if (isTail) {
            truncatedTail = true;
            break;
          }
          const path = this.setAside();
          this.compact();
          return report({ setAside: { path, reason: 'header', badLines: 1 } });
        }
        lastSeen = parsed.at;
        continue;
      }
      if (!parsed || parsed.kind === 'header') {
        if (isTail) truncatedTail = true;
        else badLines++;
        continue;
      }
      if (parsed.kind === 'seen') lastSeen = Math.max(lastSeen ?? 0, parsed.at);
      else this.store.apply(parsed.mutation);
    }
    for (const p of this.store.list()) lastSeen = Math.max(lastSeen ?? 0, p.latest.receivedAt);
    this.lastSeen = lastSeen;
    let setAside: LoadReport['setAside'];
    if (badLines > 0) setAside = { path: this.setAside(), reason: 'lines', badLines };
    // A cut-off or damaged file is rewritten whole, so that appends start on a line of their own.
    if (badLines > 0 || truncatedTail || tail !== '') this.compact();
    return report({ lastSeen, truncatedTail, setAside });
  }

  /** Renames the file aside (replacing an older one set aside) and returns the new path. */
  private setAside(): string {
    const path = this.file.replace(/\.ndjson$/, '.corrupt.ndjson');
    if (this.readOnly) return this.file; // the writer sets it aside
    try {
      renameSync(this.file, path);
    } catch {
      rmSync(this.file, { force: true, recursive: true });
    }
    return path;
  }
}

/** Lock files held by journals of this process (a second connection to the same server). */
const heldHere = new Set<string>();

/**
 * One writer per journal: `<file>.lock` holds the writer's pid. A lock of a process that is gone
 * (a crash) is taken over. Windows of one VS Code share one global storage on one machine, so the
 * pid check is meaningful.
 */
function acquireLock(dir: string, lock: string): boolean {
  if (heldHere.has(lock)) return false;
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      mkdirSync(dir, { recursive: true });
      writeFileSync(lock, String(process.pid), { flag: 'wx' });
      heldHere.add(lock);
      return true;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') return true; // no lock possible (odd file system): write anyway
      let pid = NaN;
      try {
        pid = Number(readFileSync(lock, 'utf8').trim());
      } catch {
        continue; // removed meanwhile: try again
      }
      if (Number.isSafeInteger(pid) && pid > 0 && pid !== process.pid && processAlive(pid)) return false;
      rmSync(lock, { force: true }); // stale: its process is gone
    }
  }
  return false;
}

function releaseLock(lock: string): void {
  if (!heldHere.delete(lock)) return;
  rmSync(lock, { force: true });
}

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Writes a file so that a crash leaves either the old content or the new, never a mix. */
function writeAtomically(dir: string, file: string, text: string): void {
  mkdirSync(dir, { recursive: true });
  const tmp = `${file}.tmp`;
  const fd = openSync(tmp, 'w');
  try {
    writeSync(fd, text);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  renameSync(tmp, file);
}

/** Deletes the journal of one server. */
export function eraseHistoryOf(dir: string, identity: string): void {
  rmSync(join(dir, historyFileName(identity)), { force: true });
}

/** Deletes every journal in `dir` (persistence turned off, or Clear History of everything). */
export function eraseAllHistory(dir: string): void {
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return;
  }
  for (const name of names) if (/^history-[0-9a-f]+(\.corrupt)?\.ndjson(\.tmp|\.lock)?$/.test(name) && !heldHere.has(join(dir, name))) rmSync(join(dir, name), { force: true });
}
