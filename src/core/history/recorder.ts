import { CommandsClient, isCluster } from '../connection';
import { encodeResult } from '../decode';
import { KeySpace } from '../keySpace';
import { Emitter } from '../emitter';
import { DisposableStore, IDisposable } from '../lifecycle';
import { ConnectionSettings } from '../settings';
import { PipelineStore, RunRecord } from '../store';
import { PipelineWatcher } from '../watcher';
import { streamIdOf } from './streamId';

export interface RecorderOptions {
  /** `XADD … MAXLEN ~ maxLen`: entries kept per stream (about; Redis trims whole nodes). */
  readonly maxLen: number;
  /** Runs waiting while disconnected are kept up to this many (oldest dropped first). */
  readonly maxPending?: number;
  /** XADDs in flight at once. */
  readonly batch?: number;
  /**
   * Runs are held this long (default 200 ms) and written in ID order: pub/sub on a cluster
   * delivers messages published through different nodes in any order.
   */
  readonly holdMs?: number;
}

export interface RecorderCounts {
  /** Entries this recorder added. */
  readonly written: number;
  /**
   * Of those, runs that arrived after a newer run of their result_name was written (and were not
   * in the stream): added with an ID of the time of writing, so the stream stays in order.
   */
  readonly late: number;
  /**
   * Runs the stream already held (same ID): another recorder wrote them first, or this one did
   * before a reconnect.
   */
  readonly alreadyRecorded: number;
  /** Runs dropped: over maxPending while disconnected, or refused for another reason. */
  readonly dropped: number;
}

/** A write refused for a reason other than the ID (permissions, a key of another type …). */
export interface RecorderProblem {
  readonly resultName: string;
  readonly message: string;
}

const DEFAULT_MAX_PENDING = 100_000;
const DEFAULT_BATCH = 1000;
const DEFAULT_HOLD_MS = 200;
const ID_TOO_SMALL = /equal or smaller than the target stream top item/;

/**
 * Appends every run a watcher sees — live, loaded at connect, recovered after a reconnect — to its
 * stream `<prefix>:<result_name>:runs` with an ID derived from the run (see streamIdOf).
 */
export class StreamRecorder implements IDisposable {
  readonly watcher: PipelineWatcher;
  readonly store: PipelineStore;
  private readonly keys: KeySpace;
  private readonly disposables = new DisposableStore();
  private queue: RunRecord[] = [];
  private sending = false;
  private counts = { written: 0, late: 0, alreadyRecorded: 0, dropped: 0 };
  private readonly maxPending: number;
  private readonly batch: number;
  private readonly holdMs: number;
  private holdTimer: ReturnType<typeof setTimeout> | undefined;
  private readonly problemEmitter = new Emitter<RecorderProblem>();
  private readonly idleEmitter = new Emitter<RecorderCounts>();
  /** A write refused for a reason retrying will not fix (logged by the front end). */
  readonly onProblem = this.problemEmitter.event;
  /** The queue became empty: every run seen so far is written (or counted). */
  readonly onDidDrain = this.idleEmitter.event;

  constructor(
    settings: ConnectionSettings,
    private readonly options: RecorderOptions,
    watcher?: PipelineWatcher,
  ) {
    this.maxPending = options.maxPending ?? DEFAULT_MAX_PENDING;
    this.batch = options.batch ?? DEFAULT_BATCH;
    this.holdMs = options.holdMs ?? DEFAULT_HOLD_MS;
    this.keys = new KeySpace(settings.prefix);
    // A short history is enough: it only recognises the PUBLISH of a run a state read brought in.
    this.store = watcher?.store ?? this.disposables.add(new PipelineStore({ historySize: 10, coalesceMs: 1000 }));
    this.watcher = watcher ?? this.disposables.add(new PipelineWatcher(settings, this.store));
    this.disposables.add(this.store.onDidAddRun((record) => this.enqueue(record)));
    this.disposables.add(this.watcher.onDidChangeState((state) => state.kind === 'connected' && void this.drain()));
    this.disposables.add(this.problemEmitter);
    this.disposables.add(this.idleEmitter);
  }

  get recorded(): RecorderCounts {
    return { ...this.counts };
  }

  get pending(): number {
    return this.queue.length;
  }

  start(): void {
    this.watcher.start();
  }

  private enqueue(record: RunRecord): void {
    if (record.source === 'polled') return;
    this.queue.push(record);
    if (this.queue.length > this.maxPending) {
      this.queue.shift();
      this.counts.dropped++;
    }
    this.holdTimer ??= setTimeout(() => {
      this.holdTimer = undefined;
      void this.drain();
    }, this.holdMs);
  }

  private async drain(): Promise<void> {
    if (this.sending) return;
    this.sending = true;
    try {
      for (;;) {
        const commands = this.watcher.connection.commands;
        if (!commands || this.queue.length === 0) break;
        const batch = this.queue.splice(0, this.batch).map((record) => ({ record, id: streamIdOf(record) }));
        batch.sort(byId);
        const retry = await this.send(commands, batch);
        if (retry.length) {
          // The connection went away mid-batch: what it did not confirm waits for the reconnect.
          this.queue.unshift(...retry);
          break;
        }
      }
    } finally {
      this.sending = false;
    }
    if (this.queue.length === 0) this.idleEmitter.fire(this.recorded);
  }

  /** Sends one batch (one pipeline on a single server); returns the runs to try again. */
  private async send(commands: CommandsClient, batch: Array<{ record: RunRecord; id: string }>): Promise<RunRecord[]> {
    const errors = await this.xaddAll(commands, batch);
    const outcomes = await Promise.allSettled(
      errors.map(async (err, i): Promise<'written' | 'late' | 'alreadyRecorded'> => {
        if (!err) return 'written';
        if (!ID_TOO_SMALL.test(err.message)) throw err;
        return this.lateOrRecorded(commands, batch[i].record, batch[i].id);
      }),
    );
    const retry: RunRecord[] = [];
    outcomes.forEach((outcome, i) => {
      if (outcome.status === 'fulfilled') {
        this.counts[outcome.value]++;
        if (outcome.value === 'late') this.counts.written++;
        return;
      }
      const message = (outcome.reason as Error)?.message ?? String(outcome.reason);
      if (commands !== this.watcher.connection.commands || /Connection is closed|ECONNRESET|EPIPE|Stream isn't writeable/i.test(message)) {
        retry.push(batch[i].record);
      } else {
        this.counts.dropped++;
        this.problemEmitter.fire({ resultName: batch[i].record.run.resultName, message });
      }
    });
    return retry;
  }

  /** XADD of each run with its own ID: the error of each, or null. A cluster routes each to its shard. */
  private async xaddAll(commands: CommandsClient, batch: Array<{ record: RunRecord; id: string }>): Promise<Array<Error | null>> {
    const args = (record: RunRecord, id: string) => [this.keys.runsKey(record.run.resultName), 'MAXLEN', '~', this.options.maxLen, id, 'run', encodeResult(record.run.result)] as const;
    if (isCluster(commands)) return Promise.all(batch.map(({ record, id }) => commands.xadd(...args(record, id)).then(() => null, (err: Error) => err)));
    const pipeline = commands.pipeline();
    for (const { record, id } of batch) pipeline.xadd(...args(record, id));
    try {
      const replies = await pipeline.exec();
      return batch.map((_, i) => replies?.[i]?.[0] ?? (replies ? null : new Error('Connection is closed.')));
    } catch (err) {
      return batch.map(() => err as Error);
    }
  }

  /** Refused as too small: the run is there already, or it is late (then appended with a new ID). */
  private async lateOrRecorded(commands: CommandsClient, record: RunRecord, id: string): Promise<'late' | 'alreadyRecorded'> {
    const key = this.keys.runsKey(record.run.resultName);
    if ((await commands.xrange(key, id, id)).length > 0) return 'alreadyRecorded';
    await commands.xadd(key, 'MAXLEN', '~', this.options.maxLen, '*', 'run', encodeResult(record.run.result));
    return 'late';
  }

  dispose(): void {
    clearTimeout(this.holdTimer);
    this.disposables.dispose();
  }
}

function byId(a: { id: string }, b: { id: string }): number {
  const [am, as] = a.id.split('-').map(Number);
  const [bm, bs] = b.id.split('-').map(Number);
  return am - bm || as - bs;
}
