import { readFileSync } from 'node:fs';
import { parseArgs, ParseArgsConfig } from 'node:util';
import { ConnectionSettings, ConnectionSettingsInput, parseConnectionSettings } from '../core/settings';

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
                        --tls-server-name NAME, --tls-insecure (skip verification; not advised)`;

/** Thrown for wrong usage; the tools print the message and exit 2. */
export class UsageError extends Error {}

export function parseCommandLine<T extends NonNullable<ParseArgsConfig['options']>>(argv: string[], options: T) {
  try {
    return parseArgs({ args: argv, options, allowPositionals: false, strict: true });
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
}

type ConnectionValues = Partial<Record<keyof typeof CONNECTION_OPTIONS, string | boolean>>;

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
  };
  const parsed = parseConnectionSettings(input);
  if (!parsed.ok) throw new UsageError(parsed.problems.map((p) => `--${p.setting === 'tlsServerName' ? 'tls-server-name' : p.setting}: ${p.message}`).join('\n'));
  return parsed.settings;
}

function str(value: string | boolean | undefined): string | undefined {
  return typeof value === 'string' ? value : undefined;
}

function readPem(path: string | boolean | undefined, option: string): string | undefined {
  if (typeof path !== 'string') return undefined;
  try {
    return readFileSync(path, 'utf8');
  } catch (err) {
    throw new UsageError(`${option}: cannot read "${path}": ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
}

export function integerOption(value: string | undefined, name: string, fallback: number): number {
  if (value === undefined) return fallback;
  if (!/^\d+$/.test(value)) throw new UsageError(`--${name} must be a whole number ≥ 0, not "${value}"`);
  return Number(value);
}
