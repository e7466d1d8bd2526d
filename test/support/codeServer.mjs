// Harness that runs tests inside a real VS Code: code-server (VS Code in the browser, with a real
// Node extension host), opened in Debian's chromium driven by playwright-core.
//
// Plain ESM JavaScript so it runs with plain `node` (no TypeScript step). The tools come from
// <repo>/.vscode-tools/, installed by `bash scripts/setup-vscode-tools.sh`.
//
// Two ways to use it:
//   * runInCodeServer(...)  - ring 2: runs a test module (exports.run(), the @vscode/test-electron
//     extensionTestsPath contract) inside the extension host via the test-only extension in
//     test/support/vscode-test-runner, and returns its result JSON.
//   * startCodeServer(...)  - ring 3: starts code-server + chromium and hands back the Playwright
//     `page` for end-to-end UI tests; call `close()` when done.

import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const HERE = path.dirname(fileURLToPath(import.meta.url));
export const REPO_ROOT = path.resolve(HERE, '..', '..');
export const TEST_RUNNER_DIR = path.join(HERE, 'vscode-test-runner');
export const EXTENSION_UNDER_TEST_ID = 'tdtp.tdtp-pipeline-viewer';

export const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-dev-shm-usage',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
  '--disable-quic',
];

/** Settings written to <user-data-dir>/User/settings.json unless overridden by `userSettings`. */
export const DEFAULT_USER_SETTINGS = {
  'telemetry.telemetryLevel': 'off',
  'update.mode': 'none',
  'extensions.autoUpdate': false,
  'extensions.autoCheckUpdates': false,
  'extensions.ignoreRecommendations': true,
  'workbench.startupEditor': 'none',
  'workbench.enableExperiments': false,
  'workbench.tips.enabled': false,
  'chat.disableAIFeatures': true,
  'workbench.secondarySideBar.defaultVisibility': 'hidden',
};

const log = (...args) => {
  if (process.env.TDTP_HARNESS_QUIET !== '1') console.error('[codeServer]', ...args);
};

// ------------------------------------------------------------------------------------------------
// Tools

/**
 * Paths of the tools installed by scripts/setup-vscode-tools.sh. Throws a clear error if missing.
 * @returns {{toolsDir: string, node24: string, codeServerDir: string, codeServerEntry: string,
 *   chromium: string, playwrightCoreDir: string}}
 */
export function resolveTools() {
  const toolsDir = process.env.VSCODE_TOOLS_DIR || path.join(REPO_ROOT, '.vscode-tools');
  const tools = {
    toolsDir,
    node24: path.join(toolsDir, 'node24', 'bin', 'node'),
    codeServerDir: path.join(toolsDir, 'code-server', 'node_modules', 'code-server'),
    codeServerEntry: path.join(toolsDir, 'code-server', 'node_modules', 'code-server', 'out', 'node', 'entry.js'),
    chromium: process.env.TDTP_CHROMIUM || '/usr/bin/chromium',
    playwrightCoreDir: path.join(toolsDir, 'node_modules', 'playwright-core'),
  };
  const missing = ['node24', 'codeServerEntry', 'chromium', 'playwrightCoreDir'].filter((k) => !fs.existsSync(tools[k]));
  if (missing.length) {
    throw new Error(
      `VS Code test tools missing (${missing.map((k) => tools[k]).join(', ')}). ` +
        `Run: bash ${path.relative(process.cwd(), path.join(REPO_ROOT, 'scripts', 'setup-vscode-tools.sh')) || 'scripts/setup-vscode-tools.sh'}`,
    );
  }
  return tools;
}

let playwrightCache;
/** playwright-core, loaded from .vscode-tools/node_modules (not a project dependency). */
export function loadPlaywright() {
  if (!playwrightCache) {
    const { toolsDir } = resolveTools();
    const require = createRequire(path.join(toolsDir, 'package.json'));
    playwrightCache = require('playwright-core');
  }
  return playwrightCache;
}

// ------------------------------------------------------------------------------------------------
// Small process helpers

/** Environment without variables that would make code-server / node misbehave when inherited. */
function cleanEnv(extra = {}) {
  const env = {};
  for (const [k, v] of Object.entries(process.env)) {
    if (v === undefined) continue;
    if (k.startsWith('VSCODE_') || k === 'ELECTRON_RUN_AS_NODE' || k === 'NODE_OPTIONS') continue;
    env[k] = v;
  }
  for (const [k, v] of Object.entries(extra)) {
    if (v === undefined || v === null) delete env[k];
    else env[k] = String(v);
  }
  return env;
}

function runCommand(cmd, args, { cwd, env, timeoutMs = 120_000 } = {}) {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d) => { out += d; });
    child.stderr.on('data', (d) => { out += d; });
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`${path.basename(cmd)} ${args.join(' ')} timed out after ${timeoutMs} ms\n${out}`));
    }, timeoutMs);
    child.on('error', (err) => { clearTimeout(timer); reject(err); });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      if (code === 0) resolve(out);
      else reject(new Error(`${path.basename(cmd)} ${args.join(' ')} failed (exit ${code ?? signal})\n${out}`));
    });
  });
}

// Process groups of code-servers still running and temp dirs still in use: killed / removed if
// this process exits abruptly (uncaught error, Ctrl-C, SIGTERM from a CI timeout).
const liveGroups = new Set();
const liveTempDirs = new Set();
let exitHookInstalled = false;
function emergencyCleanup() {
  for (const g of liveGroups) {
    try { process.kill(-g, 'SIGKILL'); } catch { /* gone */ }
  }
  liveGroups.clear();
  for (const d of liveTempDirs) {
    try { fs.rmSync(d, { recursive: true, force: true }); } catch { /* best effort */ }
  }
  liveTempDirs.clear();
}
function installExitHook() {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.on('exit', emergencyCleanup);
  for (const sig of ['SIGINT', 'SIGTERM']) {
    process.once(sig, () => {
      emergencyCleanup();
      process.kill(process.pid, sig); // default action now that our handler is gone
    });
  }
}
function trackGroup(pid) {
  installExitHook();
  liveGroups.add(pid);
}
function trackTempDir(dir) {
  installExitHook();
  liveTempDirs.add(dir);
}
async function removeTempDir(dir) {
  await fsp.rm(dir, { recursive: true, force: true }).catch(() => {});
  liveTempDirs.delete(dir);
}

/** Whether a process (or, with a negative pid, a process group) is still there. */
export function processAlive(pid) {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return err.code === 'EPERM';
  }
}

/**
 * SIGTERM to each pid (a negative one names a process group), up to `graceMs` for them to go,
 * then SIGKILL to what is left. Never throws for a process that is already gone.
 * @param {number[]} pids
 */
export async function terminateProcesses(pids, graceMs = 5000) {
  const signal = (pid, sig) => {
    try { process.kill(pid, sig); } catch { /* gone */ }
  };
  for (const pid of pids) signal(pid, 'SIGTERM');
  const until = Date.now() + graceMs;
  while (pids.some(processAlive) && Date.now() < until) await sleep(100);
  for (const pid of pids.filter(processAlive)) signal(pid, 'SIGKILL');
  const until2 = Date.now() + 2000;
  while (pids.some(processAlive) && Date.now() < until2) await sleep(50);
}

async function killGroup(child, graceMs = 5000) {
  const pid = child.pid;
  if (!pid) return;
  const exited = child.exitCode !== null || child.signalCode !== null;
  if (!exited || processAlive(-pid)) await terminateProcesses([-pid], graceMs);
  liveGroups.delete(pid);
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

// ------------------------------------------------------------------------------------------------
// Extensions

/**
 * Packages an extension folder into a VSIX with @vscode/vsce (from the repo's node_modules).
 * @param {string} extensionDir folder with package.json
 * @param {{out?: string, packageJsonPatch?: object}} [opts] packageJsonPatch: fields merged into
 *   a temporary copy of package.json before packaging (the folder itself is not modified)
 * @returns {Promise<string>} path of the VSIX
 */
export async function packageExtension(extensionDir, { out, packageJsonPatch } = {}) {
  const require = createRequire(path.join(REPO_ROOT, 'package.json'));
  let vsceDir;
  try {
    vsceDir = path.dirname(require.resolve('@vscode/vsce/package.json'));
  } catch {
    throw new Error('@vscode/vsce not found in the repo node_modules (run npm ci)');
  }
  const vsceBin = path.join(vsceDir, 'vsce');
  const work = await fsp.mkdtemp(path.join(os.tmpdir(), 'tdtp-vsix-'));
  try {
    let srcDir = extensionDir;
    if (packageJsonPatch) {
      srcDir = path.join(work, 'src');
      await fsp.cp(extensionDir, srcDir, { recursive: true, filter: (p) => !p.includes(`${path.sep}node_modules${path.sep}`) });
      const pj = JSON.parse(await fsp.readFile(path.join(srcDir, 'package.json'), 'utf8'));
      await fsp.writeFile(path.join(srcDir, 'package.json'), JSON.stringify({ ...pj, ...packageJsonPatch }, null, 2));
    }
    const pj = JSON.parse(await fsp.readFile(path.join(srcDir, 'package.json'), 'utf8'));
    const outFile = path.resolve(out || path.join(os.tmpdir(), `${pj.publisher}.${pj.name}-${pj.version}-${process.pid}-${Date.now()}.vsix`));
    await fsp.mkdir(path.dirname(outFile), { recursive: true });
    await runCommand(
      process.execPath,
      [vsceBin, 'package', '--no-dependencies', '--allow-missing-repository', '--skip-license', '--allow-star-activation', '--out', outFile],
      { cwd: srcDir, env: cleanEnv(), timeoutMs: 120_000 },
    );
    return outFile;
  } finally {
    await fsp.rm(work, { recursive: true, force: true });
  }
}

/**
 * Installs VSIX files with `code-server --install-extension` (in the given order, one CLI call).
 * @returns {Promise<string>} CLI output
 */
export async function installExtensions({ vsixPaths, userDataDir, extensionsDir, env = {} }) {
  if (!vsixPaths.length) return '';
  const tools = resolveTools();
  for (const v of vsixPaths) {
    if (!fs.existsSync(v)) throw new Error(`VSIX not found: ${v}`);
  }
  const args = [tools.codeServerEntry, '--user-data-dir', userDataDir, '--extensions-dir', extensionsDir];
  for (const v of vsixPaths) args.push('--install-extension', path.resolve(v));
  args.push('--force');
  const out = await runCommand(tools.node24, args, {
    env: cleanEnv({ ...env, PATH: `${path.dirname(tools.node24)}${path.delimiter}${process.env.PATH || ''}` }),
    timeoutMs: 180_000,
  });
  for (const v of vsixPaths) {
    if (!out.includes(`'${path.basename(v)}' was successfully installed`)) {
      throw new Error(`installing ${v} did not report success:\n${out}`);
    }
  }
  return out;
}

/**
 * Creates a minimal test-only language pack for `locale` (VS Code's own strings stay English, but
 * vscode.env.language becomes `locale` and the extension's package.nls.<locale>.json / l10n bundle
 * are used). Returns the VSIX path and the pack's id.
 */
async function buildLanguagePack(locale, workDir) {
  const dir = path.join(workDir, `langpack-${locale}`);
  const name = `tdtp-test-langpack-${locale.toLowerCase()}`;
  await fsp.mkdir(path.join(dir, 'translations'), { recursive: true });
  await fsp.writeFile(path.join(dir, 'translations', 'main.i18n.json'), JSON.stringify({ version: '1.0.0', contents: {} }));
  await fsp.writeFile(
    path.join(dir, 'package.json'),
    JSON.stringify(
      {
        name,
        publisher: 'tdtp-test',
        version: '0.0.1',
        displayName: `Test language pack ${locale}`,
        description: 'Test-only minimal language pack',
        license: 'MIT',
        engines: { vscode: '^1.90.0' },
        categories: ['Language Packs'],
        contributes: {
          localizations: [
            { languageId: locale, languageName: locale, localizedLanguageName: locale, translations: [{ id: 'vscode', path: './translations/main.i18n.json' }] },
          ],
        },
      },
      null,
      2,
    ),
  );
  const vsix = await packageExtension(dir, { out: path.join(workDir, `${name}.vsix`) });
  return { vsix, id: `tdtp-test.${name}`, version: '0.0.1' };
}

async function writeLanguagePacksJson(userDataDir, extensionsDir, locale, pack) {
  const entries = await fsp.readdir(extensionsDir);
  const folder = entries.find((e) => e.toLowerCase().startsWith(`${pack.id.toLowerCase()}-`));
  if (!folder) throw new Error(`language pack ${pack.id} not found in ${extensionsDir} after install`);
  const translations = path.join(extensionsDir, folder, 'translations', 'main.i18n.json');
  const hash = createHash('md5').update(`${pack.id}@${pack.version}:${translations}`).digest('hex');
  const json = {
    [locale]: {
      hash,
      label: locale,
      extensions: [{ extensionIdentifier: { id: pack.id }, version: pack.version }],
      translations: { vscode: translations },
    },
  };
  await fsp.writeFile(path.join(userDataDir, 'languagepacks.json'), JSON.stringify(json, null, 2));
}

// ------------------------------------------------------------------------------------------------
// code-server

/**
 * Starts code-server (no browser). Extensions must already be installed into `extensionsDir`.
 * @param {object} opts
 * @param {string} opts.userDataDir
 * @param {string} opts.extensionsDir
 * @param {string} [opts.workspaceFolder] folder opened by default
 * @param {Record<string,string|undefined>} [opts.env] extra environment (reaches the extension host)
 * @param {string} [opts.locale] passed as --locale
 * @param {boolean} [opts.trustWorkspace=true] false: keep workspace trust on (Restricted Mode)
 * @param {string[]} [opts.extraArgs]
 * @param {number} [opts.startTimeoutMs=60000]
 * @returns {Promise<{url: string, port: number, pid: number, process: import('node:child_process').ChildProcess,
 *   userDataDir: string, extensionsDir: string, output: () => string, exited: Promise<number|string>,
 *   close: () => Promise<void>}>}
 */
export async function launchCodeServer({
  userDataDir,
  extensionsDir,
  workspaceFolder,
  env = {},
  locale,
  trustWorkspace = true,
  extraArgs = [],
  startTimeoutMs = 60_000,
}) {
  const tools = resolveTools();
  await fsp.mkdir(userDataDir, { recursive: true });
  await fsp.mkdir(extensionsDir, { recursive: true });
  // Own config file: otherwise code-server reads/creates ~/.config/code-server/config.yaml.
  const configFile = path.join(userDataDir, 'code-server-config.yaml');
  await fsp.writeFile(configFile, 'auth: none\ncert: false\n');
  const args = [
    tools.codeServerEntry,
    '--config', configFile,
    '--auth', 'none',
    '--bind-addr', '127.0.0.1:0',
    '--user-data-dir', userDataDir,
    '--extensions-dir', extensionsDir,
    '--disable-telemetry',
    '--disable-update-check',
    '--disable-getting-started-override',
    '--ignore-last-opened',
  ];
  if (trustWorkspace) args.push('--disable-workspace-trust');
  if (locale) args.push('--locale', locale);
  args.push(...extraArgs);
  if (workspaceFolder) args.push(path.resolve(workspaceFolder));

  const child = spawn(tools.node24, args, {
    env: cleanEnv({ ...env, PATH: `${path.dirname(tools.node24)}${path.delimiter}${process.env.PATH || ''}` }),
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true, // own process group: close() kills code-server and everything it started
  });
  trackGroup(child.pid);
  const MAX = 2 * 1024 * 1024;
  let output = '';
  const onData = (d) => {
    output += d;
    if (output.length > MAX) output = output.slice(-MAX);
  };
  child.stdout.on('data', onData);
  child.stderr.on('data', onData);
  const exited = new Promise((resolve) => child.on('exit', (code, signal) => resolve(code ?? signal)));
  child.on('error', (err) => onData(`\n[spawn error] ${err.stack}\n`));

  const close = async () => {
    await killGroup(child);
  };

  let url;
  try {
    url = await new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`code-server did not start within ${startTimeoutMs} ms`)), startTimeoutMs);
      const check = () => {
        const m = /HTTP server listening on (http:\/\/127\.0\.0\.1:(\d+))\/?/.exec(output);
        if (m && m[2] !== '0') {
          clearTimeout(timer);
          resolve(m[1]);
        }
      };
      child.stdout.on('data', check);
      child.stderr.on('data', check);
      exited.then((code) => {
        clearTimeout(timer);
        reject(new Error(`code-server exited (${code}) before listening`));
      });
    });
    // Ready when the HTTP server answers.
    const until = Date.now() + startTimeoutMs;
    for (;;) {
      try {
        const res = await globalThis.fetch(`${url}/healthz`);
        if (res.ok) break;
      } catch { /* not yet */ }
      if (Date.now() > until) throw new Error(`code-server at ${url} not healthy within ${startTimeoutMs} ms`);
      await sleep(200);
    }
  } catch (err) {
    await close();
    err.message += `\n--- code-server output ---\n${output}`;
    throw err;
  }
  const port = Number(new URL(url).port);
  log(`code-server listening on ${url} (pid ${child.pid})`);
  return { url, port, pid: child.pid, process: child, userDataDir, extensionsDir, output: () => output, exited, close };
}

/**
 * Opens the workbench of a running code-server in headless chromium.
 * @returns {Promise<{browser, context, page, consoleOutput: () => string, close: () => Promise<void>}>}
 */
export async function openWorkbench(server, { workspaceFolder, viewport = { width: 1400, height: 900 }, timeoutMs = 60_000, headless = true } = {}) {
  const tools = resolveTools();
  const { chromium } = loadPlaywright();
  const browser = await chromium.launch({ executablePath: tools.chromium, headless, args: CHROMIUM_ARGS, timeout: timeoutMs });
  let consoleText = '';
  const close = async () => {
    try { await browser.close(); } catch { /* already gone */ }
  };
  try {
    const context = await browser.newContext({ viewport });
    const page = await context.newPage();
    page.on('console', (msg) => {
      if (consoleText.length < 2 * 1024 * 1024) consoleText += `[${msg.type()}] ${msg.text()}\n`;
    });
    page.on('pageerror', (err) => { consoleText += `[pageerror] ${err.stack || err}\n`; });
    const target = workspaceFolder ? `${server.url}/?folder=${encodeURIComponent(path.resolve(workspaceFolder))}` : `${server.url}/`;
    await page.goto(target, { timeout: timeoutMs });
    await page.waitForSelector('.monaco-workbench', { timeout: timeoutMs });
    return { browser, context, page, consoleOutput: () => consoleText, close };
  } catch (err) {
    await close();
    throw err;
  }
}

/** Extension-host log files: <user-data-dir>/logs/<stamp>/exthost<N>/remoteexthost.log */
export async function findExtensionHostLogs(userDataDir) {
  const found = [];
  const logsDir = path.join(userDataDir, 'logs');
  let stamps = [];
  try { stamps = await fsp.readdir(logsDir); } catch { return found; }
  for (const stamp of stamps.sort()) {
    let subs = [];
    try { subs = await fsp.readdir(path.join(logsDir, stamp)); } catch { continue; }
    for (const sub of subs.filter((s) => s.startsWith('exthost')).sort()) {
      const f = path.join(logsDir, stamp, sub, 'remoteexthost.log');
      if (fs.existsSync(f)) found.push(f);
    }
  }
  return found;
}

/**
 * Looks in the extension-host logs for "Activating extension <id> failed" for one of `ids`.
 * @returns {Promise<string|undefined>} the error lines, or undefined
 */
export async function findActivationFailure(userDataDir, ids) {
  const wanted = new Set(ids.map((id) => id.toLowerCase()));
  for (const file of await findExtensionHostLogs(userDataDir)) {
    let lines;
    try { lines = (await fsp.readFile(file, 'utf8')).split('\n'); } catch { continue; }
    for (let i = 0; i < lines.length; i++) {
      const m = /\[error\] Activating extension (\S+) failed/.exec(lines[i]);
      if (!m || !wanted.has(m[1].toLowerCase())) continue;
      const block = [lines[i]];
      for (let j = i + 1; j < lines.length && j < i + 30; j++) {
        if (/^\d{4}-\d\d-\d\d [\d:.]+ \[(?!error)/.test(lines[j])) break;
        block.push(lines[j]);
      }
      return `extension ${m[1]} failed to activate:\n${block.join('\n')}`;
    }
  }
  return undefined;
}

/**
 * Copies diagnostics into `resultsDir`: <label>-remoteexthost[-N].log, <label>-code-server.log,
 * <label>-browser-console.log, <label>-logs/ (the whole user-data logs folder).
 * @returns {Promise<string[]>} files written
 */
export async function collectLogs({ resultsDir, label, userDataDir, serverOutput, consoleOutput }) {
  const written = [];
  await fsp.mkdir(resultsDir, { recursive: true });
  const exthost = await findExtensionHostLogs(userDataDir);
  for (let i = 0; i < exthost.length; i++) {
    const dest = path.join(resultsDir, `${label}-remoteexthost${exthost.length > 1 ? `-${i + 1}` : ''}.log`);
    await fsp.copyFile(exthost[i], dest);
    written.push(dest);
  }
  if (serverOutput) {
    const dest = path.join(resultsDir, `${label}-code-server.log`);
    await fsp.writeFile(dest, serverOutput);
    written.push(dest);
  }
  if (consoleOutput) {
    const dest = path.join(resultsDir, `${label}-browser-console.log`);
    await fsp.writeFile(dest, consoleOutput);
    written.push(dest);
  }
  const logsDir = path.join(userDataDir, 'logs');
  if (fs.existsSync(logsDir)) {
    const dest = path.join(resultsDir, `${label}-logs`);
    await fsp.rm(dest, { recursive: true, force: true });
    await fsp.cp(logsDir, dest, { recursive: true });
    written.push(dest);
  }
  return written;
}

// ------------------------------------------------------------------------------------------------
// Sessions

async function prepareProfile({ tmpRoot, userSettings, machineSettings, vsixPaths = [], extensionDirs = [], runner, locale, env }) {
  const userDataDir = path.join(tmpRoot, 'user-data');
  const extensionsDir = path.join(tmpRoot, 'extensions');
  const vsixDir = path.join(tmpRoot, 'vsix');
  await fsp.mkdir(path.join(userDataDir, 'User'), { recursive: true });
  await fsp.mkdir(extensionsDir, { recursive: true });
  await fsp.mkdir(vsixDir, { recursive: true });
  await fsp.writeFile(
    path.join(userDataDir, 'User', 'settings.json'),
    JSON.stringify({ ...DEFAULT_USER_SETTINGS, ...(userSettings || {}) }, null, 2),
  );
  // Settings of `machine` scope (tdtp.cli.path): code-server is a remote, which reads them from here only.
  if (machineSettings) {
    await fsp.mkdir(path.join(userDataDir, 'Machine'), { recursive: true });
    await fsp.writeFile(path.join(userDataDir, 'Machine', 'settings.json'), JSON.stringify(machineSettings, null, 2));
  }

  // Extensions under test first (the runner depends on them), then the helpers.
  const first = [...vsixPaths];
  for (const dir of extensionDirs) first.push(await packageExtension(dir, { out: path.join(vsixDir, `${path.basename(dir)}.vsix`) }));
  const second = [];
  if (runner) {
    const patch = runner.extensionDependencies ? { extensionDependencies: runner.extensionDependencies } : undefined;
    second.push(await packageExtension(runner.dir, { out: path.join(vsixDir, 'test-runner.vsix'), packageJsonPatch: patch }));
  }
  let pack;
  if (locale && !/^en(-us)?$/i.test(locale)) {
    pack = await buildLanguagePack(locale, vsixDir);
    second.push(pack.vsix);
  }
  const t0 = Date.now();
  await installExtensions({ vsixPaths: first, userDataDir, extensionsDir, env });
  await installExtensions({ vsixPaths: second, userDataDir, extensionsDir, env });
  log(`installed ${first.length + second.length} extension(s) in ${Date.now() - t0} ms`);
  if (pack) await writeLanguagePacksJson(userDataDir, extensionsDir, locale, pack);
  return { userDataDir, extensionsDir };
}

/**
 * @typedef {object} CodeServerSession
 * @property {string} url            e.g. http://127.0.0.1:41234
 * @property {number} port
 * @property {string} tmpRoot        temp root holding user-data/ and extensions/
 * @property {string} userDataDir
 * @property {string} extensionsDir
 * @property {object} server         what launchCodeServer returned
 * @property {import('playwright-core').Browser | undefined} browser
 * @property {import('playwright-core').BrowserContext | undefined} context
 * @property {import('playwright-core').Page | undefined} page   the workbench page (undefined with openBrowser: false)
 * @property {() => string} serverOutput      code-server's stdout+stderr so far
 * @property {() => string} consoleOutput     the page's console messages so far
 * @property {() => Promise<string[]>} extensionHostLogs   paths of remoteexthost.log files
 * @property {(resultsDir: string, label?: string) => Promise<string[]>} collectLogs
 * @property {() => Promise<void>} close       closes the browser, kills code-server's process group, removes temp dirs
 */

/**
 * Ring 3: starts code-server with the given extensions installed and opens the workbench in
 * headless chromium.
 *
 * @param {object} opts
 * @param {string[]} [opts.vsixPaths]      VSIX files to install (the extension under test)
 * @param {string[]} [opts.extensionDirs]  extension folders to package (vsce) and install
 * @param {string} opts.workspaceFolder    folder to open
 * @param {Record<string,string|undefined>} [opts.env] extra environment for code-server (reaches the extension host)
 * @param {object} [opts.userSettings]     merged over DEFAULT_USER_SETTINGS into User/settings.json
 * @param {object} [opts.machineSettings]  settings of machine scope, into Machine/settings.json
 * @param {string} [opts.locale]           display language (installs a minimal test language pack)
 * @param {boolean} [opts.trustWorkspace=true] false: Restricted Mode
 * @param {boolean} [opts.openBrowser=true]
 * @param {boolean} [opts.keepTemp=false]  keep the temp user-data/extensions dirs after close()
 * @param {{dir?: string, extensionDependencies?: string[]}|false} [opts.testRunner=false] also install the test runner
 * @param {{width:number,height:number}} [opts.viewport]
 * @param {number} [opts.timeoutMs=90000]  for starting code-server and loading the workbench
 * @returns {Promise<CodeServerSession>} {url, port, page, browser, context, userDataDir, extensionsDir,
 *   tmpRoot, serverOutput(), consoleOutput(), extensionHostLogs(), collectLogs(resultsDir,label), close()}
 */
export async function startCodeServer(opts) {
  const {
    vsixPaths = [],
    extensionDirs = [],
    workspaceFolder,
    env = {},
    userSettings,
    machineSettings,
    locale,
    trustWorkspace = true,
    openBrowser = true,
    keepTemp = false,
    testRunner = false,
    viewport,
    timeoutMs = 90_000,
  } = opts;
  const tmpRoot = await fsp.mkdtemp(path.join(os.tmpdir(), 'tdtp-code-server-'));
  trackTempDir(tmpRoot);
  let server;
  let wb;
  let closed = false;
  const close = async () => {
    if (closed) return;
    closed = true;
    if (wb) await wb.close();
    if (server) await server.close();
    if (!keepTemp) await removeTempDir(tmpRoot);
    else liveTempDirs.delete(tmpRoot);
  };
  try {
    const runner = testRunner ? { dir: testRunner.dir || TEST_RUNNER_DIR, extensionDependencies: testRunner.extensionDependencies } : undefined;
    const { userDataDir, extensionsDir } = await prepareProfile({ tmpRoot, userSettings, machineSettings, vsixPaths, extensionDirs, runner, locale, env });
    server = await launchCodeServer({ userDataDir, extensionsDir, workspaceFolder, env, locale, trustWorkspace, startTimeoutMs: timeoutMs });
    if (openBrowser) wb = await openWorkbench(server, { workspaceFolder, viewport, timeoutMs });
    return {
      url: server.url,
      port: server.port,
      tmpRoot,
      userDataDir,
      extensionsDir,
      server,
      browser: wb?.browser,
      context: wb?.context,
      page: wb?.page,
      serverOutput: () => server.output(),
      consoleOutput: () => (wb ? wb.consoleOutput() : ''),
      extensionHostLogs: () => findExtensionHostLogs(userDataDir),
      collectLogs: (resultsDir, label = 'code-server') =>
        collectLogs({ resultsDir, label, userDataDir, serverOutput: server.output(), consoleOutput: wb ? wb.consoleOutput() : '' }),
      close,
    };
  } catch (err) {
    if (server && opts.resultsDir) {
      await collectLogs({ resultsDir: opts.resultsDir, label: opts.label || 'start', userDataDir: server.userDataDir, serverOutput: server.output() }).catch(() => {});
    }
    await close();
    await removeTempDir(tmpRoot); // nothing hands it back: remove even with keepTemp
    throw err;
  }
}

/**
 * Ring 2: runs a test module inside the extension host of a real code-server and returns its result.
 *
 * The module (CommonJS) must export `run(): Promise<void>` (the @vscode/test-electron
 * extensionTestsPath contract); it may `require('vscode')`.
 *
 * @param {object} opts
 * @param {string} opts.testModule          absolute path of the test module (becomes TDTP_TEST_MODULE)
 * @param {string} opts.workspaceFolder     folder to open
 * @param {string[]} [opts.vsixPaths]       VSIX files of the extension(s) under test
 * @param {string[]} [opts.extensionDirs]   extension folders to package (vsce) and install
 * @param {string} [opts.testRunnerExtensionDir] defaults to test/support/vscode-test-runner
 * @param {string[]} [opts.runnerDependencies]   override the runner's extensionDependencies
 *   (e.g. [] to run in Restricted Mode while the extension under test is disabled there)
 * @param {Record<string,string|undefined>} [opts.env] extra environment (reaches the extension host)
 * @param {object} [opts.userSettings]
 * @param {string} [opts.locale]
 * @param {boolean} [opts.trustWorkspace=true]
 * @param {number} [opts.timeoutMs=180000]  whole run: install + start + tests
 * @param {string} [opts.resultsDir=<repo>/test-results/code-server] result JSON copied here; logs too on failure
 * @param {string} [opts.label='code-server'] file name prefix in resultsDir
 * @param {boolean} [opts.keepLogs=false]   copy logs into resultsDir even on success
 * @param {boolean} [opts.keepTemp=false]
 * @returns {Promise<{ok: boolean, error?: string, output: string, timedOut?: boolean,
 *   vscodeVersion?: string, language?: string, isTrusted?: boolean, durationMs: number,
 *   harness: {url?: string, tmpRoot: string, totalMs: number, artifacts: string[]}}>}
 *   Never throws for test failures, timeouts or harness errors: they come back as ok=false.
 */
export async function runInCodeServer(opts) {
  const {
    testModule = opts.env?.TDTP_TEST_MODULE,
    workspaceFolder,
    vsixPaths = [],
    extensionDirs = [],
    testRunnerExtensionDir = TEST_RUNNER_DIR,
    runnerDependencies,
    env = {},
    userSettings,
    locale,
    trustWorkspace = true,
    timeoutMs = 180_000,
    resultsDir = path.join(REPO_ROOT, 'test-results', 'code-server'),
    label = 'code-server',
    keepLogs = false,
    keepTemp = false,
  } = opts;
  const t0 = Date.now();
  if (!testModule || !path.isAbsolute(testModule)) throw new Error('runInCodeServer: testModule must be an absolute path');
  const resultTmp = await fsp.mkdtemp(path.join(os.tmpdir(), 'tdtp-test-result-'));
  trackTempDir(resultTmp);
  const resultFile = path.join(resultTmp, 'result.json');
  const fullEnv = { ...env, TDTP_TEST_MODULE: testModule, TDTP_TEST_RESULT: resultFile };

  let session;
  let result;
  let timer;
  let closedByTimeout = false;
  const deadline = new Promise((resolve) => {
    timer = setTimeout(() => resolve({ ok: false, timedOut: true, error: `timed out after ${timeoutMs} ms`, output: '' }), timeoutMs);
  });
  const work = (async () => {
    session = await startCodeServer({
      vsixPaths,
      extensionDirs,
      workspaceFolder,
      env: fullEnv,
      userSettings,
      locale,
      trustWorkspace,
      keepTemp: true, // removed below, after logs were collected
      testRunner: { dir: testRunnerExtensionDir, extensionDependencies: runnerDependencies },
      timeoutMs: Math.min(timeoutMs, 120_000),
      resultsDir,
      label,
    });
    // If the runner or one of its extensionDependencies fails to activate, VS Code never
    // activates the runner: fail fast with the extension host's error instead of timing out.
    const runnerPkg = JSON.parse(await fsp.readFile(path.join(testRunnerExtensionDir, 'package.json'), 'utf8'));
    const watchIds = [`${runnerPkg.publisher}.${runnerPkg.name}`, ...(runnerDependencies ?? runnerPkg.extensionDependencies ?? [])];
    let activationFailure;
    let lastLogCheck = 0;
    for (;;) {
      if (fs.existsSync(resultFile)) {
        try {
          return JSON.parse(await fsp.readFile(resultFile, 'utf8'));
        } catch { /* being written: retry */ }
      }
      if (session.server.process.exitCode !== null || session.server.process.signalCode !== null) {
        return { ok: false, error: 'code-server exited before the tests finished', output: '' };
      }
      if (closedByTimeout) return undefined;
      if (activationFailure && Date.now() - activationFailure.at > 2000) {
        return { ok: false, activationFailed: true, error: activationFailure.text, output: '' };
      }
      if (!activationFailure && Date.now() - lastLogCheck > 1000) {
        lastLogCheck = Date.now();
        const text = await findActivationFailure(session.userDataDir, watchIds);
        if (text) activationFailure = { at: Date.now(), text: `the test runner could not run: ${text}` };
      }
      await sleep(250);
    }
  })();
  try {
    result = await Promise.race([work, deadline]);
  } catch (err) {
    result = { ok: false, error: `harness error: ${err.stack || err}`, output: '' };
  } finally {
    clearTimeout(timer);
  }
  if (!result.ok && !result.output) {
    // The runner mirrors the captured output into <result>.output as it goes (e.g. which test hung).
    try { result.output = await fsp.readFile(`${resultFile}.output`, 'utf8'); } catch { /* none */ }
  }
  if (result.timedOut) {
    closedByTimeout = true;
    if (!fs.existsSync(path.join(resultTmp, 'result.json.started'))) {
      result.error += ' (the test runner never started: was the extension host started, the runner enabled and its dependency installed?)';
    }
    // If startCodeServer is still running, wait for it so that its processes can be closed.
    await work.catch(() => undefined);
  }

  const artifacts = [];
  try {
    if (resultsDir) {
      await fsp.mkdir(resultsDir, { recursive: true });
      const dest = path.join(resultsDir, `${label}-result.json`);
      await fsp.writeFile(dest, JSON.stringify(result, null, 2));
      artifacts.push(dest);
      if (session && (!result.ok || keepLogs)) {
        if (!result.ok && session.page) {
          const shot = path.join(resultsDir, `${label}-screenshot.png`);
          await session.page.screenshot({ path: shot, timeout: 10_000 }).then(() => artifacts.push(shot), () => {});
        }
        artifacts.push(...(await session.collectLogs(resultsDir, label)));
      }
    }
  } catch (err) {
    log(`could not collect logs: ${err.message}`);
  } finally {
    if (session) await session.close();
    if (session && !keepTemp) await removeTempDir(session.tmpRoot);
    await removeTempDir(resultTmp);
  }
  if (!result.ok && session === undefined && resultsDir) log(`harness failed before code-server started: ${result.error}`);
  return {
    ...result,
    output: result.output ?? '',
    harness: { url: session?.url, tmpRoot: session?.tmpRoot, totalMs: Date.now() - t0, artifacts },
  };
}

/**
 * Opens the command palette, types `title` and runs the command. Right after start-up the palette
 * may not list an extension's commands yet (the extension host is still registering them), and a
 * webview that has just loaded (a detail panel opened by the step before) can take the focus, which
 * closes the palette under the click; so it tries again, a few times, before giving up.
 * @param {import('playwright-core').Page} page
 * @param {string} title
 */
export async function runPaletteCommand(page, title) {
  const row = page.locator('.quick-input-list .monaco-list-row', { hasText: title }).first();
  for (let attempt = 1; ; attempt++) {
    await page.keyboard.press('F1');
    await page.waitForSelector('.quick-input-widget', { state: 'visible', timeout: 30_000 });
    await page.keyboard.type(title);
    try {
      await row.waitFor({ timeout: 5_000 });
      await row.click({ timeout: 5_000 });
      return;
    } catch (err) {
      if (attempt >= 6) throw err;
      console.error(`[runPaletteCommand] ${title}: attempt ${attempt} failed (${String(err?.message ?? err).split('\n')[0]}); again`);
      await page.keyboard.press('Escape');
    }
  }
}
