// Redis Sentinel, for real: a primary, its replica and three redis-sentinel processes. The viewer
// asks the sentinels where the primary is, follows a failover at once (the old primary keeps
// serving for ~10 s before the sentinels demote it, so waiting for it to drop us is not enough),
// re-subscribes there and recovers from the state keys. Sentinel problems are reported clearly.
import assert from 'node:assert/strict';
import { after, afterEach, before, describe, test } from 'node:test';
import type Redis from 'ioredis';
import type { ConnectionState } from '../../src/core/connection';
import { publishResult } from '../../src/core/publish';
import type { ConnectionSettingsInput } from '../../src/core/settings';
import { connectionMode, parseConnectionSettings } from '../../src/core/settings';
import { describeEndpoint } from '../../src/core/endpoint';
import { settingProblemText } from '../../src/cli/settingWords';
import { pollOnce } from '../../src/core/watcher';
import type {
  RedisServer,
  RecordedWatcher} from '../support/redisServer';
import {
  KEYS,
  assertModelMatchesRedis,
  createRecordedWatcher,
  delay,
  freePort,
  settingsFor,
  startRedis,
  startRecordedWatcher,
  pollUntil,
} from '../support/redisServer';
import { buildResult } from '../support/builders';
import type { SentinelTopology } from '../support/sentinel';
import { disposeAllSentinelTopologies, sentinelClient, startSentinelTopology } from '../support/sentinel';
import { EMIT_SOURCE, WATCH_SOURCE, interruptTool, killTools, runTool, startTool } from '../support/tools';
import { problemText } from '../../src/cli/problemText';

let topology: SentinelTopology;
const viewers: RecordedWatcher[] = [];

before(async () => {
  topology = await startSentinelTopology('tdtp-primary');
});

afterEach(() => {
  for (const v of viewers.splice(0)) v.dispose();
  killTools();
});

after(async () => {
  for (const v of viewers.splice(0)) v.dispose();
  killTools();
  await disposeAllSentinelTopologies();
});

/** Sentinel settings; host and port are deliberately wrong: they must not be used. */
function sentinelSettings(input: ConnectionSettingsInput = {}) {
  return settingsFor(1, { sentinels: topology.sentinelAddresses, sentinelName: topology.name, ...input });
}

function track(v: RecordedWatcher): RecordedWatcher {
  viewers.push(v);
  return v;
}

const settled = (s: ConnectionState) => s.kind === 'connected' || s.kind === 'failed' || s.kind === 'reconnecting';

describe('connecting through the sentinels', () => {
  test('the viewer watches the primary they name: load, live events, polls', async () => {
    const primary = await topology.primary();
    const admin = await topology.primaryClient();
    await publishResult(admin, KEYS, buildResult('SENT_OLD'));
    const v = track(await startRecordedWatcher(sentinelSettings()));
    assert.equal(v.reconciles[0].added, 1);
    assert.equal(v.watcher.connection.node, `127.0.0.1:${primary.port}`);
    const connected = v.watcher.state;
    assert.ok(connected.kind === 'connected' && connected.node === `127.0.0.1:${primary.port}`, JSON.stringify(connected));
    assert.match(v.watcher.connection.endpoint, /^redis\+sentinel:\/\/127\.0\.0\.1:\d+,127\.0\.0\.1:\d+,127\.0\.0\.1:\d+\/tdtp-primary\/0$/);

    const arrived = v.nextRun('SENT_LIVE', 5000, 'live');
    await publishResult(admin, KEYS, buildResult('SENT_LIVE'));
    await arrived;
    assert.equal((await v.watcher.poll('SENT_OLD')).found, true);
    assert.equal((await pollOnce(sentinelSettings(), 'SENT_LIVE')).found, true);
    await assertModelMatchesRedis(v.store, admin);
  });

  test('a sentinel that is down is skipped', async () => {
    const dead = `127.0.0.1:${await freePort()}`;
    const v = track(await startRecordedWatcher(sentinelSettings({ sentinels: [dead, ...topology.sentinelAddresses] })));
    assert.equal(v.watcher.connection.node, `127.0.0.1:${(await topology.primary()).port}`);
  });

  test('no sentinel reachable: retried, and the message lists the sentinels', async () => {
    const addresses = [`127.0.0.1:${await freePort()}`, `127.0.0.1:${await freePort()}`];
    const v = track(createRecordedWatcher(sentinelSettings({ sentinels: addresses })));
    v.watcher.start();
    const state = await v.waitForState(settled, 5000, 'a failure');
    assert.equal(state.kind, 'reconnecting', JSON.stringify(state));
    if (state.kind !== 'reconnecting') return;
    assert.equal(state.problem.code, 'sentinel-unreachable');
    assert.match(problemText(state.problem), /^No sentinel answered where the primary of "tdtp-primary" is \(tried 127\.0\.0\.1:\d+, 127\.0\.0\.1:\d+; .*nothing accepts connections there\)/);
  });

  test('a master name the sentinels do not know fails clearly, without retries', async () => {
    const v = track(createRecordedWatcher(sentinelSettings({ sentinelName: 'no-such-primary' })));
    v.watcher.start();
    const state = await v.waitForState(settled, 5000, 'a failure');
    assert.equal(state.kind, 'failed', JSON.stringify(state));
    if (state.kind !== 'failed') return;
    assert.equal(state.problem.code, 'sentinel-unknown-master');
    assert.match(problemText(state.problem), /know no master named "no-such-primary"/);
    await delay(1200);
    assert.deepEqual(
      v.states.map((s) => s.kind),
      ['connecting', 'failed'],
    );
  });
});

describe('a sentinel that names a replica as the primary', () => {
  test('the viewer checks ROLE, does not watch the replica, and keeps asking', async () => {
    const primary = await topology.primary();
    const replica = topology.servers.find((s) => s !== primary)!;
    const misled = await startRedis({ sentinelConfig: ['sentinel announce-ip 127.0.0.1', `sentinel monitor misled 127.0.0.1 ${replica.port} 1`] });
    try {
      const v = track(createRecordedWatcher(settingsFor(1, { sentinels: [`127.0.0.1:${misled.port}`], sentinelName: 'misled' })));
      v.watcher.start();
      const state = await v.waitForState(settled, 5000, 'a failure');
      assert.ok(state.kind === 'reconnecting' && state.problem.code === 'failover', JSON.stringify(state));
      assert.equal(problemText(state.problem), `The sentinels named 127.0.0.1:${replica.port} as the primary of "misled", but it is a replica: a failover is probably under way. Asking the sentinels again.`);
    } finally {
      await misled.dispose();
    }
  });
});

describe('a sentinel with its own password', () => {
  let guarded: RedisServer | undefined;
  const name = 'tdtp-primary-auth';
  before(async () => {
    const primary = await topology.primary();
    // Its own master name, so the other sentinels ignore it.
    guarded = await startRedis({ password: 'sentinel secret', sentinelConfig: ['sentinel announce-ip 127.0.0.1', `sentinel monitor ${name} 127.0.0.1 ${primary.port} 1`] });
    const admin = await sentinelClient(guarded);
    await pollUntil(async () => ((await admin.call('SENTINEL', 'GET-MASTER-ADDR-BY-NAME', name)) ? true : undefined), 5000, 'the sentinel to know the primary');
    admin.disconnect();
  });
  after(() => guarded?.dispose());

  const settings = (input: ConnectionSettingsInput) => settingsFor(1, { sentinels: [`127.0.0.1:${guarded!.port}`], sentinelName: name, ...input });

  test('the sentinel password connects; none or a wrong one fails with a message about the sentinel', async () => {
    track(await startRecordedWatcher(settings({ sentinelPassword: 'sentinel secret' })));

    const missing = track(createRecordedWatcher(settings({})));
    missing.watcher.start();
    const noPassword = await missing.waitForState(settled, 5000, 'a failure');
    assert.ok(noPassword.kind === 'failed' && noPassword.problem.code === 'auth-required', JSON.stringify(noPassword));
    assert.match(problemText(noPassword.problem), /^The sentinel at 127\.0\.0\.1:\d+ requires a password and none was given: set the sentinel password/);

    const wrong = track(createRecordedWatcher(settings({ sentinelPassword: 'wrong' })));
    wrong.watcher.start();
    const wrongPassword = await wrong.waitForState(settled, 5000, 'a failure');
    assert.ok(wrongPassword.kind === 'failed' && wrongPassword.problem.code === 'auth-failed', JSON.stringify(wrongPassword));
    assert.match(problemText(wrongPassword.problem), /^The sentinel at 127\.0\.0\.1:\d+ rejected the sentinel password/);
  });

  test('tdtp-watch takes the sentinel password from TDTP_SENTINEL_PASSWORD', async () => {
    await publishResult(await topology.primaryClient(), KEYS, buildResult('SENT_CLI_AUTH'));
    const args = ['--sentinel', `127.0.0.1:${guarded!.port}`, '--sentinel-name', name, '--poll', 'SENT_CLI_AUTH', '--json'];
    const found = await runTool(WATCH_SOURCE, args, { TDTP_SENTINEL_PASSWORD: 'sentinel secret' });
    assert.equal(found.code, 0, found.stderr);
    const refused = await runTool(WATCH_SOURCE, args);
    assert.equal(refused.code, 3);
    assert.match(refused.stderr, /requires a password and none was given: set the sentinel password/);
  });
});

describe('tdtp-watch and tdtp-emit with --sentinel', () => {
  test('watch and emit find the primary through the sentinels', async () => {
    const [first, ...rest] = topology.sentinelAddresses;
    const sentinelArgs = ['--sentinel', first, '--sentinel', rest.join(','), '--sentinel-name', topology.name];
    const watch = startTool(WATCH_SOURCE, [...sentinelArgs, '--json']);
    await watch.out.waitForLine((l) => l.includes('"type":"reconcile"'), 10_000);
    const primary = await topology.primary();
    const connected = watch.out.lines.map((l) => JSON.parse(l) as { type: string; kind?: string; node?: string }).find((o) => o.type === 'connection' && o.kind === 'connected');
    assert.equal(connected?.node, `127.0.0.1:${primary.port}`);

    const emitted = await runTool(EMIT_SOURCE, [...sentinelArgs, '--result', 'SENT_CLI', '--status', 'failed', '--error', 'x']);
    assert.equal(emitted.code, 0, emitted.stderr);
    assert.match(emitted.stdout, /^Published to tdtp:pipeline:SENT_CLI \(1 subscriber\)/);
    await watch.out.waitForLine((l) => l.includes('"result_name":"SENT_CLI"') && l.includes('"source":"live"'), 5000);
    await interruptTool(watch);

    const usage = await runTool(WATCH_SOURCE, ['--sentinel', first]);
    assert.equal(usage.code, 2);
    assert.match(usage.stderr, /--sentinel-name: the master name .* is required when sentinels are set/);
  });
});

describe('a failover', () => {
  test('the viewer follows the new primary at once, re-subscribes and recovers from its state keys', async () => {
    const oldPrimary = await topology.primary();
    const v = track(await startRecordedWatcher(sentinelSettings()));
    assert.equal(v.watcher.connection.node, `127.0.0.1:${oldPrimary.port}`);

    // Events flow all along, each to the server the sentinels name at that moment (as a
    // sentinel-aware producer would), each to its own result_name. Sentinel closes the clients of
    // both servers during a failover, so a closed client is replaced.
    const clients = new Map<number, Redis>();
    const clientOf = async (server: RedisServer): Promise<Redis> => {
      const existing = clients.get(server.port);
      if (existing?.status === 'ready') return existing;
      existing?.disconnect();
      const client = await server.client();
      clients.set(server.port, client);
      return client;
    };
    let flowing = true;
    let published = 0;
    const flow = (async () => {
      while (flowing) {
        try {
          await publishResult(await clientOf(await topology.primary()), KEYS, buildResult(`FLOW_${published}`));
          published++;
        } catch {
          // the primary is changing
        }
        await delay(50);
      }
    })();
    try {
      await pollUntil(() => (v.store.list().some((e) => e.resultName.startsWith('FLOW_')) ? true : undefined), 5000, 'the first flowing event');

      const recovered = v.nextReconcile((r) => r.source === 'recovered', 20_000, 'the reconcile on the new primary');
      const { primary: newPrimary, switchedAt } = await topology.failover();
      assert.notEqual(newPrimary.port, oldPrimary.port);
      await v.waitForState((s) => s.kind === 'connected' && s.node === `127.0.0.1:${newPrimary.port}`, 10_000, 'connected to the new primary');
      const followedInMs = Date.now() - switchedAt;
      const report = await recovered;
      // Sentinel demotes the old primary (and closes its clients) only ~10 s after the switch.
      assert.ok(followedInMs < 5000, `the viewer followed the failover after ${followedInMs} ms`);
      const lost = v.states.find((s) => s.kind === 'reconnecting');
      assert.ok(lost?.kind === 'reconnecting' && lost.problem.code === 'failover', JSON.stringify(v.states));
      assert.match(problemText(lost.problem), new RegExp(`the primary is now 127\\.0\\.0\\.1:${newPrimary.port} \\(was 127\\.0\\.0\\.1:${oldPrimary.port}\\)`));
      assert.ok(report.gap, 'the failover is a gap in the history');

      // New events on the new primary arrive live while the flow goes on.
      const arrived = v.nextRun('AFTER_FAILOVER', 5000, 'live');
      await publishResult(await clientOf(newPrimary), KEYS, buildResult('AFTER_FAILOVER'));
      await arrived;
      const before = published;
      await pollUntil(() => (published > before + 5 ? true : undefined), 5000, 'more flowing events');
      flowing = false;
      await flow;
      // What the flow wrote last is delivered before the model is compared.
      const newClient = await clientOf(newPrimary);
      await pollUntil(
        async () => {
          try {
            await assertModelMatchesRedis(v.store, newClient);
            return true;
          } catch {
            return undefined;
          }
        },
        5000,
        'the model to equal the new primary',
      ).catch(() => undefined);
      await assertModelMatchesRedis(v.store, newClient);
      assert.ok(published >= 10, `events flowed during the test (${published})`);
    } finally {
      flowing = false;
      await flow;
      for (const client of clients.values()) client.disconnect();
    }
  });
});

describe('sentinel settings', () => {
  test('sentinels as host:port strings, objects or one comma-separated string; the port defaults to 26379', () => {
    const parsed = parseConnectionSettings({ sentinels: ['10.0.0.1:26380', ' 10.0.0.2 ', { host: '::1', port: 26381 }, '[::1]:26382', '10.0.0.1:26380'], sentinelName: ' mymaster ', sentinelPassword: 'p' });
    assert.ok(parsed.ok, JSON.stringify(parsed));
    const s = parsed.settings;
    assert.equal(connectionMode(s), 'sentinel');
    assert.deepEqual(s.sentinels, [
      { host: '10.0.0.1', port: 26380 },
      { host: '10.0.0.2', port: 26379 },
      { host: '::1', port: 26381 },
      { host: '::1', port: 26382 },
    ]);
    assert.equal(s.sentinelName, 'mymaster');
    assert.equal(s.sentinelPassword, 'p');
    assert.equal(describeEndpoint(s), 'redis+sentinel://10.0.0.1:26380,10.0.0.2:26379,[::1]:26381,[::1]:26382/mymaster/0');
    const text = parseConnectionSettings({ sentinels: 'a:1, b:2', sentinelName: 'm', db: 2, tls: true, username: 'u' });
    assert.ok(text.ok);
    assert.equal(describeEndpoint(text.settings), 'rediss+sentinel://u@a:1,b:2/m/2');
  });

  test('problems name their setting', () => {
    const problems = (input: ConnectionSettingsInput) => {
      const parsed = parseConnectionSettings(input);
      return parsed.ok ? [] : parsed.problems.map((p) => `${p.setting}: ${settingProblemText(p)}`);
    };
    assert.deepEqual(problems({ sentinels: ['a:1'] }), ['sentinelName: the master name (as in "sentinel monitor <name> …") is required when sentinels are set']);
    assert.deepEqual(problems({ sentinels: [], sentinelName: 'm' }), ['sentinels: the master name "m" is set but no sentinel is: add at least one sentinel host:port, or clear the master name']);
    assert.deepEqual(problems({ sentinels: ['a:99999', 'a b:1', 42], sentinelName: 'm' }), [
      'sentinels: sentinel "a:99999": the port must be a number from 1 to 65535',
      'sentinels: sentinel "a b:1": "a b" is not a host name or address',
      'sentinels: sentinel 42 is not host:port',
    ]);
    assert.deepEqual(problems({ sentinels: { host: 'a' }, sentinelName: 'm' }), ['sentinels: sentinels must be a list of host:port, such as ["10.0.0.1:26379", "10.0.0.2:26379"]']);
    assert.deepEqual(problems({ sentinels: ['a:1'], sentinelName: 'm', clusterNodes: ['b:2'] }), ['clusterNodes: use either sentinels or cluster nodes, not both: a Redis Cluster does not use Sentinel']);
  });

  test('empty sentinel settings leave a standalone configuration exactly as before', () => {
    const parsed = parseConnectionSettings({ sentinels: [], sentinelName: '', sentinelPassword: 'x', clusterNodes: [] });
    assert.ok(parsed.ok);
    assert.equal(connectionMode(parsed.settings), 'standalone');
    assert.deepEqual(Object.keys(parsed.settings).sort(), ['db', 'host', 'password', 'port', 'prefix', 'tls', 'username']);
  });
});
