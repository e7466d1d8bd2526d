import { randomBytes } from 'node:crypto';
import { linkSync, mkdirSync, readFileSync, renameSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { dirname } from 'node:path';

/** How often a writer touches its lock, and how old an untouched lock must be to count as abandoned. */
export const LOCK_REFRESH_MS = 10_000;
export const LOCK_STALE_MS = 60_000;

/** What a lock file holds: who writes, on which host; the token tells one holding from the next. */
interface LockOwner {
  readonly pid: number;
  readonly host: string;
  readonly token: string;
}

/** Test seams: the moment between judging a lock stale and breaking it (another window's race). */
export interface LockHooks {
  beforeBreak?(): void;
}

/**
 * One writer per journal: `<file>.lock` names the writer (pid, host, a token) and the writer
 * touches it every LOCK_REFRESH_MS. A lock is abandoned when its process is gone (same host: a
 * crash), or when it has not been touched for LOCK_STALE_MS (a pid reused by another process, a
 * home folder shared by hosts, where a pid says nothing). Breaking one renames it aside and checks
 * it is the lock judged, so two windows racing for it cannot both win; and the writer checks its
 * token before each write, so a writer whose lock was taken stops writing.
 */
export class JournalLock {
  private readonly owner: LockOwner = { pid: process.pid, host: hostname(), token: randomBytes(9).toString('base64url') };
  private heldValue = false;
  private touchedAt = 0;

  /** File times are the machine's clock: a lock's age is measured on it, never on an injected clock. */
  private readonly now = Date.now;

  constructor(
    private readonly path: string,
    private readonly hooks: LockHooks = {},
  ) {}

  get held(): boolean {
    return this.heldValue;
  }

  /** Takes the lock if it is free or abandoned; returns whether this holds it. */
  acquire(): boolean {
    if (this.heldValue) return this.verify();
    if (heldHere.has(this.path)) return false;
    const text = JSON.stringify(this.owner);
    for (let attempt = 0; attempt < 2; attempt++) {
      try {
        mkdirSync(dirname(this.path), { recursive: true });
        writeFileSync(this.path, text, { flag: 'wx' });
        return this.took();
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'EEXIST') return this.took(); // no lock possible (odd file system): write anyway
      }
      const judged = readLock(this.path);
      if (judged === undefined) continue; // removed meanwhile: try again
      if (!abandoned(judged, this.now())) return false;
      this.hooks.beforeBreak?.();
      if (!breakLock(this.path, judged.text)) return false;
    }
    return false;
  }

  /** Whether the lock file still names this holder (another window may have broken it); touches it when due. */
  verify(): boolean {
    if (!this.heldValue) return false;
    const current = readLock(this.path);
    if (current?.text !== JSON.stringify(this.owner)) {
      this.heldValue = false;
      heldHere.delete(this.path);
      return false;
    }
    if (this.now() - this.touchedAt >= LOCK_REFRESH_MS) this.touch();
    return true;
  }

  release(): void {
    if (!this.heldValue) return;
    this.heldValue = false;
    heldHere.delete(this.path);
    if (readLock(this.path)?.text === JSON.stringify(this.owner)) rmSync(this.path, { force: true });
  }

  private took(): boolean {
    this.heldValue = true;
    heldHere.add(this.path);
    this.touchedAt = this.now();
    return true;
  }

  private touch(): void {
    this.touchedAt = this.now();
    try {
      const at = new Date(this.touchedAt);
      utimesSync(this.path, at, at);
    } catch {
      // Verified a moment ago; the next verify says what happened.
    }
  }
}

/** Lock files held by journals of this process (a second connection to the same server). */
const heldHere = new Set<string>();

interface ReadLock {
  readonly path: string;
  readonly text: string;
  readonly owner: Partial<LockOwner>;
  readonly touchedAt: number;
}

function readLock(path: string): ReadLock | undefined {
  try {
    const text = readFileSync(path, 'utf8');
    const touchedAt = statSync(path).mtimeMs;
    let owner: Partial<LockOwner> = {};
    try {
      const parsed: unknown = JSON.parse(text);
      // A bare pid: a lock written by an earlier version, on this host.
      if (typeof parsed === 'number') owner = { pid: parsed, host: hostname() };
      else if (parsed && typeof parsed === 'object') owner = parsed as Partial<LockOwner>;
    } catch {
      // Unreadable content: judged by its age alone.
    }
    return { path, text, owner, touchedAt };
  } catch {
    return undefined;
  }
}

/** Whether a lock read from disk belongs to no live writer (see JournalLock). */
function abandoned(lock: ReadLock, now: number): boolean {
  const { pid, host } = lock.owner;
  const here = host === hostname() && Number.isSafeInteger(pid) && (pid as number) > 0;
  if (here && pid === process.pid) return !heldHere.has(lock.path);
  if (now - lock.touchedAt > LOCK_STALE_MS) return true;
  return here && !processAlive(pid as number);
}

/** Whether the lock at `path` is free or abandoned (Clear History may then delete it). */
export function lockAbandoned(path: string): boolean {
  const lock = readLock(path);
  return lock === undefined || abandoned(lock, Date.now());
}

/**
 * Moves the judged lock aside; if what was moved is not the lock judged (another window broke it
 * and took the lock meanwhile), puts that one back and gives up.
 */
function breakLock(path: string, judgedText: string): boolean {
  const aside = `${path}.${randomBytes(6).toString('hex')}.broken`;
  try {
    renameSync(path, aside);
  } catch {
    return true; // gone meanwhile: try to create it
  }
  let moved = '';
  try {
    moved = readFileSync(aside, 'utf8');
  } catch {
    // Unreadable: treat as the judged one.
    moved = judgedText;
  }
  if (moved !== judgedText) {
    try {
      linkSync(aside, path); // never over a lock created since
    } catch {
      // Someone created a new one: theirs stands.
    }
    rmSync(aside, { force: true });
    return false;
  }
  rmSync(aside, { force: true });
  return true;
}

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}
