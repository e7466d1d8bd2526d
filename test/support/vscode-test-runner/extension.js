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

/**
 * Tees console.* and process.stdout/stderr writes into a buffer (and `liveLogFile`, if given)
 * while `fn` runs.
 * Resolves to { output, error } (error is undefined when fn resolved).
 *
 * The extension host locks console.log/... and process.stdout.write with non-configurable
 * getters whose setters do nothing (its console forwarder), so they cannot be reassigned.
 * Instead the global `console` object and the (configurable) process.stdout/stderr getters are
 * replaced for the duration of the run and restored afterwards.
 */
async function captureOutput(fn, liveLogFile) {
  const chunks = [];
  let size = 0;
  let depth = 0; // >0 while inside an original console/stream call: avoids double capture
  const push = (text) => {
    if (size >= MAX_OUTPUT) return;
    const s = String(text);
    chunks.push(s);
    size += s.length;
    if (liveLogFile) {
      try {
        fs.appendFileSync(liveLogFile, s); // lets the harness show the output of a run that hangs
      } catch {
        liveLogFile = undefined;
      }
    }
  };
  const tee = (text, call) => {
    if (depth === 0) push(text);
    depth++;
    try {
      return call();
    } finally {
      depth--;
    }
  };
  const restore = [];

  const installCapture = () => {
    const origConsole = globalThis.console;
    const consoleDesc = Object.getOwnPropertyDescriptor(globalThis, 'console');
    if (consoleDesc && consoleDesc.configurable) {
      const wrapped = Object.create(origConsole);
      for (const level of ['log', 'info', 'warn', 'error', 'debug', 'trace']) {
        // defineProperty, not assignment: an assignment would hit the inherited no-op setter.
        Object.defineProperty(wrapped, level, {
          configurable: true,
          writable: true,
          value: (...args) => tee(util.format(...args) + '\n', () => origConsole[level].apply(origConsole, args)),
        });
      }
      Object.defineProperty(globalThis, 'console', {
        configurable: true,
        enumerable: consoleDesc.enumerable,
        writable: true,
        value: wrapped,
      });
      restore.push(() => Object.defineProperty(globalThis, 'console', consoleDesc));
    }

    for (const name of ['stdout', 'stderr']) {
      const desc = Object.getOwnPropertyDescriptor(process, name);
      if (!desc || !desc.configurable) continue;
      const stream = process[name];
      if (!stream || typeof stream.write !== 'function') continue;
      const write = (chunk, encoding, cb) =>
        tee(ArrayBuffer.isView(chunk) ? Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength).toString('utf8') : String(chunk), () =>
          stream.write(chunk, encoding, cb),
        );
      const proxy = new Proxy(stream, {
        get(target, prop) {
          if (prop === 'write') return write;
          const value = Reflect.get(target, prop, target);
          return typeof value === 'function' ? value.bind(target) : value;
        },
      });
      Object.defineProperty(process, name, { configurable: true, enumerable: desc.enumerable, get: () => proxy });
      restore.push(() => Object.defineProperty(process, name, desc));
    }
  };

  try {
    installCapture();
    await fn();
    return { output: chunks.join(''), error: undefined };
  } catch (error) {
    return { output: chunks.join(''), error: error === undefined ? new Error('run() rejected with undefined') : error };
  } finally {
    for (const r of restore.reverse()) {
      try {
        r();
      } catch {
        /* keep restoring the others */
      }
    }
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
  const { output, error } = await captureOutput(async () => {
    const mod = require(modulePath);
    const run = typeof mod.run === 'function' ? mod.run : mod.default && mod.default.run;
    if (typeof run !== 'function') throw new Error(`${modulePath} does not export run()`);
    await run();
  }, `${resultPath}.output`);
  result.ok = error === undefined;
  if (error !== undefined) result.error = errorText(error);
  result.output = output;
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
