import type Redis from 'ioredis';
import { KeySpace } from '../keySpace';
import { Emitter } from '../emitter';
import type { IDisposable } from '../lifecycle';
import type { ConnectionProblem, ConnectionWarning } from '../problems';
import { classifyError, problem, withConnectHint } from '../problems';
import type { ConnectionSettings } from '../settings';
import { describeEndpoint, describeNode } from '../endpoint';
import { classifyClientError, createClient, openClient } from './clients';
import { AbandonedError, isGenericClose } from './errors';
import { topologyFor } from './topology';
import type { AttemptContext, Topology, TopologyEvents , CommandsClient, ConnectionState, ConnectionTuning, MessageHandler, SubscribedInfo } from './types';
import { DEFAULT_TUNING } from './types';

/** One attempt's two clients: a subscriber, and one for SCAN/MGET/GET (a subscriber can't run them). */
interface Attempt {
  readonly subscriber: Redis;
  readonly commands: CommandsClient;
  /** The subscriber's server, as standalone settings (for clients and messages). */
  readonly node: ConnectionSettings;
  /** The settings the commands client's problems are described with. */
  readonly describedBy: ConnectionSettings;
  /** The client that answers for the subscriber's server. */
  nodeClient(): Redis | undefined;
  /** Starts the topology's watch over the deployment (Sentinel's failover watch) … */
  readonly startWatch?: (events: TopologyEvents) => IDisposable;
  /** … which ends with the attempt. */
  watch?: IDisposable;
  lastAliveAt: number;
  pingSentAt: number | undefined;
  heartbeat: ReturnType<typeof setInterval> | undefined;
  /** Fires when the PING in flight has waited heartbeatTimeoutMs. */
  pingTimer: ReturnType<typeof setTimeout> | undefined;
  /** Fires once the subscription has been up for stableAfterMs. */
  stableTimer?: ReturnType<typeof setTimeout>;
  ended: boolean;
}

/**
 * Keeps one subscription to `<prefix>:*` alive: connects, subscribes, watches with a heartbeat,
 * and after any loss reconnects with backoff and asks for a reconcile. Reconnection is done here,
 * not by ioredis, so every new subscription is followed by a reconcile and nothing slips between.
 * Where the servers are is the topology's business (one per mode).
 */
export class TdtpConnection implements IDisposable {
  private readonly tuning: Required<ConnectionTuning>;
  private readonly topology: Topology;
  private stateValue: ConnectionState = { kind: 'idle' };
  private current: Attempt | undefined;
  private retryTimer: ReturnType<typeof setTimeout> | undefined;
  /** Attempts since the last successful subscription (drives the backoff). */
  private attemptNumber = 0;
  /** Subscriptions lost before they became stable, in a row (adds to the backoff) … */
  private unstableLosses = 0;
  /** … and how many of them the server dropped while it stayed up (a slow subscriber). */
  private drops = 0;
  /** Bumped by start/stop so callbacks of an abandoned attempt do nothing. */
  private generation = 0;
  private subscribedOnce = false;
  private lostAt: { from: number; reason: ConnectionProblem } | undefined;
  /** Clients of an attempt still being set up, so that stop() can close them at once. */
  private readonly pending = new Set<{ disconnect(reconnect?: boolean): void }>();
  /** The settings problems are described with: the data node last connected to (Sentinel), else the settings. */
  private problemSettings: ConnectionSettings;

  private readonly stateEmitter = new Emitter<ConnectionState>();
  private readonly subscribedEmitter = new Emitter<SubscribedInfo>();
  private readonly warningEmitter = new Emitter<ConnectionWarning>();
  readonly onDidChangeState = this.stateEmitter.event;
  /** Fires after every successful (re)subscription; the watcher reconciles then. */
  readonly onDidSubscribe = this.subscribedEmitter.event;
  /** Things the user should know that are not state changes (TLS verification off …). */
  readonly onWarning = this.warningEmitter.event;

  constructor(
    readonly settings: ConnectionSettings,
    private readonly onMessage: MessageHandler,
    tuning: ConnectionTuning = {},
  ) {
    this.tuning = { ...DEFAULT_TUNING, ...stripUndefined(tuning) };
    this.topology = topologyFor(settings);
    this.keys = new KeySpace(settings.prefix);
    this.problemSettings = settings;
  }

  readonly keys: KeySpace;

  get state(): ConnectionState {
    return this.stateValue;
  }

  get endpoint(): string {
    return describeEndpoint(this.settings);
  }

  /** The commands client while connected, for polls and reconciles. */
  get commands(): CommandsClient | undefined {
    return this.stateValue.kind === 'connected' ? this.current?.commands : undefined;
  }

  /** host:port of the server the subscription is on, while connected (see ConnectionState). */
  get node(): string | undefined {
    return this.stateValue.kind === 'connected' && this.current ? describeNode(this.current.node) : undefined;
  }

  /**
   * A failed command of `client` (this connection's commands client) as a problem about the
   * server it went to (with Sentinel, the primary rather than the sentinels).
   */
  classify(err: unknown, client?: CommandsClient): ConnectionProblem {
    return client ? classifyClientError(client, err, this.problemSettings) : classifyError(err, this.problemSettings);
  }

  /** Starts (or restarts, after a failure) connecting. */
  start(): void {
    this.generation++;
    this.clearRetry();
    this.endAttempt();
    this.attemptNumber = 0;
    this.unstableLosses = 0;
    this.drops = 0;
    this.subscribedOnce = false;
    this.lostAt = undefined;
    void this.connect(this.generation);
  }

  /** Disconnects and stays disconnected. */
  stop(): void {
    this.generation++;
    this.clearRetry();
    this.endAttempt();
    this.setState({ kind: 'idle' });
  }

  /**
   * Gives up on the current attempt with a problem retrying cannot fix, found outside the
   * connect step (the reconcile was refused a permission): the state becomes 'failed'.
   */
  fail(problem: ConnectionProblem): void {
    if (this.stateValue.kind === 'idle' || this.stateValue.kind === 'failed') return;
    this.generation++;
    this.clearRetry();
    this.endAttempt();
    this.setState({ kind: 'failed', problem: { ...problem, retryable: false } });
  }

  /** Reconnect now instead of waiting for the backoff (a user's "Connect" or "Retry"). */
  retryNow(): void {
    if (this.stateValue.kind === 'reconnecting' || this.stateValue.kind === 'failed') {
      const keepGap = this.lostAt;
      const initial = !this.subscribedOnce;
      this.generation++;
      this.clearRetry();
      this.endAttempt();
      this.lostAt = keepGap;
      this.subscribedOnce = !initial;
      void this.connect(this.generation);
    } else if (this.stateValue.kind === 'idle') {
      this.start();
    }
  }

  dispose(): void {
    this.stop();
    this.stateEmitter.dispose();
    this.subscribedEmitter.dispose();
    this.warningEmitter.dispose();
  }

  private async connect(generation: number): Promise<void> {
    this.attemptNumber++;
    this.setState({ kind: 'connecting', attempt: this.attemptNumber });
    if (this.settings.tls.enabled && !this.settings.tls.rejectUnauthorized) {
      this.warningEmitter.fire({ kind: 'tls-unverified', endpoint: this.endpoint });
    }
    let lastError: unknown;
    let attempt: Attempt;
    try {
      attempt = await this.open(generation, (err) => (lastError = err));
    } catch (err) {
      this.closePending();
      if (generation !== this.generation) return;
      this.scheduleRetry(generation, withConnectHint(classifyError(isGenericClose(err) && lastError ? lastError : err, this.problemSettings), this.settings));
      return;
    }
    this.pending.clear();
    if (generation !== this.generation) {
      endAttempt(attempt);
      return;
    }
    this.current = attempt;

    attempt.lastAliveAt = Date.now();
    for (const client of [attempt.subscriber, attempt.commands]) {
      client.once('close', () => this.onAttemptClosed(generation, attempt, client === attempt.subscriber, lastError));
    }
    attempt.subscriber.on('pmessageBuffer', (_pattern: Buffer, channel: Buffer, message: Buffer) => {
      attempt.lastAliveAt = Date.now();
      this.onMessage(channel.toString('utf8'), message);
    });
    attempt.heartbeat = setInterval(() => this.beat(generation, attempt), this.tuning.heartbeatIntervalMs);
    attempt.stableTimer = setTimeout(() => {
      this.unstableLosses = 0;
      this.drops = 0;
    }, this.tuning.stableAfterMs);
    attempt.watch = attempt.startWatch?.({
      moved: (to, from) =>
        this.lose(generation, attempt, problem({ kind: 'failover', master: this.settings.sentinelName ?? '', to, from }, true), 50),
      warn: (warning) => {
        if (!attempt.ended && generation === this.generation) this.warningEmitter.fire(warning);
      },
    });

    const now = Date.now();
    const gap = this.lostAt ? { from: this.lostAt.from, to: now, reason: this.lostAt.reason } : undefined;
    const initial = !this.subscribedOnce;
    this.subscribedOnce = true;
    this.lostAt = undefined;
    this.attemptNumber = 0;
    this.setState({ kind: 'connected', since: now, node: describeNode(attempt.node) });
    this.subscribedEmitter.fire({ commands: attempt.commands, initial, gap });
  }

  /** Locates the servers (the topology), connects both clients, checks access and subscribes. */
  private async open(generation: number, onError: (err: unknown) => void): Promise<Attempt> {
    const abandoned = () => generation !== this.generation;
    const ctx: AttemptContext = {
      settings: this.settings,
      timeoutMs: this.tuning.connectTimeoutMs,
      track: (client) => {
        this.pending.add(client);
        client.on('error', onError);
        return client;
      },
      trackProbe: (client) => {
        this.pending.add(client);
        return () => this.pending.delete(client);
      },
      onError,
      abandoned,
    };
    // Until the topology has found the servers, problems are about the configured ones.
    this.problemSettings = this.settings;
    const located = await this.topology.locate(ctx);
    this.problemSettings = located.describedBy;
    const { commands, node } = located;
    const subscriber = ctx.track(createClient(node, 'subscriber', ctx.timeoutMs));
    await Promise.all([located.openCommands(), openClient(subscriber, node)]);
    if (abandoned()) throw new AbandonedError();
    await checkAccess(commands, this.keys);
    await located.verify();
    await subscriber.psubscribe(this.keys.channelPattern);
    if (abandoned()) throw new AbandonedError();
    return {
      subscriber,
      commands,
      node,
      describedBy: located.describedBy,
      nodeClient: located.nodeClient,
      startWatch: located.watch,
      lastAliveAt: Date.now(),
      pingSentAt: undefined,
      heartbeat: undefined,
      pingTimer: undefined,
      ended: false,
    };
  }

  /**
   * Heartbeat: TCP keepalive cannot see a server that is up but not answering (DEBUG SLEEP, a hung
   * host). One PING at a time; its own timer declares a stall when no PONG came in time.
   */
  private beat(generation: number, attempt: Attempt): void {
    if (generation !== this.generation || attempt.ended || attempt.pingSentAt !== undefined) return;
    const sentAt = Date.now();
    attempt.pingSentAt = sentAt;
    this.armPingTimer(generation, attempt, sentAt, this.tuning.heartbeatTimeoutMs);
    attempt.subscriber.ping().then(
      () => {
        attempt.lastAliveAt = Date.now();
        if (attempt.pingSentAt !== sentAt) return;
        attempt.pingSentAt = undefined;
        if (attempt.pingTimer) clearTimeout(attempt.pingTimer);
        attempt.pingTimer = undefined;
      },
      (err: unknown) => {
        // A ping refused by an ACL will be refused again; any other failure is followed by
        // 'close', which is handled there.
        if (generation !== this.generation || attempt.ended) return;
        const problem = classifyError(err, attempt.node);
        if (!problem.retryable) this.fail(problem);
      },
    );
  }

  private armPingTimer(generation: number, attempt: Attempt, sentAt: number, waitMs: number): void {
    // The check runs in setImmediate, after the poll phase: when this process itself was blocked
    // (a busy extension host), a PONG already waiting in the socket is read before it is judged.
    attempt.pingTimer = setTimeout(() => setImmediate(() => this.checkPing(generation, attempt, sentAt)), waitMs);
  }

  private checkPing(generation: number, attempt: Attempt, sentAt: number): void {
    if (generation !== this.generation || attempt.ended || attempt.pingSentAt !== sentAt) return;
    const now = Date.now();
    // Messages still arriving mean the server is alive and the PONG is queued behind them.
    const sinceAlive = now - attempt.lastAliveAt;
    if (attempt.lastAliveAt > sentAt && sinceAlive < this.tuning.heartbeatTimeoutMs) {
      this.armPingTimer(generation, attempt, sentAt, this.tuning.heartbeatTimeoutMs - sinceAlive);
      return;
    }
    this.lose(generation, attempt, problem({ kind: 'stalled', endpoint: this.endpoint, seconds: (now - sentAt) / 1000 }, true));
  }

  private onAttemptClosed(generation: number, attempt: Attempt, subscriberClosed: boolean, lastError: unknown): void {
    if (generation !== this.generation || attempt.ended) return;
    const problemSettings = subscriberClosed ? attempt.node : attempt.describedBy;
    const where = describeEndpoint(problemSettings);
    if (!subscriberClosed) {
      this.lose(generation, attempt, lastError ? classifyError(lastError, problemSettings) : lostProblem(where));
      return;
    }
    // The subscriber closed. If the server still answers the other connection, the server
    // closed only us: the pub/sub output-buffer limit (a slow subscriber) or CLIENT KILL.
    // In a cluster, the question is about the subscriber's own node.
    const nodeClient = attempt.nodeClient();
    const probe = nodeClient?.status === 'ready' ? withTimeout(nodeClient.ping(), 1000) : Promise.reject(new Error('closed'));
    probe.then(
      () =>
        this.lose(generation, attempt, problem({ kind: 'dropped', endpoint: where }, true)),
      () => this.lose(generation, attempt, lastError ? classifyError(lastError, problemSettings) : lostProblem(where)),
    );
  }

  /** `delayMs`: reconnect after this instead of the backoff (a failover: the new primary is known). */
  private lose(generation: number, attempt: Attempt, lost: ConnectionProblem, delayMs?: number): void {
    if (generation !== this.generation || attempt.ended) return;
    this.lostAt ??= { from: attempt.lastAliveAt, reason: lost };
    this.endAttempt();
    // The stable timer has not fired (it resets both): this subscription did not last.
    this.unstableLosses++;
    if (lost.facts.kind === 'dropped') this.drops++;
    else this.drops = 0;
    // After repeated drops one problem names the cause instead of a loss each time.
    const told = lost.facts.kind === 'dropped' && this.drops >= SLOW_SUBSCRIBER_DROPS ? problem({ kind: 'slow-subscriber', endpoint: lost.facts.endpoint, drops: this.drops }, true) : lost;
    this.scheduleRetry(generation, told, delayMs);
  }

  private scheduleRetry(generation: number, problem: ConnectionProblem, delayMs?: number): void {
    if (generation !== this.generation) return;
    if (!problem.retryable) {
      this.setState({ kind: 'failed', problem });
      return;
    }
    // The first loss of a stable subscription retries soon; each further one before it is stable again waits longer.
    const exponent = this.attemptNumber + Math.max(0, this.unstableLosses - 1);
    const ceiling = Math.min(this.tuning.backoffMaxMs, this.tuning.backoffInitialMs * 2 ** Math.min(exponent, 16));
    // Jitter (50–100 % of the ceiling) keeps many viewers from reconnecting in lockstep after a restart.
    const delay = delayMs ?? Math.round(ceiling * (0.5 + Math.random() * 0.5));
    this.setState({ kind: 'reconnecting', attempt: this.attemptNumber + 1, retryAt: Date.now() + delay, problem });
    this.retryTimer = setTimeout(() => {
      this.retryTimer = undefined;
      void this.connect(generation);
    }, delay);
  }

  private endAttempt(): void {
    this.closePending();
    const attempt = this.current;
    if (!attempt) return;
    this.current = undefined;
    endAttempt(attempt);
  }

  private closePending(): void {
    for (const client of this.pending) client.disconnect(false);
    this.pending.clear();
  }

  private clearRetry(): void {
    if (this.retryTimer) clearTimeout(this.retryTimer);
    this.retryTimer = undefined;
  }

  private setState(state: ConnectionState): void {
    this.stateValue = state;
    this.stateEmitter.fire(state);
  }
}

function endAttempt(attempt: Attempt): void {
  attempt.ended = true;
  if (attempt.heartbeat) clearInterval(attempt.heartbeat);
  if (attempt.pingTimer) clearTimeout(attempt.pingTimer);
  if (attempt.stableTimer) clearTimeout(attempt.stableTimer);
  attempt.watch?.dispose();
  for (const client of [attempt.subscriber, attempt.commands]) {
    client.removeAllListeners('pmessageBuffer');
    // Keep an error listener: a late socket error must not become an uncaught 'error' event.
    client.removeAllListeners('error');
    client.on('error', () => {});
    client.disconnect(false);
  }
}

/** Drops in a row, each before the subscription became stable, after which the cause is named. */
const SLOW_SUBSCRIBER_DROPS = 3;

/** The result_name of the key probed for key permission; it need not exist. */
const PERMISSION_PROBE = 'tdtp-viewer-permission-check';

/**
 * Checks at connect time the commands and key access the viewer uses later, so a missing ACL
 * permission is reported now, by name, instead of at the first reconcile, poll or heartbeat
 * (there may be no state key yet). All are read-only on a key that need not exist.
 */
async function checkAccess(commands: CommandsClient, keys: KeySpace): Promise<void> {
  const probe = keys.stateKey(PERMISSION_PROBE);
  // One key, so in a cluster the whole pipeline goes to that key's shard.
  const replies = await commands.pipeline().ping().pttl(probe).get(probe).mget(probe).exec();
  for (const [err] of replies ?? []) if (err) throw err;
}

function lostProblem(endpoint: string): ConnectionProblem {
  return problem({ kind: 'lost', endpoint }, true);
}

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('timed out')), ms);
    promise.then(
      (v) => {
        clearTimeout(timer);
        resolve(v);
      },
      (e) => {
        clearTimeout(timer);
        reject(e);
      },
    );
  });
}

function stripUndefined<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;
}
