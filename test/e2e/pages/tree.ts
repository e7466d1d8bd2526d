// The TDTP view in the side bar: its tree rows (pipelines at level 1, their runs at level 2), its
// welcome view and messages, and its header.
import type { Locator, Page } from 'playwright-core';

const ROWS = '.pane-body .monaco-list-row';

export class PipelineTree {
  constructor(private readonly page: Page) {}

  /** The first row whose text holds `text` (a pipeline, a run, a group). */
  row(text: string | RegExp): Locator {
    return this.page.locator(ROWS, { hasText: text }).first();
  }

  /** The first row whose accessible name starts with `prefix` (e.g. a namespace group's). */
  rowLabelled(prefix: string): Locator {
    return this.page.locator(`${ROWS}[aria-label^=${JSON.stringify(prefix)}]`).first();
  }

  /** The top-level row of a pipeline. */
  pipeline(resultName: string): Locator {
    return this.page.locator(`${ROWS}[aria-level="1"]`, { hasText: resultName }).first();
  }

  /** Every run row (level 2), top to bottom. */
  get runs(): Locator {
    return this.page.locator(`${ROWS}[aria-level="2"]`);
  }

  /** Waits until `count` run rows show, each matching `text` when given. */
  async waitForRuns(count: number, text: RegExp | undefined, timeoutMs: number): Promise<void> {
    await this.page.waitForFunction(
      ([selector, wanted, source, flags]) =>
        Array.from(document.querySelectorAll(selector)).filter((r) => source === null || new RegExp(source, flags).test(r.textContent ?? '')).length >= wanted,
      [`${ROWS}[aria-level="2"]`, count, text?.source ?? null, text?.flags ?? ''] as const,
      { timeout: timeoutMs },
    );
  }

  /** Expands a row unless it is expanded already. */
  async expand(row: Locator): Promise<void> {
    if ((await row.getAttribute('aria-expanded')) !== 'true') await row.locator('.monaco-tl-twistie').click();
  }

  /** The welcome view or the tree: whichever the view shows first. */
  get content(): Locator {
    return this.page.locator('.pane-body .welcome-view, .pane-body .monaco-list').first();
  }

  /** Text in the view (a welcome view's words, the view's message). */
  text(pattern: RegExp): Locator {
    return this.page.locator('.pane-body').getByText(pattern).first();
  }

  /** A view's header by its (localized) title; a lone view's header is hidden but keeps its name. */
  header(titlePrefix: string): Locator {
    return this.page.locator(`.pane-header[aria-label^=${JSON.stringify(titlePrefix)}]`).first();
  }
}
