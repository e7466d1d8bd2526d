import * as assert from 'node:assert/strict';
import Redis from 'ioredis';
import { after, before, describe, it } from 'mocha';
import * as vscode from 'vscode';
import { TdtpResult } from '../../src/core/decode';
import { KeySpace } from '../../src/core/keySpace';
import { goTimeString, publishResult } from '../../src/core/publish';
import type { TdtpViewerApi } from '../../src/vscode/api';
import { NotificationController, ShownNotification } from '../../src/vscode/notifications';
import type { Testing } from '../../src/vscode/testing';
import type { PipelineNode, RejectedNode, TreeNode } from '../../src/vscode/treeView';
import { RedisServer, startRedis } from '../support/redisServer';
import { nextEvent, until } from './waitFor';

const keys = new KeySpace('tdtp:pipeline');
/** VS Code 1.139's own notification link syntax (its workbench's regex): what must not survive. */
const NOTIFICATION_LINK = /\[([^\]]+)\]\(((?:https?:\/\/|command:|file:)[^)\s]+)(?: (["'])(.+?)(\3))?\)/i;
const CODICON = /(?<!\\)\$\([A-Za-z0-9-]+(?:~[A-Za-z]+)?\)/;
const link = (label: string) => `[${label}](command:workbench.action.openSettings) [web](https://evil.example/x) $(alert)`;

function hostileResult(resultName: string, status: string): TdtpResult {
  const now = new Date();
  return {
    pipeline_name: link('pipeline'),
    result_name: resultName,
    status,
    package_uuid: link('uuid'),
    started_at: goTimeString(new Date(now.getTime() - 5)),
    finished_at: goTimeString(now),
    duration_ms: 5,
    rows_loaded: 1,
    rows_exported: 0,
    error: `${link('error')}\n2026-12-01 20:00:00.000 [info] forged line`,
  };
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
  let redis: RedisServer;
  let admin: Redis;
  let t: Testing;
  let notifications: NotificationController;
  const shown: ShownNotification[] = [];
  const hostileName = link('channel');

  before(async function () {
    redis = await startRedis();
    admin = await redis.client();
    const api = await vscode.extensions.getExtension<TdtpViewerApi>('tdtp.tdtp-pipeline-viewer')!.activate();
    t = (api as unknown as { testing: Testing }).testing;
    // A controller of its own: the extension's may still be inside another suite's storm window.
    notifications = new NotificationController(t.viewer, t.config, vscode.window.createOutputChannel('TDTP hostile test', { log: true }));
    notifications.onDidShow((n) => shown.push(n));
    await vscode.workspace.getConfiguration('tdtp').update('redis.port', redis.port, vscode.ConfigurationTarget.Global);
    await until('connected to the hostile suite\'s Redis', () => (t.connection.state.kind === 'connected' && t.connection.endpoint?.includes(`:${redis.port}/`) ? true : undefined), [t.connection.onDidChangeState]);
    await vscode.commands.executeCommand('tdtp.pipelines.focus');
  });

  after(async () => {
    notifications?.dispose();
    await vscode.workspace.getConfiguration('tdtp').update('redis.port', undefined, vscode.ConfigurationTarget.Global);
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
    await until('both hostile pipelines in the store', () => (t.store.has(hostileName) && t.store.has(`${hostileName}2`) ? true : undefined), [t.store.onDidAddRun]);
    t.store.flush();
    const nodes = t.tree.getChildren().filter((n: TreeNode): n is PipelineNode => n.kind === 'pipeline' && n.resultName.startsWith(hostileName));
    assert.equal(nodes.length, 2);
    for (const node of nodes) {
      const item = t.tree.getTreeItem(node);
      assertInert('pipeline label', String(item.label));
      assertInert('pipeline description', String(item.description));
      assertInertMarkdown('pipeline tooltip', item.tooltip);
      for (const child of t.tree.getChildren(node)) {
        const run = t.tree.getTreeItem(child);
        assertInert('run description', String(run.description));
        assertInertMarkdown('run tooltip', run.tooltip);
      }
    }
    // Only the status bar's own icons are drawn.
    assertInert('status bar', t.statusBar.text.replace(/\$\((pulse|check|error|warning|debug-disconnect)\)/g, ''));
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
});
