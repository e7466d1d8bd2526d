// Step 2: the Redis the demo publishes to: a throwaway redis-server (the tests' launcher), or one
// the user named, checked before anything is built.
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import Redis from 'ioredis';
import { type RedisServer, redisServerBinary, startRedis } from '../../test/support/redisServer';
import { run } from './commands';
import { isStopping, own, ownTempDir, shutdown, signal } from './lifecycle';
import { DemoError, Stopping, say, warn } from './output';
import type { RedisAddress } from './options';
import { ROOT } from './paths';

/** Starts redis-server on a free loopback port, in its own temp dir, saving nothing. */
export async function startThrowawayRedis(): Promise<RedisAddress> {
  say('checking redis-server (bash scripts/ensure-redis.sh)…');
  await run('bash', [join(ROOT, 'scripts', 'ensure-redis.sh')], 'installing redis-server', { inherit: true });
  let binary: string;
  try {
    binary = redisServerBinary();
  } catch (err) {
    throw new DemoError(`redis-server is still not on PATH after scripts/ensure-redis.sh (${(err as Error).message})`);
  }
  for (let attempt = 1; ; attempt++) {
    let running = false;
    let server: RedisServer | undefined;
    try {
      server = await startRedis({
        // Its own process group: Ctrl+C in the terminal reaches the demo, which stops the simulator
        // before the server, instead of the server vanishing under the simulator.
        detached: process.platform !== 'win32',
        onExit(code, sig) {
          if (!running || isStopping()) return;
          warn(`redis-server exited unexpectedly (${code ?? sig}); its last output:\n${server?.log.trimEnd().split('\n').slice(-10).join('\n')}`);
          void shutdown(1, 'stopping: Redis is gone');
        },
      });
    } catch (err) {
      const message = (err as Error).message;
      if (isStopping()) throw new Stopping('stopped during start-up');
      if (attempt < 3 && /Address already in use/i.test(message)) continue; // lost a race for the port
      throw new DemoError(`redis-server did not start: ${message.trimEnd()}`);
    }
    const started = server;
    const pid = started.pid;
    ownTempDir(started.dir);
    own({
      name: `redis-server 127.0.0.1:${started.port} (pid ${pid})`,
      // SIGKILL: with --save "" there is nothing to write; the launcher removes its data dir too.
      stop: () => started.dispose(),
      killNow: () => void (pid && signal(pid, 'SIGKILL')),
      alive: () => started.running,
    });
    running = true;
    if (isStopping()) throw new Stopping('stopped during start-up');
    say(`  redis-server ${redisVersion(binary)} started on 127.0.0.1:${started.port} (pid ${pid}, data dir ${started.dir})`);
    return { host: started.host, port: started.port };
  }
}

function redisVersion(binary: string): string {
  const out = spawnSync(binary, ['--version'], { encoding: 'utf8' }).stdout ?? '';
  return /v=(\S+)/.exec(out)?.[1] ?? '';
}

/** Connects to a Redis the user named, with a clear message when that does not work. */
export async function checkReachable({ host, port }: RedisAddress): Promise<void> {
  say(`connecting to Redis at ${host}:${port}…`);
  const probe = new Redis({ host, port, lazyConnect: true, connectTimeout: 5000, maxRetriesPerRequest: 0, retryStrategy: () => null, enableOfflineQueue: false });
  let lastError: Error | undefined;
  probe.on('error', (err: Error) => (lastError = err));
  try {
    await probe.connect();
    await probe.ping();
  } catch (err) {
    const reason = (lastError ?? (err as Error)).message;
    if (/NOAUTH|WRONGPASS|NOPERM/.test(reason)) {
      throw new DemoError(`Redis at ${host}:${port} wants a password (${reason}). The demo only works with a Redis without one; leave out --redis to start a throwaway server.`);
    }
    throw new DemoError(`cannot reach Redis at ${host}:${port}: ${reason}. Is it running and listening there? Leave out --redis to start a throwaway server.`);
  } finally {
    probe.disconnect();
  }
  say('  reachable');
}
