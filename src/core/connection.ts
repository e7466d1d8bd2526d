import Redis from 'ioredis';
import { KeySpace } from './decode';
import { Disposable, Emitter } from './emitter';
import { ConnectionProblem, classifyError } from './problems';
import { ConnectionSettings, describeEndpoint, toRedisOptions } from './settings';

export type ConnectionState =
  /** Not started, or stopped by the user. */
  | { readonly kind: 'idle' }
  | { readonly kind: 'connecting'; readonly attempt: number }
  | { readonly kind: 'connected'; readonly since: number }
  /** Lost or not yet reached; the next attempt is scheduled. */
  | { readonly kind: 'reconnecting'; readonly attempt: number; readonly retryAt: number; readonly problem: ConnectionProblem }
  /** Retrying cannot help (credentials, permissions, TLS, db): waits for new settings or a manual connect. */
  | { readonly kind: 'failed'; readonly problem: ConnectionProblem };

/** Told to the reconcile step each time the subscription is (re)established. */
export interface SubscribedInfo {
  readonly commands: Redis;
  /** The first subscription after start() (states are "loaded"), or after a loss ("recovered"). */
  readonly initial: boolean;
  /** For a re-subscription: when events may first have been lost, and why. */
  readonly gap?: { readonly from: number; readonly to: number; readonly reason: string };
}

export interface ConnectionTuning {
  /** A PING goes to the subscriber this often (default 1000) … */
  heartbeatIntervalMs?: number;
  /**
   * … and a PONG later than this (default 3000) means the server stalled: the connection is
   * dropped and redone. A stall is reported at most interval + timeout after it began.
   */
  heartbeatTimeoutMs?: number;
  connectTimeoutMs?: number;
  /** Capped exponential backoff with jitter between attempts. */
  backoffInitialMs?: number;
  backoffMaxMs?: number;
}

const DEFAULTS: Required<ConnectionTuning> = {
  // Interval + timeout bound how long a stalled server goes unnoticed: 4 s by default.
  heartbeatIntervalMs: 1000,
  heartbeatTimeoutMs: 3000,
  connectTimeoutMs: 5000,
  backoffInitialMs: 500,
  backoffMaxMs: 30_000,
};

export type MessageHandler = (channel: string, payload: Buffer) => void;

/** One attempt's two clients: a subscriber, and one for SCAN/MGET/GET (a subscriber can't run them). */
interface Session {
  readonly subscriber: Redis;
  readonly commands: Redis;
  lastAliveAt: number;
  pingSentAt: number | undefined;
  heartbeat: ReturnType<typeof setInterval> | undefined;
  /** Fires when the PING in flight has waited heartbeatTimeoutMs. */
  pingTimer: ReturnType<typeof setTimeout> | undefined;
  ended: boolean;
}

/**
 * Keeps one subscription to `<prefix>:*` alive: connects, subscribes, watches with a heartbeat,
 * and after any loss reconnects with backoff and asks for a reconcile. Reconnection is done here,
 * not by ioredis, so every new subscription is followed by a reconcile and nothing slips between.
 */
export class TdtpConnection implements Disposable {
  private readonly tuning: Required<ConnectionTuning>;
  private stateValue: ConnectionState = { kind: 'idle' };
  private session: Session | undefined;
  private retryTimer: ReturnType<typeof setTimeout> | undefined;
  private attempt = 0;
  /** Bumped by start/stop so callbacks of an abandoned attempt do nothing. */
  private generation = 0;
  private subscribedOnce = false;
  private lostAt: { from: number; reason: string } | undefined;

  private readonly stateEmitter = new Emitter<ConnectionState>();
  private readonly subscribedEmitter = new Emitter<SubscribedInfo>();
  private readonly warningEmitter = new Emitter<string>();
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
    this.tuning = { ...DEFAULTS, ...stripUndefined(tuning) };
    this.keys = new KeySpace(settings.prefix);
  }

  readonly keys: KeySpace;

  get state(): ConnectionState {
    return this.stateValue;
  }

  get endpoint(): string {
    return describeEndpoint(this.settings);
  }

  /** The commands client while connected, for polls and reconciles. */
  get commands(): Redis | undefined {
    return this.stateValue.kind === 'connected' ? this.session?.commands : undefined;
  }

  /** Starts (or restarts, after a failure) connecting. */
  start(): void {
    this.generation++;
    this.clearRetry();
    this.endSession();
    this.attempt = 0;
    this.subscribedOnce = false;
    this.lostAt = undefined;
    void this.connect(this.generation);
  }

  /** Disconnects and stays disconnected. */
  stop(): void {
    this.generation++;
    this.clearRetry();
    this.endSession();
    this.setState({ kind: 'idle' });
  }

  /**
   * Gives up on the current session with a problem retrying cannot fix, found outside the
   * connect step (the reconcile was refused a permission): the state becomes 'failed'.
   */
  fail(problem: ConnectionProblem): void {
    if (this.stateValue.kind === 'idle' || this.stateValue.kind === 'failed') return;
    this.generation++;
    this.clearRetry();
    this.endSession();
    this.setState({ kind: 'failed', problem: { ...problem, retryable: false } });
  }

  dispose(): void {
    this.stop();
    this.stateEmitter.dispose();
    this.subscribedEmitter.dispose();
    this.warningEmitter.dispose();
  }

  private async connect(generation: number): Promise<void> {
    this.attempt++;
    this.setState({ kind: 'connecting', attempt: this.attempt });
    if (this.settings.tls.enabled && !this.settings.tls.rejectUnauthorized) {
      this.warningEmitter.fire(`TLS certificate verification is OFF for ${this.endpoint}: anyone on the network path can read and change what the viewer receives.`);
    }
    const session = this.createSession();
    this.session = session;
    let lastError: unknown;
    for (const client of [session.subscriber, session.commands]) {
      client.on('error', (err) => {
        lastError = err;
      });
    }
    try {
      await Promise.all([openClient(session.subscriber, this.settings), openClient(session.commands, this.settings)]);
      if (generation !== this.generation) return;
      await checkAccess(session.commands, this.keys);
      await session.subscriber.psubscribe(this.keys.channelPattern);
      if (generation !== this.generation) return;
    } catch (err) {
      if (generation !== this.generation) return;
      this.endSession();
      this.scheduleRetry(generation, classifyError(isGenericClose(err) && lastError ? lastError : err, this.settings));
      return;
    }

    session.lastAliveAt = Date.now();
    for (const client of [session.subscriber, session.commands]) {
      client.once('close', () => this.onSessionClosed(generation, session, client === session.subscriber, lastError));
    }
    session.subscriber.on('pmessageBuffer', (_pattern: Buffer, channel: Buffer, message: Buffer) => {
      session.lastAliveAt = Date.now();
      this.onMessage(channel.toString('utf8'), message);
    });
    session.heartbeat = setInterval(() => this.beat(generation, session), this.tuning.heartbeatIntervalMs);

    const now = Date.now();
    const gap = this.lostAt ? { from: this.lostAt.from, to: now, reason: this.lostAt.reason } : undefined;
    const initial = !this.subscribedOnce;
    this.subscribedOnce = true;
    this.lostAt = undefined;
    this.attempt = 0;
    this.setState({ kind: 'connected', since: now });
    this.subscribedEmitter.fire({ commands: session.commands, initial, gap });
  }

  private createSession(): Session {
    return {
      subscriber: createClient(this.settings, 'subscriber', this.tuning.connectTimeoutMs),
      commands: createClient(this.settings, 'commands', this.tuning.connectTimeoutMs),
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
  private beat(generation: number, session: Session): void {
    if (generation !== this.generation || session.ended || session.pingSentAt !== undefined) return;
    const sentAt = Date.now();
    session.pingSentAt = sentAt;
    this.armPingTimer(generation, session, sentAt, this.tuning.heartbeatTimeoutMs);
    session.subscriber.ping().then(
      () => {
        session.lastAliveAt = Date.now();
        if (session.pingSentAt !== sentAt) return;
        session.pingSentAt = undefined;
        if (session.pingTimer) clearTimeout(session.pingTimer);
        session.pingTimer = undefined;
      },
      (err: unknown) => {
        // A ping refused by an ACL will be refused again; any other failure is followed by
        // 'close', which is handled there.
        if (generation !== this.generation || session.ended) return;
        const problem = classifyError(err, this.settings);
        if (!problem.retryable) this.fail(problem);
      },
    );
  }

  private armPingTimer(generation: number, session: Session, sentAt: number, waitMs: number): void {
    // The check runs in setImmediate, after the poll phase: when this process itself was blocked
    // (a busy extension host), a PONG already waiting in the socket is read before it is judged.
    session.pingTimer = setTimeout(() => setImmediate(() => this.checkPing(generation, session, sentAt)), waitMs);
  }

  private checkPing(generation: number, session: Session, sentAt: number): void {
    if (generation !== this.generation || session.ended || session.pingSentAt !== sentAt) return;
    const now = Date.now();
    // Messages still arriving mean the server is alive and the PONG is queued behind them.
    const sinceAlive = now - session.lastAliveAt;
    if (session.lastAliveAt > sentAt && sinceAlive < this.tuning.heartbeatTimeoutMs) {
      this.armPingTimer(generation, session, sentAt, this.tuning.heartbeatTimeoutMs - sinceAlive);
      return;
    }
    this.lose(generation, session, {
      code: 'stalled',
      retryable: true,
      message: `${this.endpoint} stopped answering (no reply to a heartbeat for ${((now - sentAt) / 1000).toFixed(1)} s); reconnecting.`,
    });
  }

  private onSessionClosed(generation: number, session: Session, subscriberClosed: boolean, lastError: unknown): void {
    if (generation !== this.generation || session.ended) return;
    if (!subscriberClosed) {
      this.lose(generation, session, lastError ? classifyError(lastError, this.settings) : lostProblem(this.endpoint));
      return;
    }
    // The subscriber closed. If the server still answers the other connection, the server
    // closed only us: the pub/sub output-buffer limit (a slow subscriber) or CLIENT KILL.
    const commands = session.commands;
    const probe = commands.status === 'ready' ? withTimeout(commands.ping(), 1000) : Promise.reject(new Error('closed'));
    probe.then(
      () =>
        this.lose(generation, session, {
          code: 'dropped-by-server',
          retryable: true,
          message: `Redis at ${this.endpoint} closed the subscription while the server stayed up: it drops subscribers that fall behind (client-output-buffer-limit pubsub) and clients killed with CLIENT KILL. Events may have been lost; reconnecting and recovering from the state keys.`,
        }),
      () => this.lose(generation, session, lastError ? classifyError(lastError, this.settings) : lostProblem(this.endpoint)),
    );
  }

  private lose(generation: number, session: Session, problem: ConnectionProblem): void {
    if (generation !== this.generation || session.ended) return;
    this.lostAt ??= { from: session.lastAliveAt, reason: problem.message };
    this.endSession();
    this.scheduleRetry(generation, problem);
  }

  private scheduleRetry(generation: number, problem: ConnectionProblem): void {
    if (generation !== this.generation) return;
    if (!problem.retryable) {
      this.setState({ kind: 'failed', problem });
      return;
    }
    const ceiling = Math.min(this.tuning.backoffMaxMs, this.tuning.backoffInitialMs * 2 ** Math.min(this.attempt, 16));
    // Jitter (50–100 % of the ceiling) keeps many viewers from reconnecting in lockstep after a restart.
    const delay = Math.round(ceiling * (0.5 + Math.random() * 0.5));
    this.setState({ kind: 'reconnecting', attempt: this.attempt + 1, retryAt: Date.now() + delay, problem });
    this.retryTimer = setTimeout(() => {
      this.retryTimer = undefined;
      void this.connect(generation);
    }, delay);
  }

  /** Reconnect now instead of waiting for the backoff (a user's "Connect" or "Retry"). */
  retryNow(): void {
    if (this.stateValue.kind === 'reconnecting' || this.stateValue.kind === 'failed') {
      const keepGap = this.lostAt;
      const initial = !this.subscribedOnce;
      this.generation++;
      this.clearRetry();
      this.endSession();
      this.lostAt = keepGap;
      this.subscribedOnce = !initial;
      void this.connect(this.generation);
    } else if (this.stateValue.kind === 'idle') {
      this.start();
    }
  }

  private endSession(): void {
    const session = this.session;
    if (!session) return;
    this.session = undefined;
    session.ended = true;
    if (session.heartbeat) clearInterval(session.heartbeat);
    if (session.pingTimer) clearTimeout(session.pingTimer);
    for (const client of [session.subscriber, session.commands]) {
      client.removeAllListeners('pmessageBuffer');
      // Keep an error listener: a late socket error must not become an uncaught 'error' event.
      client.removeAllListeners('error');
      client.on('error', () => {});
      client.disconnect(false);
    }
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

/** The result_name of the key probed for key permission; it need not exist. */
const PERMISSION_PROBE = 'tdtp-viewer-permission-check';

/**
 * Checks at connect time the commands and key access the viewer uses later, so a missing ACL
 * permission is reported now, by name, instead of at the first reconcile, poll or heartbeat
 * (there may be no state key yet). All are read-only on a key that need not exist.
 */
async function checkAccess(commands: Redis, keys: KeySpace): Promise<void> {
  const probe = keys.stateKey(PERMISSION_PROBE);
  const replies = await commands.pipeline().ping().pttl(probe).get(probe).mget(probe).exec();
  for (const [err] of replies ?? []) if (err) throw err;
}

/**
 * A client for `settings` that selects the db itself. ioredis's own SELECT (the `db` option)
 * ignores a failure: with a db that does not exist or a user without +select, the client
 * silently stays on db 0 and shows another database's states. Call `openClient` to connect.
 * The client never reconnects by itself (TdtpConnection does that, with a reconcile each time).
 */
export function createClient(settings: ConnectionSettings, purpose: 'subscriber' | 'commands', connectTimeoutMs: number): Redis {
  const client = new Redis({
    ...toRedisOptions(settings, purpose, connectTimeoutMs),
    db: 0,
    // ioredis's ready check runs INFO, which a least-privilege user may not run: ioredis then
    // console.warns on every connect (into tdtp-watch's stderr and the extension host log).
    // Without it, a server still loading its data answers LOADING to the first command, which
    // fails the attempt and is retried with backoff like any other transient problem.
    enableReadyCheck: false,
  });
  client.on('error', (err) => lastErrors.set(client, err));
  return client;
}

/** The last 'error' event of each client: the real cause behind a later "Connection is closed". */
const lastErrors = new WeakMap<Redis, unknown>();

/**
 * A failed command of a client made by `createClient`, in the user's words. When the command only
 * saw the connection close, the error that closed it (WRONGPASS, ECONNREFUSED …) is the cause.
 */
export function classifyClientError(client: Redis, err: unknown, settings: ConnectionSettings): ConnectionProblem {
  const last = lastErrors.get(client);
  return classifyError(isGenericClose(err) && last ? last : err, settings);
}

/** Connects a client made by `createClient` and selects the settings' db; a failure rejects. */
export async function openClient(client: Redis, settings: ConnectionSettings): Promise<void> {
  await client.connect();
  if (settings.db !== 0) await client.select(settings.db);
}

/**
 * A connected commands client (the terminal tools' one-shot polls and publishes). Rejects with
 * an Error whose message is the classified, user-facing problem, and `problem` set.
 */
export async function connectCommandsClient(settings: ConnectionSettings, timeoutMs: number): Promise<Redis> {
  const client = createClient(settings, 'commands', timeoutMs);
  try {
    await openClient(client, settings);
    return client;
  } catch (err) {
    client.disconnect(false);
    throw new ConnectionProblemError(classifyClientError(client, err, settings));
  }
}

export class ConnectionProblemError extends Error {
  constructor(readonly problem: ConnectionProblem) {
    super(problem.message);
    this.name = 'ConnectionProblemError';
  }
}

function lostProblem(endpoint: string): ConnectionProblem {
  return { code: 'connection-lost', retryable: true, message: `The connection to ${endpoint} was lost; reconnecting.` };
}

function isGenericClose(err: unknown): boolean {
  return /Connection is closed|Stream isn't writeable|enableOfflineQueue|Command aborted due to connection close/i.test((err as Error)?.message ?? '');
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
