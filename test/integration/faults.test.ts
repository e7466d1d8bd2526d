// Fault injection against a real redis-server: the subscription killed, the server restarted,
// the server stalled, the subscriber kicked for being slow. After each fault the model must equal
// the state keys, and the connection state must have said what happened.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { after, afterEach, before, describe, test } from 'node:test';
import type Redis from 'ioredis';
import type { ConnectionState } from '../../src/core/connection';
import { encodeLikeGo, publishResult } from '../../src/core/publish';
import type {
  RedisServer,
  RecordedWatcher} from '../support/redisServer';
import {
  KEYS,
  LineReader,
  assertModelMatchesRedis,
  blockEventLoop,
  createRecordedWatcher,
  delay,
  settingsFor,
  startRedis,
  startRecordedWatcher,
} from '../support/redisServer';
import { buildResult } from '../support/builders';
import { problemText } from '../../src/cli/problemText';

let server: RedisServer;
let admin: Redis;
const viewers: RecordedWatcher[] = [];

before(async () => {
  server = await startRedis();
  admin = await server.client();
});

afterEach(async () => {
  for (const v of viewers.splice(0)) v.dispose();
  if (!server.running) await server.restart();
  admin = await server.client();
  await admin.flushall();
  await admin.config('SET', 'client-output-buffer-limit', 'pubsub 32mb 8mb 60');
});

after(() => server.dispose());

async function viewer(tuning: Parameters<typeof startRecordedWatcher>[1] = {}): Promise<RecordedWatcher> {
  const v = await startRecordedWatcher(settingsFor(server.port), tuning);
  viewers.push(v);
  return v;
}

async function publishLive(v: RecordedWatcher, names: string[]): Promise<void> {
  for (const name of names) {
    const arrived = v.nextRun(name, 5000, 'live');
    assert.equal(await publishResult(admin, KEYS, buildResult(name)), 1);
    await arrived;
  }
}

function isReconnecting(code?: string) {
  return (s: ConnectionState) => s.kind === 'reconnecting' && (code === undefined || s.problem.code === code);
}

const runsAndGaps = (v: RecordedWatcher, name: string) => v.store.history(name).map((item) => (item.kind === 'run' ? `${item.source}:${item.run.result.status}` : 'gap'));

describe('CLIENT KILL TYPE pubsub', () => {
  test('reconnects, resubscribes and recovers what changed while disconnected, with a gap marker', async () => {
    // The first retry after a loss waits 500–1000 ms: time to change states while disconnected.
    const v = await viewer({ backoffInitialMs: 1000 });
    await publishLive(v, ['KEEP_V001', 'CHANGE_V001']);

    const dropped = v.waitForState(isReconnecting(), 5000, 'reconnecting after the kill');
    const killedAt = Date.now();
    assert.equal(await admin.client('KILL', 'TYPE', 'pubsub'), 1, 'exactly the viewer subscriber is killed');
    const state = await dropped;
    assert.ok(state.kind === 'reconnecting');
    assert.equal(state.problem.code, 'dropped-by-server');
    assert.match(problemText(state.problem), /CLIENT KILL/);
    assert.match(problemText(state.problem), /recovering from the state keys/);
    assert.equal(v.watcher.connection.commands, undefined);

    // While disconnected: one state changes, one appears, both events are lost (0 receivers).
    const recovered = v.nextReconcile((r) => r.source === 'recovered', 10_000, 'the reconcile after the reconnect');
    assert.ok(Date.now() < state.retryAt, 'the test must change the states before the viewer reconnects');
    assert.equal(await publishResult(admin, KEYS, buildResult('CHANGE_V001', { status: 'failed', error: 'lost event' })), 0);
    assert.equal(await publishResult(admin, KEYS, buildResult('NEW_V001', { status: 'completed_with_errors', error: 'x' })), 0);
    const report = await recovered;

    assert.equal(report.keys, 3);
    assert.equal(report.added, 2);
    assert.deepEqual(report.expired, []);
    assert.ok(report.gap, 'the reconcile reports the gap');
    assert.ok(report.gap.from <= killedAt && report.gap.to >= killedAt, `gap ${JSON.stringify(report.gap)} should contain the kill at ${killedAt}`);
    assert.ok(report.gap.problem, 'the gap names the problem');
    assert.match(problemText(report.gap.problem), /closed the subscription/);

    assert.equal(v.store.get('CHANGE_V001')!.latest.source, 'recovered');
    assert.equal(v.store.get('CHANGE_V001')!.latest.run.result.status, 'failed');
    assert.equal(v.store.get('NEW_V001')!.latest.source, 'recovered');
    // The gap marker sits between what was received and what was recovered; nothing duplicated.
    assert.deepEqual(runsAndGaps(v, 'KEEP_V001'), ['gap', 'live:success']);
    assert.equal(v.store.get('KEEP_V001')!.runCount, 1);
    assert.deepEqual(runsAndGaps(v, 'CHANGE_V001'), ['recovered:failed', 'gap', 'live:success']);
    assert.deepEqual(runsAndGaps(v, 'NEW_V001'), ['recovered:completed_with_errors']);

    // Resubscribed: the next event is live again.
    await publishLive(v, ['KEEP_V001']);
    assert.deepEqual(
      v.states.map((s) => (s.kind === 'reconnecting' ? `reconnecting:${s.problem.code}` : s.kind)),
      ['connecting', 'connected', 'reconnecting:dropped-by-server', 'connecting', 'connected'],
    );
    await assertModelMatchesRedis(v.store, admin);
  });

  test('a kill right after another still ends with the model equal to the state keys', async () => {
    const v = await viewer({ backoffInitialMs: 50, backoffMaxMs: 100 });
    await publishLive(v, ['A_V001', 'B_V001']);
    for (let round = 0; round < 3; round++) {
      const back = v.nextReconcile((r) => r.source === 'recovered', 5000, `reconcile after kill ${round + 1}`);
      await admin.set(KEYS.stateKey('A_V001'), encodeLikeGo(buildResult('A_V001', { duration_ms: round })), 'EX', 600);
      await admin.client('KILL', 'TYPE', 'pubsub');
      await back;
      await assertModelMatchesRedis(v.store, admin);
    }
    assert.equal(v.store.get('A_V001')!.latest.run.result.duration_ms, 2);
    assert.equal(v.store.get('B_V001')!.runCount, 1);
  });
});

describe('a loss during a reconcile', () => {
  test('the interrupted reconcile is not reported as a failure; the next one reads every state key', async () => {
    const count = 50_000;
    for (let start = 0; start < count; start += 10_000) {
      const batch = admin.pipeline();
      for (let i = start; i < start + 10_000; i++) batch.set(KEYS.stateKey(`BULK_${i}`), encodeLikeGo(buildResult(`BULK_${i}`)), 'EX', 600);
      await batch.exec();
    }
    // More pipelines than tdtp.limits.maxPipelines' default: a team that raised it gets them all.
    const v = createRecordedWatcher(settingsFor(server.port), { backoffInitialMs: 100 }, { limits: { maxPipelines: count } });
    viewers.push(v);
    // Kill the subscription the moment it exists: the initial SCAN of 50,000 keys is under way.
    let killed: Promise<unknown> | undefined;
    v.watcher.onDidChangeState((state) => {
      if (state.kind === 'connected' && !killed) killed = admin.client('KILL', 'TYPE', 'pubsub');
    });
    const complete = v.nextReconcile((r) => r.keys === count, 20_000, 'a complete reconcile');
    v.watcher.start();
    const report = await complete;
    assert.equal(await killed, 1);
    assert.equal(v.reconciles.length, 1, `the interrupted reconcile reported nothing: ${JSON.stringify(v.reconciles.map((r) => r.keys))}`);
    assert.equal(report.source, 'recovered');
    assert.ok(report.gap);
    assert.deepEqual(v.reconcileFailures, [], 'a reconcile cut short by a reconnect is not a failure the user must see');
    assert.equal(v.store.size, count);
    await assertModelMatchesRedis(v.store, admin);
  });
});

describe('CLIENT KILL of the commands connection', () => {
  test('the viewer reconnects both connections and reconciles', async () => {
    const v = await viewer({ backoffInitialMs: 1000 });
    await publishLive(v, ['CMD_V001']);
    const clients = String(await admin.client('LIST'));
    const id = /id=(\d+) [^\n]*name=tdtp-viewer-commands/.exec(clients)?.[1];
    assert.ok(id, `the commands connection is named in CLIENT LIST:\n${clients}`);
    const lost = v.waitForState(isReconnecting(), 5000, 'reconnecting after the kill');
    assert.equal(await admin.client('KILL', 'ID', id), 1);
    const state = await lost;
    assert.ok(state.kind === 'reconnecting');
    assert.equal(state.problem.code, 'connection-lost');
    assert.match(problemText(state.problem), /closed|lost/);
    const recovered = v.nextReconcile((r) => r.source === 'recovered', 5000, 'the reconcile');
    // Lost while the subscriber is gone too: the viewer closed it to redo both.
    assert.equal(await publishResult(admin, KEYS, buildResult('CMD_V001', { status: 'failed', error: 'x' })), 0);
    const report = await recovered;
    assert.equal(report.added, 1);
    assert.equal(v.store.get('CMD_V001')!.latest.source, 'recovered');
    await assertModelMatchesRedis(v.store, admin);
    assert.equal((await v.watcher.poll('CMD_V001')).found, true);
  });
});

describe('the server goes away and comes back', () => {
  for (const how of ['shutdown', 'kill'] as const) {
    test(`${how === 'shutdown' ? 'SHUTDOWN NOSAVE' : 'SIGKILL'} and a restart on the same port: the model ends equal to the new state keys`, async () => {
      // Retries every 0.5–1 s: enough time to restart and write states before the viewer is back.
      const v = await viewer({ backoffInitialMs: 1000, backoffMaxMs: 1000 });
      await publishLive(v, ['SAME_V001', 'CHANGED_V001', 'GONE_V001']);
      const same = await admin.get(KEYS.stateKey('SAME_V001'));

      const lost = v.waitForState(isReconnecting(), 5000, 'reconnecting after the server went away');
      await server.stop(how);
      const lostState = await lost;
      assert.ok(lostState.kind === 'reconnecting');
      assert.ok(['connection-lost', 'refused'].includes(lostState.problem.code), lostState.problem.code);
      assert.match(problemText(lostState.problem), new RegExp(`127\\.0\\.0\\.1:${server.port}`));
      // The viewer tries again and finds nothing there.
      const refused = await v.waitForState(isReconnecting('refused'), 5000, 'a refused attempt while the server is down');
      assert.ok(refused.kind === 'reconnecting');

      // Restart with states changed meanwhile (a restart without persistence starts empty):
      // SAME_V001 is written again as it was, CHANGED_V001 differs, NEW_V001 appears,
      // GONE_V001 is not there any more, as if its TTL ran out while the server was down.
      const recovered = v.nextReconcile((r) => r.source === 'recovered', 10_000, 'the reconcile after the restart');
      await server.restart();
      admin = await server.client();
      await admin.set(KEYS.stateKey('SAME_V001'), same!, 'EX', 3600);
      assert.equal(await publishResult(admin, KEYS, buildResult('CHANGED_V001', { status: 'failed', error: 'while down' })), 0);
      assert.equal(await publishResult(admin, KEYS, buildResult('NEW_V001')), 0);
      assert.ok(Date.now() < refused.retryAt, `the states must be written before the viewer retries (${refused.retryAt - Date.now()} ms left)`);

      const report = await recovered;
      assert.deepEqual(report.expired, ['GONE_V001']);
      assert.equal(report.keys, 3);
      assert.equal(report.added, 2);
      assert.ok(report.gap);
      assert.equal(v.watcher.state.kind, 'connected');
      assert.equal(v.store.get('GONE_V001')!.stateExpired, true);
      assert.equal(v.store.get('SAME_V001')!.runCount, 1, 'the unchanged state is not a new run');
      assert.equal(v.store.get('CHANGED_V001')!.latest.source, 'recovered');
      assert.equal(v.store.get('NEW_V001')!.latest.source, 'recovered');
      await assertModelMatchesRedis(v.store, admin);
      // And the subscription works again.
      await publishLive(v, ['GONE_V001']);
      assert.equal(v.store.get('GONE_V001')!.stateExpired, false);
    });
  }
});

describe('a stalled server', () => {
  test('DEBUG SLEEP 6: the heartbeat (default tuning) reports a stall within 5 s, then the viewer recovers', async (t) => {
    const v = await viewer();
    await publishLive(v, ['SLEEP_V001']);
    // A state written without an event: the reconcile after the stall must pick it up.
    await admin.set(KEYS.stateKey('QUIET_V001'), encodeLikeGo(buildResult('QUIET_V001')), 'EX', 600);

    const sleeper = await server.client();
    const stalled = v.waitForState(isReconnecting('stalled'), 8000, 'the heartbeat to report a stall');
    const sentAt = Date.now();
    const sleeping = sleeper.call('DEBUG', 'SLEEP', '6');
    const state = await stalled;
    const detectedAfter = Date.now() - sentAt;
    t.diagnostic(`stall detected ${detectedAfter} ms after DEBUG SLEEP 6 was sent`);
    assert.ok(detectedAfter < 5000, `the stall was detected after ${detectedAfter} ms`);
    assert.ok(detectedAfter >= 2500, `a stall cannot be detected before the heartbeat timeout (${detectedAfter} ms)`);
    assert.ok(state.kind === 'reconnecting');
    assert.match(problemText(state.problem), /stopped answering/);

    const recovered = await v.nextReconcile((r) => r.source === 'recovered', 15_000, 'the reconcile after the stall');
    assert.equal(await sleeping, 'OK');
    assert.ok(Date.now() - sentAt >= 6000, 'the viewer cannot be back before the server wakes up');
    assert.ok(recovered.gap);
    assert.equal(recovered.added, 1);
    assert.equal(v.store.get('QUIET_V001')!.latest.source, 'recovered');
    assert.equal(v.watcher.state.kind, 'connected');
    await assertModelMatchesRedis(v.store, admin);
    await publishLive(v, ['SLEEP_V001']);
  });

  test('a busy viewer (its own event loop blocked past the heartbeat timeout) is not mistaken for a stalled server', async () => {
    const v = await viewer({ heartbeatIntervalMs: 100, heartbeatTimeoutMs: 1000 });
    // The server holds replies for 0.5 s, so a heartbeat PING is in flight when this process then
    // blocks for 3 s. The PONG arrives during the block and waits in the socket; the heartbeat's
    // timer is overdue when the block ends. It must read the socket before judging.
    const sleeper = await server.client();
    const sleeping = sleeper.call('DEBUG', 'SLEEP', '0.5');
    await delay(300);
    // Blocked in the check phase (as if in an I/O callback): the next loop turn runs timers first.
    await new Promise<void>((resolve) => setImmediate(() => (blockEventLoop(3000), resolve())));
    assert.equal(await sleeping, 'OK');
    // A round trip to Redis: the overdue timers and the viewer's socket have had their loop turn.
    await admin.ping();
    assert.deepEqual(
      v.states.map((s) => s.kind),
      ['connecting', 'connected'],
      `no stall should be reported: ${JSON.stringify(v.states)}`,
    );
    await publishLive(v, ['BUSY_V001']);
  });
});

describe('a subscriber too slow for the output buffer limit', () => {
  test('Redis drops it (dropped-by-server, "fall behind"); the viewer reconnects and reconciles', async () => {
    await admin.config('SET', 'client-output-buffer-limit', 'pubsub 1mb 512kb 1');
    const v = await viewer({ backoffInitialMs: 200 });
    await publishLive(v, ['STEADY_V001']);

    // Another process floods 16 MB of events while this one (the viewer) is blocked and reads nothing.
    const count = 8000;
    const flooder = spawn(
      process.execPath,
      [
        '-e',
        `
        const Redis = require('ioredis');
        const [port, count] = process.argv.slice(1).map(Number);
        const r = new Redis({ port, host: '127.0.0.1' });
        r.on('ready', () => process.stdout.write('ready\\n'));
        process.stdin.once('data', async () => {
          const pad = 'x'.repeat(1800);
          let last;
          const p = r.pipeline();
          for (let i = 0; i < count; i++) {
            last = JSON.stringify({ pipeline_name: 'flood', result_name: 'FLOOD_V001', status: 'success', started_at: '2025-11-18T10:00:00Z', finished_at: '2025-11-18T10:00:01Z', duration_ms: i, rows_loaded: i, rows_exported: i, note: pad });
            p.publish('tdtp:pipeline:FLOOD_V001', last);
          }
          // As tdtpcli would have left it: the state key holds the last result.
          p.set('tdtp:pipeline:FLOOD_V001:state', last, 'EX', 600);
          await p.exec();
          process.stdout.write('done\\n');
          r.disconnect();
        });
        `,
        String(server.port),
        String(count),
      ],
      { cwd: process.cwd(), stdio: ['pipe', 'pipe', 'inherit'] },
    );
    const lines = new LineReader(flooder.stdout!);
    const exited = new Promise<number | null>((resolve) => flooder.once('exit', resolve));
    await lines.waitForLine(/^ready$/, 5000);

    const dropped = v.waitForState(isReconnecting(), 15_000, 'the viewer to be dropped');
    const recovered = v.nextReconcile((r) => r.source === 'recovered', 20_000, 'the reconcile after the drop');
    flooder.stdin!.end('go\n');
    blockEventLoop(2000);
    await lines.waitForLine(/^done$/, 10_000);
    assert.equal(await exited, 0);

    const state = await dropped;
    assert.ok(state.kind === 'reconnecting');
    assert.equal(state.problem.code, 'dropped-by-server', problemText(state.problem));
    assert.match(problemText(state.problem), /fall behind/);
    assert.match(server.log, /scheduled to be closed ASAP for overcoming of output buffer limits/, 'Redis itself closed the subscriber for its output buffer');

    const report = await recovered;
    assert.ok(report.gap);
    const flood = v.store.get('FLOOD_V001')!;
    assert.ok(flood, 'the flooded pipeline is in the model');
    assert.equal(flood.latest.run.result.duration_ms, count - 1, 'its latest run is the last one published');
    assert.ok(flood.runCount < count, `events were lost (${flood.runCount} of ${count} received), which is why the state keys are needed`);
    assert.equal(v.watcher.state.kind, 'connected');
    await assertModelMatchesRedis(v.store, admin);
    await publishLive(v, ['STEADY_V001']);
  });
});
