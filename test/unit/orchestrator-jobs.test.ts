// Facts about jobs the views show: what changed between two lists, in flight or stopping, what
// started a job, how long it ran, the list's order; and a scenario's approval state.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { approvalAllowsRun, approvalState } from '../../src/core/orchestrator/approvals';
import { diffJobs } from '../../src/core/orchestrator/jobDiff';
import { isActive, isStopping, jobElapsedMs, jobOrigin, sortJobsForDisplay } from '../../src/core/orchestrator/jobs';
import type { Approval } from '../../src/core/orchestrator/types';
import { shapeJob } from './orchestrator-builders';

describe('job lists: what changed', () => {
  test('added, changed (status, stopping, log written) and removed; an unchanged refresh is empty', () => {
    const a = shapeJob({ id: 'a', status: 'running' });
    const b = shapeJob({ id: 'b', status: 'done', log: 'x' });
    const c = shapeJob({ id: 'c', status: 'pending' });
    assert.deepEqual(diffJobs([a, b], [a, b]), { added: [], changed: [], removed: [] });
    const stopping = shapeJob({ id: 'a', status: 'running', cancelled_by: 'dev' });
    assert.deepEqual(diffJobs([a, b], [c, stopping]), { added: ['c'], changed: ['a'], removed: ['b'] });
    assert.deepEqual(diffJobs([b], [shapeJob({ id: 'b', status: 'done', log: 'xy' })]).changed, ['b']);
    // A duplicated id in a hostile answer counts once.
    assert.deepEqual(diffJobs([], [c, c]).added, ['c']);
  });
});

describe('one job', () => {
  test('in flight and stopping', () => {
    assert.equal(isActive(shapeJob({ status: 'pending' })), true);
    assert.equal(isActive(shapeJob({ status: 'running' })), true);
    assert.equal(isActive(shapeJob({ status: 'cancelled' })), false);
    assert.equal(isStopping(shapeJob({ status: 'running', cancelled_by: 'dev' })), true);
    assert.equal(isStopping(shapeJob({ status: 'cancelled', cancelled_by: 'dev' })), false);
    assert.equal(isStopping(shapeJob({ status: 'running' })), false);
  });

  test('what started it', () => {
    assert.deepEqual(jobOrigin(shapeJob({ schedule_id: 'nightly' })), { kind: 'schedule', scheduleId: 'nightly' });
    assert.deepEqual(jobOrigin(shapeJob({ submitted_by: 'tok-1' })), { kind: 'token', tokenId: 'tok-1' });
    assert.deepEqual(jobOrigin(shapeJob({ submitted_by: '' })), { kind: 'unattributed' });
  });

  test('how long: finished from its times, running until now, never negative', () => {
    const start = Date.UTC(2026, 11, 6, 20);
    assert.equal(jobElapsedMs(shapeJob({ status: 'done', finished_at: '2026-12-06T20:00:03Z' }), start + 99_000), 3_000);
    assert.equal(jobElapsedMs(shapeJob({ status: 'running' }), start + 5_000), 5_000);
    assert.equal(jobElapsedMs(shapeJob({ status: 'running' }), start - 5_000), 0);
    assert.equal(jobElapsedMs(shapeJob({ status: 'failed' }), start), undefined);
  });

  test('the list’s order: running, pending, finished; newest first in each', () => {
    const jobs = [
      shapeJob({ id: 'd1', status: 'done', started_at: '2026-12-06T20:00:09Z' }),
      shapeJob({ id: 'p1', status: 'pending', started_at: '2026-12-06T20:00:01Z' }),
      shapeJob({ id: 'r1', status: 'running', started_at: '2026-12-06T20:00:02Z' }),
      shapeJob({ id: 'f1', status: 'failed', started_at: '2026-12-06T20:00:10Z' }),
      shapeJob({ id: 'r2', status: 'running', started_at: '2026-12-06T20:00:05Z', cancelled_by: 'dev' }),
    ];
    assert.deepEqual(sortJobsForDisplay(jobs).map((j) => j.id), ['r2', 'r1', 'p1', 'f1', 'd1']);
  });
});

describe('approval state', () => {
  const approval: Approval = { name: 's', sha256: 'ab'.repeat(32), approvedBy: 'dev', approvedAt: undefined, enabled: true, matches: true };
  test('from the server’s answer and the local file’s hash', () => {
    assert.deepEqual(approvalState({ ok: false, problem: { code: 'notFound', detail: '' } }), { kind: 'notApproved' });
    assert.deepEqual(approvalState({ ok: false, problem: { code: 'roleRequired', role: 'admin' } }), { kind: 'unknown' });
    const same = approvalState({ ok: true, value: approval }, 'AB'.repeat(32));
    assert.deepEqual(same, { kind: 'approved', approval, serverMatches: true, fileMatches: true });
    assert.equal(approvalAllowsRun(same), true);
    const edited = approvalState({ ok: true, value: approval }, 'cd'.repeat(32));
    assert.equal(edited.kind === 'approved' && edited.fileMatches, false);
    const changed = approvalState({ ok: true, value: { ...approval, matches: false } });
    assert.equal(approvalAllowsRun(changed), false);
    assert.equal(approvalAllowsRun(approvalState({ ok: true, value: { ...approval, enabled: false } })), false);
  });
});
