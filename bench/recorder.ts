// Section 10g-10r: the recorder's throughput against its ceiling (issue 20). Against the bench's
// redis-server, in alternating rounds over the same runs: a StreamRecorder fed the runs through
// its store with each payload's bytes (as its watcher does), and a bare ioredis client doing
// pipelined XADDs of the very entries the recorder writes (key, ID, the payload's bytes, MAXLEN ~),
// computed before its clock starts.
// The runs arrive as they finish (ordered by finished_at, received then), as a recorder hears them.
import Redis from 'ioredis';
import type { PipelineRun } from '../src/core/decode';
import { decodeMessage } from '../src/core/decode';
import { StreamRecorder } from '../src/core/history/recorder';
import { streamIdOf } from '../src/core/history/streamId';
import { KeySpace } from '../src/core/keySpace';
import type { ConnectionSettings } from '../src/core/settings';
import { PREFIX, payloadPool } from './payloads';

const keys = new KeySpace(PREFIX);
/** XADDs per pipeline of the bare client (the recorder's own batch size). */
const BARE_BATCH = 1000;

export interface RecorderCeilingFigures {
  /** Runs per second, one per round. */
  readonly recorderRunsPerS: number[];
  readonly bareRunsPerS: number[];
  /** This process's CPU per run while writing (redis-server's not included), one per round. */
  readonly recorderCpuUs: number[];
  readonly bareCpuUs: number[];
  /** CPU per run of making the bare client's entries (stream ID, key, payload text) before its clock starts. */
  readonly entryCpuUs: number;
  readonly runs: number;
}

export async function measureRecorderCeiling(settings: ConnectionSettings, admin: Redis, streams: number, entries: number, maxLen: number, rounds: number): Promise<RecorderCeilingFigures> {
  const wires = new Map<PipelineRun, Buffer>();
  const runs = arriving(
    payloadPool(streams, streams * entries).map((e) => {
      const wire = Buffer.from(e.json, 'utf8');
      const outcome = decodeMessage(keys, e.channel, wire);
      if (outcome.kind !== 'run') throw new Error('bench payload did not decode');
      wires.set(outcome.run, wire);
      return outcome.run;
    }),
  ).map((r) => ({ ...r, wire: wires.get(r.run) as Buffer }));
  // The bare client's entries: what the recorder writes for these runs, in the order it hears them
  // (the payload's bytes as received), made before its clock starts; 10k times making them.
  const cpu = process.cpuUsage();
  // As text: the same bytes, and ioredis writes a command of strings faster than one with a Buffer.
  const bare = runs.map((r) => ({ key: keys.runsKey(r.run.resultName), id: streamIdOf(r), json: r.wire.toString('utf8') }));
  const entryCpuUs = cpuUs(process.cpuUsage(cpu)) / runs.length;
  const client = new Redis({ host: settings.host, port: settings.port, lazyConnect: true });
  await client.connect();
  const recorder = { perS: [] as number[], cpuUs: [] as number[] };
  const plain = { perS: [] as number[], cpuUs: [] as number[] };
  try {
    for (let round = 0; round < rounds; round++) {
      for (const which of round % 2 === 0 ? (['recorder', 'bare'] as const) : (['bare', 'recorder'] as const)) {
        await admin.flushall();
        const into = which === 'bare' ? plain : recorder;
        const { perS, cpuUs } = which === 'bare' ? await bareRound(client, bare, maxLen) : await recorderRound(settings, runs, maxLen);
        into.perS.push(perS);
        into.cpuUs.push(cpuUs);
      }
    }
  } finally {
    client.disconnect();
  }
  return { recorderRunsPerS: recorder.perS, bareRunsPerS: plain.perS, recorderCpuUs: recorder.cpuUs, bareCpuUs: plain.cpuUs, entryCpuUs, runs: runs.length };
}

interface Round {
  readonly perS: number;
  readonly cpuUs: number;
}

function cpuUs(used: NodeJS.CpuUsage): number {
  return used.user + used.system;
}

async function bareRound(client: Redis, entries: Array<{ key: string; id: string; json: string }>, maxLen: number): Promise<Round> {
  const cpu = process.cpuUsage();
  const t0 = performance.now();
  const sent: Array<Promise<unknown>> = [];
  for (let from = 0; from < entries.length; from += BARE_BATCH) {
    const pipeline = client.pipeline();
    for (let i = from; i < Math.min(entries.length, from + BARE_BATCH); i++) pipeline.xadd(entries[i].key, 'MAXLEN', '~', maxLen, entries[i].id, 'run', entries[i].json);
    sent.push(pipeline.exec());
  }
  await Promise.all(sent);
  return { perS: entries.length / ((performance.now() - t0) / 1000), cpuUs: cpuUs(process.cpuUsage(cpu)) / entries.length };
}

/** Runs as a recorder hears them: by finished_at, each received when it finished (one that never started, with the run before it). */
export function arriving(runs: PipelineRun[]): Array<{ run: PipelineRun; receivedAt: number }> {
  const finished = (run: PipelineRun) => run.finishedAt?.epochMs ?? 0;
  const ordered = runs.map((run, i) => ({ run, i })).sort((a, b) => finished(a.run) - finished(b.run) || a.i - b.i);
  let last = Date.UTC(2025, 0, 1);
  return ordered.map(({ run }) => {
    if (finished(run) > 0) last = finished(run);
    return { run, receivedAt: last };
  });
}

async function recorderRound(settings: ConnectionSettings, runs: Array<{ run: PipelineRun; receivedAt: number; wire: Buffer }>, maxLen: number): Promise<Round> {
  const recorder = new StreamRecorder(settings, { maxLen, holdMs: 0 });
  try {
    const connected = new Promise<void>((resolve) => recorder.watcher.onDidReconcile(() => resolve()));
    recorder.start();
    await connected;
    const drained = new Promise<void>((resolve) => {
      const sub = recorder.onDidDrain((c) => {
        if (c.written + c.alreadyRecorded + c.dropped >= runs.length) {
          sub.dispose();
          resolve();
        }
      });
    });
    const cpu = process.cpuUsage();
    const t0 = performance.now();
    for (const { run, receivedAt, wire } of runs) recorder.store.addRun(run, 'live', receivedAt, false, wire);
    await drained;
    const perS = runs.length / ((performance.now() - t0) / 1000);
    if (recorder.recorded.dropped > 0) throw new Error(`the recorder dropped ${recorder.recorded.dropped} runs`);
    return { perS, cpuUs: cpuUs(process.cpuUsage(cpu)) / runs.length };
  } finally {
    recorder.dispose();
  }
}
