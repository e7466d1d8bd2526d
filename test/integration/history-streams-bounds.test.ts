// Reading runs back from recorders' streams stays within the model's bounds and keeps every run it
// can, against a real redis-server: a flood of junk names in streams pushes out none of the team's
// pipelines and one connect reads a bounded number of streams; a far-future finished_at bends no
// IDs or received times; a run that never started is recorded once by two recorders and a
// restart; a live run during the read does not swallow the runs before it; a recorder retries
// passing refusals (OOM) a bounded number of times; a stream entry's bytes are read as when every
// field came as text (the run field among others, invalid UTF-8).
import assert from 'node:assert/strict';
import { after, afterEach, before, describe, test } from 'node:test';
import type Redis from 'ioredis';
import { CLOCK_SKEW_ALLOWANCE_MS } from '../../src/core/clock';
import type { PipelineRun, TdtpResult } from '../../src/core/decode';
import { decodePayload } from '../../src/core/decode';
import { LiveHold } from '../../src/core/history/liveHold';
import { StreamRecorder } from '../../src/core/history/recorder';
import { STREAMS_PER_CONNECT, readStreams } from '../../src/core/history/streams';
import { streamIdOf, streamIdTime } from '../../src/core/history/streamId';
import { encodeLikeGo, publishResult } from '../../src/core/publish';
import type { ConnectionSettings } from '../../src/core/settings';
import { PipelineStore } from '../../src/core/store';
import type { HistoryItem } from '../../src/core/runs';
import type { ReconcileReport } from '../../src/core/watcher';
import { PipelineWatcher } from '../../src/core/watcher';
import type { RedisServer } from '../support/redisServer';
import { KEYS, settingsFor, startRedis, pollUntil, waitFor } from '../support/redisServer';
import { buildResult } from '../support/builders';

let server: RedisServer;
let admin: Redis;
const owned: Array<{ dispose(): void }> = [];

before(async () => {
  server = await startRedis();
  admin = await server.client();
});
afterEach(async () => {
  for (const d of owned.splice(0).reverse()) d.dispose();
  await admin.config('SET', 'maxmemory', '0');
  await admin.flushall();
});
after(() => server.dispose());

function own<T extends { dispose(): void }>(d: T): T {
  owned.push(d);
  return d;
}

const ZERO = '0001-01-01T00:00:00Z';

function runOf(result: TdtpResult): PipelineRun {
  const outcome = decodePayload(KEYS.stateKey(result.result_name), result.result_name, encodeLikeGo(result));
  assert.equal(outcome.kind, 'run');
  return (outcome as { run: PipelineRun }).run;
}

async function startRecorder(settings: ConnectionSettings, options: { retries?: number; retryMs?: number } = {}): Promise<StreamRecorder> {
  const recorder = own(new StreamRecorder(settings, { maxLen: 1000, ...options }));
  const ready = waitFor(recorder.watcher.onDidReconcile, () => true, 10_000, 'the recorder’s first reconcile');
  recorder.start();
  await ready;
  return recorder;
}

async function startReader(settings: ConnectionSettings, store: PipelineStore, resumedFrom?: number): Promise<ReconcileReport> {
  const watcher = own(new PipelineWatcher(settings, store, {}, { readStreams: true, resumedFrom }));
  const loaded = waitFor(watcher.onDidReconcile, () => true, 10_000, 'the viewer’s first reconcile');
  watcher.start();
  return loaded;
}

function shape(items: HistoryItem[]): string[] {
  return items.map((i) => (i.kind === 'gap' ? 'gap' : String(i.run.result.duration_ms)));
}

/** `n` junk streams of `entries` entries each, as a recorder writes a flood of distinct names. */
async function junkStreams(n: number, entries: number): Promise<void> {
  for (let from = 0; from < n; from += 1000) {
    const pipeline = admin.pipeline();
    for (let i = from; i < Math.min(n, from + 1000); i++) {
      for (let k = 0; k < entries; k++) pipeline.xadd(KEYS.runsKey(`JUNK_${i}`), '*', 'run', encodeLikeGo(buildResult(`JUNK_${i}`, { status: 'failed', error: 'junk' })));
    }
    await pipeline.exec();
  }
}

describe('a flood of names in the streams', () => {
  test('pushes out none of the team’s pipelines and writes no forget; what found no room is counted as unread', async () => {
    const store = own(new PipelineStore({ coalesceMs: 0, limits: { maxPipelines: 30 } }));
    const team = Array.from({ length: 10 }, (_, i) => `TEAM_${i}`);
    // The team's pipelines as a journal restores them: heard live twice each, state keys long expired.
    for (const name of team) for (let k = 0; k < 2; k++) store.addRun(runOf(buildResult(name, { duration_ms: k })), 'live');
    const forgotten: string[] = [];
    store.onDidMutate((m) => m.kind === 'forget' && forgotten.push(m.resultName ?? '*'));
    await junkStreams(400, 3);
    const report = await startReader(settingsFor(server.port), store, Date.now() - 60_000);
    assert.deepEqual(forgotten, []);
    for (const name of team) assert.ok(store.has(name), name);
    assert.equal(store.size, 30);
    assert.equal(report.streams?.streams, 400);
    assert.equal(report.streams?.unread, 380, 'the 20 that fit were read');
    // The junk that fit gives way to the next name heard live, before any of the team's.
    store.addRun(runOf(buildResult('LIVE_NEW')), 'live');
    assert.match(forgotten[0] ?? '', /^JUNK_/);
  });

  test(`one connect reads at most ${STREAMS_PER_CONNECT} streams, in batches, and says how many it left`, async () => {
    const store = own(new PipelineStore({ coalesceMs: 0, limits: { maxPipelines: 100_000 } }));
    await junkStreams(STREAMS_PER_CONNECT + 150, 1);
    const report = await startReader(settingsFor(server.port), store);
    assert.equal(report.streams?.streams, STREAMS_PER_CONNECT + 150);
    assert.equal(report.streams?.unread, 150);
    assert.equal(store.size, STREAMS_PER_CONNECT);
  });
});

describe('times a producer claims', () => {
  test('a finished_at in year 9999 sends no later run down the late path; the stream keeps its claim', async () => {
    const recorder = await startRecorder(settingsFor(server.port));
    await publishResult(admin, KEYS, buildResult('FUTURE_V001', { duration_ms: 0, finished_at: '9999-12-31T23:59:59Z' }));
    await pollUntil(() => (recorder.recorded.written === 1 ? true : undefined), 5000, 'the far-future run recorded');
    for (let i = 1; i <= 3; i++) await publishResult(admin, KEYS, buildResult('FUTURE_V001', { duration_ms: i, finished_at: new Date(Date.now() + i * 10).toISOString() }));
    await pollUntil(() => (recorder.recorded.written === 4 && recorder.pending === 0 ? true : undefined), 5000, 'all four recorded');
    assert.equal(recorder.recorded.late, 0);
    const entries = await admin.xrange(KEYS.runsKey('FUTURE_V001'), '-', '+');
    assert.ok(streamIdTime(entries[0][0]) <= Date.now() + CLOCK_SKEW_ALLOWANCE_MS, entries[0][0]);
    assert.equal(JSON.parse(entries[0][1][1]).finished_at, '9999-12-31T23:59:59Z');
    assert.deepEqual(
      entries.map(([, f]) => JSON.parse(f[1]).duration_ms),
      [0, 1, 2, 3],
    );
  });

  test('a stream entry with an ID in year 9999 is received no later than the clock allows, and shown as claimed', async () => {
    await admin.xadd(KEYS.runsKey('FUTURE_R'), '253402300799000-1', 'run', encodeLikeGo(buildResult('FUTURE_R', { finished_at: '9999-12-31T23:59:59Z' })));
    const store = own(new PipelineStore({ coalesceMs: 0 }));
    await startReader(settingsFor(server.port), store);
    const latest = store.get('FUTURE_R')?.latest;
    assert.ok(latest && latest.receivedAt <= Date.now() + CLOCK_SKEW_ALLOWANCE_MS, String(latest?.receivedAt));
    assert.equal(latest?.run.result.finished_at, '9999-12-31T23:59:59Z');
  });
});

describe('runs that failed before they started (Go’s zero time)', () => {
  test('two recorders and a restart write each once; a viewer that saw it finds it in the stream', async () => {
    const settings = settingsFor(server.port);
    const a = await startRecorder(settings);
    const b = await startRecorder(settings);
    const store = own(new PipelineStore({ coalesceMs: 0 }));
    await startReader(settings, store);
    const zero = (error: string) => buildResult('ZERO_V001', { status: 'failed', started_at: ZERO, finished_at: ZERO, duration_ms: 0, error });
    // Both recorders take the second the run arrived in: publish early in a second, so both see the same one.
    await pollUntil(() => (Date.now() % 1000 < 500 ? true : undefined), 2000, 'the start of a second', 1);
    const seen = waitFor(store.onDidAddRun, () => true, 5000, 'the viewer’s live run');
    await publishResult(admin, KEYS, zero('no config'));
    await seen;
    await pollUntil(() => (a.recorded.written + b.recorded.written + a.recorded.alreadyRecorded + b.recorded.alreadyRecorded === 2 && a.pending + b.pending === 0 ? true : undefined), 5000, 'both recorders done');
    assert.equal(await admin.xlen(KEYS.runsKey('ZERO_V001')), 1, 'once for two recorders');
    a.dispose();
    // A restarted recorder reads the run again from its state key.
    const c = await startRecorder(settings);
    await pollUntil(() => (c.recorded.alreadyRecorded === 1 && c.pending === 0 ? true : undefined), 5000, 'the restarted recorder’s check');
    assert.equal(await admin.xlen(KEYS.runsKey('ZERO_V001')), 1, 'once after a restart');
    // The viewer comes back: the stream holds its latest run, so there is no gap marker.
    const again = own(new PipelineStore({ coalesceMs: 0 }));
    for (const item of store.history('ZERO_V001').reverse()) if (item.kind === 'run') again.addRun(item.run, item.source, item.receivedAt);
    const report = await startReader(settings, again, Date.now() - 60_000);
    assert.equal(report.streams?.covered, 1);
    assert.deepEqual(shape(again.history('ZERO_V001')), ['0']);
  });
});

describe('a live run while the streams are read', () => {
  async function arrange(): Promise<{ store: PipelineStore; client: Redis; live: PipelineRun }> {
    const results = Array.from({ length: 5 }, (_, i) => buildResult('RACE_V001', { duration_ms: i }));
    const store = own(new PipelineStore({ coalesceMs: 0 }));
    const first = store.addRun(runOf(results[0]), 'live');
    assert.ok(first);
    for (const result of results.slice(0, 4)) await admin.xadd(KEYS.runsKey('RACE_V001'), streamIdOf({ run: runOf(result), receivedAt: Date.now() }), 'run', encodeLikeGo(result));
    return { store, client: await server.client(), live: runOf(results[4]) };
  }
  const gap = { from: Date.now() - 60_000, to: Date.now(), reason: 'the viewer was not running' };

  test('is held and goes after the runs the stream had missed', async () => {
    const { store, client, live } = await arrange();
    const hold = new LiveHold(store);
    const reading = readStreams(client, KEYS, store, 'recovered', gap, hold);
    hold.offer(live);
    const report = await reading;
    client.disconnect();
    assert.deepEqual(shape(store.history('RACE_V001')), ['4', '3', '2', '1', '0']);
    assert.equal(report.covered, 1);
  });

  test('past what is held, the runs it overtook are counted and their span keeps its gap marker', async () => {
    const { store, client, live } = await arrange();
    const reading = readStreams(client, KEYS, store, 'recovered', gap);
    store.addRun(live, 'live');
    const report = await reading;
    client.disconnect();
    assert.deepEqual(shape(store.history('RACE_V001')), ['gap', '4', '0']);
    assert.equal(report.covered, 0);
    assert.equal(report.overtaken, 1);
  });
});

describe('passing refusals', () => {
  test('a run refused with OOM is sent again with backoff and written once Redis has room', async () => {
    const recorder = await startRecorder(settingsFor(server.port), { retryMs: 20 });
    await admin.config('SET', 'maxmemory', '1');
    // PUBLISH only: a SET would be refused too. Spaces and Cyrillic: the retried entry is these bytes.
    const payload = encodeLikeGo(buildResult('OOM_V001', { pipeline_name: 'выгрузка заказов' })).replace('"status"', ' "status"');
    await admin.publish(KEYS.channel('OOM_V001'), payload);
    await pollUntil(() => (recorder.recorded.retried >= 2 ? true : undefined), 5000, 'two retries');
    await admin.config('SET', 'maxmemory', '0');
    await pollUntil(() => (recorder.recorded.written === 1 ? true : undefined), 10_000, 'the run written');
    assert.equal(recorder.recorded.dropped, 0);
    const [[, fields]] = await admin.xrangeBuffer(KEYS.runsKey('OOM_V001'), '-', '+');
    assert.deepEqual(fields.map(String), ['run', payload]);
  });

  test('still refused after every retry: dropped, with the reason', async () => {
    const recorder = await startRecorder(settingsFor(server.port), { retries: 2, retryMs: 10 });
    await admin.config('SET', 'maxmemory', '1');
    const problem = waitFor(recorder.onProblem, () => true, 5000, 'the run given up');
    await admin.publish(KEYS.channel('OOM_V002'), encodeLikeGo(buildResult('OOM_V002')));
    assert.match((await problem).message, /^OOM/);
    assert.equal(recorder.recorded.retried, 2);
    assert.equal(recorder.recorded.dropped, 1);
  });
});

describe('a stream entry’s bytes', () => {
  test('the run field is found among others and its bytes are decoded as UTF-8 text, as before', async () => {
    const key = KEYS.runsKey('BYTES_V001');
    const json = (duration: number, pipeline = 'p') => encodeLikeGo(buildResult('BYTES_V001', { duration_ms: duration, pipeline_name: pipeline }));
    await admin.xadd(key, '1000-1', 'run', json(1));
    await admin.xadd(key, '1000-2', 'other', 'x', 'run', json(2));
    await admin.xadd(key, '1000-3', 'Run', json(3));
    await admin.xadd(key, '1000-4', Buffer.from([0x72, 0x75, 0xff]), json(4));
    await admin.xadd(key, '1000-5', 'run', Buffer.concat([Buffer.from(json(5).slice(0, -2)), Buffer.from([0xff]), Buffer.from(json(5).slice(-2))]));
    await admin.xadd(key, '1000-6', 'run', json(6, 'выгрузка_заказов'));
    await admin.xadd(key, '1000-7', 'run', Buffer.from(json(7).replace('"p"', '"p\u00ff"'), 'latin1'));
    await admin.xadd(key, '1000-8', 'run', 'not json', 'run', json(8));
    const store = new PipelineStore({ coalesceMs: 0 });
    const report = await readStreams(admin, KEYS, store, 'loaded', undefined);
    assert.equal(report.problem, undefined);
    assert.deepEqual(
      store.history('BYTES_V001').map((item) => item.kind === 'run' && [item.run.result.duration_ms, item.run.result.pipeline_name]),
      // 3 ("Run") and 4 (a name of bytes that are not UTF-8) have no run field; the replacement character stands for 7's byte.
      [
        [7, 'p\ufffd'],
        [6, 'выгрузка_заказов'],
        [2, 'p'],
        [1, 'p'],
      ],
    );
    // 8's first run field is the one read; 5's stray byte breaks its JSON.
    assert.deepEqual(
      store.rejectedMessages().recent.map((r) => [r.reason.split(':')[0], r.rawPreview === 'not json', r.rawBytes]),
      [
        ['payload is not JSON', true, 8],
        ['payload is not JSON', false, Buffer.byteLength(json(5)) + 3],
      ],
    );
    assert.equal(report.added, 4);
    store.dispose();
  });
});
