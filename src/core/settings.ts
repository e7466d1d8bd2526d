// Connection settings: their shape, and parsing loose input into them with every problem as a code.
// Beside it: redisUrl.ts (a URL's parts and its password), endpoint.ts (where a connection goes,
// and so where a stored password belongs), pem.ts (TLS files) and redisOptions.ts (ioredis options).
import { parseRedisUrl } from './redisUrl';
import type { UrlProblemCode } from './redisUrl';
import type { Problem } from './validate';
import { gotOf } from './validate';

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

/** One server of a Sentinel or Cluster deployment. */
export interface NodeAddress {
  readonly host: string;
  readonly port: number;
}

/**
 * A plain, validated description of where and how to connect.
 *
 * Three modes (see `connectionMode`): a single server at `host`:`port` (standalone); the primary
 * that `sentinels` name for `sentinelName` (host and port are then not used); or a Redis Cluster
 * found from the seed `clusterNodes`. The sentinel and cluster fields are present only in their
 * mode. `username`, `password`, `tls` and `db` apply to the data nodes in every mode.
 */
export interface ConnectionSettings {
  readonly host: string;
  readonly port: number;
  readonly db: number;
  readonly username?: string;
  readonly password?: string;
  readonly tls: TlsSettings;
  /** Channel/key prefix, `tdtp:pipeline` as the framework writes it. */
  readonly prefix: string;
  /** Sentinel mode: the sentinels to ask, in order (at least one). */
  readonly sentinels?: readonly NodeAddress[];
  /** Sentinel mode: the monitored master's name (`sentinel monitor <name> …`). */
  readonly sentinelName?: string;
  /** Sentinel mode: credentials for the sentinels themselves (their own requirepass / ACL). */
  readonly sentinelUsername?: string;
  readonly sentinelPassword?: string;
  /**
   * Sentinel mode: whether the sentinels are reached over TLS (with the `tls` files). Defaults to
   * `tls.enabled`: a deployment that encrypts its data nodes normally encrypts its sentinels too.
   */
  readonly sentinelTls?: boolean;
  /** Cluster mode: seed nodes (at least one); the rest of the cluster is discovered from them. */
  readonly clusterNodes?: readonly NodeAddress[];
}

export type ConnectionMode = 'standalone' | 'sentinel' | 'cluster';

export function connectionMode(settings: ConnectionSettings): ConnectionMode {
  if (settings.sentinels?.length) return 'sentinel';
  if (settings.clusterNodes?.length) return 'cluster';
  return 'standalone';
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
  /**
   * Sentinels: a list of `"host:port"` strings or `{ host, port }` objects, or one string of
   * comma-separated `host:port`s. The port defaults to 26379.
   */
  sentinels?: unknown;
  sentinelName?: unknown;
  sentinelUsername?: unknown;
  sentinelPassword?: unknown;
  sentinelTls?: unknown;
  /** Cluster seed nodes, in the same forms as `sentinels`; the port defaults to 6379. */
  clusterNodes?: unknown;
}

/**
 * What can be wrong with a connection setting; the front ends word it (values in this order):
 * - `urlNotText`; `urlInvalid` [url without credentials]; `urlScheme` [scheme]; `urlNoHost` [url];
 *   `urlDbPath` [path]; `urlHostEscape` [url]; `urlUserEscape`; `urlPasswordEscape`;
 *   `urlUserinfoUnescaped` [url] (a / ? # or @ of the user name or password not %-escaped).
 * - `hostEmpty`; `hostInvalid` [host]; `notPort` [min, max] and `notDb` [min] (`got`);
 *   `prefixEmpty`; `prefixColon` [prefix]; `notText`; `notBoolean`.
 * - `notNodeList` [default port]; `nodeNotHostPort` [item]; `nodeNoHost` [item];
 *   `nodeBadHost` [item, host]; `nodeBadPort` [item] (the setting says sentinel or cluster node).
 * - `sentinelsAndCluster`; `sentinelNameMissing`; `sentinelsMissing` [master name]; `clusterDb` [db].
 * - `unreadableFile` [path, error code] (a TLS file the front end could not read).
 * - `passwordElsewhere` [endpoint saved for, endpoint now] (a stored password held back);
 *   `passwordUnbound` [endpoint now] (one saved for no endpoint, held back from where a workspace points).
 */
export type SettingProblemCode =
  | 'urlNotText'
  | UrlProblemCode
  | 'passwordElsewhere'
  | 'passwordUnbound'
  | 'hostEmpty'
  | 'hostInvalid'
  | 'notPort'
  | 'notDb'
  | 'prefixEmpty'
  | 'prefixColon'
  | 'notText'
  | 'notBoolean'
  | 'notNodeList'
  | 'nodeNotHostPort'
  | 'nodeNoHost'
  | 'nodeBadHost'
  | 'nodeBadPort'
  | 'sentinelsAndCluster'
  | 'sentinelNameMissing'
  | 'sentinelsMissing'
  | 'clusterDb'
  | 'unreadableFile';

/** A problem with one setting, as facts (see validate.ts); `at` is the setting's own name. */
export interface SettingProblem extends Problem<SettingProblemCode> {
  /** The setting's own name (`host`, `port`, `url` …); adapters map it to theirs. */
  readonly setting: keyof ConnectionSettingsInput;
}

/** A setting problem with the values its sentence needs. */
export function settingProblem(setting: keyof ConnectionSettingsInput, code: SettingProblemCode, values: ReadonlyArray<string | number> = [], ...got: [unknown?]): SettingProblem {
  return { setting, at: setting, code, values: values.map(String), ...(got.length ? { got: gotOf(got[0]) } : {}) };
}

/** A setting problem with the name of the setting as the user wrote it (`tdtp.connections[1].port`). */
export interface NamedSettingProblem {
  readonly setting: string;
  readonly problem: SettingProblem;
}

export type SettingsResult = { ok: true; settings: ConnectionSettings } | { ok: false; problems: SettingProblem[] };

export const DEFAULT_HOST = '127.0.0.1';
export const DEFAULT_PORT = 6379;
export const DEFAULT_PREFIX = 'tdtp:pipeline';
export const DEFAULT_SENTINEL_PORT = 26379;

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
    problems.push(settingProblem('url', 'urlNotText'));
  } else if (input.url !== undefined && input.url !== null && input.url.trim() !== '') {
    const parsed = parseRedisUrl(input.url.trim());
    if ('code' in parsed) problems.push(settingProblem('url', parsed.code, parsed.values));
    else fromUrl = parsed;
  }

  const hostValue = input.host ?? fromUrl.host ?? DEFAULT_HOST;
  let host = DEFAULT_HOST;
  if (typeof hostValue !== 'string' || hostValue.trim() === '') problems.push(settingProblem('host', 'hostEmpty'));
  else if (/\s|\//.test(hostValue.trim())) problems.push(settingProblem('host', 'hostInvalid', [hostValue]));
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
  if (typeof prefixValue !== 'string' || prefixValue.trim() === '') problems.push(settingProblem('prefix', 'prefixEmpty'));
  else if (prefixValue.endsWith(':')) problems.push(settingProblem('prefix', 'prefixColon', [prefixValue]));
  else prefix = prefixValue;

  const problemsBefore = problems.length;
  const sentinels = nodeList(input.sentinels, 'sentinels', DEFAULT_SENTINEL_PORT, problems);
  const sentinelsBad = problems.length > problemsBefore;
  const clusterNodes = nodeList(input.clusterNodes, 'clusterNodes', DEFAULT_PORT, problems);
  const sentinelName = optionalString(input.sentinelName, 'sentinelName', problems)?.trim() || undefined;
  const sentinelUsername = optionalString(input.sentinelUsername, 'sentinelUsername', problems);
  const sentinelPassword = optionalString(input.sentinelPassword, 'sentinelPassword', problems);
  const sentinelTls = input.sentinelTls === undefined || input.sentinelTls === null ? undefined : booleanSetting(input.sentinelTls, 'sentinelTls', problems);
  const sentinelMode = sentinels !== undefined && sentinels.length > 0;
  const clusterMode = clusterNodes !== undefined && clusterNodes.length > 0;
  if (sentinelMode && clusterMode) {
    problems.push(settingProblem('clusterNodes', 'sentinelsAndCluster'));
  }
  if (sentinelMode && !sentinelName) {
    problems.push(settingProblem('sentinelName', 'sentinelNameMissing'));
  }
  if (!sentinelMode && sentinelName && sentinels !== undefined && !sentinelsBad) {
    problems.push(settingProblem('sentinels', 'sentinelsMissing', [sentinelName]));
  }
  if (clusterMode && db !== 0) {
    problems.push(settingProblem('db', 'clusterDb', [db]));
  }

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
      // Only in their mode, so a standalone configuration stays exactly what it was.
      ...(sentinelMode
        ? {
            sentinels,
            sentinelName,
            ...(sentinelUsername !== undefined ? { sentinelUsername } : {}),
            ...(sentinelPassword !== undefined ? { sentinelPassword } : {}),
            ...(sentinelTls !== undefined ? { sentinelTls } : {}),
          }
        : {}),
      ...(clusterMode ? { clusterNodes } : {}),
    },
  };
}

/**
 * A list of `host:port` in any of the accepted forms; undefined when not given. An empty list is
 * "not this mode" (a cleared setting), not a problem.
 */
function nodeList(value: unknown, setting: 'sentinels' | 'clusterNodes', defaultPort: number, problems: SettingProblem[]): NodeAddress[] | undefined {
  if (value === undefined || value === null) return undefined;
  let items: unknown[];
  if (typeof value === 'string') items = value.split(',').map((part) => part.trim()).filter((part) => part !== '');
  else if (Array.isArray(value)) items = value;
  else {
    problems.push(settingProblem(setting, 'notNodeList', [defaultPort]));
    return undefined;
  }
  const nodes: NodeAddress[] = [];
  const seen = new Set<string>();
  for (const item of items) {
    const node = parseNode(item, defaultPort);
    if ('code' in node) {
      problems.push(settingProblem(setting, node.code, node.values));
      continue;
    }
    const key = `${node.host}:${node.port}`;
    if (!seen.has(key)) nodes.push(node);
    seen.add(key);
  }
  return nodes;
}

/** A `result_log.address` ("host:port", as go-redis takes it): the address, or the problem (setting `host`). */
export function parseResultLogAddress(address: string): NodeAddress | SettingProblem {
  const node = parseNode(address, DEFAULT_PORT);
  return 'code' in node ? settingProblem('host', node.code, node.values) : node;
}

type Found = { readonly code: SettingProblemCode; readonly values: readonly string[] };

/** `host`, `host:port`, `[v6]:port` or `{ host, port }`, or the problem. */
function parseNode(item: unknown, defaultPort: number): NodeAddress | Found {
  let host: unknown;
  let port: unknown;
  if (typeof item === 'string') {
    const text = item.trim();
    const bracketed = /^\[([^\]]+)\](?::(.*))?$/.exec(text);
    if (bracketed) [host, port] = [bracketed[1], bracketed[2]];
    else if ((text.match(/:/g) ?? []).length === 1) [host, port] = text.split(':');
    else host = text; // a bare host, or an IPv6 address without a port
  } else if (typeof item === 'object' && item !== null) {
    ({ host, port } = item as { host?: unknown; port?: unknown });
  } else {
    return { code: 'nodeNotHostPort', values: [String(JSON.stringify(item))] };
  }
  const shown = typeof item === 'string' ? `"${item}"` : JSON.stringify(item);
  if (typeof host !== 'string' || host.trim() === '') return { code: 'nodeNoHost', values: [shown] };
  if (/\s|\//.test(host.trim())) return { code: 'nodeBadHost', values: [shown, host] };
  const portValue = port === undefined || port === null || port === '' ? defaultPort : typeof port === 'string' && /^\d+$/.test(port) ? Number(port) : port;
  if (typeof portValue !== 'number' || !Number.isInteger(portValue) || portValue < 1 || portValue > 65535) return { code: 'nodeBadPort', values: [shown] };
  return { host: stripBrackets(host.trim()), port: portValue };
}

function stripBrackets(host: string): string {
  return host.startsWith('[') && host.endsWith(']') ? host.slice(1, -1) : host;
}

function integerSetting(value: unknown, setting: 'port' | 'db', min: number, max: number, problems: SettingProblem[]): number | undefined {
  const n = typeof value === 'string' && /^\s*-?\d+\s*$/.test(value) ? Number(value) : value;
  if (typeof n !== 'number' || !Number.isInteger(n) || n < min || n > max) {
    problems.push(setting === 'port' ? settingProblem(setting, 'notPort', [min, max], value) : settingProblem(setting, 'notDb', [min], value));
    return undefined;
  }
  return n;
}

function optionalString(value: unknown, setting: keyof ConnectionSettingsInput, problems: SettingProblem[]): string | undefined {
  if (value === undefined || value === null || value === '') return undefined;
  if (typeof value !== 'string') {
    problems.push(settingProblem(setting, 'notText'));
    return undefined;
  }
  return value;
}

function booleanSetting(value: unknown, setting: keyof ConnectionSettingsInput, problems: SettingProblem[]): boolean {
  if (typeof value === 'boolean') return value;
  if (value === 'true' || value === 'false') return value === 'true';
  problems.push(settingProblem(setting, 'notBoolean'));
  return false;
}

/**
 * The same settings pointed at one data node (a Sentinel's current primary, a Cluster node):
 * standalone, so clients and messages are about that node.
 */
export function settingsForNode(settings: ConnectionSettings, node: NodeAddress): ConnectionSettings {
  return { host: node.host, port: node.port, db: settings.db, username: settings.username, password: settings.password, tls: settings.tls, prefix: settings.prefix };
}

