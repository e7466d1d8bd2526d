import type { ParseArgsConfig } from 'node:util';
import { parseArgs } from 'node:util';
import type { ConnectionSettings, ConnectionSettingsInput } from '../core/settings';
import { parseConnectionSettings } from '../core/settings';
import { readPem as readPemFile } from '../core/pem';
import { settingProblemText } from './settingWords';

/** Connection options shared by tdtp-watch and tdtp-emit, named like the reference worker's. */
export const CONNECTION_OPTIONS = {
  url: { type: 'string' },
  host: { type: 'string' },
  port: { type: 'string' },
  db: { type: 'string' },
  username: { type: 'string' },
  password: { type: 'string' },
  prefix: { type: 'string' },
  tls: { type: 'boolean' },
  'tls-ca': { type: 'string' },
  'tls-cert': { type: 'string' },
  'tls-key': { type: 'string' },
  'tls-server-name': { type: 'string' },
  'tls-insecure': { type: 'boolean' },
  sentinel: { type: 'string', multiple: true },
  'sentinel-name': { type: 'string' },
  'sentinel-username': { type: 'string' },
  'sentinel-password': { type: 'string' },
  cluster: { type: 'string', multiple: true },
  help: { type: 'boolean', short: 'h' },
} as const satisfies ParseArgsConfig['options'];

export const CONNECTION_HELP = `Connection:
  --url URL             redis://[user[:password]@]host[:port][/db] or rediss://… (TLS)
  --host HOST           Redis host (default 127.0.0.1)
  --port PORT           Redis port (default 6379)
  --db N                database index (default 0)
  --username NAME       ACL user
  --password PASS       password (better: the TDTP_REDIS_PASSWORD environment variable)
  --prefix PREFIX       channel and key prefix (default tdtp:pipeline)
  --tls                 use TLS; --tls-ca FILE, --tls-cert FILE, --tls-key FILE,
                        --tls-server-name NAME, --tls-insecure (skip verification; not advised)

Redis Sentinel (instead of --host/--port: the viewer follows the current primary):
  --sentinel HOST:PORT  a sentinel (repeat for each; the port defaults to 26379)
  --sentinel-name NAME  the master name, as in "sentinel monitor NAME …"
  --sentinel-username NAME, --sentinel-password PASS
                        the sentinels' own credentials (better: TDTP_SENTINEL_PASSWORD);
                        --username/--password are those of the Redis servers

Redis Cluster (instead of --host/--port):
  --cluster HOST:PORT   a seed node (repeat for several); the others are discovered`;

/** Thrown for wrong usage; the tools print the message and exit 2. */
export class UsageError extends Error {}

export function parseCommandLine<T extends NonNullable<ParseArgsConfig['options']>>(argv: string[], options: T) {
  try {
    return parseArgs({ args: argv, options, allowPositionals: false, strict: true });
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
}

type ConnectionValues = Partial<Record<keyof typeof CONNECTION_OPTIONS, string | boolean | string[]>>;

/** The option each setting comes from, for messages. */
const OPTION_OF: Partial<Record<keyof ConnectionSettingsInput, string>> = {
  tlsServerName: 'tls-server-name',
  tlsRejectUnauthorized: 'tls-insecure',
  sentinels: 'sentinel',
  sentinelName: 'sentinel-name',
  sentinelUsername: 'sentinel-username',
  sentinelPassword: 'sentinel-password',
  clusterNodes: 'cluster',
};

export function connectionSettingsFrom(values: ConnectionValues, env: NodeJS.ProcessEnv): ConnectionSettings {
  const input: ConnectionSettingsInput = {
    url: str(values.url),
    host: str(values.host),
    port: str(values.port),
    db: str(values.db),
    username: str(values.username),
    password: str(values.password) ?? (env.TDTP_REDIS_PASSWORD || undefined),
    prefix: str(values.prefix),
    tls: values.tls === true ? true : undefined,
    tlsCa: readPem(values['tls-ca'], '--tls-ca'),
    tlsCert: readPem(values['tls-cert'], '--tls-cert'),
    tlsKey: readPem(values['tls-key'], '--tls-key'),
    tlsServerName: str(values['tls-server-name']),
    tlsRejectUnauthorized: values['tls-insecure'] === true ? false : undefined,
    sentinels: list(values.sentinel),
    sentinelName: str(values['sentinel-name']),
    sentinelUsername: str(values['sentinel-username']),
    sentinelPassword: str(values['sentinel-password']) ?? (env.TDTP_SENTINEL_PASSWORD || undefined),
    clusterNodes: list(values.cluster),
  };
  if (input.sentinelName !== undefined && input.sentinels === undefined) throw new UsageError('--sentinel-name needs at least one --sentinel HOST:PORT');
  const parsed = parseConnectionSettings(input);
  if (!parsed.ok) throw new UsageError(parsed.problems.map((p) => `--${OPTION_OF[p.setting] ?? p.setting}: ${settingProblemText(p)}`).join('\n'));
  return parsed.settings;
}

function str(value: string | boolean | string[] | undefined): string | undefined {
  return typeof value === 'string' ? value : undefined;
}

/** A repeatable option; each occurrence may also hold a comma-separated list. */
function list(value: string | boolean | string[] | undefined): string[] | undefined {
  if (!Array.isArray(value)) return typeof value === 'string' ? [value] : undefined;
  return value.flatMap((item) => item.split(',')).map((item) => item.trim()).filter((item) => item !== '');
}

function readPem(path: string | boolean | string[] | undefined, option: string): string | undefined {
  if (typeof path !== 'string') return undefined;
  const read = readPemFile(path);
  if (!read.ok) throw new UsageError(`${option}: cannot read "${path}": ${read.errno}`);
  return read.pem;
}

export function integerOption(value: string | undefined, name: string, fallback: number): number {
  if (value === undefined) return fallback;
  if (!/^\d+$/.test(value)) throw new UsageError(`--${name} must be a whole number ≥ 0, not "${value}"`);
  return Number(value);
}
