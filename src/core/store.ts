import type { DqTolerance, DqVerdict } from './dataQuality';
import { STRICT_TOLERANCE, assessDataQuality } from './dataQuality';
import type { PipelineRun, RejectedMessage } from './decode';
import { boundRun } from './decode';
import { EvictionOrder } from './eviction';
import { HistoryIndex } from './historyIndex';
import { Emitter } from './emitter';
import type { KeptItem } from './keptRun';
import { compactPrevious, identityHasSeparator, sameRunAs, sameRunFields } from './keptRun';
import type { StoreChange } from './changeBatch';
import { ChangeBatch } from './changeBatch';
import type { StoreBudget, StoreLimits, StoreOverflow } from './storeLimits';
import { DEFAULT_HISTORY_SIZE, KEPT_RUNS_BUDGET, boundedLimits, positiveInt } from './storeLimits';
import type { IDisposable } from './lifecycle';
import { Ring } from './ring';
import type { GapMarker, HistoryItem, RunRecord, RunSource } from './runs';
import { sortForDisplay } from './status';
import type { PipelineSnapshot, StatusCounts, StoreMutation, StoreOptions } from './storeTypes';
import type { Entry } from './storeEntry';
import { runsKept, snapshot, statusCounts } from './storeEntry';

const DEFAULT_REJECTED_SIZE = 200;
const DEFAULT_COALESCE_MS = 100;

/** The pipeline model: one entry per result_name, its latest run and a bounded history. */
export class PipelineStore implements IDisposable {
  private readonly entries = new Map<string, Entry>();
  private rejected: Ring<RejectedMessage>;
  private readonly rejectedSize: number;
  private rejectedTotal = 0;
  /** Runs kept per pipeline: `historyAsked` within KEPT_RUNS_BUDGET. */
  private historySize: number;
  private historyAsked: number;
  /** A run was dropped (or a pipeline) that the settings alone would have kept. */
  private budgetBit = false;
  private tolerance: DqTolerance;

  private readonly changes: ChangeBatch;

  private readonly addedRun = new Emitter<RunRecord>();
  private readonly changed = new Emitter<StoreChange>();
  private readonly rejectedEmitter = new Emitter<RejectedMessage>();
  private readonly mutated = new Emitter<StoreMutation>();
  private readonly restoredRun = new Emitter<RunRecord>();
  private limits: StoreLimits;
  private readonly eviction = new EvictionOrder();
  private evicted = 0;
  private unread = 0;

  /** Fires synchronously for every run added (not for duplicates): notifications, actions, API. */
  readonly onDidAddRun = this.addedRun.event;
  /** Fires for every rejected message. */
  readonly onDidReject = this.rejectedEmitter.event;
  /** Coalesced: what changed since the last notification. Views listen to this. */
  readonly onDidChange = this.changed.event;
  /** Fires synchronously for every change to the model (the persisted history listens). */
  readonly onDidMutate = this.mutated.event;
  /** Fires for every run replayed by `apply` (the persisted history): the alert rules learn from it, nothing toasts. */
  readonly onDidRestoreRun = this.restoredRun.event;

  constructor(options: StoreOptions = {}) {
    this.limits = boundedLimits(options.limits);
    this.historyAsked = positiveInt(options.historySize, DEFAULT_HISTORY_SIZE);
    this.historySize = this.budgetedHistory();
    this.rejectedSize = positiveInt(options.rejectedSize, DEFAULT_REJECTED_SIZE);
    this.rejected = new Ring(this.rejectedSize);
    this.tolerance = options.tolerance ?? STRICT_TOLERANCE;
    this.changes = new ChangeBatch(options.coalesceMs ?? DEFAULT_COALESCE_MS, (change) => this.changed.fire(change));
  }

  /** New limits; a lower pipeline limit drops the pipelines over it now. */
  setLimits(limits: Partial<StoreLimits>): void {
    this.limits = boundedLimits(limits);
    while (this.entries.size > this.pipelineLimit) this.evictOne();
    this.resizeHistories();
  }

  /** Messages of names it did not hold that the watcher's flood guard left unread (floodGuard.ts). */
  leftUnread(count: number): void {
    this.unread += count;
    this.changes.counts();
  }

  /** Pipelines dropped to stay within the limit and messages left unread, or undefined when neither. */
  get overflow(): StoreOverflow | undefined {
    return this.evicted > 0 || this.unread > 0 ? { evicted: this.evicted, limit: this.pipelineLimit, unread: this.unread } : undefined;
  }

  /** Set once KEPT_RUNS_BUDGET has dropped a run (or a pipeline) the settings alone would have kept. */
  get budget(): StoreBudget | undefined {
    return this.budgetBit ? { runs: KEPT_RUNS_BUDGET, runsPerPipeline: this.historySize, historySize: this.historyAsked } : undefined;
  }

  /** Every pipeline keeps at least one run, so the budget bounds the pipelines too. */
  private get pipelineLimit(): number {
    return Math.min(this.limits.maxPipelines, KEPT_RUNS_BUDGET);
  }

  private budgetedHistory(): number {
    return Math.min(this.historyAsked, Math.max(1, Math.floor(KEPT_RUNS_BUDGET / this.pipelineLimit)));
  }

  /** After a settings change: every history to the size the settings and the budget allow. */
  private resizeHistories(): void {
    const size = this.budgetedHistory();
    if (size === this.historyAsked) this.budgetBit = false;
    if (size === this.historySize) return;
    this.historySize = size;
    for (const entry of this.entries.values()) {
      if (entry.history.size > size && size < this.historyAsked) this.budgetBit = true;
      entry.history.resize(size);
    }
  }

  /** The data-quality verdict of a run under this store's tolerance (also for runs it does not keep, such as polls). */
  assess(run: PipelineRun): DqVerdict {
    return assessDataQuality(run, this.tolerance);
  }

  /**
   * Adds a run. Runs from state keys (`loaded`, `recovered`) that the history already holds are
   * skipped, so a run received as an event and again by reconcile is counted once.
   * Returns the record added, or undefined for such a duplicate.
   * `fromStream`: read back from a recorder's stream. Such a run never pushes a pipeline out (it is
   * not added for a new name when the model is full) and says nothing about the state key.
   * `wire`: the payload's bytes, for the journal (see StoreMutation).
   */
  addRun(received: PipelineRun, source: RunSource, receivedAt = Date.now(), fromStream = false, wire?: Uint8Array): RunRecord | undefined {
    const run = boundRun(received, this.limits.errorChars);
    const entry = this.entries.get(run.resultName);
    if (entry) {
      // State reads: known if the latest (which gap markers can push out of the history) or any
      // run in the history is this run. Live: only the PUBLISH that follows a state read of the
      // same run (the framework SETs before it PUBLISHes) is a duplicate; else no comparer is made.
      const same = source !== 'live' || entry.latest.source !== 'live' ? sameRunAs(run.result) : undefined;
      const known = same !== undefined && (same(entry.latest) || (source !== 'live' && entry.history.some(same)));
      if (known) {
        if (fromStream) return undefined;
        // A state key holds it: a pipeline that writes state keys, which a pub/sub-only flood does not.
        if (source !== 'live' && !entry.fromState) {
          entry.fromState = true;
          this.touchEviction(entry);
        }
        if (entry.stateExpired || entry.restored) {
          if (entry.stateExpired) this.mutate({ kind: 'expired', resultName: run.resultName, expired: false });
          entry.stateExpired = false;
          entry.restored = false;
          this.changes.pipeline(run.resultName, false);
        }
        return undefined;
      }
    } else if (fromStream && this.entries.size >= this.limits.maxPipelines) {
      return undefined;
    }
    return this.addNew(run, source, receivedAt, fromStream, run === received ? wire : undefined);
  }

  /** A run found new: into the history, the journal and the listeners. */
  private addNew(run: PipelineRun, source: RunSource, receivedAt: number, fromStream: boolean, wire: Uint8Array | undefined): RunRecord {
    const record: RunRecord = { kind: 'run', run, dq: this.assess(run), source, receivedAt, ...(fromStream && { fromStream: true as const }) };
    this.pushRun(record, false);
    this.mutate({ kind: 'run', record, wire });
    this.addedRun.fire(record);
    return record;
  }

  /** `addRun(run, source, receivedAt, true)` for one stream's runs, oldest first (readStreams): the same model and events, but the history is indexed once (HistoryIndex), not compared whole with each run; made again if anything else changed it. */
  streamAdder(source: RunSource): (received: PipelineRun, receivedAt: number) => RunRecord | undefined {
    let index: HistoryIndex | undefined;
    let last: RunRecord | undefined;
    return (received, receivedAt) => {
      const entry = this.entries.get(received.resultName);
      if (!entry || source === 'live') return this.addRun(received, source, receivedAt, true);
      if (index?.history !== entry.history || index.capacity !== this.historySize || entry.latest !== last || entry.history.newest() !== last) index = new HistoryIndex(entry.history, this.historySize);
      const run = boundRun(received, this.limits.errorChars);
      // With U+0000 in a field, identities can be equal while the fields differ: every item then.
      const same = identityHasSeparator(run.result) ? sameRunAs(run.result, true) : undefined;
      if (same ? same(entry.latest) || entry.history.some(same) : sameRunFields(run.result, entry.latest) || index.has(run.result)) return undefined;
      last = this.addNew(run, source, receivedAt, true, undefined);
      index.pushed(last);
      return last;
    };
  }

  private pushRun(record: RunRecord, restored: boolean): void {
    const resultName = record.run.resultName;
    let entry = this.entries.get(resultName);
    if (entry) {
      if (entry.history.size >= this.historySize && this.historySize < this.historyAsked) this.budgetBit = true;
      entry.latest = record;
      entry.history.push(record);
      compactPrevious(entry.history);
      entry.stateExpired = false;
      entry.runCount++;
      entry.restored = restored;
      this.changes.pipeline(resultName, false);
    } else {
      if (this.entries.size >= KEPT_RUNS_BUDGET && this.limits.maxPipelines > KEPT_RUNS_BUDGET) this.budgetBit = true;
      while (this.entries.size >= this.pipelineLimit) this.evictOne();
      const history = new Ring<KeptItem>(this.historySize);
      history.push(record);
      entry = { resultName, latest: record, history, stateExpired: false, runCount: 1, restored, fromState: false, heard: 0 };
      this.entries.set(resultName, entry);
      this.changes.pipeline(resultName, true);
    }
    if (!record.fromStream) {
      entry.heard++;
      if (record.source !== 'live') entry.fromState = true;
    }
    this.touchEviction(entry);
  }

  private touchEviction(entry: Entry): void {
    this.eviction.touchPipeline(entry.resultName, entry.heard, entry.fromState, entry.latest.run.statusKind);
  }

  /** Drops the pipeline EvictionOrder names, as "TDTP: Clear History" would, and counts it. */
  private evictOne(): void {
    const victim = this.eviction.next();
    if (victim === undefined) return;
    this.evicted++;
    this.forgetNow(victim);
    this.mutate({ kind: 'forget', resultName: victim });
  }

  /**
   * Replays a mutation (from the persisted history) without the per-run events: no toasts or
   * actions for old runs. The pipelines it touches are marked `restored` until reconciled.
   */
  apply(mutation: StoreMutation): void {
    switch (mutation.kind) {
      case 'run': {
        const { source, receivedAt, fromStream } = mutation.record;
        const run = boundRun(mutation.record.run, this.limits.errorChars);
        // The verdict is judged again with this store's tolerance.
        const record: RunRecord = { kind: 'run', run, dq: this.assess(run), source, receivedAt, ...(fromStream && { fromStream }) };
        this.pushRun(record, true);
        if (this.restoredRun.hasListeners) this.restoredRun.fire(record);
        return;
      }
      case 'gap': {
        const entry = this.entries.get(mutation.resultName);
        if (!entry) return;
        if (mutation.merged && entry.history.newest()?.kind === 'gap') entry.history.replaceNewest(mutation.gap);
        else entry.history.push(mutation.gap);
        this.changes.pipeline(entry.resultName, false);
        return;
      }
      case 'expired': {
        const entry = this.entries.get(mutation.resultName);
        if (entry) entry.stateExpired = mutation.expired;
        this.changes.pipeline(mutation.resultName, false);
        return;
      }
      case 'runCount': {
        const entry = this.entries.get(mutation.resultName);
        if (entry) entry.runCount = Math.max(entry.runCount, mutation.runCount);
        return;
      }
      case 'forget':
        this.forgetNow(mutation.resultName);
        return;
    }
  }

  /**
   * The model as mutations that `apply` turns back into it: per pipeline its latest run (when gap
   * markers pushed it out of the history), the history oldest first, then its flags.
   */
  *mutations(): Generator<StoreMutation> {
    for (const entry of this.entries.values()) {
      const items = entry.history.toArray().reverse();
      if (!items.includes(entry.latest)) yield { kind: 'run', record: entry.latest };
      for (const item of items) {
        if (item.kind === 'run') yield { kind: 'run', record: item };
        else if (item.kind === 'kept') yield { kind: 'run', record: item.expand(entry.resultName) };
        else yield { kind: 'gap', resultName: entry.resultName, gap: item, merged: false };
      }
      if (entry.stateExpired) yield { kind: 'expired', resultName: entry.resultName, expired: true };
      yield { kind: 'runCount', resultName: entry.resultName, runCount: entry.runCount };
    }
  }

  /** Runs in the histories (gap markers not counted). */
  get runsKept(): number {
    return runsKept(this.entries.values());
  }

  /** Items in the histories (runs and gap markers): the size of `mutations()`. */
  get itemCount(): number {
    let n = 0;
    for (const entry of this.entries.values()) n += entry.history.size + 2;
    return n;
  }

  /** Forgets one pipeline's history (TDTP: Clear History), or every pipeline's. */
  forget(resultName?: string): void {
    if (resultName !== undefined && !this.entries.has(resultName)) return;
    this.forgetNow(resultName);
    this.mutate({ kind: 'forget', resultName });
  }

  private forgetNow(resultName: string | undefined): void {
    if (resultName === undefined) {
      this.entries.clear();
      this.eviction.clear();
    } else {
      this.entries.delete(resultName);
      this.eviction.remove(resultName);
    }
    this.changes.structural(resultName);
  }

  private mutate(mutation: StoreMutation): void {
    if (this.mutated.hasListeners) this.mutated.fire(mutation);
  }

  addRejected(message: RejectedMessage): void {
    this.rejected.push(message);
    this.rejectedTotal++;
    this.changes.rejected();
    this.rejectedEmitter.fire(message);
  }

  /** Adds a gap marker to every pipeline's history (or to those of `only`): events in [from, to] may have been lost. */
  addGap(from: number, to: number, reason: string, only?: ReadonlySet<string>): void {
    for (const entry of this.entries.values()) {
      if (only && !only.has(entry.resultName)) continue;
      // Back-to-back losses with no run between them (a flapping network) make one longer gap.
      const newest = entry.history.newest();
      const merged = newest?.kind === 'gap';
      const gap: GapMarker = merged ? { kind: 'gap', from: Math.min(newest.from, from), to: Math.max(newest.to, to), reason } : { kind: 'gap', from, to, reason };
      if (merged) entry.history.replaceNewest(gap);
      else entry.history.push(gap);
      this.mutate({ kind: 'gap', resultName: entry.resultName, gap, merged });
      this.changes.pipeline(entry.resultName, false);
    }
  }

  /** After a full reconcile: pipelines whose state key no longer exists are marked expired. */
  markExpiredExcept(presentResultNames: ReadonlySet<string>): string[] {
    const expired: string[] = [];
    for (const entry of this.entries.values()) {
      if (entry.restored) {
        // A full reconcile confirms (or expires, below) what was restored from disk.
        entry.restored = false;
        this.changes.pipeline(entry.resultName, false);
      }
      if (!presentResultNames.has(entry.resultName) && !entry.stateExpired) {
        entry.stateExpired = true;
        expired.push(entry.resultName);
        this.mutate({ kind: 'expired', resultName: entry.resultName, expired: true });
        this.changes.pipeline(entry.resultName, false);
      }
    }
    return expired;
  }

  /** A poll found the state key gone. */
  markExpired(resultName: string): void {
    const entry = this.entries.get(resultName);
    if (entry && !entry.stateExpired) {
      entry.stateExpired = true;
      this.mutate({ kind: 'expired', resultName, expired: true });
      this.changes.pipeline(resultName, false);
    }
  }

  get(resultName: string): PipelineSnapshot | undefined {
    const entry = this.entries.get(resultName);
    return entry && snapshot(entry);
  }

  has(resultName: string): boolean {
    return this.entries.has(resultName);
  }

  /** Every pipeline in the order views list them (sortForDisplay: what needs attention first); `isLate` says which are late. */
  list(isLate?: (resultName: string) => boolean): PipelineSnapshot[] {
    return sortForDisplay([...this.entries.values()].map(snapshot), isLate);
  }

  /** Runs (and gap markers) kept per result_name. */
  get historyCapacity(): number {
    return this.historySize;
  }

  get size(): number {
    return this.entries.size;
  }

  /** Pipelines that can still be added before the limit makes one give way. */
  get room(): number {
    return Math.max(0, this.limits.maxPipelines - this.entries.size);
  }

  /** Newest first, gap markers included. */
  history(resultName: string): HistoryItem[] {
    return this.entries.get(resultName)?.history.toArray().map((item) => (item.kind === 'kept' ? item.expand(resultName) : item)) ?? [];
  }

  rejectedMessages(): { recent: RejectedMessage[]; total: number } {
    return { recent: this.rejected.toArray(), total: this.rejectedTotal };
  }

  counts(): StatusCounts {
    return statusCounts(this.entries.values());
  }

  setHistorySize(size: number): void {
    this.historyAsked = positiveInt(size, DEFAULT_HISTORY_SIZE);
    this.resizeHistories();
  }

  /** Changing the tolerance re-judges only the latest runs' verdicts shown from now on. */
  setTolerance(tolerance: DqTolerance): void {
    this.tolerance = tolerance;
    for (const entry of this.entries.values()) {
      entry.latest = { ...entry.latest, dq: assessDataQuality(entry.latest.run, tolerance) };
      this.changes.pipeline(entry.resultName, false);
    }
  }

  /** Forgets everything (e.g. the connection now points at another server). */
  clear(): void {
    this.entries.clear();
    this.eviction.clear();
    this.evicted = 0;
    this.unread = 0;
    this.budgetBit = false;
    this.mutate({ kind: 'forget' });
    this.rejected = new Ring(this.rejectedSize);
    this.rejectedTotal = 0;
    this.changes.everything();
  }

  /** Delivers pending change notifications now (tests, and before a view first renders). */
  flush(): void {
    this.changes.flush();
  }

  dispose(): void {
    this.changes.dispose();
    this.addedRun.dispose();
    this.changed.dispose();
    this.rejectedEmitter.dispose();
    this.mutated.dispose();
    this.restoredRun.dispose();
  }
}
