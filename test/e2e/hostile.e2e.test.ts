// Ring 3: a hostile publisher, seen in the browser. Link-shaped text in every field of a failed
// event must reach the toast, the tree, its hover and the quick pick as text: nothing to click,
// no icon drawn, and clicking whatever the toast offers runs nothing of the publisher's.
import * as assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Page } from 'playwright-core';
import { KeySpace } from '../../src/core/keySpace';
import { goTimeString, publishResult } from '../../src/core/publish';
import type { RedisServer } from '../support/redisServer';
import { startRedis } from '../support/redisServer';
import type { Workbench } from './pages/workbench';
import type { Session } from './session';
import { openSession } from './session';

const keys = new KeySpace('tdtp:pipeline');

/** Each field carries links a click would follow: two commands that open an editor, a web page, a file. */
function links(field: string): string {
  return `${field} [open settings](command:workbench.action.openSettings) [new file](command:workbench.action.files.newUntitledFile) [site](https://evil.example/${field}) [passwd](file:///etc/passwd) $(alert)`;
}

const RESULT_NAME = `HOSTILE [x](command:workbench.action.openSettings) $(alert)`;

/** What would show that something ran: an editor tab (settings, untitled, a file), a dialog, a new page. */
async function nothingRan(workbench: Workbench, before: Baseline): Promise<void> {
  const { editor, overlays, page } = workbench;
  assert.deepEqual(await editor.tabTitles(), before.tabs, 'no editor was opened');
  assert.equal(await editor.settingsEditor.count(), 0, 'the settings editor was not opened');
  assert.equal(await overlays.dialog.count(), 0, 'no "open external link?" dialog');
  assert.equal(page.context().pages().length, before.pages, 'no browser tab was opened');
}

interface Baseline {
  readonly tabs: string[];
  readonly pages: number;
}

async function baseline(workbench: Workbench): Promise<Baseline> {
  return { tabs: await workbench.editor.tabTitles(), pages: workbench.page.context().pages().length };
}

describe('a hostile publisher, seen in the browser', () => {
  let redis: RedisServer;
  let session: Session;
  let page: Page;
  let workbench: Workbench;

  before(async () => {
    redis = await startRedis();
    session = await openSession(redis, { settings: { 'workbench.startupEditor': 'none' } });
    ({ page, workbench } = session);
    page.on('dialog', (dialog) => void dialog.dismiss());
  });

  after(async () => {
    await session?.close();
    await redis?.dispose();
  });

  it('the failure toast has no link to click, and clicking all over it runs nothing', async () => {
    await workbench.step('hostile-toast', async () => {
      await workbench.openTdtpView();
      await workbench.tree.content.waitFor({ timeout: 60_000 });
      // Subscribed (the welcome view says so; with pipelines, the view's message): published before
      // that, the run would arrive as a state loaded at connect, which rightly raises no toast.
      await workbench.tree.text(/reconciled|Connected\. No pipeline has reported yet/).waitFor({ timeout: 60_000 });
      const before = await baseline(workbench);
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
      const toast = workbench.notifications.toast('HOSTILE');
      await toast.waitFor({ timeout: 30_000 });
      const message = workbench.notifications.message(toast);
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
      await workbench.screenshot('hostile-toast');
      await nothingRan(workbench, before);
    });
  });

  it('the tree row and its hover show the text, with nothing to click', async () => {
    await workbench.step('hostile-tree', async () => {
      const row = workbench.tree.row('HOSTILE');
      await row.waitFor({ timeout: 30_000 });
      assert.match((await row.textContent()) ?? '', /\[open settings\]/);
      assert.equal(await row.locator('.codicon-alert').count(), 0, 'no $(alert) icon drawn');
      const before = await baseline(workbench);
      await row.locator('.label-name').first().hover();
      const hover = workbench.overlays.hover;
      await hover.waitFor({ timeout: 15_000 });
      assert.match((await hover.textContent()) ?? '', /open settings/);
      assert.equal(await hover.locator('a').count(), 0, 'no link in the hover');
      await page.mouse.move(0, 0);
      await nothingRan(workbench, before);
    });
  });

  it('the Poll quick pick lists the name without drawing its icon', async () => {
    await workbench.step('hostile-quickpick', async () => {
      await workbench.quickInput.runCommand('TDTP: Poll Pipeline State');
      const item = workbench.quickInput.item('HOSTILE');
      await item.waitFor({ timeout: 15_000 });
      assert.match((await item.textContent()) ?? '', /\$.?\(alert\)/, 'the $(alert) text is shown as text');
      assert.equal(await item.locator('.codicon-alert').count(), 0, 'no icon drawn from the event');
      await page.keyboard.press('Escape');
    });
  });
});
