// tdtp-watch end to end: the built tool (dist/tdtp-watch.js) against a real redis-server, its
// output going to a file or through a pipe, timed from the first PUBLISH until every event's line
// has been written.
import { spawn } from 'node:child_process';
import { mkdtempSync, openSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import Redis from 'ioredis';
import { encodeLikeGo } from '../src/core/publish';
import { makeResult } from '../test/support/redisServer';

const WATCH = resolve(__dirname, '..', 'dist', 'tdtp-watch.js');

/** Events per second tdtp-watch writes, for `events` events over 50 pipelines. */
export async function measureWatchTool(port: number, mode: 'text' | 'json', sink: 'file' | 'pipe', events: number): Promise<number> {
  const dir = mkdtempSync(join(tmpdir(), 'tdtp-cli-bench-'));
  const file = join(dir, 'out');
  const publisher = new Redis({ port, host: '127.0.0.1', lazyConnect: true });
  await publisher.connect();
  let lines = 0;
  let onLine: () => void = () => {};
  const child = spawn(process.execPath, [WATCH, '--port', String(port), ...(mode === 'json' ? ['--json'] : [])], {
    stdio: ['ignore', sink === 'file' ? openSync(file, 'w') : 'pipe', 'ignore'],
  });
  if (sink === 'pipe') {
    child.stdout?.on('data', (chunk: Buffer) => {
      for (let i = chunk.indexOf(10); i !== -1; i = chunk.indexOf(10, i + 1)) lines++;
      onLine();
    });
  }
  try {
    // Subscribed: the tool's own client shows in CLIENT LIST.
    for (let waited = 0; waited < 10_000; waited += 50) {
      if (/name=tdtp-viewer-subscriber/.test(String(await publisher.call('CLIENT', 'LIST')))) break;
      await new Promise((r) => setTimeout(r, 50));
    }
    await new Promise((r) => setTimeout(r, 300)); // the initial reconcile
    const before = sink === 'pipe' ? lines : 0;
    const payloads = Array.from({ length: 50 }, (_, i) => encodeLikeGo(makeResult(`CLI_${i}`)));
    const started = Date.now();
    for (let i = 0; i < events; i += 1000) {
      const batch = publisher.pipeline();
      for (let j = i; j < Math.min(events, i + 1000); j++) batch.publish(`tdtp:pipeline:CLI_${j % 50}`, payloads[j % 50]);
      await batch.exec();
    }
    const written = () => (sink === 'pipe' ? lines - before : readFileSync(file, 'utf8').split('\n').filter((l) => l.includes('CLI_')).length);
    await new Promise<void>((done) => {
      const check = () => {
        if (written() >= events || Date.now() - started > 60_000) done();
        else if (sink === 'file') setTimeout(check, 20);
      };
      onLine = check;
      check();
    });
    return (Math.min(written(), events) / (Date.now() - started)) * 1000;
  } finally {
    child.kill('SIGINT');
    publisher.disconnect();
    rmSync(dir, { recursive: true, force: true });
  }
}
