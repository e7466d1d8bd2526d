import * as assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type Redis from 'ioredis';
import { after, before, describe, it } from 'mocha';
import * as vscode from 'vscode';
import type { TdtpResult } from '../../src/core/decode';
import { KeySpace } from '../../src/core/keySpace';
import { publishResult } from '../../src/core/publish';
import type { TdtpViewerApi } from '../../src/vscode/api';
import type { ActionRunReport } from '../../src/vscode/actions/runner';
import type { ShownNotification } from '../../src/vscode/notify/notifications';
import type { ConnectionNode, PipelineNode, TreeNode } from '../../src/vscode/tree/nodes';
import type { Testing } from '../../src/vscode/testing';
import { problemText } from '../../src/vscode/words/problems';
import { startCluster } from '../support/cluster';
import type { RedisServer } from '../support/redisServer';
import { freePort, portInUse, startRedis } from '../support/redisServer';
import { buildResult } from '../support/builders';
import { startSentinelTopology } from '../support/sentinel';
import { useExtension } from './harness';
import { nextEvent, untilEvent } from './waitFor';

const keys = new KeySpace('tdtp:pipeline');

/** A run finishing now; a failed run exported nothing, and a failed or partial one reports a two-line error. */
function result(resultName: string, status: string, extra: Partial<TdtpResult> = {}): TdtpResult {
  const failed = status === 'failed';
  const error = failed || status === 'completed_with_errors' ? { error: `${status} in ${resultName}
second line` } : {};
  return buildResult(resultName, { status, ...(failed ? { rows_exported: 0 } : {}), ...error, ...extra }, new Date());
}

function rootPipelines(t: Testing): PipelineNode[] {
  return t.tree.getChildren().filter((n: TreeNode): n is PipelineNode => n.kind === 'pipeline');
}

describe('TDTP Pipeline Viewer inside VS Code', function () {
  const ext = useExtension();
  const setRedis = async (settings: Record<string, unknown>) => {
    for (const [key, value] of Object.entries(settings)) await ext.settings.update(`redis.${key}`, value, vscode.ConfigurationTarget.Global);
  };
  let redis: RedisServer;
  let admin: Redis;
  let api: TdtpViewerApi;
  let t: Testing;
  const shown: ShownNotification[] = [];

  const connected = () => untilEvent('the viewer to be connected', () => (t.connection.state.kind === 'connected' ? true : undefined), [t.connection.onDidChangeState]);
  const reconciled = () => nextEvent('a reconcile with Redis', t.connection.onDidReconcile);

  before(async function () {
    redis = await startRedis();
    admin = await redis.client();
    await publishResult(admin, keys, result('SEEDED_OK', 'success'), 600);
    await publishResult(admin, keys, result('SEEDED_FAIL', 'failed'), 600);
    api = ext.api;
    t = ext.testing;
    t.notifications.onDidShow((n) => shown.push(n));
    // The tree skips refreshes while hidden: show it, as a user looking at it would.
    await vscode.commands.executeCommand('tdtp.pipelines.focus');
  });

  after(async () => {
    await t?.passwords.clear();
    await redis?.dispose();
  });

  it('activates with nothing configured, tries 127.0.0.1:6379 and says it cannot connect', async function () {
    if (await portInUse(6379)) this.skip(); // something really listens on the default port here
    assert.equal(t.config.connectionConfigured, false);
    const state = await untilEvent(
      'a connection problem for the default address',
      () => (t.connection.state.kind === 'reconnecting' ? t.connection.state : undefined),
      [t.connection.onDidChangeState],
    );
    assert.equal(state.problem.code, 'refused');
    assert.match(problemText(state.problem), /127\.0\.0\.1:6379/);
    assert.equal(rootPipelines(t).length, 0, 'no pipelines: the welcome view is shown');
    assert.equal(api.getConnections()[0].state, 'reconnecting');
  });

  it('connects when the port is set and shows the existing state keys in the tree', async () => {
    const load = reconciled();
    await setRedis({ port: redis.port });
    await connected();
    const report = await load;
    assert.equal(report.source, 'loaded');
    assert.equal(report.keys, 2);
    t.store.flush();
    const names = rootPipelines(t).map((n) => n.resultName);
    assert.deepEqual(names, ['SEEDED_FAIL', 'SEEDED_OK'], 'failures first');
    const item = t.tree.getTreeItem(rootPipelines(t)[1]);
    assert.equal((item.iconPath as vscode.ThemeIcon).id, 'pass-filled');
    assert.match(String(item.description), /seeded_ok_pipeline/);
    assert.match(String(item.contextValue), /\bpipeline\b.*\bstatus-success\b/);
    assert.equal(t.store.get('SEEDED_OK')?.latest.source, 'loaded');
    assert.equal(shown.filter((n) => n.resultName === 'SEEDED_FAIL').length, 0, 'no toast for states loaded at connect');
  });

  it('updates the tree when a new event arrives', async () => {
    const change = nextEvent('the tree to change', t.tree.onDidChangeTreeData);
    await publishResult(admin, keys, result('LIVE_OK', 'success', { rows_exported: 15000 }), 600);
    await change;
    const node = rootPipelines(t).find((n) => n.resultName === 'LIVE_OK');
    assert.ok(node, 'LIVE_OK is in the tree');
    const children = t.tree.getChildren(node);
    assert.equal(children.length, 1);
    assert.equal(children[0].kind, 'run');
  });

  it('raises notifications for failed, completed_with_errors and data-quality warnings, but not for success', async () => {
    const before = shown.length;
    await publishResult(admin, keys, result('LIVE_FAIL', 'failed'), 600);
    await publishResult(admin, keys, result('LIVE_ERRORS', 'completed_with_errors'), 600);
    await publishResult(admin, keys, result('LIVE_DQ', 'success', { rows_exported: 14998 }), 600);
    await untilEvent('three notifications', () => (shown.length - before >= 3 ? true : undefined), [t.notifications.onDidShow]);
    const got = shown.slice(before).map((n) => [n.kind, n.resultName]);
    assert.deepEqual(got, [
      ['failed', 'LIVE_FAIL'],
      ['completed_with_errors', 'LIVE_ERRORS'],
      ['dq_warning', 'LIVE_DQ'],
    ]);
    assert.match(shown[before].message, /live_fail_pipeline \(LIVE_FAIL\) failed: failed in LIVE_FAIL/);
    assert.match(shown[before + 2].message, /2 rows dropped/);
    assert.ok(!shown.some((n) => n.resultName === 'LIVE_OK'), 'success toasts are off by default');
  });

  it('summarises a storm of failures in one toast instead of flooding the screen', async () => {
    const before = shown.length;
    const storm = ['STORM_1', 'STORM_2', 'STORM_3', 'STORM_4'];
    const summary = nextEvent('the storm summary', t.notifications.onDidShow, (n) => n.kind === 'summary', 25_000);
    for (const name of storm) await publishResult(admin, keys, result(name, 'failed'), 600);
    const { message } = await summary;
    const direct = shown.slice(before).filter((n) => n.resultName?.startsWith('STORM_')).length;
    const summarised = Number(/^(\d+) more TDTP pipelines? failed/.exec(message)?.[1]);
    assert.ok(direct <= 3, `at most three toasts in a row, got ${direct}`);
    assert.equal(direct + summarised, storm.length, `${direct} shown + "${message}"`);
  });

  it('Mute silences one result_name\'s toasts, Unmute brings them back', async () => {
    await vscode.commands.executeCommand('tdtp.mute', 'MUTED_ONE');
    try {
      assert.deepEqual(vscode.workspace.getConfiguration('tdtp').get('notifications.muted'), ['MUTED_ONE']);
      const before = shown.length;
      const other = nextEvent('the toast of the unmuted pipeline', t.notifications.onDidShow, (n) => n.resultName === 'NOT_MUTED');
      await publishResult(admin, keys, result('MUTED_ONE', 'failed'), 600);
      await publishResult(admin, keys, result('NOT_MUTED', 'failed'), 600); // arrives after MUTED_ONE
      await other;
      assert.deepEqual(shown.slice(before).map((n) => n.resultName), ['NOT_MUTED']);
    } finally {
      await vscode.commands.executeCommand('tdtp.unmute', 'MUTED_ONE');
    }
    // A second failure in a row only counts on the row (the on-change policy); the recovery toasts.
    const again = nextEvent('MUTED_ONE\'s toast after unmuting', t.notifications.onDidShow, (n) => n.resultName === 'MUTED_ONE');
    await publishResult(admin, keys, result('MUTED_ONE', 'success', { duration_ms: 99 }), 600);
    assert.equal((await again).kind, 'recovered');
  });

  it('the API\'s pollPipelineState returns the decoded state, and undefined for an absent key', async () => {
    const state = await api.pollPipelineState('SEEDED_OK');
    assert.ok(state);
    assert.equal(state.event.status, 'success');
    assert.equal(state.event.rows_loaded, 15000);
    assert.ok(state.ttlMs !== undefined && state.ttlMs > 0 && state.ttlMs <= 600_000, `ttl ${state.ttlMs}`);

    await admin.del(keys.stateKey('LIVE_OK')); // what an expired TTL leaves behind
    const absent = await api.pollPipelineState('LIVE_OK');
    assert.equal(absent, undefined);
    assert.equal(t.store.get('LIVE_OK')?.stateExpired, true, 'the pipeline is marked expired, not dropped');
    assert.equal(await api.pollPipelineState('NEVER_RAN'), undefined);
  });

  it('opens one detail panel per result_name', async () => {
    await vscode.commands.executeCommand('tdtp.showDetails', 'SEEDED_OK');
    await vscode.commands.executeCommand('tdtp.showDetails', 'SEEDED_OK');
    assert.deepEqual(t.panels.openPanels, ['SEEDED_OK']);
    const webviewTabs = () => vscode.window.tabGroups.all.flatMap((g) => g.tabs).filter((tab) => tab.input instanceof vscode.TabInputWebview && tab.label === 'SEEDED_OK');
    const tabs = await untilEvent('a webview tab titled SEEDED_OK', () => (webviewTabs().length > 0 ? webviewTabs() : undefined), [vscode.window.tabGroups.onDidChangeTabs]);
    assert.equal(tabs.length, 1, 'one webview tab titled SEEDED_OK, not two');

    // After a window reload VS Code hands the serializer a bare panel and the state the webview saved.
    const restored = vscode.window.createWebviewPanel('tdtp.pipelineDetails', 'restoring', vscode.ViewColumn.Active, {});
    await t.panels.deserializeWebviewPanel(restored, { resultName: 'SEEDED_FAIL', connection: 'default' });
    assert.deepEqual(t.panels.openPanels.sort(), ['SEEDED_FAIL', 'SEEDED_OK']);
    assert.equal(restored.title, 'SEEDED_FAIL');
    assert.match(restored.webview.html, /Content-Security-Policy/);
    const bogus = vscode.window.createWebviewPanel('tdtp.pipelineDetails', 'bogus', vscode.ViewColumn.Active, {});
    const disposed = new Promise<void>((resolve) => bogus.onDidDispose(() => resolve()));
    await t.panels.deserializeWebviewPanel(bogus, { resultName: 42 } as unknown as { resultName: string });
    await disposed; // a state it cannot use closes the panel instead of showing an empty one
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
  });

  it('reconnects when a connection setting changes (db) and shows that database', async () => {
    const db3 = await redis.client(3);
    await publishResult(db3, keys, result('ONLY_IN_DB3', 'success'), 600);
    const load = reconciled();
    await setRedis({ db: 3 });
    const report = await load;
    assert.equal(report.keys, 1);
    t.store.flush();
    assert.deepEqual(rootPipelines(t).map((n) => n.resultName), ['ONLY_IN_DB3'], 'the model of db 0 was cleared');
    await setRedis({ db: undefined });
    await connected();
  });

  it('reads the password from SecretStorage and says when it is wrong or missing', async () => {
    const secured = await startRedis({ password: 'right-pässword' });
    try {
      await setRedis({ port: secured.port });
      const missing = await untilEvent('auth-required', () => (t.connection.state.kind === 'failed' ? t.connection.state : undefined), [t.connection.onDidChangeState]);
      assert.equal(missing.problem.code, 'auth-required');

      await t.passwords.set('wrong');
      const wrong = await untilEvent('auth-failed', () => (t.connection.state.kind === 'failed' && t.connection.state.problem.code === 'auth-failed' ? t.connection.state : undefined), [t.connection.onDidChangeState]);
      assert.match(problemText(wrong.problem), /password/);

      await t.passwords.set('right-pässword');
      await connected();
    } finally {
      await t.passwords.clear();
      await setRedis({ port: redis.port });
      await secured.dispose();
    }
  });

  it('shows the cannot-connect state for a wrong port', async () => {
    const closed = await freePort();
    await setRedis({ port: closed });
    const state = await untilEvent('refused', () => (t.connection.state.kind === 'reconnecting' ? t.connection.state : undefined), [t.connection.onDidChangeState]);
    assert.equal(state.problem.code, 'refused');
    assert.match(problemText(state.problem), new RegExp(`:${closed}\\b`));
    assert.match(t.statusBar.text, /reconnecting|connecting/);
    assert.equal(api.getConnections()[0].state, 'reconnecting');
    await setRedis({ port: redis.port });
    await connected();
  });

  it('keeps what it received while Redis is down, and recovers what was published meanwhile', async () => {
    await untilEvent('states loaded', () => (t.store.has('SEEDED_OK') ? true : undefined), [t.store.onDidChange]);
    const before = t.store.size;
    await redis.stop();
    await untilEvent('the loss to be noticed', () => (t.connection.state.kind === 'reconnecting' ? true : undefined), [t.connection.onDidChangeState]);
    assert.equal(t.store.size, before, 'nothing received is dropped while disconnected');
    await redis.restart(); // an empty server (no persistence): every state key is gone
    admin = await redis.client();
    await publishResult(admin, keys, result('WHILE_DOWN', 'failed'), 600);
    const report = await nextEvent('the reconcile after reconnecting', t.connection.onDidReconcile, undefined, 40_000);
    assert.equal(report.source, 'recovered');
    assert.ok(report.gap, 'the gap is reported');
    assert.equal(t.store.get('WHILE_DOWN')?.latest.source, 'recovered');
    assert.equal(t.store.get('SEEDED_OK')?.stateExpired, true, 'a pipeline whose key is gone is marked, not dropped');
    assert.ok(t.store.history('SEEDED_OK').some((item) => item.kind === 'gap'), 'the history shows the gap');
    assert.ok(!shown.some((n) => n.resultName === 'WHILE_DOWN'), 'no toast for a recovered state');
  });

  it('watches several named connections at once, kept apart, each named in the tree, toasts and polls', async () => {
    const staging = await startRedis();
    try {
      const stagingAdmin = await staging.client();
      await publishResult(admin, keys, result('PROD_ONLY', 'success'), 600);
      await publishResult(stagingAdmin, keys, result('STAGING_ONLY', 'success'), 600);
      await ext.settings.update(
        'connections',
        [
          { name: 'prod', port: redis.port },
          { name: 'staging', host: '127.0.0.1', port: staging.port },
        ],
        vscode.ConfigurationTarget.Global,
      );
      const bothLoaded = () =>
        t.viewer.connections.length === 2 && t.viewer.connections.every((s) => s.state.kind === 'connected' && s.lastReconcile) ? true : undefined;
      await untilEvent('both connections connected and loaded', bothLoaded, [t.viewer.onDidChangeState, t.viewer.onDidReconcile, t.viewer.onDidChangeConnections]);
      assert.deepEqual(api.getConnections().map((c) => [c.name, c.state]), [['prod', 'connected'], ['staging', 'connected']]);

      const roots = t.tree.getChildren();
      assert.deepEqual(roots.map((n) => n.kind), ['connection', 'connection']);
      const [prodNode, stagingNode] = roots as ConnectionNode[];
      const names = (node: ConnectionNode) => t.tree.getChildren(node).flatMap((n) => (n.kind === 'pipeline' ? [n.resultName] : []));
      assert.ok(names(prodNode).includes('PROD_ONLY') && !names(prodNode).includes('STAGING_ONLY'), `prod: ${names(prodNode)}`);
      assert.deepEqual(names(stagingNode), ['STAGING_ONLY']);
      assert.equal(t.tree.getTreeItem(prodNode).label, 'prod');

      const staged = await api.pollPipelineState('STAGING_ONLY', 'staging');
      assert.equal(staged?.connection, 'staging');
      assert.equal(await api.pollPipelineState('STAGING_ONLY', 'prod'), undefined, 'prod has no such key');

      const toast = nextEvent('a toast about staging', t.notifications.onDidShow, (n) => n.resultName === 'STAGING_FAIL');
      await publishResult(stagingAdmin, keys, result('STAGING_FAIL', 'failed'), 600);
      const shownToast = await toast;
      assert.equal(shownToast.connection, 'staging');
      assert.match(shownToast.message, /^\[staging\] /);
      assert.equal(api.getPipelines('prod').some((p) => p.resultName === 'STAGING_FAIL'), false);

      // Editing one entry reconnects that connection only.
      const prodStates: string[] = [];
      const watchingProd = t.viewer.onDidChangeState((s) => s.name === 'prod' && prodStates.push(s.state.kind));
      const stagingReloaded = nextEvent('staging to reconcile db 1', t.viewer.onDidReconcile, ({ connection }) => connection.name === 'staging');
      await ext.settings.update(
        'connections',
        [
          { name: 'prod', port: redis.port },
          { name: 'staging', host: '127.0.0.1', port: staging.port, db: 1 },
        ],
        vscode.ConfigurationTarget.Global,
      );
      await stagingReloaded;
      watchingProd.dispose();
      assert.deepEqual(prodStates, [], 'prod stayed connected, untouched');
      assert.match(t.viewer.get('staging')?.endpoint ?? '', /\/1$/);
    } finally {
      await ext.settings.update('connections', undefined, vscode.ConfigurationTarget.Global);
      await staging.dispose();
    }
    await untilEvent('back to the single default connection', () => (t.viewer.connections.length === 1 && t.viewer.connections[0].name === 'default' ? true : undefined), [t.viewer.onDidChangeConnections]);
  });

  it('runs an action rule\'s task with the event in its environment, only for live matching events', async () => {
    const folder = vscode.workspace.workspaceFolders?.[0]?.uri.fsPath;
    assert.ok(folder, 'a workspace folder is open');
    const alerts = join(folder, 'alerts.log');
    // Before any rule: the rules' code is not loaded, yet a run's transitions are kept for Test Action Rules.
    assert.equal(t.actionsLoader.loaded, false, 'no rule is set: dist/lib/actions.js is not loaded');
    const preArrived = nextEvent('ACT_PRE to arrive', t.viewer.onDidAddRun, (r) => r.record.run.resultName === 'ACT_PRE');
    await publishResult(admin, keys, result('ACT_PRE', 'failed'), 600);
    assert.deepEqual((await preArrived).transitions.map((x) => x.kind), ['firstFailure']);
    assert.equal(t.actionsLoader.loaded, false);
    const reports: ActionRunReport[] = [];
    const listening = t.actions.onDidRun((r) => reports.push(r));
    const received: string[] = [];
    const apiListener = api.onDidReceiveEvent((e) => e.source === 'live' && received.push(`${e.connection}/${e.resultName}`));
    try {
      await ext.settings.update(
        'actions',
        [
          { name: 'alert on failure', when: { status: 'failed', resultName: 'ACT_*' }, run: { task: 'tdtp-alert' } },
          { name: 'first failure of ACT_PRE', when: { on: ['firstFailure'], resultName: 'ACT_PRE' }, run: { command: 'tdtp.refresh' } },
        ],
        vscode.ConfigurationTarget.Global,
      );
      await untilEvent('the rules to be loaded', () => (t.actions.ruleCount === 2 ? true : undefined), [vscode.workspace.onDidChangeConfiguration]);
      assert.match(t.actions.explain(t.store.get('ACT_PRE')!.latest, 'default')[1].would, /^would execute command "tdtp\.refresh"/, 'the transition ACT_PRE brought before the rules loaded is known');

      await publishResult(admin, keys, result('ACT_OK', 'success'), 600);
      await admin.set(keys.stateKey('ACT_LOADED'), JSON.stringify(result('ACT_LOADED', 'failed')), 'EX', 600);
      await vscode.commands.executeCommand('tdtp.refresh'); // ACT_LOADED enters as "recovered": no action
      assert.equal(t.store.get('ACT_LOADED')?.latest.source, 'recovered');

      const hostile = 'boom $(touch pwned) `touch pwned2`; echo "x"';
      const taskEnded = nextEvent('the alert task to finish', vscode.tasks.onDidEndTaskProcess, (e) => e.execution.task.name === 'tdtp-alert', 25_000);
      const ruleDone = nextEvent('the rule to run', t.actions.onDidRun);
      await publishResult(admin, keys, result('ACT_FAIL', 'failed', { error: hostile }), 600);
      const report = await ruleDone;
      assert.equal(report.outcome, 'ran', report.detail);
      const ended = await taskEnded;
      assert.equal(ended.exitCode, 0);
      assert.deepEqual(reports.map((r) => [r.resultName, r.outcome]), [['ACT_FAIL', 'ran']]);
      assert.equal(readFileSync(alerts, 'utf8'), `ACT_FAIL|failed|${hostile}\n`, 'the task got the event, the hostile text arrived as data');
      assert.equal(existsSync(join(folder, 'pwned')) || existsSync(join(folder, 'pwned2')), false, 'nothing from the payload ran');
      assert.ok(received.includes('default/ACT_FAIL'), 'another extension receives the event through the API');

      // What TDTP: Test Action Rules shows, read through the seam (the command returns nothing).
      const explain = (name: string) => t.actions.explain(t.store.get(name)!.latest, 'default');
      const dryRun = explain('ACT_OK');
      assert.equal(dryRun.length, 2);
      assert.match(dryRun[0].would, /does not apply: the status is success/);
      const wouldRun = explain('ACT_LOADED');
      assert.match(wouldRun[0].would, /run task "tdtp-alert" with TDTP_RESULT_NAME=ACT_LOADED/);
    } finally {
      listening.dispose();
      apiListener.dispose();
      await ext.settings.update('actions', undefined, vscode.ConfigurationTarget.Global);
    }
  });

  it('exports a pipeline\'s history to CSV and JSON', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tdtp-export-'));
    const csvFile = join(dir, 'runs.csv');
    const csvCount = await vscode.commands.executeCommand<number>('tdtp.exportHistory', { uri: csvFile, format: 'csv', resultName: 'ACT_FAIL' });
    assert.equal(csvCount, 1);
    const lines = readFileSync(csvFile, 'utf8').replace(/^\uFEFF/, '').trim().split(/\r\n/);
    assert.match(lines[0], /^pipeline_name,result_name,status,/);
    assert.match(lines[1], /^act_fail_pipeline,ACT_FAIL,failed,/);
    const jsonFile = join(dir, 'all.json');
    const jsonCount = await vscode.commands.executeCommand<number>('tdtp.exportHistory', { uri: jsonFile, format: 'json' });
    const rows = JSON.parse(readFileSync(jsonFile, 'utf8')) as Array<{ result_name: string; data_quality: string }>;
    assert.equal(rows.length, jsonCount);
    assert.ok(rows.some((r) => r.result_name === 'ACT_OK' && r.data_quality === 'ok'));
  });

  it('sees a Redis Cluster\'s pipelines on every shard through tdtp.redis.clusterNodes', async function () {
    this.timeout(60_000);
    const cluster = await startCluster();
    try {
      const client = await cluster.cluster();
      const names = ['CL_A', 'CL_B', 'CL_C', 'CL_D', 'CL_E', 'CL_F'];
      for (const name of names) await publishResult(client as unknown as Redis, keys, result(name, 'success'), 600);
      const shards = new Set(await Promise.all(names.map(async (n) => (await cluster.nodeOf(keys.stateKey(n))).port)));
      assert.ok(shards.size >= 2, 'the keys are spread over several shards');
      const load = reconciled();
      await ext.settings.update('redis.clusterNodes', [cluster.addresses[0]], vscode.ConfigurationTarget.Global);
      const report = await load;
      assert.equal(report.keys, names.length, 'every shard was scanned');
      t.store.flush();
      assert.deepEqual(rootPipelines(t).map((n) => n.resultName).sort(), names);
      const live = nextEvent('a live event through the cluster', t.store.onDidAddRun, (r) => r.run.resultName === 'CL_LIVE');
      await publishResult(client as unknown as Redis, keys, result('CL_LIVE', 'failed'), 600);
      assert.equal((await live).source, 'live');
    } finally {
      await ext.settings.update('redis.clusterNodes', undefined, vscode.ConfigurationTarget.Global);
      await cluster.dispose();
    }
    await connected();
  });

  it('follows a Sentinel failover to the new primary (tdtp.redis.sentinels)', async function () {
    this.timeout(60_000);
    const topology = await startSentinelTopology('tdtp-vscode');
    try {
      await publishResult(await topology.primaryClient(), keys, result('SN_BEFORE', 'success'), 600);
      await ext.settings.update('redis.sentinelName', topology.name, vscode.ConfigurationTarget.Global);
      await ext.settings.update('redis.sentinels', topology.sentinelAddresses, vscode.ConfigurationTarget.Global);
      await untilEvent('the primary\'s states loaded through the sentinels', () => (t.store.get('SN_BEFORE')?.latest.source === 'loaded' ? true : undefined), [t.store.onDidChange]);
      assert.match(t.connection.endpoint ?? '', /^redis\+sentinel:\/\//);
      const { primary } = await topology.failover();
      await untilEvent('the viewer on the new primary', () => (t.connection.state.kind === 'connected' && t.connection.state.node?.endsWith(`:${primary.port}`) ? true : undefined), [t.connection.onDidChangeState], 20_000);
      const live = nextEvent('an event from the new primary', t.store.onDidAddRun, (r) => r.run.resultName === 'SN_AFTER');
      await publishResult(await topology.primaryClient(), keys, result('SN_AFTER', 'success'), 600);
      assert.equal((await live).source, 'live');
    } finally {
      await ext.settings.update('redis.sentinels', undefined, vscode.ConfigurationTarget.Global);
      await ext.settings.update('redis.sentinelName', undefined, vscode.ConfigurationTarget.Global);
      await topology.dispose();
    }
    await connected();
  });
});
