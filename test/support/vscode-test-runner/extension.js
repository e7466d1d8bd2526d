// Test-only extension, installed beside the extension under test by test/support/codeServer.mjs.
//
// code-server ignores --extensionTestsPath, so this extension plays that role: on startup it loads
// the CommonJS module named by TDTP_TEST_MODULE (same contract as @vscode/test-electron's
// extensionTestsPath: `exports.run = async () => {}`, rejecting on failure), runs it inside the
// extension host and writes `{ ok, error?, output, ... }` as JSON to the file TDTP_TEST_RESULT.
// Environment variables given to the code-server process reach the extension host.
'use strict';

const fs = require('node:fs');
const path = require('node:path');
const util = require('node:util');

const MAX_OUTPUT = 4 * 1024 * 1024;

function writeJsonAtomic(file, value) {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const tmp = `${file}.tmp-${process.pid}`;
  fs.writeFileSync(tmp, JSON.stringify(value, null, 2));
  fs.renameSync(tmp, file); // the harness never sees a half-written file
}

function errorText(err) {
  if (err instanceof Error) return err.stack || `${err.name}: ${err.message}`;
  return typeof err === 'string' ? err : util.inspect(err);
}

/** Tees console.* and process.stdout/stderr into a buffer while `fn` runs. */
async function captureOutput(fn) {
  const chunks = [];
  let size = 0;
  const push = (text) => {
    if (size >= MAX_OUTPUT) return;
    const s = String(text);
    chunks.push(s);
    size += s.length;
  };
  const restore = [];
  for (const level of ['log', 'info', 'warn', 'error', 'debug']) {
    const orig = console[level];
    console[level] = (...args) => {
      push(util.format(...args) + '\n');
      return orig.apply(console, args);
    };
    restore.push(() => { console[level] = orig; });
  }
  for (const stream of [process.stdout, process.stderr]) {
    if (!stream || typeof stream.write !== 'function') continue;
    const orig = stream.write;
    stream.write = function (chunk, ...rest) {
      push(Buffer.isBuffer(chunk) ? chunk.toString('utf8') : chunk);
      return orig.call(this, chunk, ...rest);
    };
    restore.push(() => { stream.write = orig; });
  }
  try {
    return await fn();
  } finally {
    for (const r of restore.reverse()) r();
    captureOutput.output = chunks.join('');
  }
}

async function runTests(modulePath, resultPath) {
  const vscode = require('vscode');
  const startedAt = new Date();
  const result = {
    ok: false,
    output: '',
    module: modulePath,
    vscodeVersion: vscode.version,
    language: vscode.env.language,
    isTrusted: vscode.workspace.isTrusted,
    startedAt: startedAt.toISOString(),
    durationMs: 0,
  };
  try {
    await captureOutput(async () => {
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      const mod = require(modulePath);
      const run = typeof mod.run === 'function' ? mod.run : mod.default && mod.default.run;
      if (typeof run !== 'function') throw new Error(`${modulePath} does not export run()`);
      await run();
    });
    result.ok = true;
  } catch (err) {
    result.ok = false;
    result.error = errorText(err);
  }
  result.output = captureOutput.output || '';
  result.durationMs = Date.now() - startedAt.getTime();
  writeJsonAtomic(resultPath, result);
}

function activate() {
  const modulePath = process.env.TDTP_TEST_MODULE;
  const resultPath = process.env.TDTP_TEST_RESULT;
  if (!modulePath || !resultPath) {
    console.warn('[tdtp-test-runner] TDTP_TEST_MODULE / TDTP_TEST_RESULT not set: nothing to run');
    return;
  }
  // The extension host can be restarted (e.g. after an extension install or a trust change);
  // run the tests only once per result file.
  const startedMarker = `${resultPath}.started`;
  try {
    fs.mkdirSync(path.dirname(resultPath), { recursive: true });
    fs.writeFileSync(startedMarker, String(process.pid), { flag: 'wx' });
  } catch (err) {
    if (err && err.code === 'EEXIST') {
      console.warn(`[tdtp-test-runner] ${startedMarker} exists: tests already started, not running again`);
      return;
    }
    throw err;
  }
  // Do not block activation (and with it the rest of startup) on the tests.
  setTimeout(() => {
    runTests(modulePath, resultPath).catch((err) => {
      try {
        writeJsonAtomic(resultPath, { ok: false, error: `runner failure: ${errorText(err)}`, output: '' });
      } catch {
        /* nothing more we can do */
      }
    });
  }, 0);
}

function deactivate() {}

module.exports = { activate, deactivate };
