import * as assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type Redis from 'ioredis';
import { after, before, describe, it } from 'mocha';
import * as vscode from 'vscode';
import type { TdtpResult } from '../../src/core/decode';
import { KeySpace } from '../../src/core/keySpace';
import { goTimeString, publishResult } from '../../src/core/publish';
import type { ActionPauseReport, ActionRunReport } from '../../src/vscode/actions/runner';
import type { Testing } from '../../src/vscode/testing';
import type { RedisServer } from '../support/redisServer';
import { startRedis } from '../support/redisServer';
import { buildFailedResult } from '../support/builders';
import { useExtension } from './harness';
import { nextEvent, untilEvent } from './waitFor';

/*
 * Issue 11 in a real VS Code: action rules under a storm, the exact URL string, and tasks an
 * extension cannot shadow. Issue 14: rules on alert transitions (first failure, recovery, late).
 */

const keys = new KeySpace('tdtp:pipeline');

/** A failed run finishing now. */
function failed(resultName: string, extra: Partial<TdtpResult> = {}): TdtpResult {
  return buildFailedResult(resultName, `boom in ${resultName}`, { duration_ms: 10, rows_loaded: 0, ...extra }, new Date());
}

describe('Action rules against hostile publishers (issue 11)', function () {
  const ext = useExtension();
  const setActions = async (rules: unknown[] | undefined, t: Testing) => {
    await ext.settings.update('actions', rules, vscode.ConfigurationTarget.Global);
    const want = rules?.length ?? 0;
    await untilEvent(`${want} action rule(s) to be loaded`, () => (t.actions.ruleCount === want ? true : undefined), [vscode.workspace.onDidChangeConfiguration]);
  };
  this.timeout(120_000);
  let redis: RedisServer;
  let admin: Redis;
  let t: Testing;
  let folder: string;

  before(async () => {
    redis = await startRedis();
    admin = await redis.client();
    t = ext.testing;
    folder = vscode.workspace.workspaceFolders![0].uri.fsPath;
    await ext.settings.update('redis.port', redis.port, vscode.ConfigurationTarget.Global);
    await untilEvent('connected to the test Redis', () => (t.connection.state.kind === 'connected' && t.connection.endpoint?.includes(`:${redis.port}/`) ? true : undefined), [t.connection.onDidChangeState], 30_000);
  });

  after(async () => {
    await redis?.dispose();
  });

  it('a storm of failed events over distinct names starts at most perMinute tasks and shows ONE pause; Resume lets it run again', async () => {
    // Below tdtp.limits.maxPipelines, so every name is kept, and below the flood guard's 200 new
    // names a second, so every event is read: far more than the rule's limit all the same.
    const N = 150;
    const LIMIT = 4;
    await setActions([{ name: 'storm alert', when: { status: 'failed', resultName: 'STORM_*' }, run: { task: 'tdtp-alert' }, rateLimit: { perMinute: LIMIT } }], t);
    const reports: ActionRunReport[] = [];
    const pauses: ActionPauseReport[] = [];
    let started = 0;
    let ended = 0;
    const subscriptions = [
      t.actions.onDidRun((r) => reports.push(r)),
      t.actions.onDidPause((p) => pauses.push(p)),
      vscode.tasks.onDidStartTask((e) => e.execution.task.name === 'tdtp-alert' && started++),
      vscode.tasks.onDidEndTaskProcess((e) => e.execution.task.name === 'tdtp-alert' && ended++),
    ];
    try {
      const last = `STORM_${N - 1}`;
      const lastArrived = nextEvent('the last storm event', t.viewer.onDidAddRun, (run) => run.record.run.resultName === last, 90_000);
      const pipeline = admin.pipeline();
      for (let i = 0; i < N; i++) pipeline.publish(keys.channel(`STORM_${i}`), JSON.stringify(failed(`STORM_${i}`)));
      await pipeline.exec();
      await lastArrived;
      await untilEvent('every decision reported', () => (reports.length >= N ? true : undefined), [t.actions.onDidRun], 60_000);
      // VS Code may refuse to start the same task again while it is still running ("failed"): the
      // rule still tried exactly LIMIT times, and no more tasks than that started.
      const attempts = reports.filter((r) => r.outcome === 'ran' || r.outcome === 'failed');
      assert.equal(attempts.length, LIMIT, `the rule ran exactly its per-minute limit: ${JSON.stringify(attempts.map((r) => [r.outcome, r.detail]))}`);
      assert.ok(reports.some((r) => r.outcome === 'ran'), 'at least one task started');
      await untilEvent('every started task to end', () => (started > 0 && ended >= started ? true : undefined), [vscode.tasks.onDidEndTaskProcess, vscode.tasks.onDidStartTask], 60_000);
      assert.ok(started <= LIMIT, `${started} tasks started, the limit is ${LIMIT}`);
      assert.equal(reports.filter((r) => r.outcome === 'paused').length, N - LIMIT);
      assert.equal(pauses.length, 1, 'one pause notification');
      assert.match(pauses[0].message, /tdtp\.actions\[0\] "storm alert" paused itself/);

      // What TDTP: Test Action Rules lists for this run.
      const dry = t.actions.explain(t.store.get(last)!.latest, 'default');
      assert.equal(dry[0].paused, true, 'Test Action Rules shows the rule paused');
      assert.match(dry[0].would, /is paused/);

      await vscode.commands.executeCommand('tdtp.resumeActionRule');
      assert.deepEqual(t.actions.pausedRules, [], 'the command resumed the one paused rule');
      const again = nextEvent('the rule to run after resume', t.actions.onDidRun, (r) => r.resultName === 'STORM_AFTER');
      const taskEnded = nextEvent('the task after resume to end', vscode.tasks.onDidEndTaskProcess, (e) => e.execution.task.name === 'tdtp-alert', 30_000);
      await publishResult(admin, keys, failed('STORM_AFTER'), 60);
      assert.equal((await again).outcome, 'ran');
      await taskEnded;
      assert.equal(pauses.length, 1, 'still one notification');
    } finally {
      for (const s of subscriptions) s.dispose();
    }
  });

  it('opens exactly the string the template produced: a hostile value stays inside its parameter and segment', async () => {
    await setActions([{ when: { status: 'failed', resultName: 'URL_*' }, run: { openUrl: 'http://127.0.0.1:9/browse/${result_name}/view?summary=${pipeline_name}&reporter=bot' } }], t);
    const done = nextEvent('the openUrl rule', t.actions.onDidRun, (r) => r.resultName === 'URL_%2F..');
    await publishResult(admin, keys, failed('URL_%2F..', { pipeline_name: 'x&reporter=someone/../../x' }), 60);
    const report = await done;
    assert.equal(report.outcome, 'ran', report.detail);
    const expected = 'http://127.0.0.1:9/browse/URL_%252F../view?summary=x%26reporter%3Dsomeone%2F..%2F..%2Fx&reporter=bot';
    assert.equal(report.url, expected, 'the string handed to env.openExternal');
    // A vscode.Uri would have been opened as encodeURI(uri.toString(true)) — decoded: the defect the string avoids.
    assert.notEqual(encodeURI(vscode.Uri.parse(expected).toString(true)), expected);
  });

  it('a rule\'s "task" runs the tasks.json task, never an extension\'s task of the same name', async () => {
    const provider = vscode.tasks.registerTaskProvider('tdtpshadow', {
      provideTasks: () => [
        new vscode.Task({ type: 'tdtpshadow' }, vscode.TaskScope.Workspace, 'tdtp-alert', 'shadow', new vscode.ShellExecution('echo shadow >> shadow.log')),
        new vscode.Task({ type: 'tdtpshadow' }, vscode.TaskScope.Workspace, 'only-provided', 'shadow', new vscode.ShellExecution('echo shadow >> shadow.log')),
      ],
      resolveTask: () => undefined,
    });
    try {
      const all = await vscode.tasks.fetchTasks();
      assert.ok(all.some((task) => task.name === 'tdtp-alert' && task.source === 'shadow'), 'the shadowing task is offered by the provider');
      await setActions(
        [
          { when: { status: 'failed', resultName: 'SHADOW_*' }, run: { task: 'tdtp-alert' } },
          { when: { status: 'failed', resultName: 'SHADOW_*' }, run: { task: 'only-provided' } },
        ],
        t,
      );
      const reports: ActionRunReport[] = [];
      const listening = t.actions.onDidRun((r) => r.resultName === 'SHADOW_1' && reports.push(r));
      const ended = nextEvent('the tasks.json task to end', vscode.tasks.onDidEndTaskProcess, (e) => e.execution.task.name === 'tdtp-alert', 30_000);
      await publishResult(admin, keys, failed('SHADOW_1'), 60);
      const ran = await ended;
      await untilEvent('both rules reported', () => (reports.length === 2 ? true : undefined), [t.actions.onDidRun]);
      listening.dispose();
      assert.equal(ran.execution.task.source, 'Workspace');
      const byIndex = new Map(reports.map((r) => [r.index, r]));
      assert.equal(byIndex.get(0)?.outcome, 'ran');
      assert.equal(byIndex.get(1)?.outcome, 'failed');
      assert.match(byIndex.get(1)?.detail ?? '', /no task in tasks\.json is named "only-provided"/);
      assert.equal(existsSync(join(folder, 'shadow.log')), false, 'the extension\'s task never ran');
      assert.match(readFileSync(join(folder, 'alerts.log'), 'utf8'), /^SHADOW_1\|failed\|boom in SHADOW_1$/m);
    } finally {
      provider.dispose();
    }
  });

  it('rules "on" transitions: firstFailure runs once for three failures, recovered once on the success after them, late when the pipeline turns late', async () => {
    const HIT = 'tdtpTest.actionHit';
    const hits: Array<Record<string, string>> = [];
    const command = vscode.commands.registerCommand(HIT, (arg: Record<string, string>) => hits.push(arg));
    const of = (rule: string) => hits.filter((h) => h.rule === rule);
    const hitRun = (rule: string, when: Record<string, unknown>, extra: Record<string, string> = {}) => ({
      name: rule,
      when: { resultName: 'ON_*', ...when },
      run: { command: HIT, args: [{ rule, transition: '${transition}', result: '${result_name}', status: '${status}', ...extra }] },
    });
    try {
      // ON_LATE is due every hour; nothing else in this suite has an expectation.
      await ext.settings.update('expectations', [{ resultName: 'ON_LATE', every: '1h' }], vscode.ConfigurationTarget.Global);
      await setActions(
        [
          hitRun('first', { on: 'firstFailure' }),
          hitRun('recovered', { on: ['recovered'] }),
          hitRun('late', { on: 'late' }, { lateBy: '${late_by_ms}', expectedAt: '${expected_at}' }),
          // Without "on": every run, as before (no limit, so all four show), and never the late event.
          { ...hitRun('every run', {}), rateLimit: false },
          // One rule for both ends of an incident: the recovery seconds after the failure still runs.
          hitRun('incident', { on: ['firstFailure', 'recovered'] }),
        ],
        t,
      );

      const start = Date.now() - 60_000;
      const at = (i: number) => new Date(start + i * 1000);
      const flip = (i: number, status: string) =>
        failed('ON_FLIP', { status, started_at: goTimeString(new Date(at(i).getTime() - 10)), finished_at: goTimeString(at(i)), ...(status === 'failed' ? { error: `boom ${i}` } : { error: undefined, rows_loaded: 10, rows_exported: 10 }) });
      for (let i = 0; i < 3; i++) await publishResult(admin, keys, flip(i, 'failed'), 60);
      await publishResult(admin, keys, flip(3, 'success'), 60);
      await untilEvent('the recovery rules and all four runs of the rule without "on"', () => (of('recovered').length >= 1 && of('incident').length >= 2 && of('every run').length >= 4 ? true : undefined), [t.actions.onDidRun], 30_000);

      assert.deepEqual(of('first'), [{ rule: 'first', transition: 'firstFailure', result: 'ON_FLIP', status: 'failed' }], 'one run for three failures in a row');
      assert.deepEqual(of('recovered'), [{ rule: 'recovered', transition: 'recovered', result: 'ON_FLIP', status: 'success' }]);
      assert.deepEqual(of('every run').map((h) => [h.status, h.transition]), [['failed', ''], ['failed', ''], ['failed', ''], ['success', '']]);
      assert.deepEqual(of('late'), []);
      assert.deepEqual(of('incident').map((h) => [h.transition, h.status]), [['firstFailure', 'failed'], ['recovered', 'success']], 'opened and resolved within a minute');

      // TDTP: Test Action Rules on the success: the recovery rule applies (it just ran, so its
      // limit holds it back), the first-failure rule says what it waits for.
      const dryFlip = t.actions.explain(t.store.get('ON_FLIP')!.latest, 'default');
      assert.match(dryFlip[0].would, /does not apply: the run brought recovered; the rule waits for firstFailure/);
      assert.match(dryFlip[1].would, /rate limit/);
      assert.match(dryFlip[2].would, /does not apply: the run brought recovered; the rule waits for late/);

      // Late: one on-time run, then the lateness check at a time of the test's choosing.
      const finished = new Date(Date.now() - 1000);
      await publishResult(admin, keys, failed('ON_LATE', { status: 'success', error: undefined, started_at: goTimeString(new Date(finished.getTime() - 10)), finished_at: goTimeString(finished), rows_loaded: 5, rows_exported: 5 }), 600);
      const due = await untilEvent('ON_LATE to have a due time', () => t.viewer.alertsOf(t.connection, 'ON_LATE')?.due, [t.viewer.onDidChange, vscode.workspace.onDidChangeConfiguration], 15_000);
      await untilEvent('the rule without "on" to run for ON_LATE', () => (of('every run').length >= 5 ? true : undefined), [t.actions.onDidRun]);
      // Lateness is measured from when the run arrived (this computer's clock), not from what it claims.
      const arrived = t.store.get('ON_LATE')!.latest.receivedAt;
      assert.equal(due.expectedAt, arrived + 3_600_000);
      assert.equal(t.actions.explain(t.store.get('ON_LATE')!.latest, 'default')[2].would.startsWith('does not apply'), true, 'not late yet');
      const now = arrived + 3 * 3_600_000;
      const lateRan = nextEvent('the late rule to run', t.actions.onDidRun, (r) => r.index === 2);
      t.viewer.checkLateness(now);
      const report = await lateRan;
      assert.equal(report.outcome, 'ran', report.detail);
      assert.equal(report.transition, 'late');
      assert.deepEqual(of('late'), [{ rule: 'late', transition: 'late', result: 'ON_LATE', status: 'success', lateBy: String(2 * 3_600_000), expectedAt: new Date(arrived + 3_600_000).toISOString() }]);
      // Later checks while it stays late are not news; the rules without "on" never saw the lateness.
      t.viewer.checkLateness(now + 60_000);
      assert.equal(of('late').length, 1);
      assert.deepEqual(of('every run').map((h) => h.result), ['ON_FLIP', 'ON_FLIP', 'ON_FLIP', 'ON_FLIP', 'ON_LATE']);
      assert.equal(of('first').length + of('recovered').length, 2, 'still one each');
      assert.match(t.actions.explain(t.store.get('ON_LATE')!.latest, 'default')[2].would, /rate limit/, 'Test Action Rules tries the late rule on the lateness');
    } finally {
      command.dispose();
    }
  });
});
