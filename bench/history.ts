// Section 10: the history that survives restarts (issue 13). In-process: ingest with the journal
// on vs off (CPU per event, flushes included), loading 1,000 pipelines × 100 runs from disk, the
// journal's bytes. Against the bench's redis-server: the recorder's throughput with trimming, and
// a viewer's connect-time read of 1,000 streams × 100 entries.
import { mkdtempSync, rmSync, statSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { type PerformanceEntry, PerformanceObserver, constants } from 'node:perf_hooks';
import { join } from 'node:path';
import Redis from 'ioredis';
import { decodeMessage } from '../src/core/decode';
import { HistoryJournal } from '../src/core/history/journal';
import { StreamRecorder } from '../src/core/history/recorder';
import { readStreams } from '../src/core/history/streams';
import { KeySpace } from '../src/core/keySpace';
import type { ConnectionSettings } from '../src/core/settings';
import { PipelineStore } from '../src/core/store';
import { PREFIX, payloadPool } from './payloads';

const keys = new KeySpace(PREFIX);
const IDENTITY = '["bench"]';

function decodedPool(pipelines: number, size: number) {
  return payloadPool(pipelines, size).map((e) => {
    const outcome = decodeMessage(keys, e.channel, Buffer.from(e.json, 'utf8'));
    if (outcome.kind !== 'run') throw new Error('bench payload did not decode');
    return { channel: e.channel, bytes: Buffer.from(e.json, 'utf8'), run: outcome.run };
  });
}

export interface JournalFigures {
  /** CPU µs per event: decode + store, without and with the journal (one per round). */
  readonly withoutUs: number[];
  readonly withUs: number[];
  /** Loading a journal of `pipelines` × `runs`, ms (one per round). */
  readonly loadMs: number[];
  /** The compacted journal of that model, bytes, and per 100,000 runs. */
  readonly fileBytes: number;
  readonly bytesPer100k: number;
  /** What appending 100,000 runs writes before any compaction. */
  readonly appendBytesPer100k: number;
}

export function measureJournal(events: number, pipelines: number, runsEach: number, rounds: number): JournalFigures {
  const dir = mkdtempSync(join(tmpdir(), 'tdtp-bench-history-'));
  try {
    const pool = decodedPool(1000, 20_000);
    const ingest = (withJournal: boolean, round: number): number => {
      const store = new PipelineStore({ coalesceMs: 0 });
      const journal = withJournal ? new HistoryJournal(store, { dir: join(dir, `ingest-${round}`), identity: IDENTITY, flushMs: 1000 }) : undefined;
      const cpu = process.cpuUsage();
      for (let i = 0; i < events; i++) {
        const e = pool[i % pool.length];
        const outcome = decodeMessage(keys, e.channel, e.bytes);
        if (outcome.kind === 'run') store.addRun(outcome.run, 'live', i, false, e.bytes); // as the watcher does
        // The timer would flush about once a second; at ~100k events/s that is every 100k events. Flush more often, to be fair.
        if (journal && i % 20_000 === 19_999) journal.flush();
      }
      journal?.dispose();
      const used = process.cpuUsage(cpu);
      store.dispose();
      return (used.user + used.system) / events;
    };
    ingest(false, -1);
    ingest(true, -2);
    const withoutUs: number[] = [];
    const withUs: number[] = [];
    for (let round = 0; round < rounds; round++) {
      if (round % 2 === 0) withoutUs.push(ingest(false, round));
      withUs.push(ingest(true, round));
      if (round % 2 === 1) withoutUs.push(ingest(false, round));
    }

    // The append-only cost of 100,000 runs (no compaction: a large slack).
    const appendDir = join(dir, 'append');
    const appendStore = new PipelineStore({ coalesceMs: 0 });
    const appendJournal = new HistoryJournal(appendStore, { dir: appendDir, identity: IDENTITY, flushMs: 1000, compactSlackBytes: 1e12 });
    for (let i = 0; i < 100_000; i++) appendStore.addRun(pool[i % pool.length].run, 'live', i);
    appendJournal.dispose();
    const appendBytesPer100k = statSync(appendJournal.file).size;

    // A full model on disk, then loaded into an empty store.
    const modelDir = join(dir, 'model');
    const many = decodedPool(pipelines, pipelines * runsEach);
    const model = new PipelineStore({ coalesceMs: 0, historySize: runsEach });
    const writer = new HistoryJournal(model, { dir: modelDir, identity: IDENTITY });
    for (let i = 0; i < many.length; i++) model.addRun(many[i].run, 'live', i);
    writer.compact();
    writer.dispose();
    const fileBytes = statSync(writer.file).size;
    const loadMs: number[] = [];
    for (let round = 0; round < rounds; round++) {
      const store = new PipelineStore({ coalesceMs: 0, historySize: runsEach });
      const t0 = performance.now();
      const journal = new HistoryJournal(store, { dir: modelDir, identity: IDENTITY });
      loadMs.push(performance.now() - t0);
      if (journal.loadReport.runs !== pipelines * runsEach) throw new Error(`loaded ${journal.loadReport.runs} runs, expected ${pipelines * runsEach}`);
      journal.dispose();
      store.dispose();
    }
    return { withoutUs, withUs, loadMs, fileBytes, bytesPer100k: (fileBytes / (pipelines * runsEach)) * 100_000, appendBytesPer100k };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export interface StreamFigures {
  /** Runs per second the recorder wrote with `MAXLEN ~ maxLen` (one per round). */
  readonly recorderRunsPerS: number[];
  /** readStreams at connect over `streams` streams of `entries` entries, ms (one per round). */
  readonly connectMs: number[];
  readonly runsRead: number;
}

export async function measureStreams(settings: ConnectionSettings, admin: Redis, streams: number, entries: number, maxLen: number, rounds: number): Promise<StreamFigures> {
  const pool = decodedPool(streams, streams * entries);
  const recorderRunsPerS: number[] = [];
  for (let round = 0; round < rounds; round++) {
    await admin.flushall();
    const recorder = new StreamRecorder(settings, { maxLen, holdMs: 0 });
    const connected = new Promise<void>((resolve) => recorder.watcher.onDidReconcile(() => resolve()));
    recorder.start();
    await connected;
    const drained = new Promise<void>((resolve) => {
      const sub = recorder.onDidDrain((c) => {
        if (c.written + c.alreadyRecorded + c.dropped >= pool.length) {
          sub.dispose();
          resolve();
        }
      });
    });
    const t0 = performance.now();
    // Received when it finished (a received time far from finished_at would make the ID the arrival's).
    for (let i = 0; i < pool.length; i++) recorder.store.addRun(pool[i].run, 'live', pool[i].run.finishedAt?.epochMs ?? i);
    await drained;
    recorderRunsPerS.push(pool.length / ((performance.now() - t0) / 1000));
    if (recorder.recorded.dropped > 0) throw new Error(`the recorder dropped ${recorder.recorded.dropped} runs`);
    recorder.dispose();
  }
  // The streams as the last round left them (MAXLEN ~ trims whole nodes of 100 entries: about `entries` each).
  const connectMs: number[] = [];
  let runsRead = 0;
  const client = new Redis({ host: settings.host, port: settings.port, lazyConnect: true });
  await client.connect();
  try {
    for (let round = 0; round < rounds; round++) {
      const store = new PipelineStore({ coalesceMs: 0, historySize: entries });
      const t0 = performance.now();
      const report = await readStreams(client, keys, store, 'loaded', undefined);
      connectMs.push(performance.now() - t0);
      runsRead = report.added;
      store.dispose();
    }
  } finally {
    client.disconnect();
  }
  return { recorderRunsPerS, connectMs, runsRead };
}

export interface ActivationFigures {
  /** HistoryJournal.open at `pipelines` × `runs`: the longest slice of work between event-loop turns, ms. */
  readonly longestBlockMs: number;
  /** Garbage collection during the load (less disturbed by a loaded machine than wall time). */
  readonly gc: GcFigures;
  /** A rewrite of that model started while recording (runs added meanwhile): the longest block, ms; its duration, ms. */
  readonly compactLongestBlockMs: number;
  readonly compactMs: number;
  /** Until the store holds its first pipeline (the tree's first rows can show), ms. */
  readonly firstRowsMs: number;
  /** Until everything is loaded, ms. */
  readonly allMs: number;
  readonly fileBytes: number;
}

/** Activation at the defaults' full size: the journal loaded in slices (HistoryJournal.open). */
export async function measureActivation(pipelines: number, runsEach: number): Promise<ActivationFigures> {
  const dir = mkdtempSync(join(tmpdir(), 'tdtp-bench-activation-'));
  try {
    const model = new PipelineStore({ coalesceMs: 0, historySize: runsEach });
    const writer = new HistoryJournal(model, { dir, identity: IDENTITY });
    const pool = decodedPool(pipelines, Math.min(pipelines * runsEach, 100_000));
    for (let i = 0; i < pipelines * runsEach; i++) model.addRun(pool[i % pool.length].run, 'live', i);
    writer.compact();
    writer.dispose();
    model.dispose();
    const fileBytes = statSync(writer.file).size;
    const store = new PipelineStore({ coalesceMs: 0, historySize: runsEach });
    let firstRowsMs = NaN;
    let longestBlockMs = 0;
    const t0 = performance.now();
    let last = t0;
    // The event loop's turns, as a monitor in the extension host would see them.
    const monitor = setInterval(() => {
      const now = performance.now();
      longestBlockMs = Math.max(longestBlockMs, now - last);
      last = now;
      if (Number.isNaN(firstRowsMs) && store.size > 0) firstRowsMs = now - t0;
    }, 0);
    const gcWatch = watchGc();
    const journal = await HistoryJournal.open(store, { dir, identity: IDENTITY });
    const allMs = performance.now() - t0;
    const gc = gcWatch.stop();
    longestBlockMs = Math.max(longestBlockMs, performance.now() - last);
    clearInterval(monitor);
    if (journal.loadReport.runs !== pipelines * runsEach) throw new Error(`loaded ${journal.loadReport.runs} runs`);

    // A rewrite while recording: a run added every turn meanwhile, the event loop watched.
    let compactLongestBlockMs = 0;
    let turnAt = performance.now();
    let added = 0;
    const c0 = performance.now();
    const settled = journal.compactInSlices();
    let running = true;
    void settled.then(() => (running = false));
    while (running) {
      await new Promise<void>((resolve) => setImmediate(resolve));
      const now = performance.now();
      compactLongestBlockMs = Math.max(compactLongestBlockMs, now - turnAt);
      turnAt = now;
      store.addRun(pool[added++ % pool.length].run, 'live', pipelines * runsEach + added);
    }
    const compactMs = performance.now() - c0;
    journal.dispose();
    const check = new PipelineStore({ coalesceMs: 0, historySize: runsEach });
    const reread = new HistoryJournal(check, { dir, identity: IDENTITY });
    if (reread.loadReport.runs !== store.list().reduce((n, p) => n + store.history(p.resultName).length, 0)) throw new Error('the rewrite lost runs');
    reread.dispose();
    check.dispose();
    store.dispose();
    return { longestBlockMs, gc, compactLongestBlockMs, compactMs, firstRowsMs, allMs, fileBytes };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export interface GcFigures {
  readonly pauses: number;
  readonly totalMs: number;
  readonly longestMs: number;
  /** Pauses of the young generation (scavenges) and of the whole heap (mark-compact). */
  readonly minor: number;
  readonly major: number;
}

/** Counts garbage collection pauses from now until stop(). */
function watchGc(): { stop(): GcFigures } {
  const figures = { pauses: 0, totalMs: 0, longestMs: 0, minor: 0, major: 0 };
  const count = (entries: readonly PerformanceEntry[]) => {
    for (const e of entries) {
      figures.pauses++;
      figures.totalMs += e.duration;
      figures.longestMs = Math.max(figures.longestMs, e.duration);
      const kind = (e as PerformanceEntry & { detail?: { kind?: number } }).detail?.kind;
      // Anything but a scavenge (mark-compact, the end of incremental marking) works on the whole heap.
      if (kind === constants.NODE_PERFORMANCE_GC_MINOR) figures.minor++;
      else figures.major++;
    }
  };
  const observer = new PerformanceObserver((list) => count(list.getEntries()));
  observer.observe({ entryTypes: ['gc'] });
  return {
    stop() {
      count(observer.takeRecords());
      observer.disconnect();
      return figures;
    },
  };
}

export interface GrowthFigures {
  /** Largest file size over the compacted size of the same model, across the sessions. */
  readonly worstRatio: number;
  readonly sessions: number;
}

/** Many sessions that each append a fifth of the model: the file's size against the model compacted. */
export function measureGrowth(pipelines: number, runsEach: number, sessions: number): GrowthFigures {
  const dir = mkdtempSync(join(tmpdir(), 'tdtp-bench-growth-'));
  try {
    const pool = decodedPool(pipelines, pipelines * runsEach);
    let worstRatio = 0;
    let i = 0;
    for (let session = 0; session < sessions; session++) {
      const store = new PipelineStore({ coalesceMs: 0, historySize: runsEach });
      const journal = new HistoryJournal(store, { dir, identity: IDENTITY, compactSlackBytes: 0 });
      for (const end = i + pool.length / 5; i < end; i++) store.addRun(pool[i % pool.length].run, 'live', i);
      journal.flush();
      const size = statSync(journal.file).size;
      journal.compact();
      worstRatio = Math.max(worstRatio, size / statSync(journal.file).size);
      journal.dispose();
      store.dispose();
    }
    return { worstRatio, sessions };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export interface FloodJournalFigures {
  /** CPU µs per flood event (decode + store at its pipeline limit), without and with the journal. */
  readonly withoutUs: number;
  readonly withUs: number;
  /** Bytes the journal wrote over the flood, and the file's size after it. */
  readonly writtenBytes: number;
  readonly fileBytes: number;
}

/** A flood of distinct names (errors of 2 KB) at the pipeline limit, the event loop turning every 1,000 events. */
export async function measureFloodJournal(names: number, maxPipelines: number): Promise<FloodJournalFigures> {
  const dir = mkdtempSync(join(tmpdir(), 'tdtp-bench-flood-journal-'));
  try {
    const error = 'E'.repeat(2048);
    const payloads = Array.from({ length: names }, (_, i) => ({
      channel: keys.channel(`FLOOD_${i}`),
      bytes: Buffer.from(JSON.stringify({ pipeline_name: 'flood', result_name: `FLOOD_${i}`, status: 'failed', error, started_at: '2025-11-18T10:00:00Z', finished_at: '2025-11-18T10:00:01Z', duration_ms: 1000, rows_loaded: 0, rows_exported: 0 })),
    }));
    const run = async (withJournal: boolean) => {
      const store = new PipelineStore({ coalesceMs: 0, limits: { maxPipelines } });
      let writtenBytes = 0;
      const io = { writeSync: (fd: number, b: Uint8Array, o: number, l: number) => ((writtenBytes += l), writeSync(fd, b, o, l)) };
      const journal = withJournal ? new HistoryJournal(store, { dir: join(dir, String(withJournal)), identity: IDENTITY, io }) : undefined;
      const cpu = process.cpuUsage();
      for (let i = 0; i < payloads.length; i++) {
        const outcome = decodeMessage(keys, payloads[i].channel, payloads[i].bytes);
        if (outcome.kind === 'run') store.addRun(outcome.run, 'live');
        if (i % 1000 === 999) await new Promise<void>((resolve) => setImmediate(resolve));
      }
      journal?.dispose();
      const used = process.cpuUsage(cpu);
      const fileBytes = journal ? statSync(journal.file).size : 0;
      store.dispose();
      return { us: (used.user + used.system) / payloads.length, writtenBytes, fileBytes };
    };
    const without = await run(false);
    const withJ = await run(true);
    return { withoutUs: without.us, withUs: withJ.us, writtenBytes: withJ.writtenBytes, fileBytes: withJ.fileBytes };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
