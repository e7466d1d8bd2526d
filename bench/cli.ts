// tdtp-watch against the framework's reference Python worker (examples/07-redis-orchestration),
// end to end: one redis-server, the same stream of events for both, alternating rounds, each timed
// until the last event's line has been written, to a file and through a pipe.
//
// Backlog drain, as rows 1-2: the consumer is stopped (SIGSTOP) once subscribed, the publisher
// process sends the events (SET … EX, PUBLISH, as the framework does) and waits until Redis has
// executed every command, then the consumer is continued (SIGCONT) and the time to its N-th event
// line is taken. The publisher never competes with the consumer for the 2 cores.
// A trailer of events follows the N measured ones, so a consumer that buffers its output (Python
// block-buffers stdout to a file or a pipe, up to 8-16 KB) has written the N-th line before it
// would wait for more input; only the first N are counted.
//
// The worker's code is read from the Go module cache (test/framework/go.mod pins the framework,
// its setup downloads it), never copied here; it runs with Debian's python3-redis.
import type { ChildProcess } from 'node:child_process';
import { spawn, spawnSync } from 'node:child_process';
import { closeSync, existsSync, mkdtempSync, openSync, readFileSync, readSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const ROOT = resolve(__dirname, '..');
const WATCH = join(ROOT, 'dist', 'tdtp-watch.js');
const FRAMEWORK_MODULE = 'github.com/ruslano69/tdtp-framework';
const WORKER_PATH = 'examples/07-redis-orchestration/python_worker.py';
/** Events sent after the measured ones (see the top of the file); > 16 KB of any tool's output. */
const TRAILER = 500;
/** Debian's python3, where python3-redis installs (a python3 earlier on the PATH, e.g. pyenv's, would not see it). */
const PYTHON = existsSync('/usr/bin/python3') ? '/usr/bin/python3' : 'python3';

export type Consumer = 'python' | 'text' | 'json';
export type Sink = 'file' | 'pipe';

export interface ConsumerRound {
  /** Events per second of wall time, SIGCONT → the N-th event line. */
  rate: number;
  /** CPU time of the consumer's process per event (user + system, 10 ms ticks), µs. */
  cpuUs: number;
}

/** Where the worker's source is, or why it cannot run ("not run: …"). */
export function findPythonWorker(): { path: string; version: string } | { missing: string } {
  const goMod = join(ROOT, 'test', 'framework', 'go.mod');
  const pinned = existsSync(goMod) ? new RegExp(`${FRAMEWORK_MODULE.replace(/[.]/g, '\\.')}\\s+(v\\S+)`).exec(readFileSync(goMod, 'utf8'))?.[1] : undefined;
  const version = pinned ?? process.env.TDTP_FRAMEWORK_VERSION;
  if (!version) return { missing: 'test/framework/go.mod (the pinned tdtp-framework version)' };
  const goEnv = spawnSync('go', ['env', 'GOMODCACHE'], { encoding: 'utf8' });
  if (goEnv.status !== 0) return { missing: 'go (to find the module cache)' };
  const path = join(goEnv.stdout.trim(), `${FRAMEWORK_MODULE}@${version}`, WORKER_PATH);
  if (!existsSync(path)) return { missing: `${FRAMEWORK_MODULE}@${version} in the Go module cache (its setup script downloads it)` };
  if (!hasPythonRedis()) {
    // Debian's package, installed here when we may (a root shell with apt-get), as scripts/ensure-redis.sh does for redis-server.
    const root = process.getuid?.() === 0 && spawnSync('sh', ['-c', 'command -v apt-get']).status === 0;
    if (root) spawnSync('apt-get', ['install', '-y', '-qq', '--no-install-recommends', 'python3-redis'], { stdio: 'ignore', env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } });
    if (!hasPythonRedis()) return { missing: "python3 with the redis module (Debian's python3-redis)" };
  }
  return { path, version };
}

function hasPythonRedis(): boolean {
  return spawnSync(PYTHON, ['-c', 'import redis'], { stdio: 'ignore' }).status === 0;
}

/** What one line per event starts with in each consumer's output (counted, never parsed). */
const EVENT_MARK: Record<Consumer, Buffer> = {
  python: Buffer.from('[EVENT] '),
  text: Buffer.from('\n['), // the run's headline, `[HH:MM:SS] ✓ …`; detail lines are indented
  json: Buffer.from('{"type":"run"'),
};
/** Seen once the consumer has subscribed and read the state keys (Python prints before it is flushed, so it has none). */
const READY_MARK: Record<Consumer, string | undefined> = { python: undefined, text: 'Loaded ', json: '"type":"reconcile"' };

/** Counts `mark` in a stream of chunks, also across chunk boundaries. */
class MarkCounter {
  count = 0;
  head = '';
  private tail = Buffer.alloc(0);

  constructor(private readonly mark: Buffer) {}

  feed(chunk: Buffer): void {
    const m = this.mark.length;
    if (this.head.length < 4096) this.head += chunk.subarray(0, 4096).toString('utf8');
    if (this.tail.length) {
      const seam = Buffer.concat([this.tail, chunk.subarray(0, m - 1)]);
      if (seam.indexOf(this.mark) !== -1) this.count++;
    }
    for (let i = chunk.indexOf(this.mark); i !== -1; i = chunk.indexOf(this.mark, i + m)) this.count++;
    this.tail = Buffer.from(chunk.subarray(Math.max(0, chunk.length - (m - 1))));
  }
}

/** utime + stime of a process, in µs (/proc/<pid>/stat, clock ticks of 10 ms). */
function processCpuUs(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) * 10_000;
}

export interface DrainDriver {
  port: number;
  /** Sends `count` events (SET + PUBLISH each) and resolves once Redis has executed them all. */
  publish(count: number): Promise<void>;
  /** PUBSUB NUMPAT, and FLUSHALL between rounds. */
  numpat(): Promise<number>;
  flush(): Promise<void>;
}

/** One round: start the consumer, stop it once subscribed, publish, continue it, time N event lines. */
export async function drainConsumer(driver: DrainDriver, consumer: Consumer, sink: Sink, events: number, workerPath: string): Promise<ConsumerRound> {
  await driver.flush();
  const dir = mkdtempSync(join(tmpdir(), 'tdtp-cli-bench-'));
  const file = join(dir, 'out');
  const counter = new MarkCounter(EVENT_MARK[consumer]);
  const args =
    consumer === 'python'
      ? [PYTHON, [workerPath, '--port', String(driver.port)]]
      : [process.execPath, [WATCH, '--port', String(driver.port), ...(consumer === 'json' ? ['--json'] : [])]];
  const outFd = sink === 'file' ? openSync(file, 'w') : undefined;
  const child: ChildProcess = spawn(args[0] as string, args[1] as string[], {
    stdio: ['ignore', outFd ?? 'pipe', 'ignore'],
    env: { ...process.env, PYTHONIOENCODING: 'utf-8', NO_COLOR: '1' },
  });
  if (outFd !== undefined) closeSync(outFd);
  let onOutput: () => void = () => {};
  let poller: NodeJS.Timeout | undefined;
  if (sink === 'pipe') {
    child.stdout!.on('data', (chunk: Buffer) => {
      counter.feed(chunk);
      onOutput();
    });
  } else {
    // The file is read as it grows, new bytes only, every 5 ms.
    const fd = openSync(file, 'r');
    const buf = Buffer.alloc(1 << 20);
    let position = 0;
    const poll = () => {
      for (let n; (n = readSync(fd, buf, 0, buf.length, position)) > 0; position += n) counter.feed(buf.subarray(0, n));
      onOutput();
      poller = setTimeout(poll, 5);
    };
    poll();
    child.once('exit', () => closeSync(fd));
  }
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  try {
    const pid = child.pid!;
    const deadline = Date.now() + 15_000;
    const ready = READY_MARK[consumer];
    while ((await driver.numpat()) < 1 || (ready !== undefined && !counter.head.includes(ready))) {
      if (Date.now() > deadline || child.exitCode !== null) throw new Error(`${consumer} did not subscribe (exit ${child.exitCode}): ${counter.head.slice(0, 300)}`);
      await new Promise((r) => setTimeout(r, 20));
    }
    const before = counter.count;
    process.kill(pid, 'SIGSTOP');
    await driver.publish(events + TRAILER);
    const cpu0 = processCpuUs(pid);
    const t0 = performance.now();
    const done = new Promise<number>((r) => {
      onOutput = () => {
        if (counter.count - before >= events) {
          onOutput = () => {};
          r(performance.now());
        }
      };
    });
    process.kill(pid, 'SIGCONT');
    const timeout = new Promise<never>((_, reject) => setTimeout(() => reject(new Error(`${consumer} to a ${sink}: ${counter.count - before} of ${events} event lines after 120 s`)), 120_000).unref());
    const t1 = await Promise.race([done, timeout]);
    const cpu = processCpuUs(pid) - cpu0;
    return { rate: (events / (t1 - t0)) * 1000, cpuUs: cpu / events };
  } finally {
    clearTimeout(poller);
    child.kill('SIGKILL');
    await exited;
    rmSync(dir, { recursive: true, force: true });
  }
}
