// Ring 3 with the framework's real orchestrator (token mode, an admin's token set through *TDTP:
// Set Orchestrator Token*) and a scenario file in the workspace that is byte for byte the one the
// orchestrator loaded: a person opens it and sees the lens say "Not approved" with the file's
// SHA-256, approves it from the lens (the modal shows the hash), sees "the file on disk is the
// approved content", types a change and saves it, and sees the lens flag the file as no longer the
// approved content. A consumer's request is pending (submitted through the API): the inbox shows
// it with its count badge; the person approves it from the row and sees its job in Jobs run to done.
import * as assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { needsFramework, requireFramework } from '../support/framework';
import type { Orchestrator } from '../support/orchestrator';
import { scenarioYaml, startOrchestrator } from '../support/orchestrator';
import type { RedisServer } from '../support/redisServer';
import { startRedis } from '../support/redisServer';
import type { Session } from './session';
import { openSession } from './session';

const framework = needsFramework();
const SCENARIO = 'nightly_report';
const TITLE = 'Nightly report for Perm';
/** What the orchestrator loaded and what the workspace holds: the same bytes. */
const SCENARIO_TEXT = scenarioYaml(
  { description: 'the nightly report of one city', runner: 'gated', params: [{ name: 'city', required: true, pattern: '[A-Za-z]+' }] },
  'report:\n  city: "{{.city}}"\n  format: csv\n',
);
const SHORT_HASH = createHash('sha256').update(SCENARIO_TEXT).digest('hex').slice(0, 12);

describe('scenario approval from the lens and the requests inbox against the real orchestrator (English)', () => {
  let redis: RedisServer;
  let orch: Orchestrator;
  let session: Session;
  /** The gated runner ends once this file exists, so that its job is seen running before done. */
  let gate: string;

  before(async () => {
    if (framework.skip) return;
    const tools = requireFramework();
    redis = await startRedis();
    // The runner waits for a file in its working folder (the orchestrator's, removed with it).
    orch = await startOrchestrator(tools, {
      auth: 'token',
      runners: { gated: { binary: '/bin/sh', args: ['-c', 'while [ ! -e gate ]; do sleep 0.05; done; echo "report of $1"', 'gated', '{{.city}}'] } },
      scenarios: { [SCENARIO]: SCENARIO_TEXT },
    });
    gate = join(orch.dir, 'gate');
    // A consumer's proposal, waiting for an admin before anyone opens the editor.
    const consumer = await orch.issueToken('e2e-consumer', 'consumer');
    const submitted = await orch.request('POST', '/requests', { token: consumer, body: { scenario: SCENARIO, params: { city: 'Perm' }, title: TITLE } });
    assert.ok(submitted.status === 200 || submitted.status === 201, `POST /requests: HTTP ${submitted.status}: ${submitted.text}`);
    session = await openSession(redis, {
      settings: { 'tdtp.orchestrator.url': orch.url, 'tdtp.orchestrator.auth': 'token', 'workbench.startupEditor': 'none' },
      prepareWorkspace: (dir) => writeFileSync(join(dir, `${SCENARIO}.yaml`), SCENARIO_TEXT),
    });
    await session.workbench.activityBar.waitForWorkbench();
  });

  after(async () => {
    await session?.close();
    await orch?.dispose();
    await redis?.dispose();
  });

  it('the lens: not approved → Approve (hash in the modal) → the approved content → an edit saved is flagged; the inbox: badge, Approve → its job runs to done', framework, async () => {
    const { workbench, page } = session;
    const { editor, quickInput } = workbench;
    const view = workbench.orchestrator;
    const inbox = workbench.orchestratorRequests;
    const lenses = async () => (await editor.codeLensTexts()).join(' | ');

    await workbench.step('approvals-token', async () => {
      await workbench.openTdtpView();
      await view.text(/needs a token/).waitFor({ timeout: 60_000 });
      await workbench.widenSideBar(160);
      await workbench.setOrchestratorToken(orch.adminToken!);
      await view.scenario(SCENARIO).waitFor({ timeout: 30_000 });
    });

    await workbench.step('approvals-lens-approve', async () => {
      await quickInput.runCommand('Go to File');
      await page.keyboard.type(`${SCENARIO}.yaml`);
      await quickInput.item(`${SCENARIO}.yaml`).waitFor({ timeout: 45_000 });
      await page.keyboard.press('Enter');
      // The hash the lens shows is the file's own, before anyone approves.
      await editor.codeLensLabel(`Not approved · file SHA-256 ${SHORT_HASH}`).waitFor({ timeout: 60_000 });
      await editor.codeLens(/^\W*Approve$/).click();
      await workbench.overlays.dialog.filter({ hasText: `Approve the scenario "${SCENARIO}"?` }).waitFor();
      assert.match((await workbench.overlays.dialog.textContent()) ?? '', new RegExp(`SHA-256 of the file on disk: ${SHORT_HASH}[0-9a-f]{52}`));
      await workbench.overlays.dialogButton('Approve').click();
      await editor.codeLensLabel('Approved · the file on disk is the approved content').waitFor({ timeout: 30_000 });
      await editor.codeLens(/^\W*Revoke$/).waitFor();
      const approval = (await orch.request<{ sha256: string }>('GET', `/scenarios/${SCENARIO}/approval`, { token: orch.adminToken })).json;
      assert.equal(approval?.sha256.slice(0, 12), SHORT_HASH, 'the server approved the bytes the workspace holds');
    });

    await workbench.step('approvals-lens-changed', async () => {
      await editor.typeAtEndOf('format: csv', '  # and xlsx');
      await editor.save();
      await editor.codeLensLabel('the file on disk differs from the approved content').waitFor({ timeout: 30_000 });
      const text = await lenses();
      assert.doesNotMatch(text, /the file on disk is the approved content/, text);
      assert.doesNotMatch(text, new RegExp(`file SHA-256 ${SHORT_HASH}`), text);
    });

    await workbench.step('approvals-inbox', async () => {
      const row = inbox.request(TITLE);
      await row.waitFor({ timeout: 30_000 });
      assert.match((await row.textContent()) ?? '', new RegExp(`${TITLE}${SCENARIO} · e2e-consumer`));
      await workbench.activityBar.tdtpBadge('1').waitFor({ timeout: 30_000 });
      // For the README: the lens above the header and the inbox, the toasts cleared.
      await quickInput.runCommand('Notifications: Clear All Notifications');
      await workbench.notifications.toast(/./).waitFor({ state: 'detached' });
      await quickInput.waitForClosed();
      await workbench.screenshot('orchestrator-approvals', true);
    });

    await workbench.step('approvals-approve-request', async () => {
      await inbox.approve(TITLE);
      await workbench.overlays.dialog.filter({ hasText: `Approve the request "${TITLE}" (${SCENARIO}) and run it now?` }).waitFor();
      await workbench.overlays.dialogButton('Approve and Run').click();
      await workbench.notifications.toast(`The request "${TITLE}" (${SCENARIO}) is approved`).waitFor({ timeout: 30_000 });
      await view.job(SCENARIO, 'running').waitFor({ timeout: 30_000 });
      await inbox.text(/No pending run requests/).waitFor({ timeout: 30_000 });
      await workbench.activityBar.tdtpBadge('1').waitFor({ state: 'detached' });
      writeFileSync(gate, '');
      await view.job(SCENARIO, 'done').waitFor({ timeout: 60_000 });
      const requests = (await orch.request<Array<{ title: string; status: string; job_id?: string }>>('GET', '/requests', { token: orch.adminToken })).json ?? [];
      const approved = requests.find((r) => r.title === TITLE);
      assert.equal(approved?.status, 'approved', 'the server has the request approved');
      const job = (await orch.request<{ status: string; params: Record<string, string> }>('GET', `/jobs/${approved?.job_id}`, { token: orch.adminToken })).json;
      assert.equal(job?.status, 'done');
      assert.deepEqual(job?.params, { city: 'Perm' }, 'the job ran with the request’s parameters');
    });
  });
});
