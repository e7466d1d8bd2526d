import type { PipelineRun, RejectedMessage } from '../core/decode';
import { RUN_IDENTITY_FIELDS, boundRun, runIdentity } from '../core/decode';
import type { TdtpResult } from '../core/decode';
import type { DqVerdict } from '../core/dataQuality';
import { assessDataQuality } from '../core/dataQuality';
import { EvictionOrder } from '../core/eviction';
import { identityHasSeparator, sameIdentityValue } from '../core/keptRun';
import type { RunSource } from '../core/runs';
import { DEFAULT_LIMITS, KEPT_RUNS_BUDGET } from '../core/storeLimits';
import type { PipelineStore } from '../core/store';

/** A gap marker in a pipeline's history (in the place of a run's first identity field). */
const GAP: unique symbol = Symbol('gap');

/** Slots per history item: the values of RUN_IDENTITY_FIELDS, in that order, as received (never copied or joined). */
const FIELDS = RUN_IDENTITY_FIELDS.length;

/**
 * What the printer keeps with a pipeline (forgotten with it): the texts it made of the pipeline's
 * names, so a line per event neither sanitises nor looks them up again.
 */
export interface LineMemo {
  nameLine?: string;
  channel?: string;
  /** The --json line's "channel" and "result_name" members. */
  jsonNames?: string;
  /** pipeline_name as received last, and its line. */
  pipelineText?: unknown;
  pipelineLine?: string;
}

/** What tdtp-watch keeps of a pipeline: what PipelineStore decides "already seen" and "expired" by, no runs. */
interface LeanEntry extends LineMemo {
  /** The latest run's identity fields (a gap marker never replaces it). */
  readonly latest: unknown[];
  latestLive: boolean;
  /** The latest run's status kind (the eviction order's "failing"). */
  latestKind: string;
  /**
   * The history, a ring of FIELDS slots per item (a run's identity fields, or GAP and nothing);
   * `head` is the newest item's index. References to the parsed values only: making an identity
   * string per event cost more than the rest of the store.
   */
  readonly slots: unknown[];
  head: number;
  size: number;
  stateExpired: boolean;
  fromState: boolean;
  heard: number;
  /** When the eviction order is not kept yet: this entry's place in it (see `touch`). */
  touched: number;
}

/** Every entry starts with the memo's fields (one shape for all entries). */
const NO_MEMO: LineMemo = { nameLine: undefined, channel: undefined, jsonNames: undefined, pipelineText: undefined, pipelineLine: undefined };

/** `wire`: the payload's bytes, when the run is what was decoded from them (boundRun cut nothing). */
export type PrintRun = (run: PipelineRun, dq: DqVerdict, source: RunSource, receivedAt: number, memo: LineMemo, wire: Uint8Array | undefined) => void;

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
  /**
   * PipelineStore's eviction order, kept only from the first time the pipeline limit is reached:
   * until then each entry remembers when it was last touched, and the order is made from that
   * once (the same order: touches in sequence). Most runs of the tool never reach the limit.
   */
  private eviction: EvictionOrder | undefined;
  private touches = 0;
  private readonly pipelineLimit = Math.min(DEFAULT_LIMITS.maxPipelines, KEPT_RUNS_BUDGET);
  private readonly historySize: number;

  constructor(
    historyAsked: number,
    private readonly printRun: PrintRun,
    private readonly printRejected: (message: RejectedMessage) => void,
  ) {
    this.historySize = Math.min(historyAsked, Math.max(1, Math.floor(KEPT_RUNS_BUDGET / this.pipelineLimit)));
  }

  /**
   * PipelineStore.addRun for the sources the tool sees (never from a stream): true when added (and
   * printed). `wire`: the payload's bytes, when the watcher has them (a live run).
   */
  addRun(received: PipelineRun, source: RunSource, receivedAt = Date.now(), _fromStream = false, wire?: Uint8Array): boolean {
    const run = boundRun(received, DEFAULT_LIMITS.errorChars);
    const name = run.resultName;
    const entry = this.entries.get(name);
    const live = source === 'live';
    // As PipelineStore: a state read is known if the latest or any run kept is it; a live run only
    // if the latest came from a state read (the framework SETs before it PUBLISHes).
    if (entry && (!live || !entry.latestLive) && (sameAs(run.result, entry.latest, 0) || (!live && historyHas(entry, run.result)))) {
      if (!live && !entry.fromState) {
        entry.fromState = true;
        this.touch(name, entry);
      }
      entry.stateExpired = false;
      return false;
    }
    this.printRun(run, assessDataQuality(run), source, receivedAt, this.push(name, entry, run.result, live, run.statusKind), run === received ? wire : undefined);
    return true;
  }

  private push(name: string, found: LeanEntry | undefined, result: TdtpResult, live: boolean, statusKind: string): LeanEntry {
    let entry = found;
    if (entry) {
      entry.head = entry.head + 1 === this.historySize ? 0 : entry.head + 1;
      keepFields(result, entry.slots, entry.head * FIELDS, entry.latest);
      keepFields(result, entry.latest, 0, entry.latest);
      entry.latestLive = live;
      entry.latestKind = statusKind;
      if (entry.size < this.historySize) entry.size++;
      entry.stateExpired = false;
    } else {
      if (this.entries.size >= this.pipelineLimit) this.evictForNew();
      entry = { latest: [], latestLive: live, latestKind: statusKind, slots: [], head: 0, size: 1, stateExpired: false, fromState: false, heard: 0, touched: 0, ...NO_MEMO };
      keepFields(result, entry.latest, 0);
      keepFields(result, entry.slots, 0);
      this.entries.set(name, entry);
    }
    entry.heard++;
    if (!live) entry.fromState = true;
    this.touch(name, entry);
    return entry;
  }

  /** EvictionOrder.touchPipeline with the entry's standing now, or only its place until the order is needed. */
  private touch(name: string, entry: LeanEntry): void {
    if (this.eviction) this.eviction.touchPipeline(name, entry.heard, entry.fromState, entry.latestKind);
    else entry.touched = ++this.touches;
  }

  private evictForNew(): void {
    let order = this.eviction;
    if (!order) {
      order = this.eviction = new EvictionOrder();
      const byTouch = [...this.entries].sort((a, b) => a[1].touched - b[1].touched);
      for (const [name, entry] of byTouch) order.touchPipeline(name, entry.heard, entry.fromState, entry.latestKind);
    }
    while (this.entries.size >= this.pipelineLimit) {
      const victim = order.next();
      if (victim === undefined) return;
      this.entries.delete(victim);
      order.remove(victim);
    }
  }

  addRejected(message: RejectedMessage): void {
    this.printRejected(message);
  }

  /** A gap marker in every history (merged with a newest one), as PipelineStore.addGap. */
  addGap(_from: number, _to: number, _reason: string, only?: ReadonlySet<string>): void {
    for (const [name, entry] of this.entries) {
      if ((only && !only.has(name)) || entry.slots[entry.head * FIELDS] === GAP) continue;
      entry.head = entry.head + 1 === this.historySize ? 0 : entry.head + 1;
      const at = entry.head * FIELDS;
      entry.slots[at] = GAP;
      for (let i = 1; i < FIELDS; i++) entry.slots[at + i] = undefined;
      if (entry.size < this.historySize) entry.size++;
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
    this.eviction = undefined;
  }

  /**
   * The watcher's view of it: PipelineWatcher and LiveHold call only addRun (its result as a
   * truth value), addRejected, addGap, markExpiredExcept, markExpired, has and leftUnread.
   */
  asStore(): PipelineStore {
    return this as unknown as PipelineStore;
  }
}

/**
 * `latest`: the latest run's fields. A pipeline name or status equal to its is kept as that text,
 * so the new one dies young: texts kept for the history are what the garbage collector copies.
 */
function keepFields(result: TdtpResult, slots: unknown[], at: number, latest?: readonly unknown[]): void {
  const pipeline = result.pipeline_name;
  const status = result.status;
  slots[at] = latest && pipeline === latest[0] ? latest[0] : pipeline;
  slots[at + 1] = latest && status === latest[1] ? latest[1] : status;
  slots[at + 2] = result.started_at;
  slots[at + 3] = result.finished_at;
  slots[at + 4] = result.duration_ms;
}

/**
 * sameRunAs (keptRun.ts) against kept fields: field by field as String() sees them, or, when one
 * of the run's fields holds U+0000, by the identities runIdentity would make of both.
 */
function sameAs(result: TdtpResult, slots: readonly unknown[], at: number): boolean {
  if (slots[at] === GAP) return false;
  if (identityHasSeparator(result)) return runIdentity(result) === keptIdentity(slots, at);
  for (let i = 0; i < FIELDS; i++) if (!sameIdentityValue(result[RUN_IDENTITY_FIELDS[i]], slots[at + i])) return false;
  return true;
}

/** runIdentity of kept fields. */
function keptIdentity(slots: readonly unknown[], at: number): string {
  let identity = String(slots[at]);
  for (let i = 1; i < FIELDS; i++) identity += `\u0000${slots[at + i]}`;
  return identity;
}

function historyHas(entry: LeanEntry, result: TdtpResult): boolean {
  // The ring fills up from 0 before it wraps: it has `size` places.
  for (let k = 0, i = entry.head; k < entry.size; k++, i = i === 0 ? entry.size - 1 : i - 1) if (sameAs(result, entry.slots, i * FIELDS)) return true;
  return false;
}
