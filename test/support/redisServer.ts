import { ChildProcess, spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Redis from 'ioredis';

/** A real redis-server for one test file, on a free loopback port, in its own temp dir. */
export interface RedisServer {
  readonly port: number;
  readonly host: '127.0.0.1';
  readonly dir: string;
  /** A plain client for arranging and checking state (authenticated with `adminPassword` if set). */
  client(db?: number): Promise<Redis>;
  /** SHUTDOWN NOSAVE and wait for the process to exit. */
  stop(): Promise<void>;
  /** Start again on the same port (after stop()). */
  restart(): Promise<void>;
  readonly running: boolean;
  /** Closes the helper clients, stops the server and removes its directory. */
  dispose(): Promise<void>;
}

export interface RedisServerOptions {
  /** Extra `--name value` pairs for redis-server. */
  args?: string[];
  /** requirepass for the default user. */
  password?: string;
  port?: number;
}

export function redisServerBinary(): string {
  const found = spawnSync('sh', ['-c', 'command -v redis-server'], { encoding: 'utf8' }).stdout.trim();
  if (!found) {
    throw new Error('redis-server is not installed. On Debian/Ubuntu: sudo apt-get install redis-server (the tests start their own server on a free port).');
  }
  return found;
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}

export async function startRedis(options: RedisServerOptions = {}): Promise<RedisServer> {
  const binary = redisServerBinary();
  const port = options.port ?? (await freePort());
  const dir = mkdtempSync(join(tmpdir(), 'tdtp-redis-'));
  let child: ChildProcess | undefined;
  const admins: Redis[] = [];

  const args = [
    '--port', String(port),
    '--bind', '127.0.0.1',
    '--save', '',
    '--appendonly', 'no',
    '--dir', dir,
    '--enable-debug-command', 'local',
    ...(options.password ? ['--requirepass', options.password] : []),
    ...(options.args ?? []),
  ];

  async function launch(): Promise<void> {
    const proc = spawn(binary, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    child = proc;
    let output = '';
    await new Promise<void>((resolve, reject) => {
      const onData = (chunk: Buffer) => {
        output += chunk.toString();
        if (output.includes('Ready to accept connections')) {
          proc.stdout?.off('data', onData);
          resolve();
        }
      };
      proc.stdout?.on('data', onData);
      proc.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
      proc.once('exit', (code) => reject(new Error(`redis-server exited with ${code} before it was ready:\n${output}`)));
    });
    proc.stdout?.resume();
  }

  await launch();

  const server: RedisServer = {
    port,
    host: '127.0.0.1',
    dir,
    get running() {
      return child !== undefined && child.exitCode === null;
    },
    async client(db = 0) {
      const client = new Redis({ host: '127.0.0.1', port, db, password: options.password, lazyConnect: true, maxRetriesPerRequest: 1, retryStrategy: () => null });
      client.on('error', () => {});
      await client.connect();
      admins.push(client);
      return client;
    },
    async stop() {
      const proc = child;
      if (!proc || proc.exitCode !== null) return;
      const exited = new Promise<void>((resolve) => proc.once('exit', () => resolve()));
      proc.kill('SIGKILL');
      await exited;
      child = undefined;
    },
    async restart() {
      await launch();
    },
    async dispose() {
      for (const client of admins.splice(0)) client.disconnect();
      await server.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
  return server;
}
