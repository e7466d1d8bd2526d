// Redis Cluster, for real: three primaries made with `redis-cli --cluster create`. The state keys
// of every shard load at connect (each primary is scanned), events published through any node
// arrive (PUBLISH is broadcast to the whole cluster), polls go to the key's shard, and the
// problems of this mode (down, unreachable, not a cluster, a cluster node set as a single server)
// are reported clearly.
import assert from 'node:assert/strict';
import { after, afterEach, before, describe, test } from 'node:test';
import type Redis from 'ioredis';
import type { ConnectionState } from '../../src/core/connection';
import { encodeLikeGo } from '../../src/core/publish';
import type { ConnectionSettingsInput } from '../../src/core/settings';
import { connectionMode, parseConnectionSettings } from '../../src/core/settings';
import { describeEndpoint } from '../../src/core/endpoint';
import { pollOnce } from '../../src/core/watcher';
import type {
  RedisServer,
  RecordedWatcher} from '../support/redisServer';
import {
  KEYS,
  assertModelMatchesRedis,
  createRecordedWatcher,
  freePort,
  settingsFor,
  startRedis,
  startRecordedWatcher,
} from '../support/redisServer';
import { buildResult } from '../support/builders';
import type { TestCluster } from '../support/cluster';
import { startCluster, startClusterNode, waitForClusterState } from '../support/cluster';
import { EMIT_SOURCE, WATCH_SOURCE, interruptTool, killTools, runTool, startTool } from '../support/tools';
import { problemText } from '../../src/cli/problemText';
import { settingProblemText } from '../../src/cli/settingWords';

let cluster: TestCluster;
let writer: Awaited<ReturnType<TestCluster['cluster']>>;
let nodeClients: Redis[];
const viewers: RecordedWatcher[] = [];
/** Servers a test starts for itself; stopped in afterEach even when the test fails. */
const extra: RedisServer[] = [];

before(async () => {
  cluster = await startCluster();
  writer = await cluster.cluster();
  nodeClients = await cluster.nodeClients();
});

afterEach(async () => {
  for (const v of viewers.splice(0)) v.dispose();
  killTools();
  for (const server of extra.splice(0)) await server.dispose();
  await Promise.all(nodeClients.map((c) => c.flushall()));
});

after(async () => {
  for (const v of viewers.splice(0)) v.dispose();
  killTools();
  for (const server of extra.splice(0)) await server.dispose();
  await cluster?.dispose();
});

function clusterSettings(input: ConnectionSettingsInput = {}) {
  // host/port are deliberately wrong: they must not be used.
  return settingsFor(1, { clusterNodes: cluster.addresses, ...input });
}

function track(v: RecordedWatcher): RecordedWatcher {
  viewers.push(v);
  return v;
}

/** `perNode` result_names whose state keys hash to each node's slots, in node order. */
async function namesOnEachShard(prefix: string, perNode: number): Promise<string[][]> {
  const found = cluster.nodes.map(() => [] as string[]);
  for (let i = 0; found.some((list) => list.length < perNode); i++) {
    const name = `${prefix}_${i}`;
    const node = await cluster.nodeOf(KEYS.stateKey(name));
    const list = found[cluster.nodes.indexOf(node)];
    if (list.length < perNode) list.push(name);
  }
  return found;
}

/** SET through the cluster (to the key's shard), PUBLISH through the given node. */
async function publishVia(node: Redis, name: string, ttl = 600): Promise<void> {
  const json = encodeLikeGo(buildResult(name));
  await writer.set(KEYS.stateKey(name), json, 'EX', ttl);
  await node.publish(KEYS.channel(name), json);
}

const settled = (s: ConnectionState) => s.kind === 'connected' || s.kind === 'failed' || s.kind === 'reconnecting';

describe('a three-shard cluster', () => {
  test('the state keys of every shard load at connect, from one seed node', async () => {
    const shards = await namesOnEachShard('LOAD', 2);
    for (const name of shards.flat()) await writer.set(KEYS.stateKey(name), encodeLikeGo(buildResult(name)), 'EX', 600);
    const v = track(await startRecordedWatcher(clusterSettings({ clusterNodes: [cluster.addresses[1]] })));
    assert.equal(v.reconciles[0].keys, 6);
    assert.equal(v.reconciles[0].added, 6);
    assert.deepEqual(v.store.list().map((e) => e.resultName).sort(), shards.flat().sort());
    await assertModelMatchesRedis(v.store, nodeClients);
    assert.ok(cluster.addresses.includes(v.watcher.connection.node ?? ''), v.watcher.connection.node);
    assert.match(v.watcher.connection.endpoint, /^redis\+cluster:\/\/127\.0\.0\.1:\d+$/);
  });

  test('events published through each node arrive; polls read each shard', async () => {
    const v = track(await startRecordedWatcher(clusterSettings()));
    const shards = await namesOnEachShard('LIVE', 1);
    // Each event is published through a node other than its key's shard, and through every node.
    for (let i = 0; i < nodeClients.length; i++) {
      const name = shards[(i + 1) % shards.length][0];
      const arrived = v.nextRun(name, 5000, 'live');
      await publishVia(nodeClients[i], name);
      await arrived;
    }
    for (const [name] of shards) {
      const polled = await v.watcher.poll(name);
      assert.ok(polled.found && polled.ttlMs !== undefined && polled.ttlMs > 500_000, JSON.stringify(polled));
      assert.equal((await pollOnce(clusterSettings(), name)).found, true);
    }
    assert.equal((await v.watcher.poll('LIVE_NEVER')).found, false);
    // A refresh reads every shard again.
    const report = await v.watcher.refresh();
    assert.equal(report.keys, 3);
    await assertModelMatchesRedis(v.store, nodeClients);
  });

  test('tdtp-watch and tdtp-emit with --cluster', async () => {
    const [a, b, c] = cluster.addresses;
    const watch = startTool(WATCH_SOURCE, ['--cluster', a, '--cluster', b, '--json']);
    await watch.out.waitForLine((l) => l.includes('"type":"reconcile"'), 10_000);
    const emitted = await runTool(EMIT_SOURCE, ['--cluster', c, '--result', 'CLI_CLUSTER', '--rows-loaded', '10', '--rows-exported', '9']);
    assert.equal(emitted.code, 0, emitted.stderr);
    assert.match(emitted.stdout, /^Published to tdtp:pipeline:CLI_CLUSTER \(cluster-wide\)/);
    await watch.out.waitForLine((l) => l.includes('"result_name":"CLI_CLUSTER"') && l.includes('"source":"live"'), 5000);
    await interruptTool(watch);
    const polled = await runTool(WATCH_SOURCE, ['--cluster', b, '--poll', 'CLI_CLUSTER']);
    assert.equal(polled.code, 0, polled.stderr);
    const usage = await runTool(WATCH_SOURCE, ['--cluster', a, '--db', '2']);
    assert.equal(usage.code, 2);
    assert.match(usage.stderr, /--db: db is 2, but a Redis Cluster has only database 0/);
  });

  test('a single-server setting pointed at a cluster node says to set the cluster nodes', async () => {
    // The node that does not hold the key probed at connect: it answers MOVED.
    const holder = await cluster.nodeOf(KEYS.stateKey('tdtp-viewer-permission-check'));
    const other = cluster.nodes.find((n) => n !== holder)!;
    const v = track(createRecordedWatcher(settingsFor(other.port)));
    v.watcher.start();
    const state = await v.waitForState(settled, 5000, 'a failure');
    assert.ok(state.kind === 'failed' && state.problem.code === 'settings', JSON.stringify(state));
    assert.match(problemText(state.problem), /is a node of a Redis Cluster \(it answered MOVED\): set the cluster nodes/);
  });
});

describe('cluster problems', () => {
  test('cluster nodes that do not answer: retried, the message lists them', async () => {
    const v = track(createRecordedWatcher(clusterSettings({ clusterNodes: [`127.0.0.1:${await freePort()}`, `127.0.0.1:${await freePort()}`] })));
    v.watcher.start();
    const state = await v.waitForState(settled, 5000, 'a failure');
    assert.ok(state.kind === 'reconnecting' && state.problem.code === 'refused', JSON.stringify(state));
    assert.match(problemText(state.problem), /^Nothing accepts connections at the cluster nodes 127\.0\.0\.1:\d+, 127\.0\.0\.1:\d+/);
  });

  test('cluster settings pointed at a server without cluster support fail clearly', async () => {
    const plain = await startRedis();
    extra.push(plain);
    const v = track(createRecordedWatcher(clusterSettings({ clusterNodes: [`127.0.0.1:${plain.port}`] })));
    v.watcher.start();
    const state = await v.waitForState(settled, 5000, 'a failure');
    assert.ok(state.kind === 'failed' && state.problem.code === 'settings', JSON.stringify(state));
    assert.match(problemText(state.problem), /not a Redis Cluster \(cluster support is disabled there\)/);
  });

  test('a cluster that is down (slots not covered) is reported, retried, and connected once it is up', async () => {
    const node = await startClusterNode();
    extra.push(node);
    const admin = await node.client();
    await admin.call('CLUSTER', 'ADDSLOTSRANGE', '0', '100');
    await waitForClusterState([node], 'fail');
    const v = track(createRecordedWatcher(clusterSettings({ clusterNodes: [`127.0.0.1:${node.port}`] })));
    v.watcher.start();
    const state = await v.waitForState(settled, 5000, 'a failure');
    assert.ok(state.kind === 'reconnecting' && state.problem.code === 'cluster-down', JSON.stringify(state));
    assert.match(problemText(state.problem), /^The Redis Cluster at the cluster nodes 127\.0\.0\.1:\d+ is down \(Redis said: CLUSTERDOWN (The cluster is down|Hash slot not served)/);
    await admin.call('CLUSTER', 'ADDSLOTSRANGE', '101', '16383');
    await waitForClusterState([node], 'ok');
    await v.waitForState((s) => s.kind === 'connected', 10_000, 'connected once the cluster is up');
  });
});

describe('cluster settings', () => {
  test('seed nodes in any form; the port defaults to 6379; only db 0', () => {
    const parsed = parseConnectionSettings({ clusterNodes: 'a:7000, b , [::1]:7002', username: 'u', tls: true });
    assert.ok(parsed.ok, JSON.stringify(parsed));
    assert.equal(connectionMode(parsed.settings), 'cluster');
    assert.deepEqual(parsed.settings.clusterNodes, [
      { host: 'a', port: 7000 },
      { host: 'b', port: 6379 },
      { host: '::1', port: 7002 },
    ]);
    assert.equal(describeEndpoint(parsed.settings), 'rediss+cluster://u@a:7000,b:6379,[::1]:7002');
    const db = parseConnectionSettings({ clusterNodes: [{ host: 'a', port: 7000 }], db: 1 });
    assert.ok(!db.ok);
    assert.deepEqual(db.problems, [{ setting: 'db', at: 'db', code: 'clusterDb', values: ['1'] }]);
    assert.equal(settingProblemText(db.problems[0]), 'db is 1, but a Redis Cluster has only database 0');
  });
});
