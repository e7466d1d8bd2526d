// Ring 3 with the framework's real orchestrator: a person sets an activator token through
// *TDTP: Set Orchestrator Token*, runs a scenario with a parameter from the Orchestrator view's run
// form, watches the job go running → done, sees the Pipelines row follow what the real tdtpcli the
// job ran published to the test's Redis, opens the job's log, and stops a long job (confirmed in the
// modal): "stopping…", then cancelled.
import * as assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { FrameworkTools } from '../support/framework';
import { SAMPLE_SQL, needsFramework, pipelineYaml, requireFramework, seedSqlite } from '../support/framework';
import type { Orchestrator, RunnerSpec } from '../support/orchestrator';
import { scenarioYaml, startOrchestrator } from '../support/orchestrator';
import type { RedisServer } from '../support/redisServer';
import { startRedis } from '../support/redisServer';
import type { Session } from './session';
import { emit, openSession } from './session';

const RESULT = 'ORCH_E2E_CUSTOMERS';
const framework = needsFramework();

/** Ticks `$1` times 0.1 s; on SIGTERM takes a second more (the job shows "stopping…" meanwhile). */
const SLEEPER: RunnerSpec = {
  binary: '/bin/sh',
  args: ['-c', 'trap "sleep 1; echo stopped; exit 143" TERM; echo started; i=0; while [ "$i" -lt "$1" ]; do sleep 0.1; i=$((i+1)); done; echo finished', 'sleeper', '{{.ticks}}'],
};

describe('the Orchestrator view against the real orchestrator (English)', () => {
  let tools: FrameworkTools;
  let redis: RedisServer;
  let orch: Orchestrator;
  let session: Session;
  let work: string;
  /** The gated runner starts tdtpcli once this file exists, so that "running" is seen before "done". */
  let gate: string;

  before(async () => {
    if (framework.skip) return;
    tools = requireFramework();
    redis = await startRedis();
    work = mkdtempSync(join(tmpdir(), 'tdtp-e2e-orch-'));
    gate = join(work, 'gate');
    seedSqlite(tools, join(work, 'shop.db'), SAMPLE_SQL);
    const gated: RunnerSpec = { binary: '/bin/sh', args: ['-c', 'while [ ! -e "$1" ]; do sleep 0.05; done; exec "$2" --pipeline "$3"', 'gated', gate, tools.tdtpcli, '{{.tmpfile}}'] };
    orch = await startOrchestrator(tools, {
      auth: 'token',
      runners: { gated, sleeper: SLEEPER },
      scenarios: {
        customers: scenarioYaml(
          { description: 'active customers of every city but one', runner: 'gated', params: [{ name: 'skip_city', required: true, pattern: '[A-Za-z]+' }] },
          pipelineYaml({
            name: 'customers-without-{{.skip_city}}',
            resultName: RESULT,
            address: `127.0.0.1:${redis.port}`,
            sqlite: join(work, 'shop.db'),
            query: "SELECT id, name, city, active FROM customers WHERE city <> '{{.skip_city}}'",
            transform: 'SELECT * FROM customers WHERE active = 1',
            output: join(work, 'out.tdtp.xml'),
          }),
        ),
        sleeper: scenarioYaml({ description: 'waits', runner: 'sleeper', params: [{ name: 'ticks', default: '300', pattern: '[0-9]{1,4}' }] }, 'note: "waits"\n'),
      },
    });
    await orch.approve('customers');
    await orch.approve('sleeper');
    // An earlier run of the pipeline, so that its row is there to change.
    await emit(redis, ['--result', RESULT, '--pipeline', 'customers-without-Omsk', '--rows-loaded', '4', '--rows-exported', '3']);
    session = await openSession(redis, { settings: { 'tdtp.orchestrator.url': orch.url, 'tdtp.orchestrator.auth': 'token', 'workbench.startupEditor': 'none' } });
    await session.workbench.activityBar.waitForWorkbench();
  });

  after(async () => {
    await session?.close();
    await orch?.dispose();
    await redis?.dispose();
    if (work) rmSync(work, { recursive: true, force: true });
  });

  it('token from the palette; Run with a parameter → running → done; the pipeline row follows tdtpcli; the log; Stop → stopping… → cancelled', framework, async () => {
    const { workbench, page } = session;
    const view = workbench.orchestrator;
    const token = await orch.issueToken('e2e-person', 'activator');

    await workbench.step('orchestrator-token', async () => {
      await workbench.openTdtpView();
      await view.text(/needs a token/).waitFor({ timeout: 60_000 });
      // Wide enough for whole rows in the README's screenshot.
      await workbench.widenSideBar(220);
      await workbench.tree.pipeline(RESULT).filter({ hasText: /customers-without-Omsk · .* · 4→3/ }).waitFor({ timeout: 30_000 });
      await workbench.setOrchestratorToken(token);
      await view.health.filter({ hasText: /community/ }).waitFor({ timeout: 30_000 });
      await view.scenario('customers').waitFor({ timeout: 30_000 });
    });

    await workbench.step('orchestrator-run', async () => {
      await view.runScenario('customers');
      await workbench.quickInput.title.filter({ hasText: 'Run customers' }).waitFor();
      await page.keyboard.type('Perm');
      await page.keyboard.press('Enter');
      // The runner waits at the gate: the job is seen running, then let go.
      await view.job('customers', 'running').waitFor({ timeout: 30_000 });
      writeFileSync(gate, '');
      await view.job('customers', 'done').waitFor({ timeout: 60_000 });
      assert.match((await view.job('customers', 'done').getAttribute('aria-label')) ?? '', /^customers, done · took (under 1s|\d+s) · token /);
    });

    await workbench.step('orchestrator-pipeline-row', async () => {
      // Perm skipped: 4 customers read, the 2 active ones written; the name carries the parameter.
      const row = workbench.tree.pipeline(RESULT);
      await row.filter({ hasText: 'customers-without-Perm' }).waitFor({ timeout: 30_000 });
      assert.match((await row.textContent()) ?? '', /customers-without-Perm · .* · 4→2/);
    });

    await workbench.step('orchestrator-log', async () => {
      await view.job('customers', 'done').click();
      await workbench.editor.line('Parameters: skip_city=Perm').waitFor({ timeout: 30_000 });
      await workbench.editor.line('Status: done').waitFor();
      await workbench.editor.line('Runner: gated').waitFor();
      assert.ok((await workbench.editor.tabTitles()).some((t) => t.includes('customers.tdtp-job-log')), 'the log is open in a tab');
    });

    await workbench.step('orchestrator-stop', async () => {
      await view.runScenario('sleeper');
      await workbench.quickInput.title.filter({ hasText: 'Run sleeper' }).waitFor();
      assert.equal(await workbench.quickInput.input.inputValue(), '300', 'the form holds the default');
      await page.keyboard.press('Enter');
      await view.job('sleeper', 'running').waitFor({ timeout: 30_000 });
      // For the README: the toasts cleared.
      await workbench.quickInput.runCommand('Notifications: Clear All Notifications');
      await workbench.notifications.toast(/./).waitFor({ state: 'detached' });
      await workbench.screenshot('orchestrator-view', true);
      await view.stopJob('sleeper');
      await workbench.overlays.dialog.filter({ hasText: 'Stop the running job of "sleeper"?' }).waitFor();
      await workbench.overlays.dialogButton('Stop').click();
      await view.job('sleeper', 'stopping…').waitFor({ timeout: 30_000 });
      await view.job('sleeper', 'cancelled').waitFor({ timeout: 60_000 });
      const job = (await orch.request<Array<{ scenario: string; status: string; cancelled_by?: string }>>('GET', '/jobs', { token: orch.adminToken })).json?.find((j) => j.scenario === 'sleeper');
      assert.equal(job?.status, 'cancelled', 'the server has it cancelled');
      assert.ok(job?.cancelled_by, 'and says who stopped it');
    });
  });
});
