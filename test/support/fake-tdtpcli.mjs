#!/usr/bin/env node
// Stands in for tdtpcli in the ring-2 tests: `node fake-tdtpcli.mjs <tdtp-emit.js> <redis port> --pipeline FILE`.
// It reads result_log.name from the pipeline file (the test fixtures write it plainly) and publishes
// a success there with tdtp-emit, as tdtpcli does when a run finishes.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';

const [emit, port, ...rest] = process.argv.slice(2);
const file = rest[rest.indexOf('--pipeline') + 1];
const match = /^result_log:[\s\S]*?^\s+name:\s*["']?([^"'\s#]+)/m.exec(readFileSync(file, 'utf8'));
if (!match) {
  console.error(`fake tdtpcli: no result_log.name in ${file}`);
  process.exit(2);
}
console.log(`fake tdtpcli: ran ${file}, publishing ${match[1]}`);
execFileSync(process.execPath, [emit, '--port', port, '--result', match[1], '--pipeline', 'ws_run_pipeline', '--rows-loaded', '777', '--quiet'], { stdio: 'inherit' });
