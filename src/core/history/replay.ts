import { closeSync, fstatSync, openSync, renameSync, rmSync } from 'node:fs';
import type { PipelineStore } from '../store';
import { LineReader } from './journalFile';
import type { LoadReport } from './journalTypes';
import { JOURNAL_VERSION, MAX_LINE_CHARS, Names, parseLine } from './records';

/** What replaying a journal file found. */
export interface ReplayFacts {
  /** The first line is a header of this version and server (else nothing was replayed). */
  readonly ours: boolean;
  /** The last record was cut off mid-write: dropped. */
  readonly truncatedTail: boolean;
  /** Lines other than a cut-off last one that are not valid records (skipped). */
  readonly badLines: number;
  /** The latest "last seen" record. */
  readonly lastSeen: number | undefined;
  /** The file does not end with a newline. */
  readonly openEnded: boolean;
  readonly bytesRead: number;
  /** Valid records after the header, and their bytes: what a record takes on average. */
  readonly records: number;
  readonly recordBytes: number;
}

/**
 * Replays the records of an open journal file into `store` (through `apply`: no per-run events),
 * line by line in chunks, pausing (yield) every 64 lines so a caller can spread the work (cold code takes ~80 µs a line).
 */
export function* replay(fd: number, store: PipelineStore, identity: string): Generator<void, ReplayFacts> {
  let truncatedTail = false;
  let badLines = 0;
  let lastSeen: number | undefined;
  let header = true;
  let lines = 0;
  let records = 0;
  let recordBytes = 0;
  let openEnded = false;
  const reader = new LineReader(fd, MAX_LINE_CHARS * 3);
  const names = new Names();
  const facts = (ours: boolean): ReplayFacts => ({ ours, truncatedTail, badLines, lastSeen, openEnded, bytesRead: reader.bytesRead, records, recordBytes });
  for (let line = reader.next(); line; line = reader.next()) {
    if (++lines % 64 === 0) yield;
    if (line.tail) openEnded = true;
    if (line.text === '') continue;
    const parsed = line.text === undefined ? undefined : parseLine(line.text, names);
    if (header) {
      header = false;
      if (!parsed || parsed.kind !== 'header' || parsed.version !== JOURNAL_VERSION || parsed.identity !== identity) {
        if (!line.tail) return facts(false);
        truncatedTail = true;
        break;
      }
      // The header's time is when the file was written, not when the viewer was connected.
      continue;
    }
    if (!parsed || parsed.kind === 'header') {
      if (line.tail) truncatedTail = true;
      else badLines++;
      continue;
    }
    recordBytes += line.bytes;
    records++;
    if (parsed.kind === 'seen') lastSeen = Math.max(lastSeen ?? 0, parsed.at);
    else if (parsed.kind === 'forgetMany') for (const name of parsed.names) store.apply({ kind: 'forget', resultName: name });
    else store.apply(parsed.mutation);
  }
  return facts(true);
}

/** A journal file read into a store: what replay found, or why it was set aside (or missing: neither). */
export interface JournalRead {
  readonly facts?: ReplayFacts;
  readonly setAside?: LoadReport['setAside'];
}

/**
 * Reads the journal `file` into `store` in steps. One that cannot be read, or is not this server's,
 * is set aside (by the writer: `writing`); so is one with damaged lines, after its valid ones are read.
 */
export function* readJournal(file: string, store: PipelineStore, identity: string, writing: boolean): Generator<void, JournalRead> {
  let fd: number;
  try {
    fd = openSync(file, 'r');
    if (!fstatSync(fd).isFile()) {
      closeSync(fd);
      throw Object.assign(new Error('not a file'), { code: 'EISDIR' });
    }
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return {};
    return { setAside: { path: setAside(file, writing), reason: 'unreadable', badLines: 0, detail: code ?? (err as Error).message } };
  }
  let facts: ReplayFacts;
  try {
    facts = yield* replay(fd, store, identity);
  } finally {
    closeSync(fd);
  }
  if (!facts.ours) return { setAside: { path: setAside(file, writing), reason: 'header', badLines: 1 } };
  return { facts, setAside: facts.badLines > 0 ? { path: setAside(file, writing), reason: 'lines', badLines: facts.badLines } : undefined };
}

/** Renames the file aside (replacing an older one set aside) and returns the new path; only the writer moves it. */
function setAside(file: string, writing: boolean): string {
  const path = file.replace(/\.ndjson$/, '.corrupt.ndjson');
  if (!writing) return file;
  try {
    renameSync(file, path);
  } catch {
    rmSync(file, { force: true, recursive: true });
  }
  return path;
}
