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

export function measureAlertRules(events: number, pipelines: number, rounds: number): AlertRuleFigures {
  const keys = new KeySpace(PREFIX);
  const pool = payloadPool(pipelines, Math.min(events, 20 * pipelines)).map((e) => ({ channel: e.channel, bytes: Buffer.from(e.json, 'utf8') }));
  const ingest = (withRules: boolean): { us: number; tracker: AlertTracker } => {
    const store = new PipelineStore({ coalesceMs: 0 });
    const tracker = new AlertTracker();
    let notices = 0;
    if (withRules) store.onDidAddRun((record) => (notices += noticesFor(record, tracker.observe(record), 'onChange', SWITCHES).length));
    const cpu = process.cpuUsage();
    for (let i = 0; i < events; i++) {
      const e = pool[i % pool.length];
      const outcome = decodeMessage(keys, e.channel, e.bytes);
      if (outcome.kind === 'run') store.addRun(outcome.run, 'live', 0);
    }
    const used = process.cpuUsage(cpu);
    store.dispose();
    if (withRules && notices === 0) throw new Error('the rules produced no notices: the fixture is wrong');
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
  for (let i = 0; i < checks; i++) tracker!.checkLate(Date.UTC(2025, 10, 18) + i);
  const checkLateUs = ((performance.now() - t) * 1000) / checks;
  return { withoutUs: without, withUs: withRules, checkLateUs, pipelines };
}
