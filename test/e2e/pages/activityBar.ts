// The activity bar: the TDTP icon that opens (and, clicked again, closes) the extension's view.
import type { Locator, Page } from 'playwright-core';

export class ActivityBar {
  /** The TDTP view's icon (its accessible name starts with the container's title). */
  readonly tdtpIcon: Locator;

  constructor(private readonly page: Page) {
    this.tdtpIcon = page.locator('.activitybar .action-item a[aria-label^="TDTP"]').first();
  }

  /**
   * The count badge on the TDTP icon: VS Code shows a view's badge (the requests inbox's pending
   * count) on its container's icon. `count`: the number it shows.
   */
  tdtpBadge(count: string): Locator {
    return this.page.locator('.activitybar .action-item:has(a[aria-label^="TDTP"]) .badge .badge-content', { hasText: new RegExp(`^${count}$`) }).first();
  }

  /** Waits for the workbench's activity bar (the first thing to wait for after start-up). */
  async waitForWorkbench(): Promise<void> {
    await this.page.waitForSelector('.activitybar', { timeout: 90_000 });
  }

  /** Opens the TDTP view by its icon (a click on a closed view). */
  async openTdtp(): Promise<void> {
    await this.waitForWorkbench();
    await this.tdtpIcon.waitFor({ timeout: 60_000 });
    await this.tdtpIcon.click();
  }

  /** Whether the TDTP view is the one shown in the side bar (a click would then close it). */
  async tdtpIsOpen(): Promise<boolean> {
    const checked = await this.page.locator('.activitybar .action-item.checked a[aria-label^="TDTP"]').count();
    return checked > 0 && (await this.page.locator('.part.sidebar').isVisible());
  }
}
