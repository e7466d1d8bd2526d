// The core (watcher + store) against a real redis-server: what tdtpcli writes arrives decoded,
// existing states load at start, polls, a non-zero db, and bad payloads on the channel.
import assert from 'node:assert/strict';
import { after, afterEach, before, describe, test } from 'node:test';
import type Redis from 'ioredis';
import type { TdtpResult } from '../../src/core/decode';
import { encodeLikeGo, publishResult } from '../../src/core/publish';
import { pollOnce } from '../../src/core/watcher';
import type {
  RedisServer,
  RecordedWatcher} from '../support/redisServer';
import {
  KEYS,
  assertModelMatchesRedis,
  settingsFor,
  startRedis,
  startRecordedWatcher,
  pollUntil,
  waitFor,
} from '../support/redisServer';
import { buildResult } from '../support/builders';

let server: RedisServer;
let admin: Redis;
const viewers: RecordedWatcher[] = [];

async function viewer(input: Parameters<typeof settingsFor>[1] = {}): Promise<RecordedWatcher> {
  const v = await startRecordedWatcher(settingsFor(server.port, input));
  viewers.push(v);
  return v;
}

before(async () => {
  server = await startRedis();
  admin = await server.client();
});

afterEach(async () => {
  for (const v of viewers.splice(0)) v.dispose();
  await admin.flushall();
});

after(async () => {
  await server.dispose();
});

describe('events published with publishResult', () => {
  test('every status arrives decoded in the store, as a live run', async () => {
    const v = await viewer();
    assert.equal(v.reconciles[0].keys, 0);
    const results: Array<{ result: TdtpResult; kind: string }> = [
      { result: buildResult('OK_V001'), kind: 'success' },
      { result: buildResult('DQ_V001', { rows_loaded: 15000, rows_exported: 14998 }), kind: 'success' },
      {
        result: buildResult('FAIL_V001', { status: 'failed', rows_exported: 0, error: 'source "erp": dial tcp 10.0.0.5:5432: connect: connection refused\n\tat step 1\n\tat step 2' }),
        kind: 'failed',
      },
      {
        result: buildResult('CWE_V001', { status: 'completed_with_errors', package_uuid: '6f1c2b9e-8a7d-4c1e-9f00-0123456789ab', error: 'encryption service unavailable' }),
        kind: 'completed_with_errors',
      },
      { result: buildResult('ODD_V001', { status: 'cancelled' }), kind: 'unknown' },
      {
        // Failed before it started: Go's zero time, 0 ms, no rows.
        result: buildResult('EARLY_V001', { status: 'failed', started_at: '0001-01-01T00:00:00Z', finished_at: '0001-01-01T00:00:00Z', duration_ms: 0, rows_loaded: 0, rows_exported: 0, error: 'config: no sources' }),
        kind: 'failed',
      },
      {
        result: buildResult('CYR_V001', { pipeline_name: 'синхронизация_ERP', started_at: '2025-11-18T13:00:00.123456789+03:00', finished_at: '2025-11-18T13:00:02.1+03:00' }),
        kind: 'success',
      },
    ];
    for (const { result, kind } of results) {
      const arrived = v.nextRun(result.result_name, 5000);
      const receivers = await publishResult(admin, KEYS, result);
      assert.equal(receivers, 1, `the viewer should be the one subscriber of ${result.result_name}`);
      const record = await arrived;
      assert.equal(record.source, 'live');
      assert.equal(record.run.statusKind, kind, `statusKind of ${result.result_name}`);
      assert.deepEqual(record.run.result, JSON.parse(encodeLikeGo(result)), `decoded fields of ${result.result_name}`);
      assert.equal(record.run.resultNameMismatch, false);
    }
    assert.equal(v.store.size, results.length);
    assert.equal(v.store.rejectedMessages().total, 0);

    const early = v.store.get('EARLY_V001')!.latest.run;
    assert.equal(early.startedAt, undefined, 'the Go zero time means "never started"');
    assert.equal(early.finishedAt, undefined);
    const cyr = v.store.get('CYR_V001')!.latest.run;
    assert.equal(cyr.result.pipeline_name, 'синхронизация_ERP');
    assert.equal(cyr.startedAt?.epochMs, Date.UTC(2025, 10, 18, 10, 0, 0, 123));
    assert.equal(cyr.startedAt?.subMsNanos, 456789);
    assert.equal(cyr.startedAt?.offsetMinutes, 180);
    assert.equal(v.store.get('DQ_V001')!.displayStatus, 'dq_warning');
    assert.equal(v.store.get('ODD_V001')!.latest.run.result.status, 'cancelled');
    assert.equal(v.store.get('CWE_V001')!.latest.run.result.package_uuid, '6f1c2b9e-8a7d-4c1e-9f00-0123456789ab');
    const counts = v.store.counts();
    assert.deepEqual(counts, { success: 2, failed: 2, completed_with_errors: 1, dq_warning: 1, unknown: 1, total: 7 });
    await assertModelMatchesRedis(v.store, admin);
  });

  test('a second run of a pipeline becomes its latest and joins its history', async () => {
    const v = await viewer();
    const first = buildResult('TWICE_V001', { status: 'failed', error: 'boom' });
    const second = buildResult('TWICE_V001');
    for (const result of [first, second]) {
      const arrived = v.nextRun('TWICE_V001', 5000, 'live');
      await publishResult(admin, KEYS, result);
      await arrived;
    }
    const entry = v.store.get('TWICE_V001')!;
    assert.equal(entry.runCount, 2);
    assert.equal(entry.displayStatus, 'success');
    assert.deepEqual(
      v.store.history('TWICE_V001').map((item) => (item.kind === 'run' ? item.run.result.status : item.kind)),
      ['success', 'failed'],
    );
  });
});

describe('the SET-then-PUBLISH order of tdtpcli', () => {
  test('a run read from its state key (refresh or poll) before its event arrives is not added twice', async () => {
    const v = await viewer();
    const added: string[] = [];
    v.store.onDidAddRun((r) => added.push(`${r.run.resultName}:${r.source}`));
    for (const [name, read] of [
      ['REFRESH_V001', () => v.watcher.refresh()],
      ['POLLED_V001', () => v.watcher.poll('POLLED_V001')],
    ] as const) {
      const json = encodeLikeGo(buildResult(name, { status: 'failed', error: 'once' }));
      // tdtpcli's first write …
      await admin.set(KEYS.stateKey(name), json, 'EX', 600);
      // … a read of the state keys falls between the two writes …
      await read();
      // … then the event of the same run.
      assert.equal(await admin.publish(KEYS.channel(name), json), 1);
      // Redis delivers in order: when this marker event arrives, the one before it was handled.
      const marker = v.nextRun('MARKER_V001', 5000, 'live');
      await publishResult(admin, KEYS, buildResult('MARKER_V001'));
      await marker;
      assert.equal(v.store.get(name)!.runCount, 1, `${name}: one run, seen twice, is one run`);
      assert.equal(v.store.history(name).length, 1);
    }
    assert.deepEqual(
      added.filter((a) => !a.startsWith('MARKER')),
      ['REFRESH_V001:recovered', 'POLLED_V001:polled'],
      'one notification per run',
    );
    await assertModelMatchesRedis(v.store, admin);
  });
});

describe('state keys that exist at start', () => {
  test('2,500 state keys load across SCAN pages with source "loaded", before new events', async () => {
    const count = 2500;
    const results = new Map<string, TdtpResult>();
    const batch = admin.pipeline();
    for (let i = 0; i < count; i++) {
      const name = `LOAD_${String(i).padStart(4, '0')}`;
      const result = buildResult(name, i % 7 === 0 ? { status: 'failed', rows_exported: 0, error: `error ${i}` } : {});
      results.set(name, result);
      batch.set(KEYS.stateKey(name), encodeLikeGo(result), 'EX', 3600);
    }
    // Keys under the prefix that are not state keys, and keys of other applications, are skipped.
    batch.set('tdtp:pipeline:LOAD_0001', 'not a state key');
    batch.set('tdtp:pipeline:LOAD_0001:state:old', 'not a state key either');
    batch.set('other:app:state', '{}');
    await batch.exec();
    await admin.config('RESETSTAT');

    const added: string[] = [];
    const v = await viewer();
    // Everything the initial reconcile added was 'loaded'.
    for (const entry of v.store.list()) {
      assert.equal(entry.latest.source, 'loaded', `${entry.resultName} should come from the initial load`);
      added.push(entry.resultName);
    }
    const report = v.reconciles[0];
    assert.equal(report.source, 'loaded');
    assert.equal(report.keys, count);
    assert.equal(report.added, count);
    assert.equal(report.rejected, 0);
    assert.deepEqual(report.expired, []);
    assert.equal(v.store.size, count);

    // SCAN really went over several pages (COUNT is 1000 per step).
    const stats = await admin.info('commandstats');
    const scanCalls = Number(/cmdstat_scan:calls=(\d+)/.exec(stats)?.[1] ?? 0);
    assert.ok(scanCalls >= 3, `expected the reconcile to need several SCAN pages, it made ${scanCalls} SCAN calls`);

    for (const [name, result] of results) assert.deepEqual(v.store.get(name)!.latest.run.result, JSON.parse(encodeLikeGo(result)), name);
    await assertModelMatchesRedis(v.store, admin);

    // A new event after the load is live and joins the loaded run's history.
    const next = buildResult('LOAD_0042', { status: 'failed', error: 'later' });
    const arrived = v.nextRun('LOAD_0042', 5000);
    await publishResult(admin, KEYS, next);
    const record = await arrived;
    assert.equal(record.source, 'live');
    assert.equal(v.store.get('LOAD_0042')!.runCount, 2);
    assert.deepEqual(
      v.store.history('LOAD_0042').map((item) => (item.kind === 'run' ? item.source : item.kind)),
      ['live', 'loaded'],
    );
  });

  test('a state key that cannot be decoded is counted as rejected, not loaded', async () => {
    await publishResult(admin, KEYS, buildResult('GOOD_V001'));
    await admin.set(KEYS.stateKey('BROKEN_V001'), '{"pipeline_name":"x"', 'EX', 60);
    const v = await viewer();
    const report = v.reconciles[0];
    assert.equal(report.keys, 2);
    assert.equal(report.added, 1);
    assert.equal(report.rejected, 1);
    assert.equal(v.store.has('BROKEN_V001'), false);
    const rejected = v.store.rejectedMessages();
    assert.equal(rejected.total, 1);
    assert.equal(rejected.recent[0].source, KEYS.stateKey('BROKEN_V001'));
    assert.match(rejected.recent[0].reason, /not JSON/);
  });
});

describe('a non-zero db', () => {
  test('loads, receives and polls the states of db 5 only', async () => {
    const db5 = await server.client(5);
    await publishResult(db5, KEYS, buildResult('DB5_V001'));
    await publishResult(admin, KEYS, buildResult('DB0_V001'));
    const v = await viewer({ db: 5 });
    assert.deepEqual(
      v.store.list().map((e) => e.resultName),
      ['DB5_V001'],
    );
    await assertModelMatchesRedis(v.store, db5);

    const arrived = v.nextRun('DB5_V002', 5000);
    await publishResult(db5, KEYS, buildResult('DB5_V002', { status: 'failed', error: 'x' }));
    assert.equal((await arrived).source, 'live');
    // The poll reads db 5: DB5_V002 is there, DB0_V001 is not.
    const found = await v.watcher.poll('DB5_V002');
    assert.equal(found.found, true);
    assert.deepEqual(await v.watcher.poll('DB0_V001'), { found: false });
    await assertModelMatchesRedis(v.store, db5);

    const once = await pollOnce(settingsFor(server.port, { db: 5 }), 'DB5_V001');
    assert.equal(once.found, true);
    assert.deepEqual(await pollOnce(settingsFor(server.port, { db: 0 }), 'DB5_V001'), { found: false });
    await db5.flushdb();
  });
});

describe('polling a state key', () => {
  test('a present key is found with its TTL, and enters the model as polled', async () => {
    const v = await viewer();
    const result = buildResult('POLL_V001');
    // Written without an event: only a poll (or a reconcile) can see it.
    await admin.set(KEYS.stateKey('POLL_V001'), encodeLikeGo(result), 'EX', 120);
    const polled = await v.watcher.poll('POLL_V001');
    assert.equal(polled.found, true);
    if (!polled.found) return;
    assert.equal(polled.outcome.kind, 'run');
    assert.ok(polled.ttlMs !== undefined && polled.ttlMs > 110_000 && polled.ttlMs <= 120_000, `ttlMs ${polled.ttlMs}`);
    const entry = v.store.get('POLL_V001')!;
    assert.equal(entry.latest.source, 'polled');
    assert.deepEqual(entry.latest.run.result, JSON.parse(encodeLikeGo(result)));

    // A key without a TTL: found, no TTL.
    await admin.set(KEYS.stateKey('NOTTL_V001'), encodeLikeGo(buildResult('NOTTL_V001')));
    const noTtl = await v.watcher.poll('NOTTL_V001');
    assert.equal(noTtl.found && noTtl.ttlMs, undefined);

    // Polling the same run again does not add a duplicate.
    await v.watcher.poll('POLL_V001');
    assert.equal(v.store.get('POLL_V001')!.runCount, 1);
  });

  test('an expired key is found:false and the model marks the state expired', async () => {
    const v = await viewer();
    const arrived = v.nextRun('SHORT_V001', 5000);
    const result = buildResult('SHORT_V001');
    await admin.set(KEYS.stateKey('SHORT_V001'), encodeLikeGo(result), 'PX', 150);
    await admin.publish(KEYS.channel('SHORT_V001'), encodeLikeGo(result));
    await arrived;
    assert.equal(v.store.get('SHORT_V001')!.stateExpired, false);
    // Wait until Redis itself says the key is gone.
    await pollUntil(async () => ((await admin.exists(KEYS.stateKey('SHORT_V001'))) === 0 ? true : undefined), 5000, 'the state key to expire');
    assert.deepEqual(await v.watcher.poll('SHORT_V001'), { found: false });
    const entry = v.store.get('SHORT_V001')!;
    assert.equal(entry.stateExpired, true);
    assert.equal(entry.runCount, 1, 'the run stays in the model, marked expired');
    // A name that never ran: not found, and nothing enters the model.
    assert.deepEqual(await v.watcher.poll('NEVER_V001'), { found: false });
    assert.equal(v.store.has('NEVER_V001'), false);
    await assertModelMatchesRedis(v.store, admin);
  });
});

describe('bad payloads on the channel', () => {
  test('malformed payloads are rejected and counted, and later events still arrive', async () => {
    const v = await viewer();
    const bad: Array<{ channel: string; payload: string | Buffer; reason: RegExp }> = [
      { channel: KEYS.channel('BAD_V001'), payload: 'not json', reason: /not JSON/ },
      { channel: KEYS.channel('BAD_V001'), payload: '[1,2]', reason: /array/ },
      { channel: KEYS.channel('BAD_V001'), payload: JSON.stringify({ ...buildResult('BAD_V001'), rows_loaded: '15000' }), reason: /rows_loaded/ },
      { channel: KEYS.channel('BAD_V001'), payload: JSON.stringify({ ...buildResult('BAD_V001'), finished_at: 'yesterday' }), reason: /finished_at/ },
      { channel: KEYS.channel('BAD_V001'), payload: Buffer.from([0x7b, 0x22, 0xff, 0xfe, 0x22, 0x7d]), reason: /UTF-8/ },
      { channel: KEYS.channel('BAD_V001'), payload: 'x'.repeat(1024 * 1024 + 1), reason: /over the/ },
      { channel: 'tdtp:pipeline:', payload: encodeLikeGo(buildResult('X')), reason: /no result_name/ },
    ];
    const rejectedSeen: string[] = [];
    v.store.onDidReject((r) => rejectedSeen.push(r.reason));
    for (const { channel, payload } of bad) assert.equal(await admin.publish(channel, payload), 1);
    // Ignored like the reference worker does: a channel ending in :state.
    assert.equal(await admin.publish(KEYS.stateKey('BAD_V001'), encodeLikeGo(buildResult('BAD_V001'))), 1);
    // Redis delivers in order: when this event arrives, everything before it was handled.
    const good = buildResult('BAD_V001');
    const arrived = v.nextRun('BAD_V001', 5000);
    await publishResult(admin, KEYS, good);
    assert.equal((await arrived).source, 'live');

    const { total, recent } = v.store.rejectedMessages();
    assert.equal(total, bad.length, `rejected: ${rejectedSeen.join(' | ')}`);
    // Newest first in `recent`.
    bad.forEach(({ reason }, i) => assert.match(recent[bad.length - 1 - i].reason, reason));
    assert.equal(recent[bad.length - 1].source, KEYS.channel('BAD_V001'));
    assert.equal(recent[bad.length - 1].rawPreview, 'not json');
    assert.ok(recent[bad.length - 6].rawPreview.length <= 2001, 'a huge payload keeps only a preview');
    assert.equal(v.store.get('BAD_V001')!.runCount, 1);
    assert.equal(v.watcher.state.kind, 'connected');
    await assertModelMatchesRedis(v.store, admin);
  });

  test('a payload whose result_name differs from its channel is kept under the channel name, flagged', async () => {
    const v = await viewer();
    const arrived = v.nextRun('CHAN_V001', 5000);
    await admin.publish(KEYS.channel('CHAN_V001'), encodeLikeGo(buildResult('PAYLOAD_V001')));
    const record = await arrived;
    assert.equal(record.run.resultName, 'CHAN_V001');
    assert.equal(record.run.resultNameMismatch, true);
    assert.equal(record.run.result.result_name, 'PAYLOAD_V001');
    assert.equal(v.store.has('PAYLOAD_V001'), false);
  });

  test('a flood of events reaches the store in order, none lost while connected', async () => {
    const v = await viewer();
    const n = 2000;
    const done = waitFor(v.store.onDidAddRun, (r) => r.run.result.duration_ms === n - 1, 10_000, `the ${n}th event`);
    const durations: number[] = [];
    v.store.onDidAddRun((r) => durations.push(r.run.result.duration_ms));
    const batch = admin.pipeline();
    for (let i = 0; i < n; i++) batch.publish(KEYS.channel(`FLOOD_${i % 10}`), encodeLikeGo(buildResult(`FLOOD_${i % 10}`, { duration_ms: i })));
    await batch.exec();
    await done;
    assert.deepEqual(durations, Array.from({ length: n }, (_, i) => i));
    assert.equal(v.store.size, 10);
  });
});
