import Redis, { Cluster } from 'ioredis';
import { KeySpace } from './decode';
import { Disposable, Emitter } from './emitter';
import { ConnectionProblem, NOT_PRIMARY, SENTINEL_REFUSED_US, SENTINEL_UNKNOWN_MASTER, SENTINEL_UNREACHABLE, classifyError, withConnectHint } from './problems';
import { ConnectionSettings, NodeAddress, connectionMode, describeEndpoint, describeNode, settingsForNode, tlsOptions, toRedisOptions } from './settings';

/**
 * What runs SCAN/GET/PTTL: a plain client (a single server, or Sentinel's current primary), or an
 * ioredis Cluster that routes each key to its shard.
 */
export type CommandsClient = Redis | Cluster;

export function isCluster(client: CommandsClient): client is Cluster {
  return (client as Cluster).isCluster === true;
}

export type ConnectionState =
  /** Not started, or stopped by the user. */
  | { readonly kind: 'idle' }
  | { readonly kind: 'connecting'; readonly attempt: number }
  /**
   * `node`: host:port of the server the subscription is on: the server itself, Sentinel's
   * current primary, or the Cluster node chosen to listen (PUBLISH reaches every node of a cluster).
   */
  | { readonly kind: 'connected'; readonly since: number; readonly node?: string }
  /** Lost or not yet reached; the next attempt is scheduled. */
  | { readonly kind: 'reconnecting'; readonly attempt: number; readonly retryAt: number; readonly problem: ConnectionProblem }
  /** Retrying cannot help (credentials, permissions, TLS, db): waits for new settings or a manual connect. */
  | { readonly kind: 'failed'; readonly problem: ConnectionProblem };

/** Told to the reconcile step each time the subscription is (re)established. */
export interface SubscribedInfo {
  readonly commands: CommandsClient;
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
  readonly commands: CommandsClient;
  /** The subscriber's server, as standalone settings (for clients and messages). */
  readonly node: ConnectionSettings;
  /** Sentinel mode: the sentinel that named the primary (asked first for +switch-master). */
  readonly sentinel?: NodeAddress;
  /** Sentinel mode: the connection subscribed to +switch-master, and its re-open timer. */
  sentinelWatch?: Redis;
  sentinelWatchTimer?: ReturnType<typeof setTimeout>;
  sentinelWatchWarned?: boolean;
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
  /** Clients of an attempt still being set up, so that stop() can close them at once. */
  private readonly pending = new Set<{ disconnect(reconnect?: boolean): void }>();
  /** The settings problems are described with: the data node last connected to (Sentinel), else the settings. */
  private problemSettings: ConnectionSettings;

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
    return this.stateValue.kind === 'connected' ? this.session?.commands : undefined;
  }

  /** host:port of the server the subscription is on, while connected (see ConnectionState). */
  get node(): string | undefined {
    return this.stateValue.kind === 'connected' && this.session ? describeNode(this.session.node) : undefined;
  }

  /**
   * A failed command of `client` (this connection's commands client) in the user's words, about
   * the server it went to (with Sentinel, the primary rather than the sentinels).
   */
  classify(err: unknown, client?: CommandsClient): ConnectionProblem {
    return client ? classifyClientError(client, err, this.problemSettings) : classifyError(err, this.problemSettings);
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
    let lastError: unknown;
    const onError = (err: unknown) => {
      lastError = err;
    };
    let session: Session;
    try {
      session = await this.openSession(generation, onError);
    } catch (err) {
      this.closePending();
      if (generation !== this.generation) return;
      this.scheduleRetry(generation, withConnectHint(classifyError(isGenericClose(err) && lastError ? lastError : err, this.problemSettings), this.settings));
      return;
    }
    this.pending.clear();
    if (generation !== this.generation) {
      disconnectSession(session);
      return;
    }
    this.session = session;

    session.lastAliveAt = Date.now();
    for (const client of [session.subscriber, session.commands]) {
      client.once('close', () => this.onSessionClosed(generation, session, client === session.subscriber, lastError));
    }
    session.subscriber.on('pmessageBuffer', (_pattern: Buffer, channel: Buffer, message: Buffer) => {
      session.lastAliveAt = Date.now();
      this.onMessage(channel.toString('utf8'), message);
    });
    session.heartbeat = setInterval(() => this.beat(generation, session), this.tuning.heartbeatIntervalMs);
    if (session.sentinel) this.watchSentinel(generation, session, session.sentinel, 0);

    const now = Date.now();
    const gap = this.lostAt ? { from: this.lostAt.from, to: now, reason: this.lostAt.reason } : undefined;
    const initial = !this.subscribedOnce;
    this.subscribedOnce = true;
    this.lostAt = undefined;
    this.attempt = 0;
    this.setState({ kind: 'connected', since: now, node: describeNode(session.node) });
    this.subscribedEmitter.fire({ commands: session.commands, initial, gap });
  }

  /**
   * Finds the server(s) for this attempt, connects both clients, checks access and subscribes.
   * Standalone: the configured server. Sentinel: the primary the sentinels name now (asked anew
   * on every attempt, so a reconnect after a failover goes to the new primary). Cluster: the
   * cluster client for commands, and one of its primaries for the subscription.
   */
  private async openSession(generation: number, onError: (err: unknown) => void): Promise<Session> {
    const mode = connectionMode(this.settings);
    const timeout = this.tuning.connectTimeoutMs;
    const track = <T extends { disconnect(reconnect?: boolean): void; on(event: 'error', listener: (err: Error) => void): unknown }>(client: T): T => {
      this.pending.add(client);
      client.on('error', onError);
      return client;
    };
    const abandoned = () => generation !== this.generation;

    let node: ConnectionSettings;
    let commands: CommandsClient;
    let sentinel: NodeAddress | undefined;
    if (mode === 'cluster') {
      const cluster = track(createClusterClient(this.settings, timeout));
      cluster.on('node error', onError);
      commands = cluster;
      try {
        await cluster.connect();
      } catch (err) {
        throw await explainClusterFailure(this.settings, timeout, err, (client) => {
          this.pending.add(client);
          return () => this.pending.delete(client);
        });
      }
      if (abandoned()) throw new Error('abandoned');
      const primaries = cluster.nodes('master');
      if (primaries.length === 0) throw new Error('CLUSTERDOWN no primary of the cluster serves any hash slot');
      const chosen = primaries[Math.floor(Math.random() * primaries.length)];
      node = settingsForNode(this.settings, { host: String(chosen.options.host), port: Number(chosen.options.port) });
    } else {
      if (mode === 'sentinel') {
        // Until a primary is found, problems are about the sentinels.
        this.problemSettings = this.settings;
        const primary = await resolvePrimary(this.settings, timeout, (client) => {
          this.pending.add(client);
          return () => this.pending.delete(client);
        });
        if (abandoned()) throw new Error('abandoned');
        sentinel = primary.sentinel;
        node = settingsForNode(this.settings, primary.address);
      } else {
        node = this.settings;
      }
      this.problemSettings = node;
      commands = track(createClient(node, 'commands', timeout));
    }
    const subscriber = track(createClient(node, 'subscriber', timeout));
    await Promise.all([isCluster(commands) ? Promise.resolve() : openClient(commands, node), openClient(subscriber, node)]);
    if (abandoned()) throw new Error('abandoned');
    await checkAccess(commands, this.keys);
    if (mode === 'sentinel') await checkPrimary(commands, this.settings, node);
    await subscriber.psubscribe(this.keys.channelPattern);
    if (abandoned()) throw new Error('abandoned');
    return { subscriber, commands, node, sentinel, lastAliveAt: Date.now(), pingSentAt: undefined, heartbeat: undefined, pingTimer: undefined, ended: false };
  }

  /**
   * Sentinel mode: a failover promotes a replica and the sentinels publish +switch-master, but the
   * old primary keeps serving (and our subscription on it gets nothing new) until the sentinels
   * demote it, about 10 s later, when it closes its clients. So the viewer listens to
   * +switch-master itself and moves at once. Before subscribing it asks again where the primary
   * is, so a switch between the connect and the subscription is not missed. If the sentinel goes
   * away, the next one is tried.
   */
  private watchSentinel(generation: number, session: Session, preferred: NodeAddress, round: number): void {
    if (generation !== this.generation || session.ended) return;
    const sentinels = [preferred, ...(this.settings.sentinels ?? []).filter((s) => s.host !== preferred.host || s.port !== preferred.port)];
    const address = sentinels[round % sentinels.length];
    const client = createSentinelClient(this.settings, address, this.tuning.connectTimeoutMs, 'watch');
    client.on('error', () => {});
    session.sentinelWatch = client;
    const name = this.settings.sentinelName ?? '';
    const current = describeNode(session.node);
    // The next sentinel after a failure, after 1 s, doubling up to 32 s while they keep failing; a
    // subscription that worked and then closed starts over.
    const retry = (worked: boolean, err?: unknown) => {
      if (session.ended || generation !== this.generation) return;
      if (session.sentinelWatch === client) session.sentinelWatch = undefined;
      client.disconnect();
      const text = (err as Error)?.message ?? '';
      if (!session.sentinelWatchWarned && /^(NOPERM|WRONGPASS|NOAUTH)/.test(text)) {
        session.sentinelWatchWarned = true;
        this.warningEmitter.fire(
          `The sentinel at ${describeNode(address)} refused the failover watch (${text}); after a failover the viewer moves only when the old primary drops it (about 10 s later). Allow the sentinel user SUBSCRIBE on +switch-master.`,
        );
      }
      const next = worked ? 0 : round + 1;
      session.sentinelWatchTimer = setTimeout(() => this.watchSentinel(generation, session, preferred, next), worked ? 1000 : 1000 * 2 ** Math.min(round, 5));
    };
    const switched = (to: string, from: string) =>
      this.lose(generation, session, {
        code: 'failover',
        retryable: true,
        message: `Sentinel reports a failover of "${name}": the primary is now ${to} (was ${from}); moving to it and recovering from the state keys.`,
      }, 50);
    client.on('message', (channel: string, message: string) => {
      if (channel !== '+switch-master') return;
      // "<name> <old-ip> <old-port> <new-ip> <new-port>"
      const [master, oldHost, oldPort, newHost, newPort] = message.split(' ');
      if (master !== name) return;
      const to = describeNode({ host: newHost, port: Number(newPort) });
      if (to !== current) switched(to, describeNode({ host: oldHost, port: Number(oldPort) }));
    });
    (async () => {
      await client.connect();
      const reply = await client.call('SENTINEL', 'get-master-addr-by-name', name);
      if (session.ended || generation !== this.generation) return;
      if (Array.isArray(reply) && reply.length >= 2) {
        const now = describeNode({ host: String(reply[0]), port: Number(reply[1]) });
        if (now !== current) {
          switched(now, current);
          return;
        }
      }
      await client.subscribe('+switch-master');
      client.once('close', () => retry(true));
    })().catch((err: unknown) => retry(false, err));
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
        const problem = classifyError(err, session.node);
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
    const problemSettings = isCluster(session.commands) && !subscriberClosed ? this.settings : session.node;
    const where = describeEndpoint(problemSettings);
    if (!subscriberClosed) {
      this.lose(generation, session, lastError ? classifyError(lastError, problemSettings) : lostProblem(where));
      return;
    }
    // The subscriber closed. If the server still answers the other connection, the server
    // closed only us: the pub/sub output-buffer limit (a slow subscriber) or CLIENT KILL.
    // In a cluster, the question is about the subscriber's own node.
    const commands = isCluster(session.commands)
      ? session.commands.nodes('all').find((n) => n.options.host === session.node.host && n.options.port === session.node.port)
      : session.commands;
    const probe = commands?.status === 'ready' ? withTimeout(commands.ping(), 1000) : Promise.reject(new Error('closed'));
    probe.then(
      () =>
        this.lose(generation, session, {
          code: 'dropped-by-server',
          retryable: true,
          message: `Redis at ${where} closed the subscription while the server stayed up: it drops subscribers that fall behind (client-output-buffer-limit pubsub) and clients killed with CLIENT KILL (as Sentinel does when it demotes a primary). Events may have been lost; reconnecting and recovering from the state keys.`,
        }),
      () => this.lose(generation, session, lastError ? classifyError(lastError, problemSettings) : lostProblem(where)),
    );
  }

  /** `delayMs`: reconnect after this instead of the backoff (a failover: the new primary is known). */
  private lose(generation: number, session: Session, problem: ConnectionProblem, delayMs?: number): void {
    if (generation !== this.generation || session.ended) return;
    this.lostAt ??= { from: session.lastAliveAt, reason: problem.message };
    this.endSession();
    this.scheduleRetry(generation, problem, delayMs);
  }

  private scheduleRetry(generation: number, problem: ConnectionProblem, delayMs?: number): void {
    if (generation !== this.generation) return;
    if (!problem.retryable) {
      this.setState({ kind: 'failed', problem });
      return;
    }
    const ceiling = Math.min(this.tuning.backoffMaxMs, this.tuning.backoffInitialMs * 2 ** Math.min(this.attempt, 16));
    // Jitter (50–100 % of the ceiling) keeps many viewers from reconnecting in lockstep after a restart.
    const delay = delayMs ?? Math.round(ceiling * (0.5 + Math.random() * 0.5));
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
    this.closePending();
    const session = this.session;
    if (!session) return;
    this.session = undefined;
    disconnectSession(session);
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

function disconnectSession(session: Session): void {
  session.ended = true;
  if (session.heartbeat) clearInterval(session.heartbeat);
  if (session.pingTimer) clearTimeout(session.pingTimer);
  if (session.sentinelWatchTimer) clearTimeout(session.sentinelWatchTimer);
  session.sentinelWatch?.disconnect();
  for (const client of [session.subscriber, session.commands]) {
    client.removeAllListeners('pmessageBuffer');
    // Keep an error listener: a late socket error must not become an uncaught 'error' event.
    client.removeAllListeners('error');
    client.on('error', () => {});
    client.disconnect(false);
  }
}

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

/**
 * Sentinel mode: the server the sentinels named must be the primary (during a failover a sentinel
 * may still name the old one, which then gets demoted). A user not allowed ROLE skips the check;
 * the +switch-master watch still moves the viewer when a failover completes.
 */
async function checkPrimary(commands: CommandsClient, settings: ConnectionSettings, node: ConnectionSettings): Promise<void> {
  let role: unknown;
  try {
    role = await commands.call('ROLE');
  } catch (err) {
    if (/\bNOPERM\b/.test((err as Error)?.message ?? '')) return;
    throw err;
  }
  const kind = Array.isArray(role) ? String(role[0]) : 'master';
  if (kind !== 'master') {
    const shown = kind === 'slave' ? 'replica' : kind;
    throw Object.assign(new Error(`${describeNode(node)} is a ${shown}, not the primary of "${settings.sentinelName}"`), { code: NOT_PRIMARY, node: describeNode(node), role: shown, master: settings.sentinelName });
  }
}

/**
 * Sentinel mode: asks the sentinels, in order, where the primary of `sentinelName` is. The first
 * answer wins. Raises SENTINEL_UNKNOWN_MASTER when the sentinels that answered know no such
 * master, SENTINEL_REFUSED_US when they refused the sentinel credentials, else
 * SENTINEL_UNREACHABLE (with the last error as `cause`). `track` registers each short-lived
 * client so that an abandoned attempt can close it, and returns its un-registration.
 */
export async function resolvePrimary(
  settings: ConnectionSettings,
  timeoutMs: number,
  track: (client: Redis) => () => void = () => () => {},
): Promise<{ address: NodeAddress; sentinel: NodeAddress }> {
  const name = settings.sentinelName ?? '';
  let unknownAt: NodeAddress | undefined;
  let refused: { cause: unknown; sentinel: NodeAddress } | undefined;
  let failed: { cause: unknown; sentinel: NodeAddress } | undefined;
  for (const sentinel of settings.sentinels ?? []) {
    const client = createSentinelClient(settings, sentinel, timeoutMs, 'query');
    let clientError: unknown;
    client.on('error', (err) => {
      clientError = err;
    });
    const untrack = track(client);
    try {
      await client.connect();
      const reply = await client.call('SENTINEL', 'get-master-addr-by-name', name);
      if (Array.isArray(reply) && reply.length >= 2) return { address: { host: String(reply[0]), port: Number(reply[1]) }, sentinel };
      unknownAt ??= sentinel;
    } catch (err) {
      const cause = isGenericClose(err) && clientError ? clientError : err;
      if (/^(WRONGPASS|NOAUTH|NOPERM)|invalid username-password|Authentication required/i.test((cause as Error)?.message ?? '')) refused ??= { cause, sentinel };
      else failed = { cause, sentinel };
    } finally {
      untrack();
      client.disconnect();
    }
  }
  const tagged = (code: string, message: string, about?: { cause: unknown; sentinel: NodeAddress }) =>
    Object.assign(new Error(message), { code, cause: about?.cause, sentinel: about ? describeNode(about.sentinel) : undefined });
  if (unknownAt) throw tagged(SENTINEL_UNKNOWN_MASTER, `no sentinel knows a master named "${name}"`, { cause: undefined, sentinel: unknownAt });
  if (refused) throw tagged(SENTINEL_REFUSED_US, `a sentinel refused us: ${(refused.cause as Error)?.message}`, refused);
  throw tagged(SENTINEL_UNREACHABLE, `no sentinel answered: ${(failed?.cause as Error)?.message ?? 'no sentinels'}`, failed);
}

/** A one-purpose connection to a sentinel (its own credentials; TLS per `sentinelTls`). */
function createSentinelClient(settings: ConnectionSettings, sentinel: NodeAddress, timeoutMs: number, purpose: 'query' | 'watch'): Redis {
  const useTls = settings.sentinelTls ?? settings.tls.enabled;
  const client = new Redis({
    host: sentinel.host,
    port: sentinel.port,
    username: settings.sentinelUsername,
    password: settings.sentinelPassword,
    tls: useTls ? tlsOptions(settings) : undefined,
    connectionName: `tdtp-viewer-sentinel-${purpose}`,
    lazyConnect: true,
    enableOfflineQueue: false,
    enableReadyCheck: false,
    autoResubscribe: false,
    maxRetriesPerRequest: 0,
    retryStrategy: () => null,
    reconnectOnError: () => false,
    connectTimeout: timeoutMs,
    commandTimeout: purpose === 'query' ? timeoutMs : undefined,
    keepAlive: 10_000,
  });
  return guardSockets(client);
}

/**
 * Cluster mode: ioredis reads the slot map with throwaway connections whose errors it drops, so
 * a refused port, a TLS or a password problem all end as "Connection is closed". When the cluster
 * client cannot start, each seed is tried with a plain client to find the real cause; without one,
 * the original error is returned.
 */
async function explainClusterFailure(
  settings: ConnectionSettings,
  timeoutMs: number,
  err: unknown,
  track: (client: Redis) => () => void = () => () => {},
): Promise<unknown> {
  const message = (err as Error)?.message ?? '';
  if (!isGenericClose(err) && !/Failed to refresh slots cache/i.test(message)) return err;
  for (const seed of settings.clusterNodes ?? []) {
    const node = settingsForNode(settings, seed);
    const client = createClient(node, 'commands', timeoutMs);
    let clientError: unknown;
    client.on('error', (e) => {
      clientError = e;
    });
    const untrack = track(client);
    try {
      await openClient(client, node);
      await client.call('CLUSTER', 'SLOTS');
    } catch (probeError) {
      return isGenericClose(probeError) && clientError ? clientError : probeError;
    } finally {
      untrack();
      client.disconnect(false);
    }
  }
  return err;
}

/**
 * Cluster mode: an ioredis Cluster from the seed nodes that never reconnects or queues by itself
 * (TdtpConnection does that) and reports CLUSTERDOWN at once instead of retrying it.
 */
export function createClusterClient(settings: ConnectionSettings, connectTimeoutMs: number): Cluster {
  // eslint-disable-next-line @typescript-eslint/no-unused-vars
  const { host, port, db, ...redisOptions } = toRedisOptions(settings, 'commands', connectTimeoutMs);
  const cluster = new Cluster(
    (settings.clusterNodes ?? []).map((n) => ({ host: n.host, port: n.port })),
    {
      lazyConnect: true,
      enableOfflineQueue: false,
      // Its ready check (CLUSTER INFO) turns "cluster down" into "None of startup nodes is
      // available"; the access check's CLUSTERDOWN reply says what is wrong instead.
      enableReadyCheck: false,
      clusterRetryStrategy: () => null,
      retryDelayOnClusterDown: 0,
      slotsRefreshTimeout: connectTimeoutMs,
      redisOptions: { ...redisOptions, enableReadyCheck: false },
      // With TLS, keep host names as given so that the certificate is checked against them.
      ...(settings.tls.enabled ? { dnsLookup: (address: string, callback: (err: Error | null, address: string) => void) => callback(null, address) } : {}),
    },
  );
  cluster.on('error', (err) => lastErrors.set(cluster, (err as { lastNodeError?: unknown }).lastNodeError ?? err));
  cluster.on('node error', (err) => lastErrors.set(cluster, err));
  cluster.on('+node', (node: Redis) => guardSockets(node));
  return cluster;
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
  return guardSockets(client);
}

/**
 * ioredis listens to its socket's 'error' with once(). A TLS socket whose handshake failed can
 * emit a second error (the server's alert answering our close), which would then be thrown as an
 * uncaught exception. So each socket gets a lasting listener too; ioredis still gets the first error.
 */
function guardSockets(client: Redis): Redis {
  const connector = (client as unknown as { connector?: { connect: (...args: unknown[]) => Promise<NodeJS.EventEmitter> } }).connector;
  if (!connector || typeof connector.connect !== 'function') return client;
  const connect = connector.connect.bind(connector);
  connector.connect = async (...args: unknown[]) => {
    const stream = await connect(...args);
    stream.on('error', () => {});
    return stream;
  };
  return client;
}

/** The last 'error' event of each client: the real cause behind a later "Connection is closed". */
const lastErrors = new WeakMap<CommandsClient, unknown>();

/**
 * A failed command of a client made by `createClient`, in the user's words. When the command only
 * saw the connection close, the error that closed it (WRONGPASS, ECONNREFUSED …) is the cause.
 */
export function classifyClientError(client: CommandsClient, err: unknown, settings: ConnectionSettings): ConnectionProblem {
  const last = lastErrors.get(client);
  return classifyError(isGenericClose(err) && last ? last : err, settings);
}

/** Connects a client made by `createClient` and selects the settings' db; a failure rejects. */
export async function openClient(client: Redis, settings: ConnectionSettings): Promise<void> {
  await client.connect();
  if (settings.db !== 0) await client.select(settings.db);
}

/**
 * A connected commands client (the terminal tools' one-shot polls and publishes): to the server,
 * to the primary the sentinels name, or to the cluster. Rejects with a ConnectionProblemError
 * whose message is the classified, user-facing problem.
 */
export async function connectCommandsClient(settings: ConnectionSettings, timeoutMs: number): Promise<CommandsClient> {
  const mode = connectionMode(settings);
  if (mode === 'cluster') {
    const cluster = createClusterClient(settings, timeoutMs);
    try {
      await cluster.connect();
      return cluster;
    } catch (err) {
      cluster.disconnect(false);
      const cause = await explainClusterFailure(settings, timeoutMs, err);
      throw new ConnectionProblemError(cause === err ? classifyClientError(cluster, err, settings) : classifyError(cause, settings));
    }
  }
  let node = settings;
  if (mode === 'sentinel') {
    try {
      node = settingsForNode(settings, (await resolvePrimary(settings, timeoutMs)).address);
    } catch (err) {
      throw new ConnectionProblemError(classifyError(err, settings));
    }
  }
  const client = createClient(node, 'commands', timeoutMs);
  try {
    await openClient(client, node);
    return client;
  } catch (err) {
    client.disconnect(false);
    throw new ConnectionProblemError(classifyClientError(client, err, node));
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
  return /Connection is closed|Stream isn't writeable|enableOfflineQueue|Command aborted due to connection close|None of startup nodes is available/i.test((err as Error)?.message ?? '');
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
