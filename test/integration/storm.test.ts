// Reconnect storm: a server that keeps dropping the subscriber (its pub/sub output buffer passes
// client-output-buffer-limit under a publish flood) must see the viewer back off, not reconnect
// and re-read every state key every few hundred milliseconds; and the user is told the cause once.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type Redis from 'ioredis';
import { problemText } from '../../src/cli/problemText';
import type { ConnectionState } from '../../src/core/connection';
import type { RedisServer } from '../support/redisServer';
import { delay, settingsFor, startRedis, startRecordedWatcher } from '../support/redisServer';

let server: RedisServer;
let admin: Redis;

before(async () => {
  server = await startRedis();
  admin = await server.client();
});

after(() => server.dispose());

/** Connections the server accepted so far (each attempt of the viewer opens two: subscriber and commands). */
async function connectionsReceived(): Promise<number> {
  const info = await admin.info('stats');
  return Number(/total_connections_received:(\d+)/.exec(info)?.[1] ?? NaN);
}

test('a subscriber dropped again and again backs off, and one problem names client-output-buffer-limit pubsub', async () => {
  // Any message larger than the hard limit makes Redis drop the subscriber at once.
  await admin.config('SET', 'client-output-buffer-limit', 'pubsub 16kb 8kb 60');
  const v = await startRecordedWatcher(settingsFor(server.port), { backoffInitialMs: 100, backoffMaxMs: 1600, stableAfterMs: 20_000 });
  try {
    const subscribedAt: number[] = [Date.now()];
    v.watcher.onDidChangeState((s: ConnectionState) => {
      if (s.kind === 'connected') subscribedAt.push(Date.now());
    });
    const before = await connectionsReceived();
    // The flood: bounded in count and time, loopback only. It stops once six re-subscriptions were seen.
    const big = 'x'.repeat(64 * 1024);
    const deadline = Date.now() + 8000;
    let published = 0;
    while (Date.now() < deadline && subscribedAt.length < 7 && published < 2000) {
      await admin.publish('tdtp:pipeline:FLOOD', big);
      published++;
      await delay(10);
    }
    const received = (await connectionsReceived()) - before;
    assert.ok(subscribedAt.length >= 6, `six subscriptions within 8 s (saw ${subscribedAt.length}, ${received} connections)`);
    // What Redis saw (INFO stats) agrees: two connections per re-subscription, no hidden retries.
    const resubscriptions = subscribedAt.length - 1;
    assert.ok(received >= 2 * resubscriptions && received <= 2 * resubscriptions + 2, `${received} connections for ${resubscriptions} re-subscriptions`);

    // Each re-subscription waited longer than the one before: 50–100 ms, then 100–200, 200–400, 400–800 …
    const gaps = subscribedAt.slice(1).map((t, i) => t - subscribedAt[i]);
    assert.ok(gaps[4] >= 350, `the fifth pause is long (gaps ${gaps.join(', ')} ms); without the kept backoff all are ~100 ms`);
    assert.ok(gaps[4] > gaps[1], `the pauses grow (gaps ${gaps.join(', ')} ms)`);

    const losses = v.states.filter((s): s is Extract<ConnectionState, { kind: 'reconnecting' }> => s.kind === 'reconnecting');
    assert.deepEqual(losses.slice(0, 2).map((s) => s.problem.facts.kind), ['dropped', 'dropped'], 'the first drops are plain drops');
    const named = losses.find((s) => s.problem.facts.kind === 'slow-subscriber');
    assert.ok(named, 'after repeated drops the cause is named');
    assert.equal(named.problem.code, 'dropped-by-server');
    assert.match(problemText(named.problem), /client-output-buffer-limit pubsub/);
    assert.match(problemText(named.problem), /3 times in a row/);
  } finally {
    v.dispose();
    await admin.config('SET', 'client-output-buffer-limit', 'pubsub 32mb 8mb 60');
  }
});
