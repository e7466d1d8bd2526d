// Sections 5-7 of the bench: memory (in a process of its own), reconcile and the store's side of a
// refresh, and the footprint of the built extension.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync, statSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Redis from 'ioredis';
import type { ConnectionSettings } from '../../src/core/settings';
import { PipelineStore } from '../../src/core/store';
import { decodeMessage } from '../../src/core/decode';
import type { PipelineRun } from '../../src/core/decode';
import { KeySpace } from '../../src/core/keySpace';
import type { RedisServer } from '../../test/support/redisServer';
import { PREFIX, payloadPool } from '../payloads';
import { CONFIG, NAMES, NO_BUILD, QUICK, ROOT, log, memoryRound, startWatcher } from '../harness';
import type { Publisher } from '../harness';
import { addRow, addTextRow, fmtKB, fmtMB, fmtMs, fmtPct, fmtRate, fmtX, notes, rows, stat } from '../report';

// ---------------------------------------------------------------------------------------------
// 5: memory (separate process)

export async function measureMemory(): Promise<void> {
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

export async function measureReconcile(redis: RedisServer, settings: ConnectionSettings, pub: Publisher): Promise<void> {
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
export function measureRefreshDedupe(): void {
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

export async function measureFootprint(): Promise<void> {
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
