// One orchestrator as the views see it: its health, the connected role, scenarios, schedules,
// pending requests, approvals and jobs, each the last answer received (or the problem of the last
// call). Every call goes through one SerialQueue (one request in flight per server); jobs are
// polled by JobPoller; the rest is read at start, on a slow timer while someone looks, and after
// each action that changes it; the role probe at start, after a 401/403 and on refreshAll.
// vscode-free: ring 1 drives it against the real orchestrator.
import { Emitter } from '../emitter';
import type { Event } from '../emitter';
import type { IDisposable } from '../lifecycle';
import type { OrchestratorClient } from './client';
import type { JobsChange, PollerTimers, PollFailure } from './poller';
import { isActive } from './jobs';
import { JobPoller, realTimers } from './poller';
import { can } from './roles';
import { SerialQueue } from './serialQueue';
import type { Answer, Approval, Health, Job, OrchestratorProblem, Role, RunRequest, Scenario, Schedule } from './types';
import { probePrincipal } from './whoami';

/** What changed: the views refresh only that part. */
export type ModelPart = 'health' | 'role' | 'scenarios' | 'schedules' | 'requests' | 'approvals';

/** The last answer for one part: its value, or the problem that kept it from loading (the value before stays). */
export interface Loaded<T> {
  readonly value: T;
  /** Set when the last call failed (the value is then the one before, or empty). */
  readonly problem: OrchestratorProblem | undefined;
  /** Whether any call has answered yet. */
  readonly loaded: boolean;
}

export interface ModelOptions {
  readonly client: OrchestratorClient;
  readonly timers?: PollerTimers;
  /** Jobs: while a job is active and someone looks / otherwise (JobPoller). */
  readonly fastMs?: number;
  readonly slowMs?: number;
  /** Scenarios, schedules, requests and approvals: while someone looks / otherwise. */
  readonly sideMs?: number;
  readonly sideIdleMs?: number;
}

export const DEFAULT_SIDE_MS = 60_000;
export const DEFAULT_SIDE_IDLE_MS = 10 * 60_000;
/** An admin's token names (read with the role probe) are read again at most this often. */
export const TOKEN_NAMES_MS = 10 * 60_000;

/** Answers after which the role may have changed (a token revoked or given another role): probe again. */
function questionsRole(answer: Answer<unknown>): boolean {
  if (answer.ok) return false;
  const { problem } = answer;
  return problem.code === 'unauthorized' || problem.code === 'roleRequired' || (problem.code === 'forbidden' && problem.reason === 'other');
}

const empty = <T>(value: T): Loaded<T> => ({ value, problem: undefined, loaded: false });

export class OrchestratorModel implements IDisposable {
  readonly client: OrchestratorClient;
  readonly queue = new SerialQueue();
  readonly poller: JobPoller;
  private readonly changed = new Emitter<ModelPart>();
  /** A part other than jobs changed (jobs: onDidChangeJobs). */
  readonly onDidChange: Event<ModelPart> = this.changed.event;
  readonly onDidChangeJobs: Event<JobsChange>;
  readonly onDidFailJobs: Event<PollFailure>;

  health: Loaded<Health | undefined> = empty(undefined);
  role: Loaded<Role | undefined> = empty(undefined);
  scenarios: Loaded<readonly Scenario[]> = empty([]);
  schedules: Loaded<readonly Schedule[]> = empty([]);
  /** Pending requests: all of them for admins, a consumer's own otherwise. */
  requests: Loaded<readonly RunRequest[]> = empty([]);
  /** Token id → name (admins only: read with the role), to say who started a job. */
  tokenNames: ReadonlyMap<string, string> = new Map();
  /** Per scenario name (admins only): the answer of GET …/approval, notFound included. */
  approvals: ReadonlyMap<string, Answer<Approval>> = new Map();

  private readonly timers: PollerTimers;
  private readonly sideMs: number;
  private readonly sideIdleMs: number;
  private looking = false;
  private sideTimer: unknown;
  private sideRunning: Promise<void> | undefined;
  private started = false;
  private disposed = false;
  private activeJobs = 0;
  /** The role probe (two calls) runs at start, after an answer that questions the role, and when asked (refreshAll). */
  private roleStale = true;
  private tokensReadAt = -Infinity;

  constructor(options: ModelOptions) {
    this.client = options.client;
    this.timers = options.timers ?? realTimers;
    this.sideMs = options.sideMs ?? DEFAULT_SIDE_MS;
    this.sideIdleMs = options.sideIdleMs ?? DEFAULT_SIDE_IDLE_MS;
    this.poller = new JobPoller({
      fetchJobs: async (signal) => {
        const answer = await this.client.jobs(undefined, { signal });
        if (questionsRole(answer)) this.roleStale = true;
        // The server answers again (a restart, a blip): the health it could not give is read now, not minutes later.
        if (answer.ok && (this.health.problem?.code === 'unreachable' || this.health.problem?.code === 'timeout')) void this.refreshHealth();
        return answer;
      },
      queue: this.queue,
      timers: options.timers,
      fastMs: options.fastMs,
      slowMs: options.slowMs,
    });
    this.onDidChangeJobs = this.poller.onDidChangeJobs;
    this.onDidFailJobs = this.poller.onDidFail;
    // /healthz counts active jobs: read it again when a job starts or ends, not a minute later.
    this.poller.onDidChangeJobs((change) => {
      const active = change.jobs.filter(isActive).length;
      if (active !== this.activeJobs && this.health.loaded) void this.refreshHealth();
      this.activeJobs = active;
    });
  }

  get jobs(): readonly Job[] {
    return this.poller.current;
  }

  /** Whether the connected role may do `action` (false until the role is known). */
  can(action: Parameters<typeof can>[1]): boolean {
    const role = this.role.value;
    return role !== undefined && can(role, action);
  }

  /** Whether the view is visible and the window focused. */
  setLooking(visible: boolean, focused: boolean): void {
    const was = this.looking;
    this.looking = visible && focused;
    this.poller.setVisible(visible);
    this.poller.setFocused(focused);
    if (this.started && !was && this.looking) this.scheduleSide(0);
  }

  start(): void {
    if (this.started || this.disposed) return;
    this.started = true;
    this.poller.start();
    void this.refreshSide();
  }

  /** Everything now (the user asked): health, role, scenarios, then what the role may read; and jobs. */
  refreshAll(): Promise<void> {
    this.roleStale = true;
    this.poller.refresh();
    return this.refreshSide();
  }

  /** Runs one call in the server's queue (a person's action: it waits behind a poll in flight). A 401/403 answer has the role probed again. */
  async call<T>(task: (client: OrchestratorClient, signal: AbortSignal) => Promise<Answer<T>>): Promise<Answer<T>> {
    const answer = await this.queue.run((signal) => task(this.client, signal));
    if (questionsRole(answer)) this.roleStale = true;
    return answer;
  }

  private refreshSide(): Promise<void> {
    if (this.disposed) return Promise.resolve();
    this.clearSideTimer();
    // Coalesced: a refresh asked while one runs is that one.
    this.sideRunning ??= this.loadSide().finally(() => {
      this.sideRunning = undefined;
      this.scheduleSide(this.looking ? this.sideMs : this.sideIdleMs);
    });
    return this.sideRunning;
  }

  private async loadSide(): Promise<void> {
    await this.refreshHealth();
    // Not every minute: the probe is two calls, and the role changes only with the credentials (a new model) or as a 401/403 tells.
    const tokensOld = this.role.value === 'admin' && this.timers.now() - this.tokensReadAt >= TOKEN_NAMES_MS;
    if (this.roleStale || tokensOld) await this.refreshRole();
    await this.refreshScenarios();
    await this.refreshRequests();
    await this.refreshSchedules();
    await this.refreshApprovals();
  }

  async refreshHealth(): Promise<void> {
    const answer = await this.call((c, signal) => c.health({ signal }));
    this.health = this.settle(this.health, answer);
    this.fire('health');
  }

  async refreshRole(): Promise<void> {
    const principal = await this.call((c, signal) => probePrincipal(c, { signal }));
    const answer: Answer<Role> = principal.ok ? { ok: true, value: principal.value.role } : principal;
    if (principal.ok) {
      this.tokenNames = new Map(principal.value.tokens.map((t) => [t.id, t.name]));
      this.tokensReadAt = this.timers.now();
    }
    // A failed probe (unreachable, 401) is tried again at the next side refresh.
    this.roleStale = !principal.ok;
    const before = this.role.value;
    this.role = this.settle(this.role, answer);
    if (before !== this.role.value || !answer.ok) this.fire('role');
  }

  async refreshScenarios(): Promise<void> {
    if (this.role.value === undefined) return;
    const answer = await this.call((c, signal) => c.scenarios({ signal }));
    this.scenarios = this.settle(this.scenarios, answer);
    this.fire('scenarios');
  }

  async refreshSchedules(): Promise<void> {
    if (!this.can('viewSchedules')) return this.clear('schedules');
    const answer = await this.call((c, signal) => c.schedules({ signal }));
    this.schedules = this.settle(this.schedules, answer);
    this.fire('schedules');
  }

  async refreshRequests(): Promise<void> {
    if (this.role.value === undefined) return;
    const answer = await this.call((c, signal) => c.requests('pending', { signal }));
    this.requests = this.settle(this.requests, answer);
    this.fire('requests');
  }

  /** One GET …/approval per scenario (the server has no list of approvals). */
  async refreshApprovals(): Promise<void> {
    if (!this.can('viewApproval')) return this.clear('approvals');
    const next = new Map<string, Answer<Approval>>();
    for (const scenario of this.scenarios.value) {
      if (this.disposed) return;
      next.set(scenario.name, await this.call((c, signal) => c.approval(scenario.name, { signal })));
    }
    this.approvals = next;
    this.fire('approvals');
  }

  /** One scenario's approval again (after Approve or Revoke, or a file saved). */
  async refreshApproval(name: string): Promise<void> {
    if (!this.can('viewApproval')) return;
    const answer = await this.call((c, signal) => c.approval(name, { signal }));
    this.approvals = new Map(this.approvals).set(name, answer);
    this.fire('approvals');
  }

  private clear(part: 'schedules' | 'approvals'): void {
    if (part === 'schedules' && this.schedules.value.length > 0) {
      this.schedules = empty([]);
      this.fire('schedules');
    }
    if (part === 'approvals' && this.approvals.size > 0) {
      this.approvals = new Map();
      this.fire('approvals');
    }
  }

  private settle<T>(before: Loaded<T>, answer: Answer<T>): Loaded<T> {
    if (answer.ok) return { value: Object.freeze(answer.value), problem: undefined, loaded: true };
    // Aborted: the model is going away; keep what was there.
    return answer.problem.code === 'aborted' ? before : { value: before.value, problem: answer.problem, loaded: true };
  }

  private fire(part: ModelPart): void {
    if (!this.disposed) this.changed.fire(part);
  }

  private scheduleSide(ms: number): void {
    this.clearSideTimer();
    if (!this.started || this.disposed || this.sideRunning) return;
    this.sideTimer = this.timers.setTimeout(() => {
      this.sideTimer = undefined;
      void this.refreshSide();
    }, ms);
  }

  private clearSideTimer(): void {
    if (this.sideTimer !== undefined) this.timers.clearTimeout(this.sideTimer);
    this.sideTimer = undefined;
  }

  dispose(): void {
    this.disposed = true;
    this.clearSideTimer();
    this.poller.dispose();
    this.queue.dispose();
    this.changed.dispose();
  }
}
