// Shared history through Redis Streams, against real servers: recorders (StreamRecorder, and
// dist/tdtp-record.js as a process) write each run once; a viewer that was not running reads back
// every run it missed, with no gap marker where the stream covers it; a recorder that loses its
// subscription recovers the latest states from the state keys; a Sentinel set and a 3-node cluster.
import assert from 'node:assert/strict';
import { after, afterEach, before, describe, test } from 'node:test';
import type Redis from 'ioredis';
import { StreamRecorder } from '../../src/core/history/recorder';
import { streamIdOf } from '../../src/core/history/streamId';
import { publishResult } from '../../src/core/publish';
import type { ConnectionSettings } from '../../src/core/settings';
import { PipelineStore } from '../../src/core/store';
import type { HistoryItem } from '../../src/core/runs';
import type { ReconcileReport } from '../../src/core/watcher';
import { NOT_RUNNING_REASON, PipelineWatcher } from '../../src/core/watcher';
import type { TestCluster } from '../support/cluster';
import { startCluster } from '../support/cluster';
import type { RedisServer } from '../support/redisServer';
import { KEYS, settingsFor, startRedis, pollUntil, waitFor } from '../support/redisServer';
import { buildResult } from '../support/builders';
import type { SentinelTopology } from '../support/sentinel';
import { startSentinelTopology } from '../support/sentinel';
import { RECORD_SOURCE, interruptTool, killTools, startTool } from '../support/tools';

let server: RedisServer;
let admin: Redis;
const owned: Array<{ dispose(): void }> = [];

before(async () => {
  server = await startRedis();
  admin = await server.client();
});
afterEach(async () => {
  for (const d of owned.splice(0).reverse()) d.dispose();
  killTools();
  await admin.flushall();
});
after(() => server.dispose());

function own<T extends { dispose(): void }>(d: T): T {
  owned.push(d);
  return d;
}

/** A recorder, connected and done with its first reconcile. */
async function startRecorder(settings: ConnectionSettings, maxLen = 1000): Promise<StreamRecorder> {
  const recorder = own(new StreamRecorder(settings, { maxLen }));
  const ready = waitFor(recorder.watcher.onDidReconcile, () => true, 10_000, 'the recorder’s first reconcile');
  recorder.start();
  await ready.catch((err) => assert.fail(`${(err as Error).message}; state ${JSON.stringify(recorder.watcher.state)}`));
  return recorder;
}

/** Resolves when the recorder has written (or counted) `n` runs in all. */
function recorded(recorder: StreamRecorder, n: number, what: string): Promise<unknown> {
  const total = () => recorder.recorded.written + recorder.recorded.alreadyRecorded;
  return pollUntil(() => (total() >= n && recorder.pending === 0 ? true : undefined), 10_000, `${what} (${total()} so far)`);
}

/** A viewer's watcher on `store` that reads the streams; resolves after its first reconcile. */
async function startReader(settings: ConnectionSettings, store: PipelineStore, resumedFrom?: number): Promise<{ watcher: PipelineWatcher; report: ReconcileReport }> {
  const watcher = own(new PipelineWatcher(settings, store, {}, { readStreams: true, resumedFrom }));
  const loaded = waitFor(watcher.onDidReconcile, () => true, 10_000, 'the viewer’s first reconcile');
  watcher.start();
  return { watcher, report: await loaded };
}

function shape(items: HistoryItem[]): string[] {
  return items.map((i) => (i.kind === 'gap' ? 'gap' : String(i.run.result.duration_ms)));
}

describe('a recorder on a single server', () => {
  test('50 runs published while the viewer is stopped are all in its history afterwards, with no gap marker', async () => {
    const settings = settingsFor(server.port);
    const recorder = await startRecorder(settings);
    const store = own(new PipelineStore({ coalesceMs: 0 }));
    // The viewer sees 3 runs, then stops (a closed window: its store is what the journal restores).
    const first = await startReader(settings, store);
    for (let i = 0; i < 3; i++) {
      const live = waitFor(store.onDidAddRun, (r) => r.source === 'live', 5000, 'a live run');
      await publishResult(admin, KEYS, buildResult('NIGHT_V001', { duration_ms: i }));
      await live;
    }
    await recorded(recorder, 3, 'the first 3 runs recorded');
    first.watcher.dispose();
    const stoppedAt = Date.now();
    for (let i = 3; i < 53; i++) await publishResult(admin, KEYS, buildResult('NIGHT_V001', { duration_ms: i }));
    await recorded(recorder, 53, 'all 53 runs recorded');
    assert.equal(await admin.xlen(KEYS.runsKey('NIGHT_V001')), 53);

    const { report } = await startReader(settings, store, stoppedAt);
    assert.deepEqual(shape(store.history('NIGHT_V001')).reverse(), Array.from({ length: 53 }, (_, i) => String(i)), 'every run, in order, no gap');
    assert.equal(store.get('NIGHT_V001')?.runCount, 53);
    assert.equal(report.streams?.added, 50);
    assert.equal(report.streams?.covered, 1);
    assert.equal(report.added, 0, 'the state key holds the last run, already read from the stream');
  });

  test('without a recorder the same absence is one gap marker and the latest state, as before', async () => {
    const settings = settingsFor(server.port);
    const store = own(new PipelineStore({ coalesceMs: 0 }));
    const first = await startReader(settings, store);
    const live = waitFor(store.onDidAddRun, () => true, 5000, 'a live run');
    await publishResult(admin, KEYS, buildResult('NIGHT_V001', { duration_ms: 0 }));
    await live;
    first.watcher.dispose();
    const stoppedAt = Date.now();
    for (let i = 1; i < 51; i++) await publishResult(admin, KEYS, buildResult('NIGHT_V001', { duration_ms: i }));
    const { report } = await startReader(settings, store, stoppedAt);
    assert.deepEqual(shape(store.history('NIGHT_V001')), ['50', 'gap', '0']);
    const gap = store.history('NIGHT_V001')[1];
    assert.ok(gap.kind === 'gap' && gap.reason === NOT_RUNNING_REASON && gap.from === stoppedAt);
    assert.equal(report.streams?.streams, 0);
  });

  test('a stream trimmed past the viewer’s last run: the runs it holds are added after a gap marker', async () => {
    const settings = settingsFor(server.port);
    const recorder = await startRecorder(settings, 5);
    const store = own(new PipelineStore({ coalesceMs: 0 }));
    const first = await startReader(settings, store);
    const live = waitFor(store.onDidAddRun, () => true, 5000, 'a live run');
    await publishResult(admin, KEYS, buildResult('TRIM_V001', { duration_ms: 0 }));
    await live;
    first.watcher.dispose();
    // XADD MAXLEN ~ trims whole nodes (100 entries by default): write well past that.
    for (let i = 1; i <= 400; i++) await publishResult(admin, KEYS, buildResult('TRIM_V001', { duration_ms: i }));
    await recorded(recorder, 401, 'all runs recorded');
    const length = await admin.xlen(KEYS.runsKey('TRIM_V001'));
    assert.ok(length < 400, `the stream was trimmed (${length} entries)`);
    const small = own(new PipelineStore({ coalesceMs: 0, historySize: 1000 }));
    for (const item of store.history('TRIM_V001').reverse()) if (item.kind === 'run') small.addRun(item.run, item.source, item.receivedAt);
    await startReader(settings, small, Date.now() - 60_000);
    const items = shape(small.history('TRIM_V001'));
    assert.equal(items.at(-1), '0');
    assert.equal(items.at(-2), 'gap', 'the runs between the last one seen and the oldest one kept are not known');
    assert.equal(items[0], '400');
    assert.equal(items.length, length + 2);
  });

  test('two recorders side by side write each run once', async () => {
    const settings = settingsFor(server.port);
    const a = await startRecorder(settings);
    const b = await startRecorder(settings);
    const names = ['PAIR_A', 'PAIR_B', 'PAIR_C'];
    for (let i = 0; i < 30; i++) await publishResult(admin, KEYS, buildResult(names[i % 3], { duration_ms: i }));
    await recorded(a, 30, 'recorder A saw every run');
    await recorded(b, 30, 'recorder B saw every run');
    for (const name of names) {
      const entries = await admin.xrange(KEYS.runsKey(name), '-', '+');
      assert.equal(entries.length, 10, `${name}: each run once`);
      const durations = entries.map(([, fields]) => JSON.parse(fields[1]).duration_ms);
      assert.deepEqual(durations, [...durations].sort((x, y) => x - y), `${name}: in order`);
    }
    assert.equal(a.recorded.written + b.recorded.written, 30);
    assert.equal(a.recorded.alreadyRecorded + b.recorded.alreadyRecorded, 30);
    assert.equal(a.recorded.dropped + b.recorded.dropped, 0);
    assert.equal(a.recorded.late + b.recorded.late, 0);
  });

  test('the entry ID is the run’s own: finished_at in ms and a hash of its identity', async () => {
    const settings = settingsFor(server.port);
    const recorder = await startRecorder(settings);
    const store = own(new PipelineStore({ coalesceMs: 0 }));
    await startReader(settings, store);
    const live = waitFor(store.onDidAddRun, () => true, 5000, 'a live run');
    await publishResult(admin, KEYS, buildResult('ID_V001', { finished_at: '2025-11-18T13:00:02.123456789+03:00' }));
    const record = await live;
    await recorded(recorder, 1, 'the run recorded');
    const [[id]] = await admin.xrange(KEYS.runsKey('ID_V001'), '-', '+');
    assert.equal(id, streamIdOf(record));
    assert.match(id, new RegExp(`^${Date.UTC(2025, 10, 18, 10, 0, 2, 123)}-\\d+$`));
  });

  test('late runs sent together: one the stream holds counts as recorded, the others follow its newest entry in order', async () => {
    const recorder = await startRecorder(settingsFor(server.port));
    const key = KEYS.runsKey('LATE_V001');
    const first = buildResult('LATE_V001', { duration_ms: 1 });
    await publishResult(admin, KEYS, first);
    await recorded(recorder, 1, 'the first run');
    // Another writer's entry far ahead: every run after it is late; the first one is there already.
    await admin.xadd(key, `${Date.UTC(2030, 0, 1)}-0`, 'run', '{}');
    for (const result of [first, buildResult('LATE_V001', { duration_ms: 2 }), buildResult('LATE_V001', { duration_ms: 3 })]) await publishResult(admin, KEYS, result);
    await recorded(recorder, 4, 'the late runs');
    assert.deepEqual(recorder.recorded, { written: 3, late: 2, alreadyRecorded: 1, dropped: 0, retried: 0 });
    const durations = (await admin.xrange(key, '-', '+')).map(([, fields]) => (JSON.parse(fields[1]) as { duration_ms?: number }).duration_ms);
    assert.deepEqual(durations, [1, undefined, 2, 3]);
  });

  test('a live run is written as the bytes its PUBLISH carried; a run read from a state key, in Go order', async () => {
    const recorder = await startRecorder(settingsFor(server.port));
    // Valid, but not as JSON.stringify would write it: spaces, an escaped letter, an extra field first.
    const wire = '{"x_new": 1, "pipeline_name": "p", "result_name": "BYTES_V001", "status": "succ\\u0065ss", "started_at": "2025-11-18T10:00:00Z", "finished_at": "2025-11-18T10:00:01Z", "duration_ms": 1000, "rows_loaded": 5, "rows_exported": 5}';
    await admin.publish(KEYS.channel('BYTES_V001'), wire);
    const state = buildResult('STATE_V001');
    await admin.set(KEYS.stateKey('STATE_V001'), JSON.stringify({ x_new: 1, ...state }));
    await recorder.watcher.refresh();
    await recorded(recorder, 2, 'both runs recorded');
    const [[, live]] = await admin.xrange(KEYS.runsKey('BYTES_V001'), '-', '+');
    assert.deepEqual(live, ['run', wire]);
    const [[, read]] = await admin.xrange(KEYS.runsKey('STATE_V001'), '-', '+');
    assert.deepEqual(read, ['run', JSON.stringify({ ...state, x_new: 1 })]);
  });

  test('a recorder that loses its subscription recovers the latest states from the state keys into the streams', async () => {
    const settings = settingsFor(server.port);
    const recorder = await startRecorder(settings);
    const back = waitFor(recorder.watcher.onDidReconcile, (r) => r.source === 'recovered', 10_000, 'the recorder’s reconcile after the loss');
    // The kill is handled before the publishes that follow it on this connection: nobody hears them.
    const killed = admin.client('KILL', 'TYPE', 'pubsub');
    const lost = ['LOST_A', 'LOST_B', 'LOST_C'].map((name) => publishResult(admin, KEYS, buildResult(name, { status: 'failed', error: 'while away' })));
    assert.equal(await killed, 1);
    assert.deepEqual(await Promise.all(lost), [0, 0, 0], 'no subscriber heard them');
    const report = await back;
    assert.equal(report.added, 3);
    await recorded(recorder, 3, 'the recovered runs recorded');
    for (const name of ['LOST_A', 'LOST_B', 'LOST_C']) {
      const entries = await admin.xrange(KEYS.runsKey(name), '-', '+');
      assert.equal(entries.length, 1, name);
      assert.equal(JSON.parse(entries[0][1][1]).error, 'while away');
    }
  });

  test('tdtp-record as a process: records, and says what it did when stopped', async () => {
    const tool = startTool(RECORD_SOURCE, ['--port', String(server.port), '--maxlen', '50']);
    await tool.out.waitForLine(/recording tdtp:pipeline:\*:runs on redis:\/\/127\.0\.0\.1:\d+\/0 \(MAXLEN ~ 50\)/, 10_000);
    for (let i = 0; i < 5; i++) await publishResult(admin, KEYS, buildResult('CLI_V001', { duration_ms: i }));
    await pollUntil(async () => ((await admin.xlen(KEYS.runsKey('CLI_V001'))) === 5 ? true : undefined), 5000, 'five entries');
    const finished = await interruptTool(tool);
    assert.equal(finished.code, 0);
    assert.match(finished.stdout, /stopped: 5 written \(0 late\), 0 already recorded, 0 dropped, 0 waiting/);
  });
});

/** The recorder's least-privilege ACL, as the README gives it. */
export const RECORDER_ACL = ['~tdtp:pipeline:*', '&tdtp:pipeline:*', '+psubscribe', '+ping', '+scan', '+mget', '+get', '+pttl', '+xadd', '+xrange', '+xrevrange'];
/** The viewer's (test/integration/acl.test.ts) plus what reading the streams needs. */
export const VIEWER_ACL_WITH_STREAMS = ['~tdtp:pipeline:*', '&tdtp:pipeline:*', '+psubscribe', '+ping', '+scan', '+mget', '+get', '+pttl', '+xrevrange'];

describe('least-privilege ACL users', () => {
  let users = 0;
  async function user(rules: string[]): Promise<{ username: string; password: string }> {
    const username = `history${++users}`;
    assert.equal(await admin.call('ACL', 'SETUSER', username, 'reset', 'on', `>pw${users}`, ...rules), 'OK');
    return { username, password: `pw${users}` };
  }

  test(`the recorder works with ${RECORDER_ACL.join(' ')}; the viewer reads with +xrevrange added`, async () => {
    const recorder = await startRecorder(settingsFor(server.port, await user(RECORDER_ACL)));
    const problems: string[] = [];
    recorder.onProblem((p) => problems.push(p.message));
    for (let i = 0; i < 5; i++) await publishResult(admin, KEYS, buildResult('ACL_V001', { duration_ms: i }));
    // A late run exercises the XRANGE check: it finished before the newest one recorded.
    await recorded(recorder, 5, 'five runs');
    await publishResult(admin, KEYS, buildResult('ACL_V001', { duration_ms: 99, finished_at: '2020-01-01T00:00:00Z' }));
    await recorded(recorder, 6, 'the late run');
    assert.equal(recorder.recorded.late, 1);
    assert.deepEqual(problems, []);
    const store = own(new PipelineStore({ coalesceMs: 0 }));
    const { report } = await startReader(settingsFor(server.port, await user(VIEWER_ACL_WITH_STREAMS)), store);
    assert.equal(report.streams?.problem, undefined);
    assert.equal(report.streams?.added, 6);
  });

  test('a recorder without +xadd says so for each run; a viewer without +xrevrange works as before', async () => {
    const recorder = await startRecorder(settingsFor(server.port, await user(RECORDER_ACL.filter((r) => r !== '+xadd'))));
    const problem = waitFor(recorder.onProblem, () => true, 5000, 'a refused XADD');
    await publishResult(admin, KEYS, buildResult('NOPERM_V001'));
    assert.match((await problem).message, /NOPERM.*xadd/i);

    await admin.xadd(KEYS.runsKey('NOPERM_V001'), '*', 'run', '{}');
    const store = own(new PipelineStore({ coalesceMs: 0 }));
    const first = await startReader(settingsFor(server.port, await user(VIEWER_ACL_WITH_STREAMS.filter((r) => r !== '+xrevrange'))), store);
    assert.match(first.report.streams?.problem ?? '', /NOPERM/);
    assert.equal(first.report.keys, 1, 'the state keys are read as without streams');
    assert.equal(store.get('NOPERM_V001')?.runCount, 1);
  });
});

describe('Sentinel and Cluster', () => {
  let topology: SentinelTopology;
  let cluster: TestCluster;
  before(async () => {
    [topology, cluster] = await Promise.all([startSentinelTopology('history-primary'), startCluster()]);
  });
  after(async () => {
    await topology?.dispose();
    await cluster?.dispose();
  });

  test('through a Sentinel set: recorded on the primary, read back by a viewer that was away', async () => {
    const settings = settingsFor(1, { sentinels: topology.sentinelAddresses, sentinelName: topology.name });
    const recorder = await startRecorder(settings);
    const primary = await topology.primaryClient();
    for (let i = 0; i < 20; i++) await publishResult(primary, KEYS, buildResult('HA_V001', { duration_ms: i }));
    await recorded(recorder, 20, 'runs recorded through the sentinel-found primary');
    const store = own(new PipelineStore({ coalesceMs: 0 }));
    const { report } = await startReader(settings, store);
    assert.equal(report.streams?.added, 20);
    assert.deepEqual(shape(store.history('HA_V001')).reverse(), Array.from({ length: 20 }, (_, i) => String(i)));
  });

  test('on a 3-node cluster: each stream on its own slot, every pipeline read back', async () => {
    const settings = settingsFor(1, { clusterNodes: cluster.addresses });
    const recorder = await startRecorder(settings);
    const writer = (await cluster.cluster()) as unknown as Redis;
    // Six pipelines whose streams live on each primary.
    const perNode = new Map<number, string[]>(cluster.nodes.map((n) => [n.port, []]));
    for (let i = 0; [...perNode.values()].some((list) => list.length < 6); i++) {
      const name = `SHARD_${i}`;
      const list = perNode.get((await cluster.nodeOf(KEYS.runsKey(name))).port)!;
      if (list.length < 6) list.push(name);
    }
    const names = [...perNode.values()].flat();
    for (let round = 0; round < 4; round++) for (const name of names) await publishResult(writer, KEYS, buildResult(name, { duration_ms: round }));
    await recorded(recorder, names.length * 4, 'every run recorded');
    assert.equal(recorder.recorded.written, names.length * 4);
    const store = own(new PipelineStore({ coalesceMs: 0 }));
    const { report } = await startReader(settings, store);
    assert.equal(report.streams?.streams, names.length);
    assert.equal(report.streams?.added, names.length * 4);
    assert.equal(report.streams?.problem, undefined);
    for (const name of names) assert.deepEqual(shape(store.history(name)), ['3', '2', '1', '0'], name);
    for (const node of await cluster.nodeClients()) await node.flushall();
  });
});
