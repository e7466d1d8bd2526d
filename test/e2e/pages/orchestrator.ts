// The Orchestrator view (`tdtp.orchestrator`) in the TDTP side bar: every selector is scoped to its
// own pane (found by its header's name), so nothing here can match a row of the Pipelines view.
// Rows as src/vscode/orchestrator/items.ts draws them: the groups Jobs, Scenarios and Schedules at
// level 1; a job's accessible name is "<scenario>, <status> · <elapsed> · <who started it>".
// The requests inbox (`tdtp.orchestratorRequests`, src/vscode/orchestrator/requestsView.ts) is a
// pane of its own: `OrchestratorRequestsView`, its rows named "Pending request <title> for
// <scenario> from <submitter>".
import type { Locator, Page } from 'playwright-core';

export class OrchestratorView {
  /** The view's pane: its header and its body. */
  readonly pane: Locator;

  constructor(private readonly page: Page, title = 'Orchestrator') {
    this.pane = page.locator(`.pane:has(> .pane-header[aria-label^=${JSON.stringify(title)}])`).first();
  }

  /** The pane's header (its title actions show on hover). */
  get header(): Locator {
    return this.pane.locator('.pane-header').first();
  }

  private rows(level: 1 | 2, attrs = ''): Locator {
    return this.pane.locator(`.pane-body .monaco-list-row[aria-level="${level}"]${attrs}`);
  }

  private labelled(level: 1 | 2, label: string): Locator {
    return this.rows(level).filter({ has: this.page.locator('.label-name', { hasText: new RegExp(`^${label}$`) }) });
  }

  /** A group row: `Jobs`, `Scenarios` or `Schedules` (its description counts them). */
  group(label: string): Locator {
    return this.labelled(1, label).first();
  }

  /** The health line (`Orchestrator` with what /healthz says). */
  get health(): Locator {
    return this.labelled(1, 'Orchestrator').first();
  }

  /** A job row of `scenario` whose status (the start of its description) matches `status`, e.g. `running`, `stopping…`. */
  job(scenario: string, status: string): Locator {
    return this.rows(2, `[aria-label^=${JSON.stringify(`${scenario}, ${status}`)}]`).first();
  }

  /** A scenario row (level 2, the play icon of a runnable one or the slash of a blocked one). */
  scenario(name: string): Locator {
    return this.labelled(2, name)
      .filter({ has: this.page.locator('.codicon-play-circle, .codicon-circle-slash') })
      .first();
  }

  /** Text anywhere in the pane (a welcome view's words, a row's description). */
  text(pattern: RegExp): Locator {
    return this.pane.locator('.pane-body').getByText(pattern).first();
  }

  /** A welcome view's button (e.g. `Set Orchestrator Token`). */
  welcomeButton(label: string): Locator {
    return this.pane.locator('.welcome-view .monaco-button', { hasText: label }).first();
  }

  /** Clicks a row's inline action (`Run Scenario`, `Stop Job`…), shown on hover. */
  async inlineAction(row: Locator, title: string): Promise<void> {
    await row.hover();
    await row.locator(`.actions .action-label[aria-label^=${JSON.stringify(title)}]`).click();
  }

  /** Runs a scenario by its row's ▷ action: the run form opens for its parameters. */
  runScenario(name: string): Promise<void> {
    return this.inlineAction(this.scenario(name), 'Run Scenario');
  }

  /** Asks to stop a running job by its row's ■ action (a modal asks to confirm). */
  stopJob(scenario: string): Promise<void> {
    return this.inlineAction(this.job(scenario, 'running'), 'Stop Job');
  }
}

/** The requests inbox (`tdtp.orchestratorRequests`): every selector scoped to its own pane. */
export class OrchestratorRequestsView {
  readonly pane: Locator;

  constructor(page: Page, title = 'Orchestrator Requests') {
    this.pane = page.locator(`.pane:has(> .pane-header[aria-label^=${JSON.stringify(title)}])`).first();
  }

  /** The pane's header. */
  get header(): Locator {
    return this.pane.locator('.pane-header').first();
  }

  /** A pending request's row by the start of its accessible name's title (its title, or its scenario without one). */
  request(title: string): Locator {
    return this.pane.locator(`.pane-body .monaco-list-row[aria-label^=${JSON.stringify(`Pending request ${title}`)}]`).first();
  }

  /** Every request row shown. */
  get requests(): Locator {
    return this.pane.locator('.pane-body .monaco-list-row');
  }

  /** Text anywhere in the pane (the welcome view's words). */
  text(pattern: RegExp): Locator {
    return this.pane.locator('.pane-body').getByText(pattern).first();
  }

  /** Clicks a request row's inline action (`Test Request`, `Approve and Run Request`…), shown on hover. */
  async inlineAction(row: Locator, title: string): Promise<void> {
    await row.hover();
    await row.locator(`.actions .action-label[aria-label^=${JSON.stringify(title)}]`).click();
  }

  /** Clicks a pending request's ✓ action: a modal asks to approve and run it (the caller answers it). */
  approve(title: string): Promise<void> {
    return this.inlineAction(this.request(title), 'Approve and Run Request');
  }
}
