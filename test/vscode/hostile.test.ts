import * as assert from 'node:assert/strict';
import type Redis from 'ioredis';
import { after, before, describe, it } from 'mocha';
import * as vscode from 'vscode';
import type { TdtpResult } from '../../src/core/decode';
import { KeySpace } from '../../src/core/keySpace';
import { publishResult } from '../../src/core/publish';
import type { ShownNotification } from '../../src/vscode/notify/notifications';
import { NotificationController } from '../../src/vscode/notify/notifications';
import type { Testing } from '../../src/vscode/testing';
import type { PipelineNode, RejectedNode, TreeNode } from '../../src/vscode/tree/nodes';
import type { RedisServer } from '../support/redisServer';
import { startRedis } from '../support/redisServer';
import { buildResult } from '../support/builders';
import { useExtension } from './harness';
import { nextEvent, untilEvent } from './waitFor';

const keys = new KeySpace('tdtp:pipeline');
/** VS Code 1.139's own notification link syntax (its workbench's regex): what must not survive. */
const NOTIFICATION_LINK = /\[([^\]]+)\]\(((?:https?:\/\/|command:|file:)[^)\s]+)(?: (["'])(.+?)(\3))?\)/i;
const CODICON = /(?<!\\)\$\([A-Za-z0-9-]+(?:~[A-Za-z]+)?\)/;
const link = (label: string) => `[${label}](command:workbench.action.openSettings) [web](https://evil.example/x) $(alert)`;

function hostileResult(resultName: string, status: string): TdtpResult {
  return buildResult(
    resultName,
    { pipeline_name: link('pipeline'), status, package_uuid: link('uuid'), duration_ms: 5, rows_loaded: 1, rows_exported: 0, error: `${link('error')}
2026-12-01 20:00:00.000 [info] forged line` },
    new Date(),
  );
}

function assertInert(what: string, text: string | undefined): void {
  assert.ok(text !== undefined, `${what} exists`);
  assert.doesNotMatch(text, NOTIFICATION_LINK, `${what}: ${text}`);
  assert.doesNotMatch(text, CODICON, `${what}: ${text}`);
}

function assertInertMarkdown(what: string, tooltip: string | vscode.MarkdownString | undefined): void {
  assert.ok(tooltip instanceof vscode.MarkdownString, `${what} is Markdown`);
  assert.equal(tooltip.isTrusted, false, `${what}: not trusted`);
  assert.ok(!tooltip.supportHtml, `${what}: no HTML`);
  // appendText escapes brackets; what matters is that no unescaped link or autolink is left.
  assert.doesNotMatch(tooltip.value, /(?<!\\)\]\(/, `${what}: ${tooltip.value}`);
  assert.doesNotMatch(tooltip.value, /https?:\/\//, `${what}: ${tooltip.value}`);
}

describe('Hostile publishers: event text is inert everywhere', function () {
  const ext = useExtension();
  let redis: RedisServer;
  let admin: Redis;
  let t: Testing;
  let notifications: NotificationController;
  const shown: ShownNotification[] = [];
  const hostileName = link('channel');

  before(async function () {
    redis = await startRedis();
    admin = await redis.client();
    t = ext.testing;
    // A controller of its own: the extension's may still be inside another suite's storm window.
    notifications = new NotificationController(t.viewer, t.config, vscode.window.createOutputChannel('TDTP hostile test', { log: true }));
    notifications.onDidShow((n) => shown.push(n));
    await ext.settings.update('redis.port', redis.port, vscode.ConfigurationTarget.Global);
    await untilEvent('connected to the hostile suite\'s Redis', () => (t.connection.state.kind === 'connected' && t.connection.endpoint?.includes(`:${redis.port}/`) ? true : undefined), [t.connection.onDidChangeState]);
    await vscode.commands.executeCommand('tdtp.pipelines.focus');
  });

  after(async () => {
    notifications?.dispose();
    await redis?.dispose();
  });

  it('a failure toast built from link-shaped text in every field holds no link and no icon', async () => {
    const toast = nextEvent('the hostile failure toast', notifications.onDidShow, (n) => n.resultName === hostileName);
    await publishResult(admin, keys, hostileResult(hostileName, 'failed'), 600);
    const { message } = await toast;
    assertInert('toast', message);
    assert.match(message.replaceAll('\u200b', ''), /\[pipeline\]\(command:workbench\.action\.openSettings\)/, 'the text still reads as sent');
  });

  it('tree labels, descriptions and tooltips of that pipeline, its run and an unknown status are inert', async () => {
    // An unknown status, and a payload whose result_name differs from its channel's (both are shown).
    await admin.publish(keys.channel(`${hostileName}2`), JSON.stringify({ ...hostileResult(`${hostileName}2`, link('status')), result_name: link('payload') }));
    await untilEvent('both hostile pipelines in the store', () => (t.store.has(hostileName) && t.store.has(`${hostileName}2`) ? true : undefined), [t.store.onDidAddRun]);
    t.store.flush();
    const nodes = t.tree.getChildren().filter((n: TreeNode): n is PipelineNode => n.kind === 'pipeline' && n.resultName.startsWith(hostileName));
    assert.equal(nodes.length, 2);
    for (const node of nodes) {
      // As hovered: tooltips are filled in then.
      const item = t.tree.resolveTreeItem(t.tree.getTreeItem(node), node);
      assertInert('pipeline label', String(item.label));
      assertInert('pipeline description', String(item.description));
      assertInertMarkdown('pipeline tooltip', item.tooltip);
      for (const child of t.tree.getChildren(node)) {
        const run = t.tree.resolveTreeItem(t.tree.getTreeItem(child), child);
        assertInert('run description', String(run.description));
        assertInertMarkdown('run tooltip', run.tooltip);
      }
    }
    // Only the status bar's own icons are drawn.
    assertInert('status bar', t.statusBar.text.replace(/\$\((pulse|check|error|warning|clock|debug-disconnect)\)/g, ''));
  });

  it('a rejection reason quoting link-shaped values is inert in the tree', async () => {
    const rejected = nextEvent('the rejection', t.store.onDidReject);
    await admin.publish(keys.channel('BAD_TYPES'), JSON.stringify({ ...hostileResult('BAD_TYPES', 'failed'), duration_ms: link('duration') }));
    const message = await rejected;
    assert.match(message.reason, /command:workbench/, 'the reason quotes the value');
    t.store.flush();
    const group = t.tree.getChildren().find((n) => n.kind === 'rejectedGroup');
    assert.ok(group, 'the rejected group is shown');
    const nodes = t.tree.getChildren(group).filter((n): n is RejectedNode => n.kind === 'rejected');
    const item = t.tree.getTreeItem(nodes.find((n) => n.message.reason === message.reason)!);
    assertInert('rejected label', String(item.label));
    assertInert('rejected description', String(item.description));
    assertInertMarkdown('rejected tooltip', item.tooltip);
  });

  it('a flood of distinct failed names keeps the normal pipelines, stays within the limit and says so once', async function () {
    this.timeout(60_000);
    const limit = 50;
    const limitSet = untilEvent('the store to take the new limit', () => (t.store.overflow?.limit === limit || t.store.size <= limit ? true : undefined), [t.viewer.onDidChange, t.config.onDidChange]);
    await ext.settings.update('limits.maxPipelines', limit, vscode.ConfigurationTarget.Global);
    await limitSet;
    // The team's pipelines: one read from its state key, one heard twice, one failing twice.
    await admin.set(keys.stateKey('NORMAL_STATE'), JSON.stringify({ ...hostileResult('NORMAL_STATE', 'success'), pipeline_name: 'p', error: undefined }), 'EX', 600);
    await vscode.commands.executeCommand('tdtp.refresh');
    for (const duration of [1, 2]) {
      await publishResult(admin, keys, { ...hostileResult('NORMAL_TWICE', 'success'), pipeline_name: 'p', duration_ms: duration, error: undefined }, 600);
      await publishResult(admin, keys, { ...hostileResult('NORMAL_FAILING', 'failed'), pipeline_name: 'p', duration_ms: duration }, 600);
    }
    await untilEvent('the normal pipelines', () => (['NORMAL_STATE', 'NORMAL_TWICE', 'NORMAL_FAILING'].every((n) => t.store.has(n)) && t.store.get('NORMAL_FAILING')?.runCount === 2 ? true : undefined), [t.store.onDidAddRun]);
    const notices = () => shown.filter((n) => n.kind === 'limit');
    assert.equal(notices().length, 0, 'no notice before the limit is reached');
    let received = 0;
    const flood = 2000;
    const counted = t.store.onDidAddRun((r) => r.run.resultName.startsWith('FLOOD_') && received++);
    try {
      const notice = nextEvent('the limit notice', notifications.onDidShow, (n) => n.kind === 'limit', 30_000);
      const batch = admin.pipeline();
      for (let i = 0; i < flood; i++) batch.publish(keys.channel(`FLOOD_${i}`), JSON.stringify(hostileResult(`FLOOD_${i}`, 'failed')));
      await batch.exec();
      // Read, or (past the flood guard's 200 new names a second, with no state key to read back) counted unread.
      const accounted = () => received + (t.store.overflow?.unread ?? 0);
      await untilEvent('every flood event received or counted unread', () => (accounted() === flood ? true : undefined), [t.store.onDidAddRun, t.viewer.onDidChange], 30_000);
      assert.ok(received > 0 && received <= 400, `${received} flood events read (200 new names a second at most)`);
      const { message } = await notice;
      assert.match(message, /pipelines not shown: more than the limit of 50/);
      // A second wave: still one notice.
      const again = admin.pipeline();
      for (let i = flood; i < flood + 200; i++) again.publish(keys.channel(`FLOOD_${i}`), JSON.stringify(hostileResult(`FLOOD_${i}`, 'failed')));
      await again.exec();
      await untilEvent('the second wave received', () => (accounted() === flood + 200 ? true : undefined), [t.store.onDidAddRun, t.viewer.onDidChange], 30_000);
      t.store.flush();
    } finally {
      counted.dispose();
    }
    assert.equal(notices().length, 1, 'one notice for the whole flood');
    assert.ok(t.store.size <= limit, `${t.store.size} pipelines kept`);
    for (const name of ['NORMAL_STATE', 'NORMAL_TWICE', 'NORMAL_FAILING']) assert.ok(t.store.has(name), `${name} survived the flood`);
    const rows = t.tree.getChildren().filter((n: TreeNode): n is PipelineNode => n.kind === 'pipeline');
    assert.ok(rows.some((n) => n.resultName === 'NORMAL_FAILING') && rows.length <= limit, 'the tree shows the normal pipelines within the limit');
    const tooltip = t.statusBar.tooltipText;
    assert.match(tooltip, /pipelines not shown: more than the limit of 50/);
    // The storm of failure toasts stayed a storm: a few toasts, the rest summarised later.
    assert.ok(shown.filter((n) => n.resultName?.startsWith('FLOOD_')).length <= 3);
  });
});
