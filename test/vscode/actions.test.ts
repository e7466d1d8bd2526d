import * as assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import Redis from 'ioredis';
import { after, before, describe, it } from 'mocha';
import * as vscode from 'vscode';
import { TdtpResult } from '../../src/core/decode';
import { KeySpace } from '../../src/core/keySpace';
import { goTimeString, publishResult } from '../../src/core/publish';
import type { ActionPauseReport, ActionRunReport } from '../../src/vscode/actions';
import type { Testing } from '../../src/vscode/testing';
import { RedisServer, startRedis } from '../support/redisServer';
import { nextEvent, until } from './waitFor';

/* Issue 11 in a real VS Code: action rules under a storm, the exact URL string, and tasks an extension cannot shadow. */

const keys = new KeySpace('tdtp:pipeline');

function failed(resultName: string, extra: Partial<TdtpResult> = {}): TdtpResult {
  const now = new Date();
  return {
    pipeline_name: `${resultName.toLowerCase()}_pipeline`,
    result_name: resultName,
    status: 'failed',
    started_at: goTimeString(new Date(now.getTime() - 10)),
    finished_at: goTimeString(now),
    duration_ms: 10,
    rows_loaded: 0,
    rows_exported: 0,
    error: `boom in ${resultName}`,
    ...extra,
  };
}

async function setActions(rules: unknown[] | undefined, t: Testing): Promise<void> {
  await vscode.workspace.getConfiguration('tdtp').update('actions', rules, vscode.ConfigurationTarget.Global);
  const want = rules?.length ?? 0;
  await until(`${want} action rule(s) to be loaded`, () => (t.actions.ruleCount === want ? true : undefined), [vscode.workspace.onDidChangeConfiguration]);
}

describe('Action rules against hostile publishers (issue 11)', function () {
  this.timeout(120_000);
  let redis: RedisServer;
  let admin: Redis;
  let t: Testing;
  let folder: string;

  before(async () => {
    redis = await startRedis();
    admin = await redis.client();
    const api = await vscode.extensions.getExtension('tdtp.tdtp-pipeline-viewer')!.activate();
    t = (api as unknown as { testing: Testing }).testing;
    folder = vscode.workspace.workspaceFolders![0].uri.fsPath;
    await vscode.workspace.getConfiguration('tdtp').update('redis.port', redis.port, vscode.ConfigurationTarget.Global);
    await until('connected to the test Redis', () => (t.connection.state.kind === 'connected' && t.connection.endpoint?.includes(`:${redis.port}/`) ? true : undefined), [t.connection.onDidChangeState], 30_000);
  });

  after(async () => {
    await vscode.workspace.getConfiguration('tdtp').update('actions', undefined, vscode.ConfigurationTarget.Global);
    await vscode.workspace.getConfiguration('tdtp').update('redis.port', undefined, vscode.ConfigurationTarget.Global);
    await redis?.dispose();
  });

  it('a storm of failed events over distinct names starts at most perMinute tasks and shows ONE pause; Resume lets it run again', async () => {
    const N = 3000; // below tdtp.limits.maxPipelines, so every name is kept
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
      await until('every decision reported', () => (reports.length >= N ? true : undefined), [t.actions.onDidRun], 60_000);
      // VS Code may refuse to start the same task again while it is still running ("failed"): the
      // rule still tried exactly LIMIT times, and no more tasks than that started.
      const attempts = reports.filter((r) => r.outcome === 'ran' || r.outcome === 'failed');
      assert.equal(attempts.length, LIMIT, `the rule ran exactly its per-minute limit: ${JSON.stringify(attempts.map((r) => [r.outcome, r.detail]))}`);
      assert.ok(reports.some((r) => r.outcome === 'ran'), 'at least one task started');
      await until('every started task to end', () => (started > 0 && ended >= started ? true : undefined), [vscode.tasks.onDidEndTaskProcess, vscode.tasks.onDidStartTask], 60_000);
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
      await until('both rules reported', () => (reports.length === 2 ? true : undefined), [t.actions.onDidRun]);
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
});
