import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import type { Server } from 'node:http';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { taskEnvironment, templateVars } from '../../src/core/actions';
import { mkRecord } from '../support/records';

/*
 * The README's task recipe for POSIX shells, run as written (read from the README) by
 * real shells with hostile event values in the environment, against a local HTTP endpoint.
 * PowerShell is not installable on this machine (no Debian package), so its recipe is not run here.
 */

const run = promisify(execFile);
const README = readFileSync(resolve(__dirname, '../../README.md'), 'utf8');

/** The tasks.json block that follows the README's "tested recipe" marker for `shell`. */
function recipe(shell: string): { command: string; env: Record<string, string> } {
  const marker = `<!-- recipe:${shell} (run by test/unit/actions.shell.test.ts) -->`;
  const at = README.indexOf(marker);
  assert.ok(at >= 0, `README has the ${shell} recipe marker`);
  const block = /```jsonc?\n([\s\S]*?)```/.exec(README.slice(at));
  assert.ok(block, 'a JSON block follows the marker');
  const tasks = JSON.parse(block[1]) as { tasks: Array<{ command: string; options?: { env?: Record<string, string> } }> };
  return { command: tasks.tasks[0].command, env: tasks.tasks[0].options?.env ?? {} };
}

const HOSTILE = [
  '@/etc/passwd',
  '$(touch pwned)',
  '`touch pwned`',
  '"; touch pwned; "',
  "'; touch pwned; '",
  '-d @/etc/passwd --data-binary @/etc/passwd',
  '%s%n%x %%',
  'line one\nline two\r\n\ttab & x=1 ? # +plus+',
  '$HOME ${PATH} !! \\ \\\\',
  'ключ € 😀 \u202Eevil',
  '',
];

const SHELLS = ['/bin/sh', '/bin/bash', '/bin/dash'].filter((s) => existsSync(s));

describe('README recipe for POSIX shells: hostile event values arrive byte-exact and run nothing', { skip: process.platform === 'win32' || !existsSync('/usr/bin/curl') }, () => {
  let server: Server;
  let url = '';
  const bodies: string[] = [];
  before(async () => {
    server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        bodies.push(Buffer.concat(chunks).toString('utf8'));
        res.end('ok');
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`;
  });
  after(() => new Promise<void>((r) => server.close(() => r())));

  for (const shell of SHELLS) {
    for (const error of HOSTILE) {
      test(`${shell}: ${JSON.stringify(error)}`, async () => {
        const { command, env: taskEnv } = recipe('posix');
        const cwd = mkdtempSync(join(tmpdir(), 'tdtp-recipe-'));
        try {
          const env = taskEnvironment(templateVars(mkRecord({ status: 'failed', error, pipeline: `erp ${error}` }), 'prod'));
          bodies.length = 0;
          await run(shell, ['-c', command], { cwd, env: { PATH: process.env.PATH ?? '/usr/bin:/bin', ...taskEnv, ...env, CHAT_WEBHOOK_URL: url } });
          assert.equal(bodies.length, 1);
          const text = new URLSearchParams(bodies[0]).get('text');
          assert.equal(text, `erp ${error} failed on prod: ${error}`, 'the value arrived byte-exact');
          assert.doesNotMatch(bodies[0], /root:/, 'no file was uploaded');
          assert.deepEqual(readdirSync(cwd), [], 'nothing in the value ran');
        } finally {
          rmSync(cwd, { recursive: true, force: true });
        }
      });
    }
  }

  test('the control: `curl -d "$TDTP_ERROR"` uploads /etc/passwd when the value starts with @ (why the recipe reads stdin)', async () => {
    bodies.length = 0;
    await run('/bin/sh', ['-c', 'curl -sS -d "$TDTP_ERROR" "$CHAT_WEBHOOK_URL"'], { env: { PATH: process.env.PATH ?? '/usr/bin:/bin', TDTP_ERROR: '@/etc/passwd', CHAT_WEBHOOK_URL: url } });
    assert.match(bodies[0], /root:/);
  });
});
