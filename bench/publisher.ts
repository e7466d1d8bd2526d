// The benchmark's load generator, run in its own process (child_process.fork from bench/run.ts) so
// producing load never steals time from the event loop being measured.
//
// It speaks RESP directly over one TCP socket and pipelines: a batch of commands is one write, and
// replies are only counted (every reply to SET/PUBLISH is one line). That keeps the generator cheap
// on a 2-core machine, where it shares the CPU with redis-server and the process under test.
// Each event is written as the framework writes it: `SET <state key> <json> EX 3600`, then
// `PUBLISH <channel> <json>` (the SET can be left out where a test wants pure pub/sub load).
import type { Socket } from 'node:net';
import { connect } from 'node:net';
import type { PoolEntry } from './payloads';
import { STAMP_FIELD, monoMicros, payloadPool, resultName, payloadJson, PREFIX } from './payloads';

export type PublisherCommand =
  | { op: 'init'; port: number; names: number; poolSize: number }
  /** As fast as possible: `count` events, in writes of `batch` events. */
  | { op: 'burst'; count: number; withState: boolean; batch?: number }
  /** `rate` events/s for `durationMs`, each stamped with its send time (monotonic µs). */
  | { op: 'paced'; rate: number; durationMs: number; withState: boolean }
  /** SET `count` state keys for distinct result_names `stem0000…` (a reconcile fixture). */
  | { op: 'seed'; count: number; stem: string }
  | { op: 'exit' };

export interface PublisherReply {
  op: PublisherCommand['op'];
  events: number;
  /** Wall time from the first write to the last reply (Redis has processed every command). */
  elapsedMs: number;
  errors: number;
  /** paced: how late the worst tick ran behind its schedule. */
  maxLagMs?: number;
}

let socket: Socket | undefined;
let pool: PoolEntry[] = [];
let cursor = 0;
let repliesSeen = 0;
let errorsSeen = 0;
let waiter: { target: number; resolve: () => void } | undefined;
/** Whether the next byte received starts a reply line (replies can straddle chunks). */
let atLineStartCarry = true;

function bulk(text: string): string {
  return `$${Buffer.byteLength(text, 'utf8')}\r\n${text}\r\n`;
}

function setCommand(key: string, json: string): string {
  return `*5\r\n$3\r\nSET\r\n${bulk(key)}${bulk(json)}$2\r\nEX\r\n$4\r\n3600\r\n`;
}

function publishCommand(channel: string, json: string): string {
  return `*3\r\n$7\r\nPUBLISH\r\n${bulk(channel)}${bulk(json)}`;
}

/** Pre-encoded RESP of every pool entry (SET+PUBLISH, and PUBLISH alone). */
let encodedWithState: string[] = [];
let encodedPublishOnly: string[] = [];

function onData(chunk: Buffer): void {
  // Every reply is a single line (+OK, :N, or -ERR …): count line ends, and lines starting with '-'.
  let atLineStart = atLineStartCarry;
  for (let i = 0; i < chunk.length; i++) {
    const b = chunk[i];
    if (atLineStart && b === 0x2d) errorsSeen++;
    if (b === 0x0a) {
      repliesSeen++;
      atLineStart = true;
    } else {
      atLineStart = false;
    }
  }
  atLineStartCarry = atLineStart;
  if (waiter && repliesSeen >= waiter.target) {
    const w = waiter;
    waiter = undefined;
    w.resolve();
  }
}

function waitForReplies(target: number): Promise<void> {
  if (repliesSeen >= target) return Promise.resolve();
  return new Promise((resolve) => (waiter = { target, resolve }));
}

function write(text: string): Promise<void> {
  const s = socket!;
  return s.write(text) ? Promise.resolve() : new Promise((resolve) => s.once('drain', () => resolve()));
}

async function init(port: number, names: number, poolSize: number): Promise<void> {
  pool = payloadPool(names, poolSize);
  encodedWithState = pool.map((e) => setCommand(e.stateKey, e.json) + publishCommand(e.channel, e.json));
  encodedPublishOnly = pool.map((e) => publishCommand(e.channel, e.json));
  cursor = 0;
  if (socket) return;
  await new Promise<void>((resolve, reject) => {
    const s = connect({ host: '127.0.0.1', port }, () => resolve());
    s.setNoDelay(true);
    s.on('error', reject);
    s.on('data', onData);
    socket = s;
  });
}

async function burst(count: number, withState: boolean, batch = 500): Promise<PublisherReply> {
  const encoded = withState ? encodedWithState : encodedPublishOnly;
  const perEvent = withState ? 2 : 1;
  const target = repliesSeen + count * perEvent;
  const errorsBefore = errorsSeen;
  const started = performance.now();
  let sent = 0;
  while (sent < count) {
    const n = Math.min(batch, count - sent);
    let text = '';
    for (let i = 0; i < n; i++) {
      text += encoded[cursor];
      cursor = (cursor + 1) % encoded.length;
    }
    await write(text);
    sent += n;
  }
  await waitForReplies(target);
  return { op: 'burst', events: count, elapsedMs: performance.now() - started, errors: errorsSeen - errorsBefore };
}

async function paced(rate: number, durationMs: number, withState: boolean): Promise<PublisherReply> {
  const total = Math.round((rate * durationMs) / 1000);
  const perEvent = withState ? 2 : 1;
  const target = repliesSeen + total * perEvent;
  const errorsBefore = errorsSeen;
  const started = performance.now();
  let sent = 0;
  let maxLagMs = 0;
  await new Promise<void>((resolve) => {
    const tick = () => {
      const now = performance.now();
      const due = Math.min(total, Math.floor(((now - started) * rate) / 1000)) - sent;
      if (due > 0) {
        // Lag: how long ago the oldest event of this tick was due.
        maxLagMs = Math.max(maxLagMs, now - started - (sent * 1000) / rate);
        let text = '';
        for (let i = 0; i < due; i++) {
          const e = pool[cursor];
          cursor = (cursor + 1) % pool.length;
          const json = `${e.head},"${STAMP_FIELD}":${monoMicros()}}`;
          if (withState) text += setCommand(e.stateKey, json);
          text += publishCommand(e.channel, json);
        }
        socket!.write(text);
        sent += due;
      }
      if (sent >= total) resolve();
      else setTimeout(tick, 1);
    };
    tick();
  });
  await waitForReplies(target);
  return { op: 'paced', events: total, elapsedMs: performance.now() - started, errors: errorsSeen - errorsBefore, maxLagMs };
}

async function seed(count: number, stem: string): Promise<PublisherReply> {
  const target = repliesSeen + count;
  const errorsBefore = errorsSeen;
  const started = performance.now();
  for (let from = 0; from < count; from += 1000) {
    let text = '';
    for (let i = from; i < Math.min(count, from + 1000); i++) {
      const name = resultName(i, stem);
      text += setCommand(`${PREFIX}:${name}:state`, payloadJson(i, 0, stem));
    }
    await write(text);
  }
  await waitForReplies(target);
  return { op: 'seed', events: count, elapsedMs: performance.now() - started, errors: errorsSeen - errorsBefore };
}

process.on('message', (message: PublisherCommand) => {
  void (async () => {
    let reply: PublisherReply;
    switch (message.op) {
      case 'init':
        await init(message.port, message.names, message.poolSize);
        reply = { op: 'init', events: 0, elapsedMs: 0, errors: 0 };
        break;
      case 'burst':
        reply = await burst(message.count, message.withState, message.batch);
        break;
      case 'paced':
        reply = await paced(message.rate, message.durationMs, message.withState);
        break;
      case 'seed':
        reply = await seed(message.count, message.stem);
        break;
      case 'exit':
        socket?.destroy();
        process.exit(0);
    }
    process.send!(reply);
  })().catch((err) => {
    process.send!({ op: 'error', message: String(err?.stack ?? err) });
  });
});

process.on('disconnect', () => process.exit(0));
