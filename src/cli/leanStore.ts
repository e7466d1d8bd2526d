import type { PipelineRun, RejectedMessage } from '../core/decode';
import { boundRun, runIdentity } from '../core/decode';
import type { DqVerdict } from '../core/dataQuality';
import { assessDataQuality } from '../core/dataQuality';
import { EvictionOrder } from '../core/eviction';
import type { RunSource } from '../core/runs';
import { DEFAULT_LIMITS, KEPT_RUNS_BUDGET } from '../core/storeLimits';
import type { PipelineStore } from '../core/store';

/** A gap marker in a pipeline's history of identities. */
const GAP = 0;

/** What tdtp-watch keeps of a pipeline: what PipelineStore decides "already seen" and "expired" by, no runs. */
interface LeanEntry {
  /** runIdentity of the latest run (a gap marker never replaces it). */
  latest: string;
  latestLive: boolean;
  /** The latest run's status kind (the eviction order's "failing"). */
  latestKind: string;
  /** The history: runIdentity per run, GAP per gap marker; a ring, `head` the newest. */
  readonly ids: Array<string | typeof GAP>;
  head: number;
  size: number;
  stateExpired: boolean;
  fromState: boolean;
  heard: number;
}

export type PrintRun = (run: PipelineRun, dq: DqVerdict, source: RunSource, receivedAt: number) => void;

/**
 * PipelineStore's decisions for the terminal tool, without its model: the tool prints each run
 * once and never shows a history, so it keeps per pipeline only the identities of the runs the
 * store would keep (the same number: its history size within KEPT_RUNS_BUDGET), the flags that
 * decide a state read is already known or its key expired, and the same eviction order past the
 * same pipeline limit. Keeping 100 parsed runs per pipeline made the garbage collector the largest
 * share of the tool's time. The watcher calls only the methods below (see `asStore`).
 */
export class LeanStore {
  private readonly entries = new Map<string, LeanEntry>();
  private readonly eviction = new EvictionOrder();
  private readonly pipelineLimit = Math.min(DEFAULT_LIMITS.maxPipelines, KEPT_RUNS_BUDGET);
  private readonly historySize: number;

  constructor(
    historyAsked: number,
    private readonly printRun: PrintRun,
    private readonly printRejected: (message: RejectedMessage) => void,
  ) {
    this.historySize = Math.min(historyAsked, Math.max(1, Math.floor(KEPT_RUNS_BUDGET / this.pipelineLimit)));
  }

  /** PipelineStore.addRun for the sources the tool sees (never from a stream): truthy when added and printed. */
  addRun(received: PipelineRun, source: RunSource, receivedAt = Date.now()): boolean {
    const run = boundRun(received, DEFAULT_LIMITS.errorChars);
    const name = run.resultName;
    const entry = this.entries.get(name);
    const live = source === 'live';
    let identity: string | undefined;
    if (entry && (!live || !entry.latestLive)) {
      identity = runIdentity(run.result);
      if (identity === entry.latest || (!live && historyHas(entry, identity))) {
        if (!live && !entry.fromState) {
          entry.fromState = true;
          this.eviction.touchPipeline(name, entry.heard, true, entry.latestKind);
        }
        entry.stateExpired = false;
        return false;
      }
    }
    identity ??= runIdentity(run.result);
    this.push(name, entry, identity, live, run.statusKind);
    this.printRun(run, assessDataQuality(run), source, receivedAt);
    return true;
  }

  private push(name: string, found: LeanEntry | undefined, identity: string, live: boolean, statusKind: string): void {
    let entry = found;
    if (entry) {
      entry.latest = identity;
      entry.latestLive = live;
      entry.latestKind = statusKind;
      pushId(entry, identity, this.historySize);
      entry.stateExpired = false;
    } else {
      while (this.entries.size >= this.pipelineLimit) {
        const victim = this.eviction.next();
        if (victim === undefined) break;
        this.entries.delete(victim);
        this.eviction.remove(victim);
      }
      entry = { latest: identity, latestLive: live, latestKind: statusKind, ids: [identity], head: 0, size: 1, stateExpired: false, fromState: false, heard: 0 };
      this.entries.set(name, entry);
    }
    entry.heard++;
    if (!live) entry.fromState = true;
    this.eviction.touchPipeline(name, entry.heard, entry.fromState, statusKind);
  }

  addRejected(message: RejectedMessage): void {
    this.printRejected(message);
  }

  /** A gap marker in every history (merged with a newest one), as PipelineStore.addGap. */
  addGap(_from: number, _to: number, _reason: string, only?: ReadonlySet<string>): void {
    for (const [name, entry] of this.entries) {
      if (only && !only.has(name)) continue;
      if (entry.ids[entry.head] !== GAP) pushId(entry, GAP, this.historySize);
    }
  }

  markExpiredExcept(present: ReadonlySet<string>): string[] {
    const expired: string[] = [];
    for (const [name, entry] of this.entries) {
      if (!present.has(name) && !entry.stateExpired) {
        entry.stateExpired = true;
        expired.push(name);
      }
    }
    return expired;
  }

  markExpired(resultName: string): void {
    const entry = this.entries.get(resultName);
    if (entry) entry.stateExpired = true;
  }

  has(resultName: string): boolean {
    return this.entries.has(resultName);
  }

  leftUnread(): void {}

  dispose(): void {
    this.entries.clear();
    this.eviction.clear();
  }

  /**
   * The watcher's view of it: PipelineWatcher and LiveHold call only addRun (its result as a
   * truth value), addRejected, addGap, markExpiredExcept, markExpired, has and leftUnread.
   */
  asStore(): PipelineStore {
    return this as unknown as PipelineStore;
  }
}

function pushId(entry: LeanEntry, id: string | typeof GAP, max: number): void {
  const ids = entry.ids;
  entry.head = entry.head + 1 === max ? 0 : entry.head + 1;
  if (entry.head === ids.length) ids.push(id);
  else ids[entry.head] = id;
  if (entry.size < max) entry.size++;
}

function historyHas(entry: LeanEntry, identity: string): boolean {
  const { ids, size, head } = entry;
  for (let k = 0, i = head; k < size; k++, i = i === 0 ? ids.length - 1 : i - 1) if (ids[i] === identity) return true;
  return false;
}
