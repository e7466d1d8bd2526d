// Ring 2: the Orchestrator view and its commands against the framework's REAL orchestrator,
// started here in token mode: the view fills (health, jobs, scenarios, schedules); Run Scenario
// with a parameter runs a job to done; Show Job Log opens its log; Stop on a long job shows
// "stopping…"; the token comes from secret storage and is not sent to a changed URL without consent.
import * as assert from 'node:assert/strict';
import { after, before, describe, it } from 'mocha';
import * as vscode from 'vscode';
import { secretScope } from '../../src/core/orchestrator/endpointSettings';
import { orchestratorBaseUrl } from '../../src/core/orchestrator/http';
import type { Job, Params } from '../../src/core/orchestrator/types';
import type { OrchNode } from '../../src/vscode/orchestrator/items';
import type { OrchestratorServer } from '../../src/vscode/orchestrator/orchestrators';
import type { Testing } from '../../src/vscode/testing';
import type { FrameworkTools } from '../support/framework';
import { needsFramework, requireFramework } from '../support/framework';
import type { Orchestrator, RunnerSpec } from '../support/orchestrator';
import { scenarioYaml, startOrchestrator } from '../support/orchestrator';
import { useExtension } from './harness';
import { untilEvent } from './waitFor';

const framework = needsFramework();

/** Ticks `$1` times 0.1 s; on SIGTERM takes a second more (the job shows "stopping…" meanwhile). */
const SLEEPER: RunnerSpec = {
  binary: '/bin/sh',
  args: ['-c', 'trap "sleep 1; echo stopped; exit 143" TERM; echo started; i=0; while [ "$i" -lt "$1" ]; do sleep 0.1; i=$((i+1)); done; echo finished', 'sleeper', '{{.ticks}}'],
};
const GREETER: RunnerSpec = { binary: '/bin/sh', args: ['-c', 'echo "hello $1"', 'greet', '{{.who}}'] };
const SCENARIOS = {
  greet: scenarioYaml({ description: 'says hello', runner: 'greeter', params: [{ name: 'who', required: true, pattern: '[A-Za-z]+' }] }, 'note: "greets"\n'),
  sleeper: scenarioYaml({ description: 'waits', runner: 'sleeper', params: [{ name: 'ticks', default: '300', pattern: '[0-9]{1,4}' }] }, 'note: "waits"\n'),
};

(framework.skip ? describe.skip : describe)('Orchestrator view against the real orchestrator', function () {
  const ext = useExtension();
  let tools: FrameworkTools;
  let orch: Orchestrator;
  let other: Orchestrator;
  let t: Testing;
  let nudge: ReturnType<typeof setInterval> | undefined;
  /** The greet job run by the Run Scenario test (its log is opened again later). */
  let greetJobId: string | undefined;

  const server = (): OrchestratorServer | undefined => t.orchestrators.servers[0];
  const tree = () => t.orchestratorView.tree;
  const events = () => [t.orchestrators.onDidChange, t.orchestrators.onDidChangeJobs, t.orchestrators.onDidChangeServers] as Array<(l: (v: unknown) => void) => { dispose(): void }>;
  const item = (node: OrchNode) => tree().getTreeItem(node);
  const group = (name: string) => tree().getChildren().find((n) => n.kind === 'group' && n.group === name);

  /** Waits for a job to satisfy `test`, asking the poller again meanwhile (the window may not have focus, so polls are slow). */
  async function untilJob(id: string, test: (job: Job) => boolean, what: string): Promise<Job> {
    nudge = setInterval(() => server()?.model?.poller.refresh(), 300);
    try {
      return await untilEvent(what, () => server()?.model?.jobs.find((j) => j.id === id && test(j)), events(), 30_000);
    } finally {
      clearInterval(nudge);
    }
  }

  before(async function () {
    this.timeout(60_000);
    tools = requireFramework();
    t = ext.testing;
    [orch, other] = await Promise.all([
      startOrchestrator(tools, { auth: 'token', scenarios: SCENARIOS, runners: { sleeper: SLEEPER, greeter: GREETER }, schedules: [{ id: 'nightly', scenario: 'greet', schedule: '0 3 * * *', params: { who: 'Night' } }] }),
      startOrchestrator(tools, { auth: 'token', scenarios: SCENARIOS, runners: { sleeper: SLEEPER, greeter: GREETER } }),
    ]);
    await orch.approve('greet');
    await orch.approve('sleeper');
    const baseUrl = orchestratorBaseUrl(orch.url);
    assert.ok(baseUrl && orch.adminToken);
    // The token first, bound to the URL; then the setting that names the server.
    await t.passwords.set(orch.adminToken, 'default', 'orchestratorToken', secretScope(baseUrl));
    await ext.settings.update('orchestrator.auth', 'token');
    await ext.settings.update('orchestrator.url', orch.url);
    await vscode.commands.executeCommand('tdtp.orchestrator.focus');
  });

  after(async () => {
    if (nudge) clearInterval(nudge);
    await t?.passwords.clear('default', 'orchestratorToken');
    await orch?.dispose();
    await other?.dispose();
  });

  it('fills the view: health line, Jobs, Scenarios with approval, Schedules with the next run', async () => {
    await untilEvent('the role and the approvals', () => (server()?.model?.role.value === 'admin' && server()?.model?.approvals.size === 2 ? true : undefined), events(), 20_000);
    assert.equal(tree().state, 'ok');
    const top = tree().getChildren();
    assert.deepEqual(top.map((n) => (n.kind === 'group' ? n.group : n.kind)), ['health', 'jobs', 'scenarios', 'schedules']);
    assert.match(String(item(top[0]).description), /community/);
    const scenarios = tree().getChildren(group('scenarios')).map(item);
    assert.deepEqual(scenarios.map((i) => i.label).sort(), ['greet', 'sleeper']);
    for (const i of scenarios) assert.match(i.contextValue ?? '', /\borchScenario\b.*\brunnable\b.*\bapproved\b/);
    const schedules = tree().getChildren(group('schedules')).map(item);
    assert.equal(schedules.length, 1);
    assert.match(schedules[0].contextValue ?? '', /^orchSchedule enabled$/);
    assert.match(String(schedules[0].description), /0 3 \* \* \*/);
    assert.equal(typeof schedules[0].tooltip, 'string', 'tooltips are plain text');
  });

  /** Runs a scenario through the command, the form answered by `answer` (given the prefilled values); resolves the job id and what the form was given. */
  async function runThroughForm(arg: object, answer: (initial: Params | undefined) => Params | undefined): Promise<{ jobId: string | undefined; asked: Array<Params | undefined> }> {
    const ui = t.orchestratorPrompts.ui;
    const asked: Array<Params | undefined> = [];
    t.orchestratorPrompts.ui = {
      ...ui,
      params: async (_scenario, initial) => {
        asked.push(initial && { ...initial });
        return answer(initial);
      },
    };
    try {
      return { jobId: await vscode.commands.executeCommand<string | undefined>('tdtp.orchestrator.runScenario', arg), asked };
    } finally {
      t.orchestratorPrompts.ui = ui;
    }
  }

  it('Run Scenario given params only prefills the form: a dismissed form starts nothing', async () => {
    const before = server()?.model?.jobs.length;
    const { jobId, asked } = await runThroughForm({ scenario: 'greet', params: { who: 'Eve' } }, () => undefined);
    assert.equal(jobId, undefined, 'nothing ran');
    assert.deepEqual(asked, [{ who: 'Eve' }], 'the form was shown, prefilled');
    assert.equal(server()?.model?.jobs.length, before);
  });

  it('Run Scenario with a parameter runs a job to done; Show Job Log opens its log', async () => {
    const { jobId, asked } = await runThroughForm({ scenario: 'greet', params: { who: 'Eve' } }, () => ({ who: 'Ada' }));
    assert.deepEqual(asked, [{ who: 'Eve' }]);
    assert.ok(jobId, 'the run was accepted');
    greetJobId = jobId;
    const job = await untilJob(jobId, (j) => j.status === 'done' && j.log !== undefined, 'the greet job to be done');
    assert.deepEqual({ ...job.params }, { who: 'Ada' });
    const row = tree().getChildren(group('jobs')).find((n) => n.kind === 'job' && n.jobId === jobId);
    assert.ok(row, 'the job has a row');
    assert.match(item(row).contextValue ?? '', /^orchJob done\b.*\blog\b/);

    const editor = await vscode.commands.executeCommand<vscode.TextEditor>('tdtp.orchestrator.showJobLog', row);
    assert.equal(editor.document.uri.scheme, 'tdtp-orchestrator-job');
    // A URL in a log is data: the log's language has link detection off.
    assert.equal(editor.document.languageId, 'tdtp-orchestrator-log');
    assert.equal(vscode.workspace.getConfiguration('editor', { languageId: 'tdtp-orchestrator-log' }).get('links'), false);
    const text = editor.document.getText();
    assert.match(text, /greet/);
    assert.match(text, /who=Ada/);
    assert.match(text, /hello Ada/);
  });

  it('Stop on a long job: confirmed, the row shows stopping…, then the job is cancelled and its open log is read again', async () => {
    const { jobId } = await runThroughForm({ scenario: 'sleeper', params: { ticks: '300' } }, (initial) => initial);
    assert.ok(jobId);
    await untilJob(jobId, (j) => j.status === 'running', 'the long job to run');
    // Its log while it runs: the document says when the orchestrator writes it, and is read again at the end.
    const editor = await vscode.commands.executeCommand<vscode.TextEditor>('tdtp.orchestrator.showJobLog', { jobId });
    assert.match(editor.document.getText(), /only when the job ends/);
    const logged = untilEvent('the open log read again with the log', () => (/\bstopped\b/.test(editor.document.getText()) ? true : undefined), [vscode.workspace.onDidChangeTextDocument], 30_000);
    const ui = t.orchestratorPrompts.ui;
    const asked: string[] = [];
    t.orchestratorPrompts.ui = {
      ...ui,
      warn: async (question, options, ...actions) => {
        asked.push(question);
        assert.equal(options.modal, true, 'a modal question');
        return actions[0];
      },
    };
    try {
      assert.equal(await vscode.commands.executeCommand('tdtp.orchestrator.stopJob', { jobId }), true);
    } finally {
      t.orchestratorPrompts.ui = ui;
    }
    assert.equal(asked.length, 1, 'Stop asked for confirmation');
    await untilJob(jobId, (j) => j.status === 'running' && j.cancelledBy !== undefined, 'the job to be stopping');
    const row = tree().jobNode('default', jobId);
    const shown = item(row);
    assert.match(String(shown.description), /stopping…/);
    assert.match(shown.contextValue ?? '', /\bstopping\b/);
    await untilJob(jobId, (j) => j.status === 'cancelled', 'the stopped job to end');
    await logged;
    assert.match(editor.document.getText(), /started/);
  });

  it('the token is not sent to a changed URL without consent', async () => {
    const askElsewhere = t.passwords.askElsewhere;
    const asked: Array<[string | undefined, string]> = [];
    t.passwords.askElsewhere = async (_connection, kind, savedFor, now) => {
      assert.equal(kind, 'orchestratorToken');
      asked.push([savedFor, now]);
      return false;
    };
    // A job log opened by its URI alone (as a tab restored after a reload is): its own language, and read again as the server connects.
    assert.ok(greetJobId);
    const logDoc = await vscode.workspace.openTextDocument(vscode.Uri.from({ scheme: 'tdtp-orchestrator-job', path: `/default/${greetJobId}/greet.tdtp-job-log` }));
    await vscode.window.showTextDocument(logDoc, { preview: false });
    assert.equal(logDoc.languageId, 'tdtp-orchestrator-log', 'not the built-in log language (links on)');
    assert.match(logDoc.getText(), /hello Ada/);
    const docChanged = [vscode.workspace.onDidChangeTextDocument] as Array<(l: (v: unknown) => void) => { dispose(): void }>;
    try {
      await ext.settings.update('orchestrator.url', other.url);
      await untilEvent('the token refused for the new URL', () => (server()?.credentials === 'refused' ? true : undefined), events());
      await untilEvent('the open log says not connected', () => (/not connected/.test(logDoc.getText()) ? true : undefined), docChanged);
      assert.equal(server()?.model, undefined, 'no model, so no request carries the token');
      assert.deepEqual(asked, [[secretScope(orchestratorBaseUrl(orch.url)!), secretScope(orchestratorBaseUrl(other.url)!)]]);
      assert.equal(tree().state, 'refused');
      assert.deepEqual(tree().getChildren(), [], 'the welcome view shows');
    } finally {
      t.passwords.askElsewhere = askElsewhere;
      await ext.settings.update('orchestrator.url', orch.url);
    }
    await untilEvent('connected again with the token', () => (server()?.model?.role.value === 'admin' ? true : undefined), events(), 20_000);
    await untilEvent('the open log read again once connected', () => (/hello Ada/.test(logDoc.getText()) ? true : undefined), docChanged, 20_000);
    await vscode.commands.executeCommand('workbench.action.closeActiveEditor');
  });
});
