// Ring 1 for the requests inbox, schedules and tokens (issue 23): every call they make, with admin,
// activator and consumer tokens, against the framework's REAL orchestrator (v1.18.1). The client's
// shapes are covered in orchestrator-client.test.ts; here are the outcomes the UI relies on: the
// role each action needs (core roles.ts) is the one the server asks for, the role probe and the
// model's per-role lists, and the schedule quirks the UI words (seeds come back enabled on restart,
// enabling an enabled schedule registers it twice, a deleted seed is back after a restart, POST stores a row before validating it — and a
// stored broken row stops the server from starting again).
import assert from 'node:assert/strict';
import { after, afterEach, before, describe, test } from 'node:test';
import { OrchestratorClient } from '../../src/core/orchestrator/client';
import { orchestratorBaseUrl } from '../../src/core/orchestrator/http';
import { OrchestratorModel } from '../../src/core/orchestrator/model';
import { parseServerCron } from '../../src/core/orchestrator/nextRun';
import { ACTION_ROLE } from '../../src/core/orchestrator/roles';
import { probeRole } from '../../src/core/orchestrator/whoami';
import type { Answer, Credentials, Job, Role } from '../../src/core/orchestrator/types';
import type { FrameworkTools } from '../support/framework';
import { needsFramework, requireFramework } from '../support/framework';
import type { Orchestrator, RunnerSpec } from '../support/orchestrator';
import { answerProblem as problem, answerValue as value, scenarioYaml, startOrchestrator } from '../support/orchestrator';
import { pollUntil } from '../support/redisServer';

const framework = needsFramework();

/** A runner that ends at once (scheduled runs skip the licence's one-pipeline check: many may run). */
const QUICK: RunnerSpec = { binary: '/bin/sh', args: ['-c', 'echo ran {{.city}}'] };
const QUICK_SCENARIO = scenarioYaml({ description: 'ends at once', runner: 'quick', params: [{ name: 'city', default: 'Omsk', pattern: '[A-Za-z]+' }] }, 'note: "quick"\n');
const OTHER_SCENARIO = scenarioYaml({ description: 'another', runner: 'quick' }, 'note: "other"\n');

describe('requests, schedules and tokens against the real orchestrator, per role', () => {
  let tools: FrameworkTools;
  const started: Orchestrator[] = [];
  const models: OrchestratorModel[] = [];

  before(() => {
    if (!framework.skip) tools = requireFramework();
  });

  afterEach(async () => {
    for (const m of models.splice(0)) m.dispose();
    for (const o of started.splice(0)) await o.dispose();
  });

  after(() => {
    for (const m of models.splice(0)) m.dispose();
  });

  async function orchestrator(options: Partial<Parameters<typeof startOrchestrator>[1]> = {}): Promise<Orchestrator> {
    const orch = await startOrchestrator(tools, { auth: 'token', scenarios: { quick: QUICK_SCENARIO, other: OTHER_SCENARIO }, runners: { quick: QUICK }, ...options });
    started.push(orch);
    return orch;
  }

  function client(orch: Orchestrator, token: string | undefined): OrchestratorClient {
    const baseUrl = orchestratorBaseUrl(orch.url);
    assert.ok(baseUrl);
    const credentials: Credentials = token ? { kind: 'token', token } : { kind: 'none' };
    return new OrchestratorClient({ baseUrl, credentials, timeoutMs: 10_000 });
  }

  function model(c: OrchestratorClient): OrchestratorModel {
    const m = new OrchestratorModel({ client: c });
    models.push(m);
    return m;
  }

  test('each action needs the role roles.ts says; the probe finds each role; the model lists what each role may see', framework, async () => {
    const orch = await orchestrator();
    const admin = client(orch, orch.adminToken);
    const tokenOf: Record<Role, string> = {
      admin: orch.adminToken ?? '',
      activator: await orch.issueToken('act', 'activator'),
      consumer: await orch.issueToken('con', 'consumer'),
    };
    const as = (role: Role) => client(orch, tokenOf[role]);
    for (const role of ['admin', 'activator', 'consumer'] as const) assert.equal(value(await probeRole(as(role)), `probe ${role}`), role);

    // What the inbox, schedules and tokens call, per action: below the action's role the server
    // answers roleRequired with exactly that role (so the UI words the role it needs, and hides it).
    const calls: Array<[keyof typeof ACTION_ROLE, (c: OrchestratorClient) => Promise<Answer<unknown>>]> = [
      ['viewSchedules', (c) => c.schedules()],
      ['editSchedules', (c) => c.addSchedule({ id: 'gate', scenario: 'quick', cronExpr: '0 3 * * *' })],
      ['editSchedules', (c) => c.enableSchedule('gate')],
      ['editSchedules', (c) => c.disableSchedule('gate')],
      ['editSchedules', (c) => c.deleteSchedule('gate')],
      ['viewTokens', (c) => c.tokens()],
      ['editTokens', (c) => c.issueToken('gate', 'consumer')],
      ['editTokens', (c) => c.revokeToken('no-such-token')],
      ['reviewRequest', (c) => c.testRequest('no-such-request')],
      ['reviewRequest', (c) => c.approveRequest('no-such-request')],
      ['reviewRequest', (c) => c.rejectRequest('no-such-request', 'no')],
    ];
    for (const [action, call] of calls) {
      assert.equal(ACTION_ROLE[action], 'admin', action);
      for (const role of ['activator', 'consumer'] as const) {
        assert.deepEqual(problem(await call(as(role)), `${role} ${action}`), { code: 'roleRequired', role: 'admin' }, `${role} ${action}`);
      }
    }
    // Nothing of the refused calls happened.
    assert.deepEqual(value(await admin.schedules(), 'schedules'), []);
    assert.deepEqual(value(await admin.tokens(), 'tokens').map((t) => t.name).sort(), ['act', 'bootstrap-admin', 'con']);
    assert.equal(ACTION_ROLE.submitRequest, 'consumer');

    // Submit: every role may; each sees its own, the admin all.
    for (const role of ['consumer', 'activator'] as const) {
      value(await as(role).submitRequest({ scenario: 'quick', params: { city: 'Tver' }, title: `from ${role}` }), `${role} submits`);
    }
    const byRole = new Map<Role, OrchestratorModel>();
    for (const role of ['admin', 'activator', 'consumer'] as const) {
      const m = model(as(role));
      await m.refreshRole();
      await m.refreshScenarios();
      await m.refreshRequests();
      await m.refreshSchedules();
      byRole.set(role, m);
    }
    const titles = (role: Role) => byRole.get(role)?.requests.value.map((r) => r.title).sort();
    assert.deepEqual(titles('admin'), ['from activator', 'from consumer']);
    assert.deepEqual(titles('activator'), ['from activator']);
    assert.deepEqual(titles('consumer'), ['from consumer']);
    const consumerModel = byRole.get('consumer');
    assert.ok(consumerModel);
    assert.equal(consumerModel.role.value, 'consumer');
    // The consumer's model never asks for schedules (no 403 to word), and offers nothing of an admin's.
    assert.equal(consumerModel.schedules.problem, undefined);
    for (const action of ['reviewRequest', 'viewSchedules', 'editSchedules', 'viewTokens', 'editTokens', 'run'] as const) assert.equal(consumerModel.can(action), false, action);
    assert.equal(consumerModel.can('submitRequest'), true);
    assert.equal(byRole.get('admin')?.can('reviewRequest'), true);
    assert.equal(byRole.get('activator')?.can('reviewRequest'), false);
  });

  test('the inbox’s calls: test (blocked, then the resolved parameters), approve (its job reaches the model’s jobs), reject with a note', framework, async () => {
    const orch = await orchestrator();
    const admin = client(orch, orch.adminToken);
    const consumer = client(orch, await orch.issueToken('con', 'consumer'));
    const limited = client(orch, await orch.issueToken('lim', 'consumer', ['other']));

    const asked = value(await consumer.submitRequest({ scenario: 'quick', params: { city: 'Perm', undeclared: 'x' }, title: 'Perm, please' }), 'submit');
    const second = value(await consumer.submitRequest({ scenario: 'quick', params: {} }), 'submit without a title');
    assert.equal(second.title, undefined, 'an empty title is no title');
    // The allowlist holds for a submit; the params are checked at submit too (422).
    const outside = problem(await limited.submitRequest({ scenario: 'quick', params: {} }), 'outside the allowlist');
    assert.deepEqual(outside.code === 'forbidden' && outside.reason, 'scenarioNotAllowed');
    assert.equal(problem(await consumer.submitRequest({ scenario: 'quick', params: { city: '1' } }), 'bad city').code, 'invalidParams');
    assert.equal(problem(await consumer.submitRequest({ scenario: 'none', params: {} }), 'no scenario').code, 'notFound');

    const inbox = model(admin);
    await inbox.refreshRole();
    await inbox.refreshRequests();
    assert.deepEqual(inbox.requests.value.map((r) => r.id).sort(), [asked.id, second.id].sort());

    // Not approved: the dry run says why, approving refuses with cannotApprove.
    const blocked = value(await inbox.call((c) => c.testRequest(asked.id)), 'test');
    assert.equal(blocked.wouldRun, false);
    assert.match(blocked.blockedReason, /not approved/);
    const cannot = problem(await inbox.call((c) => c.approveRequest(asked.id)), 'approve unapproved');
    assert.deepEqual(cannot.code === 'forbidden' && cannot.reason, 'cannotApprove');

    await orch.approve('quick');
    const verdict = value(await inbox.call((c) => c.testRequest(asked.id)), 'test again');
    assert.equal(verdict.wouldRun, true);
    assert.equal(verdict.blockedReason, '');
    assert.deepEqual({ ...verdict.resolvedParams }, { city: 'Perm' }, 'undeclared params are dropped');
    const defaults = value(await inbox.call((c) => c.testRequest(second.id)), 'test defaults');
    assert.deepEqual({ ...defaults.resolvedParams }, { city: 'Omsk' }, 'the default fills a missing param');

    // Approve: the job id; the model's jobs, refreshed, hold it.
    const ran = value(await inbox.call((c) => c.approveRequest(asked.id)), 'approve');
    assert.equal(ran.status, 'approved');
    const jobSeen = new Promise<Job>((resolve) => {
      const listener = inbox.onDidChangeJobs((change) => {
        const job = change.jobs.find((j) => j.id === ran.jobId);
        if (job) {
          listener.dispose();
          resolve(job);
        }
      });
    });
    inbox.poller.refresh();
    assert.equal((await jobSeen).scenario, 'quick');
    await inbox.refreshRequests();
    assert.deepEqual(inbox.requests.value.map((r) => r.id), [second.id], 'the approved request left the pending list');

    // Reject with a note; twice is a conflict; the consumer reads the note.
    value(await inbox.call((c) => c.rejectRequest(second.id, 'не сегодня')), 'reject');
    const rejected = value(await consumer.request(second.id), 'rejected');
    assert.equal(rejected.status, 'rejected');
    assert.equal(rejected.reviewNote, 'не сегодня');
    const twice = problem(await admin.approveRequest(second.id), 'approve a rejected request');
    assert.deepEqual(twice.code === 'conflict' && twice.reason, 'requestReviewed');
    await inbox.refreshRequests();
    assert.deepEqual(inbox.requests.value, []);
    assert.equal(problem(await admin.testRequest('no-such-request'), 'unknown request').code, 'notFound');
  });

  test('schedules as the UI must word them: seeds come back enabled (and deleted seeds come back), unknown ids answer 204, a same id replaces, enabling twice keeps firing after disable, a 422 row stays and stops the next start', framework, async () => {
    const orch = await orchestrator({ schedules: [{ id: 'seeded', scenario: 'quick', schedule: '0 4 * * *', timezone: 'Europe/Moscow' }] });
    const admin = client(orch, orch.adminToken);
    const list = async () => value(await admin.schedules(), 'schedules');
    const one = async (id: string) => (await list()).find((s) => s.id === id);

    // A seed disabled here is enabled again by the next start.
    assert.equal((await one('seeded'))?.enabled, true);
    value(await admin.disableSchedule('seeded'), 'disable the seed');
    assert.equal((await one('seeded'))?.enabled, false);
    await orch.restart();
    assert.equal((await one('seeded'))?.enabled, true, 'the seed is enabled again after a restart');

    // 204 for an id it does not hold, and nothing is made.
    value(await admin.enableSchedule('no-such-id'), 'enable unknown');
    value(await admin.disableSchedule('no-such-id'), 'disable unknown');
    value(await admin.deleteSchedule('no-such-id'), 'delete unknown');
    assert.deepEqual((await list()).map((s) => s.id), ['seeded']);

    // A POST with an id it holds replaces that row (the UI refuses an id it sees).
    value(await admin.addSchedule({ id: 'seeded', scenario: 'other', cronExpr: '0 5 * * *' }), 'same id');
    const replaced = await one('seeded');
    assert.equal(replaced?.scenario, 'other');
    assert.equal(replaced?.cronExpr, '0 5 * * *');
    assert.equal(replaced?.timezone, '');
    value(await admin.deleteSchedule('seeded'), 'delete');
    assert.deepEqual(await list(), []);

    // Enabling an enabled schedule registers it twice: disabling removes one registration and the
    // other keeps firing (until the server restarts). One enabled once stops.
    await orch.approve('quick');
    const every = '@every 1s';
    assert.equal(parseServerCron(every, 'UTC').ok, true, 'the UI takes what the server takes');
    value(await admin.addSchedule({ id: 'twice', scenario: 'quick', cronExpr: every }), 'add twice');
    value(await admin.addSchedule({ id: 'once', scenario: 'quick', cronExpr: every }), 'add once');
    value(await admin.enableSchedule('twice'), 'enable an enabled schedule');
    const jobsOf = async (id: string) => value(await admin.jobs(500), 'jobs').filter((j) => j.scheduleId === id);
    await pollUntil(async () => ((await jobsOf('once')).length > 0 ? true : undefined), 10_000, 'a scheduled run', 100);
    value(await admin.disableSchedule('twice'), 'disable twice');
    value(await admin.disableSchedule('once'), 'disable once');
    assert.deepEqual((await list()).map((s) => `${s.id}:${s.enabled}`).sort(), ['once:false', 'twice:false']);
    const disabledAt = Date.now();
    // Two whole seconds past the disable: the server's times are whole seconds.
    const later = (jobs: readonly Job[]) => jobs.filter((j) => (j.startedAt?.epochMs ?? 0) >= Math.ceil(disabledAt / 1000) * 1000 + 2000);
    await pollUntil(async () => (later(await jobsOf('twice')).length >= 2 ? true : undefined), 15_000, 'the orphaned registration to keep firing', 200);
    assert.deepEqual(later(await jobsOf('once')), [], 'a schedule enabled once stops when disabled');
    assert.ok((await one('twice'))?.lastRunAt, 'the server records its runs');
    value(await admin.deleteSchedule('twice'), 'delete twice');
    value(await admin.deleteSchedule('once'), 'delete once');

    // POST stores the row before it checks it: a 422 leaves it stored and enabled; deleted, the
    // server starts again; left stored, the next start fails (LoadFromDB is fatal).
    const bad = problem(await admin.addSchedule({ id: 'broken', scenario: 'quick', cronExpr: 'not a cron' }), 'bad cron');
    assert.equal(bad.code, 'invalidParams');
    assert.equal(parseServerCron('not a cron', 'UTC').ok, false, 'the UI refuses it before sending');
    const unknownScenario = problem(await admin.addSchedule({ id: 'lost', scenario: 'none', cronExpr: '0 3 * * *' }), 'unknown scenario');
    assert.equal(unknownScenario.code, 'invalidParams');
    assert.deepEqual((await list()).map((s) => `${s.id}:${s.enabled}`).sort(), ['broken:true', 'lost:true']);
    value(await admin.deleteSchedule('broken'), 'delete broken');
    value(await admin.deleteSchedule('lost'), 'delete lost');
    await orch.restart();
    // …and a deleted seed is back: the seed files are upserted at every start.
    assert.deepEqual((await list()).map((s) => `${s.id}:${s.enabled}`), ['seeded:true'], 'a deleted seed comes back on restart');
    problem(await admin.addSchedule({ id: 'broken', scenario: 'quick', cronExpr: 'not a cron' }), 'bad cron again');
    await assert.rejects(orch.restart(), /exited/, 'a stored broken row stops the server from starting');
  });

  test('tokens: listed with created and last used, issued with an allowlist, revoked; a revoked token opens nothing', framework, async () => {
    const orch = await orchestrator();
    const admin = client(orch, orch.adminToken);
    const issued = value(await admin.issueToken('вики', 'activator', ['quick']), 'issue');
    assert.match(issued.token, /^tdtp_[0-9a-f]{48}$/);
    assert.equal(issued.name, 'вики');
    assert.equal(issued.role, 'activator');
    const holder = client(orch, issued.token);
    const before = value(await admin.tokens(), 'tokens').find((t) => t.name === 'вики');
    assert.ok(before);
    assert.deepEqual(before.scenarios, ['quick']);
    assert.ok(before.createdAt);
    assert.equal(before.lastUsedAt, undefined, 'not used yet');
    value(await holder.scenarios(), 'use it');
    const used = await pollUntil(async () => value(await admin.tokens(), 'tokens').find((t) => t.name === 'вики' && t.lastUsedAt), 5000, 'last used to be recorded', 50);
    assert.ok((used.lastUsedAt?.epochMs ?? 0) >= (before.createdAt?.epochMs ?? Infinity));
    // A name is needed; a role it does not know is refused.
    assert.equal(problem(await admin.issueToken('', 'consumer'), 'no name').code, 'badRequest');
    assert.equal(problem(await admin.issueToken('x', 'root' as Role), 'bad role').code, 'badRequest');
    value(await admin.revokeToken(before.id), 'revoke');
    assert.equal(problem(await holder.scenarios(), 'revoked').code, 'unauthorized');
    assert.deepEqual(value(await admin.tokens(), 'tokens').map((t) => t.name), ['bootstrap-admin']);
  });
});
