// Polling one orchestrator's jobs so that it costs nothing when nobody looks: one request in
// flight (through the server's SerialQueue); fast only while a job is active AND the view is
// visible AND the window focused, slow otherwise; exponential backoff on errors; one change event
// per refresh that changed something, naming the jobs that changed (jobDiff.ts). Clock and timers
// are injected, so tests drive it with a fake clock.
import { Emitter } from '../emitter';
import type { Event } from '../emitter';
import type { IDisposable } from '../lifecycle';
import { diffJobs, isEmptyDiff } from './jobDiff';
import type { JobsDiff } from './jobDiff';
import { isActive } from './jobs';
import type { SerialQueue } from './serialQueue';
import type { Answer, Job, OrchestratorProblem } from './types';

export interface PollerTimers {
  now(): number;
  setTimeout(callback: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

export const realTimers: PollerTimers = {
  now: () => Date.now(),
  setTimeout: (callback, ms) => setTimeout(callback, ms),
  clearTimeout: (handle) => clearTimeout(handle as ReturnType<typeof setTimeout>),
};

export interface PollerOptions {
  /** One GET /jobs (the client's jobs(), bound to a server). */
  readonly fetchJobs: (signal: AbortSignal) => Promise<Answer<Job[]>>;
  readonly queue: SerialQueue;
  readonly timers?: PollerTimers;
  /** While a job is active and someone looks. */
  readonly fastMs?: number;
  /** Otherwise. */
  readonly slowMs?: number;
  /** The longest wait after repeated errors. */
  readonly maxBackoffMs?: number;
}

export const DEFAULT_FAST_MS = 2_000;
export const DEFAULT_SLOW_MS = 30_000;
export const DEFAULT_MAX_BACKOFF_MS = 5 * 60_000;

export interface JobsChange extends JobsDiff {
  /** The whole list as the server answered it (newest first), frozen. */
  readonly jobs: readonly Job[];
}

export interface PollFailure {
  readonly problem: OrchestratorProblem;
  /** Failures in a row, this one included. */
  readonly failures: number;
  readonly retryInMs: number;
}

export class JobPoller implements IDisposable {
  private readonly changed = new Emitter<JobsChange>();
  private readonly failed = new Emitter<PollFailure>();
  private readonly recovered = new Emitter<void>();
  /** A refresh that changed something: the jobs added, changed and removed. */
  readonly onDidChangeJobs: Event<JobsChange> = this.changed.event;
  /** A refresh failed; the next is scheduled after a backoff. */
  readonly onDidFail: Event<PollFailure> = this.failed.event;
  /** The first success after failures. */
  readonly onDidRecover: Event<void> = this.recovered.event;

  private readonly timers: PollerTimers;
  private readonly fastMs: number;
  private readonly slowMs: number;
  private readonly maxBackoffMs: number;
  private jobs: readonly Job[] = [];
  private loaded = false;
  private visible = false;
  private focused = false;
  private failures = 0;
  private inFlight = false;
  /** A refresh was asked while one was in flight: run one more right after. */
  private again = false;
  private timer: unknown;
  private started = false;
  private disposed = false;
  /** Requests sent, for the bench and tests. */
  requests = 0;

  constructor(private readonly options: PollerOptions) {
    this.timers = options.timers ?? realTimers;
    this.fastMs = options.fastMs ?? DEFAULT_FAST_MS;
    this.slowMs = options.slowMs ?? DEFAULT_SLOW_MS;
    this.maxBackoffMs = options.maxBackoffMs ?? DEFAULT_MAX_BACKOFF_MS;
  }

  /** The last list received (empty before the first). */
  get current(): readonly Job[] {
    return this.jobs;
  }

  /** Whether someone looks: both must hold for the fast rate. */
  setVisible(visible: boolean): void {
    this.setLooking(visible, this.focused);
  }

  setFocused(focused: boolean): void {
    this.setLooking(this.visible, focused);
  }

  private setLooking(visible: boolean, focused: boolean): void {
    const wasFast = this.fast();
    this.visible = visible;
    this.focused = focused;
    // Becoming fast refreshes now (someone just looked); becoming slow waits for the running timer.
    if (this.started && !wasFast && this.fast() && this.failures === 0) this.refresh();
  }

  /** The wait before the next refresh, as things stand. */
  get intervalMs(): number {
    if (this.failures > 0) return Math.min(this.maxBackoffMs, this.baseMs() * 2 ** Math.min(this.failures - 1, 20));
    return this.baseMs();
  }

  private baseMs(): number {
    return this.fast() ? this.fastMs : this.slowMs;
  }

  private fast(): boolean {
    return this.visible && this.focused && this.jobs.some(isActive);
  }

  start(): void {
    if (this.started || this.disposed) return;
    this.started = true;
    this.refresh();
  }

  /** Refresh now (a person asked, or a job was just started or stopped); coalesced with one in flight. */
  refresh(): void {
    if (this.disposed) return;
    if (this.inFlight) {
      this.again = true;
      return;
    }
    this.clearTimer();
    this.inFlight = true;
    this.requests++;
    void this.options.queue
      .run((signal) => this.options.fetchJobs(signal))
      .catch((err: unknown): Answer<Job[]> => ({ ok: false, problem: { code: 'unreachable', cause: err instanceof Error ? 'exception' : 'unknown' } }))
      .then((answer) => this.settle(answer));
  }

  private settle(answer: Answer<Job[]>): void {
    this.inFlight = false;
    if (this.disposed) return;
    if (answer.ok) {
      const hadFailed = this.failures > 0;
      this.failures = 0;
      const diff = diffJobs(this.jobs, answer.value);
      const first = !this.loaded;
      this.loaded = true;
      this.jobs = Object.freeze(answer.value.map((job) => Object.freeze(job)));
      if (hadFailed) this.recovered.fire();
      if (first || !isEmptyDiff(diff)) this.changed.fire({ ...diff, jobs: this.jobs });
    } else if (answer.problem.code !== 'aborted') {
      this.failures++;
      this.failed.fire({ problem: answer.problem, failures: this.failures, retryInMs: this.intervalMs });
    }
    if (this.again) {
      this.again = false;
      this.refresh();
      return;
    }
    this.schedule();
  }

  private schedule(): void {
    this.clearTimer();
    if (!this.started || this.disposed) return;
    this.timer = this.timers.setTimeout(() => {
      this.timer = undefined;
      this.refresh();
    }, this.intervalMs);
  }

  private clearTimer(): void {
    if (this.timer !== undefined) this.timers.clearTimeout(this.timer);
    this.timer = undefined;
  }

  dispose(): void {
    this.disposed = true;
    this.clearTimer();
    this.changed.dispose();
    this.failed.dispose();
    this.recovered.dispose();
  }
}
