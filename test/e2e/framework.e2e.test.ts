// Ring 3 with the real framework: a person opens a pipeline file, clicks *Run Pipeline* above
// result_log (tdtp.cli.path is the tdtpcli scripts/setup-framework.sh built), and sees the lens,
// the Problems panel and the tree row follow what the real run published to the test's Redis.
import * as assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Page } from 'playwright-core';
import { FrameworkTools, SAMPLE_SQL, needsFramework, pipelineYaml, requireFramework, seedSqlite } from '../support/framework';
import { RedisServer, startRedis } from '../support/redisServer';
// eslint-disable-next-line @typescript-eslint/ban-ts-comment
// @ts-ignore -- plain ESM JavaScript without types
import { runPaletteCommand, startCodeServer } from '../support/codeServer.mjs';

const root = resolve(__dirname, '..', '..');
const manifest = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { name: string; version: string };
const vsix = join(root, `${manifest.name}-${manifest.version}.vsix`);
const results = join(root, 'test-results', 'e2e');
mkdirSync(results, { recursive: true });
const RESULT = 'FW_E2E_V001';
const framework = needsFramework();

async function step<T>(page: Page, name: string, body: () => Promise<T>): Promise<T> {
  try {
    return await body();
  } catch (err) {
    await page.screenshot({ path: join(results, `FAILED-framework-${name}.png`) }).catch(() => {});
    throw err;
  }
}

describe('a real tdtpcli run from the editor (English)', () => {
  let tools: FrameworkTools;
  let redis: RedisServer;
  let session: { page: Page; close(): Promise<void> };
  let page: Page;

  before(async () => {
    if (framework.skip) return;
    tools = requireFramework();
    redis = await startRedis();
    const workspace = mkdtempSync(join(tmpdir(), 'tdtp-e2e-framework-'));
    seedSqlite(tools, join(workspace, 'shop.db'), SAMPLE_SQL);
    mkdirSync(join(workspace, 'pipelines'));
    writeFileSync(
      join(workspace, 'pipelines', 'active_customers.yaml'),
      pipelineYaml({ name: 'active_customers', resultName: RESULT, address: `127.0.0.1:${redis.port}`, sqlite: join(workspace, 'shop.db'), transform: 'SELECT * FROM customers WHERE active = 1', output: join(workspace, 'out.tdtp.xml') }),
    );
    session = await startCodeServer({
      vsixPaths: [vsix],
      workspaceFolder: workspace,
      userSettings: { 'tdtp.redis.port': redis.port, 'workbench.colorTheme': 'Default Dark Modern' },
      machineSettings: { 'tdtp.cli.path': tools.tdtpcli },
      viewport: { width: 1400, height: 860 },
    });
    page = session.page;
    await page.waitForSelector('.activitybar', { timeout: 90_000 });
  });

  after(async () => {
    await session?.close();
    await redis?.dispose();
  });

  it('Run Pipeline on the lens runs tdtpcli; the lens, Problems and the tree row show what it published', framework, async () => {
    await step(page, 'run', async () => {
      await runPaletteCommand(page, 'Go to File');
      await page.keyboard.type('active_customers.yaml');
      await page.locator('.quick-input-list .monaco-list-row', { hasText: 'active_customers.yaml' }).first().waitFor({ timeout: 45_000 });
      await page.keyboard.press('Enter');
      await page.locator('.codelens-decoration a', { hasText: 'no run seen yet' }).first().waitFor({ timeout: 60_000 });
      await page.locator('.codelens-decoration a', { hasText: 'Run Pipeline' }).first().click();
      // tdtpcli's own output in the task's terminal is not read here: what it published is.
      const lens = page.locator('.codelens-decoration a', { hasText: '5 → 3 rows' }).first();
      await lens.waitFor({ timeout: 60_000 });
      assert.match((await lens.textContent()) ?? '', /success, data-quality warning · (just now|\d+ min ago) · 5 → 3 rows · DQ ⚠ 2 dropped/);
      const state = JSON.parse((await (await redis.client()).get(`tdtp:pipeline:${RESULT}:state`)) ?? '{}') as Record<string, unknown>;
      assert.equal(state.rows_loaded, 5, 'the lens shows the state key tdtpcli wrote');
      assert.equal(state.rows_exported, 3);
      await page.screenshot({ path: join(results, 'framework-run-pipeline.png') });
    });
    await step(page, 'problems', async () => {
      await runPaletteCommand(page, 'Focus on Problems View');
      const row = page.locator('.markers-panel .monaco-list-row', { hasText: '2 rows dropped' }).first();
      await row.waitFor({ timeout: 30_000 });
      await page.locator('.markers-panel .monaco-list-row', { hasText: 'active_customers.yaml' }).first().waitFor();
    });
    await step(page, 'tree', async () => {
      await page.locator('.activitybar .action-item a[aria-label^="TDTP"]').first().click();
      const row = page.locator('.pane-body .monaco-list-row', { hasText: RESULT }).first();
      await row.waitFor({ timeout: 30_000 });
      assert.match((await row.textContent()) ?? '', /active_customers · .* · 5→3/);
    });
  });
});
