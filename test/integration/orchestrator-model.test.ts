// The core's OrchestratorModel and probeRole against the framework's REAL orchestrator: the role
// detected in --no-auth and token mode (admin, activator, consumer tokens issued through the
// API); scenarios, schedules, pending requests and approvals loaded as each role may read them;
// and a job run through the model's queue seen by onDidChangeJobs from added to done.
import assert from 'node:assert/strict';
import { after, afterEach, before, describe, test } from 'node:test';
import { approvalState } from '../../src/core/orchestrator/approvals';
import { OrchestratorClient } from '../../src/core/orchestrator/client';
import { orchestratorBaseUrl } from '../../src/core/orchestrator/http';
import type { ModelPart } from '../../src/core/orchestrator/model';
import { OrchestratorModel } from '../../src/core/orchestrator/model';
import type { JobsChange } from '../../src/core/orchestrator/poller';
import { realTimers } from '../../src/core/orchestrator/poller';
import type { Credentials, Role } from '../../src/core/orchestrator/types';
import { probeRole } from '../../src/core/orchestrator/whoami';
import type { FrameworkTools } from '../support/framework';
import { needsFramework, requireFramework } from '../support/framework';
import type { Orchestrator, RunnerSpec } from '../support/orchestrator';
import { scenarioYaml, startOrchestrator } from '../support/orchestrator';

const framework = needsFramework();

/** Ticks `$1` times 0.1 s, then ends. */
const SLEEPER: RunnerSpec = {
  binary: '/bin/sh',
  args: ['-c', 'echo started; i=0; while [ "$i" -lt "$1" ]; do sleep 0.1; i=$((i+1)); done; echo finished', 'sleeper', '{{.ticks}}'],
};
const SCENARIOS = {
  sleeper: scenarioYaml({ description: 'waits', runner: 'sleeper', params: [{ name: 'ticks', default: '100', pattern: '[0-9]{1,4}' }] }, 'note: "a runner that waits"\n'),
  other: scenarioYaml({ description: 'never approved', runner: 'sleeper', params: [{ name: 'ticks', required: true }] }, 'note: "x"\n'),
};
const SCHEDULES = [{ id: 'nightly', scenario: 'sleeper', schedule: '0 3 * * *', params: { ticks: '1' } }];

/** Resolves at the first event for which `test` holds (checked at once too). */
function until<T>(event: (listener: (e: T) => void) => { dispose(): void }, test: (e?: T) => boolean, what: string, timeoutMs = 20_000): Promise<void> {
  if (test()) return Promise.resolve();
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      subscription.dispose();
      reject(new Error(`timed out waiting for ${what}`));
    }, timeoutMs);
    const subscription = event((e) => {
      if (!test(e)) return;
      clearTimeout(timer);
      subscription.dispose();
      resolve();
    });
  });
}

describe('OrchestratorModel against the real orchestrator', () => {
  let tools: FrameworkTools;
  const started: Orchestrator[] = [];
  const models: OrchestratorModel[] = [];

  before(() => {
    if (!framework.skip) tools = requireFramework();
  });
  afterEach(() => {
    for (const m of models.splice(0)) m.dispose();
  });
  after(async () => {
    for (const o of started.splice(0)) await o.dispose();
  });

  async function orchestrator(auth: 'none' | 'token'): Promise<Orchestrator> {
    const orch = await startOrchestrator(tools, { auth, scenarios: SCENARIOS, runners: { sleeper: SLEEPER }, schedules: SCHEDULES });
    started.push(orch);
    return orch;
  }

  function client(orch: Orchestrator, credentials: Credentials): OrchestratorClient {
    const baseUrl = orchestratorBaseUrl(orch.url);
    assert.ok(baseUrl);
    return new OrchestratorClient({ baseUrl, credentials, timeoutMs: 10_000 });
  }

  /** A started model, looking (fast polls), whose first side load has ended. */
  async function model(orch: Orchestrator, credentials: Credentials): Promise<OrchestratorModel> {
    const m = new OrchestratorModel({ client: client(orch, credentials), fastMs: 100, slowMs: 200 });
    models.push(m);
    const parts: ModelPart[] = [];
    const sub = m.onDidChange((part) => parts.push(part));
    m.setLooking(true, true);
    m.start();
    // The last part of the first load: approvals (admins) or the schedules' clear/skip; wait for the role and scenarios at least.
    await until(m.onDidChange, () => m.role.loaded && (m.role.value === undefined || m.scenarios.loaded) && m.requests.loaded, 'the first load');
    await m.refreshAll();
    sub.dispose();
    return m;
  }

  test('--no-auth: the principal is admin; scenarios, schedules, approvals load; a run is seen from added to done by onDidChangeJobs', framework, async () => {
    const orch = await orchestrator('none');
    assert.deepEqual(await probeRole(client(orch, { kind: 'none' })), { ok: true, value: 'admin' });
    const m = await model(orch, { kind: 'none' });
    assert.equal(m.role.value, 'admin');
    assert.equal(m.health.value?.licenseTier, 'community');
    assert.deepEqual(m.scenarios.value.map((s) => s.name).sort(), ['other', 'sleeper']);
    assert.deepEqual(m.schedules.value.map((s) => [s.id, s.scenario, s.cronExpr, s.enabled]), [['nightly', 'sleeper', '0 3 * * *', true]]);
    assert.equal(m.schedules.problem, undefined);
    assert.deepEqual(m.requests.value, []);
    assert.deepEqual([...m.approvals.keys()].sort(), ['other', 'sleeper']);
    assert.equal(approvalState(m.approvals.get('sleeper') ?? { ok: false, problem: { code: 'aborted' } }).kind, 'notApproved');

    await orch.approve('sleeper');
    await m.refreshApproval('sleeper');
    assert.equal(approvalState(m.approvals.get('sleeper') ?? { ok: false, problem: { code: 'aborted' } }).kind, 'approved');

    const seen: JobsChange[] = [];
    const sub = m.onDidChangeJobs((change) => seen.push(change));
    const answer = await m.call((c, signal) => c.run('sleeper', { ticks: '3' }, { signal }));
    assert.ok(answer.ok, JSON.stringify(answer));
    const jobId = answer.value;
    m.poller.refresh();
    await until(m.onDidChangeJobs, () => m.jobs.some((j) => j.id === jobId && j.status === 'done'), 'the job to be done');
    sub.dispose();
    assert.ok(seen.some((c) => c.added.includes(jobId)), 'the job was announced as added');
    const job = m.jobs.find((j) => j.id === jobId);
    assert.deepEqual({ ...job?.params }, { ticks: '3' });
    assert.equal(job?.runner, 'sleeper');
  });

  test('token mode: admin, activator and consumer tokens are told apart; each loads what its role may read', framework, async () => {
    const orch = await orchestrator('token');
    assert.ok(orch.adminToken);
    const tokens: Record<Role, string> = {
      admin: orch.adminToken,
      activator: await orch.issueToken('ci', 'activator'),
      consumer: await orch.issueToken('reader', 'consumer'),
    };
    for (const role of ['admin', 'activator', 'consumer'] as const) {
      assert.deepEqual(await probeRole(client(orch, { kind: 'token', token: tokens[role] })), { ok: true, value: role }, role);
    }

    // A consumer's own pending request shows in its requests; an admin sees all pending ones.
    const submitted = await orch.request<{ id: string }>('POST', '/requests', { token: tokens.consumer, body: { scenario: 'sleeper', params: { ticks: '1' }, title: 'please' } });
    assert.equal(submitted.status, 201, submitted.text);

    const admin = await model(orch, { kind: 'token', token: tokens.admin });
    assert.equal(admin.role.value, 'admin');
    assert.equal(admin.schedules.value.length, 1);
    assert.equal(admin.approvals.size, 2);
    assert.equal(admin.requests.value.length, 1);
    assert.equal(admin.can('stopAnyJob'), true);
    assert.deepEqual([...admin.tokenNames.values()].sort(), ['bootstrap-admin', 'ci', 'reader'], 'an admin learns the token names with its role, to say who ran a job');

    const activator = await model(orch, { kind: 'token', token: tokens.activator });
    assert.equal(activator.role.value, 'activator');
    assert.deepEqual(activator.scenarios.value.map((s) => s.name).sort(), ['other', 'sleeper']);
    assert.equal(activator.schedules.loaded, false, 'an activator does not read schedules');
    assert.equal(activator.approvals.size, 0, 'nor approvals');
    assert.equal(activator.can('run'), true);
    assert.equal(activator.can('stopAnyJob'), false);
    assert.equal(activator.tokenNames.size, 0, 'an activator cannot read token names');

    const consumer = await model(orch, { kind: 'token', token: tokens.consumer });
    assert.equal(consumer.role.value, 'consumer');
    assert.equal(consumer.scenarios.value.length, 2);
    assert.deepEqual(consumer.requests.value.map((r) => r.scenario), ['sleeper']);
    assert.equal(consumer.schedules.loaded, false);
    assert.equal(consumer.can('run'), false);

    // A wrong token: the public health answers, the role does not (401), nothing else is read.
    const wrong = new OrchestratorModel({ client: client(orch, { kind: 'token', token: `tdtp_${'0'.repeat(48)}` }) });
    models.push(wrong);
    wrong.start();
    await until(wrong.onDidChange, () => wrong.role.loaded, 'the role probe to answer');
    assert.equal(wrong.role.value, undefined);
    assert.equal(wrong.role.problem?.code, 'unauthorized');
    assert.equal(wrong.health.value?.status, 'ok');
    assert.equal(wrong.scenarios.loaded, false);
  });

  test('the role is probed at start and after a 401/403 answer, not on every side refresh; an admin re-reads token names after 10 minutes', framework, async () => {
    const orch = await orchestrator('token');
    assert.ok(orch.adminToken);
    const activatorToken = await orch.issueToken('probe-ci', 'activator');
    let offset = 0;
    const timers = { ...realTimers, now: () => Date.now() + offset };
    /** A model whose client counts GET /tokens (each role probe asks it first). */
    function counted(token: string): { m: OrchestratorModel; probes: () => number } {
      const c = client(orch, { kind: 'token', token });
      const tokens = c.tokens.bind(c);
      let probes = 0;
      c.tokens = (options) => {
        probes++;
        return tokens(options);
      };
      const m = new OrchestratorModel({ client: c, timers, sideMs: 30, fastMs: 100, slowMs: 200 });
      models.push(m);
      m.setLooking(true, true);
      m.start();
      return { m, probes: () => probes };
    }
    /** Resolves after `n` more side loads (each ends its requests part). */
    const sideLoads = (m: OrchestratorModel, n: number) => {
      let seen = 0;
      return until(m.onDidChange, (part) => part === 'requests' && ++seen >= n, `${n} side loads`);
    };

    const activator = counted(activatorToken);
    await sideLoads(activator.m, 4);
    assert.equal(activator.m.role.value, 'activator');
    assert.equal(activator.probes(), 1, 'probed once, at start');
    const refused = await activator.m.call((c, signal) => c.schedules({ signal }));
    assert.equal(refused.ok ? 'ok' : refused.problem.code, 'roleRequired');
    await sideLoads(activator.m, 2);
    assert.equal(activator.probes(), 2, 'probed again after a 403');
    await sideLoads(activator.m, 2);
    assert.equal(activator.probes(), 2);

    const admin = counted(orch.adminToken);
    await sideLoads(admin.m, 3);
    assert.equal(admin.m.role.value, 'admin');
    assert.equal(admin.probes(), 1);
    offset = 11 * 60_000;
    await sideLoads(admin.m, 2);
    assert.equal(admin.probes(), 2, "an admin's token names are read again after 10 minutes");
    await sideLoads(admin.m, 2);
    assert.equal(admin.probes(), 2);
  });
});
