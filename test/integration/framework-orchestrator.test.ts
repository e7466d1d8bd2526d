// The framework's real orchestrator, started by the harness (test/support/orchestrator.ts), runs
// scenarios whose runner is the real tdtpcli; the pipelines' results arrive on the tests' own Redis
// and the core sees them. In --no-auth and in token mode (bootstrap admin token from its log, one
// token of each role issued through its API), on demand, on a schedule and on a pub/sub trigger.
import assert from 'node:assert/strict';
import { afterEach, describe, test } from 'node:test';
import { needsFramework, pipelineYaml } from '../support/framework';
import { useFrameworkFixture } from '../support/frameworkFixture';
import type { Orchestrator } from '../support/orchestrator';
import { scenarioYaml, startOrchestrator } from '../support/orchestrator';
import type { RecordedWatcher } from '../support/redisServer';
import { KEYS, settingsFor, startRecordedWatcher } from '../support/redisServer';

const framework = needsFramework();

describe('the real orchestrator running real tdtpcli pipelines', () => {
  const fx = useFrameworkFixture(framework);
  const orchestrators: Orchestrator[] = [];
  const viewers: RecordedWatcher[] = [];

  afterEach(async () => {
    if (framework.skip) return;
    for (const v of viewers.splice(0)) v.dispose();
    for (const o of orchestrators.splice(0)) await o.dispose();
    await fx.admin.flushall();
  });

  /** A scenario: one `city` parameter, filled into the pipeline's name and its SQL by the orchestrator. */
  function citySync(resultName: string, query = "SELECT id, name, city, active FROM customers WHERE city <> '{{.skip_city}}'"): string {
    return scenarioYaml(
      { description: 'customers of every city but one', params: [{ name: 'skip_city', required: true, pattern: '[A-Za-z]+' }] },
      pipelineYaml({ name: 'customers-without-{{.skip_city}}', resultName, address: `127.0.0.1:${fx.server.port}`, sqlite: fx.sourceDb, query, output: fx.work.path(`${resultName}.tdtp.xml`) }),
    );
  }

  async function orchestrator(options: Parameters<typeof startOrchestrator>[1]): Promise<Orchestrator> {
    const started = await startOrchestrator(fx.tools, options);
    orchestrators.push(started);
    return started;
  }

  async function viewer(): Promise<RecordedWatcher> {
    const v = await startRecordedWatcher(settingsFor(fx.server.port));
    viewers.push(v);
    return v;
  }

  test('--no-auth: health, approve, run; the job ends done and the pipeline’s result arrives on Redis', framework, async () => {
    const orch = await orchestrator({ auth: 'none', scenarios: { 'city-sync': citySync('ORCH_V001') } });
    const health = await orch.request<Record<string, unknown>>('GET', '/healthz');
    assert.equal(health.status, 200);
    assert.deepEqual(health.json, { status: 'ok', active_jobs: 0, license_tier: 'community', mercury: 'skip', pubsub: 'skip' });

    // Not approved yet: refused.
    const refused = await orch.request('POST', '/scenarios/city-sync/run', { body: { params: { skip_city: 'Omsk' } } });
    assert.equal(refused.status, 403, refused.text);
    // A parameter outside its pattern: 422.
    await orch.approve('city-sync');
    const badParam = await orch.request('POST', '/scenarios/city-sync/run', { body: { params: { skip_city: "Omsk' OR 1=1 --" } } });
    assert.equal(badParam.status, 422, badParam.text);

    const v = await viewer();
    const arrived = v.nextRun('ORCH_V001', 30_000, 'live');
    const jobId = await orch.run('city-sync', { skip_city: 'Omsk' });
    const job = await orch.waitForJob(jobId, ['done', 'failed', 'cancelled']);
    assert.equal(job.status, 'done', `job log:\n${job.log}\nerror: ${job.error}`);
    assert.equal(job.scenario, 'city-sync');
    assert.equal(job.runner, 'tdtpcli');
    assert.deepEqual(job.params, { skip_city: 'Omsk' });
    assert.match(job.log ?? '', /ETL Pipeline completed successfully/, 'the job log is tdtpcli’s output');

    const record = await arrived;
    const raw = await fx.admin.get(KEYS.stateKey('ORCH_V001'));
    assert.ok(raw);
    assert.deepEqual(record.run.result, JSON.parse(raw));
    // The orchestrator rendered its parameter into the name and the SQL.
    assert.equal(record.run.result.pipeline_name, 'customers-without-Omsk');
    assert.equal(record.run.result.status, 'success');
    assert.equal(record.run.result.rows_loaded, 4);
    // A finished job no longer counts as active.
    assert.equal(((await orch.request<{ active_jobs: number }>('GET', '/healthz')).json)?.active_jobs, 0);
  });

  test('a scenario whose pipeline fails: the job ends failed and the failure arrives on Redis', framework, async () => {
    const orch = await orchestrator({ auth: 'none', scenarios: { broken: citySync('ORCH_FAIL', 'SELECT id FROM missing_table') } });
    await orch.approve('broken');
    const v = await viewer();
    const arrived = v.nextRun('ORCH_FAIL', 30_000, 'live');
    const job = await orch.waitForJob(await orch.run('broken', { skip_city: 'Omsk' }), ['done', 'failed', 'cancelled']);
    assert.equal(job.status, 'failed');
    assert.equal(job.error, 'exit status 1');
    const record = await arrived;
    assert.equal(record.run.statusKind, 'failed');
    assert.match(record.run.result.error ?? '', /no such table: missing_table/);
    assert.ok(job.log?.includes(record.run.result.error ?? '\u0000'), 'the job log holds the error the pipeline published');
  });

  test('token mode: the bootstrap admin token from the log, one token of each role through the API', framework, async () => {
    const orch = await orchestrator({ auth: 'token', scenarios: { 'city-sync': citySync('ORCH_TOKEN') } });
    assert.match(orch.adminToken ?? '', /^tdtp_[0-9a-f]{48}$/);
    assert.equal((await orch.request('GET', '/healthz')).status, 200, 'health needs no token');
    assert.equal((await orch.request('GET', '/scenarios')).status, 401, 'the API does');
    assert.equal((await orch.request('GET', '/scenarios', { token: 'tdtp_' + '0'.repeat(48) })).status, 401);

    const consumer = await orch.issueToken('viewer-consumer', 'consumer');
    const activator = await orch.issueToken('viewer-activator', 'activator');
    const secondAdmin = await orch.issueToken('viewer-admin', 'admin');
    for (const token of [consumer, activator, secondAdmin]) assert.match(token, /^tdtp_[0-9a-f]{48}$/);
    const tokens = await orch.request<Array<{ name: string; role: string }>>('GET', '/tokens', { token: secondAdmin });
    assert.equal(tokens.status, 200);
    assert.deepEqual(
      tokens.json?.map((t) => `${t.name}:${t.role}`).sort(),
      ['bootstrap-admin:admin', 'viewer-activator:activator', 'viewer-admin:admin', 'viewer-consumer:consumer'].sort(),
    );

    const scenarios = await orch.request<Array<{ name: string }>>('GET', '/scenarios', { token: consumer });
    assert.equal(scenarios.status, 200);
    assert.deepEqual(scenarios.json?.map((s) => s.name), ['city-sync']);
    const consumerRun = await orch.request('POST', '/scenarios/city-sync/run', { token: consumer, body: { params: { skip_city: 'Omsk' } } });
    assert.equal(consumerRun.status, 403);
    assert.match(consumerRun.text, /forbidden: requires role activator/);
    assert.equal((await orch.request('POST', '/scenarios/city-sync/approve', { token: activator })).status, 403, 'approving is for admins');

    assert.equal((await orch.request('POST', '/scenarios/city-sync/approve', { token: secondAdmin })).status, 200);
    const v = await viewer();
    const arrived = v.nextRun('ORCH_TOKEN', 30_000, 'live');
    const jobId = await orch.run('city-sync', { skip_city: 'Perm' }, activator);
    const job = await orch.waitForJob(jobId, ['done', 'failed', 'cancelled']);
    assert.equal(job.status, 'done', job.log);
    assert.ok(job.submitted_by, 'the job names the activator’s token');
    assert.equal((await arrived).run.result.pipeline_name, 'customers-without-Perm');
    // The consumer may read the job.
    assert.equal((await orch.request('GET', `/jobs/${jobId}`, { token: consumer })).status, 200);
  });

  test('a schedule seed runs the approved scenario by itself, and a pub/sub trigger chains a second one', framework, async () => {
    const address = `127.0.0.1:${fx.server.port}`;
    const orch = await orchestrator({
      auth: 'none',
      scenarios: {
        'city-sync': citySync('ORCH_SCHED'),
        follow: scenarioYaml(
          { params: [{ name: 'result_name' }, { name: 'status' }] },
          pipelineYaml({ name: 'after-{{.result_name}}-{{.status}}', resultName: 'ORCH_FOLLOW', address, sqlite: fx.sourceDb, output: fx.work.path('follow.tdtp.xml') }),
        ),
      },
      schedules: [{ id: 'every-second', scenario: 'city-sync', schedule: '@every 1s', params: { skip_city: 'Tver' } }],
      pubsub: { address, subscriptions: [{ result_name: 'ORCH_SCHED', scenario: 'follow' }] },
    });
    assert.equal((await orch.request<{ pubsub: string }>('GET', '/healthz')).json?.pubsub, 'connected');
    const v = await viewer();
    const scheduled = v.nextRun('ORCH_SCHED', 30_000, 'live');
    const followed = v.nextRun('ORCH_FOLLOW', 30_000, 'live');
    // Unapproved scenarios are skipped by the scheduler too; approving lets the next tick run it.
    await orch.approve('city-sync');
    await orch.approve('follow');
    assert.equal((await scheduled).run.result.pipeline_name, 'customers-without-Tver');
    // The trigger passes the result's name and status to the scenario as parameters.
    assert.equal((await followed).run.result.pipeline_name, 'after-ORCH_SCHED-success');
    const jobs = await orch.request<Array<{ scenario: string; schedule_id?: string }>>('GET', '/jobs?limit=50');
    assert.ok(jobs.json?.some((j) => j.scenario === 'city-sync' && j.schedule_id === 'every-second'), `a job of the schedule: ${jobs.text}`);
  });
});
