// The VS Code workbench as a person sees it, in parts (as microsoft/vscode's test/automation has
// them): each part owns its selectors, so that a test names what it looks at, not how to find it.
import { copyFileSync, mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Page } from 'playwright-core';
import { ActivityBar } from './activityBar';
import { DetailPanel } from './detailPanel';
import { Editor, Overlays, Problems } from './editor';
import { Notifications } from './notifications';
import { OrchestratorRequestsView, OrchestratorView } from './orchestrator';
import { QuickInput } from './quickInput';
import { PipelineTree } from './tree';

const ROOT = resolve(__dirname, '..', '..', '..');
/** Screenshots of every run, and of every failed step. */
export const RESULTS_DIR = join(ROOT, 'test-results', 'e2e');
/** README screenshots are refreshed from a real run with UPDATE_SCREENSHOTS=1. */
const updateScreenshots = process.env.UPDATE_SCREENSHOTS === '1';

export class Workbench {
  readonly activityBar: ActivityBar;
  readonly tree: PipelineTree;
  readonly notifications: Notifications;
  readonly quickInput: QuickInput;
  readonly editor: Editor;
  readonly problems: Problems;
  readonly overlays: Overlays;
  readonly panel: DetailPanel;
  readonly orchestrator: OrchestratorView;
  readonly orchestratorRequests: OrchestratorRequestsView;

  constructor(readonly page: Page) {
    this.activityBar = new ActivityBar(page);
    this.tree = new PipelineTree(page);
    this.notifications = new Notifications(page);
    this.quickInput = new QuickInput(page);
    this.editor = new Editor(page);
    this.problems = new Problems(page);
    this.overlays = new Overlays(page);
    this.panel = new DetailPanel(page);
    this.orchestrator = new OrchestratorView(page);
    this.orchestratorRequests = new OrchestratorRequestsView(page);
  }

  /** Opens the TDTP view, as a person clicks its activity-bar icon. */
  async openTdtpView(): Promise<void> {
    await this.activityBar.openTdtp();
  }

  /** Sets the orchestrator's token as a person does: *TDTP: Set Orchestrator Token*, typed into its password box. */
  async setOrchestratorToken(token: string): Promise<void> {
    await this.quickInput.runCommand('TDTP: Set Orchestrator Token');
    // The palette's box turns into the token's: a password box (waited for, so never typed into the palette).
    await this.quickInput.title.filter({ hasText: 'TDTP: Orchestrator token' }).waitFor();
    await this.quickInput.passwordInput.waitFor();
    await this.page.keyboard.type(token);
    await this.page.keyboard.press('Enter');
  }

  /** Widens the side bar by `px`, as a person drags its edge (for screenshots whose rows should not be cut). */
  async widenSideBar(px: number): Promise<void> {
    const box = await this.page.locator('.part.sidebar').boundingBox();
    if (!box) throw new Error('the side bar is not shown');
    const x = box.x + box.width;
    const y = box.y + box.height / 2;
    await this.page.mouse.move(x, y);
    await this.page.mouse.down();
    await this.page.mouse.move(x + px, y, { steps: 5 });
    await this.page.mouse.up();
    // Off the sash (it stays highlighted until a later click elsewhere: widen before other steps).
    await this.page.mouse.move(x + px + 300, y);
  }

  /** A screenshot in test-results/e2e/<name>.png; `readme`: also the README's, with UPDATE_SCREENSHOTS=1. */
  async screenshot(name: string, readme = false): Promise<void> {
    mkdirSync(RESULTS_DIR, { recursive: true });
    const file = join(RESULTS_DIR, `${name}.png`);
    await this.page.screenshot({ path: file });
    if (readme && updateScreenshots) copyFileSync(file, join(ROOT, 'media', 'screenshots', `${name}.png`));
  }

  /** Runs a step of a test; a failing step leaves test-results/e2e/FAILED-<name>.png behind. */
  async step<T>(name: string, body: () => Promise<T>): Promise<T> {
    try {
      return await body();
    } catch (err) {
      mkdirSync(RESULTS_DIR, { recursive: true });
      await this.page.screenshot({ path: join(RESULTS_DIR, `FAILED-${name}.png`) }).catch(() => {});
      throw err;
    }
  }
}
