// A flood of distinct result names through a real redis-server: the names the model holds stay
// current (their runs are read), the flood's new names past the guard's cap a second are counted
// and left unread (store.overflow.unread), and the next second reads new names again (test/unit/floodGuard.test.ts).
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type Redis from 'ioredis';
import { FLOOD_NEW_NAMES_PER_SECOND, MISSED_KEPT } from '../../src/core/floodGuard';
import { buildResult } from '../support/builders';
import type { RedisServer } from '../support/redisServer';
import { createRecordedWatcher, settingsFor, startRedis } from '../support/redisServer';

let server: RedisServer;
let admin: Redis;

before(async () => {
  server = await startRedis();
  admin = await server.client();
});

after(() => server.dispose());

const payload = (resultName: string, status: 'success' | 'failed' = 'success') => JSON.stringify(buildResult(resultName, { status }));

test('a flood of new names is counted and left unread past the cap; the held names stay current', { timeout: 60_000 }, async () => {
  const v = createRecordedWatcher(settingsFor(server.port), {}, { limits: { maxPipelines: 20 } }, { guardFloods: true });
  try {
    const loaded = v.nextReconcile((r) => r.source === 'loaded', 10_000, 'the initial reconcile');
    v.watcher.start();
    await loaded;
    // The team's pipelines, seen twice each (established), fill part of the model.
    const teamIn = v.nextRun('TEAM_B', 5000);
    for (const name of ['TEAM_A', 'TEAM_B']) for (let i = 0; i < 2; i++) await admin.publish(`tdtp:pipeline:${name}`, payload(name));
    await teamIn;
    // The flood: far more new names than the cap, pipelined in one burst, with the team's between.
    const flood = MISSED_KEPT + FLOOD_NEW_NAMES_PER_SECOND * 4;
    const pipe = admin.pipeline();
    for (let i = 0; i < flood; i++) {
      pipe.publish(`tdtp:pipeline:FLOOD_${i}`, payload(`FLOOD_${i}`, 'failed'));
      if (i === flood / 2) pipe.publish('tdtp:pipeline:TEAM_A', payload('TEAM_A', 'failed'));
    }
    const teamFailed = v.nextRun('TEAM_A', 20_000);
    await pipe.exec();
    const run = await teamFailed;
    assert.equal(run.run.statusKind, 'failed', 'a held name is read during the flood');
    // Everything sent has arrived once this marker does (one connection, in order).
    const marker = v.nextRun('TEAM_B', 20_000);
    await admin.publish('tdtp:pipeline:TEAM_B', payload('TEAM_B', 'failed'));
    await marker.catch((err: Error) => assert.fail(`${err.message}; ${JSON.stringify(v.store.overflow)} ${v.store.size} ${JSON.stringify(v.states.map((s) => s.kind))}`));
    const overflow = v.store.overflow;
    assert.ok(overflow, 'the limit bit');
    assert.ok(overflow.unread > 0 && overflow.unread <= flood, `unread ${overflow.unread} of ${flood}`);
    const floodRead = [...Array(flood).keys()].filter((i) => v.store.has(`FLOOD_${i}`)).length;
    assert.equal(floodRead + overflow.evicted + overflow.unread, flood, `every flood message was read (kept or pushed out) or left unread: ${floodRead} kept, ${JSON.stringify(overflow)}`);
    assert.ok(floodRead + overflow.evicted <= 3 * FLOOD_NEW_NAMES_PER_SECOND, `about the cap a second was read: ${floodRead} kept, ${overflow.evicted} evicted`);
    assert.ok(v.store.has('TEAM_A') && v.store.has('TEAM_B'), 'the team\'s pipelines are kept');

  } finally {
    v.dispose();
  }
});

test('a burst is not a flood: the new names left unread are read from their state keys once it is over', { timeout: 60_000 }, async () => {
  const v = createRecordedWatcher(settingsFor(server.port), {}, {}, { guardFloods: true });
  try {
    const loaded = v.nextReconcile((r) => r.source === 'loaded', 10_000, 'the initial reconcile');
    v.watcher.start();
    await loaded;
    // A thousand pipelines that first run at once: each SETs its state key, then PUBLISHes.
    const burst = FLOOD_NEW_NAMES_PER_SECOND * 5;
    const pipe = admin.pipeline();
    for (let i = 0; i < burst; i++) {
      const json = payload(`BURST_${i}`);
      pipe.set(`tdtp:pipeline:BURST_${i}:state`, json, 'EX', 600).publish(`tdtp:pipeline:BURST_${i}`, json);
    }
    const last = v.nextRun(`BURST_${burst - 1}`, 20_000);
    await pipe.exec();
    const record = await last;
    assert.equal(record.source, 'recovered', 'the last of the burst was left unread, then read from its state key');
    for (let i = 0; i < burst; i++) assert.ok(v.store.has(`BURST_${i}`), `BURST_${i} is in the model`);
    assert.equal(v.store.overflow, undefined, 'nothing lost, nothing to tell');
  } finally {
    v.dispose();
  }
});

test('the terminal tools read every event: without guardFloods a flood is read whole', { timeout: 60_000 }, async () => {
  const v = createRecordedWatcher(settingsFor(server.port));
  try {
    const loaded = v.nextReconcile((r) => r.source === 'loaded', 10_000, 'the initial reconcile');
    v.watcher.start();
    await loaded;
    const flood = FLOOD_NEW_NAMES_PER_SECOND * 3;
    const pipe = admin.pipeline();
    for (let i = 0; i < flood; i++) pipe.publish(`tdtp:pipeline:TOOL_${i}`, payload(`TOOL_${i}`));
    const last = v.nextRun(`TOOL_${flood - 1}`, 20_000, 'live');
    await pipe.exec();
    await last;
    assert.equal([...Array(flood).keys()].filter((i) => v.store.has(`TOOL_${i}`)).length, flood);
    assert.equal(v.store.overflow, undefined);
  } finally {
    v.dispose();
  }
});
