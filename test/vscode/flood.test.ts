// A flood of distinct names against the real extension host (issue 20): 200,000 failed events over
// 200,000 channels at 20,000/s, errors of a few KB, some names over the length limit. While it runs
// the host must answer a poll within 2 s and keep the team's pipelines in the tree. Its resident
// memory (before, highest, after) is a figure: `npm run bench` (rows 11e-11g) runs this test alone
// and judges it against 400 MB, as the house keeps memory targets in the bench. The test runs
// inside the extension host, so /proc/self is the host. On main before issue 20's fixes the host
// went 228 → 864 MB.
//
// The flood is published by a separate process (node, talking RESP to Redis, which loops in Lua),
// so producing it costs this process nothing and its rate does not depend on how this host keeps up.
import * as assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import { spawn } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { Session } from 'node:inspector';
import { join } from 'node:path';
import type Redis from 'ioredis';
import { after, before, describe, it } from 'mocha';
import * as vscode from 'vscode';
import { KeySpace } from '../../src/core/keySpace';
import { goTimeString, publishResult } from '../../src/core/publish';
import type { TdtpViewerApi } from '../../src/vscode/api';
import type { ShownNotification } from '../../src/vscode/notify/notifications';
import { NotificationController } from '../../src/vscode/notify/notifications';
import type { Testing } from '../../src/vscode/testing';
import type { PipelineNode, TreeNode } from '../../src/vscode/tree/nodes';
import type { RedisServer } from '../support/redisServer';
import { startRedis } from '../support/redisServer';
import { useExtension } from './harness';
import { nextEvent, untilEvent } from './waitFor';

const keys = new KeySpace('tdtp:pipeline');
const EVENTS = 200_000;
const RATE = 20_000;
const TICK_MS = 20;
const ERROR_CHARS = 2000;
/** Every this many names is 300 characters over the 256-character limit (rejected, listed as such). */
const LONG_EVERY = 50;
const NORMAL = ['NORMAL_0', 'NORMAL_1', 'NORMAL_2', 'NORMAL_3', 'NORMAL_4'];
/** The duration of the run that marks the end of the flood. */
const END_MARK_MS = 424_242;
const POLL_LIMIT_MS = 2000;

/** Publishes `count` events from `from` on, each with its own name; Redis builds each payload. */
const FLOOD_LUA = `
local from, n, prefix, err, now, longEvery = tonumber(ARGV[1]), tonumber(ARGV[2]), ARGV[3], ARGV[4], ARGV[5], tonumber(ARGV[6])
for i = from, from + n - 1 do
  local name = 'FLOOD_' .. i
  if i % longEvery == 0 then name = name .. string.rep('x', 300) end
  redis.call('PUBLISH', prefix .. ':' .. name, '{"pipeline_name":"flood","result_name":"' .. name .. '","status":"failed","started_at":"' .. now .. '","finished_at":"' .. now .. '","duration_ms":1,"rows_loaded":0,"rows_exported":0,"error":"' .. err .. i .. '"}')
end
return n`;

/** The publisher: one EVAL per tick over a raw RESP socket; exits when every event is sent. */
const PUBLISHER = `
const net = require('node:net');
const [port, events, rate, tickMs, script, prefix, err, now, longEvery] = JSON.parse(process.argv[1]);
const resp = (args) => '*' + args.length + '\\r\\n' + args.map((a) => { a = String(a); return '$' + Buffer.byteLength(a) + '\\r\\n' + a + '\\r\\n'; }).join('');
const socket = net.connect(port, '127.0.0.1');
const perTick = Math.max(1, Math.round(rate * tickMs / 1000));
let sent = 0, replies = 0, ticks = 0;
const started = Date.now();
socket.on('data', (d) => {
  for (const c of d.toString('latin1')) if (c === ':') replies++;
  if (sent >= events && replies >= ticks) { socket.end(); process.exit(0); }
});
function tick() {
  if (sent >= events) return;
  const n = Math.min(perTick, events - sent);
  socket.write(resp(['EVAL', script, 0, sent, n, prefix, err, now, longEvery]));
  sent += n; ticks++;
  setTimeout(tick, Math.max(0, started + ticks * tickMs - Date.now()));
}
socket.on('connect', tick);`;

/** With TDTP_FLOOD_PROFILE=<dir>: a CPU profile and a sampled heap profile of this host during the flood. */
async function startProfiles(): Promise<(() => Promise<void>) | undefined> {
  const dir = process.env.TDTP_FLOOD_PROFILE;
  if (!dir) return undefined;
  const session = new Session();
  session.connect();
  const post = <T>(method: string, params?: object) => new Promise<T>((resolve, reject) => session.post(method, params ?? {}, (err, result) => (err ? reject(err) : resolve(result as T))));
  await post('Profiler.enable');
  await post('Profiler.setSamplingInterval', { interval: 500 });
  await post('Profiler.start');
  await post('HeapProfiler.enable');
  await post('HeapProfiler.startSampling', { samplingInterval: 64 * 1024, includeObjectsCollectedByMajorGC: true, includeObjectsCollectedByMinorGC: true });
  return async () => {
    const { profile } = await post<{ profile: object }>('Profiler.stop');
    writeFileSync(join(dir, 'flood.cpuprofile'), JSON.stringify(profile));
    const heap = await post<{ profile: object }>('HeapProfiler.stopSampling');
    writeFileSync(join(dir, 'flood.heapprofile'), JSON.stringify(heap.profile));
    session.disconnect();
  };
}

function residentBytes(): number {
  const match = /^VmRSS:\s+(\d+) kB/m.exec(readFileSync('/proc/self/status', 'utf8'));
  return match ? Number(match[1]) * 1024 : 0;
}

describe('Flood in the extension host', function () {
  const ext = useExtension();
  let redis: RedisServer;
  let admin: Redis;
  let api: TdtpViewerApi;
  let t: Testing;
  let publisher: ChildProcess | undefined;

  before(async function () {
    redis = await startRedis();
    admin = await redis.client();
    api = ext.api;
    t = ext.testing;
    const now = goTimeString(new Date());
    for (const name of NORMAL) await admin.set(keys.stateKey(name), JSON.stringify({ pipeline_name: 'team', result_name: name, status: 'success', started_at: now, finished_at: now, duration_ms: 5, rows_loaded: 1, rows_exported: 1 }), 'EX', 600);
    await ext.settings.update('redis.port', redis.port, vscode.ConfigurationTarget.Global);
    await untilEvent('connected to the flood suite\'s Redis', () => (t.connection.state.kind === 'connected' && t.connection.endpoint?.includes(`:${redis.port}/`) ? true : undefined), [t.connection.onDidChangeState]);
    await untilEvent('the team\'s pipelines loaded', () => (NORMAL.every((n) => t.store.has(n)) ? true : undefined), [t.store.onDidChange]);
    await vscode.commands.executeCommand('tdtp.pipelines.focus');
  });

  after(async () => {
    if (publisher && publisher.exitCode === null) publisher.kill();
    await redis?.dispose();
  });

  it('200,000 distinct names at 20,000/s: polls answer within 2 s and the team\'s pipelines stay in the tree (resident memory measured)', async function () {
    this.timeout(150_000);
    const rssBefore = residentBytes();
    const stopProfiles = await startProfiles();
    try {
      const exited = new Promise<number | null>((resolve) => {
        const args = [redis.port, EVENTS, RATE, TICK_MS, FLOOD_LUA, keys.prefix, 'E'.repeat(ERROR_CHARS), goTimeString(new Date()), LONG_EVERY];
        publisher = spawn(process.execPath, ['-e', PUBLISHER, JSON.stringify(args)], { env: { ...process.env, ELECTRON_RUN_AS_NODE: '1' }, stdio: 'ignore' });
        publisher.once('exit', resolve);
      });
      let done = false;
      let exitCode: number | null = null;
      void exited.then((code) => {
        exitCode = code;
        done = true;
      });
      const started = Date.now();
      const waits: number[] = [];
      const refused: string[] = [];
      let reconnects = 0;
      // Flood events that reached the model: fewer than sent when Redis dropped the subscriber.
      let received = 0;
      const counted = t.store.onDidAddRun((r) => r.run.resultName.startsWith('FLOOD_') && received++);
      const rejectedBefore = t.store.rejectedMessages().total;
      const states = t.connection.onDidChangeState((state) => state.kind === 'reconnecting' && reconnects++);
      let rssMax = rssBefore;
      // Where the resident memory was at its highest: V8's heap, or memory outside it (buffers).
      let atMax: NodeJS.MemoryUsage | undefined;
      const missing = new Set<string>();
      let rowsReadAt = -Infinity;
      let rowReads = 0;
      for (let i = 0; !done; i++) {
        const name = NORMAL[i % NORMAL.length];
        const t0 = performance.now();
        // An answer either way: the state, or (while Redis has dropped the subscriber for falling
        // behind and the viewer reconnects) that it is not connected.
        const polled = await api.pollPipelineState(name).catch((err: Error) => err);
        waits.push(performance.now() - t0);
        if (polled instanceof Error) refused.push(polled.message);
        else assert.equal(polled?.resultName, name);
        const rss = residentBytes();
        if (rss > rssMax) {
          rssMax = rss;
          atMax = process.memoryUsage();
        }
        // The tree's rows about once a second, as VS Code reads them (each read lists 5,000 rows: the
        // test must not be what loads the host).
        if (performance.now() - rowsReadAt >= 1000) {
          rowsReadAt = performance.now();
          const rows = new Set(t.tree.getChildren().flatMap((n: TreeNode) => (n.kind === 'pipeline' ? [(n as PipelineNode).resultName] : [])));
          for (const normal of NORMAL) if (!rows.has(normal)) missing.add(normal);
          rowReads++;
        }
        await new Promise((r) => setTimeout(r, 100));
      }
      const publishMs = Date.now() - started;
      // Everything sent before this was delivered before it (one connection, in order). A name the
      // model holds: the flood guard leaves a new name unread while the flood lasts.
      let ended = false;
      const endSeen = t.store.onDidAddRun((r) => r.run.resultName === NORMAL[0] && r.run.result.duration_ms === END_MARK_MS && (ended = true));
      await publishResult(admin, keys, { pipeline_name: 'team', result_name: NORMAL[0], status: 'success', started_at: goTimeString(new Date()), finished_at: goTimeString(new Date()), duration_ms: END_MARK_MS, rows_loaded: 0, rows_exported: 0 }, 600);
      const endWait = performance.now();
      await untilEvent('the end of the flood reached the model', () => (ended ? true : undefined), [t.store.onDidAddRun, t.store.onDidChange], 60_000).finally(() => endSeen.dispose());
      const drainMs = performance.now() - endWait;
      states.dispose();
      counted.dispose();
      received += t.store.rejectedMessages().total - rejectedBefore;
      rssMax = Math.max(rssMax, residentBytes());
      const rssAfter = residentBytes();
      const longestWait = Math.max(...waits);
      const figures = { events: EVENTS, rate: RATE, publishMs, drainMs: Math.round(drainMs), polls: waits.length, longestWaitMs: Math.round(longestWait), rssBeforeBytes: rssBefore, rssMaxBytes: rssMax, rssAfterBytes: rssAfter, polledWhileDisconnected: refused.length, reconnects, pipelines: t.store.size, evicted: t.store.overflow?.evicted ?? 0, unread: t.store.overflow?.unread ?? 0, rejected: t.store.rejectedMessages().total, received, heapAtMaxBytes: atMax?.heapTotal, externalAtMaxBytes: atMax?.external };
      // The bench (bench/hostFlood.ts) reads the figures from here.
      if (process.env.TDTP_FLOOD_FIGURES) writeFileSync(process.env.TDTP_FLOOD_FIGURES, JSON.stringify(figures));
      console.log(`    flood figures: ${JSON.stringify(figures)}`);
      assert.equal(exitCode, 0, 'the publisher sent everything');
      assert.ok(waits.length >= 5, `polled ${waits.length} times during the flood`);
      assert.ok(longestWait <= POLL_LIMIT_MS, `the longest poll waited ${Math.round(longestWait)} ms`);
      assert.ok(rowReads >= 3, `the tree read ${rowReads} times during the flood`);
      assert.deepEqual([...missing], [], 'the team\'s pipelines were in the tree every time it was read');
      for (const name of NORMAL) assert.ok(t.store.has(name), `${name} kept`);
      assert.equal((await api.pollPipelineState(NORMAL[0]))?.resultName, NORMAL[0], 'a poll after the flood reads the state');
    } finally {
      await stopProfiles?.();
    }
  });

  it('the largest settings keep no more than the budget of runs, and say so once when it drops one', async () => {
    const shown: ShownNotification[] = [];
    // A controller of its own: the extension's may have reported a limit already.
    const notifications = new NotificationController(t.viewer, t.config, vscode.window.createOutputChannel('TDTP budget test', { log: true }));
    notifications.onDidShow((n) => shown.push(n));
    try {
      const applied = untilEvent('the store to take the largest settings', () => (t.config.historySize === 10_000 && t.store.historyCapacity === 1 ? true : undefined), [t.config.onDidChange]);
      // The histories the flood left (a run and gap markers) are cut to one item: that is a bite.
      const notice = nextEvent('the budget notice', notifications.onDidShow, (n) => n.kind === 'limit' && /runs in all/.test(n.message), 15_000);
      await ext.settings.update('history.size', 10_000, vscode.ConfigurationTarget.Global);
      await ext.settings.update('limits.maxPipelines', 1_000_000, vscode.ConfigurationTarget.Global);
      await applied;
      const perPipeline = t.store.historyCapacity;
      assert.equal(perPipeline, 1, 'a million pipelines of one run each are already twice the budget');
      await untilEvent('connected', () => (t.connection.state.kind === 'connected' ? true : undefined), [t.connection.onDidChangeState], 30_000);
      for (let i = 0; i <= perPipeline + 1; i++) {
        const at = goTimeString(new Date(Date.now() - 1000 + i));
        await publishResult(admin, keys, { pipeline_name: 'team', result_name: 'BUDGET', status: 'success', started_at: at, finished_at: at, duration_ms: i, rows_loaded: 1, rows_exported: 1 }, 600);
      }
      const { message } = await notice;
      assert.match(message, new RegExp(`keeps ${perPipeline} runs? per pipeline, not 10,000: the limit of 500,000 runs in all`));
      await untilEvent('the runs of BUDGET', () => ((t.store.get('BUDGET')?.runCount ?? 0) >= perPipeline + 2 ? true : undefined), [t.store.onDidAddRun]);
      assert.equal(t.store.history('BUDGET').length, perPipeline);
      assert.equal(shown.filter((n) => /runs in all/.test(n.message)).length, 1, 'one notice');
      assert.match(t.statusBar.tooltipText, /runs in all is reached/);
    } finally {
      notifications.dispose();
    }
  });
});
