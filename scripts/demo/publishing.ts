// Step 3: the simulator publishing to Redis, one [sim] line a run; and the commands a person can
// type to publish and watch themselves.
import Redis from 'ioredis';
import type { TdtpResult } from '../../src/core/decode';
import { DEMO_PIPELINES, startSimulator } from '../../src/demo/simulator';
import { isStopping, own, sleep } from './lifecycle';
import type { RedisAddress } from './options';
import { print, warn } from './output';

function describe(result: TdtpResult): string {
  const time = new Date().toTimeString().slice(0, 8);
  const seconds = `${(result.duration_ms / 1000).toFixed(1)}s`;
  let detail: string;
  if (result.status === 'success') {
    const dropped = result.rows_loaded - result.rows_exported;
    detail = `${result.rows_loaded} → ${result.rows_exported} rows${dropped ? ` (${dropped} dropped)` : ''}`;
  } else {
    const lines = (result.error ?? '').split('\n');
    const first = lines[0].length > 70 ? `${lines[0].slice(0, 69)}…` : lines[0];
    detail = `${first}${lines.length > 1 ? ` (+${lines.length - 1} lines)` : ''}`;
  }
  return `[sim] ${time}  ${result.result_name.padEnd(17)} ${result.status.padEnd(21)} ${seconds.padStart(7)}  ${detail}`;
}

/** Starts the simulator; resolves after its first round (one result a pipeline), or 5 s. */
export async function startPublishing(redis: RedisAddress, intervalMs: number, seed: number | undefined): Promise<void> {
  const client = new Redis({
    host: redis.host,
    port: redis.port,
    lazyConnect: true,
    connectionName: 'tdtp-demo-simulator',
    maxRetriesPerRequest: 1,
    retryStrategy: (attempt) => Math.min(attempt * 250, 2000),
  });
  let lastErrorAt = 0;
  let quietErrors = 0;
  const reportError = (err: unknown) => {
    if (isStopping()) return;
    if (Date.now() - lastErrorAt < 10_000) {
      quietErrors++;
      return;
    }
    lastErrorAt = Date.now();
    warn(`simulator: cannot write to Redis: ${(err as Error).message ?? err}${quietErrors ? ` (and ${quietErrors} more errors)` : ''}`);
    quietErrors = 0;
  };
  client.on('error', reportError);
  await client.connect();
  let initial = 0;
  let initialDone: () => void = () => {};
  const firstRound = new Promise<void>((done) => (initialDone = done));
  const countInitial = () => {
    if (++initial >= DEMO_PIPELINES.length) initialDone();
  };
  const stopSimulator = startSimulator(client, {
    intervalMs,
    seed,
    onPublish: (result) => {
      print(process.stdout, describe(result));
      countInitial();
    },
    onError: (err) => {
      reportError(err);
      countInitial();
    },
  });
  own({
    name: 'the simulator',
    async stop() {
      stopSimulator();
      await Promise.race([client.quit().catch(() => undefined), sleep(2000)]);
      client.disconnect();
    },
    killNow: () => {
      stopSimulator();
      client.disconnect();
    },
  });
  // The banner comes after the first round (one result per pipeline), not in the middle of it.
  await Promise.race([firstRound, sleep(5000)]);
}

/** The tools' options that reach `redis`. */
export function cliTarget(redis: RedisAddress): string {
  return `${redis.host === '127.0.0.1' ? '' : `--host ${redis.host} `}--port ${redis.port}`;
}

export function emitCommand(redis: RedisAddress): string {
  return `node dist/tdtp-emit.js ${cliTarget(redis)}`;
}
