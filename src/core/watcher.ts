import type Redis from 'ioredis';
import type { Cluster } from 'ioredis';
import type {
  CommandsClient,
  ConnectionState,
  ConnectionTuning,
  SubscribedInfo} from './connection';
import {
  ConnectionProblemError,
  TdtpConnection,
  classifyClientError,
  connectCommandsClient,
  isCluster,
} from './connection';
import type { DecodeOutcome, PipelineRun, RejectedMessage } from './decode';
import { decodeMessage, decodePayload } from './decode';
import { FloodGuard } from './floodGuard';
import { KeySpace } from './keySpace';
import { Emitter } from './emitter';
import type { IDisposable } from './lifecycle';
import { DisposableStore } from './lifecycle';
import type { ConnectionProblem, NotConnectedFacts } from './problems';
import type { ConnectionSettings } from './settings';
import type { PipelineStore } from './store';
import type { RunSource } from './runs';
import { LiveHold } from './history/liveHold';
import type { StreamReadReport } from './history/streams';
import { readStreams } from './history/streams';

export interface ReconcileReport {
  /** `loaded` on the first connect, `recovered` after a loss or on a manual refresh. */
  readonly source: Extract<RunSource, 'loaded' | 'recovered'>;
  /** State keys found. */
  readonly keys: number;
  /** Runs that were new to the model (events lost, or states present at connect). */
  readonly added: number;
  readonly rejected: number;
  /** result_names whose state key is gone (its TTL ran out). */
  readonly expired: string[];
  /**
   * `reason`: a code (the lost connection's problem code, or NOT_RUNNING_REASON) for the gap
   * marker; `problem`: the lost connection's problem, for the front ends to word.
   */
  readonly gap?: { readonly from: number; readonly to: number; readonly reason: string; readonly problem?: ConnectionProblem };
  /** What the recorders' streams added first (when reading them is on). */
  readonly streams?: StreamReadReport;
  readonly durationMs: number;
  readonly finishedAt: number;
}

export type PollResult =
  | { readonly found: true; readonly outcome: Exclude<DecodeOutcome, { kind: 'ignored' }>; readonly ttlMs: number | undefined }
  | { readonly found: false };

/** A poll or refresh that needs the connection up; `facts` say why it is not (front ends word them). */
export class NotConnectedError extends Error {
  constructor(readonly facts: NotConnectedFacts) {
    super(`not connected (${facts.state})`);
    this.name = 'NotConnectedError';
  }
}

/** How the watcher uses history kept elsewhere. */
export interface WatcherOptions {
  /**
   * Read at most FLOOD_NEW_NAMES_PER_SECOND new names a second (floodGuard.ts): the extension
   * host's memory against a flood of distinct names. Off for the terminal tools, which print or
   * record every event.
   */
  readonly guardFloods?: boolean;
  /** Read the recorders' streams (`<prefix>:*:runs`) before the state keys, to fill gaps exactly. */
  readonly readStreams?: boolean;
  /** The model was restored from disk, last connected then: the time since is a gap at the first connect. */
  readonly resumedFrom?: number;
}

/** The reason of the gap between the persisted history and the first connect. */
export const NOT_RUNNING_REASON = 'the viewer was not running';

/** Keys found per SCAN step; MGET reads each page while the next SCAN runs. */
const SCAN_COUNT = 1000;

/**
 * The core's main object: one connection feeding one store. It decodes every message, keeps the
 * model, and reconciles it from the state keys after each (re)subscription.
 */
export class PipelineWatcher implements IDisposable {
  readonly connection: TdtpConnection;
  private readonly keys: KeySpace;
  private readonly disposables = new DisposableStore();
  private readonly reconcileEmitter = new Emitter<ReconcileReport>();
  private readonly reconcileFailedEmitter = new Emitter<ConnectionProblem>();
  private lastReconcileValue: ReconcileReport | undefined;
  /** result_names that got a live event since the running reconcile began: theirs is newer. */
  private liveDuringReconcile: Set<string> | undefined;
  /** Live runs wait here while the streams are read (theirs go first). */
  private readonly hold: LiveHold;
  /** A flood of new names is counted, not read, past its cap a second. */
  private readonly flood = new FloodGuard();
  private missedTimer: ReturnType<typeof setTimeout> | undefined;

  /** After every reconcile (initial load, after a reconnect, manual refresh). */
  readonly onDidReconcile = this.reconcileEmitter.event;
  readonly onReconcileFailed = this.reconcileFailedEmitter.event;

  constructor(
    readonly settings: ConnectionSettings,
    readonly store: PipelineStore,
    tuning: ConnectionTuning = {},
    private readonly options: WatcherOptions = {},
  ) {
    this.keys = new KeySpace(settings.prefix);
    this.hold = new LiveHold(store);
    this.connection = this.disposables.add(new TdtpConnection(settings, (channel, payload) => this.onMessage(channel, payload), tuning));
    this.disposables.add(this.connection.onDidSubscribe((info) => void this.reconcileAfterSubscribe(info)));
    this.disposables.add(this.reconcileEmitter);
    this.disposables.add(this.reconcileFailedEmitter);
  }

  get onDidChangeState(): (listener: (state: ConnectionState) => void) => IDisposable {
    return this.connection.onDidChangeState;
  }

  get state(): ConnectionState {
    return this.connection.state;
  }

  get lastReconcile(): ReconcileReport | undefined {
    return this.lastReconcileValue;
  }

  start(): void {
    this.connection.start();
  }

  stop(): void {
    this.connection.stop();
  }

  /** Hot path: one call per pub/sub message. */
  private onMessage(channel: string, payload: Buffer): void {
    if (this.options.guardFloods && this.leavesUnread(channel)) return;
    const outcome = decodeMessage(this.keys, channel, payload);
    if (outcome.kind === 'run') {
      this.liveDuringReconcile?.add(outcome.run.resultName);
      // The store skips the PUBLISH of a run a state read already brought in (SET comes first).
      this.hold.offer(outcome.run, payload);
    } else if (outcome.kind === 'rejected') {
      this.store.addRejected(outcome.rejected);
    }
  }

  private async reconcileAfterSubscribe(info: SubscribedInfo): Promise<void> {
    const source = info.initial ? 'loaded' : 'recovered';
    const resumed = info.initial && this.options.resumedFrom !== undefined ? { from: this.options.resumedFrom, to: Date.now(), reason: NOT_RUNNING_REASON } : undefined;
    const lost = info.gap && { from: info.gap.from, to: info.gap.to, reason: info.gap.reason.code, problem: info.gap.reason };
    const gap = lost ?? resumed;
    let streams: StreamReadReport | undefined;
    // Streams first: their runs are older than the state keys' and go before them in the history.
    if (this.options.readStreams) streams = await readStreams(info.commands, this.keys, this.store, source, gap, this.hold);
    else if (gap) this.store.addGap(gap.from, gap.to, gap.reason);
    await this.reconcileWith(info.commands, source, gap, streams);
  }

  /** Re-reads every state key now (the user's Refresh). */
  async refresh(): Promise<ReconcileReport> {
    const commands = this.connection.commands;
    if (!commands) throw new NotConnectedError(this.notConnected(false));
    const report = await this.reconcileWith(commands, 'recovered', undefined);
    if (!report) {
      if (commands !== this.connection.commands) throw new NotConnectedError(this.notConnected(true));
      throw new Error('the refresh could not read the state keys; see the log');
    }
    return report;
  }

  private async reconcileWith(commands: CommandsClient, source: ReconcileReport['source'], gap: ReconcileReport['gap'], streams?: StreamReadReport): Promise<ReconcileReport | undefined> {
    const started = Date.now();
    const live = new Set<string>();
    this.liveDuringReconcile = live;
    try {
      let added = 0;
      let rejected = 0;
      const present = new Set<string>();
      const apply = (names: string[], stateKeys: string[], values: Array<Buffer | null>) => {
        for (let i = 0; i < names.length; i++) {
          const value = values[i];
          const resultName = names[i];
          if (value === null || value === undefined) continue; // expired between SCAN and the read
          if (present.has(resultName)) continue; // SCAN may return a key twice
          present.add(resultName);
          if (live.has(resultName)) continue;
          const outcome = decodePayload(stateKeys[i], resultName, value);
          if (outcome.kind === 'run') {
            if (this.store.addRun(outcome.run, source)) added++;
          } else if (outcome.kind === 'rejected') {
            rejected++;
            this.store.addRejected(outcome.rejected);
          }
        }
      };
      // A cluster keeps each key on one shard: every primary is scanned, and its keys are read
      // there (MGET cannot span slots). A single server (or Sentinel's primary) is one "shard".
      const shards: Array<{ scanner: Redis; read: (keys: string[]) => Promise<Array<Buffer | null>> }> = isCluster(commands)
        ? commands.nodes('master').map((node) => ({ scanner: node, read: (keys: string[]) => readOnClusterNode(commands, node, keys) }))
        : [{ scanner: commands, read: (keys: string[]) => commands.mgetBuffer(...keys) }];
      await Promise.all(shards.map((shard) => this.scanShard(shard.scanner, shard.read, apply)));
      const keys = present.size;
      for (const name of live) present.add(name);
      const expired = this.store.markExpiredExcept(present);
      const finishedAt = Date.now();
      const report: ReconcileReport = { source, keys, added, rejected, expired, gap, ...(streams && { streams }), durationMs: finishedAt - started, finishedAt };
      this.lastReconcileValue = report;
      this.reconcileEmitter.fire(report);
      return report;
    } catch (err) {
      // The connection was lost meanwhile: the reconnect reconciles again, there is nothing to report.
      if (commands !== this.connection.commands) return undefined;
      const problem = this.connection.classify(err, commands);
      this.reconcileFailedEmitter.fire(problem);
      // A refused permission will be refused again: say so in the connection state instead of
      // showing a connected viewer with an empty or stale model.
      if (!problem.retryable) this.connection.fail(problem);
      return undefined;
    } finally {
      if (this.liveDuringReconcile === live) this.liveDuringReconcile = undefined;
    }
  }

  /**
   * SCAN one server for state keys. A page's read and the next SCAN are sent as soon as the page
   * is known, before the previous page is decoded, so Redis serves them while this process decodes.
   */
  private async scanShard(scanner: Redis, read: (keys: string[]) => Promise<Array<Buffer | null>>, apply: (names: string[], keys: string[], values: Array<Buffer | null>) => void): Promise<void> {
    let scanning: Promise<[string, string[]]> | undefined = inFlight(scanner.scan('0', 'MATCH', this.keys.stateKeyPattern, 'COUNT', SCAN_COUNT));
    let previous: { names: string[]; keys: string[]; values: Promise<Array<Buffer | null>> } | undefined;
    while (scanning) {
      const [cursor, found]: [string, string[]] = await scanning;
      scanning = cursor === '0' ? undefined : inFlight(scanner.scan(cursor, 'MATCH', this.keys.stateKeyPattern, 'COUNT', SCAN_COUNT));
      const names: string[] = [];
      const stateKeys: string[] = [];
      for (const key of found) {
        const name = this.keys.resultNameOfStateKey(key);
        if (name) {
          names.push(name);
          stateKeys.push(key);
        }
      }
      const page = stateKeys.length ? { names, keys: stateKeys, values: inFlight(read(stateKeys)) } : undefined;
      if (previous) apply(previous.names, previous.keys, await previous.values);
      previous = page;
    }
    if (previous) apply(previous.names, previous.keys, await previous.values);
  }

  /**
   * GETs one state key (with its remaining TTL). A found run also enters the model (deduplicated);
   * a missing key marks the pipeline's state as expired. Works only while connected.
   */
  async poll(resultName: string): Promise<PollResult> {
    const commands = this.connection.commands;
    if (!commands) throw new NotConnectedError(this.notConnected(false));
    let result: PollResult;
    try {
      result = await pollWith(commands, this.keys, resultName);
    } catch (err) {
      throw new ConnectionProblemError(this.connection.classify(err, commands));
    }
    if (result.found && result.outcome.kind === 'run') this.store.addRun(result.outcome.run, 'polled');
    if (!result.found) this.store.markExpired(resultName);
    return result;
  }

  /** The flood guard: whether this message, of a name the model does not hold, is left unread. */
  private leavesUnread(channel: string): boolean {
    const name = this.keys.resultNameOfChannel(channel);
    if (name === undefined || this.store.has(name)) return false;
    const lost = this.flood.admit(name);
    if (lost < 0) return false;
    if (lost > 0) this.store.leftUnread(lost);
    this.missedTimer ??= setTimeout(() => this.readMissed(), 1100);
    return true;
  }

  /** After a burst: the state keys of the names it left unread (a flood's are let go). */
  private readMissed(): void {
    this.missedTimer = undefined;
    const names = this.flood.takeMissed();
    if (names === undefined) {
      this.missedTimer = setTimeout(() => this.readMissed(), 1100);
      return;
    }
    const commands = this.connection.commands;
    if (!commands || names.length === 0) return;
    // All in flight at once (one round trip). A name without a readable state key stays unknown:
    // its message counts as left unread.
    void Promise.all(
      names.map((name) =>
        pollWith(commands, this.keys, name).then(
          (result) => {
            if (result.found && result.outcome.kind === 'run') this.store.addRun(result.outcome.run, 'recovered');
            else this.store.leftUnread(1);
          },
          () => this.store.leftUnread(1),
        ),
      ),
    );
  }

  private notConnected(lostDuringRefresh: boolean): NotConnectedFacts {
    const state = this.connection.state;
    const endpoint = this.connection.endpoint;
    if (state.kind === 'failed' || state.kind === 'reconnecting') return { endpoint, state: state.kind, problem: state.problem, lostDuringRefresh };
    return { endpoint, state: state.kind === 'connecting' ? 'connecting' : 'idle', lostDuringRefresh };
  }

  dispose(): void {
    clearTimeout(this.missedTimer);
    this.disposables.dispose();
  }
}

/**
 * The values of `keys`, all found by SCAN on `node`, read there in one pipeline of GETs. A key
 * that moved to another shard since (MOVED/ASK, a resharding) is read through the cluster.
 */
async function readOnClusterNode(cluster: Cluster, node: Redis, keys: string[]): Promise<Array<Buffer | null>> {
  const pipeline = node.pipeline();
  for (const key of keys) pipeline.getBuffer(key);
  const replies = (await pipeline.exec()) ?? [];
  return Promise.all(
    keys.map(async (key, i) => {
      const [err, value] = replies[i] ?? [new Error('the read was aborted'), null];
      if (!err) return value as Buffer | null;
      if (/^(MOVED|ASK)\b/.test(err.message)) return cluster.getBuffer(key);
      throw err;
    }),
  );
}

/** GET + PTTL of one state key on an existing client (one key: one shard in a cluster). */
export async function pollWith(commands: CommandsClient, keys: KeySpace, resultName: string): Promise<PollResult> {
  const key = keys.stateKey(resultName);
  const replies = await commands.pipeline().getBuffer(key).pttl(key).exec();
  if (!replies) throw new Error('the poll was aborted');
  const [[getErr, value], [ttlErr, ttl]] = replies as [[Error | null, Buffer | null], [Error | null, number]];
  if (getErr) throw getErr;
  if (value === null) return { found: false };
  const outcome = decodePayload(key, resultName, value);
  if (outcome.kind === 'ignored') return { found: false };
  return { found: true, outcome, ttlMs: !ttlErr && ttl >= 0 ? ttl : undefined };
}

/** One poll with a short-lived client (the terminal tool's --poll). Throws a classified message. */
export async function pollOnce(settings: ConnectionSettings, resultName: string, timeoutMs = 5000): Promise<PollResult> {
  const client = await connectCommandsClient(settings, timeoutMs);
  try {
    return await pollWith(client, new KeySpace(settings.prefix), resultName);
  } catch (err) {
    throw new ConnectionProblemError(classifyClientError(client, err, settings));
  } finally {
    client.disconnect(false);
  }
}

export type { PipelineRun, RejectedMessage };

/**
 * A request sent ahead of its use: whatever failed first is thrown where it is awaited, but one
 * that fails while an earlier one is awaited must not count as an unhandled rejection meanwhile.
 */
function inFlight<T>(request: Promise<T>): Promise<T> {
  request.catch(() => {});
  return request;
}
