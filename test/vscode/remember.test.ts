// A viewer that remembers, inside VS Code: the extension's own journal (in its global storage)
// restores the history in a second Viewer built as a reloaded window builds it; a journal cut off
// mid-write loads; a corrupt one is set aside and the view still fills from Redis; "while you were
// away" is one notification; Clear History reaches the disk.
import * as assert from 'node:assert/strict';
import { copyFileSync, existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import type Redis from 'ioredis';
import { after, afterEach, before, describe, it } from 'mocha';
import * as vscode from 'vscode';
import type { TdtpResult } from '../../src/core/decode';
import { historyFileName, historyIdentity } from '../../src/core/history/identity';
import { KeySpace } from '../../src/core/keySpace';
import { publishResult } from '../../src/core/publish';
import { parseConnectionSettings } from '../../src/core/settings';
import type { HistoryItem } from '../../src/core/runs';
import { NOT_RUNNING_REASON } from '../../src/core/watcher';
import type { ShownAwaySummary } from '../../src/vscode/notify/awaySummary';
import { AwayNotifier } from '../../src/vscode/notify/awaySummary';
import { Config } from '../../src/vscode/settings/config';
import type { Testing } from '../../src/vscode/testing';
import { Viewer } from '../../src/vscode/connections/viewer';
import type { RedisServer } from '../support/redisServer';
import { startRedis } from '../support/redisServer';
import { buildFailedResult, buildResult } from '../support/builders';
import { useExtension } from './harness';
import { nextEvent, untilEvent } from './waitFor';

const keys = new KeySpace('tdtp:pipeline');
let counter = 0;

/** A run of the one pipeline, finishing now; each has its own finish and duration, so runs tell apart. */
function result(resultName: string, status = 'success'): TdtpResult {
  const finished = new Date(Date.now() + counter++);
  const overrides: Partial<TdtpResult> = { pipeline_name: 'erp_mask_sync', status, duration_ms: counter, rows_loaded: 100, rows_exported: 100 };
  return status === 'failed' ? buildFailedResult(resultName, 'source unreachable', { ...overrides, rows_exported: 100 }, finished) : buildResult(resultName, overrides, finished);
}

function runs(items: HistoryItem[]): unknown[] {
  return items.filter((i) => i.kind === 'run').map((i) => (i.kind === 'run' ? i.run.result : undefined));
}

describe('A viewer that remembers (persisted history)', function () {
  const ext = useExtension();
  let redis: RedisServer;
  let admin: Redis;
  let t: Testing;
  const disposables: vscode.Disposable[] = [];

  /** A Viewer as a reloaded window builds it, over a copy of the journals in `dir`, once its journal has loaded (in slices). */
  async function reloaded(dir: string): Promise<Viewer> {
    const log = vscode.window.createOutputChannel(`TDTP reloaded ${basename(dir)}`, { log: true });
    const viewer = new Viewer(new Config(), t.passwords, log, { dir, persist: () => true, log });
    disposables.push(log, viewer);
    await viewer.connections[0].history?.loaded;
    return viewer;
  }

  /** The extension's journal now, copied to a new folder: what a window closed now leaves behind. */
  function closeWindow(): string {
    const history = t.connection.history;
    assert.ok(history?.file, 'the extension keeps a journal of its connection');
    history.flush();
    const dir = mkdtempSync(join(tmpdir(), 'tdtp-reload-'));
    copyFileSync(history.file, join(dir, basename(history.file)));
    return dir;
  }

  async function connectAndLoad(viewer: Viewer): Promise<void> {
    const loaded = nextEvent('the reloaded viewer’s first reconcile', viewer.onDidReconcile, ({ report }) => report.source === 'loaded');
    await viewer.connectAll();
    await loaded;
  }

  async function publishLive(resultName: string, status = 'success'): Promise<void> {
    const arrived = nextEvent(`a live run of ${resultName}`, t.viewer.onDidAddRun, ({ record }) => record.run.resultName === resultName && record.source === 'live');
    await publishResult(admin, keys, result(resultName, status), 600);
    await arrived;
  }

  before(async function () {
    redis = await startRedis();
    admin = await redis.client();
    t = ext.testing;
    await ext.settings.update('connections', undefined, vscode.ConfigurationTarget.Global);
    await ext.settings.update('redis.port', redis.port, vscode.ConfigurationTarget.Global);
    await untilEvent('connected to this suite’s server', () => (t.connection.state.kind === 'connected' && t.connection.endpoint?.endsWith(`:${redis.port}/0`) && t.connection.lastReconcile ? true : undefined), [t.viewer.onDidChangeState, t.viewer.onDidReconcile]);
    for (let i = 0; i < 6; i++) await publishLive('HIST_V001', i === 2 ? 'failed' : 'success');
  });

  afterEach(() => {
    for (const d of disposables.splice(0).reverse()) d.dispose();
  });

  after(async () => {
    admin?.disconnect();
    await redis?.dispose();
  });

  it('after a reload the history is intact once loaded (in slices, before any connection), marked until reconciled; the time closed is one gap', async () => {
    const before = runs(t.store.history('HIST_V001'));
    assert.equal(before.length, 6);
    const viewer = await reloaded(closeWindow());
    const store = viewer.connections[0].store;
    assert.deepEqual(runs(store.history('HIST_V001')), before, 'the same six runs, before any connection');
    assert.equal(store.get('HIST_V001')?.restored, true);
    assert.equal(viewer.connections[0].history?.lastLoad?.runs, 6);

    await connectAndLoad(viewer);
    assert.equal(store.get('HIST_V001')?.restored, false, 'reconciled with Redis');
    assert.deepEqual(runs(store.history('HIST_V001')), before, 'no run lost or doubled by the reconcile');
    const newest = store.history('HIST_V001')[0];
    assert.ok(newest.kind === 'gap' && newest.reason === NOT_RUNNING_REASON, 'without a recorder, the time the window was closed is a gap');
  });

  it('a journal cut off in its last record (the extension host killed mid-write) loads the rest', async () => {
    const dir = closeWindow();
    const file = join(dir, basename(t.connection.history!.file!));
    const text = readFileSync(file);
    const lastRun = text.lastIndexOf('{"o":"r"');
    writeFileSync(file, text.subarray(0, lastRun + 40));
    const viewer = await reloaded(dir);
    const load = viewer.connections[0].history?.lastLoad;
    assert.equal(load?.truncatedTail, true);
    assert.equal(load?.setAside, undefined);
    assert.equal(runs(viewer.connections[0].store.history('HIST_V001')).length, 5);
    await connectAndLoad(viewer);
    assert.equal(viewer.connections[0].store.get('HIST_V001')?.latest.run.result.duration_ms, t.store.get('HIST_V001')?.latest.run.result.duration_ms, 'the lost run is the state key’s, read back from Redis');
  });

  it('a corrupt journal is set aside with one log line, and the view fills from Redis', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tdtp-corrupt-'));
    const parsed = parseConnectionSettings({ host: '127.0.0.1', port: redis.port });
    assert.ok(parsed.ok);
    const file = join(dir, historyFileName(historyIdentity(parsed.settings)));
    writeFileSync(file, Buffer.from([0x00, 0xff, 0x7b, 0x0a, 0x22, 0x0a, 0x7d]));
    const viewer = await reloaded(dir);
    const load = viewer.connections[0].history?.lastLoad;
    assert.equal(load?.setAside?.reason, 'header');
    assert.ok(existsSync(load!.setAside!.path), 'the damaged file is kept beside');
    assert.equal(viewer.connections[0].store.size, 0);
    await connectAndLoad(viewer);
    assert.deepEqual(viewer.connections[0].store.get('HIST_V001')?.latest.run.result, t.store.get('HIST_V001')?.latest.run.result);
  });

  it('"while you were away": ONE notification of what changed since the window closed', async () => {
    await publishLive('AWAY_FAILING', 'failed');
    const dir = closeWindow();
    // While "closed": one pipeline recovers, one fails, a new one appears.
    await publishResult(admin, keys, result('AWAY_FAILING', 'success'), 600);
    await publishResult(admin, keys, result('HIST_V001', 'failed'), 600);
    await publishResult(admin, keys, result('AWAY_NEW', 'success'), 600);
    const viewer = await reloaded(dir);
    const log = vscode.window.createOutputChannel('TDTP away', { log: true });
    const away = new AwayNotifier(viewer, log);
    disposables.push(away, log);
    const shown: ShownAwaySummary[] = [];
    away.onDidShow((s) => shown.push(s));
    const summary = nextEvent('the away summary', away.onDidShow);
    await connectAndLoad(viewer);
    const { summaries, message } = await summary;
    assert.equal(shown.length, 1);
    assert.deepEqual(summaries[0].summary.failed, ['HIST_V001']);
    assert.deepEqual(summaries[0].summary.recovered, ['AWAY_FAILING']);
    assert.deepEqual(summaries[0].summary.added, ['AWAY_NEW']);
    assert.equal(summaries[0].summary.runs, 3);
    assert.match(message, /3/);
  });

  it('Clear History of one pipeline removes it from the journal on disk too', async () => {
    await publishLive('CLEAR_ME');
    assert.ok(runs((await reloaded(closeWindow())).connections[0].store.history('CLEAR_ME')).length > 0);
    await vscode.commands.executeCommand('tdtp.clearHistory', 'CLEAR_ME');
    assert.equal(t.store.has('CLEAR_ME'), false);
    const viewer = await reloaded(closeWindow());
    assert.equal(viewer.connections[0].store.has('CLEAR_ME'), false);
    assert.ok(viewer.connections[0].store.has('HIST_V001'), 'the other pipelines stay');
  });

  it('the alert rules remember too: a pipeline failing before the reload recovers after it, and one gone quiet turns late once Redis is read', async () => {
    await publishLive('HIST_ALERT', 'failed');
    await publishLive('HIST_ALERT', 'failed');
    await publishLive('HIST_QUIET');
    await ext.settings.update('expectations', [{ resultName: 'HIST_QUIET', every: '15m' }], vscode.ConfigurationTarget.Global);
    try {
      const viewer = await reloaded(closeWindow());
      const connection = viewer.connections[0];
      assert.equal(viewer.alertsOf(connection, 'HIST_ALERT')?.failures, 2, 'failing twice in a row, as before the reload');
      const late: string[] = [];
      disposables.push(viewer.onDidTurnLate(({ resultName }) => late.push(resultName)));
      viewer.checkLateness(Date.now() + 3_600_000);
      assert.equal(late.length, 0, 'not late before Redis has been read: runs made meanwhile may be on their way');
      await connectAndLoad(viewer);
      viewer.checkLateness(Date.now() + 3_600_000);
      assert.ok(late.includes('HIST_QUIET'), `late by its stated cadence, anchored on the restored run (late: ${late.join(', ')})`);
      const arrived = nextEvent('the live success of HIST_ALERT', viewer.onDidAddRun, ({ record }) => record.run.resultName === 'HIST_ALERT' && record.source === 'live');
      await publishResult(admin, keys, result('HIST_ALERT'), 600);
      const { transitions } = await arrived;
      assert.deepEqual(
        transitions.flatMap((tr) => (tr.kind === 'recovered' ? [tr.failures] : [])),
        [2],
        'a recovery after the two failures before the reload',
      );
    } finally {
      await ext.settings.update('expectations', undefined, vscode.ConfigurationTarget.Global);
    }
  });
});
