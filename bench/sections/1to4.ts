// Sections 1-4 of the bench: the ingest ceiling and the ingest by backlog drain, latency at a paced
// rate, and view updates and event-loop delay in a burst.
import { monitorEventLoopDelay } from 'node:perf_hooks';
import Redis from 'ioredis';
import type { ConnectionSettings } from '../../src/core/settings';
import { PipelineStore } from '../../src/core/store';
import type { RunRecord } from '../../src/core/runs';
import type { RedisServer } from '../../test/support/redisServer';
import { PREFIX, STAMP_FIELD, monoMicros } from '../payloads';
import { BURST_RATE, CONFIG, Counter, DEFAULT_PUBSUB_LIMIT, DRAIN_TUNING, log, sleep, startWatcher, subscriberSocket, withTimeout } from '../harness';
import type { Publisher } from '../harness';
import { addRow, fmtMs, fmtRate, fmtX, notes, percentile, rows, stat } from '../report';

// ---------------------------------------------------------------------------------------------
// 1 + 2: ceiling and ingest, by backlog drain

interface DrainResult {
  /** Events per second of wall time, resume → last event. */
  rate: number;
  /** CPU time (all threads of this process: JS, GC helpers, I/O) per event, µs. */
  cpuUs: number;
  publishRate: number;
}

async function drainRound(pub: Publisher, pause: () => void, resume: () => void, counter: Counter): Promise<DrainResult> {
  const n = CONFIG.drainEvents;
  const before = counter.count;
  pause();
  const sent = await pub.send({ op: 'burst', count: n, withState: true });
  if (sent.errors) throw new Error(`publisher saw ${sent.errors} error replies`);
  // Every command has been executed by Redis: the whole burst waits in the subscriber's output
  // buffer and socket. Time how long the subscriber needs to consume it.
  const t0 = performance.now();
  const cpu0 = process.cpuUsage();
  const done = counter.until(before + n);
  resume();
  const t1 = await withTimeout(done, 120_000, `draining ${n} events (received ${counter.count - before})`);
  const cpu = process.cpuUsage(cpu0);
  return { rate: (n / (t1 - t0)) * 1000, cpuUs: (cpu.user + cpu.system) / n, publishRate: (n / sent.elapsedMs) * 1000 };
}

async function ceilingRound(port: number, pub: Publisher, variant: 'buffer' | 'string'): Promise<DrainResult> {
  const sub = new Redis({ host: '127.0.0.1', port, lazyConnect: true, connectionName: 'bench-ceiling' });
  sub.on('error', () => {});
  await sub.connect();
  await sub.psubscribe(`${PREFIX}:*`);
  const counter = new Counter();
  // Counts only what parsed to an object, so the parse cannot be optimised away.
  if (variant === 'buffer') {
    sub.on('pmessageBuffer', (_p: Buffer, _c: Buffer, message: Buffer) => {
      if (JSON.parse(message.toString()) !== null) counter.tick();
    });
  } else {
    sub.on('pmessage', (_p: string, _c: string, message: string) => {
      if (JSON.parse(message) !== null) counter.tick();
    });
  }
  const stream = (sub as unknown as { stream: { pause(): void; resume(): void } }).stream;
  try {
    return await drainRound(pub, () => stream.pause(), () => stream.resume(), counter);
  } finally {
    sub.disconnect();
  }
}

async function ingestRound(settings: ConnectionSettings, pub: Publisher): Promise<DrainResult & { losses: number; changes: number }> {
  const store = new PipelineStore();
  const w = await startWatcher(settings, store, DRAIN_TUNING);
  const counter = new Counter();
  store.onDidAddRun(() => counter.tick());
  let changes = 0;
  store.onDidChange(() => changes++);
  const socket = subscriberSocket(w.watcher);
  try {
    const r = await drainRound(pub, () => socket.pause(), () => socket.resume(), counter);
    return { ...r, losses: w.losses.length, changes };
  } finally {
    w.watcher.dispose();
    store.dispose();
  }
}

export async function measureThroughput(redis: RedisServer, settings: ConnectionSettings, pub: Publisher): Promise<void> {
  log(`1+2 ceiling vs ingest: ${CONFIG.drainRounds} rounds of ${CONFIG.drainEvents.toLocaleString('en-US')} events each (+1 warm-up)`);
  const admin = await redis.client();
  await admin.config('SET', 'client-output-buffer-limit', 'pubsub 0 0 0');
  try {
    // Warm-up (JIT, connections, Redis allocations); which bare variant is faster is decided here.
    const warmBuf = await ceilingRound(redis.port, pub, 'buffer');
    const warmStr = await ceilingRound(redis.port, pub, 'string');
    const variant = warmBuf.rate >= warmStr.rate ? 'buffer' : 'string';
    await ingestRound(settings, pub);
    const ceiling: number[] = [];
    const ingest: number[] = [];
    const ratios: number[] = [];
    const ceilingCpu: number[] = [];
    const ingestCpu: number[] = [];
    const cpuRatios: number[] = [];
    const publishRates: number[] = [];
    let losses = 0;
    for (let i = 0; i < CONFIG.drainRounds; i++) {
      // Alternate the order so drift (thermal, other tenants) hits both sides alike.
      const c = i % 2 === 0 ? await ceilingRound(redis.port, pub, variant) : undefined;
      const g = await ingestRound(settings, pub);
      const c2 = c ?? (await ceilingRound(redis.port, pub, variant));
      ceiling.push(c2.rate);
      ingest.push(g.rate);
      ratios.push(g.rate / c2.rate);
      ceilingCpu.push(c2.cpuUs);
      ingestCpu.push(g.cpuUs);
      cpuRatios.push(c2.cpuUs / g.cpuUs);
      publishRates.push(c2.publishRate, g.publishRate);
      losses += g.losses;
      log(`  round ${i + 1}: ceiling ${fmtRate(c2.rate)} (${c2.cpuUs.toFixed(2)} µs CPU/event), ingest ${fmtRate(g.rate)} (${g.cpuUs.toFixed(2)} µs CPU/event): ${fmtX(g.rate / c2.rate)}`);
    }
    const cs = stat(ceiling);
    const gs = stat(ingest);
    addRow('1', `Ceiling: bare ioredis PSUBSCRIBE, counts + JSON.parse (\`${variant === 'buffer' ? 'pmessageBuffer' : 'pmessage'}\`), backlog drain`, cs, fmtRate);
    addRow('2', 'Ingest: PipelineWatcher → decode, validate, DQ, store, history, change event; backlog drain', gs, fmtRate);
    const ratio = gs.median / cs.median;
    const rs = stat(ratios);
    rows.push({ id: '2r', what: 'Ingest ÷ ceiling (median ÷ median; min/max per round)', median: fmtX(ratio), min: fmtX(rs.min), max: fmtX(rs.max), target: '≥ 0.80×', verdict: ratio >= 0.8 ? 'pass' : 'miss' });
    const us = (v: number) => `${v.toFixed(2)} µs`;
    addRow('1c', 'Ceiling: CPU time of the subscribing process per event', stat(ceilingCpu), us);
    addRow('2c', 'Ingest: CPU time of the watching process per event', stat(ingestCpu), us);
    const cpuRatio = stat(ceilingCpu).median / stat(ingestCpu).median;
    const crs = stat(cpuRatios);
    rows.push({ id: '2rc', what: 'Ingest ÷ ceiling by CPU cost (ceiling µs ÷ ingest µs; less disturbed by other load)', median: fmtX(cpuRatio), min: fmtX(crs.min), max: fmtX(crs.max), target: '(≥ 0.80×)', verdict: 'info' });
    addRow('1p', 'Publisher send rate (SET+PUBLISH, pipelined), for reference', stat(publishRates), fmtRate);
    if (losses) notes.push(`Ingest rounds: the watcher lost its connection ${losses} time(s).`);
  } finally {
    await admin.config('SET', 'client-output-buffer-limit', DEFAULT_PUBSUB_LIMIT);
  }
}

/** `--only=ingest`: ingest rounds alone, nothing in the table; for `node --cpu-prof`. */
export async function profileIngest(redis: RedisServer, settings: ConnectionSettings, pub: Publisher): Promise<void> {
  const admin = await redis.client();
  await admin.config('SET', 'client-output-buffer-limit', 'pubsub 0 0 0');
  try {
    for (let i = 0; i <= CONFIG.drainRounds; i++) {
      const g = await ingestRound(settings, pub);
      log(`  ingest round ${i}: ${fmtRate(g.rate)}, ${g.cpuUs.toFixed(2)} µs CPU/event`);
    }
  } finally {
    await admin.config('SET', 'client-output-buffer-limit', DEFAULT_PUBSUB_LIMIT);
  }
}

// ---------------------------------------------------------------------------------------------
// 3: latency at a paced rate

async function latencyRound(settings: ConnectionSettings, pub: Publisher, rate: number, durationMs: number): Promise<{ p50: number; p99: number; max: number; losses: number }> {
  const store = new PipelineStore();
  const w = await startWatcher(settings, store);
  const latencies: number[] = [];
  const counter = new Counter();
  store.onDidAddRun((rec: RunRecord) => {
    const sent = rec.run.result[STAMP_FIELD];
    if (typeof sent === 'number') latencies.push(monoMicros() - sent);
    counter.tick();
  });
  try {
    const sent = await pub.send({ op: 'paced', rate, durationMs, withState: true });
    await withTimeout(counter.until(sent.events), 30_000, `latency @${rate}: received ${counter.count} of ${sent.events}`);
    latencies.sort((a, b) => a - b);
    return { p50: percentile(latencies, 50) / 1000, p99: percentile(latencies, 99) / 1000, max: latencies[latencies.length - 1] / 1000, losses: w.losses.length };
  } finally {
    w.watcher.dispose();
    store.dispose();
  }
}

export async function measureLatency(settings: ConnectionSettings, pub: Publisher): Promise<void> {
  for (const rate of [1_000, 10_000]) {
    log(`3 latency @ ${rate.toLocaleString('en-US')} ev/s: ${CONFIG.latencyRounds} round(s) of ${CONFIG.latencyMs} ms`);
    await latencyRound(settings, pub, rate, Math.min(500, CONFIG.latencyMs)); // warm-up
    const p50: number[] = [];
    const p99: number[] = [];
    for (let i = 0; i < CONFIG.latencyRounds; i++) {
      const r = await latencyRound(settings, pub, rate, CONFIG.latencyMs);
      p50.push(r.p50);
      p99.push(r.p99);
      if (r.losses) notes.push(`Latency @${rate}: connection lost ${r.losses} time(s).`);
      log(`  round ${i + 1}: p50 ${fmtMs(r.p50, 2)}, p99 ${fmtMs(r.p99, 2)}, max ${fmtMs(r.max, 2)}`);
    }
    const k = rate === 1_000 ? '1,000' : '10,000';
    addRow(`3${rate === 1_000 ? 'a' : 'c'}`, `Latency publish → store.onDidAddRun, p50 @ ${k} ev/s`, stat(p50), (v) => fmtMs(v, 2));
    addRow(
      `3${rate === 1_000 ? 'b' : 'd'}`,
      `Latency publish → store.onDidAddRun, p99 @ ${k} ev/s`,
      stat(p99),
      (v) => fmtMs(v, 2),
      rate === 1_000 ? { text: '≤ 50 ms', ok: (v) => v <= 50 } : undefined,
    );
  }
}

// ---------------------------------------------------------------------------------------------
// 4: view updates and event-loop delay in a 50,000 ev/s burst

async function burstRound(settings: ConnectionSettings, pub: Publisher): Promise<{ updatesPerS: number; eldP99: number; recvRate: number; latP99: number; losses: number }> {
  const store = new PipelineStore();
  const w = await startWatcher(settings, store);
  const counter = new Counter();
  const latencies: number[] = [];
  let firstAt = 0;
  store.onDidAddRun((rec: RunRecord) => {
    if (counter.count === 0) firstAt = performance.now();
    const sent = rec.run.result[STAMP_FIELD];
    if (typeof sent === 'number') latencies.push(monoMicros() - sent);
    counter.tick();
  });
  // A stand-in for the views: each notification re-reads what a tree view renders.
  let updates = 0;
  let viewMs = 0;
  store.onDidChange(() => {
    if (counter.count === 0) return; // the notification of the initial reconcile
    const t = performance.now();
    updates++;
    store.list();
    store.counts();
    viewMs += performance.now() - t;
  });
  const eld = monitorEventLoopDelay({ resolution: 5 });
  try {
    eld.enable();
    const sent = await pub.send({ op: 'paced', rate: BURST_RATE, durationMs: CONFIG.burstMs, withState: true });
    const lastAt = await withTimeout(counter.until(sent.events), 60_000, `burst: received ${counter.count} of ${sent.events}`);
    eld.disable();
    // Count the notifications of the burst itself: let the last coalesced one fire.
    await sleep(150);
    const spanS = (lastAt - firstAt) / 1000;
    latencies.sort((a, b) => a - b);
    if (viewMs / updates > 20) notes.push(`Burst: the stand-in view refresh took ${(viewMs / updates).toFixed(1)} ms each.`);
    return { updatesPerS: updates / spanS, eldP99: eld.percentile(99) / 1e6, recvRate: counter.count / spanS, latP99: percentile(latencies, 99) / 1000, losses: w.losses.length };
  } finally {
    eld.disable();
    w.watcher.dispose();
    store.dispose();
  }
}

export async function measureBurst(settings: ConnectionSettings, pub: Publisher): Promise<void> {
  log(`4 burst @ ${BURST_RATE.toLocaleString('en-US')} ev/s: ${CONFIG.burstRounds} round(s) of ${CONFIG.burstMs} ms`);
  const updates: number[] = [];
  const eld: number[] = [];
  const recv: number[] = [];
  const lat: number[] = [];
  for (let i = 0; i < CONFIG.burstRounds; i++) {
    const r = await burstRound(settings, pub);
    updates.push(r.updatesPerS);
    eld.push(r.eldP99);
    recv.push(r.recvRate);
    lat.push(r.latP99);
    if (r.losses) notes.push(`Burst: connection lost ${r.losses} time(s).`);
    log(`  round ${i + 1}: ${r.updatesPerS.toFixed(1)} updates/s, loop delay p99 ${fmtMs(r.eldP99)}, received ${fmtRate(r.recvRate)}, latency p99 ${fmtMs(r.latP99)}`);
  }
  addRow('4a', `View updates (store.onDidChange, default coalescing) per second during a ${BURST_RATE.toLocaleString('en-US')} ev/s burst`, stat(updates), (v) => `${v.toFixed(1)} /s`, { text: '≤ ~10 /s', ok: (v) => v <= 10.5 });
  addRow('4b', 'Event-loop delay p99 during the burst (monitorEventLoopDelay, 5 ms resolution)', stat(eld), fmtMs, { text: '≤ 50 ms', ok: (v) => v <= 50 });
  addRow('4c', 'Receive rate achieved during the burst (first → last event)', stat(recv), fmtRate);
  addRow('4d', 'Latency publish → store p99 during the burst', stat(lat), fmtMs);
}
