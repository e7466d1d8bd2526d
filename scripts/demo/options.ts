// The command line of `npm run demo`: its help text and its parsing.
import { parseArgs } from 'node:util';
import { DemoError } from './output';

export const HELP = `npm run demo [-- options]

Starts a throwaway redis-server on a free loopback port, a simulator that publishes realistic TDTP
results for ten pipelines (with Go, also a few real tdtpcli pipelines on schedules through the
framework's orchestrator, results named real:*), and the extension pointed at that Redis: in
desktop VS Code (a fresh profile in a temp dir) when \`code\` is on PATH, otherwise in code-server (prints the URL to open).
Ctrl+C stops everything it started.

Options:
  --redis HOST:PORT   use this Redis instead of starting one (no password, db 0)
  --interval MS       the base interval: each pipeline runs every 1 to 8 times MS (default 3000)
  --port N            code-server's port on 127.0.0.1 (default: a free one)
  --code-server       use code-server even when \`code\` is on PATH
  --no-open           only Redis and the simulator: do not open the extension
  --seed N            seed of the simulator's pseudo-random choices (replayable runs)
  -h, --help          this text

Examples:
  npm run demo
  npm run demo -- --port 8080 --interval 1000
  npm run demo -- --redis 127.0.0.1:6379 --no-open`;

export interface RedisAddress {
  host: string;
  port: number;
}

export interface Options {
  redis?: RedisAddress;
  intervalMs: number;
  port?: number;
  open: boolean;
  forceCodeServer: boolean;
  seed?: number;
}

export function parseOptions(argv: string[]): Options | 'help' {
  let values;
  try {
    ({ values } = parseArgs({
      args: argv,
      options: {
        redis: { type: 'string' },
        interval: { type: 'string' },
        port: { type: 'string' },
        'code-server': { type: 'boolean' },
        'no-open': { type: 'boolean' },
        seed: { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
      strict: true,
      allowPositionals: false,
    }));
  } catch (err) {
    throw new DemoError(`${(err as Error).message}\nRun \`npm run demo -- --help\` for the options.`);
  }
  if (values.help) return 'help';
  const integer = (text: string | undefined, name: string, min: number, max: number): number | undefined => {
    if (text === undefined) return undefined;
    if (!/^\d+$/.test(text) || Number(text) < min || Number(text) > max) throw new DemoError(`--${name} must be a whole number from ${min} to ${max}, not "${text}"`);
    return Number(text);
  };
  let redis: Options['redis'];
  if (values.redis !== undefined) {
    const match = /^(?:\[([^\]]+)\]|([^:]+)):(\d+)$/.exec(values.redis.trim());
    if (!match) throw new DemoError(`--redis must be HOST:PORT (e.g. 127.0.0.1:6379), not "${values.redis}"`);
    redis = { host: match[1] ?? match[2], port: integer(match[3], 'redis port', 1, 65535) as number };
  }
  return {
    redis,
    intervalMs: integer(values.interval, 'interval', 100, 3_600_000) ?? 3000,
    port: integer(values.port, 'port', 1, 65535),
    open: !values['no-open'],
    forceCodeServer: values['code-server'] === true,
    seed: integer(values.seed, 'seed', 0, 2 ** 32 - 1),
  };
}
