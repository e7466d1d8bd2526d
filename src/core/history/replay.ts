import type { PipelineStore } from '../store';
import { LineReader } from './journalFile';
import { JOURNAL_VERSION, MAX_LINE_CHARS, parseLine } from './records';

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
 * line by line in chunks, pausing (yield) every 512 lines so a caller can spread the work.
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
  const facts = (ours: boolean): ReplayFacts => ({ ours, truncatedTail, badLines, lastSeen, openEnded, bytesRead: reader.bytesRead, records, recordBytes });
  for (let line = reader.next(); line; line = reader.next()) {
    if (++lines % 512 === 0) yield;
    if (line.tail) openEnded = true;
    if (line.text === '') continue;
    const parsed = line.text === undefined ? undefined : parseLine(line.text);
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
