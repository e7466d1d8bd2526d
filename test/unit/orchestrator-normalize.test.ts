// What the orchestrator sends, hostile or quirky, into the core's typed shapes; its error answers
// into problem facts. Shapes as v1.18.1 sends them (cmd/orchestrator: db.go, executor.go, auth.go).
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import * as shape from '../../src/core/orchestrator/normalize';
import { MAX_LOG_CHARS, MAX_NAME_CHARS, MAX_TEXT_CHARS } from '../../src/core/orchestrator/normalize';
import { MAX_DETAIL_CHARS, problemOf, unreachable } from '../../src/core/orchestrator/problems';

const JOB = { id: 'j1', scenario: 's', params: { a: '1' }, status: 'done', started_at: '2026-12-06T20:00:00Z', finished_at: '2026-12-06T20:00:03Z', log: 'ok', runner: 'tdtpcli' };

describe('normalize: lists', () => {
  test('null (a Go nil slice) is an empty list; not an array is no answer; items not of the shape are dropped', () => {
    assert.deepEqual(shape.list(null, shape.job), []);
    assert.equal(shape.list({ jobs: [] }, shape.job), undefined);
    assert.equal(shape.list('[]', shape.job), undefined);
    const jobs = shape.list([JOB, null, 5, 'x', { id: 7, status: 'done' }, { id: 'j2' }, { ...JOB, id: 'j3' }], shape.job);
    assert.deepEqual(jobs?.map((j) => j.id), ['j1', 'j3']);
  });

  test('a duplicate key (a hostile server repeating an id or a name) keeps the first', () => {
    const jobs = shape.list([JOB, { ...JOB, status: 'failed' }, { ...JOB, id: 'j2' }], shape.job, shape.byId);
    assert.deepEqual(jobs?.map((j) => [j.id, j.status]), [['j1', 'done'], ['j2', 'done']]);
    const scenarios = shape.list([{ name: 'a', description: 'first' }, { Name: 'a', Description: 'second' }, { name: 'b' }], shape.scenario, shape.byName);
    assert.deepEqual(scenarios?.map((s) => [s.name, s.description]), [['a', 'first'], ['b', '']]);
    const schedules = shape.list([{ id: 'n', cron_expr: '* * * * *' }, { ID: 'n', CronExpr: '0 * * * *' }], shape.schedule, shape.byId);
    assert.deepEqual(schedules?.map((s) => s.cronExpr), ['* * * * *']);
    const requests = shape.list([{ id: 'r', scenario: 'x' }, { id: 'r', scenario: 'y' }], shape.runRequest, shape.byId);
    assert.deepEqual(requests?.map((r) => r.scenario), ['x']);
    const params = shape.scenario({ name: 's', params: [{ name: 'p', pattern: 'a' }, { name: 'p', pattern: 'b' }] })?.params;
    assert.deepEqual(params?.map((p) => p.pattern), ['a']);
  });

  test('a list answer is bounded', () => {
    const many = Array.from({ length: shape.MAX_LIST_ITEMS + 50 }, (_, i) => ({ ...JOB, id: `j${i}` }));
    assert.equal(shape.list(many, shape.job)?.length, shape.MAX_LIST_ITEMS);
  });
});

describe('normalize: Go field names and JSON tags read alike', () => {
  test('a schedule row: Go field names (the struct has no tags) and snake_case give one shape', () => {
    const go = { ID: 'n', Scenario: 's', CronExpr: '30 2 * * *', Params: { a: 'b' }, Timezone: 'Europe/Moscow', Enabled: true, CreatedAt: '2026-12-06T20:00:00Z', ModifiedAt: '2026-12-06T20:00:00Z', LastRunAt: null, LastStatus: '', NextRunAt: null };
    const snake = { id: 'n', scenario: 's', cron_expr: '30 2 * * *', params: { a: 'b' }, timezone: 'Europe/Moscow', enabled: true, created_at: '2026-12-06T20:00:00Z', modified_at: '2026-12-06T20:00:00Z', last_run_at: null, last_status: '', next_run_at: null };
    const a = shape.schedule(go);
    assert.deepEqual(a, shape.schedule(snake));
    assert.equal(a?.cronExpr, '30 2 * * *');
    assert.equal(a?.nextRunAt, undefined);
    assert.equal(a?.createdAt?.epochMs, Date.UTC(2026, 11, 6, 20));
  });

  test('a scenario header: Name, Params[].Required… as GET /scenarios/{name} sends them', () => {
    const go = { Name: 'x', Description: 'd', Params: [{ Name: 'p', Required: true, Default: '', Pattern: '[a-z]+' }], Permissions: null, Runner: '' };
    const tagged = { name: 'x', description: 'd', params: [{ name: 'p', required: true, default: '', pattern: '[a-z]+' }], runner: '' };
    assert.deepEqual(shape.scenario(go), shape.scenario(tagged));
    assert.deepEqual(shape.scenario(go)?.params, [{ name: 'p', required: true, default: '', pattern: '[a-z]+' }]);
    assert.deepEqual(shape.scenario(go)?.permissions, []);
  });
});

describe('normalize: types are checked, strings bounded', () => {
  test('a job with wrong types keeps what is of the shape', () => {
    const job = shape.job({ ...JOB, params: { a: 1, b: 'two', c: null }, cancelled_by: 5, artifact_size: -1, started_at: 'yesterday', error: { nested: true } });
    assert.ok(job);
    assert.deepEqual({ ...job.params }, { b: 'two' });
    assert.equal(job.cancelledBy, undefined);
    assert.equal(job.artifactSize, undefined);
    assert.equal(job.startedAt, undefined);
    assert.equal(job.error, undefined);
  });

  test('a params map from the wire cannot set the prototype', () => {
    const params = shape.params(JSON.parse('{"__proto__": "x", "a": "1"}'));
    assert.equal(Object.getPrototypeOf(params), null);
    assert.equal(params.a, '1');
  });

  test('an unknown status is kept as its text, not taken for a known one', () => {
    const job = shape.job({ ...JOB, status: 'zombie' });
    assert.equal(job?.status, 'unknown');
    assert.equal(job?.statusText, 'zombie');
  });

  test('names, texts and the log are bounded; the log keeps its end', () => {
    const log = `${'x'.repeat(MAX_LOG_CHARS)}THE END`;
    const job = shape.job({ ...JOB, id: 'i'.repeat(10_000), error: 'e'.repeat(100_000), log });
    assert.ok(job);
    assert.ok(job.id.length <= MAX_NAME_CHARS + 1);
    assert.ok((job.error ?? '').length <= MAX_TEXT_CHARS + 1);
    assert.equal(job.log?.length, MAX_LOG_CHARS);
    assert.ok(job.log?.endsWith('THE END'));
    assert.equal(job.logTruncated, true);
    assert.equal(shape.job(JOB)?.logTruncated, false);
  });

  test('whole-second RFC 3339 times, and the Go zero time as unknown', () => {
    assert.deepEqual(shape.serverTime('2026-12-06T20:00:00Z'), { text: '2026-12-06T20:00:00Z', epochMs: Date.UTC(2026, 11, 6, 20) });
    assert.equal(shape.serverTime('0001-01-01T00:00:00Z'), undefined);
    assert.equal(shape.serverTime(1765051200), undefined);
    assert.equal(shape.serverTime('2026-12-06 20:00:00'), undefined);
  });

  test('a token record with an unknown role, and a health answer without its count', () => {
    assert.equal(shape.tokenRecord({ id: 't', name: 'n', role: 'root', scenarios: null, created_at: '2026-12-06T20:00:00Z' })?.role, 'unknown');
    assert.equal(shape.health({ status: 'ok' }), undefined);
    assert.equal(shape.health({ status: 'ok', active_jobs: 1.5 }), undefined);
  });
});

describe('problems: the server’s error answers as facts', () => {
  test('a role short of a route is plain text naming the role', () => {
    assert.deepEqual(problemOf(403, 'forbidden: requires role activator\n'), { code: 'roleRequired', role: 'activator' });
    assert.deepEqual(problemOf(403, 'forbidden: requires role admin\n'), { code: 'roleRequired', role: 'admin' });
    // An unknown role is not taken for one.
    assert.equal(problemOf(403, 'forbidden: requires role root\n').code, 'forbidden');
  });

  test('403 JSON texts are classified, unknown ones kept as other', () => {
    const reason = (text: string) => {
      const p = problemOf(403, JSON.stringify({ error: text }));
      return p.code === 'forbidden' ? p.reason : p.code;
    };
    assert.equal(reason('scenario "x" is not approved — register its checksum via POST /scenarios/x/approve'), 'notApproved');
    assert.equal(reason('scenario "x" approval has been revoked'), 'approvalRevoked');
    assert.equal(reason('scenario "x" content does not match its approved checksum (modified since approval on 2026-12-06T20:00:00Z by dev) — re-approve after review'), 'changedSinceApproval');
    assert.equal(reason('token not authorized for scenario x'), 'scenarioNotAllowed');
    assert.equal(reason('not your job'), 'notYourJob');
    assert.equal(reason('not your request'), 'notYourRequest');
    assert.equal(reason('cannot approve: scenario "x" is not approved — …'), 'cannotApprove');
    assert.equal(reason('scenario "x" requires permission "mercury" not granted by license (tier=community)'), 'licenceFeature');
    assert.equal(reason('something new'), 'other');
  });

  test('409 reasons; a job a restarted server lost is told apart from a finished one', () => {
    const reason = (text: string) => {
      const p = problemOf(409, JSON.stringify({ error: text }));
      return p.code === 'conflict' ? p.reason : p.code;
    };
    assert.equal(reason('job is not running'), 'jobNotRunning');
    assert.equal(reason('job is not pending'), 'jobNotPending');
    assert.equal(reason('job has no live process handle (orchestrator may have restarted): job is not running'), 'noLiveProcess');
    assert.equal(reason('request already approved'), 'requestReviewed');
  });

  test('each status has its code; the detail is the server’s text, bounded', () => {
    assert.equal(problemOf(400, '{"error":"invalid json: EOF"}').code, 'badRequest');
    assert.deepEqual(problemOf(401, '{"error":"invalid token"}'), { code: 'unauthorized', detail: 'invalid token' });
    assert.equal(problemOf(404, '{"error":"job not found"}').code, 'notFound');
    assert.equal(problemOf(422, '{"error":"required param \\"x\\" missing"}').code, 'invalidParams');
    assert.equal(problemOf(429, '{"error":"concurrent pipeline limit reached (1/1); licensed tier=community"}').code, 'licenceLimit');
    assert.equal(problemOf(501, '{"error":"token management not available in ldap auth mode"}').code, 'notImplemented');
    assert.deepEqual(problemOf(502, '<html>bad gateway</html>'), { code: 'serverError', status: 502, detail: '<html>bad gateway</html>' });
    assert.equal(problemOf(418, '').code, 'unexpectedStatus');
    const long = problemOf(500, JSON.stringify({ error: 'e'.repeat(100_000) }));
    assert.ok(long.code === 'serverError' && long.detail.length <= MAX_DETAIL_CHARS + 1);
  });

  test('unreachable keeps only a system code, never a message', () => {
    const err = Object.assign(new TypeError('fetch failed'), { cause: Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' }) });
    assert.deepEqual(unreachable(err), { code: 'unreachable', cause: 'ECONNREFUSED' });
    assert.deepEqual(unreachable(Object.assign(new Error('x'), { cause: { code: 'evil\ncode' } })), { code: 'unreachable', cause: 'unknown' });
    assert.deepEqual(unreachable('boom'), { code: 'unreachable', cause: 'unknown' });
  });
});
