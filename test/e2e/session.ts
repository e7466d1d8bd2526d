// One setup for every ring-3 file: code-server with the packaged VSIX installed, a fresh
// workspace, the settings that point the extension at a test redis-server, and the workbench
// open in Chromium; and tdtp-emit for publishing as a person would.
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import type { Page } from 'playwright-core';
import type { RedisServer } from '../support/redisServer';
import { Workbench } from './pages/workbench';

const run = promisify(execFile);
const ROOT = resolve(__dirname, '..', '..');
const MANIFEST = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { name: string; version: string };
/** What `npm run package` makes: the extension as a person installs it. */
const VSIX = join(ROOT, `${MANIFEST.name}-${MANIFEST.version}.vsix`);

export interface Session {
  readonly page: Page;
  readonly workbench: Workbench;
  /** The profile's user data (settings, the extension's global storage). */
  readonly userDataDir: string;
  /** Closes the browser and code-server, and removes the profile and the workspace. */
  close(): Promise<void>;
}

export interface SessionOptions {
  /** Display language (a minimal language pack is installed for it). */
  locale?: string;
  /** Fills the workspace folder before code-server opens it. */
  prepareWorkspace?(dir: string): void;
  /** More user settings, over the session's own. */
  settings?: Record<string, unknown>;
  /** Settings of machine scope (`tdtp.cli.path`): code-server reads them only from the machine's settings. */
  machineSettings?: Record<string, unknown>;
}

/** Starts code-server with the VSIX, watching `redis`, and opens the workbench. */
export async function openSession(redis: RedisServer, options: SessionOptions = {}): Promise<Session> {
  const { startCodeServer } = await import('../support/codeServer.mjs');
  const workspace = mkdtempSync(join(tmpdir(), 'tdtp-e2e-ws-'));
  try {
    options.prepareWorkspace?.(workspace);
    const session = await startCodeServer({
      vsixPaths: [VSIX],
      workspaceFolder: workspace,
      locale: options.locale,
      userSettings: { 'tdtp.redis.port': redis.port, 'workbench.colorTheme': 'Default Dark Modern', ...options.settings },
      machineSettings: options.machineSettings,
      viewport: { width: 1400, height: 860 },
    });
    const page = session.page as Page; // opened: openBrowser is not false
    return {
      page,
      workbench: new Workbench(page),
      userDataDir: session.userDataDir,
      async close() {
        await session.close();
        rmSync(workspace, { recursive: true, force: true });
      },
    };
  } catch (err) {
    rmSync(workspace, { recursive: true, force: true });
    throw err;
  }
}

/** Publishes a result with the terminal tool, as a person (or tdtpcli) would: `tdtp-emit --port … args`. */
export async function emit(redis: RedisServer, args: string[]): Promise<void> {
  await run(process.execPath, [join(ROOT, 'dist', 'tdtp-emit.js'), '--port', String(redis.port), '--quiet', ...args]);
}
