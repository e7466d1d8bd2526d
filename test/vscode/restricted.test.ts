import * as assert from 'node:assert/strict';
import { after, before, describe, it } from 'mocha';
import * as vscode from 'vscode';
import type { TdtpViewerApi } from '../../src/vscode/api';
import type { ActionRunner } from '../../src/vscode/actions';
import type { PasswordStore } from '../../src/vscode/secrets';
import type { Viewer } from '../../src/vscode/viewer';
import type { WorkspaceFeatures } from '../../src/vscode/workspace';
import { RedisServer, startRedis } from '../support/redisServer';
import { until } from './waitFor';

/**
 * Runs in a workspace that is NOT trusted, whose .vscode/settings.json points the viewer at
 * port 1 and adds an action rule (written by scripts/test-vscode.mjs). Restricted Mode must ignore both.
 */
describe('TDTP Pipeline Viewer in Restricted Mode (untrusted workspace)', function () {
  let redis: RedisServer;
  let t: { viewer: Viewer; actions: ActionRunner; workspace: WorkspaceFeatures; passwords: PasswordStore };

  before(async () => {
    redis = await startRedis();
    const extension = vscode.extensions.getExtension<TdtpViewerApi>('tdtp.tdtp-pipeline-viewer');
    assert.ok(extension, 'the extension is installed');
    const api = await extension.activate();
    t = (api as unknown as { testing: typeof t }).testing;
  });

  after(async () => {
    await vscode.workspace.getConfiguration('tdtp').update('redis.port', undefined, vscode.ConfigurationTarget.Global);
    await redis?.dispose();
  });

  it('is enabled in an untrusted workspace, and ignores the workspace\'s connection settings and action rules', async () => {
    assert.equal(vscode.workspace.isTrusted, false, 'the workspace is untrusted');
    const config = vscode.workspace.getConfiguration('tdtp');
    // The folder's .vscode/settings.json says port 1; VS Code hides restricted values of an untrusted workspace.
    assert.equal(config.get('redis.port'), 6379, 'the workspace\'s port is not used');
    assert.equal(t.actions.ruleCount, 0, 'the workspace\'s action rule is not used');

    await config.update('redis.port', redis.port, vscode.ConfigurationTarget.Global);
    await until('connected to the port from the user settings', () => (t.viewer.connections[0]?.state.kind === 'connected' ? true : undefined), [t.viewer.onDidChangeState]);
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
});
