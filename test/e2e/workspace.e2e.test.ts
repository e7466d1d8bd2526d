// Ring 3: a person working on pipeline files. They open a pipeline YAML and see the live status
// above result_log, click it for the detail panel, find a failing pipeline in the Problems panel
// and group the tree by the namespaces of result names. Real redis-server, results from tdtp-emit.
import * as assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { promisify } from 'node:util';
import type { Page } from 'playwright-core';
import { RedisServer, startRedis } from '../support/redisServer';
// eslint-disable-next-line @typescript-eslint/ban-ts-comment
// @ts-ignore -- plain ESM JavaScript without types
import { runPaletteCommand, startCodeServer } from '../support/codeServer.mjs';

const run = promisify(execFile);
const root = resolve(__dirname, '..', '..');
const manifest = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { name: string; version: string };
const vsix = join(root, `${manifest.name}-${manifest.version}.vsix`);
const results = join(root, 'test-results', 'e2e');
const updateScreenshots = process.env.UPDATE_SCREENSHOTS === '1';
mkdirSync(results, { recursive: true });

async function emit(redis: RedisServer, args: string[]): Promise<void> {
  await run(process.execPath, [join(root, 'dist', 'tdtp-emit.js'), '--port', String(redis.port), '--quiet', ...args]);
}

async function step<T>(page: Page, name: string, body: () => Promise<T>): Promise<T> {
  try {
    return await body();
  } catch (err) {
    await page.screenshot({ path: join(results, `FAILED-workspace-${name}.png`) }).catch(() => {});
    throw err;
  }
}

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
  let session: { page: Page; close(): Promise<void> };
  let page: Page;

  before(async () => {
    redis = await startRedis();
    const workspace = mkdtempSync(join(tmpdir(), 'tdtp-e2e-pipelines-'));
    mkdirSync(join(workspace, 'pipelines'));
    writeFileSync(join(workspace, 'pipelines', 'extract_sales.yaml'), pipelineFile('travel-extract-sales', 'travel:sales:extract'));
    writeFileSync(join(workspace, 'pipelines', 'load_sales.yaml'), pipelineFile('travel-load-sales', 'travel:sales:load'));
    await emit(redis, ['--result', 'travel:sales:extract', '--pipeline', 'travel-extract-sales-20251118T1000', '--rows-loaded', '48210', '--rows-exported', '48210', '--duration-ms', '5230']);
    await emit(redis, ['--result', 'travel:sales:load', '--pipeline', 'travel-load-sales-20251118T1000', '--status', 'failed', '--error', 'load "tour_sales": deadlock detected on table tour_sales\nretry 3/3 failed']);
    session = await startCodeServer({
      vsixPaths: [vsix],
      workspaceFolder: workspace,
      userSettings: { 'tdtp.redis.port': redis.port, 'workbench.colorTheme': 'Default Dark Modern' },
      viewport: { width: 1400, height: 860 },
    });
    page = session.page;
    await page.waitForSelector('.activitybar', { timeout: 90_000 });
  });

  after(async () => {
    await session?.close();
    await redis?.dispose();
  });

  it('opening a pipeline file shows the live status above result_log; clicking it opens the panel', async () => {
    await step(page, 'codelens', async () => {
      await runPaletteCommand(page, 'Go to File');
      await page.keyboard.type('extract_sales.yaml');
      await page.locator('.quick-input-list .monaco-list-row', { hasText: 'extract_sales.yaml' }).first().waitFor({ timeout: 15_000 });
      await page.keyboard.press('Enter');
      const lens = page.locator('.codelens-decoration a', { hasText: '48,210 → 48,210 rows' }).first();
      await lens.waitFor({ timeout: 60_000 });
      assert.match((await lens.textContent()) ?? '', /success · (just now|\d+ min ago) · 48,210 → 48,210 rows · DQ ✓/);
      await page.locator('.codelens-decoration a', { hasText: 'Run Pipeline' }).first().waitFor();
      // The lens sits on the line above `result_log:`.
      await page.locator('.view-line', { hasText: 'result_log:' }).first().waitFor();
      const file = join(results, 'pipeline-codelens.png');
      await page.screenshot({ path: file });
      if (updateScreenshots) copyFileSync(file, join(root, 'media', 'screenshots', 'pipeline-codelens.png'));

      await emit(redis, ['--result', 'travel:sales:extract', '--pipeline', 'travel-extract-sales-20251118T1100', '--rows-loaded', '50000', '--rows-exported', '49990']);
      const updated = page.locator('.codelens-decoration a', { hasText: '50,000 → 49,990 rows' }).first();
      await updated.waitFor({ timeout: 30_000 });
      assert.match((await updated.textContent()) ?? '', /DQ ⚠ 10 dropped/);
      await updated.click();
      const frame = page.frameLocator('iframe.webview.ready').last().frameLocator('#active-frame');
      await frame.locator('h1', { hasText: 'travel:sales:extract' }).waitFor({ timeout: 30_000 });
      await frame.locator('button', { hasText: 'Open Pipeline Config' }).waitFor({ timeout: 15_000 });
    });
  });

  it('the Problems panel lists the failing pipeline on its result_log.name line', async () => {
    await step(page, 'problems', async () => {
      await runPaletteCommand(page, 'Focus on Problems View');
      const row = page.locator('.markers-panel .monaco-list-row', { hasText: 'The latest run failed' }).first();
      await row.waitFor({ timeout: 30_000 });
      const text = (await row.textContent()) ?? '';
      assert.match(text, /deadlock detected on table tour_sales/);
      assert.doesNotMatch(text, /retry 3\/3/, 'the first line only');
      assert.match(text, /\[Ln 19, Col 3\]/, 'at result_log.name');
      await page.locator('.markers-panel .monaco-list-row', { hasText: 'load_sales.yaml' }).first().waitFor();
    });
  });

  it('the tree grouped by namespace shows travel › sales with its count and worst status', async () => {
    await step(page, 'namespaces', async () => {
      const icon = page.locator('.activitybar .action-item a[aria-label^="TDTP"]').first();
      await icon.click();
      await page.locator('.pane-body .monaco-list-row', { hasText: 'travel:sales:load' }).first().waitFor({ timeout: 30_000 });
      await runPaletteCommand(page, 'TDTP: Group by Namespace');
      const travel = page.locator('.pane-body .monaco-list-row[aria-label^="travel: 2 pipelines, worst status: failed"]').first();
      await travel.waitFor({ timeout: 30_000 });
      assert.equal(await travel.locator('.codicon-error').count(), 1, 'the worst status marks the group');
      await page.locator('.pane-body .monaco-list-row[aria-label^="travel:sales: 2 pipelines"]').first().waitFor();
      await page.locator('.pane-body .monaco-list-row', { hasText: 'travel:sales:extract' }).first().waitFor();
      await page.screenshot({ path: join(results, 'namespaces.png') });
    });
  });
});
