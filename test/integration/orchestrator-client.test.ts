// The core's orchestrator client (src/core/orchestrator) against the framework's REAL orchestrator
// (v1.18.1, started by test/support/orchestrator.ts): every route issues 22 and 23 use, in
// --no-auth and token mode, with admin, activator and consumer tokens issued through the API;
// a job running the real tdtpcli to `done`; a long job stopped ("stopping…" seen); the job a
// crash left `running`; and the server's quirks as they really come (null lists, Go field names,
// plain-text 403).
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, test } from 'node:test';
import { approvalAllowsRun, approvalState } from '../../src/core/orchestrator/approvals';
import { OrchestratorClient } from '../../src/core/orchestrator/client';
import { orchestratorBaseUrl } from '../../src/core/orchestrator/http';
import { isStopping } from '../../src/core/orchestrator/jobs';
import { scheduleNextRun } from '../../src/core/orchestrator/nextRun';
import { checkParams } from '../../src/core/orchestrator/params';
import { readScenarioFile } from '../../src/core/orchestrator/scenarioFile';
import type { Credentials, Job } from '../../src/core/orchestrator/types';
import { needsFramework, pipelineYaml } from '../support/framework';
import { useFrameworkFixture } from '../support/frameworkFixture';
import type { Orchestrator, RunnerSpec } from '../support/orchestrator';
import { answerProblem as problem, answerValue as value, scenarioYaml, startOrchestrator } from '../support/orchestrator';
import { freePort, pollUntil } from '../support/redisServer';

const framework = needsFramework();

/** Polls the job through the client until `done(job)`. */
async function waitJob(client: OrchestratorClient, id: string, done: (job: Job) => boolean, what: string, timeoutMs = 30_000): Promise<Job> {
  let last: Job | undefined;
  try {
    return await pollUntil(
      async () => {
        last = value(await client.job(id), `GET /jobs/${id}`);
        return done(last) ? last : undefined;
      },
      timeoutMs,
      what,
      25,
    );
  } catch (err) {
    throw new Error(`${(err as Error).message}; last seen: ${JSON.stringify(last)}`);
  }
}

const finished = (job: Job) => job.status === 'done' || job.status === 'failed' || job.status === 'cancelled';

/**
 * A runner that ticks `$1` times 0.1 s and, on SIGTERM, takes one more second before it exits:
 * the job stays `running` with `cancelled_by` set meanwhile ("stopping…"). It ends by itself, so
 * a copy orphaned by a killed orchestrator does not outlive the test by much.
 */
const SLEEPER: RunnerSpec = {
  binary: '/bin/sh',
  args: ['-c', 'trap "sleep 1; echo stopped; exit 143" TERM; echo started; i=0; while [ "$i" -lt "$1" ]; do sleep 0.1; i=$((i+1)); done; echo finished', 'sleeper', '{{.ticks}}'],
};
const SLEEPER_SCENARIO = scenarioYaml({ description: 'waits', runner: 'sleeper', params: [{ name: 'ticks', default: '100', pattern: '[0-9]{1,4}' }] }, 'note: "a runner that waits"\n');

describe('the core’s orchestrator client against the real orchestrator', () => {
  const fx = useFrameworkFixture(framework);
  const orchestrators: Orchestrator[] = [];

  afterEach(async () => {
    if (framework.skip) return;
    for (const o of orchestrators.splice(0)) await o.dispose();
  });

  async function orchestrator(options: Parameters<typeof startOrchestrator>[1]): Promise<Orchestrator> {
    const started = await startOrchestrator(fx.tools, options);
    orchestrators.push(started);
    return started;
  }

  function client(orch: Orchestrator, credentials: Credentials = { kind: 'none' }): OrchestratorClient {
    const baseUrl = orchestratorBaseUrl(orch.url);
    assert.ok(baseUrl);
    return new OrchestratorClient({ baseUrl, credentials, timeoutMs: 10_000 });
  }

  function runners(extra: Record<string, RunnerSpec> = {}): Record<string, RunnerSpec> {
    return { tdtpcli: { binary: fx.tools.tdtpcli, args: ['--pipeline', '{{.tmpfile}}'] }, sleeper: SLEEPER, ...extra };
  }

  function citySync(resultName: string): string {
    return scenarioYaml(
      { description: 'customers of every city but one', params: [{ name: 'skip_city', required: true, pattern: '[A-Za-z]+' }] },
      pipelineYaml({
        name: 'customers-without-{{.skip_city}}',
        resultName,
        address: `127.0.0.1:${fx.server.port}`,
        sqlite: fx.sourceDb,
        query: "SELECT id, name, city, active FROM customers WHERE city <> '{{.skip_city}}'",
        output: fx.work.path(`${resultName}.tdtp.xml`),
      }),
    );
  }

  test('an empty server sends null for its lists: the client reads them as empty', framework, async () => {
    const orch = await orchestrator({ auth: 'none', scenarios: {} });
    // What the server really sends (Go's nil slices), so the normalization below is needed.
    for (const path of ['/jobs', '/schedules', '/tokens', '/requests', '/results/none']) {
      const raw = await orch.request('GET', path);
      assert.equal(raw.status, 200, path);
      assert.equal(raw.text.trim(), 'null', path);
    }
    const c = client(orch);
    assert.deepEqual(value(await c.health(), 'health'), { status: 'ok', activeJobs: 0, licenseTier: 'community', mercury: 'skip', pubsub: 'skip' });
    assert.deepEqual(value(await c.scenarios(), 'scenarios'), []);
    assert.deepEqual(value(await c.jobs(), 'jobs'), []);
    assert.deepEqual(value(await c.schedules(), 'schedules'), []);
    assert.deepEqual(value(await c.tokens(), 'tokens'), []);
    assert.deepEqual(value(await c.requests(), 'requests'), []);
    assert.deepEqual(value(await c.results('none'), 'results'), []);
    assert.equal(problem(await c.scenario('none'), 'scenario').code, 'notFound');
    assert.equal(problem(await c.job('none'), 'job').code, 'notFound');
  });

  test('--no-auth: scenarios and approvals, a real tdtpcli job to done, 422, a long job stopped, 409, 429, the job a crash left running, a scenario changed since approval', framework, async () => {
    const orch = await orchestrator({ auth: 'none', scenarios: { 'city-sync': citySync('ORCH_CLIENT_1'), sleeper: SLEEPER_SCENARIO }, runners: runners() });
    const c = client(orch);

    // GET /scenarios/{name} answers the Go struct (Name, Params, Required…); one typed shape either way.
    const raw = await orch.request<Record<string, unknown>>('GET', '/scenarios/city-sync');
    assert.ok(raw.json && 'Name' in raw.json && 'Params' in raw.json, raw.text);
    const one = value(await c.scenario('city-sync'), 'scenario');
    const listed = value(await c.scenarios(), 'scenarios').find((s) => s.name === 'city-sync');
    assert.deepEqual(one.params, [{ name: 'skip_city', required: true, default: '', pattern: '[A-Za-z]+' }]);
    assert.deepEqual(listed?.params, one.params);
    assert.equal(listed?.runner, 'tdtpcli');
    assert.equal(one.description, 'customers of every city but one');

    // The file the server loaded, read here: its hash is the one the server approves.
    const file = join(orch.dir, 'scenarios', 'city-sync.yaml');
    const local = readScenarioFile(file, readFileSync(file));
    assert.equal(local.header?.name, 'city-sync');
    assert.equal(local.header?.nameFromFile, true);
    assert.deepEqual(local.header?.params, one.params);
    assert.equal(local.resultName, 'ORCH_CLIENT_1');

    // Not approved: no record, and a run is refused with the reason.
    assert.equal(problem(await c.approval('city-sync'), 'approval').code, 'notFound');
    const refused = problem(await c.run('city-sync', { skip_city: 'Omsk' }), 'run unapproved');
    assert.deepEqual(refused.code === 'forbidden' && refused.reason, 'notApproved');
    const approved = value(await c.approve('city-sync'), 'approve');
    assert.equal(approved.sha256, local.sha256, 'the server approves the SHA-256 of the raw file');
    assert.equal(approved.approvedBy, 'dev');
    assert.equal(approved.enabled, true);
    assert.equal(approved.approvedAt?.text.endsWith('Z'), true);
    assert.equal(value(await c.approval('city-sync'), 'approval').matches, true);

    // 422: the pattern, anchored; the same verdict is reached here before sending.
    const bad = { skip_city: "Omsk' OR 1=1 --" };
    assert.deepEqual(checkParams(one.params, bad).problems, [{ param: 'skip_city', code: 'mismatch', pattern: '[A-Za-z]+' }]);
    assert.equal(problem(await c.run('city-sync', bad), '422').code, 'invalidParams');
    assert.equal(problem(await c.run('city-sync', {}), 'required').code, 'invalidParams');

    // The real tdtpcli to done: whole-second times, the log, the params, no artifact (nested output:).
    const jobId = value(await c.run('city-sync', { skip_city: 'Omsk' }), 'run');
    const job = await waitJob(c, jobId, finished, 'the tdtpcli job to end');
    assert.equal(job.status, 'done', `${job.log}\n${job.error}`);
    assert.deepEqual({ ...job.params }, { skip_city: 'Omsk' });
    assert.equal(job.runner, 'tdtpcli');
    assert.match(job.log ?? '', /ETL Pipeline completed successfully/);
    assert.match(job.startedAt?.text ?? '', /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    assert.equal((job.finishedAt?.epochMs ?? 0) >= (job.startedAt?.epochMs ?? Infinity), true);
    assert.equal(job.artifactSha256, undefined);
    assert.equal(problem(await c.artifact(jobId), 'artifact').code, 'notFound');
    assert.deepEqual(value(await c.results('city-sync'), 'results').map((j) => j.id), [jobId]);
    // 409 on stopping (and cancelling) a finished job.
    const stopDone = problem(await c.stop(jobId), 'stop done');
    assert.deepEqual(stopDone.code === 'conflict' && stopDone.reason, 'jobNotRunning');
    const cancelDone = problem(await c.cancel(jobId), 'cancel done');
    assert.deepEqual(cancelDone.code === 'conflict' && cancelDone.reason, 'jobNotPending');
    assert.equal(problem(await c.stop('no-such-job'), 'stop unknown').code, 'notFound');

    // A long job: running, a second run is over the community licence's one pipeline (429),
    // then stopped: "stopping…" (running, cancelled_by set) until the process exits, then cancelled.
    value(await c.approve('sleeper'), 'approve sleeper');
    const longId = value(await c.run('sleeper', {}), 'run sleeper');
    const running = await waitJob(c, longId, (j) => j.status === 'running', 'the long job to run');
    assert.equal(running.log, undefined, 'no log while it runs');
    assert.equal(value(await c.health(), 'health').activeJobs, 1);
    assert.equal(problem(await c.run('city-sync', { skip_city: 'Omsk' }), 'second run').code, 'licenceLimit');
    value(await c.stop(longId), 'stop');
    const stopping = value(await c.job(longId), 'job after stop');
    assert.equal(stopping.status, 'running');
    assert.equal(stopping.cancelledBy, 'dev');
    assert.ok(stopping.cancelledAt);
    assert.equal(isStopping(stopping), true);
    const cancelled = await waitJob(c, longId, finished, 'the stopped job to end');
    assert.equal(cancelled.status, 'cancelled');
    assert.match(cancelled.log ?? '', /stopped/);
    // v1.18.1 ignores `limit` (it answers its last 100), so a view cannot ask for less. Its order is
    // by whole-second start times: two jobs of one second come in either order.
    assert.deepEqual(value(await c.jobs(1), 'jobs').map((j) => j.id).sort(), [longId, jobId].sort());

    // The scenario file edited on disk: the editor sees it differs from the approval at once; the
    // server, which loaded the file at its start, only after a restart.
    writeFileSync(file, `${readFileSync(file, 'utf8')}# edited\n`);
    const edited = approvalState(await c.approval('city-sync'), readScenarioFile(file, readFileSync(file)).sha256);
    assert.deepEqual(edited.kind === 'approved' && [edited.serverMatches, edited.fileMatches], [true, false]);

    // A crash while a job runs: after the restart the job is still `running`, has no process, and
    // holds the licence's one slot.
    const orphanId = value(await c.run('sleeper', { ticks: '60' }), 'run sleeper again');
    await waitJob(c, orphanId, (j) => j.status === 'running', 'the job to run');
    await orch.restart();
    const orphan = value(await c.job(orphanId), 'orphan');
    assert.equal(orphan.status, 'running');
    const stopOrphan = problem(await c.stop(orphanId), 'stop orphan');
    assert.deepEqual(stopOrphan.code === 'conflict' && stopOrphan.reason, 'noLiveProcess');
    assert.equal(problem(await c.run('sleeper', {}), 'run after restart').code, 'licenceLimit');
    // Now the server has the edited file: changed since approval, refused before the licence check.
    const changed = approvalState(await c.approval('city-sync'), readScenarioFile(file, readFileSync(file)).sha256);
    assert.deepEqual(changed.kind === 'approved' && [changed.serverMatches, changed.fileMatches], [false, false]);
    assert.equal(approvalAllowsRun(changed), false);
    const refusedChanged = problem(await c.run('city-sync', { skip_city: 'Omsk' }), 'run changed');
    assert.deepEqual(refusedChanged.code === 'forbidden' && refusedChanged.reason, 'changedSinceApproval');
  });

  test('token mode: every role through the client; requests, schedules, tokens and approvals', framework, async () => {
    const artifactPath = fx.work.path('artifact.txt');
    const orch = await orchestrator({
      auth: 'token',
      scenarios: {
        'city-sync': citySync('ORCH_CLIENT_2'),
        sleeper: SLEEPER_SCENARIO,
        // A flat `output:` line: the server records the file as the job's artifact.
        writer: scenarioYaml({ runner: 'writer' }, `output: ${JSON.stringify(artifactPath)}\n`),
      },
      runners: runners({ writer: { binary: '/bin/sh', args: ['-c', 'printf "artifact of the writer" > "$1"', 'writer', artifactPath] } }),
    });
    assert.ok(orch.adminToken);
    const anonymous = client(orch);
    const admin = client(orch, { kind: 'token', token: orch.adminToken });

    // 401: no token, an unknown token; /healthz stays public.
    assert.equal(problem(await anonymous.scenarios(), 'no token').code, 'unauthorized');
    assert.equal(problem(await client(orch, { kind: 'token', token: `tdtp_${'0'.repeat(48)}` }).jobs(), 'bad token').code, 'unauthorized');
    assert.equal(value(await anonymous.health(), 'health').status, 'ok');
    assert.equal(problem(await client(orch, { kind: 'token', token: 'tdtp_x\r\nx-forged: 1' }).jobs(), 'header injection').code, 'badCredentials');

    // Tokens: issued, listed with roles and allowlists.
    const issue = async (name: string, role: 'admin' | 'activator' | 'consumer', scenarios: string[] = []) => {
      const issued = value(await admin.issueToken(name, role, scenarios), `issue ${name}`);
      assert.equal(issued.role, role);
      assert.match(issued.token, /^tdtp_[0-9a-f]{48}$/);
      return client(orch, { kind: 'token', token: issued.token });
    };
    const consumer = await issue('c', 'consumer');
    const activator = await issue('a', 'activator');
    const otherActivator = await issue('a2', 'activator');
    const limited = await issue('limited', 'activator', ['sleeper']);
    const secondAdmin = await issue('admin2', 'admin');
    const tokens = value(await admin.tokens(), 'tokens');
    assert.deepEqual(tokens.map((t) => `${t.name}:${t.role}:${t.scenarios.join('+')}`).sort(), ['a2:activator:', 'a:activator:', 'admin2:admin:', 'bootstrap-admin:admin:', 'c:consumer:', 'limited:activator:sleeper']);
    const bad = problem(await admin.issueToken('', 'admin'), 'no name');
    assert.equal(bad.code, 'badRequest');

    // A role short of a route: plain text 403, read as the role it needs.
    assert.deepEqual(problem(await consumer.run('city-sync', { skip_city: 'Omsk' }), 'consumer run'), { code: 'roleRequired', role: 'activator' });
    assert.deepEqual(problem(await consumer.schedules(), 'consumer schedules'), { code: 'roleRequired', role: 'admin' });
    assert.deepEqual(problem(await activator.approve('city-sync'), 'activator approve'), { code: 'roleRequired', role: 'admin' });
    assert.deepEqual(problem(await activator.tokens(), 'activator tokens'), { code: 'roleRequired', role: 'admin' });
    assert.equal(value(await consumer.scenarios(), 'consumer scenarios').length, 3);

    // Requests: a consumer proposes; the admin tests (blocked: not approved), approves the
    // scenario, tests again, approves the request (its job runs); rejects another with a note.
    const proposed = value(await consumer.submitRequest({ scenario: 'city-sync', params: { skip_city: 'Perm' }, title: 'Perm, please' }), 'submit');
    assert.equal(proposed.status, 'pending');
    assert.equal(proposed.title, 'Perm, please');
    assert.equal(proposed.submitterName, 'c');
    assert.equal(problem(await consumer.submitRequest({ scenario: 'city-sync', params: { skip_city: '1' } }), 'bad submit').code, 'invalidParams');
    const second = value(await consumer.submitRequest({ scenario: 'sleeper', params: {} }), 'submit 2');
    assert.deepEqual(value(await consumer.requests(), 'own requests').map((r) => r.id).sort(), [proposed.id, second.id].sort());
    assert.deepEqual(value(await activator.requests(), 'activator requests'), [], 'an activator sees only its own');
    assert.equal(value(await admin.requests('pending'), 'pending').length, 2);
    const blocked = value(await admin.testRequest(proposed.id), 'test');
    assert.equal(blocked.wouldRun, false);
    assert.match(blocked.blockedReason, /not approved/);
    assert.deepEqual({ ...blocked.resolvedParams }, {});
    const cannot = problem(await admin.approveRequest(proposed.id), 'approve unapproved');
    assert.deepEqual(cannot.code === 'forbidden' && cannot.reason, 'cannotApprove');
    assert.deepEqual(problem(await consumer.testRequest(proposed.id), 'consumer test'), { code: 'roleRequired', role: 'admin' });

    const approval = value(await secondAdmin.approve('city-sync'), 'approve');
    assert.equal(approval.approvedBy, 'admin2');
    const verdict = value(await admin.testRequest(proposed.id), 'test again');
    assert.equal(verdict.wouldRun, true);
    assert.deepEqual({ ...verdict.resolvedParams }, { skip_city: 'Perm' });
    const ran = value(await admin.approveRequest(proposed.id), 'approve request');
    assert.equal(ran.status, 'approved');
    const requestJob = await waitJob(admin, ran.jobId, finished, 'the request’s job');
    assert.equal(requestJob.status, 'done', requestJob.log);
    assert.equal(value(await consumer.request(proposed.id), 'request').jobId, ran.jobId);
    value(await admin.rejectRequest(second.id, 'not today'), 'reject');
    const rejected = value(await consumer.request(second.id), 'rejected');
    assert.equal(rejected.status, 'rejected');
    assert.equal(rejected.reviewNote, 'not today');
    assert.equal(rejected.reviewedBy, 'bootstrap-admin');
    const again = problem(await admin.rejectRequest(second.id, 'again'), 'reject twice');
    assert.deepEqual(again.code === 'conflict' && again.reason, 'requestReviewed');
    assert.equal(problem(await otherActivator.request(second.id), 'not yours').code, 'forbidden');

    // Jobs and ownership: an activator runs; another activator may not stop it, an admin may.
    value(await admin.approve('sleeper'), 'approve sleeper');
    const notAllowed = problem(await limited.run('city-sync', { skip_city: 'Omsk' }), 'limited');
    assert.deepEqual(notAllowed.code === 'forbidden' && notAllowed.reason, 'scenarioNotAllowed');
    const longId = value(await activator.run('sleeper', {}), 'activator run');
    const mine = await waitJob(activator, longId, (j) => j.status === 'running', 'the activator’s job to run');
    assert.ok(mine.submittedBy, 'the job names the activator’s token id');
    const notYours = problem(await otherActivator.stop(longId), 'other stop');
    assert.deepEqual(notYours.code === 'forbidden' && notYours.reason, 'notYourJob');
    assert.deepEqual(problem(await consumer.stop(longId), 'consumer stop'), { code: 'roleRequired', role: 'activator' });
    value(await secondAdmin.stop(longId), 'admin stop');
    assert.equal(value(await consumer.job(longId), 'consumer reads the job').cancelledBy, 'admin2');
    assert.equal((await waitJob(consumer, longId, finished, 'the stopped job')).status, 'cancelled');

    // The artifact, its SHA-256 checked; a file changed since the job fails the check.
    value(await admin.approve('writer'), 'approve writer');
    const writerId = value(await activator.run('writer', {}), 'run writer');
    // The server marks the job done first and records its artifact a moment later.
    const written = await waitJob(activator, writerId, (j) => j.status !== 'done' ? finished(j) : j.artifactSha256 !== undefined, 'the writer and its artifact');
    assert.equal(written.status, 'done', written.log);
    assert.equal(written.artifactSize, 'artifact of the writer'.length);
    const artifact = value(await consumer.artifact(writerId), 'artifact');
    assert.equal(new TextDecoder().decode(artifact.bytes), 'artifact of the writer');
    assert.equal(artifact.sha256, written.artifactSha256);
    assert.equal(artifact.fileName, 'artifact.txt');
    writeFileSync(artifactPath, 'changed on the server since');
    const mismatch = problem(await consumer.artifact(writerId, written.artifactSha256), 'changed artifact');
    assert.equal(mismatch.code, 'checksumMismatch');

    // Schedules: Go field names on the wire; added, disabled, enabled, deleted; the next run here.
    assert.equal(value(await admin.schedules(), 'no schedules').length, 0);
    const added = value(await admin.addSchedule({ id: 'nightly', scenario: 'city-sync', cronExpr: '30 2 * * *', params: { skip_city: 'Tver' }, timezone: 'Europe/Moscow' }), 'add');
    assert.equal(added.cronExpr, '30 2 * * *');
    const rawSchedules = await orch.request<Array<Record<string, unknown>>>('GET', '/schedules', { token: orch.adminToken });
    assert.equal(rawSchedules.json?.[0]?.CronExpr, '30 2 * * *', rawSchedules.text);
    const [nightly] = value(await admin.schedules(), 'schedules');
    assert.equal(nightly.id, 'nightly');
    assert.equal(nightly.enabled, true);
    assert.equal(nightly.timezone, 'Europe/Moscow');
    assert.deepEqual({ ...nightly.params }, { skip_city: 'Tver' });
    assert.equal(nightly.nextRunAt, undefined, 'the server says nothing until the first fire');
    const next = scheduleNextRun(nightly, 'UTC', Date.UTC(2026, 11, 6, 12, 0, 0));
    assert.deepEqual(next, { kind: 'at', epochMs: Date.UTC(2026, 11, 7, 2, 30, 0), estimated: false });
    value(await admin.disableSchedule('nightly'), 'disable');
    assert.equal(value(await admin.schedules(), 'disabled')[0].enabled, false);
    value(await admin.enableSchedule('nightly'), 'enable');
    assert.equal(value(await admin.schedules(), 'enabled')[0].enabled, true);
    value(await admin.deleteSchedule('nightly'), 'delete');
    assert.deepEqual(value(await admin.schedules(), 'deleted'), []);
    assert.equal(problem(await admin.addSchedule({ id: 'broken', scenario: 'city-sync', cronExpr: 'not a cron' }), 'bad cron').code, 'invalidParams');

    // Revoking: the approval (the scenario no longer runs), and a token (it no longer opens anything).
    value(await admin.revokeApproval('city-sync'), 'revoke approval');
    assert.equal(problem(await admin.approval('city-sync'), 'revoked').code, 'notFound');
    const unapproved = problem(await activator.run('city-sync', { skip_city: 'Omsk' }), 'run revoked');
    assert.deepEqual(unapproved.code === 'forbidden' && unapproved.reason, 'notApproved');
    const consumerId = value(await admin.tokens(), 'tokens').find((t) => t.name === 'c')?.id;
    assert.ok(consumerId);
    value(await admin.revokeToken(consumerId), 'revoke token');
    assert.equal(problem(await consumer.jobs(), 'revoked token').code, 'unauthorized');
  });

  test('LDAP mode: HTTP Basic credentials reach the server’s directory check; without them it refuses at once', framework, async () => {
    // No directory runs here: the port is closed, so the server answers what it answers when the
    // directory is down — but only once it has read the Basic credentials the client sent.
    const orch = await orchestrator({ auth: 'ldap', ldapUrl: `ldap://127.0.0.1:${await freePort()}`, scenarios: {} });
    assert.deepEqual(problem(await client(orch).jobs(), 'no credentials'), { code: 'unauthorized', detail: 'missing or malformed Authorization: Basic header' });
    assert.deepEqual(problem(await client(orch, { kind: 'token', token: 'tdtp_abc' }).jobs(), 'a token'), { code: 'unauthorized', detail: 'missing or malformed Authorization: Basic header' });
    const basic = client(orch, { kind: 'basic', username: 'ivan', password: 'пароль с пробелом' });
    assert.deepEqual(problem(await basic.jobs(), 'basic'), { code: 'unauthorized', detail: 'authentication service unavailable' });
    assert.equal(value(await basic.health(), 'health').status, 'ok');
  });

  test('an unreachable server is a fact with its system code, and the caller’s AbortSignal ends a call', framework, async () => {
    const orch = await orchestrator({ auth: 'none', scenarios: {} });
    const port = orch.port;
    await orch.dispose();
    orchestrators.splice(0);
    const gone = new OrchestratorClient({ baseUrl: new URL(`http://127.0.0.1:${port}`), credentials: { kind: 'none' } });
    assert.deepEqual(problem(await gone.health(), 'refused'), { code: 'unreachable', cause: 'ECONNREFUSED' });
    const aborted = new AbortController();
    aborted.abort();
    assert.deepEqual(problem(await gone.health({ signal: aborted.signal }), 'aborted'), { code: 'aborted' });
  });
});
