// ACL users: the least-privilege set works end to end; each permission left out of it is
// reported by name as 'permission' (not retried), so the set is also the smallest that works.
import assert from 'node:assert/strict';
import { after, afterEach, before, describe, test } from 'node:test';
import type Redis from 'ioredis';
import type { ConnectionState } from '../../src/core/connection';
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
  settingsFor,
  startRedis,
  startRecordedWatcher,
} from '../support/redisServer';
import { buildResult } from '../support/builders';
import { problemText } from '../../src/cli/problemText';

/** The viewer's least-privilege ACL (db 0). A non-zero db also needs +select. */
export const LEAST_PRIVILEGE = ['~tdtp:pipeline:*', '&tdtp:pipeline:*', '+psubscribe', '+ping', '+scan', '+mget', '+get', '+pttl'];

let server: RedisServer;
let admin: Redis;
const viewers: RecordedWatcher[] = [];
let userCounter = 0;

before(async () => {
  server = await startRedis();
  admin = await server.client();
});

afterEach(async () => {
  for (const v of viewers.splice(0)) v.dispose();
  await admin.flushall();
});

after(() => server.dispose());

/**
 * A new ACL user: `ACL SETUSER <name> on >pw <rules…>`, exactly as an administrator would type it
 * (a new user starts with no keys, no channels and no commands in Redis 7). `reset` first makes
 * that explicit.
 */
async function createUser(rules: string[], reset = false): Promise<{ username: string; password: string }> {
  const username = `viewer${++userCounter}`;
  const password = `pw-${userCounter}`;
  assert.equal(await admin.call('ACL', 'SETUSER', username, ...(reset ? ['reset'] : []), 'on', `>${password}`, ...rules), 'OK');
  return { username, password };
}

describe('the least-privilege ACL user', () => {
  test(`works end to end on db 0: ${LEAST_PRIVILEGE.join(' ')}`, async () => {
    await publishResult(admin, KEYS, buildResult('ACL_V001'));
    await publishResult(admin, KEYS, buildResult('ACL_V002', { status: 'failed', error: 'x' }));
    const user = await createUser(LEAST_PRIVILEGE);
    // What Redis holds for the user: nothing beyond the set (no other keys, channels, commands).
    const acl = ((await admin.call('ACL', 'LIST')) as string[]).find((line) => line.startsWith(`user ${user.username} `));
    assert.match(acl ?? '', / on #[0-9a-f]{64} ~tdtp:pipeline:\* resetchannels &tdtp:pipeline:\* -@all (\+\w+ ?){6}$/);
    assert.deepEqual(acl!.match(/\+\w+/g)!.sort(), ['+get', '+mget', '+ping', '+psubscribe', '+pttl', '+scan']);
    const settings = settingsFor(server.port, user);
    // Nothing may be written to the console on the way (a library warning about the INFO it cannot run).
    const consoleOutput: string[] = [];
    const saved = { warn: console.warn, error: console.error, log: console.log };
    console.warn = console.error = console.log = (...args: unknown[]) => void consoleOutput.push(args.map(String).join(' '));
    let v: RecordedWatcher;
    try {
      v = await startRecordedWatcher(settings, { backoffInitialMs: 100 });
      assert.equal((await pollOnce(settings, 'ACL_V002')).found, true);
    } finally {
      Object.assign(console, saved);
    }
    assert.deepEqual(consoleOutput, []);
    viewers.push(v);
    assert.equal(v.reconciles[0].added, 2);

    const arrived = v.nextRun('ACL_V003', 5000, 'live');
    assert.equal(await publishResult(admin, KEYS, buildResult('ACL_V003')), 1);
    await arrived;

    const found = await v.watcher.poll('ACL_V001');
    assert.ok(found.found && found.ttlMs !== undefined && found.ttlMs > 0, 'poll with PTTL');
    assert.deepEqual(await v.watcher.poll('ACL_NONE'), { found: false });
    assert.equal((await pollOnce(settings, 'ACL_V002')).found, true);

    // A reconnect and its reconcile (SCAN + MGET) work too.
    const recovered = v.nextReconcile((r) => r.source === 'recovered', 5000, 'the reconcile after a kill');
    await admin.set(KEYS.stateKey('ACL_V004'), JSON.stringify(buildResult('ACL_V004')), 'EX', 60);
    await admin.client('KILL', 'TYPE', 'pubsub');
    assert.equal((await recovered).added, 1);

    // Heartbeats (PING on the subscriber) for a while: still connected.
    await delay(1200);
    assert.equal(v.watcher.state.kind, 'connected');
    assert.deepEqual(v.reconcileFailures, []);
    assert.deepEqual(
      v.states.map((s) => (s.kind === 'reconnecting' ? `reconnecting:${s.problem.code}` : s.kind)),
      ['connecting', 'connected', 'reconnecting:dropped-by-server', 'connecting', 'connected'],
    );
    await assertModelMatchesRedis(v.store, admin);
  });

  test('read-only access to the state keys alone (%R~tdtp:pipeline:*:state) is enough too', async () => {
    await publishResult(admin, KEYS, buildResult('RO_V001'));
    const user = await createUser(LEAST_PRIVILEGE.map((rule) => (rule === '~tdtp:pipeline:*' ? '%R~tdtp:pipeline:*:state' : rule)));
    const settings = settingsFor(server.port, user);
    const v = await startRecordedWatcher(settings);
    viewers.push(v);
    assert.equal(v.reconciles[0].added, 1);
    const arrived = v.nextRun('RO_V002', 5000, 'live');
    await publishResult(admin, KEYS, buildResult('RO_V002'));
    await arrived;
    assert.equal((await v.watcher.poll('RO_V001')).found, true);
    assert.equal((await pollOnce(settings, 'RO_V002')).found, true);
    await assertModelMatchesRedis(v.store, admin);
  });

  test('works on db 3 with +select added', async () => {
    const db3 = await server.client(3);
    await publishResult(db3, KEYS, buildResult('ACL3_V001'));
    const user = await createUser([...LEAST_PRIVILEGE, '+select']);
    const settings = settingsFor(server.port, { ...user, db: 3 });
    const v = await startRecordedWatcher(settings);
    viewers.push(v);
    assert.deepEqual(
      v.store.list().map((e) => e.resultName),
      ['ACL3_V001'],
    );
    assert.equal((await v.watcher.poll('ACL3_V001')).found, true);
    assert.equal((await pollOnce(settings, 'ACL3_V001')).found, true);
    await assertModelMatchesRedis(v.store, db3);
    await db3.flushdb();
  });
});

/** What the user sees for each permission left out, and in which step it is found. */
const MISSING: Array<{ leaveOut: string; named: RegExp; db?: number }> = [
  { leaveOut: '&tdtp:pipeline:*', named: /access to the channels tdtp:pipeline:\* \(&tdtp:pipeline:\*\)/ },
  { leaveOut: '~tdtp:pipeline:*', named: /access to the keys tdtp:pipeline:\* \(~tdtp:pipeline:\*\)/ },
  { leaveOut: '+psubscribe', named: /run PSUBSCRIBE \(\+psubscribe\)/ },
  { leaveOut: '+ping', named: /run PING \(\+ping\)/ },
  { leaveOut: '+scan', named: /run SCAN \(\+scan\)/ },
  { leaveOut: '+mget', named: /run MGET \(\+mget\)/ },
  { leaveOut: '+get', named: /run GET \(\+get\)/ },
  { leaveOut: '+pttl', named: /run PTTL \(\+pttl\)/ },
  { leaveOut: '+select', named: /run SELECT \(\+select\)/, db: 3 },
];

describe('an ACL user missing one permission of the set', () => {
  for (const { leaveOut, named, db } of MISSING) {
    test(`without ${leaveOut}${db ? ` (db ${db})` : ''}: failed, code permission, naming it, no reconnect storm`, async () => {
      await publishResult(admin, KEYS, buildResult('PERM_V001'));
      const user = await createUser([...LEAST_PRIVILEGE, ...(db ? ['+select'] : [])].filter((rule) => rule !== leaveOut), true);
      const before = await connectionsReceived(admin);
      // A quick backoff: a reconnect storm would show within the wait below.
      const v = createRecordedWatcher(settingsFor(server.port, { ...user, db: db ?? 0 }), { backoffInitialMs: 50, backoffMaxMs: 100 });
      viewers.push(v);
      v.watcher.start();
      const state = await v.waitForState((s) => s.kind === 'failed', 5000, `failed without ${leaveOut}`);
      assert.ok(state.kind === 'failed');
      assert.equal(state.problem.code, 'permission');
      assert.match(problemText(state.problem), named);
      assert.match(problemText(state.problem), new RegExp(`User "${user.username}"`));
      assert.match(problemText(state.problem), /The viewer needs: ~tdtp:pipeline:\* &tdtp:pipeline:\* \+psubscribe \+ping \+scan \+mget \+get \+pttl/);
      const afterFailure = await connectionsReceived(admin);
      await delay(500);
      assert.equal(await connectionsReceived(admin), afterFailure, 'no reconnect after a permission problem');
      assert.ok(afterFailure - before <= 2, `one attempt only (${afterFailure - before} connections)`);
      assert.equal(
        v.states.filter((s: ConnectionState) => s.kind === 'connecting').length,
        1,
        JSON.stringify(v.states),
      );
      assert.equal(v.watcher.connection.commands, undefined);
    });
  }
});
