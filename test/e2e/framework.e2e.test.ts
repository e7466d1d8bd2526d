// Ring 3 with the real framework: a person opens a pipeline file, clicks *Run Pipeline* above
// result_log (tdtp.cli.path is the tdtpcli scripts/setup-framework.sh built), and sees the lens,
// the Problems panel and the tree row follow what the real run published to the test's Redis.
import * as assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { FrameworkTools } from '../support/framework';
import { SAMPLE_SQL, needsFramework, pipelineYaml, requireFramework, seedSqlite } from '../support/framework';
import type { RedisServer } from '../support/redisServer';
import { startRedis } from '../support/redisServer';
import type { Session } from './session';
import { openSession } from './session';

const RESULT = 'FW_E2E_V001';
const framework = needsFramework();

describe('a real tdtpcli run from the editor (English)', () => {
  let tools: FrameworkTools;
  let redis: RedisServer;
  let session: Session;

  before(async () => {
    if (framework.skip) return;
    tools = requireFramework();
    redis = await startRedis();
    session = await openSession(redis, {
      machineSettings: { 'tdtp.cli.path': tools.tdtpcli },
      prepareWorkspace(workspace) {
        seedSqlite(tools, join(workspace, 'shop.db'), SAMPLE_SQL);
        mkdirSync(join(workspace, 'pipelines'));
        writeFileSync(
          join(workspace, 'pipelines', 'active_customers.yaml'),
          pipelineYaml({ name: 'active_customers', resultName: RESULT, address: `127.0.0.1:${redis.port}`, sqlite: join(workspace, 'shop.db'), transform: 'SELECT * FROM customers WHERE active = 1', output: join(workspace, 'out.tdtp.xml') }),
        );
      },
    });
    await session.workbench.activityBar.waitForWorkbench();
  });

  after(async () => {
    await session?.close();
    await redis?.dispose();
  });

  it('Run Pipeline on the lens runs tdtpcli; the lens, Problems and the tree row show what it published', framework, async () => {
    const { workbench } = session;
    await workbench.step('framework-run', async () => {
      await workbench.quickInput.runCommand('Go to File');
      await session.page.keyboard.type('active_customers.yaml');
      await workbench.quickInput.item('active_customers.yaml').waitFor({ timeout: 45_000 });
      await session.page.keyboard.press('Enter');
      await workbench.editor.codeLens('no run seen yet').waitFor({ timeout: 60_000 });
      await workbench.editor.codeLens('Run Pipeline').click();
      // tdtpcli's own output in the task's terminal is not read here: what it published is.
      const lens = workbench.editor.codeLens('5 → 3 rows');
      await lens.waitFor({ timeout: 60_000 });
      assert.match((await lens.textContent()) ?? '', /success, data-quality warning · (just now|\d+ min ago) · 5 → 3 rows · DQ ⚠ 2 dropped/);
      const state = JSON.parse((await (await redis.client()).get(`tdtp:pipeline:${RESULT}:state`)) ?? '{}') as Record<string, unknown>;
      assert.equal(state.rows_loaded, 5, 'the lens shows the state key tdtpcli wrote');
      assert.equal(state.rows_exported, 3);
      await workbench.screenshot('framework-run-pipeline');
    });
    await workbench.step('framework-problems', async () => {
      await workbench.quickInput.runCommand('Focus on Problems View');
      await workbench.problems.row('2 rows dropped').waitFor({ timeout: 30_000 });
      await workbench.problems.row('active_customers.yaml').waitFor();
    });
    await workbench.step('framework-tree', async () => {
      await workbench.openTdtpView();
      const row = workbench.tree.pipeline(RESULT);
      await row.waitFor({ timeout: 30_000 });
      assert.match((await row.textContent()) ?? '', /active_customers · .* · 5→3/);
    });
  });
});
