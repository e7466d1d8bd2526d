// Ring 3: what a person sees. Playwright drives Debian's Chromium against code-server with the
// extension installed from its VSIX, a real redis-server, and results published by tdtp-emit.
import * as assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { promisify } from 'node:util';
import type { FrameLocator, Page } from 'playwright-core';
import { RedisServer, startRedis } from '../support/redisServer';
// eslint-disable-next-line @typescript-eslint/ban-ts-comment
// @ts-ignore -- plain ESM JavaScript without types
import { runPaletteCommand, startCodeServer } from '../support/codeServer.mjs';

const run = promisify(execFile);
const root = resolve(__dirname, '..', '..');
const manifest = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { name: string; version: string };
const vsix = join(root, `${manifest.name}-${manifest.version}.vsix`);
const results = join(root, 'test-results', 'e2e');
/** README screenshots are refreshed from a real run with UPDATE_SCREENSHOTS=1. */
const updateScreenshots = process.env.UPDATE_SCREENSHOTS === '1';
mkdirSync(results, { recursive: true });

interface Session {
  page: Page;
  close(): Promise<void>;
}

async function emit(redis: RedisServer, args: string[]): Promise<void> {
  await run(process.execPath, [join(root, 'dist', 'tdtp-emit.js'), '--port', String(redis.port), '--quiet', ...args]);
}

async function open(redis: RedisServer, locale?: string): Promise<Session> {
  const workspace = mkdtempSync(join(tmpdir(), 'tdtp-e2e-ws-'));
  return startCodeServer({
    vsixPaths: [vsix],
    workspaceFolder: workspace,
    locale,
    userSettings: { 'tdtp.redis.port': redis.port, 'workbench.colorTheme': 'Default Dark Modern' },
    viewport: { width: 1400, height: 860 },
  }) as Promise<Session>;
}

async function shot(page: Page, name: string, readme = false): Promise<void> {
  const file = join(results, `${name}.png`);
  await page.screenshot({ path: file });
  if (readme && updateScreenshots) copyFileSync(file, join(root, 'media', 'screenshots', `${name}.png`));
}

/** Runs a step; a failing step leaves a screenshot behind. */
async function step<T>(page: Page, name: string, body: () => Promise<T>): Promise<T> {
  try {
    return await body();
  } catch (err) {
    await page.screenshot({ path: join(results, `FAILED-${name}.png`) }).catch(() => {});
    throw err;
  }
}

async function openTdtpView(page: Page): Promise<void> {
  await page.waitForSelector('.activitybar', { timeout: 90_000 });
  const icon = page.locator('.activitybar .action-item a[aria-label^="TDTP"]').first();
  await icon.waitFor({ timeout: 60_000 });
  await icon.click();
}

function treeRow(page: Page, resultName: string) {
  return page.locator('.pane-body .monaco-list-row', { hasText: resultName }).first();
}

/** The detail panel's document: webview iframe → its active frame. */
function panelFrame(page: Page): FrameLocator {
  return page.frameLocator('iframe.webview.ready').last().frameLocator('#active-frame');
}

/**
 * Each chart's time axis (its tick labels, written out as text) has two ticks or more, all
 * different. With `seconds`, runs within a minute: every label shows seconds, and they fall on
 * whole steps (a minute's window takes steps of 10, 15 or 30 s; a tick a millisecond early would read :19).
 */
async function distinctTimeTicks(frame: FrameLocator, seconds = false): Promise<void> {
  const axes = await frame.locator('.time-ticks').allTextContents();
  assert.equal(axes.length, 2, 'two time axes');
  for (const axis of axes) {
    const labels = axis.split(' · ');
    assert.ok(labels.length >= 2, `ticks: ${axis}`);
    assert.equal(new Set(labels).size, labels.length, `no tick label twice: ${axis}`);
    if (seconds) assert.ok(labels.every((l) => Number(/\d{1,2}:\d{2}:(\d{2})/.exec(l)?.[1]) % 5 === 0), `ticks with seconds, on whole steps: ${axis}`);
  }
}

/** Clicks a pipeline in the tree and waits for its panel's two charts. */
async function openPanel(page: Page, resultName: string): Promise<FrameLocator> {
  await treeRow(page, resultName).click();
  const frame = panelFrame(page);
  await frame.locator('h1', { hasText: resultName }).waitFor({ timeout: 30_000 });
  await frame.locator('.uplot canvas').nth(1).waitFor({ timeout: 15_000 });
  return frame;
}

/**
 * The duration chart's value axis (its tick labels, written out as text like the time axis's: the
 * canvas has none): two ticks or more, all different, each of the `shape` given.
 */
async function durationTicks(frame: FrameLocator, shape: RegExp): Promise<void> {
  const axis = (await frame.locator('.value-ticks').first().textContent()) ?? '';
  const labels = axis.split(' · ');
  assert.ok(labels.length >= 2, `duration ticks: ${axis}`);
  assert.equal(new Set(labels).size, labels.length, `no duration tick twice: ${axis}`);
  assert.ok(labels.every((l) => shape.test(l)), `duration ticks of the shape ${shape}: ${axis}`);
}

describe('what a person sees in VS Code (English)', () => {
  let redis: RedisServer;
  let session: Session;
  let page: Page;
  const dialogs: string[] = [];

  before(async () => {
    redis = await startRedis();
    await emit(redis, ['--result', 'MASK_V001', '--pipeline', 'erp_mask_sync', '--rows-loaded', '15000', '--rows-exported', '15000', '--duration-ms', '1842']);
    await emit(redis, ['--result', 'BILLING_DAILY', '--pipeline', 'billing_daily_rollup', '--rows-loaded', '1200000', '--rows-exported', '1199950', '--duration-ms', '312000']);
    session = await open(redis);
    page = session.page;
    page.on('dialog', (dialog) => {
      dialogs.push(dialog.message());
      void dialog.dismiss();
    });
  });

  after(async () => {
    await session?.close();
    await redis?.dispose();
  });

  it('the TDTP activity-bar icon opens the view with the states that already exist', async () => {
    await step(page, 'open-view', async () => {
      await openTdtpView(page);
      await treeRow(page, 'MASK_V001').waitFor({ timeout: 60_000 });
      await treeRow(page, 'BILLING_DAILY').waitFor();
      assert.match((await treeRow(page, 'MASK_V001').textContent()) ?? '', /erp_mask_sync/);
      assert.equal(await treeRow(page, 'MASK_V001').locator('.codicon-pass-filled').count(), 1, 'success icon');
      assert.equal(await treeRow(page, 'BILLING_DAILY').locator('.codicon-pass').count(), 1, 'data-quality warning icon');
    });
  });

  it('a failure published with tdtp-emit appears with its status and raises a toast naming the pipeline', async () => {
    await step(page, 'failure-toast', async () => {
      await emit(redis, ['--result', 'CRM_CONTACTS', '--pipeline', 'crm_contacts_export', '--status', 'failed', '--error', 'source "crm_db": connection refused\nretry 3/3 failed']);
      const row = treeRow(page, 'CRM_CONTACTS');
      await row.waitFor({ timeout: 30_000 });
      await row.locator('.codicon-error').waitFor();
      const toast = page.locator('.notification-toast', { hasText: 'CRM_CONTACTS' }).first();
      await toast.waitFor({ timeout: 30_000 });
      assert.match((await toast.textContent()) ?? '', /crm_contacts_export \(CRM_CONTACTS\) failed: source "crm_db": connection refused/);
      await shot(page, 'tree-and-toast', true);
      await toast.getByRole('button', { name: 'Show Details' }).click();
      const frame = panelFrame(page);
      await frame.locator('h1', { hasText: 'CRM_CONTACTS' }).waitFor({ timeout: 30_000 });
      assert.equal(await frame.locator('.badge.status-failed').count(), 1);
      assert.match((await frame.locator('pre.error').textContent()) ?? '', /retry 3\/3 failed/);
    });
  });

  it('the detail panel shows history, charts and the TTL', async () => {
    await step(page, 'panel', async () => {
      await emit(redis, ['--result', 'CRM_CONTACTS', '--pipeline', 'crm_contacts_export', '--rows-loaded', '240000', '--rows-exported', '239100', '--duration-ms', '48000', '--ttl', '900']);
      const frame = panelFrame(page);
      await frame.locator('.badge.status-dq_warning').waitFor({ timeout: 30_000 });
      assert.equal(await frame.locator('tbody tr').count(), 2, 'two runs in the history table');
      // uPlot's two charts, drawn on canvases, on a real time axis: its tick labels (written out as
      // text for screen readers) are times of day.
      assert.equal(await frame.locator('.uplot canvas').count(), 2, 'duration and rows charts');
      const ticks = await frame.locator('.time-ticks').first().textContent();
      assert.match(ticks ?? '', /\d{1,2}:\d{2}.* · .*\d{1,2}:\d{2}/, `time axis ticks: ${ticks}`);
      // The two runs came seconds apart: the axis shows seconds, and no label twice.
      await distinctTimeTicks(frame, true);
      assert.match((await frame.locator('dl.trend').textContent()) ?? '', /Success rate.*% of 2 runs/);
      await frame.locator('#ttl', { hasText: /expires in \d+:\d\d/ }).waitFor({ timeout: 15_000 });
      await shot(page, 'detail-panel', true);
    });
  });

  it('a single successful run: one point on a minute of time axis, no usual band until five successes', async () => {
    await step(page, 'single-success', async () => {
      const frame = await openPanel(page, 'MASK_V001');
      assert.equal(await frame.locator('.uplot canvas').count(), 2, 'the charts are drawn for one run too');
      assert.equal(await frame.locator('tbody tr').count(), 1);
      await distinctTimeTicks(frame, true);
      const trend = (await frame.locator('dl.trend').textContent()) ?? '';
      assert.match(trend, /100% of 1 run(?!s)/, `singular: ${trend}`);
      assert.match(trend, /shown after 5 successful runs \(1 so far\)/, trend);
      assert.doesNotMatch(trend, /p50/, 'no median of a single run');
      assert.doesNotMatch((await frame.locator('.legend').first().textContent()) ?? '', /usual duration/, 'no band key without a band');

      // Four more equal runs: the band appears in the chart's key and in the words, both from five successes.
      for (let i = 0; i < 4; i++) await emit(redis, ['--result', 'MASK_V001', '--pipeline', 'erp_mask_sync', '--rows-loaded', '15000', '--rows-exported', '15000', '--duration-ms', '1842']);
      await frame.locator('dl.trend', { hasText: '% of 5 runs' }).waitFor({ timeout: 30_000 });
      assert.match((await frame.locator('dl.trend').textContent()) ?? '', /Usual duration \(p25–p75 of successful runs\)1\.84s – 1\.84s/);
      assert.match((await frame.locator('.legend').first().textContent()) ?? '', /usual duration/);
      await distinctTimeTicks(frame);
      await shot(page, 'detail-panel-single');
    });
  });

  it('runs taking minutes: the duration axis reads in whole minutes and seconds (never 4.166666667m)', async () => {
    await step(page, 'minutes-axis', async () => {
      await emit(redis, ['--result', 'BILLING_DAILY', '--pipeline', 'billing_daily_rollup', '--rows-loaded', '1200000', '--rows-exported', '1200000', '--duration-ms', '251000']);
      const frame = await openPanel(page, 'BILLING_DAILY');
      await frame.locator('dl.trend', { hasText: '% of 2 runs' }).waitFor({ timeout: 30_000 });
      await durationTicks(frame, /^(0|\d+m( \d{2}s)?|\d+s)$/);
      await distinctTimeTicks(frame);
    });
  });

  it('an error and a result_name holding HTML are shown as text, never run', async () => {
    await step(page, 'xss', async () => {
      const hostile = '<img src=x onerror=alert(1)><script>alert(2)</script>';
      const name = 'XSS_CHECK <img src=x onerror=alert(3)><b>bold</b>';
      await emit(redis, ['--result', name, '--pipeline', '<svg onload=alert(4)>', '--status', 'failed', '--error', hostile]);
      await treeRow(page, 'XSS_CHECK').waitFor({ timeout: 30_000 });
      await treeRow(page, 'XSS_CHECK').click();
      const frame = panelFrame(page);
      await frame.locator('h1', { hasText: 'XSS_CHECK' }).waitFor({ timeout: 30_000 });
      assert.equal(await frame.locator('h1').textContent(), name);
      assert.match((await frame.locator('dl').first().textContent()) ?? '', /<svg onload=alert\(4\)>/);
      assert.equal(await frame.locator('svg, b').count(), 0, 'no <svg> or <b> element was created');
      assert.equal(await frame.locator('pre.error').textContent(), hostile);
      assert.equal(await frame.locator('img').count(), 0, 'no <img> element was created');
      assert.equal(await frame.locator('#root script').count(), 0);
      assert.deepEqual(dialogs, [], 'no alert() ran');
    });
  });

  it('TDTP: Poll Pipeline State from the palette, with the QuickPick', async () => {
    await step(page, 'poll', async () => {
      await runPaletteCommand(page, 'TDTP: Poll Pipeline State');
      await page.locator('.quick-input-list .monaco-list-row', { hasText: 'MASK_V001' }).first().waitFor({ timeout: 15_000 });
      await page.keyboard.type('MASK_V001');
      await page.keyboard.press('Enter');
      const toast = page.locator('.notification-toast', { hasText: 'state expires in' }).first();
      await toast.waitFor({ timeout: 30_000 });
      assert.match((await toast.textContent()) ?? '', /MASK_V001 \(erp_mask_sync\): success/);

      await runPaletteCommand(page, 'TDTP: Poll Pipeline State');
      await page.locator('.quick-input-list .monaco-list-row', { hasText: 'MASK_V001' }).first().waitFor({ timeout: 15_000 });
      await page.keyboard.type('NEVER_RAN');
      await page.locator('.quick-input-list .monaco-list-row', { hasText: 'poll this name' }).first().waitFor();
      await page.keyboard.press('Enter');
      await page.locator('.notification-toast', { hasText: 'No state for NEVER_RAN' }).first().waitFor({ timeout: 30_000 });
    });
  });
});

describe('what a person sees in VS Code (Russian)', () => {
  let redis: RedisServer;
  let session: Session;
  let page: Page;

  before(async () => {
    redis = await startRedis();
    await emit(redis, ['--result', 'СКЛАД', '--pipeline', 'склад_остатки']);
    session = await open(redis, 'ru');
    page = session.page;
  });

  after(async () => {
    await session?.close();
    await redis?.dispose();
  });

  it('speaks Russian: view title, descriptions and toasts', async () => {
    await step(page, 'russian', async () => {
      await openTdtpView(page);
      // A lone view's header is hidden; its accessible name still carries the (localized) title.
      await page.locator('.pane-header[aria-label^="Конвейеры"]').first().waitFor({ state: 'attached', timeout: 60_000 });
      await treeRow(page, 'СКЛАД').waitFor({ timeout: 60_000 });
      assert.match((await treeRow(page, 'СКЛАД').textContent()) ?? '', /склад_остатки · 1,50 с · 1\s000→1\s000/, 'numbers and durations in Russian form');
      await emit(redis, ['--result', 'ОТЧЁТ', '--pipeline', 'отчёт_дня', '--status', 'failed', '--error', 'нет связи с источником']);
      const toast = page.locator('.notification-toast', { hasText: 'ОТЧЁТ' }).first();
      await toast.waitFor({ timeout: 30_000 });
      const text = (await toast.textContent()) ?? '';
      assert.match(text, /нет связи с источником/);
      assert.match(text, /Подробности/, 'the Show Details button is in Russian');
      await treeRow(page, 'ОТЧЁТ').locator('.codicon-error').waitFor({ timeout: 15_000 });
      await shot(page, 'russian');
    });
  });

  it('the panel\'s duration axis writes Russian units and a decimal comma', async () => {
    await step(page, 'russian-axis', async () => {
      await durationTicks(await openPanel(page, 'СКЛАД'), /^(0|\d+(,\d{1,2})? с)$/);
    });
  });
});
