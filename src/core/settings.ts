import type { RedisOptions } from 'ioredis';
import type { ConnectionOptions as TlsConnectionOptions } from 'node:tls';

/** TLS as the user configures it; files are read by whoever builds the client options. */
export interface TlsSettings {
  readonly enabled: boolean;
  /** PEM contents (not paths). */
  readonly ca?: string;
  readonly cert?: string;
  readonly key?: string;
  readonly serverName?: string;
  /** Only an explicit user choice turns verification off; it is logged on every connect. */
  readonly rejectUnauthorized: boolean;
}

/** A plain, validated description of where and how to connect. */
export interface ConnectionSettings {
  readonly host: string;
  readonly port: number;
  readonly db: number;
  readonly username?: string;
  readonly password?: string;
  readonly tls: TlsSettings;
  /** Channel/key prefix, `tdtp:pipeline` as the framework writes it. */
  readonly prefix: string;
}

/** Loose input as it comes from settings, a URL or command-line options. */
export interface ConnectionSettingsInput {
  url?: string;
  host?: unknown;
  port?: unknown;
  db?: unknown;
  username?: unknown;
  password?: unknown;
  tls?: unknown;
  tlsCa?: string;
  tlsCert?: string;
  tlsKey?: string;
  tlsServerName?: unknown;
  tlsRejectUnauthorized?: unknown;
  prefix?: unknown;
}

export interface SettingProblem {
  /** The setting's own name (`host`, `port`, `url` …); adapters map it to theirs. */
  readonly setting: keyof ConnectionSettingsInput;
  readonly message: string;
}

export type SettingsResult = { ok: true; settings: ConnectionSettings } | { ok: false; problems: SettingProblem[] };

export const DEFAULT_HOST = '127.0.0.1';
export const DEFAULT_PORT = 6379;
export const DEFAULT_PREFIX = 'tdtp:pipeline';

/**
 * Checks every field and reports all problems at once, each naming its setting, so nothing is
 * tried against a server with a setting that cannot be right. Values from `url` are the base;
 * explicit fields override them.
 */
export function parseConnectionSettings(input: ConnectionSettingsInput): SettingsResult {
  const problems: SettingProblem[] = [];
  let fromUrl: Partial<Record<'host' | 'port' | 'db' | 'username' | 'password', string>> & { tls?: boolean } = {};
  // typeof check: the value may come from a hand-edited settings.json; .trim() on a number threw.
  if (input.url !== undefined && input.url !== null && typeof input.url !== 'string') {
    problems.push({ setting: 'url', message: 'url must be text such as redis://host:6379/0' });
  } else if (input.url !== undefined && input.url !== null && input.url.trim() !== '') {
    const parsed = parseRedisUrl(input.url.trim());
    if (typeof parsed === 'string') problems.push({ setting: 'url', message: parsed });
    else fromUrl = parsed;
  }

  const hostValue = input.host ?? fromUrl.host ?? DEFAULT_HOST;
  let host = DEFAULT_HOST;
  if (typeof hostValue !== 'string' || hostValue.trim() === '') problems.push({ setting: 'host', message: 'host must not be empty' });
  else if (/\s|\//.test(hostValue.trim())) problems.push({ setting: 'host', message: `host "${hostValue}" is not a host name or address (it contains a space or a slash)` });
  else host = stripBrackets(hostValue.trim());

  const port = integerSetting(input.port ?? fromUrl.port ?? DEFAULT_PORT, 'port', 1, 65535, problems) ?? DEFAULT_PORT;
  const db = integerSetting(input.db ?? fromUrl.db ?? 0, 'db', 0, 2_147_483_647, problems) ?? 0;

  const username = optionalString(input.username ?? fromUrl.username, 'username', problems);
  const password = optionalString(input.password ?? fromUrl.password, 'password', problems);

  const tlsEnabled = booleanSetting(input.tls ?? fromUrl.tls ?? false, 'tls', problems);
  const rejectUnauthorized = booleanSetting(input.tlsRejectUnauthorized ?? true, 'tlsRejectUnauthorized', problems);
  const serverName = optionalString(input.tlsServerName, 'tlsServerName', problems);

  const prefixValue = input.prefix ?? DEFAULT_PREFIX;
  let prefix = DEFAULT_PREFIX;
  if (typeof prefixValue !== 'string' || prefixValue.trim() === '') problems.push({ setting: 'prefix', message: 'the key prefix must not be empty' });
  else if (prefixValue.endsWith(':')) problems.push({ setting: 'prefix', message: `the key prefix "${prefixValue}" must not end with ":" (it is added)` });
  else prefix = prefixValue;

  if (problems.length) return { ok: false, problems };
  return {
    ok: true,
    settings: {
      host,
      port,
      db,
      username,
      password,
      prefix,
      tls: { enabled: tlsEnabled, ca: input.tlsCa, cert: input.tlsCert, key: input.tlsKey, serverName, rejectUnauthorized },
    },
  };
}

/** `redis://[user[:password]@]host[:port][/db]` or `rediss://…` (TLS). */
function parseRedisUrl(
  text: string,
): (Partial<Record<'host' | 'port' | 'db' | 'username' | 'password', string>> & { tls?: boolean }) | string {
  let url: URL;
  // Messages show the URL without its credentials: they end up in logs and notifications.
  const shown = redactUserinfo(text);
  try {
    url = new URL(text);
  } catch {
    return `"${shown}" is not a URL; expected redis://[user[:password]@]host[:port][/db] or rediss://…`;
  }
  if (url.protocol !== 'redis:' && url.protocol !== 'rediss:') {
    return `URL scheme "${url.protocol}" is not supported; use redis:// or rediss:// (TLS)`;
  }
  if (!url.hostname) return `URL "${shown}" has no host`;
  const dbPath = url.pathname.replace(/^\/+/, '');
  if (dbPath !== '' && !/^\d+$/.test(dbPath)) return `URL path "/${dbPath}" must be a database number, such as /0`;
  // decodeURIComponent throws on a stray "%" (e.g. a password "100%" not written as 100%25), and
  // parsing settings must report problems, not throw.
  const host = safeDecode(url.hostname);
  const username = url.username ? safeDecode(url.username) : undefined;
  const password = url.password ? safeDecode(url.password) : undefined;
  if (host === null) return `URL host in "${shown}" has a malformed %-escape`;
  if (username === null) return `URL user name has a malformed %-escape (write "%" as %25)`;
  if (password === null) return `URL password has a malformed %-escape (write "%" as %25)`;
  return {
    host,
    port: url.port || undefined,
    db: dbPath || undefined,
    username,
    password,
    tls: url.protocol === 'rediss:',
  };
}

function safeDecode(text: string): string | null {
  try {
    return decodeURIComponent(text);
  } catch {
    return null;
  }
}

/** `redis://user:secret@host` → `redis://***@host`. */
function redactUserinfo(text: string): string {
  return text.replace(/\/\/[^/?#]*@/, '//***@');
}

function stripBrackets(host: string): string {
  return host.startsWith('[') && host.endsWith(']') ? host.slice(1, -1) : host;
}

function integerSetting(value: unknown, setting: 'port' | 'db', min: number, max: number, problems: SettingProblem[]): number | undefined {
  const n = typeof value === 'string' && /^\s*-?\d+\s*$/.test(value) ? Number(value) : value;
  if (typeof n !== 'number' || !Number.isInteger(n) || n < min || n > max) {
    const what = setting === 'port' ? `a port number from ${min} to ${max}` : `a database number from ${min} upwards`;
    problems.push({ setting, message: `${setting} is ${JSON.stringify(value)}; it must be ${what}` });
    return undefined;
  }
  return n;
}

function optionalString(value: unknown, setting: keyof ConnectionSettingsInput, problems: SettingProblem[]): string | undefined {
  if (value === undefined || value === null || value === '') return undefined;
  if (typeof value !== 'string') {
    problems.push({ setting, message: `${setting} must be text` });
    return undefined;
  }
  return value;
}

function booleanSetting(value: unknown, setting: keyof ConnectionSettingsInput, problems: SettingProblem[]): boolean {
  if (typeof value === 'boolean') return value;
  if (value === 'true' || value === 'false') return value === 'true';
  problems.push({ setting, message: `${setting} must be true or false` });
  return false;
}

/** Where a connection goes, for messages: `127.0.0.1:6379/0` (never the password). */
export function describeEndpoint(settings: ConnectionSettings): string {
  const host = settings.host.includes(':') ? `[${settings.host}]` : settings.host;
  const user = settings.username ? `${settings.username}@` : '';
  return `${settings.tls.enabled ? 'rediss' : 'redis'}://${user}${host}:${settings.port}/${settings.db}`;
}

/**
 * ioredis options for one client. Reconnection is ours (see connection.ts), so ioredis's own
 * retry and offline queue are off: a command on a dead connection fails at once instead of waiting.
 */
export function toRedisOptions(settings: ConnectionSettings, purpose: 'subscriber' | 'commands', connectTimeoutMs: number): RedisOptions {
  let tls: TlsConnectionOptions | undefined;
  if (settings.tls.enabled) {
    tls = {
      rejectUnauthorized: settings.tls.rejectUnauthorized,
      ...(settings.tls.ca ? { ca: settings.tls.ca } : {}),
      ...(settings.tls.cert ? { cert: settings.tls.cert } : {}),
      ...(settings.tls.key ? { key: settings.tls.key } : {}),
      ...(settings.tls.serverName ? { servername: settings.tls.serverName } : {}),
    };
  }
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
