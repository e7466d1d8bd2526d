import type Redis from 'ioredis';
import { boundedInstant } from '../clock';
import type { CommandsClient } from '../connection';
import { isCluster } from '../connection';
import { decodePayload } from '../decode';
import type { KeySpace } from '../keySpace';
import type { PipelineStore } from '../store';
import type { RunRecord, RunSource } from '../runs';
import type { LiveHold } from './liveHold';
import { hasOwnTime, runHash, streamIdOf, streamIdSeq, streamIdTime } from './streamId';

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
  /**
   * Streams found but not read at this connect: past STREAMS_PER_CONNECT, or of pipelines the model
   * does not know when it has no room left for them (a stream-only pipeline never pushes one out).
   */
  readonly unread: number;
  /**
   * Pipelines whose stream's runs were not added because a newer live run came first (more live
   * runs arrived during the read than are held): they get the gap marker instead.
   */
  readonly overtaken: number;
  /** Reading failed (a permission, a key of another type): gap markers as without streams. */
  readonly problem?: string;
}

/** Streams read at one connect at most: the pipelines the model knows first, then new ones. */
export const STREAMS_PER_CONNECT = 5000;
/** Entries asked for in one pipeline (round trip); two are held at once (one read ahead). */
const ENTRIES_PER_BATCH = 10_000;
const SCAN_COUNT = 1000;

/**
 * Reads the streams of runs that a recorder (`tdtp-record`) writes: per pipeline the newest runs
 * down to the model's latest one (`XREVRANGE key + <its ID> COUNT <history size>`, in batches).
 * Where the stream holds the model's latest run, the runs after it are exactly the ones missed, so
 * the `gap` is not marked there. Without streams (no recorder) it adds the gap to every pipeline,
 * as before. Runs enter the store oldest first, before the state keys are read; live runs that
 * arrive meanwhile wait in `hold` and go after them.
 *
 * What a stream holds may be a flood's junk, written long ago: its runs give a pipeline no standing
 * (`fromStream`), only the room left in the model takes new pipelines, and one connect reads at most
 * STREAMS_PER_CONNECT streams; the rest is counted as `unread`.
 */
export async function readStreams(commands: CommandsClient, keys: KeySpace, store: PipelineStore, source: Extract<RunSource, 'loaded' | 'recovered'>, gap: StreamGap | undefined, hold?: LiveHold): Promise<StreamReadReport> {
  // The model's latest runs as the read begins: a live run after that is newer than any stream's.
  const latests = new Map(store.list().map((p) => [p.resultName, p.latest]));
  const uncovered = new Set(latests.keys());
  const counts = { added: 0, covered: 0, overtaken: 0 };
  let found = { known: [] as string[], fresh: [] as string[], total: 0 };
  let read = 0;
  let problem: string | undefined;
  hold?.begin();
  try {
    found = await scanRunsKeys(commands, keys, store);
    const known = found.known.slice(0, STREAMS_PER_CONNECT);
    const names = [...known, ...found.fresh.slice(0, Math.min(store.room, STREAMS_PER_CONNECT - known.length))];
    read = names.length;
    const count = store.historyCapacity;
    const perBatch = Math.max(1, Math.floor(ENTRIES_PER_BATCH / count));
    // The next batch is asked for before this one is added: Redis answers while the runs are decoded.
    const ask = (from: number) => {
      const batch = names.slice(from, from + perBatch);
      const batchLatests = batch.map((name) => latests.get(name));
      const starts = batchLatests.map((latest) => (latest && hasOwnTime(latest) ? streamIdOf(latest) : '-'));
      const replies = readNewest(commands, batch.map((name, i) => [keys.runsKey(name), starts[i]]), count);
      replies.catch(() => undefined); // awaited below; not unhandled if an earlier batch throws first
      return { batch, batchLatests, replies };
    };
    let next = names.length > 0 ? ask(0) : undefined;
    for (let from = 0; next; from += perBatch) {
      const { batch, batchLatests } = next;
      const replies = await next.replies;
      next = from + perBatch < names.length ? ask(from + perBatch) : undefined;
      batch.forEach((name, i) => {
        const reply = replies[i];
        if (reply.status === 'rejected') {
          problem ??= (reply.reason as Error)?.message ?? String(reply.reason);
          return;
        }
        uncovered.delete(name);
        applyStream(store, keys, name, batchLatests[i], reply.value, count, source, gap, counts);
      });
    }
  } catch (err) {
    problem = (err as Error)?.message ?? String(err);
  } finally {
    hold?.end();
  }
  if (gap && uncovered.size) store.addGap(gap.from, gap.to, gap.reason, uncovered);
  return { streams: found.total, ...counts, unread: found.total - read, problem };
}

/**
 * A stream's entries as read: the IDs as text, the fields as the bytes Redis sent (only the run's
 * value is made text, by fieldValue: the names and other fields were three conversions of four).
 */
type Entries = Array<[id: string, fields: unknown[]]>;

/** Adds the runs of one stream newer than the model's latest (`latest`), or marks the gap it does not cover. */
function applyStream(store: PipelineStore, keys: KeySpace, name: string, latest: RunRecord | undefined, entries: Entries, count: number, source: RunSource, gap: StreamGap | undefined, counts: { added: number; covered: number; overtaken: number }): void {
  let fresh = entries;
  let reachesBack = false;
  if (latest) {
    // The recorder's ID of the model's latest run: exact when the run's time is its own, else found by its hash.
    const own = hasOwnTime(latest);
    const start = streamIdOf(latest);
    const hash = runHash(latest);
    const at = entries.findIndex(([id]) => (own ? id === start : streamIdSeq(id) === hash));
    if (at >= 0) fresh = entries.slice(0, at);
    else if (!own) fresh = entries.filter(([id]) => streamIdTime(id) > latest.receivedAt);
    // Full: more runs since than the history keeps, so the older ones would not be shown anyway.
    reachesBack = at >= 0 || (own && entries.length >= count);
  }
  // A live run came first (more arrived during the read than are held): the runs before it cannot
  // go in behind it. Counted, and the pipeline keeps its gap marker instead of being "covered".
  const overtaken = fresh.length > 0 && store.get(name)?.latest !== latest;
  if (overtaken) counts.overtaken++;
  if (latest) {
    if (reachesBack && !overtaken) counts.covered++;
    else if (gap) store.addGap(gap.from, gap.to, gap.reason, new Set([name]));
  }
  if (overtaken || fresh.length === 0) return;
  const now = Date.now();
  const key = keys.runsKey(name);
  const add = store.streamAdder(source);
  for (let k = fresh.length - 1; k >= 0; k--) {
    const [id, fields] = fresh[k];
    const value = runValue(fields);
    if (value === undefined) continue;
    // The ID's time is a recorder's claim: a received time never later than the local clock allows.
    const receivedAt = boundedInstant(streamIdTime(id) || now, now);
    const outcome = decodePayload(key, name, value, receivedAt);
    if (outcome.kind === 'run') {
      if (add(outcome.run, receivedAt)) counts.added++;
    } else if (outcome.kind === 'rejected') {
      store.addRejected(outcome.rejected);
    }
  }
}

/** `XREVRANGE key + start COUNT count` of each: one pipeline on a single server; a cluster routes each to its shard. */
async function readNewest(commands: CommandsClient, reads: Array<[key: string, start: string]>, count: number): Promise<Array<PromiseSettledResult<Entries>>> {
  if (isCluster(commands)) return Promise.allSettled(reads.map(([key, start]) => commands.xrevrangeBuffer(key, '+', start, 'COUNT', count).then(withTextIds)));
  const pipeline = commands.pipeline();
  for (const [key, start] of reads) pipeline.xrevrangeBuffer(key, '+', start, 'COUNT', count);
  const replies = (await pipeline.exec()) ?? [];
  return reads.map((_, i): PromiseSettledResult<Entries> => {
    const [err, value] = replies[i] ?? [new Error('the read was aborted'), undefined];
    return err ? { status: 'rejected', reason: err } : { status: 'fulfilled', value: withTextIds(value) };
  });
}

/** The reply with its IDs made text as ioredis makes every string of a reply (asText), in place: the arrays are this read's own. */
function withTextIds(reply: unknown): Entries {
  if (!Array.isArray(reply)) return reply as Entries;
  for (let i = 0; i < reply.length; i++) {
    const entry: unknown = reply[i];
    if (Array.isArray(entry)) entry[0] = asText(entry[0]);
    else reply[i] = asText(entry);
  }
  return reply as Entries;
}

/** What ioredis's reply gives for a value (convertBufferToString): a Buffer as UTF-8 text, arrays item by item. */
function asText(value: unknown): unknown {
  if (Buffer.isBuffer(value)) return value.toString();
  return Array.isArray(value) ? value.map(asText) : value;
}

/**
 * Every `<prefix>:*:runs` key, on each primary of a cluster, else on the one server: the names the
 * model knows, and new ones up to STREAMS_PER_CONNECT (the others only counted; a SCAN may return
 * a key twice, so `total` can count one more than once).
 */
async function scanRunsKeys(commands: CommandsClient, keys: KeySpace, store: PipelineStore): Promise<{ known: string[]; fresh: string[]; total: number }> {
  const scanners: Redis[] = isCluster(commands) ? commands.nodes('master') : [commands];
  const known = new Set<string>();
  const fresh = new Set<string>();
  let others = 0;
  await Promise.all(
    scanners.map(async (scanner) => {
      let cursor = '0';
      do {
        const [next, page] = await scanner.scan(cursor, 'MATCH', keys.runsKeyPattern, 'COUNT', SCAN_COUNT);
        cursor = next;
        for (const key of page) {
          const name = keys.resultNameOfRunsKey(key);
          if (!name) continue;
          if (store.has(name)) known.add(name);
          else if (fresh.size < STREAMS_PER_CONNECT || fresh.has(name)) fresh.add(name);
          else others++;
        }
      } while (cursor !== '0');
    }),
  );
  return { known: [...known], fresh: [...fresh], total: known.size + fresh.size + others };
}

/** The text of the entry's `run` field (as asText makes it), or undefined. */
function runValue(fields: unknown[]): string | undefined {
  for (let i = 0; i + 1 < fields.length; i += 2) {
    const name = fields[i];
    // Bytes that decode to "run" are exactly these (a replacement character is not ASCII); compared by hand, as equals() costs a native call.
    if (Buffer.isBuffer(name) ? name.length === 3 && name[0] === 0x72 && name[1] === 0x75 && name[2] === 0x6e : asText(name) === 'run') return asText(fields[i + 1]) as string;
  }
  return undefined;
}
