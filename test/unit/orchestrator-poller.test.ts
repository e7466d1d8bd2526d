// The job poller with a fake clock: one request in flight; fast only while a job is active and
// someone looks (view visible and window focused); exponential backoff on errors; one change
// event per refresh that changed something, naming the jobs.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { JobPoller } from '../../src/core/orchestrator/poller';
import type { JobsChange, PollFailure, PollerTimers } from '../../src/core/orchestrator/poller';
import { SerialQueue } from '../../src/core/orchestrator/serialQueue';
import type { Answer, Job } from '../../src/core/orchestrator/types';
import { shapeJob } from './orchestrator-builders';

class FakeTimers implements PollerTimers {
  private at = 0;
  private next = 1;
  private readonly pending = new Map<number, { due: number; callback: () => void }>();
  now(): number {
    return this.at;
  }
  setTimeout(callback: () => void, ms: number): unknown {
    const id = this.next++;
    this.pending.set(id, { due: this.at + ms, callback });
    return id;
  }
  clearTimeout(handle: unknown): void {
    this.pending.delete(handle as number);
  }
  /** The wait until the one armed timer, if any. */
  get armedIn(): number | undefined {
    const dues = [...this.pending.values()].map((t) => t.due - this.at);
    assert.ok(dues.length <= 1, `one timer at most, found ${dues.length}`);
    return dues[0];
  }
  /** Moves the clock to the next timer and fires it. */
  fire(): void {
    const [id, timer] = [...this.pending.entries()].sort((a, b) => a[1].due - b[1].due)[0] ?? [];
    assert.ok(timer && id !== undefined, 'a timer is armed');
    this.pending.delete(id);
    this.at = timer.due;
    timer.callback();
  }
}

/** Lets queued promise callbacks run (the queue starts a call on a later tick). */
async function flush(): Promise<void> {
  for (let i = 0; i < 5; i++) await new Promise((r) => setImmediate(r));
}

/** A server whose answers the test hands out one by one, so requests in flight can be counted. */
class FakeServer {
  inFlight = 0;
  maxInFlight = 0;
  calls = 0;
  private waiting: Array<(answer: Answer<Job[]>) => void> = [];
  readonly fetchJobs = (): Promise<Answer<Job[]>> => {
    this.calls++;
    this.inFlight++;
    this.maxInFlight = Math.max(this.maxInFlight, this.inFlight);
    return new Promise((resolve) => this.waiting.push(resolve));
  };
  /** Answers the oldest request, then lets the poller settle. */
  async answer(answer: Answer<Job[]>): Promise<void> {
    await flush();
    const resolve = this.waiting.shift();
    assert.ok(resolve, 'a request is waiting');
    this.inFlight--;
    resolve(answer);
    await flush();
  }
  jobs(...jobs: Job[]): Promise<void> {
    return this.answer({ ok: true, value: jobs });
  }
  fail(): Promise<void> {
    return this.answer({ ok: false, problem: { code: 'unreachable', cause: 'ECONNREFUSED' } });
  }
}

function setup() {
  const timers = new FakeTimers();
  const server = new FakeServer();
  const queue = new SerialQueue();
  const poller = new JobPoller({ fetchJobs: server.fetchJobs, queue, timers, fastMs: 2_000, slowMs: 30_000, maxBackoffMs: 300_000 });
  const changes: JobsChange[] = [];
  const failures: PollFailure[] = [];
  poller.onDidChangeJobs((c) => changes.push(c));
  poller.onDidFail((f) => failures.push(f));
  return { timers, server, poller, changes, failures, queue };
}

const running = shapeJob({ id: 'r', status: 'running' });
const done = shapeJob({ id: 'r', status: 'done', log: 'ok', finished_at: '2026-12-06T20:00:05Z' });
const old = shapeJob({ id: 'o', status: 'failed' });

describe('the job poller', () => {
  test('slow while nobody looks, fast only while a job runs and the view is visible and the window focused', async () => {
    const { timers, server, poller } = setup();
    poller.start();
    await server.jobs(running, old);
    assert.equal(timers.armedIn, 30_000, 'a job runs, but nobody looks');
    poller.setVisible(true);
    assert.equal(timers.armedIn, 30_000, 'visible but not focused');
    poller.setFocused(true);
    // Becoming fast refreshes at once.
    await flush();
    assert.equal(server.calls, 2);
    await server.jobs(running, old);
    assert.equal(timers.armedIn, 2_000);
    timers.fire();
    await server.jobs(done, old);
    assert.equal(timers.armedIn, 30_000, 'nothing active any more');
    poller.dispose();
  });

  test('one request in flight: refreshes asked meanwhile coalesce into one more', async () => {
    const { server, poller } = setup();
    poller.start();
    poller.refresh();
    poller.refresh();
    poller.refresh();
    await flush();
    assert.equal(server.calls, 1);
    await server.jobs(old);
    assert.equal(server.calls, 2, 'one follow-up for all three');
    await server.jobs(old);
    assert.equal(server.calls, 2);
    assert.equal(server.maxInFlight, 1);
    poller.dispose();
  });

  test('change events: the first list, then only refreshes that changed something, naming the jobs', async () => {
    const { timers, server, poller, changes } = setup();
    poller.start();
    await server.jobs(running, old);
    assert.equal(changes.length, 1);
    assert.deepEqual(changes[0].added, ['r', 'o']);
    timers.fire();
    await server.jobs(running, old);
    assert.equal(changes.length, 1, 'nothing changed: no event');
    timers.fire();
    await server.jobs(done, old);
    assert.equal(changes.length, 2);
    assert.deepEqual({ added: changes[1].added, changed: changes[1].changed, removed: changes[1].removed }, { added: [], changed: ['r'], removed: [] });
    assert.equal(changes[1].jobs[0].status, 'done');
    assert.ok(Object.isFrozen(changes[1].jobs) && Object.isFrozen(changes[1].jobs[0]));
    poller.dispose();
  });

  test('errors back off exponentially up to the maximum; a success returns to the normal rate', async () => {
    const { timers, server, poller, failures } = setup();
    let recovered = 0;
    poller.onDidRecover(() => recovered++);
    poller.start();
    const waits: number[] = [];
    await server.fail();
    for (let i = 0; i < 6; i++) {
      waits.push(timers.armedIn ?? -1);
      timers.fire();
      await server.fail();
    }
    assert.deepEqual(waits, [30_000, 60_000, 120_000, 240_000, 300_000, 300_000]);
    assert.deepEqual(failures.map((f) => f.failures), [1, 2, 3, 4, 5, 6, 7]);
    assert.equal(failures[0].problem.code, 'unreachable');
    assert.equal(failures[1].retryInMs, 60_000);
    timers.fire();
    await server.jobs(old);
    assert.equal(recovered, 1);
    assert.equal(timers.armedIn, 30_000);
    poller.dispose();
  });

  test('a poller shares its server’s queue with other calls: still one request in flight', async () => {
    const { server, poller, queue } = setup();
    let personCall = 0;
    const person = queue.run(async () => {
      personCall++;
      assert.equal(server.inFlight, 0, 'the poller waits for the person’s call');
    });
    poller.start();
    await person;
    assert.equal(personCall, 1);
    await flush();
    assert.equal(server.calls, 1);
    await server.jobs();
    poller.dispose();
  });

  test('disposed: no timer, no event', async () => {
    const { timers, server, poller, changes } = setup();
    poller.start();
    poller.dispose();
    await server.jobs(old);
    assert.equal(changes.length, 0);
    assert.equal(timers.armedIn, undefined);
  });
});
