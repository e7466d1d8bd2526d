// Ring 2 with the real orchestrator (--no-auth: an admin) and the suite's own Redis: a scenario
// file in the workspace gets its CodeLens (Run on Orchestrator, the approval state with the file's
// hash), is approved from the lens, a changed file is flagged; a job of the scenario marks its
// pipeline row running and reaches other extensions through onDidChangeJobs; a failed job toasts once.
import * as assert from 'node:assert/strict';
import { appendFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type Redis from 'ioredis';
import { after, before, describe, it } from 'mocha';
import * as vscode from 'vscode';
import { KeySpace } from '../../src/core/keySpace';
import type { OrchestratorModel } from '../../src/core/orchestrator/model';
import type { ShownNotification } from '../../src/vscode/notify/notifications';
import { buildResult } from '../support/builders';
import { needsFramework, requireFramework } from '../support/framework';
import type { Orchestrator } from '../support/orchestrator';
import { startOrchestrator } from '../support/orchestrator';
import type { RedisServer } from '../support/redisServer';
import { startRedis } from '../support/redisServer';
import { useExtension } from './harness';
import { nextEvent, untilEvent } from './waitFor';

const keys = new KeySpace('tdtp:pipeline');
const framework = needsFramework();

const scenario = (name: string, runner: string, resultName: string, port: number) =>
  `orchestrator: {"name": "${name}", "runner": "${runner}"}\nname: ${name}_pipeline\nresult_log:\n  type: redis\n  address: "127.0.0.1:${port}"\n  name: "${resultName}"\n`;

(framework.skip ? describe.skip : describe)('Orchestrator links: scenario lens, approval, running row, API, job toasts', function () {
  this.timeout(60_000);
  const ext = useExtension();
  let redis: RedisServer;
  let admin: Redis;
  let orch: Orchestrator;
  let runFile: string;
  let failFile: string;
  let runText: string;

  const lensTitles = async (uri: vscode.Uri) => ((await vscode.commands.executeCommand<vscode.CodeLens[]>('vscode.executeCodeLensProvider', uri)) ?? []).map((l) => l.command?.title ?? '');
  const model = (): OrchestratorModel => {
    const m = ext.testing.orchestrators.get('default')?.model;
    assert.ok(m, 'the orchestrator has a model');
    return m;
  };
  /** A poll of the jobs now, and its end (the poll runs in the server's queue before this call). */
  const pollJobs = async () => {
    model().poller.refresh();
    await model().call((c, signal) => c.health({ signal }));
  };
  const treeRow = (resultName: string) => {
    const node = ext.testing.tree.getChildren().find((n) => n.kind === 'pipeline' && n.resultName === resultName);
    assert.ok(node, `a tree row for ${resultName}`);
    return ext.testing.tree.getTreeItem(node);
  };

  before(async () => {
    const tools = requireFramework();
    redis = await startRedis();
    admin = await redis.client();
    runText = scenario('link_run', 'sleeper', 'LINK_RUN', redis.port);
    const failText = scenario('link_fail', 'failer', 'LINK_FAIL', redis.port);
    orch = await startOrchestrator(tools, {
      auth: 'none',
      scenarios: { link_run: runText, link_fail: failText },
      runners: { sleeper: { binary: '/bin/sh', args: ['-c', 'sleep 2'] }, failer: { binary: '/bin/sh', args: ['-c', 'echo boom >&2; exit 3'] } },
    });
    await ext.settings.update('redis.port', redis.port);
    await ext.settings.update('orchestrator.url', orch.url);
    await ext.settings.update('orchestrator.auth', 'none');
    const t = ext.testing;
    await untilEvent('connected', () => (t.viewer.connections[0]?.state.kind === 'connected' ? true : undefined), [t.viewer.onDidChangeState]);
    const folder = vscode.workspace.workspaceFolders![0].uri.fsPath;
    runFile = join(folder, 'framework', 'link_run.yaml');
    failFile = join(folder, 'framework', 'link_fail.yaml');
    writeFileSync(runFile, runText);
    writeFileSync(failFile, failText);
    await untilEvent('both scenario files linked', () => (t.links.scenariosOf('LINK_RUN').length && t.links.scenariosOf('LINK_FAIL').length ? true : undefined), [t.links.onDidChange]);
    await untilEvent('the approvals read', () => (t.orchestrators.get('default')?.model?.approvals.has('link_run') ? true : undefined), [t.orchestrators.onDidChange, t.orchestrators.onDidChangeServers]);
  });

  after(async () => {
    for (const file of [runFile, failFile]) if (file) rmSync(file, { force: true });
    await orch?.dispose();
    await redis?.dispose();
  });

  it('the lens above the header: Run on Orchestrator, Not approved with the file’s SHA-256, Approve', async () => {
    const uri = vscode.Uri.file(runFile);
    await vscode.window.showTextDocument(uri);
    const titles = await lensTitles(uri);
    assert.ok(titles.includes('$(play) Run on Orchestrator'), titles.join(' | '));
    assert.ok(titles.some((title) => /^\$\(circle-slash\) Not approved · file SHA-256 [0-9a-f]{12}$/.test(title)), titles.join(' | '));
    assert.ok(titles.includes('$(check) Approve'), titles.join(' | '));
  });

  it('Approve as admin (confirmed with the hash): approved, the file on disk is the approved content; a changed file is flagged', async () => {
    const uri = vscode.Uri.file(runFile);
    const asked: string[] = [];
    const prompts = ext.testing.orchestratorPrompts;
    const ui = prompts.ui;
    prompts.ui = {
      ...ui,
      warn: async (message, options, ...actions) => {
        asked.push(`${message}\n${options.detail ?? ''}`);
        return options.modal ? actions[0] : undefined;
      },
    };
    let approved: boolean | undefined;
    try {
      approved = await vscode.commands.executeCommand<boolean>('tdtp.orchestrator.approveScenario', { server: 'default', scenario: 'link_run', file: uri.toString() });
    } finally {
      prompts.ui = ui;
    }
    assert.equal(approved, true);
    assert.match(asked[0], /SHA-256 of the file on disk: [0-9a-f]{64}/);
    const titles = await lensTitles(uri);
    assert.ok(titles.includes('$(verified) Approved · the file on disk is the approved content'), titles.join(' | '));
    assert.ok(titles.includes('$(close) Revoke'), titles.join(' | '));
    appendFileSync(runFile, '# changed after approval\n');
    try {
      const changed = await lensTitles(uri);
      assert.ok(changed.some((title) => /the file on disk differs from the approved content/.test(title)), changed.join(' | '));
    } finally {
      writeFileSync(runFile, runText);
    }
  });

  it('a job of the scenario marks its pipeline row running, and onDidChangeJobs tells other extensions', async () => {
    await admin.publish(keys.channel('LINK_RUN'), JSON.stringify(buildResult('LINK_RUN')));
    await untilEvent('the row in the store', () => (ext.testing.store.get('LINK_RUN') ? true : undefined), [ext.testing.viewer.onDidChange]);
    const seen = nextEvent('onDidChangeJobs with the running job', ext.api.onDidChangeJobs, (e) => e.jobs.some((j) => j.scenario === 'link_run' && j.status === 'running'));
    const id = await orch.run('link_run');
    await pollJobs();
    const event = await seen;
    assert.equal(event.connection, 'default');
    assert.ok(Object.isFrozen(event.jobs[0]), 'a frozen copy');
    assert.ok(ext.api.getJobs('default').some((j) => j.id === id));
    const row = treeRow('LINK_RUN');
    assert.match(String(row.description), /^running on the orchestrator · /);
    assert.equal((row.iconPath as vscode.ThemeIcon).id, 'sync~spin');
    assert.match(String(row.contextValue), /\brunning\b/);
    await orch.waitForJob(id, ['done']);
    await pollJobs();
    assert.doesNotMatch(String(treeRow('LINK_RUN').description), /running on the orchestrator/);
  });

  it('a failed job toasts once (transitions only)', async () => {
    await orch.approve('link_fail');
    const shown: ShownNotification[] = [];
    const listening = ext.testing.notifications.onDidShow((n) => shown.push(n));
    try {
      const id = await orch.run('link_fail');
      await orch.waitForJob(id, ['failed']);
      await pollJobs();
      await untilEvent('the job failure toast', () => (shown.some((n) => n.kind === 'jobFailed') ? true : undefined), [ext.testing.notifications.onDidShow]);
      await pollJobs();
      assert.equal(shown.filter((n) => n.kind === 'jobFailed').length, 1, shown.map((n) => n.message).join(' | '));
      assert.match(shown.find((n) => n.kind === 'jobFailed')!.message, /the orchestrator job of link_fail failed/);
    } finally {
      listening.dispose();
    }
  });

  it('pubsub.yaml files from the watcher: none in node_modules is read, nor more than 20, and a burst is rebuilt at once', async () => {
    const folder = vscode.workspace.workspaceFolders![0].uri.fsPath;
    const pubsub = (resultName: string) => `subscriptions:\n  - result_name: ${resultName}\n    scenario: link_run\n`;
    const files = Array.from({ length: 22 }, (_, i) => join(folder, 'pubsub', `p${i}`, 'pubsub.yaml'));
    const hidden = join(folder, 'node_modules', 'hidden', 'pubsub.yaml');
    const links = ext.testing.links;
    const isLinked = (resultName: string) => links.scenariosOf(resultName, 'pubsub').length > 0;
    const linked = () => files.filter((_, i) => isLinked(`PUBSUB_${i}`)).length;
    let changes = 0;
    const counting = links.onDidChange(() => changes++);
    try {
      writeFileSync(hidden, pubsub('PUBSUB_HIDDEN'));
      files.forEach((file, i) => writeFileSync(file, pubsub(`PUBSUB_${i}`)));
      await untilEvent('20 pubsub.yaml files linked', () => (linked() >= 20 ? true : undefined), [links.onDidChange]);
      // A change of a held file comes after the other files' events: once it shows, they were all handled.
      const held = files.findIndex((_, i) => isLinked(`PUBSUB_${i}`));
      writeFileSync(files[held], pubsub('PUBSUB_LAST'));
      await untilEvent('the held file changed', () => (isLinked('PUBSUB_LAST') ? true : undefined), [links.onDidChange]);
      assert.equal(linked(), 19, 'the 20 files held, one of them changed');
      assert.equal(isLinked('PUBSUB_HIDDEN'), false, 'node_modules is not read');
      assert.ok(changes < files.length, `${changes} rebuilds for ${files.length + 1} files`);
    } finally {
      counting.dispose();
      for (const file of [hidden, ...files]) rmSync(file, { force: true });
    }
    await untilEvent('the pubsub links gone', () => (linked() === 0 && !isLinked('PUBSUB_LAST') ? true : undefined), [links.onDidChange]);
  });
});

