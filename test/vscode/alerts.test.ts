import * as assert from 'node:assert/strict';
import { realpathSync } from 'node:fs';
import { join } from 'node:path';
import type Redis from 'ioredis';
import { after, afterEach, before, beforeEach, describe, it } from 'mocha';
import * as vscode from 'vscode';
import { parseExpectations } from '../../src/core/alerts/expectations';
import type { TdtpResult } from '../../src/core/decode';
import { KeySpace } from '../../src/core/keySpace';
import { publishResult } from '../../src/core/publish';
import type { ShownNotification } from '../../src/vscode/notify/notifications';
import { NotificationController } from '../../src/vscode/notify/notifications';
import { expectationProblemText } from '../../src/vscode/words/settings';
import type { Testing } from '../../src/vscode/testing';
import type { PipelineNode, TreeNode } from '../../src/vscode/tree/nodes';
import { EXPECTATION_PROBLEM_CASES } from '../support/expectationProblems';
import type { RedisServer } from '../support/redisServer';
import { startRedis } from '../support/redisServer';
import { buildFailedResult, buildResult } from '../support/builders';
import { useExtension } from './harness';
import { nextEvent, untilEvent } from './waitFor';

const keys = new KeySpace('tdtp:pipeline');

/** A run finishing now, of `rows` rows; a failed one exported nothing and says why. */
function result(resultName: string, status: string, rows = 15000): TdtpResult {
  const overrides: Partial<TdtpResult> = { status, duration_ms: 1800, rows_loaded: rows, rows_exported: rows };
  if (status !== 'failed') return buildResult(resultName, overrides, new Date());
  return buildFailedResult(resultName, `source unreachable (${resultName})`, { ...overrides, rows_exported: 0 }, new Date());
}

describe('Alerts: on change, on recovery, on lateness, on unusual volume', function () {
  const ext = useExtension();
  let redis: RedisServer;
  let admin: Redis;
  let t: Testing;
  let notifications: NotificationController;
  let shown: ShownNotification[] = [];

  const publish = (r: TdtpResult) => publishResult(admin, keys, r, 600);
  const runs = (name: string, n: number) => untilEvent(`${n} runs of ${name} in the model`, () => ((t.store.get(name)?.runCount ?? 0) >= n ? true : undefined), [t.viewer.onDidChange]);
  const node = (name: string) => t.tree.getChildren().find((n: TreeNode): n is PipelineNode => n.kind === 'pipeline' && n.resultName === name);
  const item = (name: string) => {
    const found = node(name);
    assert.ok(found, `${name} is in the tree`);
    // As hovered: the tooltip is filled in then.
    return t.tree.resolveTreeItem(t.tree.getTreeItem(found), found);
  };
  /** A tooltip as read: appendWire's non-breaking spaces and Markdown escapes undone. */
  const tooltipText = (tip: unknown) => (tip as vscode.MarkdownString).value.replace(/&nbsp;/g, ' ').replace(/\\([\\`*_{}[\]()#+\-.!|<>])/g, '$1');
  const toasts = (name: string, kind?: string) => shown.filter((n) => n.resultName === name && (kind === undefined || n.kind === kind));

  before(async function () {
    redis = await startRedis();
    admin = await redis.client();
    t = ext.testing;
    // A short stated cadence, as a newcomer would write it: a run every 2 s (late after 3 s).
    await ext.settings.update('expectations', [{ resultName: 'ALERT_LATE', every: '@every 2s' }], vscode.ConfigurationTarget.Global);
    await ext.settings.update('redis.port', redis.port, vscode.ConfigurationTarget.Global);
    await untilEvent("connected to the alerts suite's Redis", () => (t.connection.state.kind === 'connected' && t.connection.endpoint?.includes(`:${redis.port}/`) ? true : undefined), [t.connection.onDidChangeState]);
    await vscode.commands.executeCommand('tdtp.pipelines.focus');
  });

  // A controller per test: each starts outside any other's storm window.
  beforeEach(() => {
    shown = [];
    notifications = new NotificationController(t.viewer, t.config, vscode.window.createOutputChannel('TDTP alerts test', { log: true }));
    notifications.onDidShow((n) => shown.push(n));
  });
  afterEach(() => notifications.dispose());

  after(async () => {
    await redis?.dispose();
  });

  it('a pipeline that stops publishing is shown late in the tree and the status bar, toasts once, and clears when a run arrives', async () => {
    await publish(result('ALERT_LATE', 'success'));
    await runs('ALERT_LATE', 1);
    assert.doesNotMatch(String(item('ALERT_LATE').contextValue), /\blate\b/, 'on time at first');
    // The viewer's own once-a-second timer notices it: no clock is faked here.
    await nextEvent('ALERT_LATE to turn late', t.viewer.onDidTurnLate, (l) => l.resultName === 'ALERT_LATE', 10_000);
    const late = item('ALERT_LATE');
    assert.match(String(late.contextValue), /\blate\b/);
    assert.match(String(late.description), /^⏰ late by \d+ s/);
    assert.match(tooltipText(late.tooltip), /Late: the next run was expected at/);
    assert.match(t.statusBar.text, /\$\(clock\) 1\b/);
    assert.match(t.statusBar.tooltipText, /\b1 pipeline is late: no run arrived when one was expected\./, 'one late pipeline in the singular');
    assert.equal(toasts('ALERT_LATE', 'late').length, 1);
    assert.match(toasts('ALERT_LATE', 'late')[0].message, /ALERT_LATE is late: a run was expected \d+ s ago/);
    // Later checks do not toast again while it stays late.
    t.viewer.checkLateness(Date.now() + 3_600_000);
    assert.equal(toasts('ALERT_LATE', 'late').length, 1, 'one toast, however long it stays late');

    // The pipeline publishes again: the mark and the count go.
    await ext.settings.update('expectations', undefined, vscode.ConfigurationTarget.Global);
    await publish(result('ALERT_LATE', 'success'));
    await runs('ALERT_LATE', 2);
    assert.doesNotMatch(String(item('ALERT_LATE').contextValue), /\blate\b/);
    assert.doesNotMatch(String(item('ALERT_LATE').description), /⏰|late by/);
    assert.doesNotMatch(t.statusBar.text, /\$\(clock\)/);
  });

  it('a pipeline that turns late moves up the tree (after the failed ones), and back when its run arrives', async () => {
    await ext.settings.update('expectations', [{ resultName: 'ALERT_ORDER_LATE', every: '1m' }], vscode.ConfigurationTarget.Global);
    try {
      await publish(result('ALERT_ORDER_LATE', 'success'));
      await runs('ALERT_ORDER_LATE', 1);
      await publish(result('ALERT_ORDER_CWE', 'completed_with_errors'));
      await runs('ALERT_ORDER_CWE', 1);
      const order = () => t.tree.getChildren().flatMap((n) => (n.kind === 'pipeline' ? [n.resultName] : []));
      const above = (a: string, b: string) => order().indexOf(a) < order().indexOf(b);
      assert.ok(above('ALERT_ORDER_CWE', 'ALERT_ORDER_LATE'), `on time, a success sorts below a partial failure: ${order().join(', ')}`);

      // The tree hears of it as a change of order: the whole list refreshes, not only the item.
      const moved = nextEvent('the list to refresh when a pipeline turns late', t.tree.onDidChangeTreeData, (e) => e === undefined, 10_000);
      t.viewer.checkLateness(Date.now() + 10 * 60_000);
      await moved;
      assert.ok(t.viewer.alertsOf(t.connection, 'ALERT_ORDER_LATE')?.late, 'late now');
      assert.ok(above('ALERT_ORDER_LATE', 'ALERT_ORDER_CWE'), `late sorts up: ${order().join(', ')}`);
      for (const name of order().slice(0, order().indexOf('ALERT_ORDER_LATE'))) {
        assert.ok(t.store.get(name)?.displayStatus === 'failed' || t.viewer.alertsOf(t.connection, name)?.late, `only failed or late pipelines above it, not ${name}`);
      }

      // Refreshes of the list's shape come at most once a second: VS Code may read the list again
      // for the refresh above after the run arrived, and so already have the order back.
      await publish(result('ALERT_ORDER_LATE', 'success'));
      await runs('ALERT_ORDER_LATE', 2);
      await untilEvent('the list back in its order', () => (above('ALERT_ORDER_CWE', 'ALERT_ORDER_LATE') ? true : undefined), [t.tree.onDidChangeTreeData, t.viewer.onDidChange], 10_000);
      assert.equal(t.viewer.alertsOf(t.connection, 'ALERT_ORDER_LATE')?.late, undefined);
      assert.ok(above('ALERT_ORDER_CWE', 'ALERT_ORDER_LATE'), `back in its status's place: ${order().join(', ')}`);
    } finally {
      await ext.settings.update('expectations', undefined, vscode.ConfigurationTarget.Global);
    }
  });

  it('tdtp.expectations problems are worded for the log, one sentence per code', async () => {
    for (const [code, c] of Object.entries(EXPECTATION_PROBLEM_CASES)) {
      const problem = parseExpectations(c.value).problems.find((p) => p.code === code);
      assert.ok(problem, code);
      const text = expectationProblemText(problem);
      assert.ok(text.startsWith(`${c.at}: `), `${code}: ${text}`);
      assert.doesNotMatch(text, /undefined|\{\d\}/, `${code}: ${text}`);
      for (const value of c.values) if (value.length > 2) assert.ok(text.includes(value) || code === 'periodTooShort', `${code} says ${value}: ${text}`);
    }
    // Through the settings, as the extension reads them.
    await ext.settings.update('expectations', [{ resultName: 'A', every: '15' }, { resultName: 'B', cron: '* * * * *', timeZone: 'Mars/Olympus' }], vscode.ConfigurationTarget.Global);
    try {
      assert.deepEqual(t.config.alerts.problems, [
        'tdtp.expectations[0].every: "15" is not a duration at "15"; expected forms such as "15m", "1h30m", "90s" or "@every 15s"',
        'tdtp.expectations[1].timeZone: the text "Mars/Olympus" is not a time zone; expected a name such as "Europe/Moscow" or "UTC"',
      ]);
      assert.deepEqual(t.config.alerts.settings.expectations, []);
    } finally {
      await ext.settings.update('expectations', undefined, vscode.ConfigurationTarget.Global);
    }
  });

  it('a cron expectation is read by the installed extension, with croner from its own file, dist/lib/croner.js', async () => {
    await ext.settings.update('expectations', [{ resultName: 'ALERT_CRON', cron: '*/5 * * * *', timeZone: 'Europe/Berlin' }], vscode.ConfigurationTarget.Global);
    try {
      const { settings, problems } = t.config.alerts;
      assert.deepEqual(problems, []);
      const schedule = settings.expectations[0]?.schedule;
      assert.equal(schedule?.kind, 'cron');
      if (schedule?.kind === 'cron') assert.equal(schedule.cron.nextRun(new Date(Date.UTC(2026, 0, 5, 10, 1)))?.getTime(), Date.UTC(2026, 0, 5, 10, 5));
      const extension = vscode.extensions.getExtension('tdtp.tdtp-pipeline-viewer')!;
      const lib = join(realpathSync(extension.extensionPath), 'dist', 'lib', 'croner.js');
      assert.ok(require.cache[lib], `${lib} is loaded (loaded from dist/lib: ${Object.keys(require.cache).filter((f) => f.includes(join('dist', 'lib'))).join(', ') || 'none'})`);
    } finally {
      await ext.settings.update('expectations', undefined, vscode.ConfigurationTarget.Global);
    }
  });

  it('ten failures in a row toast once; the row counts them', async () => {
    for (let i = 0; i < 10; i++) await publish(result('ALERT_FAIL', 'failed'));
    await runs('ALERT_FAIL', 10);
    assert.equal(toasts('ALERT_FAIL').length, 1, JSON.stringify(toasts('ALERT_FAIL')));
    assert.equal(toasts('ALERT_FAIL')[0].kind, 'failed');
    assert.match(String(item('ALERT_FAIL').description), /^failed ×10 since /);
    assert.match(String(item('ALERT_FAIL').contextValue), /\bfailing\b/);
    assert.match(tooltipText(item('ALERT_FAIL').tooltip), /Failing: 10 runs in a row since/);
  });

  it('every event (tdtp.notifications.policy) toasts each failure again', async () => {
    await ext.settings.update('notifications.policy', 'everyEvent', vscode.ConfigurationTarget.Global);
    try {
      for (let i = 0; i < 2; i++) await publish(result('ALERT_EVERY', 'failed'));
      await runs('ALERT_EVERY', 2);
      assert.equal(toasts('ALERT_EVERY', 'failed').length, 2);
    } finally {
      await ext.settings.update('notifications.policy', undefined, vscode.ConfigurationTarget.Global);
    }
  });

  it('a recovery toasts once, with the number of failures', async () => {
    for (let i = 0; i < 3; i++) await publish(result('ALERT_RECOVER', 'failed'));
    await publish(result('ALERT_RECOVER', 'success'));
    await publish(result('ALERT_RECOVER', 'success'));
    await runs('ALERT_RECOVER', 5);
    assert.deepEqual(
      toasts('ALERT_RECOVER').map((n) => n.kind),
      ['failed', 'recovered'],
    );
    assert.match(toasts('ALERT_RECOVER', 'recovered')[0].message, /ALERT_RECOVER\) recovered after 3 failures, down \d+ s\./);
    assert.doesNotMatch(String(item('ALERT_RECOVER').description), /failed ×/);
  });

  it('an unusual row count is marked in the tree, without a toast unless asked for', async () => {
    for (let i = 0; i < 6; i++) await publish(result('ALERT_VOLUME', 'success', 15000 + i));
    await publish(result('ALERT_VOLUME', 'success', 1500));
    await runs('ALERT_VOLUME', 7);
    const unusual = item('ALERT_VOLUME');
    assert.match(String(unusual.contextValue), /\bunusual\b/);
    assert.match(String(unusual.description), /unusual/);
    assert.match(tooltipText(unusual.tooltip), /Unusual run: rows loaded 1,500, usually 15,00\d/);
    assert.equal(toasts('ALERT_VOLUME').length, 0, 'tdtp.notifications.unusual is off by default');

    await ext.settings.update('notifications.unusual', true, vscode.ConfigurationTarget.Global);
    try {
      await publish(result('ALERT_VOLUME', 'success', 1400));
      await runs('ALERT_VOLUME', 8);
      assert.equal(toasts('ALERT_VOLUME', 'unusual').length, 1);
      assert.match(toasts('ALERT_VOLUME', 'unusual')[0].message, /ran unusually: rows loaded 1,400, usually 15,00\d/);
    } finally {
      await ext.settings.update('notifications.unusual', undefined, vscode.ConfigurationTarget.Global);
    }
  });
});
