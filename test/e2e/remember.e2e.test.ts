// Ring 3: the history of a pipeline, as a person sees it in the tree, is the same before and after a
// page reload (code-server starts a new extension host, which fills the tree from its journal).
import * as assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { promisify } from 'node:util';
import type { Page } from 'playwright-core';
import { RedisServer, startRedis, until } from '../support/redisServer';
// eslint-disable-next-line @typescript-eslint/ban-ts-comment
// @ts-ignore -- plain ESM JavaScript without types
import { startCodeServer } from '../support/codeServer.mjs';

const run = promisify(execFile);
const root = resolve(__dirname, '..', '..');
const manifest = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { name: string; version: string };
const vsix = join(root, `${manifest.name}-${manifest.version}.vsix`);
const results = join(root, 'test-results', 'e2e');
mkdirSync(results, { recursive: true });

/** Distinct row counts make each run's row recognisable: 10,001→10,001 … 10,006→10,006. */
const RUNS = [10_001, 10_002, 10_003, 10_004, 10_005, 10_006];

async function emit(redis: RedisServer, rows: number): Promise<void> {
  await run(process.execPath, [join(root, 'dist', 'tdtp-emit.js'), '--port', String(redis.port), '--quiet', '--result', 'REMEMBER_E2E', '--pipeline', 'erp_nightly', '--rows-loaded', String(rows), '--rows-exported', String(rows)]);
}

/** Runs of REMEMBER_E2E in the extension's journal (its global storage in the profile). */
function journalRuns(userDataDir: string): number {
  const dir = join(userDataDir, 'User', 'globalStorage', 'tdtp.tdtp-pipeline-viewer');
  if (!existsSync(dir)) return 0;
  let n = 0;
  for (const name of readdirSync(dir).filter((f) => /^history-[0-9a-f]+\.ndjson$/.test(f))) {
    n += readFileSync(join(dir, name), 'utf8').split('\n').filter((line) => line.startsWith('{"o":"r","n":"REMEMBER_E2E"')).length;
  }
  return n;
}

function pipelineRow(page: Page) {
  return page.locator('.pane-body .monaco-list-row[aria-level="1"]', { hasText: 'REMEMBER_E2E' }).first();
}

/** The run rows under the pipeline, by their row counts, top to bottom. */
async function runRows(page: Page): Promise<number[]> {
  const texts = await page.locator('.pane-body .monaco-list-row[aria-level="2"]').allTextContents();
  return texts.map((t) => /10,00(\d)→/.exec(t)).filter((m): m is RegExpExecArray => m !== null).map((m) => 10_000 + Number(m[1]));
}

async function openAndExpand(page: Page): Promise<void> {
  await page.waitForSelector('.activitybar', { timeout: 90_000 });
  const icon = page.locator('.activitybar .action-item a[aria-label^="TDTP"]').first();
  await icon.waitFor({ timeout: 60_000 });
  // After a reload the workbench restores the open view: clicking its icon again would close it.
  const open = (await page.locator('.activitybar .action-item.checked a[aria-label^="TDTP"]').count()) > 0 && (await page.locator('.part.sidebar').isVisible());
  if (!open) await icon.click();
  const row = pipelineRow(page);
  try {
    await row.waitFor({ timeout: 15_000 });
  } catch {
    // The workbench restored the view just after we looked, so our click closed it: open it again.
    await icon.click();
    await row.waitFor({ timeout: 45_000 });
  }
  if ((await row.getAttribute('aria-expanded')) !== 'true') await row.locator('.monaco-tl-twistie').click();
  await page.locator('.pane-body .monaco-list-row[aria-level="2"]').first().waitFor({ timeout: 30_000 });
}

describe('what a person sees after a page reload', () => {
  let redis: RedisServer;
  let session: { page: Page; userDataDir: string; close(): Promise<void> };

  before(async () => {
    redis = await startRedis();
    const workspace = mkdtempSync(join(tmpdir(), 'tdtp-e2e-remember-'));
    session = await startCodeServer({ vsixPaths: [vsix], workspaceFolder: workspace, userSettings: { 'tdtp.redis.port': redis.port }, viewport: { width: 1400, height: 860 } });
  });

  after(async () => {
    await session?.close();
    await redis?.dispose();
  });

  it('the six runs of a pipeline in the tree are the same six after the page is reloaded', async () => {
    const { page } = session;
    try {
      await emit(redis, RUNS[0]);
      await openAndExpand(page);
      for (const rows of RUNS.slice(1)) await emit(redis, rows);
      await page.waitForFunction(() => document.querySelectorAll('.pane-body .monaco-list-row[aria-level="2"]').length >= 6, undefined, { timeout: 30_000 });
      const before = await runRows(page);
      assert.deepEqual(before, [...RUNS].reverse(), 'newest first, all six');

      // The journal is written within a quarter of a second: wait until it holds the six, then go away.
      await until(() => (journalRuns(session.userDataDir) >= RUNS.length ? true : undefined), 10_000, 'the six runs in the journal');
      await page.reload();
      await openAndExpand(page);
      await page.waitForFunction(() => Array.from(document.querySelectorAll('.pane-body .monaco-list-row[aria-level="2"]')).filter((r) => /10,00\d→/.test(r.textContent ?? '')).length >= 6, undefined, { timeout: 60_000 });
      assert.deepEqual(await runRows(page), before, 'the same runs, in the same order, after the reload');
      const gapRows = await page.locator('.pane-body .monaco-list-row[aria-level="2"]', { hasText: /^Gap|Gap:/ }).count();
      assert.ok(gapRows <= 1, 'at most one gap marker: the moment the page was away');
      await page.screenshot({ path: join(results, 'remember-after-reload.png') });
    } catch (err) {
      await page.screenshot({ path: join(results, 'FAILED-remember.png') }).catch(() => {});
      throw err;
    }
  });
});
