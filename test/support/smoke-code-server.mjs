#!/usr/bin/env node
// Smoke check of the code-server harness (test/support/codeServer.mjs), independent of the real
// extension: builds a dummy extension with the id tdtp.tdtp-pipeline-viewer, runs a test module
// inside the extension host of a real code-server and checks the result.
//
//   node test/support/smoke-code-server.mjs          basic check (VS Code API, dummy active, env)
//   node test/support/smoke-code-server.mjs --all    also: failing module, locale ru, Restricted
//                                                    Mode, ring-3 page
//   node test/support/smoke-code-server.mjs --only ring   only the checks whose name contains 'ring'
// Needs `bash scripts/setup-vscode-tools.sh` first. Exit code 0 only when every check passed.

import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { REPO_ROOT, runInCodeServer, runPaletteCommand, startCodeServer } from './codeServer.mjs';

const argv = process.argv.slice(2);
const onlyIdx = argv.indexOf('--only');
const only = onlyIdx >= 0 ? argv[onlyIdx + 1] : undefined;
const all = argv.includes('--all') || only !== undefined;
const resultsDir = path.join(REPO_ROOT, 'test-results', 'code-server-smoke');
const tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'tdtp-smoke-'));

// --- a dummy extension with the id of the extension under test --------------------------------
const extDir = path.join(tmp, 'dummy-extension');
await fs.mkdir(extDir, { recursive: true });
await fs.writeFile(
  path.join(extDir, 'package.json'),
  JSON.stringify(
    {
      name: 'tdtp-pipeline-viewer',
      displayName: 'TDTP Pipeline Viewer (smoke dummy)',
      description: 'Dummy stand-in used by the harness smoke check',
      publisher: 'tdtp',
      version: '0.0.1',
      license: 'MIT',
      engines: { vscode: '^1.90.0' },
      main: './extension.js',
      activationEvents: ['onStartupFinished'],
      contributes: {
        commands: [{ command: 'tdtpSmoke.hello', title: 'TDTP Smoke: Hello' }],
      },
    },
    null,
    2,
  ),
);
await fs.writeFile(
  path.join(extDir, 'extension.js'),
  `const vscode = require('vscode');
exports.activate = (context) => {
  context.subscriptions.push(vscode.commands.registerCommand('tdtpSmoke.hello', () => {
    void vscode.window.showInformationMessage('hello from dummy');
    return 'hello from dummy';
  }));
  return { smoke: true, pid: process.pid, marker: process.env.TDTP_SMOKE_MARKER };
};
exports.deactivate = () => {};
`,
);

// --- test modules (CommonJS, exports.run) --------------------------------------------------------
const passModule = path.join(tmp, 'pass.test.js');
await fs.writeFile(
  passModule,
  `const assert = require('assert');
const vscode = require('vscode');
exports.run = async () => {
  assert.strictEqual(typeof vscode.version, 'string', 'vscode.version is a string');
  const ext = vscode.extensions.getExtension('tdtp.tdtp-pipeline-viewer');
  assert.ok(ext, 'dummy extension is installed');
  const api = ext.isActive ? ext.exports : await ext.activate();
  assert.ok(ext.isActive, 'dummy extension is active');
  assert.strictEqual(api.smoke, true);
  assert.strictEqual(await vscode.commands.executeCommand('tdtpSmoke.hello'), 'hello from dummy');
  assert.strictEqual(process.env.TDTP_SMOKE_MARKER, 'env-reaches-exthost', 'env var given to code-server reaches the extension host');
  assert.strictEqual(api.marker, 'env-reaches-exthost', 'env var visible to the extension under test');
  const folders = (vscode.workspace.workspaceFolders || []).map((f) => f.uri.fsPath);
  assert.deepStrictEqual(folders, [process.env.TDTP_SMOKE_FOLDER], 'workspace folder opened');
  console.log('smoke: vscode ' + vscode.version + ', language ' + vscode.env.language + ', trusted ' + vscode.workspace.isTrusted);
};
`,
);
const failModule = path.join(tmp, 'fail.test.js');
await fs.writeFile(
  failModule,
  `exports.run = async () => { console.log('about to fail'); throw new Error('intentional smoke failure'); };`,
);
const infoModule = path.join(tmp, 'info.test.js');
await fs.writeFile(
  infoModule,
  `const vscode = require('vscode');
exports.run = async () => {
  const ext = vscode.extensions.getExtension('tdtp.tdtp-pipeline-viewer');
  console.log(JSON.stringify({ language: vscode.env.language, trusted: vscode.workspace.isTrusted, dummyActive: !!(ext && ext.isActive) }));
};
`,
);

const workspace = path.join(tmp, 'workspace');
await fs.mkdir(workspace, { recursive: true });
await fs.writeFile(path.join(workspace, 'hello.txt'), 'hello\n');
const env = { TDTP_SMOKE_MARKER: 'env-reaches-exthost', TDTP_SMOKE_FOLDER: workspace };

let passed = 0;
let failed = 0;
async function check(name, fn) {
  if (only && !name.includes(only)) return;
  const t0 = Date.now();
  try {
    await fn();
    passed++;
    console.log(`ok - ${name} (${((Date.now() - t0) / 1000).toFixed(1)}s)`);
  } catch (err) {
    failed++;
    console.log(`not ok - ${name} (${((Date.now() - t0) / 1000).toFixed(1)}s)\n  ${String(err.stack || err).replace(/\n/g, '\n  ')}`);
  }
}
function expect(cond, msg, r) {
  if (!cond) throw new Error(`${msg}\nresult: ${JSON.stringify(r, null, 2)}`);
}
const base = { extensionDirs: [extDir], workspaceFolder: workspace, env, resultsDir, timeoutMs: 180_000 };

await check('test module runs in the extension host of code-server', async () => {
  const r = await runInCodeServer({ ...base, testModule: passModule, label: 'smoke-pass' });
  expect(r.ok, 'expected ok', r);
  expect(/smoke: vscode 1\.\d+/.test(r.output), 'expected captured output', r);
  console.log(`  ${r.output.trim()} | total ${(r.harness.totalMs / 1000).toFixed(1)}s, tests ${r.durationMs} ms`);
});

if (all) {
  await check('a failing module is reported with its error, output and logs', async () => {
    const r = await runInCodeServer({ ...base, testModule: failModule, label: 'smoke-fail' });
    expect(r.ok === false && /intentional smoke failure/.test(r.error) && /about to fail/.test(r.output), 'expected failure', r);
    expect(r.harness.artifacts.some((a) => a.endsWith('remoteexthost.log')), 'expected the extension host log in resultsDir', r);
  });

  await check('locale ru reaches vscode.env.language', async () => {
    const r = await runInCodeServer({ ...base, testModule: infoModule, locale: 'ru', label: 'smoke-locale' });
    expect(r.ok && r.language === 'ru', 'expected language ru', r);
  });

  await check('Restricted Mode (trust kept on) with runner dependencies dropped', async () => {
    const r = await runInCodeServer({ ...base, testModule: infoModule, trustWorkspace: false, runnerDependencies: [], label: 'smoke-restricted' });
    expect(r.ok && r.isTrusted === false, 'expected untrusted workspace', r);
    const info = JSON.parse(r.output.trim().split('\n').pop());
    expect(info.dummyActive === false, 'dummy (no untrustedWorkspaces support) should be disabled', r);
  });

  await check('ring 3: page shows the workbench and the dummy command runs from the palette', async () => {
    const s = await startCodeServer({ extensionDirs: [extDir], workspaceFolder: workspace, env });
    try {
      const { page } = s;
      await page.waitForSelector('.activitybar', { timeout: 60_000 });
      await runPaletteCommand(page, 'TDTP Smoke: Hello');
      const toast = page.locator('.notification-toast', { hasText: 'hello from dummy' });
      await toast.waitFor({ timeout: 30_000 });
      await fs.mkdir(resultsDir, { recursive: true });
      await page.screenshot({ path: path.join(resultsDir, 'smoke-ring3.png') });
    } finally {
      await s.close();
    }
  });
}

await fs.rm(tmp, { recursive: true, force: true });
console.log(`code-server smoke: ${passed} passed, ${failed} failed`);
process.exit(failed ? 1 : 0);
