import * as assert from 'node:assert/strict';
import { after, before, describe, it } from 'mocha';
import * as vscode from 'vscode';
import type { Testing } from '../../src/vscode/testing';
import { KeySpace } from '../../src/core/keySpace';
import { goTimeString, publishResult } from '../../src/core/publish';
import type { RedisServer } from '../support/redisServer';
import { startRedis } from '../support/redisServer';
import { useExtension } from './harness';
import { nextEvent, untilEvent } from './waitFor';

/**
 * Runs in a workspace that is NOT trusted, whose .vscode/settings.json points the viewer at
 * port 1 and adds an action rule (written by scripts/test-vscode.mjs). Restricted Mode must ignore both.
 */
describe('TDTP Pipeline Viewer in Restricted Mode (untrusted workspace)', function () {
  const ext = useExtension();
  let redis: RedisServer;
  let t: Testing;

  before(async () => {
    redis = await startRedis();
    t = ext.testing;
  });

  after(async () => {
    await redis?.dispose();
  });

  it('is enabled in an untrusted workspace, and ignores the workspace\'s connection settings and action rules', async () => {
    assert.equal(vscode.workspace.isTrusted, false, 'the workspace is untrusted');
    const config = vscode.workspace.getConfiguration('tdtp');
    // The folder's .vscode/settings.json says port 1; VS Code hides restricted values of an untrusted workspace.
    assert.equal(config.get('redis.port'), 6379, 'the workspace\'s port is not used');
    assert.deepEqual(config.get('actions'), [], 'the workspace\'s action rule is hidden');
    assert.equal(t.actionsLoader.loaded, false, 'so the rules\' code (dist/lib/actions.js) is not even loaded');
    assert.equal(t.actions.ruleCount, 0, 'the workspace\'s action rule is not used (reading the seam loads the runner)');

    await ext.settings.update('redis.port', redis.port, vscode.ConfigurationTarget.Global);
    await untilEvent('connected to the port from the user settings', () => (t.viewer.connections[0]?.state.kind === 'connected' ? true : undefined), [t.viewer.onDidChangeState]);
    assert.match(t.viewer.connections[0].endpoint ?? '', new RegExp(`:${redis.port}/`));
  });

  it('offers nothing from the workspace\'s pipeline files: no index, CodeLens, task or connection offer', async () => {
    const uri = vscode.Uri.joinPath(vscode.workspace.workspaceFolders![0].uri, 'pipeline.yaml');
    assert.equal(t.workspace.files.index.definitionCount, 0, 'the lure file is not read');
    await vscode.window.showTextDocument(uri);
    const lenses = (await vscode.commands.executeCommand<vscode.CodeLens[]>('vscode.executeCodeLensProvider', uri).then(undefined, (err: Error) => assert.fail(`CodeLens: ${err.message}`))) ?? [];
    assert.equal(lenses.filter((l) => l.command?.command.startsWith('tdtp.')).length, 0);
    // (vscode.tasks.fetchTasks would wait for a trust prompt here: ask the provider itself.)
    assert.deepEqual(t.workspace.tasks.provideTasks(), []);
    assert.equal(await vscode.commands.executeCommand('tdtp.connectFromWorkspace', { address: 'attacker.invalid:6379', password: 'fromFile' }), false);
    assert.equal(await t.passwords.get(), undefined, 'no password taken from the file');
    assert.equal(vscode.workspace.getConfiguration('tdtp').get('cli.path'), 'tdtpcli', 'the workspace cannot name the program to run');
  });

  it('ignores the workspace\'s notification, data-quality and history settings (a repo cannot mute failures)', async () => {
    // The folder says: no failure toasts, RESTRICTED_FAIL muted, history of 1, a huge tolerance.
    assert.deepEqual(
      { failed: t.config.notifications.failed, muted: t.config.notifications.muted, history: t.config.historySize, rows: t.config.tolerance.tolerance.absoluteRows },
      { failed: true, muted: [], history: 100, rows: 0 },
    );
    const admin = await redis.client();
    try {
      const keys = new KeySpace('tdtp:pipeline');
      const now = Date.now();
      const run = (status: string, rowsExported: number, ageMs: number) => ({
        pipeline_name: 'restricted_pipeline',
        result_name: 'RESTRICTED_FAIL',
        status,
        started_at: goTimeString(new Date(now - ageMs - 1000)),
        finished_at: goTimeString(new Date(now - ageMs)),
        duration_ms: 1000,
        rows_loaded: 100,
        rows_exported: rowsExported,
        ...(status === 'failed' ? { error: 'boom' } : {}),
      });
      const dqToast = nextEvent('a data-quality toast', t.notifications.onDidShow, (n) => n.resultName === 'RESTRICTED_FAIL' && n.kind === 'dq_warning');
      await publishResult(admin, keys, run('success', 90, 2000), 600);
      await dqToast; // 10 of 100 rows dropped is a warning: the workspace's tolerance is not used
      const failToast = nextEvent('a failure toast', t.notifications.onDidShow, (n) => n.resultName === 'RESTRICTED_FAIL' && n.kind === 'failed');
      await publishResult(admin, keys, run('failed', 0, 0), 600);
      await failToast; // neither notifications.failed: false nor the muted list of the workspace silence it
      assert.equal(t.store.history('RESTRICTED_FAIL').filter((h) => h.kind === 'run').length, 2, 'both runs kept: not the workspace\'s history.size of 1');
    } finally {
      admin.disconnect();
    }
  });
});
