// The links between scenarios and pipeline rows (scenario files' result_log.name and pubsub.yaml),
// and which job and request changes toast (transitions only, the pipelines' change-only policy).
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { diffJobs } from '../../src/core/orchestrator/jobDiff';
import { LinkTable, ReadOrder, activeJobsOf, inExcludedFolder, jobsOfScenarios, mentionsOrchestrator, parsePubsubFile, scenariosTouched } from '../../src/core/orchestrator/links';
import { JobNoticeTracker, RequestNoticeTracker } from '../../src/core/orchestrator/notices';
import { readScenarioFile } from '../../src/core/orchestrator/scenarioFile';
import type { Job, RunRequest } from '../../src/core/orchestrator/types';
import { MAX_PIPELINE_FILE_BYTES, parsePipelineFile } from '../../src/core/pipelineFiles';
import { shapeJob } from './orchestrator-builders';

const scenarioText = (name: string, resultName: string) => `orchestrator:\n  name: ${name}\nname: p\nresult_log:\n  type: redis\n  address: "127.0.0.1:6379"\n  name: "${resultName}"\n`;

function source(file: string, text: string) {
  const read = readScenarioFile(file, new TextEncoder().encode(text));
  return { file, scenario: read.header!.name, definition: parsePipelineFile(text).definitions.find((d) => d.documentIndex === 0) };
}

describe('links', () => {
  test('a scenario file links its result_log.name both ways; a template matches every filling', () => {
    const table = new LinkTable([source('a.yaml', scenarioText('sales', 'SALES')), source('b.yaml', scenarioText('city', 'city-{{.code}}'))], []);
    assert.deepEqual(
      table.scenariosOf('SALES').map((l) => [l.scenario, l.via]),
      [['sales', 'resultLog']],
    );
    assert.deepEqual(
      table.scenariosOf('city-NYC').map((l) => l.scenario),
      ['city'],
    );
    assert.deepEqual(table.scenariosOf('city-'), []);
    assert.deepEqual(
      table.resultNamesOf('city').map((l) => l.resultName),
      ['city-{{.code}}'],
    );
    assert.ok(table.publishedBy('SALES', new Set(['sales'])));
    assert.ok(!table.publishedBy('SALES', new Set(['city'])));
  });

  test('a pubsub.yaml subscription links the result it waits for to the scenario it runs', () => {
    const { subscriptions, problems } = parsePubsubFile('subscriptions:\n  - result_name: SALES\n    scenario: report\n    params: {day: "1", n: 2}\n  - {scenario: broken}\n');
    assert.deepEqual(problems, []);
    assert.deepEqual(subscriptions, [{ resultName: 'SALES', scenario: 'report', onStatus: ['success'], params: { day: '1' } }]);
    const table = new LinkTable([], subscriptions.map((subscription) => ({ file: 'pubsub.yaml', subscription })));
    assert.deepEqual(
      table.scenariosOf('SALES').map((l) => [l.scenario, l.via]),
      [['report', 'pubsub']],
    );
    assert.deepEqual(table.scenariosOf('SALES', 'resultLog'), []);
  });

  test('hostile pubsub files: too large, not YAML, aliases, a map of many keys', () => {
    assert.equal(parsePubsubFile('x'.repeat(MAX_PIPELINE_FILE_BYTES + 1)).problems[0].code, 'tooLarge');
    assert.equal(parsePubsubFile('subscriptions: [').problems[0].code, 'yamlError');
    assert.equal(parsePubsubFile('a: 1').problems[0].code, 'notSubscriptions');
    const laughs = ['a: &a [x, x, x, x, x, x, x, x, x, x]'];
    for (let i = 1; i < 10; i++) laughs.push(`${String.fromCharCode(97 + i)}: &${String.fromCharCode(97 + i)} [${Array(10).fill(`*${String.fromCharCode(96 + i)}`).join(', ')}]`);
    assert.equal(parsePubsubFile(`${laughs.join('\n')}\nsubscriptions: []\n`).problems[0]?.code, 'yamlError');
    const keys = Array.from({ length: 30_000 }, (_, i) => `k${i}: 1`).join('\n');
    const started = performance.now();
    parsePubsubFile(`${keys}\nsubscriptions: []\n`);
    assert.ok(performance.now() - started < 3000, 'a map of 30,000 keys reads in well under the quadratic check');
  });

  test('the header test is a top-level key only', () => {
    assert.ok(mentionsOrchestrator('a: 1\norchestrator :\n'));
    assert.ok(!mentionsOrchestrator('  orchestrator: {}\n'));
    assert.ok(!mentionsOrchestrator(`orchestrator${' '.repeat(100_000)}x`));
  });

  test('jobs of scenarios: active ones, recent ones, and the scenarios a refresh touched', () => {
    const jobs = [shapeJob({ id: '3', scenario: 'a', status: 'running' }), shapeJob({ id: '2', scenario: 'b', status: 'done' }), shapeJob({ id: '1', scenario: 'a', status: 'failed' })];
    assert.deepEqual(
      activeJobsOf(jobs, new Set(['a'])).map((j) => j.id),
      ['3'],
    );
    assert.deepEqual(
      jobsOfScenarios(jobs, new Set(['a']), 1).map((j) => j.id),
      ['3'],
    );
    const next = [shapeJob({ id: '3', scenario: 'a', status: 'done' }), jobs[1]];
    assert.deepEqual([...scenariosTouched(jobs, next, diffJobs(jobs, next))].sort(), ['a']);
  });
});

describe('job and request notices', () => {
  const refresh = (tracker: JobNoticeTracker, before: Job[], after: Job[], policy: 'onChange' | 'everyEvent' = 'onChange') => tracker.update(after, diffJobs(before, after), policy).map((n) => `${n.kind}:${n.job.id}`);

  test('nothing for the jobs the first poll loads, failed or stopped', () => {
    const tracker = new JobNoticeTracker();
    const loaded = [shapeJob({ id: '1', status: 'failed' }), shapeJob({ id: '2', status: 'cancelled', cancelled_by: 'x' })];
    assert.deepEqual(refresh(tracker, [], loaded), []);
  });

  test('a failure toasts once per streak on change; every one under everyEvent; a stop always', () => {
    const tracker = new JobNoticeTracker();
    const running = shapeJob({ id: '1', status: 'running' });
    assert.deepEqual(refresh(tracker, [], [running]), []);
    const failed = shapeJob({ id: '1', status: 'failed', finished_at: '2026-12-06T20:01:00Z' });
    assert.deepEqual(refresh(tracker, [running], [failed]), ['jobFailed:1']);
    const again = shapeJob({ id: '2', status: 'failed', started_at: '2026-12-06T20:02:00Z' });
    assert.deepEqual(refresh(tracker, [failed], [again, failed]), [], 'the second failure in a row is no news');
    const stopped = shapeJob({ id: '3', status: 'cancelled', cancelled_by: 'admin', started_at: '2026-12-06T20:03:00Z' });
    assert.deepEqual(refresh(tracker, [again, failed], [stopped, again, failed]), ['jobStopped:3']);
    const third = shapeJob({ id: '4', status: 'failed', started_at: '2026-12-06T20:04:00Z' });
    assert.deepEqual(refresh(tracker, [stopped, again, failed], [third, stopped, again, failed], 'everyEvent'), ['jobFailed:4']);
    const done = shapeJob({ id: '5', status: 'done', started_at: '2026-12-06T20:05:00Z' });
    const fifth = shapeJob({ id: '6', status: 'failed', started_at: '2026-12-06T20:06:00Z' });
    assert.deepEqual(refresh(tracker, [third], [fifth, done, third]), ['jobFailed:6'], 'a failure after a success is news again');
  });

  test('a new pending request toasts once; the first load and the known ones do not', () => {
    const request = (id: string): RunRequest => ({ id, scenario: 's', params: {}, title: undefined, submitterId: 't', submitterName: 'n', status: 'pending', reviewNote: undefined, reviewedBy: undefined, jobId: undefined, createdAt: undefined, reviewedAt: undefined });
    const tracker = new RequestNoticeTracker();
    assert.deepEqual(tracker.update([request('1')]), []);
    assert.deepEqual(
      tracker.update([request('2'), request('1')]).map((r) => r.id),
      ['2'],
    );
    assert.deepEqual(tracker.update([request('2')]), []);
  });
});

describe('links: the workspace watch', () => {
  test('a pubsub.yaml in node_modules or .git is not looked at, wherever the folder is', () => {
    assert.equal(inExcludedFolder('/w/node_modules/pkg/pubsub.yaml'), true);
    assert.equal(inExcludedFolder('/w/a/.git/pubsub.yml'), true);
    assert.equal(inExcludedFolder('/w/framework/pubsub.yaml'), false);
    assert.equal(inExcludedFolder('/w/my_node_modules/pubsub.yaml'), false);
    assert.equal(inExcludedFolder('/w/.gitlab/pubsub.yaml'), false);
  });

  test('reads of one file that land out of order: only the latest begun counts', () => {
    const order = new ReadOrder();
    const older = order.begin('a');
    const other = order.begin('b');
    const newer = order.begin('a');
    assert.equal(newer(), true);
    assert.equal(older(), false, 'an older read never overwrites a newer one');
    assert.equal(other(), true, 'another file is its own sequence');
    order.begin('a');
    assert.equal(newer(), false, 'a later read overtakes it too');
    const before = order.begin('b');
    order.forget('b');
    assert.equal(before(), false, 'a read under way when the file is deleted');
    assert.equal(other(), false);
  });
});
