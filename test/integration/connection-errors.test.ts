// What the user sees when the connection cannot be made: a password server, a refused port, a
// db that does not exist. Problems retrying cannot fix end in 'failed' with no reconnect storm.
import assert from 'node:assert/strict';
import { after, afterEach, before, describe, test } from 'node:test';
import type Redis from 'ioredis';
import { publishResult } from '../../src/core/publish';
import { pollOnce } from '../../src/core/watcher';
import type {
  RedisServer,
  RecordedWatcher} from '../support/redisServer';
import {
  KEYS,
  assertModelMatchesRedis,
  connectionsReceived,
  createRecordedWatcher,
  delay,
  freePort,
  settingsFor,
  startRedis,
  startRecordedWatcher,
} from '../support/redisServer';
import { buildResult } from '../support/builders';
import { errorText, problemText } from '../../src/cli/problemText';

/** Rejects with an error whose words (as tdtp-watch prints them) match `pattern`. */
async function rejectsSaying(promise: Promise<unknown>, pattern: RegExp): Promise<void> {
  await assert.rejects(promise, (err) => {
    assert.match(errorText(err), pattern);
    return true;
  });
}

/** Longer than the first retry could be with the default tuning (backoff 500 ms × 2 × jitter ≤ 1 s). */
const PAST_FIRST_BACKOFF_MS = 1500;

const viewers: RecordedWatcher[] = [];
afterEach(() => {
  for (const v of viewers.splice(0)) v.dispose();
});

/** Starts a viewer that should fail, and checks that it then stays quiet (no reconnect storm). */
async function expectFailureWithoutRetries(server: RedisServer, admin: Redis, input: Parameters<typeof settingsFor>[1], code: string) {
  const before = await connectionsReceived(admin);
  const v = createRecordedWatcher(settingsFor(server.port, input));
  viewers.push(v);
  v.watcher.start();
  const state = await v.waitForState((s) => s.kind === 'failed' || s.kind === 'connected', 5000, `failed with ${code}`);
  assert.equal(state.kind, 'failed', `expected failed/${code}, got ${JSON.stringify(state)}`);
  if (state.kind !== 'failed') return state;
  assert.equal(state.problem.code, code, problemText(state.problem));
  assert.equal(state.problem.retryable, false);
  const afterFailure = await connectionsReceived(admin);
  // One attempt: the subscriber and the commands client (the admin's INFO connection is not new).
  assert.ok(afterFailure - before <= 2, `one attempt should open at most 2 connections, it opened ${afterFailure - before}`);
  await delay(PAST_FIRST_BACKOFF_MS);
  assert.equal(await connectionsReceived(admin), afterFailure, 'the viewer must not retry a problem retrying cannot fix');
  assert.deepEqual(
    v.states.map((s) => s.kind),
    ['connecting', 'failed'],
  );
  assert.equal(v.watcher.connection.commands, undefined);
  return state;
}

describe('a password-protected server', () => {
  let server: RedisServer;
  let admin: Redis;
  before(async () => {
    server = await startRedis({ password: 's3cret pass' });
    admin = await server.client();
  });
  after(() => server.dispose());

  test('the right password connects, loads and receives', async () => {
    await publishResult(admin, KEYS, buildResult('PW_V001'));
    const v = await startRecordedWatcher(settingsFor(server.port, { password: 's3cret pass' }));
    viewers.push(v);
    assert.equal(v.watcher.state.kind, 'connected');
    assert.equal(v.reconciles[0].added, 1);
    const arrived = v.nextRun('PW_V002', 5000, 'live');
    await publishResult(admin, KEYS, buildResult('PW_V002'));
    await arrived;
    assert.equal((await v.watcher.poll('PW_V001')).found, true);
    await assertModelMatchesRedis(v.store, admin);
    // The same password in a URL.
    assert.equal((await pollOnce(settingsFor(server.port, { url: `redis://:${encodeURIComponent('s3cret pass')}@127.0.0.1:${server.port}/0` }), 'PW_V001')).found, true);
  });

  test('a wrong password fails with auth-failed, and is not retried', async () => {
    const state = await expectFailureWithoutRetries(server, admin, { password: 'wrong' }, 'auth-failed');
    if (state.kind === 'failed') {
      assert.match(problemText(state.problem), /rejected the password/);
      assert.match(problemText(state.problem), new RegExp(`127\\.0\\.0\\.1:${server.port}`));
      assert.doesNotMatch(problemText(state.problem), /wrong/, 'the message must not echo the password');
    }
  });

  test('a wrong username/password pair names the user', async () => {
    const state = await expectFailureWithoutRetries(server, admin, { username: 'alice', password: 'wrong' }, 'auth-failed');
    if (state.kind === 'failed') assert.match(problemText(state.problem), /user "alice"/);
  });

  test('no password fails with auth-required, and is not retried', async () => {
    const state = await expectFailureWithoutRetries(server, admin, {}, 'auth-required');
    if (state.kind === 'failed') assert.match(problemText(state.problem), /requires a password/);
  });

  test('the one-shot poll says what is wrong too', async () => {
    await rejectsSaying(pollOnce(settingsFor(server.port, { password: 'wrong' }), 'PW_V001'), /rejected the password/);
    await rejectsSaying(pollOnce(settingsFor(server.port), 'PW_V001'), /requires a password/);
  });
});

describe('a server that cannot be reached or used', () => {
  let server: RedisServer;
  let admin: Redis;
  before(async () => {
    server = await startRedis();
    admin = await server.client();
  });
  after(() => server.dispose());

  test('a refused port is reconnecting with code refused, and keeps retrying with backoff', async () => {
    const port = await freePort();
    const v = createRecordedWatcher(settingsFor(port), { backoffInitialMs: 100, backoffMaxMs: 200 });
    viewers.push(v);
    v.watcher.start();
    const first = await v.waitForState((s) => s.kind === 'reconnecting', 5000, 'reconnecting');
    assert.ok(first.kind === 'reconnecting');
    assert.equal(first.problem.code, 'refused');
    assert.match(problemText(first.problem), new RegExp(`Nothing accepts connections at 127\\.0\\.0\\.1:${port}`));
    assert.ok(first.retryAt > Date.now() - 50);
    const third = await v.waitForState((s) => s.kind === 'reconnecting' && s.attempt >= 3, 5000, 'a third attempt');
    assert.ok(third.kind === 'reconnecting' && third.problem.code === 'refused');
    await rejectsSaying(v.watcher.poll('X'), /Not connected to Redis at .*Nothing accepts connections/);
    await rejectsSaying(pollOnce(settingsFor(port), 'X'), /Nothing accepts connections/);
  });

  test('a viewer started before the server connects once it is up, and loads as "loaded"', async () => {
    const port = await freePort();
    const v = createRecordedWatcher(settingsFor(port), { backoffInitialMs: 100, backoffMaxMs: 200 });
    viewers.push(v);
    v.watcher.start();
    await v.waitForState((s) => s.kind === 'reconnecting', 5000, 'reconnecting');
    const late = await startRedis({ port });
    try {
      const lateAdmin = await late.client();
      await publishResult(lateAdmin, KEYS, buildResult('LATE_V001'));
      const report = await v.nextReconcile(() => true, 5000, 'the first reconcile');
      assert.equal(report.source, 'loaded', 'the first successful connect loads, even after failed attempts');
      assert.equal(report.gap, undefined);
      assert.equal(v.store.get('LATE_V001')!.latest.source, 'loaded');
      await assertModelMatchesRedis(v.store, lateAdmin);
    } finally {
      v.dispose();
      await late.dispose();
    }
  });

  test('a db that does not exist fails with bad-db instead of showing db 0', async () => {
    await publishResult(admin, KEYS, buildResult('DB0_V001'));
    const state = await expectFailureWithoutRetries(server, admin, { db: 99 }, 'bad-db');
    if (state.kind === 'failed') assert.match(problemText(state.problem), /Database 99 does not exist/);
    await rejectsSaying(pollOnce(settingsFor(server.port, { db: 99 }), 'DB0_V001'), /Database 99 does not exist/);
  });
});
