// The orchestrator's polling cost (issue 22): CPU per refresh of a job list (the answer parsed,
// normalized and diffed against the previous one), and requests per minute the poller sends idle,
// busy and on errors, counted with a simulated clock (the poller's timers are injected).
//
//   measureOrchestratorPolling(jobs, rounds)   from bench/run.ts, or standalone:
//   node --import tsx bench/orchestrator.ts [--quick]
import { fork } from 'node:child_process';
import { benchProcess } from './benchProcess';
import { diffJobs } from '../src/core/orchestrator/jobDiff';
import { list, job } from '../src/core/orchestrator/normalize';
import { JobPoller } from '../src/core/orchestrator/poller';
import type { PollerTimers } from '../src/core/orchestrator/poller';
import { SerialQueue } from '../src/core/orchestrator/serialQueue';
import type { Answer, Job } from '../src/core/orchestrator/types';
import { installVscodeStub } from './vscodeStub';

export interface OrchestratorFigures {
  readonly jobs: number;
  readonly answerBytes: number;
  /** CPU ms per refresh (parse + normalize + diff), per round. */
  readonly refreshCpuMs: number[];
  /** Requests per simulated minute. */
  readonly idlePerMinute: number;
  readonly busyPerMinute: number;
  readonly failingPerMinute: number;
}

/** A /jobs answer as the server writes it: finished jobs with a log of 64 KiB each, one running. */
function answerOf(jobs: number, round: number): string {
  const log = `${'tdtpcli: step ok\n'.repeat(4096)}`.slice(0, 64 * 1024);
  const items = Array.from({ length: jobs }, (_, i) => ({
    id: `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`,
    scenario: `scenario-${i % 20}`,
    params: { city: 'Omsk', day: '2026-12-06' },
    status: i === 0 ? 'running' : i % 7 === 0 ? 'failed' : 'done',
    submitted_by: 'token-1',
    started_at: `2026-12-06T20:${String(59 - (i % 60)).padStart(2, '0')}:00Z`,
    ...(i === 0 ? {} : { finished_at: '2026-12-06T21:00:00Z', log: i === 1 ? `${log}${round}` : log }),
    runner: 'tdtpcli',
  }));
  return JSON.stringify(items);
}

function cpuMs(fn: () => void): number {
  const start = process.cpuUsage();
  fn();
  const used = process.cpuUsage(start);
  return (used.user + used.system) / 1000;
}

/** Simulated minutes of polling: the poller's timers on a clock that jumps; answers at once. */
async function requestsPerMinute(minutes: number, looking: boolean, failing: boolean): Promise<number> {
  let now = 0;
  let armed: { due: number; fire: () => void } | undefined;
  const timers: PollerTimers = {
    now: () => now,
    setTimeout: (fire, ms) => (armed = { due: now + ms, fire }),
    clearTimeout: () => (armed = undefined),
  };
  const running = job({ id: 'r', scenario: 's', params: null, status: 'running', started_at: '2026-12-06T20:00:00Z' }) as Job;
  const answer: Answer<Job[]> = failing ? { ok: false, problem: { code: 'unreachable', cause: 'ECONNREFUSED' } } : { ok: true, value: [running] };
  const poller = new JobPoller({ fetchJobs: async () => answer, queue: new SerialQueue(), timers });
  poller.setVisible(looking);
  poller.setFocused(looking);
  poller.start();
  const end = minutes * 60_000;
  for (;;) {
    await new Promise((r) => setImmediate(r));
    if (!armed || armed.due > end) break;
    const next: { due: number; fire: () => void } = armed;
    armed = undefined;
    now = next.due;
    next.fire();
  }
  poller.dispose();
  return poller.requests / minutes;
}

export async function measureOrchestratorPolling(jobs: number, rounds: number): Promise<OrchestratorFigures> {
  let previous: Job[] = [];
  const refreshCpuMs: number[] = [];
  const answers = Array.from({ length: rounds + 1 }, (_, r) => answerOf(jobs, r));
  for (let r = 0; r <= rounds; r++) {
    const ms = cpuMs(() => {
      const next = list(JSON.parse(answers[r]), job) ?? [];
      diffJobs(previous, next);
      previous = next;
    });
    if (r > 0) refreshCpuMs.push(ms); // the first round warms up
  }
  return {
    jobs,
    answerBytes: Buffer.byteLength(answers[0]),
    refreshCpuMs: refreshCpuMs.sort((a, b) => a - b),
    idlePerMinute: await requestsPerMinute(60, false, false),
    busyPerMinute: await requestsPerMinute(60, true, false),
    failingPerMinute: await requestsPerMinute(60, true, true),
  };
}

/**
 * CPU per refresh of the Jobs group as the view does it in the extension host: the jobs sorted for
 * display and a tree item built for each (src/vscode/orchestrator/items.ts), in a child process
 * with a working stand-in for the vscode module (bench/vscodeStub.ts). ms per round, sorted.
 */
export function measureJobRows(jobs: number, rounds: number): Promise<number[]> {
  return new Promise((resolve, reject) => {
    const self = benchProcess('orchestrator');
    const child = fork(self.file, ['--rows', String(jobs), String(rounds)], { execArgv: self.execArgv, stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    child.once('message', (m: number[] | { error: string }) => ('error' in m ? reject(new Error(m.error)) : resolve(m)));
    child.once('exit', (code) => code !== 0 && reject(new Error(`job rows child exited with ${code}`)));
  });
}

function rowsChild(jobs: number, rounds: number): Promise<number[]> {
  installVscodeStub();
  /* eslint-disable @typescript-eslint/no-require-imports, @typescript-eslint/consistent-type-imports -- loaded after the vscode stub is installed */
  const { jobItem } = require('../src/vscode/orchestrator/items') as typeof import('../src/vscode/orchestrator/items');
  const { OrchestratorModel } = require('../src/core/orchestrator/model') as typeof import('../src/core/orchestrator/model');
  const { OrchestratorClient } = require('../src/core/orchestrator/client') as typeof import('../src/core/orchestrator/client');
  const { sortJobsForDisplay } = require('../src/core/orchestrator/jobs') as typeof import('../src/core/orchestrator/jobs');
  /* eslint-enable @typescript-eslint/no-require-imports, @typescript-eslint/consistent-type-imports */
  // Never started: no request is sent; an admin, so every action token is computed.
  const model = new OrchestratorModel({ client: new OrchestratorClient({ baseUrl: new URL('http://127.0.0.1:9/'), credentials: { kind: 'none' } }) });
  model.role = { value: 'admin', problem: undefined, loaded: true };
  model.tokenNames = new Map([['token-1', 'ci']]);
  const list = (l: unknown) => (Array.isArray(l) ? l.map((j) => job(j)).filter((j): j is Job => j !== undefined) : []);
  const all = list(JSON.parse(answerOf(jobs, 0)));
  const ms: number[] = [];
  for (let r = 0; r <= rounds; r++) {
    const took = cpuMs(() => {
      const now = Date.now();
      for (const j of sortJobsForDisplay(all)) jobItem(model, j, now, { kind: 'job', id: `job/default/${j.id}`, server: 'default', jobId: j.id });
    });
    if (r > 0) ms.push(took); // the first round warms up
  }
  model.dispose();
  return Promise.resolve(ms.sort((a, b) => a - b));
}

if (process.argv[2] === '--rows') {
  rowsChild(Number(process.argv[3]), Number(process.argv[4])).then(
    (ms) => process.send?.(ms, () => process.exit(0)),
    (err: unknown) => process.send?.({ error: String((err as Error)?.stack ?? err) }, () => process.exit(1)),
  );
} else if (/[\\/]orchestrator\.[jt]s$/.test(process.argv[1] ?? '')) {
  // Run directly (this file, or its bundle), not imported by bench/run.ts (require.main would be the bundle's).
  const quick = process.argv.includes('--quick');
  void (async () => {
    for (const jobs of [100, 500]) {
      const f = await measureOrchestratorPolling(jobs, quick ? 3 : 15);
      const median = f.refreshCpuMs[Math.floor(f.refreshCpuMs.length / 2)];
      process.stdout.write(
        `${f.jobs} jobs (${(f.answerBytes / 1024 / 1024).toFixed(1)} MiB of JSON): CPU per refresh (parse + normalize + diff) median ${median.toFixed(1)} ms, min ${f.refreshCpuMs[0].toFixed(1)}, max ${f.refreshCpuMs[f.refreshCpuMs.length - 1].toFixed(1)}\n`,
      );
      if (jobs === 500) {
        process.stdout.write(`requests per minute, a job running: nobody looks ${f.idlePerMinute.toFixed(1)}, view visible and focused ${f.busyPerMinute.toFixed(1)}, server down (over an hour) ${f.failingPerMinute.toFixed(2)}\n`);
      }
    }
  })();
}
