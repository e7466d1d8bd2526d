// The quick input: the command palette and quick picks.
import type { Locator, Page } from 'playwright-core';
// @ts-expect-error -- TS1479: a CommonJS file importing an ES module; tsx loads it, codeServer.d.mts types it
import { runPaletteCommand } from '../../support/codeServer.mjs';

export class QuickInput {
  constructor(private readonly page: Page) {}

  /** Runs a command by its title from the palette (F1), trying again while the palette is not ready. */
  runCommand(title: string): Promise<void> {
    return runPaletteCommand(this.page, title);
  }

  /** The text field of the open quick input (an input box's, or a quick pick's filter). */
  get input(): Locator {
    return this.page.locator('.quick-input-widget .quick-input-box input').first();
  }

  /** The text field of an open input box that hides what is typed (`password: true`). */
  get passwordInput(): Locator {
    return this.page.locator('.quick-input-widget .quick-input-box input[type="password"]').first();
  }

  /** The open quick input's title (e.g. the run form's `Run <scenario>`). */
  get title(): Locator {
    return this.page.locator('.quick-input-widget .quick-input-title').first();
  }

  /** Resolves once no quick input shows (the palette fades out after a command: screenshots wait for it). */
  async waitForClosed(): Promise<void> {
    await this.page.locator('.quick-input-widget').waitFor({ state: 'hidden' });
  }

  /** The first item of the open quick pick whose text holds `text`. */
  item(text: string | RegExp): Locator {
    return this.page.locator('.quick-input-list .monaco-list-row', { hasText: text }).first();
  }
}
