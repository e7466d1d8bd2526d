// The detail panel of a pipeline: a webview, whose document sits in the active frame of the last
// ready webview iframe. Its parts by what they show, so that the tests name no selector.
import type { FrameLocator, Locator, Page } from 'playwright-core';

export class DetailPanel {
  /** The panel's document (for what only one test looks at). */
  readonly frame: FrameLocator;

  constructor(page: Page) {
    this.frame = page.frameLocator('iframe.webview.ready').last().frameLocator('#active-frame');
  }

  /** The pipeline's heading; with `text`, only when it holds it. */
  heading(text?: string): Locator {
    return text === undefined ? this.frame.locator('h1') : this.frame.locator('h1', { hasText: text });
  }

  /** Waits for the panel of `resultName`. */
  async waitFor(resultName: string, timeoutMs = 30_000): Promise<void> {
    await this.heading(resultName).waitFor({ timeout: timeoutMs });
  }

  /** The status badge of the latest run, e.g. `failed`, `dq_warning`. */
  badge(status: string): Locator {
    return this.frame.locator(`.badge.status-${status}`);
  }

  /** The latest run's error text. */
  get error(): Locator {
    return this.frame.locator('pre.error');
  }

  /** The runs of the history table. */
  get historyRows(): Locator {
    return this.frame.locator('tbody tr');
  }

  /** The two charts' canvases (duration, rows), drawn by uPlot. */
  get charts(): Locator {
    return this.frame.locator('.uplot canvas');
  }

  /** Waits for both charts. */
  async waitForCharts(timeoutMs = 15_000): Promise<void> {
    await this.charts.nth(1).waitFor({ timeout: timeoutMs });
  }

  /** Each chart's time axis: its tick labels written out as text ("10:00:10 · 10:00:20"). */
  get timeAxes(): Locator {
    return this.frame.locator('.time-ticks');
  }

  /** Each chart's value axis, written out as text like the time axis (the duration chart first). */
  get valueAxes(): Locator {
    return this.frame.locator('.value-ticks');
  }

  /** The trend in words: success rate, usual duration. */
  get trend(): Locator {
    return this.frame.locator('dl.trend');
  }

  /** The first chart's key. */
  get legend(): Locator {
    return this.frame.locator('.legend').first();
  }

  /** The state key's time to live, counting down. */
  get ttl(): Locator {
    return this.frame.locator('#ttl');
  }

  /** A button of the panel by its text. */
  button(text: string): Locator {
    return this.frame.locator('button', { hasText: text });
  }
}
