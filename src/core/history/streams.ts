import type Redis from 'ioredis';
import { CommandsClient, isCluster } from '../connection';
import { decodePayload } from '../decode';
import { KeySpace } from '../keySpace';
import { PipelineStore, RunSource } from '../store';
import { streamIdOf, streamIdTime } from './streamId';

export interface StreamGap {
  readonly from: number;
  readonly to: number;
  readonly reason: string;
}

/** What reading the recorders' streams found (for the log). */
export interface StreamReadReport {
  /** Streams found (`<prefix>:*:runs`). */
  readonly streams: number;
  /** Runs new to the model. */
  readonly added: number;
  /** Pipelines whose stream reaches back to the model's latest run: no gap marker for them. */
  readonly covered: number;
  /** Reading failed (a permission, a key of another type): gap markers as without streams. */
  readonly problem?: string;
}

const SCAN_COUNT = 1000;

/**
 * Reads the streams of runs that a recorder (`tdtp-record`) writes: per pipeline the newest runs
 * down to the model's latest one (`XREVRANGE key + <its ID> COUNT <history size>`, all sent at
 * once). Where the stream holds the model's latest run, the runs after it are exactly the ones
 * missed, so the `gap` is not marked there. Without streams (no recorder) it adds the gap to every
 * pipeline, as before. Runs enter the store oldest first, before the state keys are read.
 */
export async function readStreams(commands: CommandsClient, keys: KeySpace, store: PipelineStore, source: Extract<RunSource, 'loaded' | 'recovered'>, gap: StreamGap | undefined): Promise<StreamReadReport> {
  const uncovered = new Set(store.list().map((p) => p.resultName));
  let added = 0;
  let covered = 0;
  let names: string[] = [];
  let problem: string | undefined;
  try {
    names = await scanRunsKeys(commands, keys);
    const count = store.historyCapacity;
    const latests = names.map((name) => store.get(name)?.latest);
    const starts = latests.map((latest) => (latest ? streamIdOf(latest) : '-'));
    const replies = await readNewest(commands, names.map((name, i) => [keys.runsKey(name), starts[i]]), count);
    names.forEach((name, i) => {
      const reply = replies[i];
      if (reply.status === 'rejected') {
        problem ??= (reply.reason as Error)?.message ?? String(reply.reason);
        return;
      }
      const entries = reply.value;
      const start = starts[i];
      const known = start !== '-';
      // Full: more runs since than the history keeps, so the older ones would not be shown anyway.
      const reachesBack = known && (entries.some(([id]) => id === start) || entries.length >= count);
      if (known && !reachesBack && gap) store.addGap(gap.from, gap.to, gap.reason, new Set([name]));
      if (reachesBack) covered++;
      uncovered.delete(name);
      // A live event arrived meanwhile: it is newer than everything read, and stays the latest.
      if (store.get(name)?.latest !== latests[i]) return;
      for (let k = entries.length - 1; k >= 0; k--) {
        const [id, fields] = entries[k];
        const value = fieldValue(fields, 'run');
        if (value === undefined) continue;
        const outcome = decodePayload(keys.runsKey(name), name, value, streamIdTime(id) || Date.now());
        if (outcome.kind === 'run') {
          if (store.addRun(outcome.run, source, streamIdTime(id) || Date.now())) added++;
        } else if (outcome.kind === 'rejected') {
          store.addRejected(outcome.rejected);
        }
      }
    });
  } catch (err) {
    problem = (err as Error)?.message ?? String(err);
  }
  if (gap && uncovered.size) store.addGap(gap.from, gap.to, gap.reason, uncovered);
  return { streams: names.length, added, covered, problem };
}

type Entries = Array<[id: string, fields: string[]]>;

/** `XREVRANGE key + start COUNT count` of each: one pipeline on a single server; a cluster routes each to its shard. */
async function readNewest(commands: CommandsClient, reads: Array<[key: string, start: string]>, count: number): Promise<Array<PromiseSettledResult<Entries>>> {
  if (isCluster(commands)) return Promise.allSettled(reads.map(([key, start]) => commands.xrevrange(key, '+', start, 'COUNT', count)));
  const pipeline = commands.pipeline();
  for (const [key, start] of reads) pipeline.xrevrange(key, '+', start, 'COUNT', count);
  const replies = (await pipeline.exec()) ?? [];
  return reads.map((_, i): PromiseSettledResult<Entries> => {
    const [err, value] = replies[i] ?? [new Error('the read was aborted'), undefined];
    return err ? { status: 'rejected', reason: err } : { status: 'fulfilled', value: value as Entries };
  });
}

/** Every `<prefix>:*:runs` key: on each primary of a cluster, else on the one server. */
async function scanRunsKeys(commands: CommandsClient, keys: KeySpace): Promise<string[]> {
  const scanners: Redis[] = isCluster(commands) ? commands.nodes('master') : [commands];
  const found = new Set<string>();
  await Promise.all(
    scanners.map(async (scanner) => {
      let cursor = '0';
      do {
        const [next, page] = await scanner.scan(cursor, 'MATCH', keys.runsKeyPattern, 'COUNT', SCAN_COUNT);
        cursor = next;
        for (const key of page) {
          const name = keys.resultNameOfRunsKey(key);
          if (name) found.add(name);
        }
      } while (cursor !== '0');
    }),
  );
  return [...found];
}

function fieldValue(fields: string[], name: string): string | undefined {
  for (let i = 0; i + 1 < fields.length; i += 2) if (fields[i] === name) return fields[i + 1];
  return undefined;
}
