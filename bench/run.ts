// TDTP Pipeline Viewer benchmark. `npm run bench` (full, ~2 min on 2 cores) or `npm run bench -- --quick`
// (seconds; CI). Prints one Markdown table; `--write-report` also replaces the generated section of
// BENCHMARKS.md with it. It reports and never asserts: the exit code says only whether it ran.
//
// Options: --quick  --write-report  --only=ceiling,latency,burst,memory,reconcile,footprint,workspace,alerts,history,recorder,flood,cli,tree,orchestrator,hostflood
//          --no-build (footprint: measure the existing dist/ instead of a fresh production build)
//          --only=ingest runs only the ingest rounds and prints them, for profiling:
//            node --cpu-prof --cpu-prof-dir=/tmp/prof --import tsx bench/run.ts --only=ingest
//
// Everything runs against a redis-server of its own (a free loopback port, no persistence) with a
// load generator in a separate process (bench/publisher.ts). See BENCHMARKS.md for the method.
import { ChildProcess, fork, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, release, tmpdir, totalmem } from 'node:os';
import { join, resolve } from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import Redis from 'ioredis';
import { ConnectionTuning } from '../src/core/connection';
import { problemText } from '../src/cli/problemText';
import { parseConnectionSettings, ConnectionSettings } from '../src/core/settings';
import { PipelineStore } from '../src/core/store';
import { DEFAULT_LIMITS } from '../src/core/storeLimits';
import type { RunRecord } from '../src/core/runs';
import { PipelineWatcher, ReconcileReport } from '../src/core/watcher';
import { PipelineRun, decodeMessage } from '../src/core/decode';
import { KeySpace } from '../src/core/keySpace';
import { RedisServer, redisServerBinary, startRedis } from '../test/support/redisServer';
import { PREFIX, STAMP_FIELD, monoMicros, payloadPool } from './payloads';
import type { PublisherCommand, PublisherReply } from './publisher';
import type { MemoryCommand, MemoryReply } from './memory';
import { measureWorkspaceIndex } from './workspace';
import { measureHostilePipelineFiles } from './hostileYaml';
import { Consumer, ConsumerRound, DrainDriver, drainConsumer, findPythonWorker } from './cli';
import { measureAlertRules } from './alerts';
import { measureActivation, measureFloodJournal, measureGrowth, measureJournal, measureStreams } from './history';
import { measureFlood } from './flood';
import { measureRecorderCeiling } from './recorder';
import { measureHostFlood } from './hostFlood';
import { measureTreeRefresh } from './treeRefresh';
import { measureOrchestratorPolling } from './orchestrator';
import { chromiumPath, measurePanelRender } from './panelRender';

const ROOT = resolve(__dirname, '..');
const argv = process.argv.slice(2);
const QUICK = argv.includes('--quick');
const WRITE_REPORT = argv.includes('--write-report');
const NO_BUILD = argv.includes('--no-build');
const ONLY = new Set((argv.find((a) => a.startsWith('--only='))?.slice('--only='.length) ?? '').split(',').filter(Boolean));
const TSX_EXEC_ARGV = ['--import', 'tsx'];

const CONFIG = QUICK
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
const NAMES = 1_000;
const POOL_SIZE = 5_000;
const BURST_RATE = 50_000;
const DEFAULT_PUBSUB_LIMIT = 'pubsub 33554432 8388608 60';
/**
 * For the backlog-drain rounds only: a subscriber that is paused on purpose must not be declared
 * stalled by the heartbeat while its PONG waits behind the backlog (see BENCHMARKS.md).
 */
const DRAIN_TUNING: ConnectionTuning = { heartbeatTimeoutMs: 600_000 };

// ---------------------------------------------------------------------------------------------
// Small helpers

function want(section: string): boolean {
  return ONLY.size === 0 || ONLY.has(section);
}

function log(message: string): void {
  process.stderr.write(`[bench] ${message}\n`);
}

interface Stat {
  median: number;
  min: number;
  max: number;
  n: number;
}

function stat(values: number[]): Stat {
  const sorted = [...values].sort((a, b) => a - b);
  const n = sorted.length;
  const median = n === 0 ? NaN : n % 2 ? sorted[(n - 1) / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2;
  return { median, min: sorted[0] ?? NaN, max: sorted[n - 1] ?? NaN, n };
}

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[rank];
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
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
class Counter {
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
// The publisher process

class Publisher {
  private readonly child: ChildProcess;
  private pending: { resolve: (r: PublisherReply) => void; reject: (e: Error) => void } | undefined;

  constructor() {
    this.child = fork(join(__dirname, 'publisher.ts'), [], { execArgv: TSX_EXEC_ARGV, stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
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

// ---------------------------------------------------------------------------------------------
// The watcher under test

interface WatcherUnderTest {
  watcher: PipelineWatcher;
  store: PipelineStore;
  /** Connection losses (state `reconnecting` or `failed`) seen since start. */
  losses: string[];
  reconcile: ReconcileReport;
}

async function startWatcher(settings: ConnectionSettings, store: PipelineStore, tuning?: ConnectionTuning): Promise<WatcherUnderTest> {
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
function subscriberSocket(watcher: PipelineWatcher): { pause(): void; resume(): void } {
  const attempt = (watcher.connection as unknown as { current?: { subscriber: Redis } }).current;
  if (!attempt) throw new Error('watcher has no connection attempt');
  return (attempt.subscriber as unknown as { stream: { pause(): void; resume(): void } }).stream;
}

// ---------------------------------------------------------------------------------------------
// Rows of the table

type Verdict = 'pass' | 'miss' | 'info';

interface Row {
  id: string;
  what: string;
  median: string;
  min: string;
  max: string;
  target: string;
  verdict: Verdict;
}

const rows: Row[] = [];
const notes: string[] = [];

function fmtRate(v: number): string {
  return Number.isFinite(v) ? `${Math.round(v).toLocaleString('en-US')} ev/s` : 'n/a';
}
function fmtMs(v: number, digits = 1): string {
  return Number.isFinite(v) ? `${v.toFixed(digits)} ms` : 'n/a';
}
function fmtMB(bytes: number): string {
  return Number.isFinite(bytes) ? `${(bytes / 1024 / 1024).toFixed(1)} MB` : 'n/a';
}
function fmtKB(bytes: number): string {
  return Number.isFinite(bytes) ? `${(bytes / 1024).toFixed(1)} KB` : 'n/a';
}
function fmtX(v: number): string {
  return Number.isFinite(v) ? `${v.toFixed(2)}×` : 'n/a';
}
function fmtPct(v: number): string {
  return Number.isFinite(v) ? `${v >= 0 ? '+' : ''}${v.toFixed(1)} %` : 'n/a';
}

function addRow(id: string, what: string, s: Stat | number, fmt: (v: number) => string, target?: { text: string; ok: (median: number) => boolean }): void {
  const st = typeof s === 'number' ? { median: s, min: NaN, max: NaN, n: 1 } : s;
  const single = typeof s === 'number' || st.n <= 1;
  rows.push({
    id,
    what,
    median: fmt(st.median),
    min: single ? '' : fmt(st.min),
    max: single ? '' : fmt(st.max),
    target: target?.text ?? '',
    verdict: !target ? 'info' : Number.isFinite(st.median) && target.ok(st.median) ? 'pass' : 'miss',
  });
}

function addTextRow(id: string, what: string, value: string, target = '', verdict: Verdict = 'info'): void {
  rows.push({ id, what, median: value, min: '', max: '', target, verdict });
}

function renderTable(): string {
  const head = ['#', 'Measurement', 'Median', 'Min', 'Max', 'Target', ''];
  const mark = (v: Verdict) => (v === 'pass' ? 'met' : v === 'miss' ? '**MISSED**' : '');
  const lines = [`| ${head.join(' | ')} |`, `|${head.map(() => '---').join('|')}|`];
  for (const r of rows) lines.push(`| ${r.id} | ${r.what} | ${r.median} | ${r.min} | ${r.max} | ${r.target} | ${mark(r.verdict)} |`);
  return lines.join('\n');
}

// ---------------------------------------------------------------------------------------------
// 1 + 2: ceiling and ingest, by backlog drain

interface DrainResult {
  /** Events per second of wall time, resume → last event. */
  rate: number;
  /** CPU time (all threads of this process: JS, GC helpers, I/O) per event, µs. */
  cpuUs: number;
  publishRate: number;
}

async function drainRound(pub: Publisher, pause: () => void, resume: () => void, counter: Counter): Promise<DrainResult> {
  const n = CONFIG.drainEvents;
  const before = counter.count;
  pause();
  const sent = await pub.send({ op: 'burst', count: n, withState: true });
  if (sent.errors) throw new Error(`publisher saw ${sent.errors} error replies`);
  // Every command has been executed by Redis: the whole burst waits in the subscriber's output
  // buffer and socket. Time how long the subscriber needs to consume it.
  const t0 = performance.now();
  const cpu0 = process.cpuUsage();
  const done = counter.until(before + n);
  resume();
  const t1 = await withTimeout(done, 120_000, `draining ${n} events (received ${counter.count - before})`);
  const cpu = process.cpuUsage(cpu0);
  return { rate: (n / (t1 - t0)) * 1000, cpuUs: (cpu.user + cpu.system) / n, publishRate: (n / sent.elapsedMs) * 1000 };
}

async function ceilingRound(port: number, pub: Publisher, variant: 'buffer' | 'string'): Promise<DrainResult> {
  const sub = new Redis({ host: '127.0.0.1', port, lazyConnect: true, connectionName: 'bench-ceiling' });
  sub.on('error', () => {});
  await sub.connect();
  await sub.psubscribe(`${PREFIX}:*`);
  const counter = new Counter();
  // Counts only what parsed to an object, so the parse cannot be optimised away.
  if (variant === 'buffer') {
    sub.on('pmessageBuffer', (_p: Buffer, _c: Buffer, message: Buffer) => {
      if (JSON.parse(message.toString()) !== null) counter.tick();
    });
  } else {
    sub.on('pmessage', (_p: string, _c: string, message: string) => {
      if (JSON.parse(message) !== null) counter.tick();
    });
  }
  const stream = (sub as unknown as { stream: { pause(): void; resume(): void } }).stream;
  try {
    return await drainRound(pub, () => stream.pause(), () => stream.resume(), counter);
  } finally {
    sub.disconnect();
  }
}

async function ingestRound(settings: ConnectionSettings, pub: Publisher): Promise<DrainResult & { losses: number; changes: number }> {
  const store = new PipelineStore();
  const w = await startWatcher(settings, store, DRAIN_TUNING);
  const counter = new Counter();
  store.onDidAddRun(() => counter.tick());
  let changes = 0;
  store.onDidChange(() => changes++);
  const socket = subscriberSocket(w.watcher);
  try {
    const r = await drainRound(pub, () => socket.pause(), () => socket.resume(), counter);
    return { ...r, losses: w.losses.length, changes };
  } finally {
    w.watcher.dispose();
    store.dispose();
  }
}

async function measureThroughput(redis: RedisServer, settings: ConnectionSettings, pub: Publisher): Promise<void> {
  log(`1+2 ceiling vs ingest: ${CONFIG.drainRounds} rounds of ${CONFIG.drainEvents.toLocaleString('en-US')} events each (+1 warm-up)`);
  const admin = await redis.client();
  await admin.config('SET', 'client-output-buffer-limit', 'pubsub 0 0 0');
  try {
    // Warm-up (JIT, connections, Redis allocations); which bare variant is faster is decided here.
    const warmBuf = await ceilingRound(redis.port, pub, 'buffer');
    const warmStr = await ceilingRound(redis.port, pub, 'string');
    const variant = warmBuf.rate >= warmStr.rate ? 'buffer' : 'string';
    await ingestRound(settings, pub);
    const ceiling: number[] = [];
    const ingest: number[] = [];
    const ratios: number[] = [];
    const ceilingCpu: number[] = [];
    const ingestCpu: number[] = [];
    const cpuRatios: number[] = [];
    const publishRates: number[] = [];
    let losses = 0;
    for (let i = 0; i < CONFIG.drainRounds; i++) {
      // Alternate the order so drift (thermal, other tenants) hits both sides alike.
      const c = i % 2 === 0 ? await ceilingRound(redis.port, pub, variant) : undefined;
      const g = await ingestRound(settings, pub);
      const c2 = c ?? (await ceilingRound(redis.port, pub, variant));
      ceiling.push(c2.rate);
      ingest.push(g.rate);
      ratios.push(g.rate / c2.rate);
      ceilingCpu.push(c2.cpuUs);
      ingestCpu.push(g.cpuUs);
      cpuRatios.push(c2.cpuUs / g.cpuUs);
      publishRates.push(c2.publishRate, g.publishRate);
      losses += g.losses;
      log(`  round ${i + 1}: ceiling ${fmtRate(c2.rate)} (${c2.cpuUs.toFixed(2)} µs CPU/event), ingest ${fmtRate(g.rate)} (${g.cpuUs.toFixed(2)} µs CPU/event): ${fmtX(g.rate / c2.rate)}`);
    }
    const cs = stat(ceiling);
    const gs = stat(ingest);
    addRow('1', `Ceiling: bare ioredis PSUBSCRIBE, counts + JSON.parse (\`${variant === 'buffer' ? 'pmessageBuffer' : 'pmessage'}\`), backlog drain`, cs, fmtRate);
    addRow('2', 'Ingest: PipelineWatcher → decode, validate, DQ, store, history, change event; backlog drain', gs, fmtRate);
    const ratio = gs.median / cs.median;
    const rs = stat(ratios);
    rows.push({ id: '2r', what: 'Ingest ÷ ceiling (median ÷ median; min/max per round)', median: fmtX(ratio), min: fmtX(rs.min), max: fmtX(rs.max), target: '≥ 0.80×', verdict: ratio >= 0.8 ? 'pass' : 'miss' });
    const us = (v: number) => `${v.toFixed(2)} µs`;
    addRow('1c', 'Ceiling: CPU time of the subscribing process per event', stat(ceilingCpu), us);
    addRow('2c', 'Ingest: CPU time of the watching process per event', stat(ingestCpu), us);
    const cpuRatio = stat(ceilingCpu).median / stat(ingestCpu).median;
    const crs = stat(cpuRatios);
    rows.push({ id: '2rc', what: 'Ingest ÷ ceiling by CPU cost (ceiling µs ÷ ingest µs; less disturbed by other load)', median: fmtX(cpuRatio), min: fmtX(crs.min), max: fmtX(crs.max), target: '(≥ 0.80×)', verdict: 'info' });
    addRow('1p', 'Publisher send rate (SET+PUBLISH, pipelined), for reference', stat(publishRates), fmtRate);
    if (losses) notes.push(`Ingest rounds: the watcher lost its connection ${losses} time(s).`);
  } finally {
    await admin.config('SET', 'client-output-buffer-limit', DEFAULT_PUBSUB_LIMIT);
  }
}

/** `--only=ingest`: ingest rounds alone, nothing in the table; for `node --cpu-prof`. */
async function profileIngest(redis: RedisServer, settings: ConnectionSettings, pub: Publisher): Promise<void> {
  const admin = await redis.client();
  await admin.config('SET', 'client-output-buffer-limit', 'pubsub 0 0 0');
  try {
    for (let i = 0; i <= CONFIG.drainRounds; i++) {
      const g = await ingestRound(settings, pub);
      log(`  ingest round ${i}: ${fmtRate(g.rate)}, ${g.cpuUs.toFixed(2)} µs CPU/event`);
    }
  } finally {
    await admin.config('SET', 'client-output-buffer-limit', DEFAULT_PUBSUB_LIMIT);
  }
}

// ---------------------------------------------------------------------------------------------
// 3: latency at a paced rate

async function latencyRound(settings: ConnectionSettings, pub: Publisher, rate: number, durationMs: number): Promise<{ p50: number; p99: number; max: number; losses: number }> {
  const store = new PipelineStore();
  const w = await startWatcher(settings, store);
  const latencies: number[] = [];
  const counter = new Counter();
  store.onDidAddRun((rec: RunRecord) => {
    const sent = rec.run.result[STAMP_FIELD];
    if (typeof sent === 'number') latencies.push(monoMicros() - sent);
    counter.tick();
  });
  try {
    const sent = await pub.send({ op: 'paced', rate, durationMs, withState: true });
    await withTimeout(counter.until(sent.events), 30_000, `latency @${rate}: received ${counter.count} of ${sent.events}`);
    latencies.sort((a, b) => a - b);
    return { p50: percentile(latencies, 50) / 1000, p99: percentile(latencies, 99) / 1000, max: latencies[latencies.length - 1] / 1000, losses: w.losses.length };
  } finally {
    w.watcher.dispose();
    store.dispose();
  }
}

async function measureLatency(settings: ConnectionSettings, pub: Publisher): Promise<void> {
  for (const rate of [1_000, 10_000]) {
    log(`3 latency @ ${rate.toLocaleString('en-US')} ev/s: ${CONFIG.latencyRounds} round(s) of ${CONFIG.latencyMs} ms`);
    await latencyRound(settings, pub, rate, Math.min(500, CONFIG.latencyMs)); // warm-up
    const p50: number[] = [];
    const p99: number[] = [];
    for (let i = 0; i < CONFIG.latencyRounds; i++) {
      const r = await latencyRound(settings, pub, rate, CONFIG.latencyMs);
      p50.push(r.p50);
      p99.push(r.p99);
      if (r.losses) notes.push(`Latency @${rate}: connection lost ${r.losses} time(s).`);
      log(`  round ${i + 1}: p50 ${fmtMs(r.p50, 2)}, p99 ${fmtMs(r.p99, 2)}, max ${fmtMs(r.max, 2)}`);
    }
    const k = rate === 1_000 ? '1,000' : '10,000';
    addRow(`3${rate === 1_000 ? 'a' : 'c'}`, `Latency publish → store.onDidAddRun, p50 @ ${k} ev/s`, stat(p50), (v) => fmtMs(v, 2));
    addRow(
      `3${rate === 1_000 ? 'b' : 'd'}`,
      `Latency publish → store.onDidAddRun, p99 @ ${k} ev/s`,
      stat(p99),
      (v) => fmtMs(v, 2),
      rate === 1_000 ? { text: '≤ 50 ms', ok: (v) => v <= 50 } : undefined,
    );
  }
}

// ---------------------------------------------------------------------------------------------
// 4: view updates and event-loop delay in a 50,000 ev/s burst

async function burstRound(settings: ConnectionSettings, pub: Publisher): Promise<{ updatesPerS: number; eldP99: number; recvRate: number; latP99: number; losses: number }> {
  const store = new PipelineStore();
  const w = await startWatcher(settings, store);
  const counter = new Counter();
  const latencies: number[] = [];
  let firstAt = 0;
  store.onDidAddRun((rec: RunRecord) => {
    if (counter.count === 0) firstAt = performance.now();
    const sent = rec.run.result[STAMP_FIELD];
    if (typeof sent === 'number') latencies.push(monoMicros() - sent);
    counter.tick();
  });
  // A stand-in for the views: each notification re-reads what a tree view renders.
  let updates = 0;
  let viewMs = 0;
  store.onDidChange(() => {
    if (counter.count === 0) return; // the notification of the initial reconcile
    const t = performance.now();
    updates++;
    store.list();
    store.counts();
    viewMs += performance.now() - t;
  });
  const eld = monitorEventLoopDelay({ resolution: 5 });
  try {
    eld.enable();
    const sent = await pub.send({ op: 'paced', rate: BURST_RATE, durationMs: CONFIG.burstMs, withState: true });
    const lastAt = await withTimeout(counter.until(sent.events), 60_000, `burst: received ${counter.count} of ${sent.events}`);
    eld.disable();
    // Count the notifications of the burst itself: let the last coalesced one fire.
    await sleep(150);
    const spanS = (lastAt - firstAt) / 1000;
    latencies.sort((a, b) => a - b);
    if (viewMs / updates > 20) notes.push(`Burst: the stand-in view refresh took ${(viewMs / updates).toFixed(1)} ms each.`);
    return { updatesPerS: updates / spanS, eldP99: eld.percentile(99) / 1e6, recvRate: counter.count / spanS, latP99: percentile(latencies, 99) / 1000, losses: w.losses.length };
  } finally {
    eld.disable();
    w.watcher.dispose();
    store.dispose();
  }
}

async function measureBurst(settings: ConnectionSettings, pub: Publisher): Promise<void> {
  log(`4 burst @ ${BURST_RATE.toLocaleString('en-US')} ev/s: ${CONFIG.burstRounds} round(s) of ${CONFIG.burstMs} ms`);
  const updates: number[] = [];
  const eld: number[] = [];
  const recv: number[] = [];
  const lat: number[] = [];
  for (let i = 0; i < CONFIG.burstRounds; i++) {
    const r = await burstRound(settings, pub);
    updates.push(r.updatesPerS);
    eld.push(r.eldP99);
    recv.push(r.recvRate);
    lat.push(r.latP99);
    if (r.losses) notes.push(`Burst: connection lost ${r.losses} time(s).`);
    log(`  round ${i + 1}: ${r.updatesPerS.toFixed(1)} updates/s, loop delay p99 ${fmtMs(r.eldP99)}, received ${fmtRate(r.recvRate)}, latency p99 ${fmtMs(r.latP99)}`);
  }
  addRow('4a', `View updates (store.onDidChange, default coalescing) per second during a ${BURST_RATE.toLocaleString('en-US')} ev/s burst`, stat(updates), (v) => `${v.toFixed(1)} /s`, { text: '≤ ~10 /s', ok: (v) => v <= 10.5 });
  addRow('4b', 'Event-loop delay p99 during the burst (monitorEventLoopDelay, 5 ms resolution)', stat(eld), fmtMs, { text: '≤ 50 ms', ok: (v) => v <= 50 });
  addRow('4c', 'Receive rate achieved during the burst (first → last event)', stat(recv), fmtRate);
  addRow('4d', 'Latency publish → store p99 during the burst', stat(lat), fmtMs);
}

// ---------------------------------------------------------------------------------------------
// 5: memory (separate process)

function memoryRound(): Promise<MemoryReply> {
  return new Promise((resolvePromise, reject) => {
    const child = fork(join(__dirname, 'memory.ts'), [], { execArgv: ['--expose-gc', ...TSX_EXEC_ARGV], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    child.once('message', (m: MemoryReply | { error: string }) => ('error' in m ? reject(new Error(m.error)) : resolvePromise(m)));
    child.once('exit', (code) => code !== 0 && reject(new Error(`memory child exited with ${code}`)));
    const cmd: MemoryCommand = { checkpoints: CONFIG.memoryCheckpoints, names: NAMES, poolSize: POOL_SIZE, noHistoryEvents: CONFIG.memoryCheckpoints[0] };
    child.send(cmd);
  });
}

async function measureMemory(): Promise<void> {
  const [a, b] = CONFIG.memoryCheckpoints;
  log(`5 memory: ${CONFIG.memoryRounds} round(s) of ${b.toLocaleString('en-US')} events in a fresh process`);
  const at1: number[] = [];
  const at2: number[] = [];
  const growth: number[] = [];
  const base: number[] = [];
  const rate: number[] = [];
  const rate1: number[] = [];
  const perRun: number[] = [];
  for (let i = 0; i < CONFIG.memoryRounds; i++) {
    const r = await memoryRound();
    perRun.push(r.bytesPerKeptRun);
    rate1.push(r.noHistoryEventsPerSecond);
    base.push(r.baselineHeap);
    at1.push(r.heapAt[0]);
    at2.push(r.heapAt[1]);
    growth.push(((r.heapAt[1] - r.heapAt[0]) / r.heapAt[0]) * 100);
    rate.push(r.eventsPerSecond);
    if (r.rejected) notes.push(`Memory: ${r.rejected} payloads were rejected (unexpected).`);
    log(`  round ${i + 1}: baseline ${fmtMB(r.baselineHeap)}, ${fmtMB(r.heapAt[0])} → ${fmtMB(r.heapAt[1])}; ${r.pipelines} pipelines × ${r.historyLength} history; ${fmtRate(r.eventsPerSecond)} (history 1: ${fmtRate(r.noHistoryEventsPerSecond)})`);
  }
  const ka = a >= 1e6 ? `${a / 1e6}M` : `${a / 1e3}k`;
  const kb = b >= 1e6 ? `${b / 1e6}M` : `${b / 1e3}k`;
  addRow('5a', `Heap used after GC, ${ka} events over ${NAMES.toLocaleString('en-US')} result_names, history 100 (in-process decodeMessage + addRun)`, stat(at1), fmtMB, { text: '≤ 100 MB', ok: (v) => v <= 100 * 1024 * 1024 });
  addRow('5b', `Heap used after GC, ${kb} events (same store)`, stat(at2), fmtMB);
  addRow('5c', `Heap growth ${ka} → ${kb}`, stat(growth), fmtPct, { text: '≤ +10 %', ok: (v) => v <= 10 });
  addRow('5d', 'Heap used after GC before the store existed (process baseline)', stat(base), fmtMB);
  addRow('5e', 'In-process decodeMessage + addRun rate (no socket), history 100, for reference', stat(rate), fmtRate);
  addRow('5f', '… the same with historySize 1: the gap to 5e is the GC cost of keeping 100 runs per pipeline', stat(rate1), fmtRate);
  addRow('5g', 'Heap per kept run after GC, 5,000 pipelines × 100 runs (the defaults full; bench/memory.ts)', stat(perRun), (v) => `${Math.round(v)} B`, { text: '≤ 250 B', ok: (v) => v <= 250 });
}

// ---------------------------------------------------------------------------------------------
// 6: reconcile

async function bareScanMget(port: number): Promise<{ ms: number; keys: number }> {
  const t0 = performance.now();
  const client = new Redis({ host: '127.0.0.1', port, lazyConnect: true, connectionName: 'bench-bare-scan' });
  client.on('error', () => {});
  await client.connect();
  let keys = 0;
  let cursor = '0';
  do {
    const [next, found] = await client.scan(cursor, 'MATCH', `${PREFIX}:*:state`, 'COUNT', 1000);
    cursor = next;
    if (found.length) {
      const values = await client.mgetBuffer(...found);
      for (const v of values) if (v !== null && JSON.parse(v.toString()) !== null) keys++;
    }
  } while (cursor !== '0');
  const ms = performance.now() - t0;
  client.disconnect();
  return { ms, keys };
}

async function measureReconcile(redis: RedisServer, settings: ConnectionSettings, pub: Publisher): Promise<void> {
  const n = CONFIG.reconcileKeys;
  log(`6 reconcile: ${n.toLocaleString('en-US')} state keys, ${CONFIG.reconcileRounds} rounds each`);
  const admin = await redis.client();
  await admin.flushall();
  const seeded = await pub.send({ op: 'seed', count: n, stem: 'RECON_' });
  if (seeded.errors) throw new Error('seeding failed');
  const watcherMs: number[] = [];
  const ownMs: number[] = [];
  const bareMs: number[] = [];
  const ratios: number[] = [];
  const once = async () => {
    const store = new PipelineStore();
    const t0 = performance.now();
    const w = await startWatcher(settings, store);
    const ms = performance.now() - t0;
    const report = w.reconcile;
    w.watcher.dispose();
    store.dispose();
    if (report.keys !== n || report.added !== n) throw new Error(`reconcile found ${report.keys} keys, added ${report.added}`);
    return { ms, own: report.durationMs };
  };
  await once();
  await bareScanMget(redis.port); // warm-up
  for (let i = 0; i < CONFIG.reconcileRounds; i++) {
    const first = i % 2 === 0;
    const b1 = first ? await bareScanMget(redis.port) : undefined;
    const w = await once();
    const b = b1 ?? (await bareScanMget(redis.port));
    if (b.keys !== n) throw new Error(`bare scan found ${b.keys}`);
    watcherMs.push(w.ms);
    ownMs.push(w.own);
    bareMs.push(b.ms);
    ratios.push(w.ms / b.ms);
    log(`  round ${i + 1}: watcher ${fmtMs(w.ms)} (reconcile itself ${w.own} ms), bare ${fmtMs(b.ms)}`);
  }
  const ws = stat(watcherMs);
  const bs = stat(bareMs);
  addRow('6a', `Reconcile ${n.toLocaleString('en-US')} state keys: watcher.start() → onDidReconcile (connect ×2, PING, PSUBSCRIBE, SCAN+MGET, decode, store)`, ws, fmtMs);
  addRow('6b', 'Bare ioredis: connect, SCAN MATCH COUNT 1000 + MGET per page, JSON.parse', bs, fmtMs);
  const ratio = ws.median / bs.median;
  const rs = stat(ratios);
  rows.push({ id: '6r', what: 'Watcher ÷ bare (median ÷ median; min/max per round)', median: fmtX(ratio), min: fmtX(rs.min), max: fmtX(rs.max), target: '≤ 1.5×', verdict: ratio <= 1.5 ? 'pass' : 'miss' });
  addRow('6c', "Reconcile alone (the watcher's ReconcileReport.durationMs, 1 ms resolution)", stat(ownMs), (v) => fmtMs(v, 0));
  await admin.flushall();
}

/**
 * The store's side of a refresh after a reconnect, in-process: every state key is read again and
 * addRun('recovered') must tell a run the history already holds from a new one. 1,000 pipelines
 * with full histories (100 runs each); once with every key unchanged, once with every key new.
 */
function measureRefreshDedupe(): void {
  const names = NAMES;
  const rounds = QUICK ? 1 : 3;
  log(`6 refresh dedupe: ${names.toLocaleString('en-US')} pipelines × 100 runs, ${rounds} round(s)`);
  const keys = new KeySpace(PREFIX);
  const runs: PipelineRun[] = [];
  for (const e of payloadPool(names, 101 * names)) {
    const outcome = decodeMessage(keys, e.channel, Buffer.from(e.json, 'utf8'));
    if (outcome.kind === 'run') runs.push(outcome.run);
  }
  if (runs.length !== 101 * names) throw new Error('refresh fixture: a payload was rejected');
  const known: number[] = [];
  const fresh: number[] = [];
  for (let r = 0; r <= rounds; r++) {
    const store = new PipelineStore();
    for (let i = 0; i < 100 * names; i++) store.addRun(runs[i], 'live');
    let t = performance.now();
    for (let i = 99 * names; i < 100 * names; i++) store.addRun(runs[i], 'recovered');
    const k = performance.now() - t;
    t = performance.now();
    for (let i = 100 * names; i < 101 * names; i++) store.addRun(runs[i], 'recovered');
    const f = performance.now() - t;
    store.dispose();
    if (r === 0) continue; // warm-up
    known.push(k);
    fresh.push(f);
  }
  addRow('6d', `Refresh, store side: addRun('recovered') of ${names.toLocaleString('en-US')} state keys, histories full (100 runs), every key unchanged`, stat(known), fmtMs);
  addRow('6e', '… the same with every key holding a run not seen yet (whole history compared)', stat(fresh), fmtMs);
}

// ---------------------------------------------------------------------------------------------
// 8: the workspace's pipeline files (bench/workspace.ts)

/** Section 11: a flood of distinct failed names (issue 11): the store's heap and a poll's wait. */
async function measureFloodRows(port: number): Promise<void> {
  const events = QUICK ? 40_000 : 200_000;
  const rate = 20_000;
  log(`flood: ${events} failed events over ${events} distinct channels at ${rate}/s`);
  const f = await measureFlood(port, events, rate);
  const polls = [...f.pollMs].sort((a, b) => a - b);
  addTextRow('11a', `Flood: heap of the watcher's process after ${events.toLocaleString('en')} distinct failed names (before the flood → after, GC forced)`, `${fmtMB(f.heapBeforeBytes)} → ${fmtMB(f.heapAfterBytes)}`, 'bounded');
  addTextRow('11b', `Flood: pipelines kept (limit ${DEFAULT_LIMITS.maxPipelines.toLocaleString('en')}), dropped, normal pipelines kept`, `${f.pipelinesKept.toLocaleString('en')}, ${f.evicted.toLocaleString('en')}, ${f.normalKept}/${f.normalTotal}`, 'all normal kept', f.normalKept === f.normalTotal ? 'pass' : 'miss');
  rows.push({ id: '11c', what: `Flood: a poll's wait while ${rate.toLocaleString('en')} events/s arrive (p50; min/max over ${polls.length} polls)`, median: fmtMs(percentile(polls, 50)), min: fmtMs(polls[0] ?? NaN), max: fmtMs(polls[polls.length - 1] ?? NaN), target: '≤ 2 s', verdict: (polls[polls.length - 1] ?? Infinity) <= 2000 ? 'pass' : 'miss' });
  addTextRow('11d', 'Flood: events received / sent; publish time; longest event-loop stall', `${f.received.toLocaleString('en')} / ${f.events.toLocaleString('en')}; ${(f.publishMs / 1000).toFixed(1)} s; ${fmtMs(f.eventLoopMaxMs)}`);
}

/** Section 11e-11g: the same flood in the real extension host (bench/hostFlood.ts; full mode only, 2-3 min). */
function measureHostFloodRows(): void {
  log('11e host flood: the ring-2 flood test in code-server (200,000 names at 20,000/s)');
  const f = measureHostFlood(ROOT);
  addTextRow('11e', `Flood in the extension host (code-server): resident memory before → highest → after (${f.events.toLocaleString('en')} names at ${f.rate.toLocaleString('en')}/s)`, `${fmtMB(f.rssBeforeBytes)} → ${fmtMB(f.rssMaxBytes)} → ${fmtMB(f.rssAfterBytes)}`, '≤ 400 MB', f.rssMaxBytes <= 400 * 1024 * 1024 ? 'pass' : 'miss');
  addTextRow('11f', `Flood in the extension host: the longest wait for a poll (${f.polls} polls)`, fmtMs(f.longestWaitMs), '≤ 2 s', f.longestWaitMs <= 2000 ? 'pass' : 'miss');
  addTextRow('11g', 'Flood in the extension host: events that reached the model / sent; reconnects (Redis dropped the subscriber for falling behind); pipelines kept, dropped', `${f.received.toLocaleString('en')} / ${f.events.toLocaleString('en')}; ${f.reconnects}; ${f.pipelines.toLocaleString('en')}, ${f.evicted.toLocaleString('en')}`, 'test passed', f.passed ? 'pass' : 'miss');
}

/** Section 13: a root refresh of the Pipelines tree with 5,000 pipelines (bench/treeRefresh.ts). */
async function measureTreeRows(): Promise<void> {
  const rounds = QUICK ? 10 : 30;
  log(`13 tree refresh: 5,000 pipelines, ${rounds} rounds`);
  const f = await measureTreeRefresh(5000, 2, rounds);
  addRow('13a', `Tree: a root refresh with ${f.rows.toLocaleString('en')} pipelines (getChildren + getTreeItem of every row)`, stat(f.refreshMs), (v) => fmtMs(v), { text: '≤ 20 ms', ok: (v) => v <= 20 });
  addRow('13b', '… the same in CPU time of the process (what a busy machine does not stretch)', stat(f.cpuMs), (v) => fmtMs(v));
  addTextRow('13c', 'Tree: the rows of one refresh as sent to the window (JSON)', fmtMB(f.itemBytes));
}

/** Section 14: the orchestrator's polling (bench/orchestrator.ts): CPU per refresh of a job list, and requests per minute. */
async function measureOrchestratorRows(): Promise<void> {
  const rounds = QUICK ? 3 : 15;
  log(`14 orchestrator polling: 100 and 500 jobs with 64 KiB logs, ${rounds} rounds`);
  for (const [row, jobs] of [['14a', 100], ['14b', 500]] as const) {
    const f = await measureOrchestratorPolling(jobs, rounds);
    addRow(row, `Orchestrator: CPU per refresh of ${jobs} jobs (${fmtMB(f.answerBytes)} of JSON: parse + normalize + diff)`, stat(f.refreshCpuMs), (v) => fmtMs(v));
    if (jobs === 500) addTextRow('14c', 'Orchestrator: requests per minute with a job running: nobody looks / view visible and focused / server down for an hour', `${f.idlePerMinute.toFixed(1)} / ${f.busyPerMinute.toFixed(1)} / ${f.failingPerMinute.toFixed(2)}`);
  }
}

// ---------------------------------------------------------------------------------------------
// 12: tdtp-watch against the framework's Python worker (bench/cli.ts)

async function measureCli(redis: RedisServer, pub: Publisher): Promise<void> {
  const worker = findPythonWorker();
  if ('missing' in worker) {
    addTextRow('12', "tdtp-watch ÷ the framework's Python worker (example 07)", `not run: ${worker.missing}`, '≥ 3×', 'miss');
    return;
  }
  const events = QUICK ? 30_000 : 100_000;
  const rounds = QUICK ? 2 : 5;
  log(`12 tdtp-watch vs the Python worker (${worker.version}): ${events.toLocaleString('en-US')} events, ${rounds} alternating rounds, to a file and a pipe`);
  const build = spawnSync(process.execPath, ['scripts/build.mjs'], { cwd: ROOT, encoding: 'utf8' });
  if (build.status !== 0) throw new Error(`the build failed: ${build.stderr}`);
  const admin = await redis.client();
  await admin.config('SET', 'client-output-buffer-limit', 'pubsub 0 0 0');
  const driver: DrainDriver = {
    port: redis.port,
    publish: async (count) => {
      const sent = await pub.send({ op: 'burst', count, withState: true });
      if (sent.errors) throw new Error(`publisher saw ${sent.errors} error replies`);
    },
    numpat: async () => Number(await admin.call('PUBSUB', 'NUMPAT')),
    flush: async () => void (await admin.flushall()),
  };
  try {
    const us = (v: number) => `${v.toFixed(2)} µs`;
    for (const sink of ['file', 'pipe'] as const) {
      const got: Record<Consumer, ConsumerRound[]> = { python: [], text: [], json: [] };
      for (const consumer of ['python', 'text', 'json'] as const) await drainConsumer(driver, consumer, sink, Math.min(events, 10_000), worker.path); // warm-up
      for (let i = 0; i < rounds; i++) {
        const order: Consumer[] = i % 2 === 0 ? ['python', 'text', 'json'] : ['json', 'text', 'python'];
        for (const consumer of order) got[consumer].push(await drainConsumer(driver, consumer, sink, events, worker.path));
        log(`  ${sink} round ${i + 1}: ${order.map((c) => `${c} ${fmtRate(got[c][i].rate)} (${got[c][i].cpuUs.toFixed(1)} µs CPU)`).join(', ')}`);
      }
      const ids = sink === 'file' ? { python: '12p', text: '12a', json: '12c' } : { python: '12q', text: '12b', json: '12d' };
      const py = stat(got.python.map((r) => r.rate));
      addRow(ids.python, `Python worker (example 07, ${worker.version}, python3-redis) to a ${sink}: events printed per second, backlog drain`, py, fmtRate);
      for (const mode of ['text', 'json'] as const) {
        const rates = stat(got[mode].map((r) => r.rate));
        const ratio = rates.median / py.median;
        const perRound = stat(got[mode].map((r, k) => r.rate / got.python[k].rate));
        const cpu = stat(got.python.map((r) => r.cpuUs)).median / stat(got[mode].map((r) => r.cpuUs)).median;
        addRow(ids[mode], `tdtp-watch${mode === 'json' ? ' --json' : ''} (dist/tdtp-watch.js) to a ${sink}: events written per second, backlog drain`, rates, fmtRate);
        rows.push({ id: `${ids[mode]}r`, what: `… ÷ the Python worker (median ÷ median; min/max per round; by CPU per event ${fmtX(cpu)})`, median: fmtX(ratio), min: fmtX(perRound.min), max: fmtX(perRound.max), target: '≥ 3×', verdict: ratio >= 3 ? 'pass' : 'miss' });
        addRow(`${ids[mode]}c`, `… CPU of the tdtp-watch process per event (Python: ${us(stat(got.python.map((r) => r.cpuUs)).median)})`, stat(got[mode].map((r) => r.cpuUs)), us);
      }
    }
  } finally {
    await admin.config('SET', 'client-output-buffer-limit', DEFAULT_PUBSUB_LIMIT);
    admin.disconnect();
  }
}

async function measureWorkspace(): Promise<void> {
  const files = 2_000;
  const rounds = QUICK ? 2 : 5;
  log(`8 workspace index: ${files.toLocaleString('en-US')} YAML files, ${rounds} round(s)`);
  const results = [];
  for (let r = 0; r < rounds; r++) results.push(await measureWorkspaceIndex(files));
  addRow('8a', `Index ${files.toLocaleString('en-US')} YAML files (¾ pipelines, ¼ other YAML) from disk`, stat(results.map((x) => x.ms)), fmtMs, { text: '≤ 2,000 ms', ok: (m) => m <= 2000 });
  addRow('8b', '… the longest event-loop stall while indexing (the host stays responsive)', stat(results.map((x) => x.maxStallMs)), fmtMs, { text: '≤ 50 ms', ok: (m) => m <= 50 });
  addTextRow('8c', '… pipelines found', results[0].definitions.toLocaleString('en-US'));
  for (const row of measureHostilePipelineFiles(rounds)) addRow(row.id, row.what, stat(row.ms), (v) => fmtMs(v, 2));
}

// ---------------------------------------------------------------------------------------------
// 9: the alert rules (bench/alerts.ts)

function measureAlerts(): void {
  const events = QUICK ? 50_000 : 200_000;
  const rounds = QUICK ? 3 : 7;
  log(`9 alert rules: ${events.toLocaleString('en-US')} events over ${NAMES.toLocaleString('en-US')} pipelines, ${rounds} rounds each way`);
  const f = measureAlertRules(events, NAMES, rounds);
  const us = (v: number) => `${v.toFixed(2)} µs`;
  addRow('9a', 'In-process decode + store, CPU per event, without the alert rules', stat(f.withoutUs), us);
  addRow('9b', '… with them (AlertTracker.observe + the on-change policy for every run)', stat(f.withUs), us);
  const ratio = stat(f.withoutUs).median / stat(f.withUs).median;
  rows.push({ id: '9r', what: 'Ingest with the rules ÷ without (by CPU per event)', median: fmtX(ratio), min: '', max: '', target: '≥ 0.90×', verdict: ratio >= 0.9 ? 'pass' : 'miss' });
  addRow('9c', `One lateness check over ${f.pipelines.toLocaleString('en-US')} pipelines (the once-a-second timer)`, f.checkLateUs, us);
}

async function measurePanel(): Promise<void> {
  if (!chromiumPath()) {
    notes.push('Chromium is not installed: row 9d was skipped (apt-get install chromium).');
    return;
  }
  const rounds = QUICK ? 3 : 7;
  log(`9d detail panel first render: 1,000 runs in Chromium, ${rounds} round(s)`);
  const f = await measurePanelRender(1000, rounds);
  addRow('9d', 'Detail panel, first render with 1,000 runs: render() in Chromium (DOM, two uPlot charts, history table)', stat(f.renderMs), fmtMs, { text: '≤ 100 ms', ok: (m) => m <= 100 });
  addRow('9e', '… state posted → second animation frame (layout and paint included)', stat(f.frameMs), fmtMs);
}

// ---------------------------------------------------------------------------------------------
// 10: the history that survives restarts (bench/history.ts)

async function measureHistoryJournal(): Promise<void> {
  const events = QUICK ? 50_000 : 200_000;
  const rounds = QUICK ? 3 : 7;
  const pipelines = QUICK ? 200 : 1000;
  log(`10 persisted history: ${events.toLocaleString('en-US')} events each way, a journal of ${pipelines} pipelines × 100 runs, ${rounds} rounds`);
  const f = measureJournal(events, pipelines, 100, rounds);
  const us = (v: number) => `${v.toFixed(2)} µs`;
  addRow('10a', 'In-process decode + store, CPU per event, persistence off', stat(f.withoutUs), us);
  addRow('10b', '… persistence on (the journal appends every change; flushes included)', stat(f.withUs), us);
  const ratio = stat(f.withoutUs).median / stat(f.withUs).median;
  rows.push({ id: '10r', what: 'Ingest with persistence ÷ without (by CPU per event)', median: fmtX(ratio), min: '', max: '', target: '≥ 0.90×', verdict: ratio >= 0.9 ? 'pass' : 'miss' });
  addRow('10c', `Loading ${pipelines.toLocaleString('en-US')} pipelines × 100 runs from disk (activation)`, stat(f.loadMs), (v) => fmtMs(v), QUICK ? undefined : { text: '≤ 200 ms', ok: (v) => v <= 200 });
  addTextRow('10d', 'Journal bytes per 100,000 runs: compacted / as appended', `${fmtMB(f.bytesPer100k)} / ${fmtMB(f.appendBytesPer100k)}`);
  const [ap, ar] = QUICK ? [1000, 100] : [5000, 100];
  log(`10m activation: a journal of ${ap} pipelines × ${ar} runs loaded in slices`);
  const a = await measureActivation(ap, ar);
  const size = `${ap.toLocaleString('en-US')} × ${ar} runs, ${fmtMB(a.fileBytes)}`;
  addRow('10m', `Activation (${size}): longest block of the event loop while loading`, stat([a.longestBlockMs]), fmtMs, { text: '≤ 50 ms', ok: (v) => v <= 50 });
  addRow('10n', '… until the first pipelines are in the model (the tree can show them)', stat([a.firstRowsMs]), fmtMs, { text: '≤ 500 ms', ok: (v) => v <= 500 });
  addRow('10o', '… until all of it is loaded', stat([a.allMs]), fmtMs, { text: '≤ 3 s', ok: (v) => v <= 3000 });
  addTextRow('10m2', '… garbage collection during the load: pauses (young / whole heap), total, longest', `${a.gc.pauses} (${a.gc.minor} / ${a.gc.major}), ${fmtMs(a.gc.totalMs)}, ${fmtMs(a.gc.longestMs)}`);
  addRow('10m3', `… a rewrite of that model while recording (a run added every turn): longest block (it took ${fmtMs(a.compactMs)})`, stat([a.compactLongestBlockMs]), fmtMs, { text: '≤ 50 ms', ok: (v) => v <= 50 });
  const g = measureGrowth(200, 100, QUICK ? 10 : 30);
  rows.push({ id: '10p', what: `Journal size ÷ the model compacted, worst over ${g.sessions} sessions each appending a fifth of it`, median: fmtX(g.worstRatio), min: '', max: '', target: '≤ 2.1×', verdict: g.worstRatio <= 2.1 ? 'pass' : 'miss' });
  const floodNames = QUICK ? 50_000 : 200_000;
  log(`10q flood: ${floodNames.toLocaleString('en-US')} distinct names at the 5,000-pipeline limit, with and without the journal`);
  const fl = await measureFloodJournal(floodNames, 5000);
  const floodRatio = fl.withoutUs / fl.withUs;
  addTextRow('10q', `Flood of ${floodNames.toLocaleString('en-US')} distinct names (2 KB errors) at the limit: CPU per event without / with the journal; bytes written; file after`, `${fl.withoutUs.toFixed(2)} µs / ${fl.withUs.toFixed(2)} µs (${fmtX(floodRatio)}); ${fmtMB(fl.writtenBytes)}; ${fmtMB(fl.fileBytes)}`);
}

async function measureHistoryStreams(settings: ConnectionSettings, admin: Redis): Promise<void> {
  const streams = QUICK ? 200 : 1000;
  const rounds = QUICK ? 2 : 5;
  log(`10 shared history: ${streams} streams × 100 entries, MAXLEN ~ 50 for the recorder rounds, ${rounds} rounds`);
  const f = await measureStreams(settings, admin, streams, 100, 50, rounds);
  addRow('10e', `Recorder: ${(streams * 100).toLocaleString('en-US')} runs into ${streams} streams (XADD MAXLEN ~ 50: trimming), runs/s`, stat(f.recorderRunsPerS), (v) => `${Math.round(v).toLocaleString('en-US')} runs/s`, { text: '≥ 20,000 runs/s', ok: (v) => v >= 20_000 });
  addRow('10f', `RecordedWatcher connect: read ${streams.toLocaleString('en-US')} streams × 100 entries (${f.runsRead.toLocaleString('en-US')} runs)`, stat(f.connectMs), (v) => fmtMs(v), QUICK ? undefined : { text: '≤ 500 ms', ok: (v) => v <= 500 });
}

/** 10g-10r: the recorder against a bare client's pipelined XADDs of the same entries (bench/recorder.ts). */
async function measureRecorderRows(settings: ConnectionSettings, admin: Redis): Promise<void> {
  const streams = QUICK ? 200 : 1000;
  const rounds = QUICK ? 2 : 5;
  log(`10g recorder vs bare XADD: ${streams} streams × 100 runs, MAXLEN ~ 50, ${rounds} alternating rounds`);
  const f = await measureRecorderCeiling(settings, admin, streams, 100, 50, rounds);
  const perS = (v: number) => `${Math.round(v).toLocaleString('en-US')} runs/s`;
  const us = (v: number) => `${v.toFixed(1)} µs`;
  addRow('10g', `Recorder: ${f.runs.toLocaleString('en-US')} runs as they finish, into ${streams} streams (XADD MAXLEN ~ 50), runs/s`, stat(f.recorderRunsPerS), perS);
  addRow('10h', '… a bare ioredis client, pipelined XADDs of the same entries (IDs and JSON made beforehand), runs/s', stat(f.bareRunsPerS), perS);
  const ratio = stat(f.recorderRunsPerS).median / stat(f.bareRunsPerS).median;
  rows.push({ id: '10r2', what: 'Recorder ÷ bare client (by runs/s)', median: fmtX(ratio), min: '', max: '', target: '≥ 0.80×', verdict: ratio >= 0.8 ? 'pass' : 'miss' });
  addRow('10i', 'Where the time goes, CPU per run of this process: the recorder (store, ID, JSON, client)', stat(f.recorderCpuUs), us);
  addRow('10j', '… the bare client (client only)', stat(f.bareCpuUs), us);
  addRow('10k', '… making one entry: stream ID and Go-order JSON (inside the recorder’s time, outside the bare client’s)', f.entryCpuUs, us);
}

// ---------------------------------------------------------------------------------------------
// 7: footprint

const REQUIRE_PROBE = `
const Module = require('module');
const resolveFilename = Module._resolveFilename;
Module._resolveFilename = function (request, ...rest) {
  return request === 'vscode' ? 'vscode' : resolveFilename.call(this, request, ...rest);
};
// Any property, call or construction on the stub yields another stub: enough for module top level.
const stub = () => new Proxy(function () {}, {
  get: (_t, p) => (p === 'then' || p === Symbol.toPrimitive || p === '__esModule' ? undefined : stub()),
  apply: () => stub(),
  construct: () => stub(),
});
// The bundle's ESM interop copies the module's own keys: name the API's top-level namespaces and
// classes as own keys (a module-level \`const t = vscode.l10n.t\` reads one), any other name still stubs.
const api = {};
for (const k of ['l10n', 'window', 'workspace', 'commands', 'env', 'languages', 'extensions', 'tasks', 'debug', 'authentication', 'Uri', 'EventEmitter', 'Disposable', 'ThemeIcon', 'ThemeColor', 'MarkdownString', 'TreeItem', 'TreeItemCollapsibleState', 'StatusBarAlignment', 'ConfigurationTarget', 'ViewColumn', 'ProgressLocation', 'RelativePattern', 'CancellationTokenSource', 'Range', 'Position', 'Location', 'Selection', 'Task', 'ShellExecution', 'TaskScope']) api[k] = stub();
const exportsStub = new Proxy(api, { get: (t, p) => (p in t ? t[p] : p === 'then' || p === '__esModule' ? undefined : stub()) });
require.cache.vscode = { id: 'vscode', filename: 'vscode', loaded: true, exports: exportsStub };
const t0 = performance.now();
const ext = require(process.argv[1]);
const t1 = performance.now();
// The libraries built beside the bundle (dist/lib/) are for first use: loading the bundle must not load them.
const lib = require('path').join(require('path').dirname(process.argv[1]), 'lib') + require('path').sep;
const libsLoaded = Object.keys(require.cache).filter((f) => f.startsWith(lib)).map((f) => f.slice(lib.length));
process.stdout.write(JSON.stringify({ ms: t1 - t0, exportsActivate: typeof ext.activate === 'function', libsLoaded }));
`;

async function measureFootprint(): Promise<void> {
  log('7 footprint');
  let distDir = join(ROOT, 'dist');
  let how = 'existing dist/ (--no-build)';
  let tmp: string | undefined;
  if (!NO_BUILD) {
    // A production build into a scratch directory, so the working tree's dist/ is left alone:
    // scripts/build.mjs writes to ./dist relative to its cwd, and resolves src/ and node_modules
    // through the symlinks to this repository.
    tmp = mkdtempSync(join(tmpdir(), 'tdtp-bench-build-'));
    for (const entry of ['src', 'scripts', 'node_modules', 'package.json', 'tsconfig.json']) {
      if (existsSync(join(ROOT, entry))) symlinkSync(join(ROOT, entry), join(tmp, entry));
    }
    const build = spawnSync(process.execPath, [join(tmp, 'scripts', 'build.mjs'), '--production'], { cwd: tmp, encoding: 'utf8' });
    if (build.status !== 0) throw new Error(`the production build failed:\n${build.stdout}${build.stderr}`);
    distDir = join(tmp, 'dist');
    how = '`node scripts/build.mjs --production`, fresh';
  }
  try {
    const bundle = join(distDir, 'extension.js');
    const size = existsSync(bundle) ? statSync(bundle).size : NaN;
    addRow('7a', `dist/extension.js size (${how})`, size, fmtKB, { text: '≤ 400 KB', ok: (v) => v <= 400 * 1024 });
    const watchBundle = join(distDir, 'tdtp-watch.js');
    if (existsSync(watchBundle)) addRow('7a2', 'dist/tdtp-watch.js size (terminal tool, for reference)', statSync(watchBundle).size, fmtKB);
    // Libraries the extension requires only on first use, built as files of their own (scripts/build.mjs).
    const libDir = join(distDir, 'lib');
    const libs = existsSync(libDir) ? readdirSync(libDir).filter((f) => f.endsWith('.js')).sort() : [];
    if (libs.length) {
      const sizes = libs.map((f) => ({ f, size: statSync(join(libDir, f)).size }));
      const each = sizes.map(({ f, size }) => `${f} ${fmtKB(size)}`).join(', ');
      addRow('7a3', `dist/lib/*.js, required on first use, not at activation (${each})`, sizes.reduce((sum, { size }) => sum + size, 0), fmtKB);
    } else {
      addTextRow('7a3', 'dist/lib/*.js, required on first use, not at activation', 'none built');
    }
    const vsix = readdirSync(ROOT).filter((f) => /^tdtp-pipeline-viewer-.*\.vsix$/.test(f));
    if (vsix.length) {
      const newest = vsix.map((f) => ({ f, s: statSync(join(ROOT, f)) })).sort((x, y) => y.s.mtimeMs - x.s.mtimeMs)[0];
      const built = newest.s.mtime.toISOString().replace(/\.\d+Z$/, 'Z');
      addRow('7b', `VSIX size (${newest.f} as found at the repo root, built ${built})`, newest.s.size, fmtKB, { text: '≤ 1 MB', ok: (v) => v <= 1024 * 1024 });
    } else {
      addTextRow('7b', 'VSIX size (tdtp-pipeline-viewer-*.vsix at the repo root)', 'not built', '≤ 1 MB');
    }
    if (Number.isFinite(size)) {
      const times: number[] = [];
      const libsLoaded = new Set<string>();
      for (let i = 0; i < CONFIG.requireRuns; i++) {
        const out = spawnSync(process.execPath, ['-e', REQUIRE_PROBE, bundle], { encoding: 'utf8' });
        if (out.status !== 0) throw new Error(`require probe failed: ${out.stderr}`);
        const probe = JSON.parse(out.stdout) as { ms: number; libsLoaded: string[] };
        times.push(probe.ms);
        for (const f of probe.libsLoaded) libsLoaded.add(f);
      }
      addRow('7c', `require('dist/extension.js') in a fresh node, 'vscode' stubbed (${CONFIG.requireRuns} processes)`, stat(times), (v) => fmtMs(v, 1), { text: '≤ 50 ms', ok: (v) => v <= 50 });
      if (libs.length) addTextRow('7c2', `dist/lib/*.js loaded by that require (${libs.length} built)`, libsLoaded.size ? [...libsLoaded].sort().join(', ') : 'none', 'none', libsLoaded.size ? 'miss' : 'pass');
    }
  } finally {
    if (tmp) rmSync(tmp, { recursive: true, force: true });
  }
}

// ---------------------------------------------------------------------------------------------
// The report

function machine(): string {
  const cpu = cpus();
  const redisVersion = ((spawnSync('redis-server', ['--version'], { encoding: 'utf8' }).stdout ?? '').match(/v=([\d.]+)/) ?? [])[1] ?? 'not installed';
  const ioredis = JSON.parse(readFileSync(join(ROOT, 'node_modules', 'ioredis', 'package.json'), 'utf8')).version;
  const git = (spawnSync('git', ['-C', ROOT, 'rev-parse', '--short', 'HEAD'], { encoding: 'utf8' }).stdout ?? '').trim() || '?';
  const dirty = (spawnSync('git', ['-C', ROOT, 'status', '--porcelain'], { encoding: 'utf8' }).stdout ?? '').trim() ? ' (uncommitted changes)' : '';
  return [
    `- CPU: ${cpu[0]?.model ?? '?'} × ${cpu.length} cores; RAM ${(totalmem() / 1024 ** 3).toFixed(1)} GB; Linux ${release()}`,
    `- Node ${process.version}, redis-server ${redisVersion}, ioredis ${ioredis}; commit ${git}${dirty}`,
  ].join('\n');
}

function writeReport(section: string): void {
  const file = join(ROOT, 'BENCHMARKS.md');
  const begin = '<!-- bench:results:begin (written by `npm run bench -- --write-report`; do not edit by hand) -->';
  const end = '<!-- bench:results:end -->';
  const block = `${begin}\n${section}\n${end}`;
  const text = existsSync(file) ? readFileSync(file, 'utf8') : '# Benchmarks\n\n';
  const from = text.indexOf('<!-- bench:results:begin');
  const to = text.indexOf(end);
  const next = from >= 0 && to > from ? text.slice(0, from) + block + text.slice(to + end.length) : `${text.trimEnd()}\n\n## Latest results\n\n${block}\n`;
  writeFileSync(file, next);
  log('BENCHMARKS.md updated');
}

async function main(): Promise<boolean> {
  const started = Date.now();
  const loadBefore = loadavg();
  let failed = false;
  /** One section; a failure is reported in the notes and the others still run. */
  const section = async (name: string, run: () => Promise<void> | void) => {
    try {
      await run();
    } catch (err) {
      failed = true;
      notes.push(`Section "${name}" failed: ${String((err as Error)?.message ?? err).split('\n')[0]}`);
      log(`${name} failed: ${(err as Error)?.stack ?? err}`);
    }
  };
  let needRedis = ['ceiling', 'ingest', 'latency', 'burst', 'reconcile', 'history', 'recorder', 'flood', 'cli'].some(want);
  if (needRedis) {
    try {
      redisServerBinary();
    } catch {
      needRedis = false;
      notes.push('redis-server is not installed: sections 1-4 and 6 were skipped (Debian/Ubuntu: apt-get install redis-server).');
    }
  }
  let redis: RedisServer | undefined;
  let pub: Publisher | undefined;
  const cleanup = async () => {
    pub?.stop();
    await redis?.dispose();
  };
  process.once('SIGINT', () => void cleanup().then(() => process.exit(130)));
  try {
    if (needRedis) {
      redis = await startRedis();
      const parsed = parseConnectionSettings({ host: '127.0.0.1', port: redis.port });
      if (!parsed.ok) throw new Error('settings');
      const settings = parsed.settings;
      const server = redis;
      const publisher = (pub = new Publisher());
      await publisher.send({ op: 'init', port: server.port, names: NAMES, poolSize: POOL_SIZE });
      log(`redis-server on 127.0.0.1:${server.port}; publisher pid ${(publisher as unknown as { child: ChildProcess }).child.pid}`);
      if (ONLY.has('ingest')) await section('ingest', () => profileIngest(server, settings, publisher));
      if (want('ceiling')) await section('ceiling', () => measureThroughput(server, settings, publisher));
      if (want('latency')) await section('latency', () => measureLatency(settings, publisher));
      if (want('burst')) await section('burst', () => measureBurst(settings, publisher));
      if (want('memory')) await section('memory', () => measureMemory());
      if (want('reconcile')) await section('reconcile', () => measureReconcile(server, settings, publisher));
      if (want('reconcile')) await section('refresh', () => measureRefreshDedupe());
      if (want('history')) {
        const admin = await server.client();
        await section('history-streams', () => measureHistoryStreams(settings, admin));
        admin.disconnect();
      }
      if (want('recorder')) {
        const admin = await server.client();
        await section('recorder', () => measureRecorderRows(settings, admin));
        admin.disconnect();
      }
      if (want('flood')) await section('flood', () => measureFloodRows(server.port));
      if (want('cli')) await section('cli', () => measureCli(server, publisher));
    } else if (want('memory')) {
      await section('memory', () => measureMemory());
    }
    if (want('footprint')) await section('footprint', () => measureFootprint());
    if (want('workspace')) await section('workspace', () => measureWorkspace());
    if (want('alerts')) await section('alerts', () => measureAlerts());
    if (want('history')) await section('history', () => measureHistoryJournal());
    if (want('alerts') || want('panel')) await section('panel', () => measurePanel());
    if (want('tree')) await section('tree', () => measureTreeRows());
    if (want('orchestrator')) await section('orchestrator', () => measureOrchestratorRows());
    // Drives code-server for 2-3 minutes: the full bench only (or --only=hostflood).
    if ((!QUICK && ONLY.size === 0) || ONLY.has('hostflood')) await section('hostflood', () => measureHostFloodRows());
  } finally {
    await cleanup();
  }
  const seconds = Math.round((Date.now() - started) / 1000);
  const mode = QUICK ? 'quick (`--quick`: small rounds; indicative only)' : 'full';
  const report = [
    `Run: ${new Date().toISOString().replace(/\.\d+Z$/, 'Z')}, mode ${mode}, ${seconds} s${ONLY.size ? `, only: ${[...ONLY].join(',')}` : ''}`,
    machine(),
    `- Load average (1 min) at start ${loadBefore[0].toFixed(2)}, at end ${loadavg()[0].toFixed(2)}: other work on this machine disturbs the figures (the min/max columns show how much).`,
    '',
    renderTable(),
    ...(notes.length ? ['', ...notes.map((n) => `- Note: ${n}`)] : []),
  ].join('\n');
  process.stdout.write(`${report}\n`);
  if (WRITE_REPORT) writeReport(report);
  return !failed;
}

// Exit 1 only when a section could not run; timings never decide the exit code.
main().then(
  (ok) => process.exit(ok ? 0 : 1),
  (err) => {
    process.stderr.write(`bench failed: ${err?.stack ?? err}\n`);
    process.exit(1);
  },
);
