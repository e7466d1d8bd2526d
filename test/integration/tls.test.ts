// TLS against a real redis-server listening only with TLS (--port 0 --tls-port …), with
// certificates made by openssl for this run: verified connections work end to end (load, live
// events, polls), mutual TLS works with a client certificate, and a wrong CA, a wrong server name
// or a missing client certificate are reported clearly. Verification is off only when asked for,
// and then a warning comes with every connect. Sentinel and Cluster deployments with TLS work too.
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, afterEach, before, describe, test } from 'node:test';
import type Redis from 'ioredis';
import type { ConnectionState } from '../../src/core/connection';
import { encodeLikeGo, publishResult } from '../../src/core/publish';
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
import { startCluster } from '../support/cluster';
import { startSentinelTopology } from '../support/sentinel';
import type { TestCertificates } from '../support/tls';
import { makeCertificates } from '../support/tls';
import { WATCH_SOURCE, killTools, runTool } from '../support/tools';
import { problemText, warningText } from '../../src/cli/problemText';

let certs: TestCertificates;
/** TLS, client certificates not required. */
let server: RedisServer;
let admin: Redis;
/** TLS with --tls-auth-clients yes. */
let mtlsServer: RedisServer;
let mtlsAdmin: Redis;
const viewers: RecordedWatcher[] = [];

before(async () => {
  certs = makeCertificates();
  const tls = { certFile: certs.serverCertFile, keyFile: certs.serverKeyFile, caFile: certs.caFile, ca: certs.ca };
  server = await startRedis({ tls: { ...tls, authClients: 'no' } });
  mtlsServer = await startRedis({ tls: { ...tls, authClients: 'yes', clientCert: certs.clientCert, clientKey: certs.clientKey } });
  admin = await server.client();
  mtlsAdmin = await mtlsServer.client();
});

afterEach(async () => {
  for (const v of viewers.splice(0)) v.dispose();
  killTools();
  await admin.flushall();
  await mtlsAdmin.flushall();
});

after(async () => {
  killTools();
  await server?.dispose();
  await mtlsServer?.dispose();
  certs?.dispose();
});

async function viewer(port: number, input: Parameters<typeof settingsFor>[1]): Promise<RecordedWatcher> {
  const v = await startRecordedWatcher(settingsFor(port, input));
  viewers.push(v);
  return v;
}

/** Load at connect, a live event, a poll through the watcher and a one-shot poll. */
async function endToEnd(port: number, client: Redis, input: Parameters<typeof settingsFor>[1]): Promise<RecordedWatcher> {
  await publishResult(client, KEYS, buildResult('TLS_OLD'), 600);
  const v = await viewer(port, input);
  assert.equal(v.reconciles[0].source, 'loaded');
  assert.equal(v.reconciles[0].added, 1);
  const arrived = v.nextRun('TLS_LIVE', 5000, 'live');
  await publishResult(client, KEYS, buildResult('TLS_LIVE', { status: 'failed', rows_exported: 0, error: 'boom' }));
  assert.equal((await arrived).run.statusKind, 'failed');
  const polled = await v.watcher.poll('TLS_OLD');
  assert.ok(polled.found && polled.ttlMs !== undefined && polled.ttlMs > 500_000 && polled.ttlMs <= 600_000, JSON.stringify(polled));
  assert.equal((await pollOnce(settingsFor(port, input), 'TLS_LIVE')).found, true);
  assert.equal((await pollOnce(settingsFor(port, input), 'TLS_NEVER')).found, false);
  await assertModelMatchesRedis(v.store, client);
  return v;
}

/** Starts a viewer that must fail with a TLS problem and stay failed (no retries). */
async function expectTlsFailure(target: RedisServer, targetAdmin: Redis, input: Parameters<typeof settingsFor>[1], message: RegExp): Promise<ConnectionState> {
  const v = createRecordedWatcher(settingsFor(target.port, input));
  viewers.push(v);
  const before = await connectionsReceived(targetAdmin);
  v.watcher.start();
  const state = await v.waitForState((s) => s.kind === 'failed' || s.kind === 'connected', 5000, 'a TLS failure');
  assert.equal(state.kind, 'failed', JSON.stringify(state));
  if (state.kind !== 'failed') return state;
  assert.equal(state.problem.code, 'tls', problemText(state.problem));
  assert.equal(state.problem.retryable, false);
  assert.match(problemText(state.problem), message);
  assert.match(problemText(state.problem), new RegExp(`^The TLS handshake with 127\\.0\\.0\\.1:${target.port} failed: `));
  const afterFailure = await connectionsReceived(targetAdmin);
  await delay(1500);
  assert.equal(await connectionsReceived(targetAdmin), afterFailure, 'a TLS failure is not retried');
  assert.ok(afterFailure - before <= 2, `one attempt, at most two connections (opened ${afterFailure - before})`);
  assert.deepEqual(
    v.states.map((s) => s.kind),
    ['connecting', 'failed'],
  );
  return state;
}

describe('TLS with verification', () => {
  test('the CA file verifies the server: load, live event and polls work', async () => {
    const warnings: string[] = [];
    const v = await endToEnd(server.port, admin, { tls: true, tlsCa: certs.ca });
    v.watcher.connection.onWarning((w) => warnings.push(warningText(w)));
    assert.deepEqual(warnings, []);
  });

  test('rediss:// URLs and an explicit server name from the certificate work too', async () => {
    await endToEnd(server.port, admin, { url: `rediss://127.0.0.1:${server.port}/0`, tlsCa: certs.ca, tlsServerName: 'localhost' });
  });

  test('a CA that did not sign the server certificate fails clearly, once', async () => {
    await expectTlsFailure(server, admin, { tls: true, tlsCa: certs.otherCa }, /not signed by the CA in the CA file/);
  });

  test('without a CA file the self-made CA is not trusted', async () => {
    await expectTlsFailure(server, admin, { tls: true }, /not signed by a CA this computer trusts: set the CA file/);
  });

  test('a server name that the certificate does not list fails clearly', async () => {
    await expectTlsFailure(server, admin, { tls: true, tlsCa: certs.ca, tlsServerName: 'redis.wrong.example' }, /not for the TLS server name "redis\.wrong\.example"/);
  });

  test('plain text to a TLS-only port is retried with a hint to turn TLS on', async () => {
    const v = createRecordedWatcher(settingsFor(server.port, {}));
    viewers.push(v);
    v.watcher.start();
    const state = await v.waitForState((s) => s.kind === 'reconnecting' || s.kind === 'failed' || s.kind === 'connected', 5000, 'a failure');
    assert.equal(state.kind, 'reconnecting', JSON.stringify(state));
    if (state.kind === 'reconnecting') assert.match(problemText(state.problem), /if the server expects TLS, turn TLS on/);
  });
});

describe('TLS without verification', () => {
  test('rejectUnauthorized=false connects without a CA and warns on every connect', async () => {
    const v = createRecordedWatcher(settingsFor(server.port, { tls: true, tlsRejectUnauthorized: false }));
    viewers.push(v);
    const warnings: string[] = [];
    v.watcher.connection.onWarning((w) => warnings.push(warningText(w)));
    const loaded = v.nextReconcile((r) => r.source === 'loaded', 5000, 'the load');
    v.watcher.start();
    await loaded;
    assert.equal(warnings.length, 1);
    assert.match(warnings[0], /TLS certificate verification is OFF for rediss:\/\/127\.0\.0\.1:\d+\/0/);
    const arrived = v.nextRun('INSECURE_V001', 5000, 'live');
    await publishResult(admin, KEYS, buildResult('INSECURE_V001'));
    await arrived;
    // A reconnect warns again.
    const recovered = v.nextReconcile((r) => r.source === 'recovered', 10_000, 'the reconcile after a reconnect');
    await admin.client('KILL', 'TYPE', 'pubsub');
    await recovered;
    assert.equal(warnings.length, 2);
  });
});

describe('mutual TLS (--tls-auth-clients yes)', () => {
  test('a client certificate and key signed by the CA work end to end', async () => {
    await endToEnd(mtlsServer.port, mtlsAdmin, { tls: true, tlsCa: certs.ca, tlsCert: certs.clientCert, tlsKey: certs.clientKey });
  });

  test('without a client certificate the server refuses, and the message says to set one', async () => {
    const v = createRecordedWatcher(settingsFor(mtlsServer.port, { tls: true, tlsCa: certs.ca }));
    viewers.push(v);
    v.watcher.start();
    const state = await v.waitForState((s) => s.kind === 'reconnecting' || s.kind === 'failed' || s.kind === 'connected', 5000, 'a failure');
    assert.notEqual(state.kind, 'connected');
    if (state.kind === 'connected' || state.kind === 'idle' || state.kind === 'connecting') return;
    // Depending on timing the client sees the server's alert (a TLS problem, not retried) or only
    // the reset that follows it (retried): either way the message names the missing certificate.
    assert.match(problemText(state.problem), /client certificate/);
  });
});

describe('tdtp-watch with TLS options', () => {
  test('--tls --tls-ca --tls-cert --tls-key polls a state over mutual TLS', async () => {
    await publishResult(mtlsAdmin, KEYS, buildResult('CLI_TLS'));
    const ca = join(certs.dir, 'ca.crt');
    const found = await runTool(WATCH_SOURCE, ['--port', String(mtlsServer.port), '--tls', '--tls-ca', ca, '--tls-cert', certs.clientCertFile, '--tls-key', certs.clientKeyFile, '--poll', 'CLI_TLS', '--json']);
    assert.equal(found.code, 0, found.stderr);
    assert.equal(JSON.parse(found.stdout).result_name, 'CLI_TLS');
    const wrongCa = join(certs.dir, 'wrong-ca.pem');
    writeFileSync(wrongCa, certs.otherCa);
    const refused = await runTool(WATCH_SOURCE, ['--port', String(server.port), '--tls', '--tls-ca', wrongCa, '--poll', 'CLI_TLS']);
    assert.equal(refused.code, 3);
    assert.match(refused.stderr, /^tdtp-watch: The TLS handshake with 127\.0\.0\.1:\d+ failed: .*not signed by the CA in the CA file/);
  });
});

describe('TLS with Sentinel and with a Cluster', () => {
  const serverTls = () => ({ certFile: certs.serverCertFile, keyFile: certs.serverKeyFile, caFile: certs.caFile, ca: certs.ca, authClients: 'no' as const });

  test('TLS-only sentinels and servers: the primary is found and a failover followed', async () => {
    const topology = await startSentinelTopology('tls-primary', { tls: serverTls() });
    try {
      const admin = await topology.primaryClient();
      await publishResult(admin, KEYS, buildResult('TLS_SENT_OLD'));
      const v = await viewer(1, { sentinels: topology.sentinelAddresses, sentinelName: 'tls-primary', tls: true, tlsCa: certs.ca });
      assert.equal(v.reconciles[0].added, 1);
      const live = v.nextRun('TLS_SENT_LIVE', 5000, 'live');
      await publishResult(admin, KEYS, buildResult('TLS_SENT_LIVE'));
      await live;

      const { primary } = await topology.failover();
      await v.waitForState((s) => s.kind === 'connected' && s.node === `127.0.0.1:${primary.port}`, 10_000, 'connected to the new primary');
      const newAdmin = await primary.client();
      const after = v.nextRun('TLS_SENT_AFTER', 5000, 'live');
      await publishResult(newAdmin, KEYS, buildResult('TLS_SENT_AFTER'));
      await after;
      await assertModelMatchesRedis(v.store, newAdmin);
    } finally {
      await topology.dispose();
    }
  });

  test('a TLS-only cluster: every shard loads, events arrive, a wrong CA fails clearly', async () => {
    const cluster = await startCluster(serverTls());
    try {
      const writer = await cluster.cluster();
      const names = ['TLS_CL_A', 'TLS_CL_B', 'TLS_CL_C', 'TLS_CL_D', 'TLS_CL_E', 'TLS_CL_F'];
      for (const name of names) await writer.set(KEYS.stateKey(name), encodeLikeGo(buildResult(name)), 'EX', 600);
      const shards = new Set(await Promise.all(names.map(async (n) => (await cluster.nodeOf(KEYS.stateKey(n))).port)));
      assert.ok(shards.size >= 2, 'the names spread over several shards');
      const v = await viewer(1, { clusterNodes: cluster.addresses, tls: true, tlsCa: certs.ca });
      assert.equal(v.reconciles[0].keys, names.length);
      const nodes = await cluster.nodeClients();
      const live = v.nextRun('TLS_CL_LIVE', 5000, 'live');
      const json = encodeLikeGo(buildResult('TLS_CL_LIVE'));
      await writer.set(KEYS.stateKey('TLS_CL_LIVE'), json, 'EX', 600);
      await nodes[2].publish(KEYS.channel('TLS_CL_LIVE'), json);
      await live;
      assert.equal((await v.watcher.poll('TLS_CL_A')).found, true);
      await assertModelMatchesRedis(v.store, nodes);

      const wrong = createRecordedWatcher(settingsFor(1, { clusterNodes: cluster.addresses, tls: true, tlsCa: certs.otherCa }));
      viewers.push(wrong);
      wrong.watcher.start();
      const state = await wrong.waitForState((s) => s.kind === 'failed' || s.kind === 'reconnecting' || s.kind === 'connected', 5000, 'a failure');
      assert.ok(state.kind === 'failed' && state.problem.code === 'tls', JSON.stringify(state));
      assert.match(problemText(state.problem), /^The TLS handshake with the cluster nodes 127\.0\.0\.1:\d+, .* failed: .*not signed by the CA in the CA file/);
    } finally {
      await cluster.dispose();
    }
  });
});
