// Section 9: the cost of the alert rules (issue 14). In-process, no Redis: the same payloads are
// decoded and added to a store, once as the extension did before the rules and once with the
// rules listening as the extension wires them (AlertTracker.observe + noticesFor for every run).
// In-process is the strict comparison: with Redis and the socket in the loop the rules' share of
// each event would be smaller still.
import { noticesFor } from '../src/core/alerts/policy';
import { AlertTracker } from '../src/core/alerts/tracker';
import { decodeMessage } from '../src/core/decode';
import { KeySpace } from '../src/core/keySpace';
import { PipelineStore } from '../src/core/store';
import { PREFIX, payloadPool } from './payloads';

export interface AlertRuleFigures {
  /** CPU time per event (this process), µs: decode + store, without and with the rules; one per round. */
  readonly withoutUs: number[];
  readonly withUs: number[];
  /** One lateness check over every pipeline (what the 1-second timer does), µs. */
  readonly checkLateUs: number;
  readonly pipelines: number;
}

const SWITCHES = { failed: true, completedWithErrors: true, dataQuality: true, success: false, recovered: true, unusual: false };

/** The events' arrival clock: one event per millisecond (each of 1,000 pipelines runs once a second). */
const ARRIVAL_BASE = Date.UTC(2025, 10, 18);

type Pool = Array<{ channel: string; bytes: Buffer }>;

function pool(events: number, pipelines: number): Pool {
  return payloadPool(pipelines, Math.min(events, 20 * pipelines)).map((e) => ({ channel: e.channel, bytes: Buffer.from(e.json, 'utf8') }));
}

/** Decodes and stores `count` events of the pool, from event `from` on, into a store kept by the caller. */
function ingestInto(store: PipelineStore, events: Pool, from: number, count: number): void {
  const keys = new KeySpace(PREFIX);
  for (let i = from; i < from + count; i++) {
    const e = events[i % events.length];
    const outcome = decodeMessage(keys, e.channel, e.bytes);
    if (outcome.kind === 'run') store.addRun(outcome.run, 'live', ARRIVAL_BASE + i);
  }
}

/** A fresh store, and with the rules the listener the extension adds (viewer.ts + notifications.ts). */
function setUp(withRules: boolean): { store: PipelineStore; tracker: AlertTracker; notices: () => number } {
  const store = new PipelineStore({ coalesceMs: 0 });
  const tracker = new AlertTracker();
  let notices = 0;
  if (withRules) store.onDidAddRun((record) => (notices += noticesFor(record, tracker.observe(record), 'onChange', SWITCHES).length));
  return { store, tracker, notices: () => notices };
}

export function measureAlertRules(events: number, pipelines: number, rounds: number): AlertRuleFigures {
  const payloads = pool(events, pipelines);
  const ingest = (withRules: boolean): { us: number; tracker: AlertTracker } => {
    const { store, tracker, notices } = setUp(withRules);
    const cpu = process.cpuUsage();
    ingestInto(store, payloads, 0, events);
    const used = process.cpuUsage(cpu);
    store.dispose();
    if (withRules && notices() === 0) throw new Error('the rules produced no notices: the fixture is wrong');
    return { us: (used.user + used.system) / events, tracker };
  };
  ingest(false);
  ingest(true);
  const without: number[] = [];
  const withRules: number[] = [];
  let tracker: AlertTracker | undefined;
  for (let round = 0; round < rounds; round++) {
    // Alternate the order so drift hits both alike.
    if (round % 2 === 0) without.push(ingest(false).us);
    const w = ingest(true);
    withRules.push(w.us);
    tracker = w.tracker;
    if (round % 2 === 1) without.push(ingest(false).us);
  }
  const checks = 200;
  const t = performance.now();
  for (let i = 0; i < checks; i++) tracker!.checkLate(ARRIVAL_BASE + events + i);
  const checkLateUs = ((performance.now() - t) * 1000) / checks;
  return { withoutUs: without, withUs: withRules, checkLateUs, pipelines };
}

/**
 * For instruction counts (BENCHMARKS.md section 9a-9c), one process per figure:
 *   valgrind --tool=callgrind node --single-threaded --predictable --expose-gc .bench/alerts.js <with|without> <warm-up events> <measured events>
 * (.bench/alerts.js: the bundle `npm run bench` makes, as the extension ships, with no tsx getter per import).
 * Instructions per event = (total with N measured − total with 0 measured) ÷ N, same warm-up.
 */
function instructionsMode(args: readonly string[]): void {
  const [mode, warm, measured] = [args[0], Number(args[1]), Number(args[2])];
  if ((mode !== 'with' && mode !== 'without') || !(warm >= 0) || !(measured >= 0)) throw new Error('usage: bench/alerts.ts <with|without> <warm-up events> <measured events>');
  const payloads = pool(warm + measured, 1000);
  const { store } = setUp(mode === 'with');
  ingestInto(store, payloads, 0, warm);
  // With --expose-gc: a full collection before and after the measured events, so each figure pays
  // for collecting exactly the garbage its events made (without, a major GC falls inside one
  // window and not another, which moved a figure by several thousand instructions per event).
  const gc = (globalThis as { gc?: () => void }).gc;
  gc?.();
  ingestInto(store, payloads, warm, measured);
  gc?.();
  store.dispose();
}

// Run directly (this file, or a bundle of it named alerts.js), not imported by bench/run.ts.
if (/[\\/]alerts\.[jt]s$/.test(process.argv[1] ?? '')) instructionsMode(process.argv.slice(2));
