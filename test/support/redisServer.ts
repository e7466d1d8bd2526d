import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createConnection, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { RedisOptions } from 'ioredis';
import Redis from 'ioredis';
import type { ConnectionState, ConnectionTuning } from '../../src/core/connection';
import { KeySpace } from '../../src/core/keySpace';
import type { ConnectionSettings, ConnectionSettingsInput } from '../../src/core/settings';
import { parseConnectionSettings } from '../../src/core/settings';
import type { StoreOptions } from '../../src/core/storeTypes';
import { PipelineStore } from '../../src/core/store';
import type { RunRecord } from '../../src/core/runs';
import type { ReconcileReport, WatcherOptions } from '../../src/core/watcher';
import { PipelineWatcher } from '../../src/core/watcher';
import { problemText } from '../../src/cli/problemText';

/** A real redis-server for one test file, on a free loopback port, in its own temp dir. */
export interface RedisServer {
  readonly port: number;
  readonly host: '127.0.0.1';
  readonly dir: string;
  /** A plain client for arranging and checking state (authenticated with `adminPassword` if set). */
  client(db?: number): Promise<Redis>;
  /**
   * Stops the server and waits for the process to exit: `kill` (default) sends SIGKILL, `shutdown`
   * sends SHUTDOWN NOSAVE. Either way nothing is saved: a restart starts empty.
   */
  stop(how?: 'kill' | 'shutdown'): Promise<void>;
  /** Start again on the same port (after stop()). */
  restart(): Promise<void>;
  readonly running: boolean;
  /** The running server's process id (undefined while stopped). */
  readonly pid: number | undefined;
  /** Everything the server printed (its log), across restarts. */
  readonly log: string;
  /** Closes the helper clients, stops the server and removes its directory. */
  dispose(): Promise<void>;
}

export interface RedisServerOptions {
  /** Extra `--name value` pairs for redis-server. */
  args?: string[];
  /** requirepass for the default user. */
  password?: string;
  port?: number;
  /**
   * TLS only: the server listens with TLS on `port` (and not in plain text); `client()` connects
   * with TLS, trusting `ca` and presenting `clientCert`/`clientKey` when given. A sentinel also
   * talks TLS to the servers it monitors (tls-replication yes).
   */
  tls?: {
    certFile: string;
    keyFile: string;
    caFile: string;
    /** --tls-auth-clients: whether a client certificate is required. */
    authClients: 'yes' | 'no' | 'optional';
    ca: string;
    clientCert?: string;
    clientKey?: string;
  };
  /**
   * Start `redis-sentinel` instead, with these lines in its config file (after port, bind and
   * dir), e.g. `sentinel monitor mymaster 127.0.0.1 6379 2`.
   */
  sentinelConfig?: string[];
  /**
   * Its own process group: a Ctrl+C in the terminal then reaches only the process that started it
   * (`npm run demo`), which stops its Redis client before the server.
   */
  detached?: boolean;
  /** Called whenever the server process exits, asked to or not (after stop() too). */
  onExit?: (code: number | null, signal: NodeJS.Signals | null) => void;
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

/** Not exited yet: a process killed by a signal has no exit code, only its signal. */
function alive(proc: ChildProcess | undefined): boolean {
  return proc !== undefined && proc.exitCode === null && proc.signalCode === null;
}

/** Every process startRedis launched and has not seen exit: killed if the test process exits. */
const launched = new Set<ChildProcess>();
process.once('exit', () => {
  for (const proc of launched) proc.kill('SIGKILL');
});

export async function startRedis(options: RedisServerOptions = {}): Promise<RedisServer> {
  const binary = options.sentinelConfig ? redisServerBinary().replace(/redis-server$/, 'redis-sentinel') : redisServerBinary();
  const port = options.port ?? (await freePort());
  const dir = mkdtempSync(join(tmpdir(), options.sentinelConfig ? 'tdtp-sentinel-' : 'tdtp-redis-'));
  let child: ChildProcess | undefined;
  const admins: Redis[] = [];
  let log = '';

  const tls = options.tls;
  let args: string[];
  if (options.sentinelConfig) {
    // Sentinel rewrites its config file (what it learns: replicas, other sentinels, failovers).
    const config = join(dir, 'sentinel.conf');
    const listen = tls
      ? ['port 0', `tls-port ${port}`, `tls-cert-file ${tls.certFile}`, `tls-key-file ${tls.keyFile}`, `tls-ca-cert-file ${tls.caFile}`, `tls-auth-clients ${tls.authClients}`, 'tls-replication yes']
      : [`port ${port}`];
    writeFileSync(config, [...listen, 'bind 127.0.0.1', `dir ${dir}`, ...(options.password ? [`requirepass ${JSON.stringify(options.password)}`] : []), ...options.sentinelConfig, ''].join('\n'));
    args = [config, ...(options.args ?? [])];
  } else {
    args = [
      ...(tls
        ? ['--port', '0', '--tls-port', String(port), '--tls-cert-file', tls.certFile, '--tls-key-file', tls.keyFile, '--tls-ca-cert-file', tls.caFile, '--tls-auth-clients', tls.authClients]
        : ['--port', String(port)]),
      '--bind', '127.0.0.1',
      '--save', '',
      '--appendonly', 'no',
      '--dir', dir,
      '--enable-debug-command', 'local',
      ...(options.password ? ['--requirepass', options.password] : []),
      ...(options.args ?? []),
    ];
  }
  const ready = options.sentinelConfig ? /Sentinel ID is/ : /Ready to accept connections/;

  /** Options for the helper clients: TLS as the server wants it. */
  const clientOptions = (): RedisOptions => ({
    host: '127.0.0.1',
    port,
    password: options.password,
    lazyConnect: true,
    retryStrategy: () => null,
    ...(tls ? { tls: { ca: tls.ca, ...(tls.clientCert ? { cert: tls.clientCert, key: tls.clientKey } : {}) } } : {}),
  });

  async function launch(): Promise<void> {
    const proc = spawn(binary, args, { stdio: ['ignore', 'pipe', 'pipe'], detached: options.detached });
    child = proc;
    launched.add(proc);
    proc.once('exit', (code, signal) => {
      launched.delete(proc);
      options.onExit?.(code, signal);
    });
    let output = '';
    await new Promise<void>((resolve, reject) => {
      const onData = (chunk: Buffer) => {
        output += chunk.toString();
        log += chunk.toString();
        if (ready.test(output)) {
          proc.stdout?.off('data', onData);
          resolve();
        }
      };
      proc.stdout?.on('data', onData);
      proc.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
      proc.once('exit', (code) => reject(new Error(`redis-server exited with ${code} before it was ready:\n${output}`)));
    });
    proc.stdout?.on('data', (chunk: Buffer) => (log += chunk.toString()));
  }

  try {
    await launch();
  } catch (err) {
    rmSync(dir, { recursive: true, force: true });
    throw err;
  }

  const server: RedisServer = {
    port,
    host: '127.0.0.1',
    dir,
    get running() {
      return alive(child);
    },
    get pid() {
      return alive(child) ? child?.pid : undefined;
    },
    get log() {
      return log;
    },
    async client(db = 0) {
      const client = new Redis({ ...clientOptions(), db, maxRetriesPerRequest: 1 });
      client.on('error', () => {});
      await client.connect();
      admins.push(client);
      return client;
    },
    async stop(how = 'kill') {
      const proc = child;
      if (!proc || !alive(proc)) return;
      const exited = new Promise<void>((resolve) => proc.once('exit', () => resolve()));
      if (how === 'shutdown') {
        const client = new Redis(clientOptions());
        client.on('error', () => {});
        await client.connect();
        // The server closes the connection instead of replying.
        await client.call('SHUTDOWN', 'NOSAVE').catch(() => undefined);
        client.disconnect();
      } else {
        proc.kill('SIGKILL');
      }
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

// ---------------------------------------------------------------------------------------------
// Helpers shared by the integration tests.

/** An event shaped like the core's `Event<T>` (and `vscode.Event`). */
export type TestEvent<T> = (listener: (value: T) => void) => { dispose(): void };

/**
 * Resolves with the first value of `event` that satisfies `predicate`; rejects after `timeoutMs`
 * with a message naming what was awaited and the last values seen.
 */
export function waitFor<T>(event: TestEvent<T>, predicate: (value: T) => boolean, timeoutMs: number, what: string): Promise<T> {
  const promise = new Promise<T>((resolve, reject) => {
    const seen: string[] = [];
    const timer = setTimeout(() => {
      subscription.dispose();
      reject(new Error(`timed out after ${timeoutMs} ms waiting for ${what}; last values seen: ${seen.slice(-5).join(' | ') || '(none)'}`));
    }, timeoutMs);
    const subscription = event((value) => {
      seen.push(preview(value));
      let matched = false;
      try {
        matched = predicate(value);
      } catch (err) {
        clearTimeout(timer);
        subscription.dispose();
        reject(err);
        return;
      }
      if (matched) {
        clearTimeout(timer);
        subscription.dispose();
        resolve(value);
      }
    });
  });
  // A test that fails before awaiting this must not also get an unhandled rejection later.
  promise.catch(() => {});
  return promise;
}

/** Calls `check` every `intervalMs` until it returns a value other than undefined. */
export async function pollUntil<T>(check: () => Promise<T | undefined> | T | undefined, timeoutMs: number, what: string, intervalMs = 20): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await delay(intervalMs);
  }
}

export function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

function preview(value: unknown): string {
  let text: string;
  try {
    text = JSON.stringify(value) ?? String(value);
  } catch {
    text = String(value);
  }
  return text.length > 300 ? `${text.slice(0, 300)}…` : text;
}

/** `total_connections_received` from INFO stats: every TCP connection the server accepted. */
export async function connectionsReceived(client: Redis): Promise<number> {
  const info = await client.info('stats');
  const match = /total_connections_received:(\d+)/.exec(info);
  if (!match) throw new Error(`INFO stats has no total_connections_received:\n${info}`);
  return Number(match[1]);
}

/**
 * Every `<prefix>:<name>:state` key of the client's db, read with SCAN + MGET: name → raw value.
 * With several clients (the primaries of a cluster), each is scanned and its keys are read one
 * GET at a time (MGET cannot span hash slots).
 */
export async function readStateKeys(client: Redis | Redis[], prefix = 'tdtp:pipeline'): Promise<Map<string, string>> {
  const result = new Map<string, string>();
  for (const node of Array.isArray(client) ? client : [client]) {
    let cursor = '0';
    do {
      const [next, keys] = await node.scan(cursor, 'MATCH', `${prefix}:*:state`, 'COUNT', 1000);
      cursor = next;
      if (keys.length) {
        const values = Array.isArray(client) ? await Promise.all(keys.map((key) => node.get(key))) : await node.mget(...keys);
        keys.forEach((key, i) => {
          const value = values[i];
          if (value !== null) result.set(key.slice(prefix.length + 1, -':state'.length), value);
        });
      }
    } while (cursor !== '0');
  }
  return result;
}

/** Lines of a child's stdout as they arrive, with waiting for a matching line. */
export class LineReader {
  readonly lines: string[] = [];
  private buffered = '';
  private waiters: Array<{ from: number; test: (line: string) => boolean; resolve: (line: string) => void }> = [];

  constructor(stream: NodeJS.ReadableStream) {
    stream.setEncoding('utf8');
    stream.on('data', (chunk: string) => {
      this.buffered += chunk;
      const parts = this.buffered.split('\n');
      this.buffered = parts.pop() ?? '';
      for (const line of parts) this.push(line);
    });
  }

  private push(line: string): void {
    this.lines.push(line);
    const index = this.lines.length - 1;
    for (const waiter of [...this.waiters]) {
      if (index >= waiter.from && waiter.test(line)) {
        this.waiters = this.waiters.filter((w) => w !== waiter);
        waiter.resolve(line);
      }
    }
  }

  /** The first line at index ≥ `from` (default: any line so far) that matches. */
  waitForLine(test: RegExp | ((line: string) => boolean), timeoutMs: number, from = 0): Promise<string> {
    const predicate = typeof test === 'function' ? test : (line: string) => test.test(line);
    const existing = this.lines.slice(from).find(predicate);
    if (existing !== undefined) return Promise.resolve(existing);
    return new Promise((resolve, reject) => {
      const waiter = { from, test: predicate, resolve: (line: string) => (clearTimeout(timer), resolve(line)) };
      const timer = setTimeout(() => {
        this.waiters = this.waiters.filter((w) => w !== waiter);
        reject(new Error(`timed out after ${timeoutMs} ms waiting for a line matching ${String(test)}; output so far:\n${this.lines.join('\n')}`));
      }, timeoutMs);
      this.waiters.push(waiter);
    });
  }
}

// ---------------------------------------------------------------------------------------------
// A watcher (the core's "viewer") against a test server.

export const KEYS = new KeySpace('tdtp:pipeline');

export function settingsFor(port: number, input: ConnectionSettingsInput = {}): ConnectionSettings {
  const parsed = parseConnectionSettings({ host: '127.0.0.1', port, ...input });
  if (!parsed.ok) throw new Error(`bad test settings: ${JSON.stringify(parsed.problems)}`);
  return parsed.settings;
}

export interface RecordedWatcher {
  readonly watcher: PipelineWatcher;
  readonly store: PipelineStore;
  /** Every state the connection went through, oldest first. */
  readonly states: ConnectionState[];
  readonly reconciles: ReconcileReport[];
  readonly reconcileFailures: string[];
  /** Resolves with the current state if it matches, else with the next one that does. */
  waitForState(predicate: (state: ConnectionState) => boolean, timeoutMs: number, what: string): Promise<ConnectionState>;
  /** The next reconcile report that matches (reports already made do not count). */
  nextReconcile(predicate: (report: ReconcileReport) => boolean, timeoutMs: number, what: string): Promise<ReconcileReport>;
  /** The next run added to the store for `resultName` (from `source`, if given). */
  nextRun(resultName: string, timeoutMs: number, source?: RunRecord['source']): Promise<RunRecord>;
  dispose(): void;
}

/** Creates a watcher with a synchronous store (coalesceMs 0) and records what it reports. Not started. */
export function createRecordedWatcher(settings: ConnectionSettings, tuning: ConnectionTuning = {}, storeOptions: StoreOptions = {}, watcherOptions: WatcherOptions = {}): RecordedWatcher {
  const store = new PipelineStore({ coalesceMs: 0, ...storeOptions });
  const watcher = new PipelineWatcher(settings, store, tuning, watcherOptions);
  const states: ConnectionState[] = [];
  const reconciles: ReconcileReport[] = [];
  const reconcileFailures: string[] = [];
  watcher.onDidChangeState((state) => states.push(state));
  watcher.onDidReconcile((report) => reconciles.push(report));
  watcher.onReconcileFailed((problem) => reconcileFailures.push(problemText(problem)));
  return {
    watcher,
    store,
    states,
    reconciles,
    reconcileFailures,
    waitForState(predicate, timeoutMs, what) {
      if (predicate(watcher.state)) return Promise.resolve(watcher.state);
      return waitFor(watcher.onDidChangeState, predicate, timeoutMs, what);
    },
    nextReconcile(predicate, timeoutMs, what) {
      return waitFor(watcher.onDidReconcile, predicate, timeoutMs, what);
    },
    nextRun(resultName, timeoutMs, source) {
      return waitFor(store.onDidAddRun, (r) => r.run.resultName === resultName && (source === undefined || r.source === source), timeoutMs, `a ${source ?? ''} run of ${resultName}`);
    },
    dispose() {
      watcher.dispose();
      store.dispose();
    },
  };
}

/** Starts the viewer and waits for the first reconcile (the states loaded at connect). */
export async function startRecordedWatcher(settings: ConnectionSettings, tuning: ConnectionTuning = {}): Promise<RecordedWatcher> {
  const viewer = createRecordedWatcher(settings, tuning);
  const loaded = viewer.nextReconcile((r) => r.source === 'loaded', 10_000, 'the initial reconcile');
  viewer.watcher.start();
  try {
    await loaded;
  } catch (err) {
    viewer.dispose();
    throw new Error(`${(err as Error).message}; states: ${JSON.stringify(viewer.states)}; reconcile failures: ${viewer.reconcileFailures.join(' | ')}`);
  }
  return viewer;
}

/**
 * The model equals the state keys: every state key in Redis has an entry whose latest run is that
 * JSON and is not marked expired, and every other entry is marked expired. For a cluster, pass a
 * client of each primary.
 */
export async function assertModelMatchesRedis(store: PipelineStore, client: Redis | Redis[], prefix = 'tdtp:pipeline'): Promise<void> {
  const inRedis = await readStateKeys(client, prefix);
  for (const [name, raw] of inRedis) {
    const entry = store.get(name);
    assert.ok(entry, `the state key of ${name} exists in Redis but the model has no ${name}`);
    assert.deepEqual(entry.latest.run.result, JSON.parse(raw), `the model's latest run of ${name} differs from its state key`);
    assert.equal(entry.stateExpired, false, `${name} has a state key but the model marks it expired`);
  }
  for (const entry of store.list()) {
    if (!inRedis.has(entry.resultName)) assert.equal(entry.stateExpired, true, `${entry.resultName} has no state key in Redis but the model does not mark it expired`);
  }
}

/** Blocks this process's event loop (a busy extension host) without burning the CPU. */
export function blockEventLoop(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

/** Whether something accepts TCP connections on 127.0.0.1:port. */
export function portInUse(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createConnection({ host: '127.0.0.1', port }, () => {
      socket.destroy();
      resolve(true);
    });
    socket.on('error', () => resolve(false));
  });
}
