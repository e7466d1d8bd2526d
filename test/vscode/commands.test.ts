import * as assert from 'node:assert/strict';
import { after, before, describe, it } from 'mocha';
import * as vscode from 'vscode';
import { KeySpace } from '../../src/core/keySpace';
import { goTimeString, publishResult } from '../../src/core/publish';
import type { Testing } from '../../src/vscode/testing';
import type { PipelineNode, RunNode, TreeNode } from '../../src/vscode/tree/nodes';
import type { RedisServer } from '../support/redisServer';
import { startRedis } from '../support/redisServer';
import { useExtension } from './harness';
import { nextEvent, untilEvent } from './waitFor';

/** Every command resolves its target one way: a tree node, or a result_name and a connection name. */
describe('Command targets', function () {
  const ext = useExtension();
  let redis: RedisServer;
  let t: Testing;
  const keys = new KeySpace('tdtp:pipeline');

  before(async () => {
    redis = await startRedis();
    t = ext.testing;
    await ext.settings.update('redis.port', redis.port, vscode.ConfigurationTarget.Global);
    await untilEvent('connected to the test server', () => (t.connection.state.kind === 'connected' && t.connection.endpoint?.includes(`:${redis.port}/`) ? true : undefined), [t.viewer.onDidChangeState]);
    await vscode.commands.executeCommand('tdtp.pipelines.focus');
  });

  after(async () => {
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
    await redis?.dispose();
  });

  it('a tree node, a result_name, or a result_name and a connection name reach the same pipeline; commands return no data', async function () {
    this.timeout(60_000);
    const admin = await redis.client();
    try {
      const now = Date.now();
      const run = (rows: number, ageMs: number) => ({
        pipeline_name: 'targets',
        result_name: 'CMD_TARGET',
        status: 'success',
        started_at: goTimeString(new Date(now - ageMs - 1000)),
        finished_at: goTimeString(new Date(now - ageMs)),
        duration_ms: 1000,
        rows_loaded: rows,
        rows_exported: rows,
      });
      for (const [rows, age] of [[111, 5000], [222, 0]] as const) {
        const added = nextEvent('the run in the model', t.viewer.onDidAddRun, ({ record }) => record.run.resultName === 'CMD_TARGET' && record.run.result.rows_loaded === rows);
        await publishResult(admin, keys, run(rows, age), 600);
        await added;
      }
      const pipeline = t.tree.getChildren().find((n: TreeNode): n is PipelineNode => n.kind === 'pipeline' && n.resultName === 'CMD_TARGET');
      assert.ok(pipeline, 'the pipeline is in the tree');
      const older = t.tree.getChildren(pipeline).find((n: TreeNode): n is RunNode => n.kind === 'run' && n.record.run.result.rows_loaded === 111);
      assert.ok(older, 'its older run is a history row');

      // A node and a result_name reach the same pipeline.
      await vscode.commands.executeCommand('tdtp.mute', older);
      assert.deepEqual(t.config.notifications.muted, ['CMD_TARGET'], 'Mute on a history row mutes its pipeline');
      await vscode.commands.executeCommand('tdtp.unmute', 'CMD_TARGET', 'no-such-connection');
      assert.deepEqual(t.config.notifications.muted, ['CMD_TARGET'], 'a connection that does not exist: nothing happens');
      await vscode.commands.executeCommand('tdtp.unmute', 'CMD_TARGET');
      assert.deepEqual(t.config.notifications.muted, [], 'a result_name: the first connection\'s pipeline');

      // Data is the API's job: the commands show, they do not return it.
      assert.equal(await vscode.commands.executeCommand('tdtp.pollNow', 'CMD_TARGET'), undefined);
      await vscode.commands.executeCommand('tdtp.showDetails', pipeline);
      assert.ok(t.panels.openPanels.includes('CMD_TARGET'), 'Show Details on a node opens its panel');
    } finally {
      admin.disconnect();
    }
  });
});
