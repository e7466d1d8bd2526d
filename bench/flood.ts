// Section 11: a hostile flood (issue 11). Failed events over distinct channels arrive at a steady
// rate; the process under test is a watcher with its store at the default limits, in a child of
// its own (so its heap is its own, measured after a forced GC), which polls a normal pipeline every
// 100 ms while the flood runs. A second child publishes the flood, so producing load does not
// steal the measured process's time.
//
//   measureFlood(port, events, rate)        from bench/run.ts
//   flood.ts --store <port> <events> <rate>  the process under test (run with --expose-gc)
//   flood.ts --publish <port> <events> <rate> the publisher
import { fork } from 'node:child_process';
import { benchProcess } from './benchProcess';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import Redis from 'ioredis';
import { KeySpace } from '../src/core/keySpace';
import { parseConnectionSettings } from '../src/core/settings';
import { PipelineStore } from '../src/core/store';
import { PipelineWatcher } from '../src/core/watcher';

export interface FloodFigures {
  readonly events: number;
  readonly rate: number;
  readonly received: number;
  readonly publishMs: number;
  readonly heapBeforeBytes: number;
  readonly heapAfterBytes: number;
  readonly pipelinesKept: number;
  readonly evicted: number;
  readonly normalKept: number;
  readonly normalTotal: number;
  /** Time each poll of a normal pipeline waited for its answer during the flood, ms. */
  readonly pollMs: number[];
  readonly eventLoopMaxMs: number;
}

const keys = new KeySpace('tdtp:pipeline');
const NORMAL = 10;

function failedEvent(name: string, now: string): string {
  return JSON.stringify({ pipeline_name: `flood_${name}`, result_name: name, status: 'failed', started_at: now, finished_at: now, duration_ms: 1, rows_loaded: 0, rows_exported: 0, error: 'flood' });
}

export function measureFlood(port: number, events: number, rate: number): Promise<FloodFigures> {
  return new Promise((resolve, reject) => {
    const self = benchProcess('flood', ['--expose-gc']);
    const child = fork(self.file, ['--store', String(port), String(events), String(rate)], { execArgv: self.execArgv, stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    child.once('message', (figures: FloodFigures) => resolve(figures));
    child.once('exit', (code) => code !== 0 && reject(new Error(`flood child exited with ${code}`)));
  });
}

async function publish(port: number, events: number, rate: number): Promise<void> {
  const client = new Redis({ host: '127.0.0.1', port, lazyConnect: true, enableOfflineQueue: true });
  await client.connect();
  const now = new Date().toISOString();
  const tickMs = 20;
  const perTick = Math.max(1, Math.round((rate * tickMs) / 1000));
  const started = Date.now();
  for (let sent = 0, tick = 0; sent < events; tick++) {
    const batch = client.pipeline();
    for (let i = 0; i < perTick && sent < events; i++, sent++) batch.publish(keys.channel(`FLOOD_${sent}`), failedEvent(`FLOOD_${sent}`, now));
    await batch.exec();
    const wait = started + (tick + 1) * tickMs - Date.now();
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
  }
  process.send!({ publishMs: Date.now() - started });
  await client.quit();
}

function heap(): number {
  (globalThis as { gc?: () => void }).gc?.();
  (globalThis as { gc?: () => void }).gc?.();
  return process.memoryUsage().heapUsed;
}

async function underTest(port: number, events: number, rate: number): Promise<FloodFigures> {
  const admin = new Redis({ host: '127.0.0.1', port });
  const now = new Date().toISOString();
  for (let i = 0; i < NORMAL; i++) {
    await admin.set(keys.stateKey(`NORMAL_${i}`), JSON.stringify({ pipeline_name: 'normal', result_name: `NORMAL_${i}`, status: 'success', started_at: now, finished_at: now, duration_ms: 5, rows_loaded: 1, rows_exported: 1 }), 'EX', 600);
  }
  const parsed = parseConnectionSettings({ host: '127.0.0.1', port });
  if (!parsed.ok) throw new Error('settings');
  const store = new PipelineStore();
  const watcher = new PipelineWatcher(parsed.settings, store);
  await new Promise<void>((r) => {
    const d = watcher.onDidReconcile(() => {
      d.dispose();
      r();
    });
    watcher.start();
  });
  const heapBeforeBytes = heap();
  let received = 0;
  store.onDidAddRun((record) => record.run.resultName.startsWith('FLOOD_') && received++);
  const loop = monitorEventLoopDelay({ resolution: 10 });
  loop.enable();
  const self = benchProcess('flood');
  const publisher = fork(self.file, ['--publish', String(port), String(events), String(rate)], { execArgv: self.execArgv, stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  let publishMs = -1;
  publisher.once('message', (m: { publishMs: number }) => (publishMs = m.publishMs));
  const pollMs: number[] = [];
  const deadline = Date.now() + (events / rate) * 1000 * 3 + 30_000;
  while ((received < events || publishMs < 0) && Date.now() < deadline) {
    const t0 = performance.now();
    await watcher.poll(`NORMAL_${pollMs.length % NORMAL}`);
    pollMs.push(performance.now() - t0);
    await new Promise((r) => setTimeout(r, 100));
  }
  loop.disable();
  const heapAfterBytes = heap();
  let normalKept = 0;
  for (let i = 0; i < NORMAL; i++) if (store.has(`NORMAL_${i}`)) normalKept++;
  const figures: FloodFigures = {
    events,
    rate,
    received,
    publishMs,
    heapBeforeBytes,
    heapAfterBytes,
    pipelinesKept: store.size,
    evicted: store.overflow?.evicted ?? 0,
    normalKept,
    normalTotal: NORMAL,
    pollMs,
    eventLoopMaxMs: loop.max / 1e6,
  };
  watcher.dispose();
  await admin.quit();
  return figures;
}

const [role, portText, eventsText, rateText] = process.argv.slice(2);
if (role === '--publish') {
  publish(Number(portText), Number(eventsText), Number(rateText)).catch((err) => {
    process.stderr.write(`flood publisher: ${err}\n`);
    process.exit(1);
  });
} else if (role === '--store') {
  underTest(Number(portText), Number(eventsText), Number(rateText)).then(
    (figures) => process.send!(figures, () => process.exit(0)),
    (err) => {
      process.stderr.write(`flood under test: ${err?.stack ?? err}\n`);
      process.exit(1);
    },
  );
}
