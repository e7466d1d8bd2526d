import type { LockHooks } from './lock';
import type { JournalIo } from './journalFile';

export interface JournalOptions {
  /** The folder of the journals (VS Code's global storage). Created when missing. */
  readonly dir: string;
  /** `historyIdentity(settings)`: which server's history this is. */
  readonly identity: string;
  /** Appends are batched and written at most this long after the change (default 250, ≤ 1000). */
  readonly flushMs?: number;
  /**
   * A pipeline new to the file waits this long (default 1000) before its first record is written:
   * one that a flood of names evicts sooner costs nothing (no record, no forget).
   */
  readonly holdMs?: number;
  /** While connected, "last seen" is written this often (default 30 000): the gap after a crash. */
  readonly seenMs?: number;
  /** The journal is rewritten from the model when it exceeds twice its compacted size plus this many bytes (default 4 MiB). */
  readonly compactSlackBytes?: number;
  readonly now?: () => number;
  /** Test seams: the write function (short writes, a full disk), the lock's race. */
  readonly io?: JournalIo;
  readonly lockHooks?: LockHooks;
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
  /** The file had grown past twice the model and was rewritten on load. */
  readonly compacted: boolean;
  readonly durationMs: number;
}

/** A write that failed (disk full, folder removed); reported once until a write succeeds again. */
export interface JournalWriteProblem {
  readonly file: string;
  readonly message: string;
}
