// Types of codeServer.mjs for its TypeScript callers (the ring-3 pages, `npm run demo`): the part
// they use. From a CommonJS .ts file, load it with `await import('…/codeServer.mjs')` and import its
// types with `with { 'resolution-mode': 'import' }`.
import type { ChildProcess } from 'node:child_process';
import type { Browser, BrowserContext, Page } from 'playwright-core';

export const DEFAULT_USER_SETTINGS: Record<string, unknown>;

export function resolveTools(): { toolsDir: string; node24: string; codeServerDir: string; codeServerEntry: string; chromium: string; playwrightCoreDir: string };

export function installExtensions(options: { vsixPaths: string[]; userDataDir: string; extensionsDir: string; env?: Record<string, string | undefined> }): Promise<string>;

export interface CodeServer {
  url: string;
  port: number;
  pid: number;
  process: ChildProcess;
  userDataDir: string;
  extensionsDir: string;
  output(): string;
  exited: Promise<number | string>;
  close(): Promise<void>;
}

export function launchCodeServer(options: {
  userDataDir: string;
  extensionsDir: string;
  workspaceFolder?: string;
  env?: Record<string, string | undefined>;
  locale?: string;
  trustWorkspace?: boolean;
  extraArgs?: string[];
  startTimeoutMs?: number;
}): Promise<CodeServer>;

export interface CodeServerSession {
  url: string;
  port: number;
  tmpRoot: string;
  userDataDir: string;
  extensionsDir: string;
  server: CodeServer;
  browser: Browser | undefined;
  context: BrowserContext | undefined;
  /** The workbench page (undefined with openBrowser: false). */
  page: Page | undefined;
  serverOutput(): string;
  consoleOutput(): string;
  extensionHostLogs(): Promise<string[]>;
  collectLogs(resultsDir: string, label?: string): Promise<string[]>;
  close(): Promise<void>;
}

export function startCodeServer(options: {
  vsixPaths?: string[];
  extensionDirs?: string[];
  workspaceFolder: string;
  env?: Record<string, string | undefined>;
  userSettings?: Record<string, unknown>;
  /** Settings of machine scope (code-server reads them only from Machine/settings.json). */
  machineSettings?: Record<string, unknown>;
  locale?: string;
  trustWorkspace?: boolean;
  openBrowser?: boolean;
  keepTemp?: boolean;
  viewport?: { width: number; height: number };
  timeoutMs?: number;
}): Promise<CodeServerSession>;

export function runPaletteCommand(page: Page, title: string): Promise<void>;

/** Whether a process (or, with a negative pid, a process group) is still there. */
export function processAlive(pid: number): boolean;

/** SIGTERM, up to `graceMs` for the pids (negative: process groups) to go, then SIGKILL. */
export function terminateProcesses(pids: number[], graceMs?: number): Promise<void>;
