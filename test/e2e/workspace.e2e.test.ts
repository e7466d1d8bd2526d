// Ring 3: a person working on pipeline files. They open a pipeline YAML and see the live status
// above result_log, click it for the detail panel, find a failing pipeline in the Problems panel
// and group the tree by the namespaces of result names. Real redis-server, results from tdtp-emit.
import * as assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { RedisServer } from '../support/redisServer';
import { startRedis } from '../support/redisServer';
import type { Workbench } from './pages/workbench';
import type { Session } from './session';
import { emit, openSession } from './session';

/** The framework's travel-agency shape: a templated pipeline name, a namespaced result name. */
function pipelineFile(pipeline: string, resultName: string): string {
  return `# ─── ${pipeline} ───
name: "${pipeline}-{{SYNC_TS}}"
sources:
  - name: tour_sales
    type: mssql
    dsn: "sqlserver://sql-srv1:1433?database=TravelAgency"
    query: "SELECT * FROM tour_sales WHERE last_updated >= '{{LAST_SYNC}}'"
workspace: { type: sqlite, mode: ":memory:" }
transform:
  result_table: tour_sales
  sql: SELECT * FROM tour_sales
output:
  type: tdtp
  tdtp: { format: xml, destination: "s3://travel-agency/sales/{{SYNC_TS}}.tdtp.xml" }

result_log:
  type: redis
  address: "localhost:6379"
  name: "${resultName}"
  db: 0
  ttl: 86400
`;
}

describe('pipeline files in the editor (English)', () => {
  let redis: RedisServer;
  let session: Session;
  let workbench: Workbench;

  before(async () => {
    redis = await startRedis();
    await emit(redis, ['--result', 'travel:sales:extract', '--pipeline', 'travel-extract-sales-20251118T1000', '--rows-loaded', '48210', '--rows-exported', '48210', '--duration-ms', '5230']);
    await emit(redis, ['--result', 'travel:sales:load', '--pipeline', 'travel-load-sales-20251118T1000', '--status', 'failed', '--error', 'load "tour_sales": deadlock detected on table tour_sales\nretry 3/3 failed']);
    session = await openSession(redis, {
      prepareWorkspace(workspace) {
        mkdirSync(join(workspace, 'pipelines'));
        writeFileSync(join(workspace, 'pipelines', 'extract_sales.yaml'), pipelineFile('travel-extract-sales', 'travel:sales:extract'));
        writeFileSync(join(workspace, 'pipelines', 'load_sales.yaml'), pipelineFile('travel-load-sales', 'travel:sales:load'));
      },
    });
    ({ workbench } = session);
    await workbench.activityBar.waitForWorkbench();
  });

  after(async () => {
    await session?.close();
    await redis?.dispose();
  });

  it('opening a pipeline file shows the live status above result_log; clicking it opens the panel', async () => {
    await workbench.step('workspace-codelens', async () => {
      const { editor, page, quickInput } = workbench;
      await quickInput.runCommand('Go to File');
      await page.keyboard.type('extract_sales.yaml');
      await quickInput.item('extract_sales.yaml').waitFor({ timeout: 15_000 });
      await page.keyboard.press('Enter');
      const lens = editor.codeLens('48,210 → 48,210 rows');
      await lens.waitFor({ timeout: 60_000 });
      assert.match((await lens.textContent()) ?? '', /success · (just now|\d+ min ago) · 48,210 → 48,210 rows · DQ ✓/);
      await editor.codeLens('Run Pipeline').waitFor();
      // The lens sits on the line above `result_log:`.
      await editor.line('result_log:').waitFor();
      await workbench.screenshot('pipeline-codelens', true);

      await emit(redis, ['--result', 'travel:sales:extract', '--pipeline', 'travel-extract-sales-20251118T1100', '--rows-loaded', '50000', '--rows-exported', '49990']);
      const updated = editor.codeLens('50,000 → 49,990 rows');
      await updated.waitFor({ timeout: 30_000 });
      assert.match((await updated.textContent()) ?? '', /DQ ⚠ 10 dropped/);
      await updated.click();
      await workbench.panel.waitFor('travel:sales:extract');
      await workbench.panel.button('Open Pipeline Config').waitFor({ timeout: 15_000 });
    });
  });

  it('the Problems panel lists the failing pipeline on its result_log.name line', async () => {
    await workbench.step('workspace-problems', async () => {
      await workbench.quickInput.runCommand('Focus on Problems View');
      const row = workbench.problems.row('The latest run failed');
      await row.waitFor({ timeout: 30_000 });
      const text = (await row.textContent()) ?? '';
      assert.match(text, /deadlock detected on table tour_sales/);
      assert.doesNotMatch(text, /retry 3\/3/, 'the first line only');
      assert.match(text, /\[Ln 19, Col 3\]/, 'at result_log.name');
      await workbench.problems.row('load_sales.yaml').waitFor();
    });
  });

  it('the tree grouped by namespace shows travel › sales with its count and worst status', async () => {
    await workbench.step('workspace-namespaces', async () => {
      const { activityBar, tree } = workbench;
      await activityBar.tdtpIcon.click();
      await tree.row('travel:sales:load').waitFor({ timeout: 30_000 });
      await workbench.quickInput.runCommand('TDTP: Group by Namespace');
      const travel = tree.rowLabelled('travel: 2 pipelines, worst status: failed');
      await travel.waitFor({ timeout: 30_000 });
      assert.equal(await travel.locator('.codicon-error').count(), 1, 'the worst status marks the group');
      await tree.rowLabelled('travel:sales: 2 pipelines').waitFor();
      await tree.row('travel:sales:extract').waitFor();
      await workbench.screenshot('namespaces');
    });
  });
});
