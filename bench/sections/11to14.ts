// Sections 11-14 of the bench: a flood of distinct failed names (in-process and in the extension
// host), tdtp-watch against the framework's Python worker, the Pipelines tree, the orchestrator.
import { spawnSync } from 'node:child_process';
import { DEFAULT_LIMITS } from '../../src/core/storeLimits';
import type { RedisServer } from '../../test/support/redisServer';
import { drainConsumer, findPythonWorker } from '../cli';
import type { Consumer, ConsumerRound, DrainDriver } from '../cli';
import { measureFlood } from '../flood';
import { measureHostFlood } from '../hostFlood';
import { measureTreeRefresh } from '../treeRefresh';
import { measureJobRows, measureOrchestratorPolling } from '../orchestrator';
import { DEFAULT_PUBSUB_LIMIT, QUICK, ROOT, log } from '../harness';
import type { Publisher } from '../harness';
import { addRow, addTextRow, fmtMB, fmtMs, fmtRate, fmtX, percentile, rows, stat } from '../report';

// ---------------------------------------------------------------------------------------------
// 11: a flood of distinct failed names (bench/flood.ts, bench/hostFlood.ts)

/** Section 11: a flood of distinct failed names (issue 11): the store's heap and a poll's wait. */
export async function measureFloodRows(port: number): Promise<void> {
  const events = QUICK ? 40_000 : 200_000;
  const rate = 20_000;
  log(`flood: ${events} failed events over ${events} distinct channels at ${rate}/s`);
  const f = await measureFlood(port, events, rate);
  const polls = [...f.pollMs].sort((a, b) => a - b);
  addTextRow('11a', `Flood: heap of the watcher's process after ${events.toLocaleString('en')} distinct failed names (before the flood → after, GC forced)`, `${fmtMB(f.heapBeforeBytes)} → ${fmtMB(f.heapAfterBytes)}`, 'bounded');
  addTextRow('11b', `Flood: pipelines kept (limit ${DEFAULT_LIMITS.maxPipelines.toLocaleString('en')}), dropped, normal pipelines kept`, `${f.pipelinesKept.toLocaleString('en')}, ${f.evicted.toLocaleString('en')}, ${f.normalKept}/${f.normalTotal}`, 'all normal kept', f.normalKept === f.normalTotal ? 'pass' : 'miss');
  rows.push({ id: '11c', what: `Flood: a poll's wait while ${rate.toLocaleString('en')} events/s arrive (p50; min/max over ${polls.length} polls)`, median: fmtMs(percentile(polls, 50)), min: fmtMs(polls[0] ?? NaN), max: fmtMs(polls[polls.length - 1] ?? NaN), target: '≤ 2 s', verdict: (polls[polls.length - 1] ?? Infinity) <= 2000 ? 'pass' : 'miss' });
  addTextRow('11d', 'Flood: events received / sent; publish time; longest event-loop stall', `${f.received.toLocaleString('en')} / ${f.events.toLocaleString('en')}; ${(f.publishMs / 1000).toFixed(1)} s; ${fmtMs(f.eventLoopMaxMs)}`);
}

/** Section 11e-11g: the same flood in the real extension host (bench/hostFlood.ts; full mode only, 2-3 min). */
export function measureHostFloodRows(): void {
  log('11e host flood: the ring-2 flood test in code-server (200,000 names at 20,000/s)');
  const f = measureHostFlood(ROOT);
  addTextRow('11e', `Flood in the extension host (code-server): resident memory before → highest → after (${f.events.toLocaleString('en')} names at ${f.rate.toLocaleString('en')}/s)`, `${fmtMB(f.rssBeforeBytes)} → ${fmtMB(f.rssMaxBytes)} → ${fmtMB(f.rssAfterBytes)}`, '≤ 400 MB', f.rssMaxBytes <= 400 * 1024 * 1024 ? 'pass' : 'miss');
  addTextRow('11f', `Flood in the extension host: the longest wait for a poll (${f.polls} polls)`, fmtMs(f.longestWaitMs), '≤ 2 s', f.longestWaitMs <= 2000 ? 'pass' : 'miss');
  addTextRow('11g', 'Flood in the extension host: events that reached the model / sent; reconnects (Redis dropped the subscriber for falling behind); pipelines kept, dropped; messages of new names left unread (flood guard)', `${f.received.toLocaleString('en')} / ${f.events.toLocaleString('en')}; ${f.reconnects}; ${f.pipelines.toLocaleString('en')}, ${f.evicted.toLocaleString('en')}; ${(f.unread ?? 0).toLocaleString('en')}`, 'test passed', f.passed ? 'pass' : 'miss');
}

// ---------------------------------------------------------------------------------------------
// 12: tdtp-watch against the framework's Python worker (bench/cli.ts)

export async function measureCli(redis: RedisServer, pub: Publisher): Promise<void> {
  const worker = findPythonWorker();
  if ('missing' in worker) {
    addTextRow('12', "tdtp-watch ÷ the framework's Python worker (example 07)", `not run: ${worker.missing}`, '≥ 3×', 'miss');
    return;
  }
  const events = QUICK ? 30_000 : 100_000;
  const rounds = QUICK ? 2 : 5;
  log(`12 tdtp-watch vs the Python worker (${worker.version}): ${events.toLocaleString('en-US')} events, ${rounds} alternating rounds, to a file and a pipe`);
  const build = spawnSync(process.execPath, ['scripts/build.mjs'], { cwd: ROOT, encoding: 'utf8' });
  if (build.status !== 0) throw new Error(`the build failed: ${build.stderr}`);
  const admin = await redis.client();
  await admin.config('SET', 'client-output-buffer-limit', 'pubsub 0 0 0');
  const driver: DrainDriver = {
    port: redis.port,
    publish: async (count) => {
      const sent = await pub.send({ op: 'burst', count, withState: true });
      if (sent.errors) throw new Error(`publisher saw ${sent.errors} error replies`);
    },
    numpat: async () => Number(await admin.call('PUBSUB', 'NUMPAT')),
    flush: async () => void (await admin.flushall()),
  };
  try {
    const us = (v: number) => `${v.toFixed(2)} µs`;
    for (const sink of ['file', 'pipe'] as const) {
      const got: Record<Consumer, ConsumerRound[]> = { python: [], text: [], json: [] };
      for (const consumer of ['python', 'text', 'json'] as const) await drainConsumer(driver, consumer, sink, Math.min(events, 10_000), worker.path); // warm-up
      for (let i = 0; i < rounds; i++) {
        const order: Consumer[] = i % 2 === 0 ? ['python', 'text', 'json'] : ['json', 'text', 'python'];
        for (const consumer of order) got[consumer].push(await drainConsumer(driver, consumer, sink, events, worker.path));
        log(`  ${sink} round ${i + 1}: ${order.map((c) => `${c} ${fmtRate(got[c][i].rate)} (${got[c][i].cpuUs.toFixed(1)} µs CPU)`).join(', ')}`);
      }
      const ids = sink === 'file' ? { python: '12p', text: '12a', json: '12c' } : { python: '12q', text: '12b', json: '12d' };
      const py = stat(got.python.map((r) => r.rate));
      addRow(ids.python, `Python worker (example 07, ${worker.version}, python3-redis) to a ${sink}: events printed per second, backlog drain`, py, fmtRate);
      for (const mode of ['text', 'json'] as const) {
        const rates = stat(got[mode].map((r) => r.rate));
        const ratio = rates.median / py.median;
        const perRound = stat(got[mode].map((r, k) => r.rate / got.python[k].rate));
        const cpu = stat(got.python.map((r) => r.cpuUs)).median / stat(got[mode].map((r) => r.cpuUs)).median;
        addRow(ids[mode], `tdtp-watch${mode === 'json' ? ' --json' : ''} (dist/tdtp-watch.js) to a ${sink}: events written per second, backlog drain`, rates, fmtRate);
        rows.push({ id: `${ids[mode]}r`, what: `… ÷ the Python worker (median ÷ median; min/max per round; by CPU per event ${fmtX(cpu)})`, median: fmtX(ratio), min: fmtX(perRound.min), max: fmtX(perRound.max), target: '≥ 3×', verdict: ratio >= 3 ? 'pass' : 'miss' });
        addRow(`${ids[mode]}c`, `… CPU of the tdtp-watch process per event (Python: ${us(stat(got.python.map((r) => r.cpuUs)).median)})`, stat(got[mode].map((r) => r.cpuUs)), us);
      }
    }
  } finally {
    await admin.config('SET', 'client-output-buffer-limit', DEFAULT_PUBSUB_LIMIT);
    admin.disconnect();
  }
}

// ---------------------------------------------------------------------------------------------
// 13 and 14: the Pipelines tree (bench/treeRefresh.ts), the orchestrator's polling (bench/orchestrator.ts)

/** Section 13: a root refresh of the Pipelines tree with 5,000 pipelines (bench/treeRefresh.ts). */
export async function measureTreeRows(): Promise<void> {
  const rounds = QUICK ? 10 : 30;
  log(`13 tree refresh: 5,000 pipelines, ${rounds} rounds`);
  const f = await measureTreeRefresh(5000, 2, rounds);
  addRow('13a', `Tree: a root refresh with ${f.rows.toLocaleString('en')} pipelines (getChildren + getTreeItem of every row)`, stat(f.refreshMs), (v) => fmtMs(v), { text: '≤ 20 ms', ok: (v) => v <= 20 });
  addRow('13b', '… the same in CPU time of the process (what a busy machine does not stretch)', stat(f.cpuMs), (v) => fmtMs(v));
  addTextRow('13c', 'Tree: the rows of one refresh as sent to the window (JSON)', fmtMB(f.itemBytes));
}

/** Section 14: the orchestrator's polling (bench/orchestrator.ts): CPU per refresh of a job list, and requests per minute. */
export async function measureOrchestratorRows(): Promise<void> {
  const rounds = QUICK ? 3 : 15;
  log(`14 orchestrator polling: 100 and 500 jobs with 64 KiB logs, ${rounds} rounds`);
  for (const [row, jobs] of [['14a', 100], ['14b', 500]] as const) {
    const f = await measureOrchestratorPolling(jobs, rounds);
    addRow(row, `Orchestrator: CPU per refresh of ${jobs} jobs (${fmtMB(f.answerBytes)} of JSON: parse + normalize + diff)`, stat(f.refreshCpuMs), (v) => fmtMs(v));
    if (jobs === 500) addRow('14d', `Orchestrator: CPU per refresh of the Jobs view's rows with ${jobs} jobs (sorted, a tree item each: the view's code under a vscode stand-in)`, stat(await measureJobRows(jobs, rounds)), (v) => fmtMs(v));
    if (jobs === 500) addTextRow('14c', 'Orchestrator: requests per minute with a job running: nobody looks / view visible and focused / server down for an hour', `${f.idlePerMinute.toFixed(1)} / ${f.busyPerMinute.toFixed(1)} / ${f.failingPerMinute.toFixed(2)}`);
  }
}
