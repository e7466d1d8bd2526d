import * as assert from 'node:assert/strict';
import { after, before, describe, it } from 'mocha';
import * as vscode from 'vscode';
import { KeySpace } from '../../src/core/keySpace';
import { goTimeString, publishResult } from '../../src/core/publish';
import { job as shapeJob } from '../../src/core/orchestrator/normalize';
import type { Job } from '../../src/core/orchestrator/types';
import type { OrchestratorJobsChange, PipelineEvent, TdtpViewerApi } from '../../src/vscode/api';
import { createApi } from '../../src/vscode/api';
import type { OrchestratorServer, ServerJobsChange } from '../../src/vscode/orchestrator/orchestrators';
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

describe('Orchestrator jobs through the API: copied only while an extension listens', function () {
  const ext = useExtension();

  it('a poll that changed the jobs costs no copy without a listener; a listener gets frozen copies, and none once it is gone', () => {
    const polled = new vscode.EventEmitter<ServerJobsChange>();
    const server = { endpoint: { connection: 'fake' }, model: undefined, credentials: 'pending' } as unknown as OrchestratorServer;
    const { api, disposable } = createApi(ext.testing.viewer, { servers: [server], onDidChangeJobs: polled.event });
    try {
      // A job whose id counts its reads: a copy reads it.
      let reads = 0;
      const original = shapeJob({ id: 'j1', scenario: 's', status: 'running' })!;
      const counted: Job = Object.defineProperty({ ...original }, 'id', { get: () => (reads++, original.id), enumerable: true });
      const poll = () => polled.fire({ server, change: { jobs: Array.from({ length: 500 }, () => counted), added: ['j1'], changed: [], removed: [] } });

      poll();
      assert.equal(reads, 0, 'no listener: nothing copied');

      const seen: OrchestratorJobsChange[] = [];
      const listening = api.onDidChangeJobs((e) => seen.push(e));
      poll();
      assert.equal(seen.length, 1);
      assert.equal(seen[0].jobs.length, 500);
      assert.equal(seen[0].connection, 'fake');
      assert.ok(Object.isFrozen(seen[0].jobs[0]));
      assert.ok(reads > 0);

      listening.dispose();
      reads = 0;
      poll();
      assert.equal(reads, 0, 'the listener gone: nothing copied again');
      assert.equal(seen.length, 1);
    } finally {
      disposable.dispose();
      polled.dispose();
    }
  });
});

