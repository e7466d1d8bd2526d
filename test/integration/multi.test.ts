// Several watchers in one process, each with its own store: to different servers, or to one
// server with another db or prefix. Each model holds only its own server's states and events, a
// server going down affects only its own watcher, and disposing one leaves the others running.
import assert from 'node:assert/strict';
import { after, afterEach, before, describe, test } from 'node:test';
import type Redis from 'ioredis';
import { KeySpace } from '../../src/core/keySpace';
import { encodeLikeGo, publishResult } from '../../src/core/publish';
import type {
  RedisServer,
  RecordedWatcher} from '../support/redisServer';
import {
  KEYS,
  assertModelMatchesRedis,
  delay,
  settingsFor,
  startRedis,
  startRecordedWatcher,
} from '../support/redisServer';
import { buildResult } from '../support/builders';

let serverA: RedisServer;
let serverB: RedisServer;
let adminA: Redis;
let adminB: Redis;
const viewers: RecordedWatcher[] = [];

before(async () => {
  [serverA, serverB] = await Promise.all([startRedis(), startRedis()]);
  adminA = await serverA.client();
  adminB = await serverB.client();
});

afterEach(async () => {
  for (const v of viewers.splice(0)) v.dispose();
  if (!serverA.running) await serverA.restart();
  adminA = await serverA.client();
  await adminA.flushall();
  await adminB.flushall();
});

after(async () => {
  for (const v of viewers.splice(0)) v.dispose();
  await serverA?.dispose();
  await serverB?.dispose();
});

async function viewer(port: number, input: Parameters<typeof settingsFor>[1] = {}): Promise<RecordedWatcher> {
  const v = await startRecordedWatcher(settingsFor(port, input));
  viewers.push(v);
  return v;
}

describe('two watchers, two servers', () => {
  test('each model holds its own server’s states and events, even for the same result_name', async () => {
    await publishResult(adminA, KEYS, buildResult('ONLY_A'));
    await publishResult(adminB, KEYS, buildResult('ONLY_B'));
    await publishResult(adminA, KEYS, buildResult('SHARED', { status: 'failed', rows_exported: 0, error: 'on A' }));
    await publishResult(adminB, KEYS, buildResult('SHARED', { rows_loaded: 7, rows_exported: 7 }));
    const [a, b] = await Promise.all([viewer(serverA.port), viewer(serverB.port)]);
    assert.deepEqual(a.store.list().map((e) => e.resultName).sort(), ['ONLY_A', 'SHARED']);
    assert.deepEqual(b.store.list().map((e) => e.resultName).sort(), ['ONLY_B', 'SHARED']);
    assert.equal(a.store.get('SHARED')?.latest.run.result.error, 'on A');
    assert.equal(b.store.get('SHARED')?.latest.run.result.rows_loaded, 7);

    // A live event on A reaches only A's model; B's own event (published after it) only B's.
    const onA = a.nextRun('LIVE_A', 5000, 'live');
    const onB = b.nextRun('LIVE_B', 5000, 'live');
    const bSawA: string[] = [];
    b.store.onDidAddRun((r) => {
      if (r.run.resultName === 'LIVE_A') bSawA.push(r.run.resultName);
    });
    await publishResult(adminA, KEYS, buildResult('LIVE_A'));
    await publishResult(adminB, KEYS, buildResult('LIVE_B'));
    await Promise.all([onA, onB]);
    await delay(100);
    assert.deepEqual(bSawA, []);
    assert.equal(a.store.get('LIVE_B'), undefined);

    // Polls go to each watcher's own server.
    assert.equal((await a.watcher.poll('ONLY_B')).found, false);
    assert.equal((await b.watcher.poll('ONLY_B')).found, true);
    await assertModelMatchesRedis(a.store, adminA);
    await assertModelMatchesRedis(b.store, adminB);
  });

  test('a server going down affects only its own watcher; disposing one leaves the other running', async () => {
    const [a, b] = await Promise.all([viewer(serverA.port), viewer(serverB.port)]);
    const lost = a.waitForState((s) => s.kind === 'reconnecting', 5000, 'A to be lost');
    await serverA.stop();
    await lost;
    assert.equal(b.watcher.state.kind, 'connected');
    const onB = b.nextRun('WHILE_A_DOWN', 5000, 'live');
    await publishResult(adminB, KEYS, buildResult('WHILE_A_DOWN'));
    await onB;

    await serverA.restart();
    adminA = await serverA.client();
    await publishResult(adminA, KEYS, buildResult('AFTER_A_RESTART'));
    const report = await a.nextReconcile((r) => r.source === 'recovered', 10_000, 'A to recover');
    assert.equal(report.keys, 1);
    assert.ok(a.store.get('AFTER_A_RESTART'));
    assert.equal(b.store.get('AFTER_A_RESTART'), undefined);

    a.dispose();
    viewers.splice(viewers.indexOf(a), 1);
    const stillB = b.nextRun('AFTER_DISPOSE', 5000, 'live');
    await publishResult(adminB, KEYS, buildResult('AFTER_DISPOSE'));
    await stillB;
    assert.equal(b.watcher.state.kind, 'connected');
  });
});

describe('several watchers on one server', () => {
  test('different dbs and prefixes are kept apart, and every watcher gets its events', async () => {
    const db3 = await serverB.client(3);
    const other = new KeySpace('other:prefix');
    await publishResult(adminB, KEYS, buildResult('DB0'));
    await publishResult(db3, KEYS, buildResult('DB3'));
    await publishResult(adminB, other, buildResult('OTHER_PREFIX'));
    const [plain, third, prefixed, again] = await Promise.all([viewer(serverB.port), viewer(serverB.port, { db: 3 }), viewer(serverB.port, { prefix: 'other:prefix' }), viewer(serverB.port)]);
    assert.deepEqual(plain.store.list().map((e) => e.resultName), ['DB0']);
    assert.deepEqual(third.store.list().map((e) => e.resultName), ['DB3']);
    assert.deepEqual(prefixed.store.list().map((e) => e.resultName), ['OTHER_PREFIX']);
    assert.deepEqual(again.store.list().map((e) => e.resultName), ['DB0']);

    // Pub/sub ignores the db: a PUBLISH reaches every watcher of the prefix, whatever its db.
    // The state key (SET in db 0) is what tells a db-3 watcher's reconcile and poll apart.
    const json = encodeLikeGo(buildResult('FANOUT'));
    const arrivals = [plain, third, again].map((v) => v.nextRun('FANOUT', 5000, 'live'));
    const notPrefixed: string[] = [];
    prefixed.store.onDidAddRun((r) => notPrefixed.push(r.run.resultName));
    await adminB.set(KEYS.stateKey('FANOUT'), json, 'EX', 60);
    assert.equal(await adminB.publish(KEYS.channel('FANOUT'), json), 3);
    await Promise.all(arrivals);
    assert.deepEqual(notPrefixed, []);
    assert.equal((await third.watcher.poll('FANOUT')).found, false);
    assert.equal((await plain.watcher.poll('FANOUT')).found, true);
    await assertModelMatchesRedis(prefixed.store, adminB, 'other:prefix');
    db3.disconnect();
  });
});
