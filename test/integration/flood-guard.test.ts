// A flood of distinct result names against a full model, through a real redis-server: the names
// the model holds stay current (their runs are read), the flood's new names past the guard's cap
// are counted and left unread (store.overflow.unread), and once the flood stops a new name gets in.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type Redis from 'ioredis';
import { FLOOD_NEW_NAMES_PER_SECOND } from '../../src/core/floodGuard';
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

test('at the limit, a flood of new names is counted and left unread; the held names stay current', { timeout: 60_000 }, async () => {
  const v = createRecordedWatcher(settingsFor(server.port), {}, { limits: { maxPipelines: 20 } });
  try {
    const loaded = v.nextReconcile((r) => r.source === 'loaded', 10_000, 'the initial reconcile');
    v.watcher.start();
    await loaded;
    // The team's pipelines, seen twice each (established), fill part of the model.
    const teamIn = v.nextRun('TEAM_B', 5000);
    for (const name of ['TEAM_A', 'TEAM_B']) for (let i = 0; i < 2; i++) await admin.publish(`tdtp:pipeline:${name}`, payload(name));
    await teamIn;
    // The flood: far more new names than the cap, pipelined in one burst, with the team's between.
    const flood = FLOOD_NEW_NAMES_PER_SECOND * 4;
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
    assert.ok(overflow.evicted + overflow.unread >= flood - 20, `every flood message was either admitted (and pushed out) or left unread: ${JSON.stringify(overflow)}`);
    assert.ok(overflow.evicted <= 2 * FLOOD_NEW_NAMES_PER_SECOND * 2, `at most the cap per second got in: ${overflow.evicted} evicted`);
    assert.ok(v.store.has('TEAM_A') && v.store.has('TEAM_B'), 'the team\'s pipelines are kept');
  } finally {
    v.dispose();
  }
});
