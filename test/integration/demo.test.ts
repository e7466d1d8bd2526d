// `npm run demo | tee demo.log`, then Ctrl+C: the terminal's SIGINT ends tee too, so the demo's
// next line hits a closed pipe (EPIPE). It must still stop everything it started.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { join, resolve } from 'node:path';
import { describe, test } from 'node:test';
import { portInUse } from '../support/redisServer';

const ROOT = resolve(__dirname, '../..');

describe('npm run demo', () => {
  test('stops its redis-server on Ctrl+C even when its output pipe is already closed', { timeout: 180_000 }, async () => {
    const demo = spawn(process.execPath, ['--import', 'tsx', join(ROOT, 'scripts', 'demo.ts'), '--no-open', '--interval', '200'], {
      cwd: ROOT,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const exited = new Promise<number | string>((done) => demo.once('exit', (code, sig) => done(code ?? sig ?? '?')));
    let output = '';
    const port = await new Promise<number>((done, fail) => {
      const onData = (chunk: Buffer) => {
        output += chunk.toString();
        const match = /TDTP demo is running[\s\S]*?Redis\s+127\.0\.0\.1:(\d+)/.exec(output);
        if (match) done(Number(match[1]));
      };
      demo.stdout.on('data', onData);
      demo.stderr.on('data', onData);
      void exited.then((code) => fail(new Error(`the demo exited (${code}) before it was running:\n${output}`)));
    });
    assert.equal(await portInUse(port), true, 'its redis-server is up');

    // What tee's death looks like from the demo: both ends of its output are gone (`2>&1 | tee`).
    demo.stdout.destroy();
    demo.stderr.destroy();
    demo.kill('SIGINT');
    const code = await Promise.race([exited, new Promise<string>((done) => setTimeout(() => done('still running 60 s after SIGINT'), 60_000).unref())]);
    if (typeof code === 'string' && code.startsWith('still')) demo.kill('SIGKILL');
    assert.equal(await portInUse(port), false, `redis-server on ${port} was stopped (the demo exited with ${code})`);
    assert.equal(code, 0, 'a clean stop');
  });
});
