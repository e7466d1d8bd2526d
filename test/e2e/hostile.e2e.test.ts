// Ring 3: a hostile publisher, seen in the browser. Link-shaped text in every field of a failed
// event must reach the toast, the tree, its hover and the quick pick as text: nothing to click,
// no icon drawn, and clicking whatever the toast offers runs nothing of the publisher's.
import * as assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Page } from 'playwright-core';
import { KeySpace } from '../../src/core/keySpace';
import { goTimeString, publishResult } from '../../src/core/publish';
import { RedisServer, startRedis } from '../support/redisServer';
// eslint-disable-next-line @typescript-eslint/ban-ts-comment
// @ts-ignore -- plain ESM JavaScript without types
import { runPaletteCommand, startCodeServer } from '../support/codeServer.mjs';

const root = resolve(__dirname, '..', '..');
const manifest = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { name: string; version: string };
const vsix = join(root, `${manifest.name}-${manifest.version}.vsix`);
const results = join(root, 'test-results', 'e2e');
mkdirSync(results, { recursive: true });
const keys = new KeySpace('tdtp:pipeline');

interface Session {
  page: Page;
  close(): Promise<void>;
}

/** Each field carries links a click would follow: two commands that open an editor, a web page, a file. */
function links(field: string): string {
  return `${field} [open settings](command:workbench.action.openSettings) [new file](command:workbench.action.files.newUntitledFile) [site](https://evil.example/${field}) [passwd](file:///etc/passwd) $(alert)`;
}

const RESULT_NAME = `HOSTILE [x](command:workbench.action.openSettings) $(alert)`;

async function step<T>(page: Page, name: string, body: () => Promise<T>): Promise<T> {
  try {
    return await body();
  } catch (err) {
    await page.screenshot({ path: join(results, `FAILED-hostile-${name}.png`) }).catch(() => {});
    throw err;
  }
}

/** What would show that something ran: an editor tab (settings, untitled, a file), a dialog, a new page. */
async function nothingRan(page: Page, before: Baseline): Promise<void> {
  const tabs = await page.locator('.tabs-container .tab').allTextContents();
  assert.deepEqual(tabs, before.tabs, 'no editor was opened');
  assert.equal(await page.locator('.settings-editor').count(), 0, 'the settings editor was not opened');
  assert.equal(await page.locator('.monaco-dialog-box').count(), 0, 'no "open external link?" dialog');
  assert.equal(page.context().pages().length, before.pages, 'no browser tab was opened');
}

interface Baseline {
  readonly tabs: string[];
  readonly pages: number;
}

async function baseline(page: Page): Promise<Baseline> {
  return { tabs: await page.locator('.tabs-container .tab').allTextContents(), pages: page.context().pages().length };
}

describe('a hostile publisher, seen in the browser', () => {
  let redis: RedisServer;
  let session: Session;
  let page: Page;

  before(async () => {
    redis = await startRedis();
    const workspace = mkdtempSync(join(tmpdir(), 'tdtp-e2e-hostile-'));
    session = (await startCodeServer({
      vsixPaths: [vsix],
      workspaceFolder: workspace,
      userSettings: { 'tdtp.redis.port': redis.port, 'workbench.colorTheme': 'Default Dark Modern', 'workbench.startupEditor': 'none' },
      viewport: { width: 1400, height: 860 },
    })) as Session;
    page = session.page;
    page.on('dialog', (dialog) => void dialog.dismiss());
  });

  after(async () => {
    await session?.close();
    await redis?.dispose();
  });

  it('the failure toast has no link to click, and clicking all over it runs nothing', async () => {
    await step(page, 'toast', async () => {
      await page.waitForSelector('.activitybar', { timeout: 90_000 });
      const icon = page.locator('.activitybar .action-item a[aria-label^="TDTP"]').first();
      await icon.waitFor({ timeout: 60_000 });
      await icon.click();
      await page.locator('.pane-body .welcome-view, .pane-body .monaco-list').first().waitFor({ timeout: 60_000 });
      // Subscribed (the welcome view says so; with pipelines, the view's message): published before
      // that, the run would arrive as a state loaded at connect, which rightly raises no toast.
      await page.locator('.pane-body').getByText(/reconciled|Connected\. No pipeline has reported yet/).first().waitFor({ timeout: 60_000 });
      const before = await baseline(page);
      const client = await redis.client();
      const now = new Date();
      await publishResult(
        client,
        keys,
        {
          pipeline_name: links('pipeline'),
          result_name: RESULT_NAME,
          status: 'failed',
          package_uuid: links('uuid'),
          started_at: goTimeString(new Date(now.getTime() - 10)),
          finished_at: goTimeString(now),
          duration_ms: 10,
          rows_loaded: 1,
          rows_exported: 0,
          error: links('error'),
        },
        600,
      );
      const toast = page.locator('.notification-toast', { hasText: 'HOSTILE' }).first();
      await toast.waitFor({ timeout: 30_000 });
      const message = toast.locator('.notification-list-item-message');
      assert.match((await message.textContent()) ?? '', /\[open settings\]/, 'the link text is shown as text');
      assert.equal(await message.locator('a').count(), 0, 'no link in the message');
      assert.equal(await message.locator('.codicon').count(), 0, 'no icon drawn from the event');
      // Click whatever is clickable in the message, and the message itself, left to right.
      for (const anchor of await message.locator('a').all()) await anchor.click({ timeout: 2000 }).catch(() => {});
      const box = await message.boundingBox();
      assert.ok(box, 'the message is on screen');
      // Each click through the locator: Playwright waits for the toast to stop moving (it slides in)
      // and checks the point is on the message, so a click meant for the text never lands on a button.
      for (let x = 4; x < box.width; x += Math.max(8, box.width / 40)) await message.click({ position: { x, y: box.height / 2 }, timeout: 5000 });
      await page.screenshot({ path: join(results, 'hostile-toast.png') });
      await nothingRan(page, before);
    });
  });

  it('the tree row and its hover show the text, with nothing to click', async () => {
    await step(page, 'tree', async () => {
      const row = page.locator('.pane-body .monaco-list-row', { hasText: 'HOSTILE' }).first();
      await row.waitFor({ timeout: 30_000 });
      assert.match((await row.textContent()) ?? '', /\[open settings\]/);
      assert.equal(await row.locator('.codicon-alert').count(), 0, 'no $(alert) icon drawn');
      const before = await baseline(page);
      await row.locator('.label-name').first().hover();
      const hover = page.locator('.monaco-hover, .workbench-hover').first();
      await hover.waitFor({ timeout: 15_000 });
      assert.match((await hover.textContent()) ?? '', /open settings/);
      assert.equal(await hover.locator('a').count(), 0, 'no link in the hover');
      await page.mouse.move(0, 0);
      await nothingRan(page, before);
    });
  });

  it('the Poll quick pick lists the name without drawing its icon', async () => {
    await step(page, 'quickpick', async () => {
      await runPaletteCommand(page, 'TDTP: Poll Pipeline State');
      const item = page.locator('.quick-input-list .monaco-list-row', { hasText: 'HOSTILE' }).first();
      await item.waitFor({ timeout: 15_000 });
      assert.match((await item.textContent()) ?? '', /\$.?\(alert\)/, 'the $(alert) text is shown as text');
      assert.equal(await item.locator('.codicon-alert').count(), 0, 'no icon drawn from the event');
      await page.keyboard.press('Escape');
    });
  });
});
