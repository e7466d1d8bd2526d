// TDTP Pipeline Viewer benchmark. `npm run bench` (full, ~2 min on 2 cores) or `npm run bench -- --quick`
// (seconds; CI). Prints one Markdown table; `--write-report` also replaces the generated section of
// BENCHMARKS.md with it. It reports and never asserts: the exit code says only whether it ran.
//
// Options: --quick  --write-report  --only=ceiling,latency,burst,memory,reconcile,footprint,workspace,alerts,history,streams,recorder,flood,cli,tree,orchestrator,hostflood
//          --no-build (footprint: measure the existing dist/ instead of a fresh production build)
//          --only=ingest runs only the ingest rounds and prints them, for profiling:
//            node --cpu-prof --cpu-prof-dir=/tmp/prof .bench/run.js --only=ingest
//          (.bench/ is the bundle `npm run bench` makes, scripts/bench.mjs; `node --import tsx bench/run.ts`
//          runs the sources instead, slower per event: tsx makes every imported name a getter)
//
// Everything runs against a redis-server of its own (a free loopback port, no persistence) with a
// load generator in a separate process (bench/publisher.ts). See BENCHMARKS.md for the method.
// This file is the table of sections; they live in bench/sections/ (by number), the processes and
// options in bench/harness.ts, the rows and the Markdown table in bench/report.ts.
import { loadavg } from 'node:os';
import { redisServerBinary } from '../test/support/redisServer';
import { ONLY, Processes, QUICK, WRITE_REPORT, log, want, withAdmin } from './harness';
import type { RedisBed } from './harness';
import { composeReport, notes, writeReport } from './report';
import { measureBurst, measureLatency, measureThroughput, profileIngest } from './sections/1to4';
import { measureFootprint, measureMemory, measureReconcile, measureRefreshDedupe } from './sections/5to7';
import { measureAlerts, measureHistoryJournal, measureHistoryStreams, measurePanel, measureRecorderRows, measureWorkspace } from './sections/8to10';
import { measureCli, measureFloodRows, measureHostFloodRows, measureOrchestratorRows, measureTreeRows } from './sections/11to14';

/**
 * One section of the bench. `id` is its first row's number: sections run (and their rows print) in
 * that order. `only` are the `--only` names that select it; `runs` says when it runs without them:
 * `both` in quick and full mode, `full` in the full bench only, `asked` never.
 */
type Section = {
  readonly id: string;
  readonly name: string;
  readonly only: readonly string[];
  readonly runs: 'both' | 'full' | 'asked';
} & ({ readonly redis: true; readonly run: (bed: RedisBed) => Promise<void> | void } | { readonly redis: false; readonly run: () => Promise<void> | void });

const SECTIONS: readonly Section[] = [
  // Ingest rounds alone, nothing in the table: for `node --cpu-prof` (see the options above).
  { id: '1', name: 'ingest', only: ['ingest'], runs: 'asked', redis: true, run: (b) => profileIngest(b.server, b.settings, b.publisher) },
  { id: '1', name: 'ceiling', only: ['ceiling'], runs: 'both', redis: true, run: (b) => measureThroughput(b.server, b.settings, b.publisher) },
  { id: '3', name: 'latency', only: ['latency'], runs: 'both', redis: true, run: (b) => measureLatency(b.settings, b.publisher) },
  { id: '4', name: 'burst', only: ['burst'], runs: 'both', redis: true, run: (b) => measureBurst(b.settings, b.publisher) },
  { id: '5', name: 'memory', only: ['memory'], runs: 'both', redis: false, run: measureMemory },
  { id: '6', name: 'reconcile', only: ['reconcile'], runs: 'both', redis: true, run: (b) => measureReconcile(b.server, b.settings, b.publisher) },
  { id: '6d', name: 'refresh', only: ['reconcile'], runs: 'both', redis: false, run: measureRefreshDedupe },
  { id: '7', name: 'footprint', only: ['footprint'], runs: 'both', redis: false, run: measureFootprint },
  { id: '8', name: 'workspace', only: ['workspace'], runs: 'both', redis: false, run: measureWorkspace },
  { id: '9', name: 'alerts', only: ['alerts'], runs: 'both', redis: false, run: measureAlerts },
  { id: '9d', name: 'panel', only: ['alerts', 'panel'], runs: 'both', redis: false, run: measurePanel },
  { id: '10', name: 'history', only: ['history'], runs: 'both', redis: false, run: measureHistoryJournal },
  { id: '10e', name: 'history-streams', only: ['history', 'streams'], runs: 'both', redis: true, run: (b) => withAdmin(b, (admin) => measureHistoryStreams(b.settings, admin)) },
  { id: '10g', name: 'recorder', only: ['recorder'], runs: 'both', redis: true, run: (b) => withAdmin(b, (admin) => measureRecorderRows(b.settings, admin)) },
  { id: '11', name: 'flood', only: ['flood'], runs: 'both', redis: true, run: (b) => measureFloodRows(b.server.port) },
  // Drives code-server for 2-3 minutes: the full bench only (or --only=hostflood).
  { id: '11e', name: 'hostflood', only: ['hostflood'], runs: 'full', redis: false, run: measureHostFloodRows },
  { id: '12', name: 'cli', only: ['cli'], runs: 'both', redis: true, run: (b) => measureCli(b.server, b.publisher) },
  { id: '13', name: 'tree', only: ['tree'], runs: 'both', redis: false, run: measureTreeRows },
  { id: '14', name: 'orchestrator', only: ['orchestrator'], runs: 'both', redis: false, run: measureOrchestratorRows },
];

function selected(s: Section): boolean {
  if (s.runs === 'asked') return s.only.some((name) => ONLY.has(name));
  if (s.runs === 'full') return (!QUICK && ONLY.size === 0) || s.only.some((name) => ONLY.has(name));
  return s.only.some(want);
}

async function main(): Promise<boolean> {
  const started = Date.now();
  const loadBefore = loadavg();
  let failed = false;
  /** One section; a failure is reported in the notes and the others still run. */
  const section = async (name: string, run: () => Promise<void> | void) => {
    try {
      await run();
    } catch (err) {
      failed = true;
      notes.push(`Section "${name}" failed: ${String((err as Error)?.message ?? err).split('\n')[0]}`);
      log(`${name} failed: ${(err as Error)?.stack ?? err}`);
    }
  };
  const sections = SECTIONS.filter(selected).sort((a, b) => a.id.localeCompare(b.id, 'en', { numeric: true }));
  let needRedis = sections.some((s) => s.redis);
  if (needRedis) {
    try {
      redisServerBinary();
    } catch {
      needRedis = false;
      notes.push('redis-server is not installed: sections 1-4 and 6 were skipped (Debian/Ubuntu: apt-get install redis-server).');
    }
  }
  const processes = new Processes();
  try {
    const bed = needRedis ? await processes.startRedisBed() : undefined;
    for (const s of sections) {
      if (!s.redis) await section(s.name, () => s.run());
      else if (bed) await section(s.name, () => s.run(bed));
    }
  } finally {
    await processes.stop();
  }
  const report = composeReport(Math.round((Date.now() - started) / 1000), loadBefore);
  process.stdout.write(`${report}\n`);
  if (WRITE_REPORT) writeReport(report);
  return !failed;
}

// Exit 1 only when a section could not run; timings never decide the exit code.
main().then(
  (ok) => process.exit(ok ? 0 : 1),
  (err) => {
    process.stderr.write(`bench failed: ${err?.stack ?? err}\n`);
    process.exit(1);
  },
);
