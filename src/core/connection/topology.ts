import type Redis from 'ioredis';
import type { IDisposable } from '../lifecycle';
import type { ConnectionWarning } from '../problems';
import { ConnectionSettings, connectionMode } from '../settings';
import { clusterTopology } from './cluster';
import { sentinelTopology } from './sentinel';
import { standaloneTopology } from './standalone';
import { CommandsClient } from './types';

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

export function topologyFor(settings: ConnectionSettings): Topology {
  switch (connectionMode(settings)) {
    case 'sentinel':
      return sentinelTopology;
    case 'cluster':
      return clusterTopology;
    default:
      return standaloneTopology;
  }
}
