import type { ClusterOptions, RedisOptions } from 'ioredis';
import Redis, { Cluster } from 'ioredis';
import type { ConnectionProblem } from '../problems';
import { classifyError } from '../problems';
import type { ConnectionSettings, NodeAddress } from '../settings';
import { tlsOptions, toRedisOptions } from '../redisOptions';
import { isGenericClose } from './errors';
import type { CommandsClient } from './types';

/**
 * A client that remembers its last 'error' event: a command that later fails with only
 * "Connection is closed" is explained by it (WRONGPASS, ECONNREFUSED …).
 */
export class TdtpRedis extends Redis {
  lastError: unknown;

  constructor(options: RedisOptions) {
    super(options);
    this.on('error', (err) => {
      this.lastError = err;
    });
    guardSockets(this);
  }
}

/** The Cluster counterpart of TdtpRedis: the last error of the cluster or of any of its nodes. */
export class TdtpCluster extends Cluster {
  lastError: unknown;

  constructor(nodes: NodeAddress[], options: ClusterOptions) {
    super(nodes, options);
    this.on('error', (err) => {
      this.lastError = (err as { lastNodeError?: unknown }).lastNodeError ?? err;
    });
    this.on('node error', (err) => {
      this.lastError = err;
    });
    this.on('+node', (node: Redis) => guardSockets(node));
  }
}

/**
 * A client for `settings` that selects the db itself. ioredis's own SELECT (the `db` option)
 * ignores a failure: with a db that does not exist or a user without +select, the client
 * silently stays on db 0 and shows another database's states. Call `openClient` to connect.
 * The client never reconnects by itself (TdtpConnection does that, with a reconcile each time).
 */
export function createClient(settings: ConnectionSettings, purpose: 'subscriber' | 'commands', connectTimeoutMs: number): TdtpRedis {
  return new TdtpRedis({
    ...toRedisOptions(settings, purpose, connectTimeoutMs),
    db: 0,
    // ioredis's ready check runs INFO, which a least-privilege user may not run: ioredis then
    // console.warns on every connect (into tdtp-watch's stderr and the extension host log).
    // Without it, a server still loading its data answers LOADING to the first command, which
    // fails the attempt and is retried with backoff like any other transient problem.
    enableReadyCheck: false,
  });
}

/** Connects a client made by `createClient` and selects the settings' db; a failure rejects. */
export async function openClient(client: Redis, settings: ConnectionSettings): Promise<void> {
  await client.connect();
  if (settings.db !== 0) await client.select(settings.db);
}

/** A one-purpose connection to a sentinel (its own credentials; TLS per `sentinelTls`). */
export function createSentinelClient(settings: ConnectionSettings, sentinel: NodeAddress, timeoutMs: number, purpose: 'query' | 'watch'): TdtpRedis {
  const useTls = settings.sentinelTls ?? settings.tls.enabled;
  return new TdtpRedis({
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
}

/**
 * Cluster mode: an ioredis Cluster from the seed nodes that never reconnects or queues by itself
 * (TdtpConnection does that) and reports CLUSTERDOWN at once instead of retrying it.
 */
export function createClusterClient(settings: ConnectionSettings, connectTimeoutMs: number): TdtpCluster {
  // eslint-disable-next-line @typescript-eslint/no-unused-vars
  const { host, port, db, ...redisOptions } = toRedisOptions(settings, 'commands', connectTimeoutMs);
  return new TdtpCluster(
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
}

/**
 * A failed command of a client made here, as a problem. When the command only saw the connection
 * close, the error that closed it (WRONGPASS, ECONNREFUSED …) is the cause.
 */
export function classifyClientError(client: CommandsClient, err: unknown, settings: ConnectionSettings): ConnectionProblem {
  const last = client instanceof TdtpRedis || client instanceof TdtpCluster ? client.lastError : undefined;
  return classifyError(isGenericClose(err) && last ? last : err, settings);
}

/**
 * ioredis listens to its socket's 'error' with once(). A TLS socket whose handshake failed can
 * emit a second error (the server's alert answering our close), which would then be thrown as an
 * uncaught exception. So each socket gets a lasting listener too; ioredis still gets the first error.
 */
function guardSockets(client: Redis): void {
  const connector = (client as unknown as { connector?: { connect: (...args: unknown[]) => Promise<NodeJS.EventEmitter> } }).connector;
  if (!connector || typeof connector.connect !== 'function') return;
  const connect = connector.connect.bind(connector);
  connector.connect = async (...args: unknown[]) => {
    const stream = await connect(...args);
    stream.on('error', () => {});
    return stream;
  };
}
