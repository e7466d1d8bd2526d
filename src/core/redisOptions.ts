// Client options from connection settings: the one core file that knows ioredis's and node:tls's
// option types, so parsing and describing settings does not pull them in.
import type { RedisOptions } from 'ioredis';
import type { ConnectionOptions as TlsConnectionOptions } from 'node:tls';
import type { ConnectionSettings } from './settings';

/** TLS options of `settings` for node's tls.connect, or undefined without TLS. */
export function tlsOptions(settings: ConnectionSettings): TlsConnectionOptions | undefined {
  if (!settings.tls.enabled) return undefined;
  return {
    rejectUnauthorized: settings.tls.rejectUnauthorized,
    ...(settings.tls.ca ? { ca: settings.tls.ca } : {}),
    ...(settings.tls.cert ? { cert: settings.tls.cert } : {}),
    ...(settings.tls.key ? { key: settings.tls.key } : {}),
    ...(settings.tls.serverName ? { servername: settings.tls.serverName } : {}),
  };
}

/**
 * ioredis options for one client. Reconnection is ours (see connection.ts), so ioredis's own
 * retry and offline queue are off: a command on a dead connection fails at once instead of waiting.
 */
export function toRedisOptions(settings: ConnectionSettings, purpose: 'subscriber' | 'commands', connectTimeoutMs: number): RedisOptions {
  const tls = tlsOptions(settings);
  return {
    host: settings.host,
    port: settings.port,
    db: settings.db,
    username: settings.username,
    password: settings.password,
    tls,
    connectionName: `tdtp-viewer-${purpose}`,
    lazyConnect: true,
    enableOfflineQueue: false,
    enableReadyCheck: true,
    autoResubscribe: false,
    maxRetriesPerRequest: 0,
    retryStrategy: () => null,
    reconnectOnError: () => false,
    connectTimeout: connectTimeoutMs,
    commandTimeout: purpose === 'commands' ? connectTimeoutMs : undefined,
    keepAlive: 10_000,
  };
}
