import type Redis from 'ioredis';
import type { CommandsClient } from '../connection';
import { isCluster } from '../connection';
import { encodeResult } from '../encode';
import { KeySpace } from '../keySpace';
import { Emitter } from '../emitter';
import type { IDisposable } from '../lifecycle';
import { DisposableStore } from '../lifecycle';
import type { ConnectionSettings } from '../settings';
import { PipelineStore } from '../store';
import type { RunRecord } from '../runs';
import { PipelineWatcher } from '../watcher';
import type { Pending } from './runQueue';
import { RunQueue } from './runQueue';
import { hasOwnTime, runHash, streamIdMsOf, streamIdSeq } from './streamId';

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
  /** Times a run refused for a passing reason (CLUSTERDOWN, LOADING, OOM, READONLY …) is sent again (default 8). */
  readonly retries?: number;
  /** The first wait before sending again (default 250 ms); it doubles with each refusal in a row, up to 10 s. */
  readonly retryMs?: number;
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
  /** Runs dropped: over maxPending while disconnected, refused for another reason, or still refused after every retry. */
  readonly dropped: number;
  /** Sends repeated after a passing refusal (CLUSTERDOWN, LOADING, OOM, READONLY …). */
  readonly retried: number;
}

/** A write refused for a reason other than the ID (permissions, a key of another type …). */
export interface RecorderProblem {
  readonly resultName: string;
  readonly message: string;
}

const DEFAULT_MAX_PENDING = 100_000;
const DEFAULT_BATCH = 1000;
/** Batches in flight at once (one pipeline each, in order on the one connection): round trips overlap. */
const BATCHES_IN_FLIGHT = 8;
const DEFAULT_HOLD_MS = 200;
const DEFAULT_RETRIES = 8;
const DEFAULT_RETRY_MS = 250;
const MAX_RETRY_MS = 10_000;
/** Stream keys remembered (one per pipeline; the store keeps up to its pipeline limit). */
const MAX_KEYS = 20_000;
const ID_TOO_SMALL = /equal or smaller than the target stream top item/;
/** Refusals that pass: a cluster re-forming, a server loading its data, full, or a replica until failover. */
const PASSING = /^(CLUSTERDOWN|LOADING|OOM|READONLY|TRYAGAIN|MASTERDOWN|BUSY)\b/;
const CONNECTION_LOST = /Connection is closed|ECONNRESET|EPIPE|Stream isn't writeable/i;

/**
 * Appends every run a watcher sees — live, loaded at connect, recovered after a reconnect — to its
 * stream `<prefix>:<result_name>:runs` with an ID derived from the run (see streamIdOf).
 */
export class StreamRecorder implements IDisposable {
  readonly watcher: PipelineWatcher;
  readonly store: PipelineStore;
  private readonly keys: KeySpace;
  private readonly disposables = new DisposableStore();
  private readonly queue = new RunQueue();
  /** Each pipeline's stream key, made once (cleared past MAX_KEYS, so a flood of names cannot grow it). */
  private runsKeys = new Map<string, string>();
  /** Batches sent and not yet settled. */
  private inFlight = 0;
  /** A batch was lost with its connection: nothing more is sent until the next connect. */
  private awaitingConnection = false;
  private counts = { written: 0, late: 0, alreadyRecorded: 0, dropped: 0, retried: 0 };
  private readonly maxPending: number;
  private readonly batch: number;
  private readonly holdMs: number;
  private readonly retries: number;
  private readonly retryMs: number;
  /** The wait before the next retry: doubles with each passing refusal in a row, back to retryMs after a success. */
  private backoffMs: number;
  private holdTimer: ReturnType<typeof setTimeout> | undefined;
  private retryTimer: ReturnType<typeof setTimeout> | undefined;
  private readonly problemEmitter = new Emitter<RecorderProblem>();
  private readonly idleEmitter = new Emitter<RecorderCounts>();
  /** A write refused for a reason retrying will not fix, or after every retry (logged by the front end). */
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
    this.retries = options.retries ?? DEFAULT_RETRIES;
    this.retryMs = options.retryMs ?? DEFAULT_RETRY_MS;
    this.backoffMs = this.retryMs;
    this.keys = new KeySpace(settings.prefix);
    // One run per pipeline is enough: the store only recognises the PUBLISH of a run a state read
    // brought in (its latest), and keeps nothing to show (a longer history cost a compaction per run).
    // A run the store does not recognise is still written once: the stream refuses its ID again.
    this.store = watcher?.store ?? this.disposables.add(new PipelineStore({ historySize: 1, coalesceMs: 1000 }));
    this.watcher = watcher ?? this.disposables.add(new PipelineWatcher(settings, this.store));
    // The mutation of each added run (exactly when onDidAddRun fires) carries the payload's bytes.
    this.disposables.add(this.store.onDidMutate((mutation) => mutation.kind === 'run' && this.enqueue(mutation.record, mutation.wire)));
    this.disposables.add(
      this.watcher.onDidChangeState((state) => {
        if (state.kind !== 'connected') return this.dropWires();
        this.awaitingConnection = false;
        this.drain();
      }),
    );
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

  private enqueue(record: RunRecord, wire: Uint8Array | undefined): void {
    if (record.source === 'polled') return;
    const ms = streamIdMsOf(record);
    const seq = runHash(record);
    const connected = !this.awaitingConnection && this.watcher.connection.commands !== undefined;
    const payload = wire === undefined ? record : connected ? asBuffer(wire) : asBuffer(wire).toString('utf8');
    const checkStream = record.source !== 'live' && !hasOwnTime(record);
    const resultName = record.run.resultName;
    this.queue.push(resultName, this.runsKeyOf(resultName), payload, checkStream, ms, seq);
    if (this.queue.length > this.maxPending) {
      this.queue.dropFirst();
      this.counts.dropped++;
    }
    this.holdTimer ??= setTimeout(() => {
      this.holdTimer = undefined;
      this.drain();
    }, this.holdMs);
  }

  private runsKeyOf(resultName: string): string {
    let key = this.runsKeys.get(resultName);
    if (key === undefined) {
      if (this.runsKeys.size >= MAX_KEYS) this.runsKeys = new Map();
      key = this.keys.runsKey(resultName);
      this.runsKeys.set(resultName, key);
    }
    return key;
  }

  /** Runs that wait for a connection let the client's read buffer go: their bytes become text. */
  private dropWires(): void {
    this.queue.dropWires();
  }

  /** Sends batches while there are runs, a connection and room in flight; fires onDidDrain when all are settled. */
  private drain(): void {
    for (;;) {
      const commands = this.watcher.connection.commands;
      if (!commands || this.retryTimer || this.awaitingConnection || this.inFlight >= BATCHES_IN_FLIGHT || this.queue.length === 0) break;
      const batch = this.queue.take(this.batch).sort(byId);
      this.inFlight++;
      void this.send(commands, batch)
        .catch(() => ({ lost: batch, passing: [] }))
        .then((outcome) => this.settle(outcome));
    }
    if (this.inFlight === 0 && this.queue.length === 0) this.idleEmitter.fire(this.recorded);
  }

  private settle({ lost, passing }: Awaited<ReturnType<StreamRecorder['send']>>): void {
    this.inFlight--;
    this.queue.unshiftAll([...lost, ...this.giveUpOn(passing)].sort(byId));
    // The connection went away mid-batch: what it did not confirm waits for the reconnect.
    if (lost.length) {
      this.awaitingConnection = true;
      this.dropWires();
    } else if (passing.length) this.waitToRetry();
    else if (!this.retryTimer) this.backoffMs = this.retryMs;
    this.drain();
  }

  /** Runs refused for a passing reason: those with retries left go back; the others are dropped, with the reason. */
  private giveUpOn(passing: Array<{ pending: Pending; message: string }>): Pending[] {
    const again: Pending[] = [];
    for (const { pending, message } of passing) {
      if (++pending.attempts <= this.retries) {
        this.counts.retried++;
        again.push(pending);
      } else {
        this.counts.dropped++;
        this.problemEmitter.fire({ resultName: pending.resultName, message });
      }
    }
    return again;
  }

  private waitToRetry(): void {
    if (this.retryTimer) return;
    const wait = this.backoffMs;
    this.backoffMs = Math.min(this.backoffMs * 2, MAX_RETRY_MS);
    this.retryTimer = setTimeout(() => {
      this.retryTimer = undefined;
      this.drain();
    }, wait);
  }

  /** Sends one batch (one pipeline on a single server); returns the runs to send again. */
  private async send(commands: CommandsClient, batch: Pending[]): Promise<{ lost: Pending[]; passing: Array<{ pending: Pending; message: string }> }> {
    const errors = await this.xaddAll(commands, batch);
    // Most are written: only the refused ones need a look (and maybe a round trip) each.
    const refused: number[] = [];
    for (let i = 0; i < errors.length; i++) {
      const err = errors[i];
      if (err === null) this.counts.written++;
      else if (err === RECORDED) this.counts.alreadyRecorded++;
      else refused.push(i);
    }
    const tooSmall = refused.filter((i) => ID_TOO_SMALL.test((errors[i] as Error).message));
    const late = await this.lateOrRecorded(commands, tooSmall.map((i) => batch[i]));
    let t = 0;
    const outcomes = refused.map((i): PromiseSettledResult<'late' | 'alreadyRecorded'> => (tooSmall[t] === i ? late[t++] : { status: 'rejected', reason: errors[i] }));
    const lost: Pending[] = [];
    const passing: Array<{ pending: Pending; message: string }> = [];
    outcomes.forEach((outcome, k) => {
      const i = refused[k];
      if (outcome.status === 'fulfilled') {
        this.counts[outcome.value]++;
        if (outcome.value === 'late') this.counts.written++;
        return;
      }
      const message = (outcome.reason as Error)?.message ?? String(outcome.reason);
      if (commands !== this.watcher.connection.commands || CONNECTION_LOST.test(message)) {
        lost.push(batch[i]);
      } else if (PASSING.test(message)) {
        passing.push({ pending: batch[i], message });
      } else {
        this.counts.dropped++;
        this.problemEmitter.fire({ resultName: batch[i].resultName, message });
      }
    });
    return { lost, passing };
  }

  /** XADD of each run with its own ID: the error of each, RECORDED, or null. A cluster routes each to its shard. */
  private async xaddAll(commands: CommandsClient, batch: Pending[]): Promise<Array<Error | null>> {
    const recorded = await this.alreadyInStreams(commands, batch);
    const maxLen = this.options.maxLen;
    if (isCluster(commands)) {
      return Promise.all(batch.map((p, i) => (recorded?.has(i) ? RECORDED : commands.xadd(p.key, 'MAXLEN', '~', maxLen, p.id, 'run', (p.payload = entryOf(p))).then(() => null, (err: Error) => err))));
    }
    const pipeline = commands.pipeline();
    for (let i = 0; i < batch.length; i++) {
      if (recorded?.has(i)) continue;
      // Kept as the text sent: a refused run sent again (late, or after a retry) is not encoded twice.
      const entry = (batch[i].payload = entryOf(batch[i]));
      pipeline.xadd(batch[i].key, 'MAXLEN', '~', maxLen, batch[i].id, 'run', entry);
    }
    try {
      const replies = await pipeline.exec();
      let k = 0;
      return batch.map((_, i) => (recorded?.has(i) ? RECORDED : (replies?.[k++]?.[0] ?? (replies ? null : new Error('Connection is closed.')))));
    } catch (err) {
      return batch.map(() => err as Error);
    }
  }

  /**
   * Runs read from a state key whose ID time is when they arrived (a zero or far-future time): after
   * a restart such a run gets another ID, so it counts as recorded when the stream's newest entry
   * is the same run (a state key holds only the latest run). The indexes of those, if any.
   */
  private async alreadyInStreams(commands: CommandsClient, batch: Pending[]): Promise<ReadonlySet<number> | undefined> {
    const check: number[] = [];
    for (let i = 0; i < batch.length; i++) if (batch[i].checkStream) check.push(i);
    if (check.length === 0) return undefined;
    const recorded = new Set<number>();
    await Promise.all(
      check.map(async (i) => {
        // A failed check leaves it to the XADD, which meets the same failure and says so.
        const [newest] = await commands.xrevrange(batch[i].key, '+', '-', 'COUNT', 1).catch(() => []);
        if (newest !== undefined && streamIdSeq(newest[0]) === batch[i].seq) recorded.add(i);
      }),
    );
    return recorded;
  }

  /**
   * Refused as too small: each run is there already, or it is late (then appended with a new ID).
   * On one server the checks go in one pipeline and the late runs' XADDs in another: a stream that
   * fell behind (a late run moves its top to now) sends every later run this way.
   */
  private async lateOrRecorded(commands: CommandsClient, refused: Pending[]): Promise<Array<PromiseSettledResult<'late' | 'alreadyRecorded'>>> {
    if (refused.length === 0) return [];
    const maxLen = this.options.maxLen;
    if (isCluster(commands)) {
      return Promise.allSettled(
        refused.map(async (pending): Promise<'late' | 'alreadyRecorded'> => {
          const key = pending.key;
          if ((await commands.xrange(key, pending.id, pending.id)).length > 0) return 'alreadyRecorded';
          await commands.xadd(key, 'MAXLEN', '~', maxLen, '*', 'run', entryOf(pending));
          return 'late';
        }),
      );
    }
    const checks = commands.pipeline();
    for (const p of refused) checks.xrange(p.key, p.id, p.id);
    const found = await execEach(checks, refused.length);
    const adds = commands.pipeline();
    const added: number[] = [];
    found.forEach((reply, i) => {
      if (reply.status === 'fulfilled' && (reply.value as unknown[]).length === 0) {
        adds.xadd(refused[i].key, 'MAXLEN', '~', maxLen, '*', 'run', entryOf(refused[i]));
        added.push(i);
      }
    });
    const written = added.length ? await execEach(adds, added.length) : [];
    let k = 0;
    return found.map((reply, i): PromiseSettledResult<'late' | 'alreadyRecorded'> => {
      if (reply.status === 'rejected') return reply;
      if (added[k] !== i) return { status: 'fulfilled', value: 'alreadyRecorded' };
      const add = written[k++];
      return add.status === 'rejected' ? add : { status: 'fulfilled', value: 'late' };
    });
  }

  dispose(): void {
    clearTimeout(this.holdTimer);
    clearTimeout(this.retryTimer);
    this.disposables.dispose();
  }
}

/** A pipeline's replies, each settled: a lost connection rejects every one. */
async function execEach(pipeline: ReturnType<Redis['pipeline']>, count: number): Promise<Array<PromiseSettledResult<unknown>>> {
  try {
    const replies = await pipeline.exec();
    return Array.from({ length: count }, (_, i): PromiseSettledResult<unknown> => {
      const [err, value] = replies?.[i] ?? [new Error('Connection is closed.'), undefined];
      return err ? { status: 'rejected', reason: err } : { status: 'fulfilled', value };
    });
  } catch (err) {
    return Array.from({ length: count }, (): PromiseSettledResult<unknown> => ({ status: 'rejected', reason: err }));
  }
}

/** Stands for "the stream holds it already" among the errors of a batch. */
const RECORDED = new Error('already recorded');

/**
 * The stream entry's `run` field: the payload's bytes as received (as text: ioredis writes a
 * command of strings ~2 µs faster than one with a Buffer, more than the decoding costs), else the
 * run in Go order.
 */
function entryOf({ payload }: Pending): string {
  if (typeof payload === 'string') return payload;
  return Buffer.isBuffer(payload) ? payload.toString('utf8') : encodeResult(payload.run.result);
}

function asBuffer(bytes: Uint8Array): Buffer {
  return Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

function byId(a: Pending, b: Pending): number {
  return a.ms - b.ms || a.seq - b.seq;
}
