// Ring 3: what a person sees. Playwright drives Debian's Chromium against code-server with the
// extension installed from its VSIX, a real redis-server, and results published by tdtp-emit.
import * as assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Page } from 'playwright-core';
import type { RedisServer } from '../support/redisServer';
import { startRedis } from '../support/redisServer';
import type { DetailPanel } from './pages/detailPanel';
import type { Workbench } from './pages/workbench';
import type { Session } from './session';
import { emit, openSession } from './session';

/**
 * Each chart's time axis (its tick labels, written out as text) has two ticks or more, all
 * different. With `seconds`, runs within a minute: every label shows seconds, and they fall on
 * whole steps (a minute's window takes steps of 10, 15 or 30 s; a tick a millisecond early would read :19).
 */
async function distinctTimeTicks(panel: DetailPanel, seconds = false): Promise<void> {
  const axes = await panel.timeAxes.allTextContents();
  assert.equal(axes.length, 2, 'two time axes');
  for (const axis of axes) {
    const labels = axis.split(' · ');
    assert.ok(labels.length >= 2, `ticks: ${axis}`);
    assert.equal(new Set(labels).size, labels.length, `no tick label twice: ${axis}`);
    if (seconds) assert.ok(labels.every((l) => Number(/\d{1,2}:\d{2}:(\d{2})/.exec(l)?.[1]) % 5 === 0), `ticks with seconds, on whole steps: ${axis}`);
  }
}

/**
 * Clicks a pipeline in the tree and waits for its panel's two charts. A row that has just appeared
 * can be drawn again by the tree's next refresh while the click is under way (seen on a loaded
 * machine): as a person would, it is clicked once more when no panel came of the first click.
 */
async function openPanel(workbench: Workbench, resultName: string): Promise<DetailPanel> {
  const { panel } = workbench;
  await workbench.tree.row(resultName).click();
  const opened = await panel.waitFor(resultName, 10_000).then(
    () => true,
    () => false,
  );
  if (!opened) {
    await workbench.tree.row(resultName).click();
    await panel.waitFor(resultName);
  }
  await panel.waitForCharts();
  return panel;
}

/**
 * The duration chart's value axis (its tick labels, written out as text like the time axis's: the
 * canvas has none): two ticks or more, all different, each of the `shape` given.
 */
async function durationTicks(panel: DetailPanel, shape: RegExp): Promise<void> {
  const axis = (await panel.valueAxes.first().textContent()) ?? '';
  const labels = axis.split(' · ');
  assert.ok(labels.length >= 2, `duration ticks: ${axis}`);
  assert.equal(new Set(labels).size, labels.length, `no duration tick twice: ${axis}`);
  assert.ok(labels.every((l) => shape.test(l)), `duration ticks of the shape ${shape}: ${axis}`);
}

describe('what a person sees in VS Code (English)', () => {
  let redis: RedisServer;
  let session: Session;
  let page: Page;
  let workbench: Workbench;
  const dialogs: string[] = [];

  before(async () => {
    redis = await startRedis();
    await emit(redis, ['--result', 'MASK_V001', '--pipeline', 'erp_mask_sync', '--rows-loaded', '15000', '--rows-exported', '15000', '--duration-ms', '1842']);
    await emit(redis, ['--result', 'BILLING_DAILY', '--pipeline', 'billing_daily_rollup', '--rows-loaded', '1200000', '--rows-exported', '1199950', '--duration-ms', '312000']);
    session = await openSession(redis);
    ({ page, workbench } = session);
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
    await workbench.step('open-view', async () => {
      const { tree } = workbench;
      await workbench.openTdtpView();
      await tree.row('MASK_V001').waitFor({ timeout: 60_000 });
      await tree.row('BILLING_DAILY').waitFor();
      assert.match((await tree.row('MASK_V001').textContent()) ?? '', /erp_mask_sync/);
      assert.equal(await tree.row('MASK_V001').locator('.codicon-pass-filled').count(), 1, 'success icon');
      assert.equal(await tree.row('BILLING_DAILY').locator('.codicon-pass').count(), 1, 'data-quality warning icon');
    });
  });

  it('a failure published with tdtp-emit appears with its status and raises a toast naming the pipeline', async () => {
    await workbench.step('failure-toast', async () => {
      await emit(redis, ['--result', 'CRM_CONTACTS', '--pipeline', 'crm_contacts_export', '--status', 'failed', '--error', 'source "crm_db": connection refused\nretry 3/3 failed']);
      const row = workbench.tree.row('CRM_CONTACTS');
      await row.waitFor({ timeout: 30_000 });
      await row.locator('.codicon-error').waitFor();
      const toast = workbench.notifications.toast('CRM_CONTACTS');
      await toast.waitFor({ timeout: 30_000 });
      assert.match((await toast.textContent()) ?? '', /crm_contacts_export \(CRM_CONTACTS\) failed: source "crm_db": connection refused/);
      await workbench.screenshot('tree-and-toast', true);
      await toast.getByRole('button', { name: 'Show Details' }).click();
      const { panel } = workbench;
      await panel.waitFor('CRM_CONTACTS');
      assert.equal(await panel.badge('failed').count(), 1);
      assert.match((await panel.error.textContent()) ?? '', /retry 3\/3 failed/);
    });
  });

  it('the detail panel shows history, charts and the TTL', async () => {
    await workbench.step('panel', async () => {
      await emit(redis, ['--result', 'CRM_CONTACTS', '--pipeline', 'crm_contacts_export', '--rows-loaded', '240000', '--rows-exported', '239100', '--duration-ms', '48000', '--ttl', '900']);
      const { panel } = workbench;
      await panel.badge('dq_warning').waitFor({ timeout: 30_000 });
      assert.equal(await panel.historyRows.count(), 2, 'two runs in the history table');
      // uPlot's two charts, drawn on canvases, on a real time axis: its tick labels (written out as
      // text for screen readers) are times of day.
      assert.equal(await panel.charts.count(), 2, 'duration and rows charts');
      const ticks = await panel.timeAxes.first().textContent();
      assert.match(ticks ?? '', /\d{1,2}:\d{2}.* · .*\d{1,2}:\d{2}/, `time axis ticks: ${ticks}`);
      // The two runs came seconds apart: the axis shows seconds, and no label twice.
      await distinctTimeTicks(panel, true);
      assert.match((await panel.trend.textContent()) ?? '', /Success rate.*% of 2 runs/);
      await panel.ttl.filter({ hasText: /expires in \d+:\d\d/ }).waitFor({ timeout: 15_000 });
      await workbench.screenshot('detail-panel', true);
    });
  });

  it('a single successful run: one point on a minute of time axis, no usual band until five successes', async () => {
    await workbench.step('single-success', async () => {
      const panel = await openPanel(workbench, 'MASK_V001');
      assert.equal(await panel.charts.count(), 2, 'the charts are drawn for one run too');
      assert.equal(await panel.historyRows.count(), 1);
      await distinctTimeTicks(panel, true);
      const trend = (await panel.trend.textContent()) ?? '';
      assert.match(trend, /100% of 1 run(?!s)/, `singular: ${trend}`);
      assert.match(trend, /shown after 5 successful runs \(1 so far\)/, trend);
      assert.doesNotMatch(trend, /p50/, 'no median of a single run');
      assert.doesNotMatch((await panel.legend.textContent()) ?? '', /usual duration/, 'no band key without a band');

      // Four more equal runs: the band appears in the chart's key and in the words, both from five successes.
      for (let i = 0; i < 4; i++) await emit(redis, ['--result', 'MASK_V001', '--pipeline', 'erp_mask_sync', '--rows-loaded', '15000', '--rows-exported', '15000', '--duration-ms', '1842']);
      await panel.trend.filter({ hasText: '% of 5 runs' }).waitFor({ timeout: 30_000 });
      assert.match((await panel.trend.textContent()) ?? '', /Usual duration \(p25–p75 of successful runs\)1\.84s – 1\.84s/);
      assert.match((await panel.legend.textContent()) ?? '', /usual duration/);
      await distinctTimeTicks(panel);
      await workbench.screenshot('detail-panel-single');
    });
  });

  it('runs taking minutes: the duration axis reads in whole minutes and seconds (never 4.166666667m)', async () => {
    await workbench.step('minutes-axis', async () => {
      await emit(redis, ['--result', 'BILLING_DAILY', '--pipeline', 'billing_daily_rollup', '--rows-loaded', '1200000', '--rows-exported', '1200000', '--duration-ms', '251000']);
      const panel = await openPanel(workbench, 'BILLING_DAILY');
      await panel.trend.filter({ hasText: '% of 2 runs' }).waitFor({ timeout: 30_000 });
      await durationTicks(panel, /^(0|\d+m( \d{2}s)?|\d+s)$/);
      await distinctTimeTicks(panel);
    });
  });

  it('an error and a result_name holding HTML are shown as text, never run', async () => {
    await workbench.step('xss', async () => {
      const hostile = '<img src=x onerror=alert(1)><script>alert(2)</script>';
      const name = 'XSS_CHECK <img src=x onerror=alert(3)><b>bold</b>';
      await emit(redis, ['--result', name, '--pipeline', '<svg onload=alert(4)>', '--status', 'failed', '--error', hostile]);
      await workbench.tree.row('XSS_CHECK').waitFor({ timeout: 30_000 });
      await workbench.tree.row('XSS_CHECK').click();
      const { panel } = workbench;
      await panel.waitFor('XSS_CHECK');
      assert.equal(await panel.heading().textContent(), name);
      assert.match((await panel.frame.locator('dl').first().textContent()) ?? '', /<svg onload=alert\(4\)>/);
      assert.equal(await panel.frame.locator('svg, b').count(), 0, 'no <svg> or <b> element was created');
      assert.equal(await panel.error.textContent(), hostile);
      assert.equal(await panel.frame.locator('img').count(), 0, 'no <img> element was created');
      assert.equal(await panel.frame.locator('#root script').count(), 0);
      assert.deepEqual(dialogs, [], 'no alert() ran');
    });
  });

  it('TDTP: Poll Pipeline State from the palette, with the QuickPick', async () => {
    await workbench.step('poll', async () => {
      const { quickInput, notifications } = workbench;
      await quickInput.runCommand('TDTP: Poll Pipeline State');
      await quickInput.item('MASK_V001').waitFor({ timeout: 15_000 });
      await page.keyboard.type('MASK_V001');
      await page.keyboard.press('Enter');
      const toast = notifications.toast('state expires in');
      await toast.waitFor({ timeout: 30_000 });
      assert.match((await toast.textContent()) ?? '', /MASK_V001 \(erp_mask_sync\): success/);

      await quickInput.runCommand('TDTP: Poll Pipeline State');
      await quickInput.item('MASK_V001').waitFor({ timeout: 15_000 });
      await page.keyboard.type('NEVER_RAN');
      await quickInput.item('poll this name').waitFor();
      await page.keyboard.press('Enter');
      await notifications.toast('No state for NEVER_RAN').waitFor({ timeout: 30_000 });
    });
  });
});

describe('what a person sees in VS Code (Russian)', () => {
  let redis: RedisServer;
  let session: Session;
  let workbench: Workbench;

  before(async () => {
    redis = await startRedis();
    await emit(redis, ['--result', 'СКЛАД', '--pipeline', 'склад_остатки']);
    session = await openSession(redis, { locale: 'ru' });
    ({ workbench } = session);
  });

  after(async () => {
    await session?.close();
    await redis?.dispose();
  });

  it('speaks Russian: view title, descriptions and toasts', async () => {
    await workbench.step('russian', async () => {
      const { tree } = workbench;
      await workbench.openTdtpView();
      // A lone view's header is hidden; its accessible name still carries the (localized) title.
      await tree.header('Конвейеры').waitFor({ state: 'attached', timeout: 60_000 });
      await tree.row('СКЛАД').waitFor({ timeout: 60_000 });
      assert.match((await tree.row('СКЛАД').textContent()) ?? '', /склад_остатки · 1,50 с · 1\s000→1\s000/, 'numbers and durations in Russian form');
      await emit(redis, ['--result', 'ОТЧЁТ', '--pipeline', 'отчёт_дня', '--status', 'failed', '--error', 'нет связи с источником']);
      const toast = workbench.notifications.toast('ОТЧЁТ');
      await toast.waitFor({ timeout: 30_000 });
      const text = (await toast.textContent()) ?? '';
      assert.match(text, /нет связи с источником/);
      assert.match(text, /Подробности/, 'the Show Details button is in Russian');
      await tree.row('ОТЧЁТ').locator('.codicon-error').waitFor({ timeout: 15_000 });
      await workbench.screenshot('russian');
    });
  });

  it('the panel\'s duration axis writes Russian units and a decimal comma', async () => {
    await workbench.step('russian-axis', async () => {
      await durationTicks(await openPanel(workbench, 'СКЛАД'), /^(0|\d+(,\d{1,2})? с)$/);
    });
  });
});
