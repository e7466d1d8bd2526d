import * as assert from 'node:assert/strict';
import { after, before, describe, it } from 'mocha';
import * as vscode from 'vscode';
import { KeySpace } from '../../src/core/keySpace';
import { goTimeString, publishResult } from '../../src/core/publish';
import type { PipelineEvent, TdtpViewerApi } from '../../src/vscode/api';
import type { Testing } from '../../src/vscode/testing';
import type { RedisServer } from '../support/redisServer';
import { startRedis } from '../support/redisServer';
import { useExtension } from './harness';
import { nextEvent, untilEvent } from './waitFor';

/** Another extension holds what the API gave it: it must never reach into the model through it. */
describe('The API hands out copies, not the model\'s runs', function () {
  const ext = useExtension();
  let redis: RedisServer;
  let api: TdtpViewerApi;
  let t: Testing;
  const keys = new KeySpace('tdtp:pipeline');

  before(async () => {
    redis = await startRedis();
    api = ext.api;
    t = ext.testing;
    await ext.settings.update('redis.port', redis.port, vscode.ConfigurationTarget.Global);
    await untilEvent('connected to the test server', () => (t.connection.state.kind === 'connected' && t.connection.endpoint?.includes(`:${redis.port}/`) ? true : undefined), [t.viewer.onDidChangeState]);
  });

  after(async () => {
    await redis?.dispose();
  });

  it('events, pipelines, history and polls are frozen copies; changing them changes nothing in the viewer', async () => {
    const admin = await redis.client();
    try {
      const now = new Date();
      const received = nextEvent<PipelineEvent>('the event through the API', api.onDidReceiveEvent, (e) => e.resultName === 'API_COPY' && e.source === 'live');
      await publishResult(
        admin,
        keys,
        { pipeline_name: 'api_copy', result_name: 'API_COPY', status: 'failed', started_at: goTimeString(new Date(now.getTime() - 500)), finished_at: goTimeString(now), duration_ms: 500, rows_loaded: 10, rows_exported: 0, error: 'original' },
        600,
      );
      const event = await received;
      const pipeline = api.getPipelines().find((p) => p.resultName === 'API_COPY');
      const history = api.getHistory('API_COPY');
      const polled = await api.pollPipelineState('API_COPY');
      assert.ok(pipeline && history.length > 0 && polled);
      for (const [what, value] of [['event', event], ['pipeline', pipeline], ['history', history[0]], ['poll', polled]] as const) {
        assert.ok(Object.isFrozen(value) && Object.isFrozen(value.event) && Object.isFrozen(value.dataQuality), `${what} is frozen`);
        // What a careless (or hostile) extension would do; strict mode makes it throw, sloppy mode ignores it.
        try {
          (value.event as { error?: string; status: string }).status = 'success';
          (value.event as { error?: string }).error = 'rewritten';
        } catch {
          /* frozen */
        }
      }
      const latest = t.store.get('API_COPY')!.latest;
      assert.equal(latest.run.result.status, 'failed');
      assert.equal(latest.run.result.error, 'original');
      assert.equal(t.store.get('API_COPY')!.displayStatus, 'failed');
      assert.notEqual(pipeline.event, latest.run.result, 'not the model\'s own object');
      assert.ok(Object.isFrozen(api.getConnections()[0]));
    } finally {
      admin.disconnect();
    }
  });
});
