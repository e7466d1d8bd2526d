// The editor area (tabs, text lines, code lenses, the settings editor), the Problems panel, hovers
// and modal dialogs.
import type { Locator, Page } from 'playwright-core';

export class Editor {
  /** The settings editor, when it is open. */
  readonly settingsEditor: Locator;

  constructor(private readonly page: Page) {
    this.settingsEditor = page.locator('.settings-editor');
  }

  /** The titles of the open editor tabs, left to right. */
  tabTitles(): Promise<string[]> {
    return this.page.locator('.tabs-container .tab').allTextContents();
  }

  /** The first code lens (its link) whose text holds `text`. */
  codeLens(text: string | RegExp): Locator {
    return this.page.locator('.codelens-decoration a', { hasText: text }).first();
  }

  /** The first code lens without a command (a plain label, drawn as a span, not a link) whose text holds `text`. */
  codeLensLabel(text: string | RegExp): Locator {
    return this.page.locator('.codelens-decoration > span', { hasText: text }).first();
  }

  /** The texts of every code lens shown, links and labels (for messages when an expected one is missing). */
  async codeLensTexts(): Promise<string[]> {
    const texts = await this.page.locator('.codelens-decoration > a, .codelens-decoration > span').allTextContents();
    // Not the separators (` | ` spans between lenses).
    return texts.map((t) => t.trim()).filter((t) => t !== '|' && t !== '');
  }

  /** Types `typed` at the end of the first line holding `text`, as a person clicks into it and presses End. */
  async typeAtEndOf(text: string | RegExp, typed: string): Promise<void> {
    await this.line(text).click();
    await this.page.keyboard.press('End');
    await this.page.keyboard.type(typed);
  }

  /** Saves the active editor (Ctrl+S, as a person types it) and waits until its tab is no longer dirty. */
  async save(): Promise<void> {
    await this.page.keyboard.press('Control+S');
    await this.page.locator('.tabs-container .tab.active.dirty').waitFor({ state: 'detached' });
  }

  /** The first text line of the visible editor that holds `text`. */
  line(text: string | RegExp): Locator {
    return this.page.locator('.view-line', { hasText: text }).first();
  }
}

export class Problems {
  constructor(private readonly page: Page) {}

  /** The first row of the Problems panel whose text holds `text`. */
  row(text: string | RegExp): Locator {
    return this.page.locator('.markers-panel .monaco-list-row', { hasText: text }).first();
  }
}

/** A hover (the workbench's or an editor's), and a modal dialog (e.g. "open external link?"). */
export class Overlays {
  readonly hover: Locator;
  readonly dialog: Locator;

  constructor(page: Page) {
    this.hover = page.locator('.monaco-hover, .workbench-hover').first();
    this.dialog = page.locator('.monaco-dialog-box');
  }

  /** A button of the modal dialog by its whole text (e.g. `Stop`, `Cancel`). */
  dialogButton(label: string): Locator {
    return this.dialog.locator('.monaco-button', { hasText: new RegExp(`^${label}$`) }).first();
  }
}
