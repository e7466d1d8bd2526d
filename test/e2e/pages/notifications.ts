// Notification toasts (bottom right).
import type { Locator, Page } from 'playwright-core';

export class Notifications {
  constructor(private readonly page: Page) {}

  /** The first toast whose text holds `text`. */
  toast(text: string | RegExp): Locator {
    return this.page.locator('.notification-toast', { hasText: text }).first();
  }

  /** A toast's message (without its source and buttons). */
  message(toast: Locator): Locator {
    return toast.locator('.notification-list-item-message');
  }
}
