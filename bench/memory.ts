// Memory measurement, in its own process (forked by bench/run.ts with --expose-gc) so the heap it
// reports holds the store and nothing left over from the other measurements.
//
// Events are fed in-process: the wire bytes of realistic payloads go through decodeMessage (UTF-8
// check, JSON.parse, validation, Go time parsing) and PipelineStore.addRun (DQ, history ring,
// change notification), exactly what the watcher's hot path does after ioredis hands it a message.
// Only the socket is skipped, which lets 2,000,000 events run in seconds.
import { setImmediate as yieldToLoop } from 'node:timers/promises';
import { decodeMessage } from '../src/core/decode';
import { KeySpace } from '../src/core/keySpace';
import { PipelineStore } from '../src/core/store';
import { PREFIX, payloadPool } from './payloads';

export interface MemoryCommand {
  checkpoints: number[];
  names: number;
  poolSize: number;
  /** Events for the comparison run with historySize 1 (nothing retained beyond the latest). */
  noHistoryEvents: number;
}

export interface MemoryReply {
  baselineHeap: number;
  /** heapUsed after full GC at each checkpoint. */
  heapAt: number[];
  /** In-process decode+addRun rate over the whole run, events/s. */
  eventsPerSecond: number;
  /** The same with historySize 1: the difference is what keeping 100 runs per pipeline costs. */
  noHistoryEventsPerSecond: number;
  pipelines: number;
  historyLength: number;
  rejected: number;
  /** Heap per kept run after GC with 5,000 pipelines × 100 runs (issue 20: ≤ 250 bytes). */
  bytesPerKeptRun: number;
}

const FULL_PIPELINES = 5000;
const FULL_RUNS = 100;

/** A store at the defaults' full size: heap after GC per run kept, over a store of the same pipelines with one run each. */
async function bytesPerKeptRun(keys: KeySpace): Promise<number> {
  const pool: Pool = payloadPool(FULL_PIPELINES, FULL_PIPELINES * 2).map((e) => ({ channel: e.channel, payload: Buffer.from(e.json, 'utf8') }));
  const counts = { rejected: 0 };
  const one = new PipelineStore({ historySize: 1 });
  await feed(one, keys, pool, 0, FULL_PIPELINES, counts);
  one.flush();
  const before = gcHeap();
  one.dispose();
  const full = new PipelineStore({ historySize: FULL_RUNS });
  // Each round feeds every pipeline once, alternating the two payloads of each (so runs differ).
  for (let round = 0; round < FULL_RUNS; round++) await feed(full, keys, pool, (round % 2) * FULL_PIPELINES, (round % 2) * FULL_PIPELINES + FULL_PIPELINES, counts);
  full.flush();
  const after = gcHeap();
  const kept = FULL_PIPELINES * FULL_RUNS;
  if (full.size !== FULL_PIPELINES || full.history(full.list()[0].resultName).length !== FULL_RUNS) throw new Error('the full store is not 5,000 × 100');
  full.dispose();
  // The one-run store was measured alive; its runs count among the full store's first ones.
  return (after - before) / (kept - FULL_PIPELINES);
}

function gcHeap(): number {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (!gc) throw new Error('run with --expose-gc');
  gc();
  gc();
  return process.memoryUsage().heapUsed;
}

type Pool = Array<{ channel: string; payload: Buffer }>;

/** Feeds events [from, to) of the pool into the store; returns the busy time in ms. */
async function feed(store: PipelineStore, keys: KeySpace, pool: Pool, from: number, to: number, counts: { rejected: number }): Promise<number> {
  let busyMs = 0;
  let fed = from;
  while (fed < to) {
    // Chunks, with a turn of the event loop between them so the coalescing timer can fire.
    const end = Math.min(to, fed + 20_000);
    const t0 = performance.now();
    for (; fed < end; fed++) {
      const e = pool[fed % pool.length];
      const now = Date.now();
      const outcome = decodeMessage(keys, e.channel, e.payload, now);
      if (outcome.kind === 'run') store.addRun(outcome.run, 'live', now);
      else counts.rejected++;
    }
    busyMs += performance.now() - t0;
    await yieldToLoop();
  }
  return busyMs;
}

async function run(cmd: MemoryCommand): Promise<MemoryReply> {
  const keys = new KeySpace(PREFIX);
  const pool: Pool = payloadPool(cmd.names, cmd.poolSize).map((e) => ({ channel: e.channel, payload: Buffer.from(e.json, 'utf8') }));
  const counts = { rejected: 0 };

  // Warm the code up on a throwaway store with historySize 1, timing the later part: the rate
  // with (almost) nothing retained.
  const scratch = new PipelineStore({ historySize: 1 });
  await feed(scratch, keys, pool, 0, cmd.noHistoryEvents / 2, counts);
  const noHistoryMs = await feed(scratch, keys, pool, 0, cmd.noHistoryEvents / 2, counts);
  scratch.dispose();

  const baselineHeap = gcHeap();
  const store = new PipelineStore();
  let changes = 0;
  store.onDidChange(() => changes++);
  const heapAt: number[] = [];
  let fed = 0;
  let busyMs = 0;
  for (const checkpoint of cmd.checkpoints) {
    busyMs += await feed(store, keys, pool, fed, checkpoint, counts);
    fed = checkpoint;
    store.flush();
    heapAt.push(gcHeap());
  }
  const reply: MemoryReply = {
    baselineHeap,
    heapAt,
    eventsPerSecond: (fed / busyMs) * 1000,
    noHistoryEventsPerSecond: (cmd.noHistoryEvents / 2 / noHistoryMs) * 1000,
    pipelines: store.size,
    historyLength: store.history(store.list()[0].resultName).length,
    rejected: counts.rejected,
    bytesPerKeptRun: 0,
  };
  store.dispose();
  reply.bytesPerKeptRun = await bytesPerKeptRun(keys);
  return reply;
}

process.once('message', (cmd: MemoryCommand) => {
  run(cmd).then(
    (reply) => process.send!(reply, () => process.exit(0)),
    (err) => process.send!({ error: String(err?.stack ?? err) }, () => process.exit(1)),
  );
});
