// A typed client of the framework's orchestrator (cmd/orchestrator, v1.18.1): one method per
// route the viewer uses, each answering a typed value or a problem fact (types.ts). The client
// keeps no state and queues nothing: one request in flight per server is the poller's policy.
import { createHash } from 'node:crypto';
import { decodeJson, exchange } from './http';
import type { CallOptions, Exchange, FetchLike, Received, Transport } from './http';
import * as shape from './normalize';
import type {
  Answer,
  Approval,
  Artifact,
  Credentials,
  Health,
  IssuedToken,
  Job,
  Params,
  RequestApproved,
  RequestStatus,
  RequestTest,
  Role,
  RunRequest,
  Scenario,
  Schedule,
  ScheduleInput,
  TokenRecord,
} from './types';

/** The most an artifact download reads, unless the caller says otherwise. */
export const DEFAULT_MAX_ARTIFACT_BYTES = 256 * 1024 * 1024;
/** GET /jobs: the server's default and its maximum. */
export const JOBS_DEFAULT_LIMIT = 100;
export const JOBS_MAX_LIMIT = 500;

export interface ClientOptions {
  /** Checked with orchestratorBaseUrl (http.ts). */
  readonly baseUrl: URL;
  readonly credentials: Credentials;
  /** Per call; DEFAULT_TIMEOUT_MS when not given. */
  readonly timeoutMs?: number;
  /** For tests and hosts that bring their own; Node's fetch otherwise. */
  readonly fetch?: FetchLike;
}

const seg = encodeURIComponent;
const SHA256_HEX = /^[0-9a-f]{64}$/;
/** A file name from Content-Disposition: a plain base name only. */
const SAFE_FILE_NAME = /^[A-Za-z0-9._-]{1,128}$/;

export class OrchestratorClient {
  private readonly transport: Transport;

  constructor(options: ClientOptions) {
    this.transport = { baseUrl: options.baseUrl, credentials: options.credentials, timeoutMs: options.timeoutMs, fetch: options.fetch };
  }

  get baseUrl(): URL {
    return this.transport.baseUrl;
  }

  private async json<T>(ex: Exchange, what: string, decode: (value: unknown) => T | undefined, options?: CallOptions): Promise<Answer<T>> {
    const answer = await exchange(this.transport, ex, options);
    return answer.ok ? decodeJson(answer.value, what, decode) : answer;
  }

  private async none(ex: Exchange, options?: CallOptions): Promise<Answer<void>> {
    const answer = await exchange(this.transport, ex, options);
    return answer.ok ? { ok: true, value: undefined } : answer;
  }

  // ── Health and scenarios ─────────────────────────────────────────────────────────────────

  /** GET /healthz: public (no credentials needed, but sending them costs nothing). */
  health(options?: CallOptions): Promise<Answer<Health>> {
    return this.json({ method: 'GET', path: '/healthz' }, 'health', shape.health, options);
  }

  scenarios(options?: CallOptions): Promise<Answer<Scenario[]>> {
    return this.json({ method: 'GET', path: '/scenarios' }, 'scenarios', (v) => shape.list(v, shape.scenario, shape.byName), options);
  }

  /** The header only (Go field names on the wire); the server never exposes the file. */
  scenario(name: string, options?: CallOptions): Promise<Answer<Scenario>> {
    return this.json({ method: 'GET', path: `/scenarios/${seg(name)}` }, 'scenario', shape.scenario, options);
  }

  /** POST /scenarios/{name}/run (activator): the new job's id. Undeclared params are dropped by the server. */
  run(name: string, params: Params, options?: CallOptions): Promise<Answer<string>> {
    return this.json({ method: 'POST', path: `/scenarios/${seg(name)}/run`, body: { params } }, 'jobId', shape.jobId, options);
  }

  // ── Approvals (admin) ────────────────────────────────────────────────────────────────────

  /** notFound when never approved (or revoked: revoking deletes the record). */
  approval(name: string, options?: CallOptions): Promise<Answer<Approval>> {
    return this.json({ method: 'GET', path: `/scenarios/${seg(name)}/approval` }, 'approval', shape.approval, options);
  }

  /** Approves the content the server loaded at its start (not the file on disk now). */
  approve(name: string, options?: CallOptions): Promise<Answer<Approval>> {
    return this.json({ method: 'POST', path: `/scenarios/${seg(name)}/approve` }, 'approval', shape.approval, options);
  }

  revokeApproval(name: string, options?: CallOptions): Promise<Answer<void>> {
    return this.none({ method: 'DELETE', path: `/scenarios/${seg(name)}/approval` }, options);
  }

  // ── Jobs ─────────────────────────────────────────────────────────────────────────────────

  /**
   * Newest first, by whole-second start times (jobs of one second in any order). v1.18.1 ignores
   * `limit` and answers its last 100; later versions honour it (≤ 500).
   */
  jobs(limit = JOBS_DEFAULT_LIMIT, options?: CallOptions): Promise<Answer<Job[]>> {
    const n = Math.max(1, Math.min(JOBS_MAX_LIMIT, Math.floor(limit) || JOBS_DEFAULT_LIMIT));
    return this.json({ method: 'GET', path: `/jobs?limit=${n}` }, 'jobs', (v) => shape.list(v, shape.job, shape.byId), options);
  }

  job(id: string, options?: CallOptions): Promise<Answer<Job>> {
    return this.json({ method: 'GET', path: `/jobs/${seg(id)}` }, 'job', shape.job, options);
  }

  /** A running job: SIGTERM now; the job stays `running` with `cancelledBy` set until it exits. */
  stop(id: string, options?: CallOptions): Promise<Answer<void>> {
    return this.none({ method: 'POST', path: `/jobs/${seg(id)}/stop` }, options);
  }

  /** A job not yet started (pending). */
  cancel(id: string, options?: CallOptions): Promise<Answer<void>> {
    return this.none({ method: 'POST', path: `/jobs/${seg(id)}/cancel` }, options);
  }

  /** The latest 50 jobs of one scenario. */
  results(scenario: string, options?: CallOptions): Promise<Answer<Job[]>> {
    return this.json({ method: 'GET', path: `/results/${seg(scenario)}` }, 'jobs', (v) => shape.list(v, shape.job, shape.byId), options);
  }

  /**
   * The job's artifact, its SHA-256 checked against the one the server recorded for the job
   * (`expectedSha256`, or read from GET /jobs/{id} when not given). A job without a recorded
   * hash answers notFound as the server does for a job without an artifact.
   */
  async artifact(id: string, expectedSha256?: string, options: CallOptions & { maxBytes?: number } = {}): Promise<Answer<Artifact>> {
    let expected = expectedSha256;
    if (expected === undefined) {
      const job = await this.job(id, options);
      if (!job.ok) return job;
      expected = job.value.artifactSha256;
    }
    if (expected === undefined || !SHA256_HEX.test(expected.toLowerCase())) return { ok: false, problem: { code: 'notFound', detail: '' } };
    const maxBytes = options.maxBytes ?? DEFAULT_MAX_ARTIFACT_BYTES;
    const answer = await exchange(this.transport, { method: 'GET', path: `/jobs/${seg(id)}/artifact`, maxBytes }, options);
    if (!answer.ok) return answer;
    const sha256 = createHash('sha256').update(answer.value.bytes).digest('hex');
    if (sha256 !== expected.toLowerCase()) return { ok: false, problem: { code: 'checksumMismatch', expected: expected.toLowerCase(), actual: sha256 } };
    return { ok: true, value: { bytes: answer.value.bytes, sha256, fileName: fileNameOf(answer.value) } };
  }

  // ── Schedules (admin) ────────────────────────────────────────────────────────────────────

  schedules(options?: CallOptions): Promise<Answer<Schedule[]>> {
    return this.json({ method: 'GET', path: '/schedules' }, 'schedules', (v) => shape.list(v, shape.schedule, shape.byId), options);
  }

  /**
   * POST /schedules. The body uses the Go field names (the struct has no JSON tags). The server
   * stores the row before it checks the cron (a 422 leaves it stored) and echoes what it was
   * sent: ask schedules() for what it holds.
   */
  addSchedule(input: ScheduleInput, options?: CallOptions): Promise<Answer<Schedule>> {
    const body = { ID: input.id, Scenario: input.scenario, CronExpr: input.cronExpr, Params: input.params ?? {}, Timezone: input.timezone ?? '' };
    return this.json({ method: 'POST', path: '/schedules', body }, 'schedule', shape.schedule, options);
  }

  /** 204 even for an unknown id; enabling an enabled schedule registers it twice on the server. */
  enableSchedule(id: string, options?: CallOptions): Promise<Answer<void>> {
    return this.none({ method: 'PATCH', path: `/schedules/${seg(id)}/enable` }, options);
  }

  disableSchedule(id: string, options?: CallOptions): Promise<Answer<void>> {
    return this.none({ method: 'PATCH', path: `/schedules/${seg(id)}/disable` }, options);
  }

  deleteSchedule(id: string, options?: CallOptions): Promise<Answer<void>> {
    return this.none({ method: 'DELETE', path: `/schedules/${seg(id)}` }, options);
  }

  // ── Tokens (admin; notImplemented in LDAP mode) ──────────────────────────────────────────

  tokens(options?: CallOptions): Promise<Answer<TokenRecord[]>> {
    return this.json({ method: 'GET', path: '/tokens' }, 'tokens', (v) => shape.list(v, shape.tokenRecord, shape.byId), options);
  }

  /** The raw token comes back once; an empty allowlist means every scenario. */
  issueToken(name: string, role: Role, scenarios: readonly string[] = [], options?: CallOptions): Promise<Answer<IssuedToken>> {
    return this.json({ method: 'POST', path: '/tokens', body: { name, role, scenarios } }, 'token', shape.issuedToken, options);
  }

  revokeToken(id: string, options?: CallOptions): Promise<Answer<void>> {
    return this.none({ method: 'DELETE', path: `/tokens/${seg(id)}` }, options);
  }

  // ── Run requests (submit: consumer; review: admin) ───────────────────────────────────────

  submitRequest(input: { scenario: string; params: Params; title?: string }, options?: CallOptions): Promise<Answer<RunRequest>> {
    const body = { scenario: input.scenario, params: input.params, title: input.title ?? '' };
    return this.json({ method: 'POST', path: '/requests', body }, 'request', shape.runRequest, options);
  }

  /** Own requests (admin: all), the last 100, optionally of one status. */
  requests(status?: RequestStatus, options?: CallOptions): Promise<Answer<RunRequest[]>> {
    const path = status ? `/requests?status=${seg(status)}` : '/requests';
    return this.json({ method: 'GET', path }, 'requests', (v) => shape.list(v, shape.runRequest, shape.byId), options);
  }

  request(id: string, options?: CallOptions): Promise<Answer<RunRequest>> {
    return this.json({ method: 'GET', path: `/requests/${seg(id)}` }, 'request', shape.runRequest, options);
  }

  /** The dry run: executes nothing. */
  testRequest(id: string, options?: CallOptions): Promise<Answer<RequestTest>> {
    return this.json({ method: 'POST', path: `/requests/${seg(id)}/test` }, 'requestTest', shape.requestTest, options);
  }

  /** Runs the request: its job id. forbidden `cannotApprove` when the dry run would block it. */
  approveRequest(id: string, options?: CallOptions): Promise<Answer<RequestApproved>> {
    return this.json({ method: 'POST', path: `/requests/${seg(id)}/approve` }, 'requestApproved', shape.requestApproved, options);
  }

  /** The server echoes `{request_id, status, note}`: read the request for what it holds. */
  rejectRequest(id: string, note: string, options?: CallOptions): Promise<Answer<void>> {
    return this.none({ method: 'POST', path: `/requests/${seg(id)}/reject`, body: { note } }, options);
  }
}

function fileNameOf(received: Received): string | undefined {
  const disposition = received.headers.get('content-disposition') ?? '';
  const name = /filename="([^"]*)"/.exec(disposition)?.[1];
  return name !== undefined && SAFE_FILE_NAME.test(name) && name !== '.' && name !== '..' ? name : undefined;
}
