import { close, closeSync, fstatSync, fsyncSync, mkdirSync, openSync, readSync, readdirSync, renameSync, rmSync, statSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { historyFileName } from './identity';
import { lockAbandoned } from './lock';

/** The one file operation a test replaces: a write that may write less than asked (a full disk). */
export interface JournalIo {
  writeSync(fd: number, buffer: Uint8Array, offset: number, length: number): number;
}

export const nodeIo: JournalIo = { writeSync: (fd, buffer, offset, length) => writeSync(fd, buffer, offset, length) };

/** Records are gathered in a buffer of this size and written when it is full (no string of the whole model). */
const CHUNK_BYTES = 256 * 1024;

/** Lines encoded before are copied into the chunk up to this many bytes, else written as they are. */
const COPY_BYTES = 16 * 1024;

/** A buffer for ChunkedWriter, to reuse for writes one after another (never two writers at once). */
export function chunkBuffer(): Buffer {
  return Buffer.allocUnsafe(CHUNK_BYTES);
}

/** Writes all of `bytes`, or throws: a write that writes nothing is a failure, never a silent gap. */
export function writeAll(io: JournalIo, fd: number, bytes: Uint8Array): void {
  let offset = 0;
  while (offset < bytes.length) {
    const n = io.writeSync(fd, bytes, offset, bytes.length - offset);
    if (!(n > 0)) throw new Error(`short write: ${offset} of ${bytes.length} bytes written`);
    offset += n;
  }
}

/** Where a line is put byte by byte (putRunLine): room for it asked first, its end told after. */
export interface LineSink {
  reserve(maxBytes: number): boolean;
  readonly bytes: Buffer;
  readonly at: number;
  commit(end: number): void;
}

/** Collects lines (text, or bytes as received) in a buffer and writes it when full; counts what it wrote. */
export class ChunkedWriter implements LineSink {
  private used = 0;
  /** A reserved line longer than a chunk: put in a buffer of its own and written at its commit. */
  private long: Buffer | undefined;
  written = 0;
  lines = 0;

  /** `buffer`: one of chunkBuffer() to reuse (a writer per flush would otherwise allocate 256 KiB each time). */
  constructor(
    private readonly io: JournalIo,
    private readonly fd: number,
    private readonly buffer: Buffer = chunkBuffer(),
  ) {}

  add(line: string): void {
    this.lines++;
    this.text(line);
  }

  /**
   * Room for a line of at most `maxBytes`, put straight into `bytes` from `at` (what is collected
   * is written first when it would not fit), then `commit(end)`. A line longer than a chunk gets a
   * buffer of its own (the caller bounds it: putRunLine takes at most a journal line).
   */
  reserve(maxBytes: number): boolean {
    if (maxBytes > CHUNK_BYTES) {
      this.end();
      this.long = Buffer.allocUnsafe(maxBytes);
    } else if (maxBytes > CHUNK_BYTES - this.used) this.end();
    return true;
  }

  /** The buffer a reserved line goes into, and where. */
  get bytes(): Buffer {
    return this.long ?? this.buffer;
  }

  get at(): number {
    return this.long ? 0 : this.used;
  }

  /** A reserved line now ends at `end`. */
  commit(end: number): void {
    this.lines++;
    const long = this.long;
    if (long) {
      this.long = undefined;
      writeAll(this.io, this.fd, long.subarray(0, end));
      this.written += end;
    } else this.used = end;
  }

  /** `lines` whole lines encoded before, `bytes[start, end)`: copied in when short, else written from where they are. */
  addLines(bytes: Buffer, start: number, end: number, lines: number): void {
    const length = end - start;
    this.lines += lines;
    if (length <= COPY_BYTES && this.reserve(length)) {
      bytes.copy(this.buffer, this.used, start, end);
      this.used += length;
      return;
    }
    this.end();
    writeAll(this.io, this.fd, bytes.subarray(start, end));
    this.written += length;
  }

  /** Bytes collected, not written yet. */
  get buffered(): number {
    return this.used;
  }

  /** Writes what is collected. */
  end(): void {
    if (this.used === 0) return;
    writeAll(this.io, this.fd, this.buffer.subarray(0, this.used));
    this.written += this.used;
    this.used = 0;
  }

  private text(text: string): void {
    // Three bytes per UTF-16 unit at most: what fits is written in place, without a copy.
    if (text.length * 3 > CHUNK_BYTES - this.used) {
      this.end();
      if (text.length * 3 > CHUNK_BYTES) {
        const bytes = Buffer.from(text, 'utf8');
        writeAll(this.io, this.fd, bytes);
        this.written += bytes.length;
        return;
      }
    }
    this.used += this.buffer.write(text, this.used, 'utf8');
  }
}

/**
 * Writes a file so that a crash or a full disk leaves either the old content or the new, never a
 * mix or a truncated file: a temporary file, written whole and synced, then renamed over. Returns
 * the bytes written.
 */
export function writeAtomically(io: JournalIo, dir: string, file: string, lines: Iterable<string>): number {
  return drain(writeAtomicallySteps(io, dir, file, lines));
}

/** As writeAtomically, pausing (yield) every few hundred lines; a run stopped part-way leaves the old file. */
export function* writeAtomicallySteps(io: JournalIo, dir: string, file: string, lines: Iterable<string>): Generator<void, number> {
  mkdirSync(dir, { recursive: true });
  const tmp = `${file}.tmp`;
  const fd = openSync(tmp, 'w');
  let done = false;
  try {
    const out = new ChunkedWriter(io, fd);
    let n = 0;
    for (const line of lines) {
      out.add(line);
      if (++n % 512 === 0) yield;
    }
    out.end();
    fsyncSync(fd);
    closeSync(fd);
    renameSync(tmp, file);
    done = true;
    return out.written;
  } finally {
    if (!done) {
      try {
        closeSync(fd);
      } catch {
        // Closed before the rename failed.
      }
      rmSync(tmp, { force: true });
    }
  }
}

/** Runs steps to the end at once. */
export function drain<T>(steps: Generator<void, T>): T {
  for (;;) {
    const step = steps.next();
    if (step.done) return step.value;
  }
}

/** The file's identity (device and inode): tells the file a handle writes to from one put in its place. */
export function identityOfFd(fd: number): string {
  const s = fstatSync(fd);
  return `${s.dev}:${s.ino}`;
}

/** The journal opened for appends, and which file that is (to notice one removed or put in its place). */
export class AppendHandle {
  fd: number | undefined;
  private identity: string | undefined;

  constructor(
    private readonly dir: string,
    private readonly file: string,
  ) {}

  open(): void {
    mkdirSync(this.dir, { recursive: true });
    this.fd = openSync(this.file, 'a');
    this.identity = identityOfFd(this.fd);
  }

  /** `later`: off the main thread (the last handle of a file replaced frees its blocks: 50 ms for 170 MB). */
  close(later = false): void {
    if (this.fd === undefined) return;
    if (later) close(this.fd, () => undefined);
    else {
      try {
        closeSync(this.fd);
      } catch {
        // Already closed with the file gone: nothing to keep.
      }
    }
    this.fd = undefined;
    this.identity = undefined;
  }

  /** Whether it still writes to the journal's path (not removed or replaced meanwhile), a file of `bytes`. */
  writesTo(bytes: number): boolean {
    if (this.fd === undefined || this.identity === undefined) return false;
    try {
      const s = statSync(this.file);
      return `${s.dev}:${s.ino}` === this.identity && fstatSync(this.fd).size === bytes;
    } catch {
      return false;
    }
  }
}

const READ_CHUNK = 1024 * 1024;

/** One line read back; `tail` is a last line with no newline after it (cut off mid-write, or complete). */
export interface ReadLine {
  /** undefined: longer than `maxBytes` (skipped unread). */
  readonly text: string | undefined;
  readonly tail: boolean;
  readonly bytes: number;
}

/**
 * Reads a file line by line in chunks, never holding more than a chunk and a line: a journal over
 * V8's longest string reads like any other. One buffer is read into and reused (no copy per chunk,
 * no Buffer per line: a load of 170 MB otherwise leaves that much garbage for the collector).
 */
export class LineReader {
  private buffer = Buffer.allocUnsafe(READ_CHUNK);
  /** The bytes read so far that are held: `buffer[0, held)`, the next line from `start`. */
  private held: Buffer = this.buffer.subarray(0, 0);
  private start = 0;
  private eof = false;
  private overlong = false;
  /** The line returned last (the same object each time: read it before the next call). */
  private readonly line: { text: string | undefined; tail: boolean; bytes: number } = { text: undefined, tail: false, bytes: 0 };
  bytesRead = 0;

  constructor(
    private readonly fd: number,
    private readonly maxBytes: number,
  ) {}

  next(): ReadLine | undefined {
    for (;;) {
      const nl = this.held.indexOf(0x0a, this.start);
      if (nl >= 0) {
        const from = this.start;
        this.start = nl + 1;
        const overlong = this.overlong;
        this.overlong = false;
        return this.give(overlong ? undefined : this.held.toString('utf8', from, nl), false, nl - from + 1);
      }
      const rest = this.held.length - this.start;
      if (this.eof) {
        if (rest === 0 && !this.overlong) return undefined;
        const text = this.overlong ? undefined : this.held.toString('utf8', this.start);
        this.start = this.held.length;
        this.overlong = false;
        return this.give(text, true, rest);
      }
      if (rest > this.maxBytes) {
        // Too long to be a record: drop what is held and the rest of the line as it comes.
        this.start = this.held.length;
        this.overlong = true;
      }
      this.fill();
    }
  }

  private give(text: string | undefined, tail: boolean, bytes: number): ReadLine {
    this.line.text = text;
    this.line.tail = tail;
    this.line.bytes = bytes;
    return this.line;
  }

  /** Moves the unread part to the front (growing the buffer for a line longer than it) and reads after it. */
  private fill(): void {
    const rest = this.held.length - this.start;
    if (rest > 0 && this.start > 0) this.buffer.copyWithin(0, this.start, this.held.length);
    if (rest === this.buffer.length) {
      const bigger = Buffer.allocUnsafe(this.buffer.length * 2);
      this.buffer.copy(bigger, 0, 0, rest);
      this.buffer = bigger;
    }
    this.start = 0;
    const n = readSync(this.fd, this.buffer, rest, this.buffer.length - rest, null);
    if (n === 0) this.eof = true;
    this.bytesRead += n;
    this.held = this.buffer.subarray(0, rest + n);
  }
}

/** Deletes the journal of one server. */
export function eraseHistoryOf(dir: string, identity: string): void {
  rmSync(join(dir, historyFileName(identity)), { force: true });
}

/**
 * Deletes every journal in `dir` (persistence turned off). A lock of a live writer elsewhere (another
 * window) stays: that writer sees the setting too and erases its own; removing its lock would let a
 * third window write beside it.
 */
export function eraseAllHistory(dir: string): void {
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return;
  }
  for (const name of names) {
    if (!/^history-[0-9a-f]+(\.corrupt)?\.ndjson(\.tmp|\.lock)?$/.test(name)) continue;
    const path = join(dir, name);
    if (name.endsWith('.lock') && !lockAbandoned(path)) continue;
    rmSync(path, { force: true });
  }
}
