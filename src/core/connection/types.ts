import type Redis from 'ioredis';
import type { Cluster } from 'ioredis';
import type { IDisposable } from '../lifecycle';
import type { ConnectionProblem, ConnectionWarning } from '../problems';
import type { ConnectionSettings, NamedSettingProblem } from '../settings';

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

/**
 * A configured connection's state, as the views show it: the connection's own, or `notConfigured`
 * when a setting is wrong (as facts; the front ends word them).
 */
export type WatchedConnectionState = ConnectionState | { readonly kind: 'notConfigured'; readonly problems: readonly NamedSettingProblem[] };

/** Told to the reconcile step each time the subscription is (re)established. */
export interface SubscribedInfo {
  readonly commands: CommandsClient;
  /** The first subscription after start() (states are "loaded"), or after a loss ("recovered"). */
  readonly initial: boolean;
  /** For a re-subscription: when events may first have been lost, and why. */
  readonly gap?: { readonly from: number; readonly to: number; readonly reason: ConnectionProblem };
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
  /**
   * A connection counts as stable once it has stayed subscribed this long (default 30 s). Until
   * then a loss keeps the backoff growing instead of starting over: a server that keeps dropping
   * the subscriber (a slow subscriber under a publish flood) is not hammered every few hundred ms.
   */
  stableAfterMs?: number;
}

export const DEFAULT_TUNING: Required<ConnectionTuning> = {
  // Interval + timeout bound how long a stalled server goes unnoticed: 4 s by default.
  heartbeatIntervalMs: 1000,
  heartbeatTimeoutMs: 3000,
  connectTimeoutMs: 5000,
  backoffInitialMs: 500,
  backoffMaxMs: 30_000,
  stableAfterMs: 30_000,
};

export type MessageHandler = (channel: string, payload: Buffer) => void;

/** What a topology needs from the attempt it works for. */
export interface AttemptContext {
  readonly settings: ConnectionSettings;
  readonly timeoutMs: number;
  /** Registers a client of this attempt (closed if the attempt is abandoned) and listens to its errors. */
  track<T extends { disconnect(reconnect?: boolean): void; on(event: 'error', listener: (err: Error) => void): unknown }>(client: T): T;
  /** Registers a short-lived client (a probe); returns its un-registration. */
  trackProbe(client: Redis): () => void;
  /** Records an error of a client (the cause behind a later generic close). */
  onError(err: unknown): void;
  /** True once stop/start/retry gave up on this attempt. Throw AbandonedError then. */
  abandoned(): boolean;
}

/** Where an attempt subscribes, and its commands client. */
export interface Located {
  readonly commands: CommandsClient;
  /** The subscriber's server, as standalone settings (for clients and messages). */
  readonly node: ConnectionSettings;
  /** The settings the commands client's problems are described with. */
  readonly describedBy: ConnectionSettings;
  /** Connects the commands client, if `locate` did not already. */
  openCommands(): Promise<void>;
  /** Checks once both clients are up (Sentinel: that the node is still the primary). */
  verify(): Promise<void>;
  /** The client that answers for the subscriber's server (to tell "only we were dropped"). */
  nodeClient(): Redis | undefined;
  /** What watches the deployment while the attempt is up (Sentinel's failover watch). */
  watch?(events: TopologyEvents): IDisposable;
}

export interface TopologyEvents {
  /** The deployment moved the subscription's server (a failover): reconnect now. */
  moved(to: string, from: string): void;
  warn(warning: ConnectionWarning): void;
}

/**
 * One per mode: how an attempt finds its servers. Standalone: the configured server. Sentinel:
 * the primary the sentinels name now (asked anew on every attempt). Cluster: the cluster client
 * for commands, and one of its primaries for the subscription.
 */
export interface Topology {
  /** Finds the servers and creates (Cluster: connects) the commands client; problems before it returns are about `ctx.settings`. */
  locate(ctx: AttemptContext): Promise<Located>;
}
