// The bench's harness: its options, a redis-server of its own with the load generator in a separate
// process (bench/publisher.ts), the memory child (bench/memory.ts), the watcher under test and the
// cleanup of all of them. Sections (bench/sections/) measure with it; bench/report.ts words the rows.
import type { ChildProcess } from 'node:child_process';
import { fork } from 'node:child_process';
import { resolve } from 'node:path';
import type Redis from 'ioredis';
import type { ConnectionTuning } from '../src/core/connection';
import { problemText } from '../src/cli/problemText';
import { parseConnectionSettings } from '../src/core/settings';
import type { ConnectionSettings } from '../src/core/settings';
import type { PipelineStore } from '../src/core/store';
import { PipelineWatcher } from '../src/core/watcher';
import type { ReconcileReport } from '../src/core/watcher';
import { startRedis } from '../test/support/redisServer';
import type { RedisServer } from '../test/support/redisServer';
import type { PublisherCommand, PublisherReply } from './publisher';
import type { MemoryCommand, MemoryReply } from './memory';
import { benchProcess } from './benchProcess';

export const ROOT = resolve(__dirname, '..');
const argv = process.argv.slice(2);
export const QUICK = argv.includes('--quick');
export const WRITE_REPORT = argv.includes('--write-report');
export const NO_BUILD = argv.includes('--no-build');
export const ONLY = new Set((argv.find((a) => a.startsWith('--only='))?.slice('--only='.length) ?? '').split(',').filter(Boolean));
export const CONFIG = QUICK
  ? {
      drainEvents: 20_000,
      drainRounds: 2,
      latencyMs: 1_000,
      latencyRounds: 1,
      burstMs: 1_000,
      burstRounds: 1,
      memoryCheckpoints: [100_000, 200_000],
      memoryRounds: 1,
      reconcileKeys: 10_000,
      reconcileRounds: 2,
      requireRuns: 3,
    }
  : {
      drainEvents: 200_000,
      drainRounds: 5,
      latencyMs: 5_000,
      latencyRounds: 3,
      burstMs: 4_000,
      burstRounds: 3,
      memoryCheckpoints: [1_000_000, 2_000_000],
      memoryRounds: 3,
      reconcileKeys: 10_000,
      reconcileRounds: 5,
      requireRuns: 9,
    };
export const NAMES = 1_000;
export const POOL_SIZE = 5_000;
export const BURST_RATE = 50_000;
export const DEFAULT_PUBSUB_LIMIT = 'pubsub 33554432 8388608 60';
/**
 * For the backlog-drain rounds only: a subscriber that is paused on purpose must not be declared
 * stalled by the heartbeat while its PONG waits behind the backlog (see BENCHMARKS.md).
 */
export const DRAIN_TUNING: ConnectionTuning = { heartbeatTimeoutMs: 600_000 };

// ---------------------------------------------------------------------------------------------
// Small helpers

export function want(section: string): boolean {
  return ONLY.size === 0 || ONLY.has(section);
}

export function log(message: string): void {
  process.stderr.write(`[bench] ${message}\n`);
}

export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

export function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  return new Promise((resolvePromise, reject) => {
    const timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms: ${what}`)), ms);
    promise.then(
      (v) => {
        clearTimeout(timer);
        resolvePromise(v);
      },
      (e) => {
        clearTimeout(timer);
        reject(e);
      },
    );
  });
}

/** Resolves with performance.now() when `count` reaches `target`; call `tick()` per event. */
export class Counter {
  count = 0;
  private target = Infinity;
  private done: ((at: number) => void) | undefined;

  tick(): void {
    if (++this.count >= this.target && this.done) {
      const d = this.done;
      this.done = undefined;
      d(performance.now());
    }
  }

  until(target: number): Promise<number> {
    this.target = target;
    if (this.count >= target) return Promise.resolve(performance.now());
    return new Promise((r) => (this.done = r));
  }
}

// ---------------------------------------------------------------------------------------------
// The publisher process, the memory child and the redis-server they share

export class Publisher {
  private readonly child: ChildProcess;
  private pending: { resolve: (r: PublisherReply) => void; reject: (e: Error) => void } | undefined;

  constructor() {
    const publisher = benchProcess('publisher');
    this.child = fork(publisher.file, [], { execArgv: publisher.execArgv, stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    this.child.on('message', (m: PublisherReply | { op: 'error'; message: string }) => {
      const p = this.pending;
      this.pending = undefined;
      if (!p) return;
      if (m.op === 'error') p.reject(new Error(`publisher: ${(m as { message: string }).message}`));
      else p.resolve(m as PublisherReply);
    });
    this.child.on('exit', (code) => this.pending?.reject(new Error(`publisher exited with ${code}`)));
  }

  send(command: PublisherCommand): Promise<PublisherReply> {
    if (this.pending) throw new Error('publisher busy');
    return new Promise((resolvePromise, reject) => {
      this.pending = { resolve: resolvePromise, reject };
      this.child.send(command);
    });
  }

  stop(): void {
    if (this.child.exitCode === null) this.child.kill();
  }
}

export function memoryRound(): Promise<MemoryReply> {
  return new Promise((resolvePromise, reject) => {
    const memory = benchProcess('memory', ['--expose-gc']);
    const child = fork(memory.file, [], { execArgv: memory.execArgv, stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    child.once('message', (m: MemoryReply | { error: string }) => ('error' in m ? reject(new Error(m.error)) : resolvePromise(m)));
    child.once('exit', (code) => code !== 0 && reject(new Error(`memory child exited with ${code}`)));
    const cmd: MemoryCommand = { checkpoints: CONFIG.memoryCheckpoints, names: NAMES, poolSize: POOL_SIZE, noHistoryEvents: CONFIG.memoryCheckpoints[0] };
    child.send(cmd);
  });
}

/** What the Redis sections run against: a redis-server of their own, settings for it and the load generator. */
export interface RedisBed {
  readonly server: RedisServer;
  readonly settings: ConnectionSettings;
  readonly publisher: Publisher;
}

/** The processes the bench starts; `stop()` ends them, also on Ctrl-C. */
export class Processes {
  private redis: RedisServer | undefined;
  private pub: Publisher | undefined;

  constructor() {
    process.once('SIGINT', () => void this.stop().then(() => process.exit(130)));
  }

  async startRedisBed(): Promise<RedisBed> {
    const server = (this.redis = await startRedis());
    const parsed = parseConnectionSettings({ host: '127.0.0.1', port: server.port });
    if (!parsed.ok) throw new Error('settings');
    const settings = parsed.settings;
    const publisher = (this.pub = new Publisher());
    await publisher.send({ op: 'init', port: server.port, names: NAMES, poolSize: POOL_SIZE });
    log(`redis-server on 127.0.0.1:${server.port}; publisher pid ${(publisher as unknown as { child: ChildProcess }).child.pid}`);
    return { server, settings, publisher };
  }

  async stop(): Promise<void> {
    this.pub?.stop();
    await this.redis?.dispose();
  }
}

/** Runs `measure` with an admin client of the bench's redis-server, disconnected after. */
export async function withAdmin(bed: RedisBed, measure: (admin: Redis) => Promise<void>): Promise<void> {
  const admin = await bed.server.client();
  try {
    await measure(admin);
  } finally {
    admin.disconnect();
  }
}

// ---------------------------------------------------------------------------------------------
// The watcher under test

export interface WatcherUnderTest {
  watcher: PipelineWatcher;
  store: PipelineStore;
  /** Connection losses (state `reconnecting` or `failed`) seen since start. */
  losses: string[];
  reconcile: ReconcileReport;
}

export async function startWatcher(settings: ConnectionSettings, store: PipelineStore, tuning?: ConnectionTuning): Promise<WatcherUnderTest> {
  const watcher = new PipelineWatcher(settings, store, tuning);
  const losses: string[] = [];
  watcher.onDidChangeState((s) => {
    if (s.kind === 'reconnecting' || s.kind === 'failed') losses.push(problemText(s.problem));
  });
  const reconciled = new Promise<ReconcileReport>((r) => {
    const d = watcher.onDidReconcile((report) => {
      d.dispose();
      r(report);
    });
  });
  watcher.start();
  const reconcile = await withTimeout(reconciled, 30_000, 'watcher start → first reconcile');
  return { watcher, store, losses, reconcile };
}

/** The watcher's subscriber socket (TdtpConnection's private `current` attempt; reached into for the drain rounds only). */
export function subscriberSocket(watcher: PipelineWatcher): { pause(): void; resume(): void } {
  const attempt = (watcher.connection as unknown as { current?: { subscriber: Redis } }).current;
  if (!attempt) throw new Error('watcher has no connection attempt');
  return (attempt.subscriber as unknown as { stream: { pause(): void; resume(): void } }).stream;
}
