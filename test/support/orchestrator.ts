// The framework's real orchestrator (cmd/orchestrator, built by scripts/setup-framework.sh), started
// on a free loopback port in a folder of its own with the scenario, runner, schedule and pub/sub
// files a test writes — in --no-auth or token mode — and a small client of its HTTP API.
// Shapes follow the framework's examples (examples/travel-agency/orchestrator/runners.yaml,
// schedules/travel.yaml); facts about the API: cmd/orchestrator/main.go at the pinned version.
// Checked against the running binary (framework-orchestrator.test.ts) at v1.18.1, where it differs
// from main: approval is `POST /scenarios/{name}/approve` (GET/DELETE `…/approval`), there is no
// --log-retention-weeks, and /tokens lists the bootstrap token as `bootstrap-admin`. As the notes
// say: /healthz is public; no or an unknown token is 401; a role short is 403 `forbidden: requires
// role X`; a trigger passes the result's `result_name` and `status` as parameters. From the source
// only: the scheduler and the pub/sub triggers skip unapproved scenarios (scheduler.go, pubsub.go).
import type { ChildProcess } from 'node:child_process';
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import assert from 'node:assert/strict';
import { stripVTControlCharacters } from 'node:util';
import type { Answer, OrchestratorProblem } from '../../src/core/orchestrator/types';
import type { FrameworkTools } from './framework';
import { freePort, pollUntil } from './redisServer';

export type Role = 'admin' | 'activator' | 'consumer';
export type JobStatus = 'pending' | 'running' | 'done' | 'failed' | 'cancelled';

/** A job as GET /jobs/{id} answers (Go `Job`, executor.go). */
export interface Job {
  id: string;
  schedule_id?: string;
  scenario: string;
  params: Record<string, string> | null;
  status: JobStatus;
  submitted_by?: string;
  started_at: string;
  finished_at?: string;
  /** Written when the job ends. */
  log?: string;
  error?: string;
  runner?: string;
}

export interface RunnerSpec {
  binary: string;
  /** May use {{.tmpfile}} (the rendered scenario) and {{.param}}. */
  args: string[];
}

export interface ScheduleSeed {
  id: string;
  scenario: string;
  /** 5-field cron or `@every 2s`. */
  schedule: string;
  params?: Record<string, string>;
  timezone?: string;
}

export interface Subscription {
  result_name: string;
  scenario: string;
  /** Default ["success"]. */
  on_status?: string[];
  params?: Record<string, string>;
}

export interface OrchestratorOptions {
  /**
   * `none`: --no-auth, every request is the admin `dev`. `token`: bearer tokens, the bootstrap
   * admin token read from the log. `ldap`: --auth-type ldap against `ldapUrl` (HTTP Basic per request).
   */
  auth: 'none' | 'token' | 'ldap';
  /** For `ldap`: the directory's URL (`ldap://host:port`). */
  ldapUrl?: string;
  /** Scenario files by name (written as `<name>.yaml`): Go text/template over the whole file, optional `orchestrator:` header. */
  scenarios: Record<string, string>;
  /** Default: one runner `tdtpcli` running `--pipeline {{.tmpfile}}` with the built tdtpcli. */
  runners?: Record<string, RunnerSpec>;
  schedules?: ScheduleSeed[];
  /** Pipeline-completion triggers from Redis (`--redis-addr` with `--pubsub`). */
  pubsub?: { address: string; db?: number; subscriptions: Subscription[] };
}

export interface ApiAnswer<T = unknown> {
  status: number;
  /** The body parsed as JSON, or undefined when it is not JSON. */
  json: T | undefined;
  text: string;
}

export interface Orchestrator {
  readonly url: string;
  readonly port: number;
  /** Its working folder: the runners inherit it (no config.yaml, no tdtp.lic: the community floor). */
  readonly dir: string;
  /** In token mode, the bootstrap admin token it logged at start. */
  readonly adminToken: string | undefined;
  /** Everything it printed so far (zerolog console lines on stderr). */
  readonly log: string;
  request<T = unknown>(method: string, path: string, options?: { token?: string; body?: unknown }): Promise<ApiAnswer<T>>;
  /** POST /tokens as the admin: the raw token of a new token of `role` (optionally limited to scenarios). */
  issueToken(name: string, role: Role, scenarios?: string[]): Promise<string>;
  /** POST /scenarios/{name}/approve as the admin (a scenario runs on demand only once approved). */
  approve(scenario: string): Promise<void>;
  /** POST /scenarios/{name}/run; resolves with the job id. */
  run(scenario: string, params?: Record<string, string>, token?: string): Promise<string>;
  /** Polls GET /jobs/{id} until the job is in one of `statuses`. */
  waitForJob(id: string, statuses: JobStatus[], timeoutMs?: number): Promise<Job>;
  /**
   * Kills the process with SIGKILL (as a crash or a power cut would: jobs it ran stay `running` in
   * its database, their runners orphaned) and starts it again on the same port, folder and database.
   */
  restart(): Promise<void>;
  /** Stops the process (SIGTERM, SIGKILL after 5 s) and removes its folder. */
  dispose(): Promise<void>;
}

/** Every orchestrator started and not seen to exit: killed if the test process exits. */
const launched = new Set<ChildProcess>();
process.once('exit', () => {
  for (const proc of launched) proc.kill('SIGKILL');
});

/** yaml.v3 reads JSON: the config files are written as JSON, with no quoting to get wrong. */
function writeJson(path: string, value: unknown): void {
  writeFileSync(path, `${JSON.stringify(value, null, 2)}\n`);
}

export async function startOrchestrator(tools: FrameworkTools, options: OrchestratorOptions): Promise<Orchestrator> {
  const dir = mkdtempSync(join(tmpdir(), 'tdtp-orchestrator-'));
  const scenarios = join(dir, 'scenarios');
  const schedules = join(dir, 'schedules');
  mkdirSync(scenarios);
  mkdirSync(schedules);
  mkdirSync(join(dir, 'tmp'));
  for (const [name, text] of Object.entries(options.scenarios)) writeFileSync(join(scenarios, `${name}.yaml`), text);
  writeJson(join(dir, 'runners.yaml'), { runners: options.runners ?? { tdtpcli: { binary: tools.tdtpcli, args: ['--pipeline', '{{.tmpfile}}'] } } });
  if (options.schedules?.length) writeJson(join(schedules, 'seed.yaml'), { schedules: options.schedules });
  const port = await freePort();
  const args = [
    '--addr', `127.0.0.1:${port}`,
    '--scenarios', scenarios,
    '--schedules-seed', schedules,
    '--runners', join(dir, 'runners.yaml'),
    '--db', join(dir, 'orchestrator.db'),
    '--tmp', join(dir, 'tmp'),
    ...(options.auth === 'none' ? ['--no-auth'] : []),
    ...(options.auth === 'ldap' ? ['--auth-type', 'ldap', '--ldap-url', options.ldapUrl ?? 'ldap://127.0.0.1:1', '--ldap-base-dn', 'dc=tdtp,dc=test'] : []),
  ];
  if (options.pubsub) {
    writeJson(join(dir, 'pubsub.yaml'), { subscriptions: options.pubsub.subscriptions });
    args.push('--redis-addr', options.pubsub.address, '--redis-db', String(options.pubsub.db ?? 0), '--pubsub', join(dir, 'pubsub.yaml'));
  }
  // No TDTP_LICENSE or MERCURY_* of the developer's: the community floor, as in CI.
  const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('TDTP_') && !k.startsWith('MERCURY_')));
  let log = '';
  const launch = (): ChildProcess => {
    const started = spawn(tools.orchestrator, args, { cwd: dir, env, stdio: ['ignore', 'pipe', 'pipe'] });
    launched.add(started);
    started.once('exit', () => launched.delete(started));
    started.stdout?.on('data', (chunk: Buffer) => (log += chunk.toString()));
    started.stderr?.on('data', (chunk: Buffer) => (log += chunk.toString()));
    return started;
  };
  let child = launch();
  const url = `http://127.0.0.1:${port}`;

  const request = async <T>(method: string, path: string, opts: { token?: string; body?: unknown } = {}): Promise<ApiAnswer<T>> => {
    const headers: Record<string, string> = {};
    if (opts.token) headers.authorization = `Bearer ${opts.token}`;
    if (opts.body !== undefined) headers['content-type'] = 'application/json';
    const response = await fetch(`${url}${path}`, { method, headers, body: opts.body === undefined ? undefined : JSON.stringify(opts.body) });
    const text = await response.text();
    let json: T | undefined;
    try {
      json = JSON.parse(text) as T;
    } catch {
      json = undefined;
    }
    return { status: response.status, json, text };
  };

  const dispose = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      const exited = new Promise<void>((resolveExit) => child.once('exit', () => resolveExit()));
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
      await exited;
      clearTimeout(timer);
    }
    rmSync(dir, { recursive: true, force: true });
  };

  const answering = () =>
    pollUntil(
      async () => {
        if (child.exitCode !== null) throw new Error(`the orchestrator exited with ${child.exitCode} before it answered:\n${log}`);
        return (await request('GET', '/healthz').catch(() => undefined))?.status === 200 ? true : undefined;
      },
      20_000,
      `the orchestrator on ${url} to answer /healthz`,
      50,
    );
  try {
    await answering();
  } catch (err) {
    await dispose();
    throw err;
  }
  // zerolog's console writer: `… WRN BOOTSTRAP ADMIN TOKEN … admin_token=tdtp_<48 hex>` (logged before it listens).
  const adminToken = options.auth === 'token' ? /admin_token=(tdtp_[0-9a-f]{48})/.exec(stripVTControlCharacters(log))?.[1] : undefined;
  if (options.auth === 'token' && !adminToken) {
    await dispose();
    throw new Error(`no bootstrap admin token in the orchestrator's log:\n${log}`);
  }

  const expect = <T>(answer: ApiAnswer<T>, status: number, what: string): T => {
    if (answer.status !== status) throw new Error(`${what}: HTTP ${answer.status} (expected ${status}): ${answer.text}`);
    return answer.json as T;
  };

  const orchestrator: Orchestrator = {
    url,
    port,
    dir,
    adminToken,
    get log() {
      return log;
    },
    request,
    async issueToken(name, role, scenarioList = []) {
      const answer = await request<{ token: string }>('POST', '/tokens', { token: adminToken, body: { name, role, scenarios: scenarioList } });
      return expect(answer, 201, `POST /tokens (${role})`).token;
    },
    async approve(scenario) {
      expect(await request('POST', `/scenarios/${encodeURIComponent(scenario)}/approve`, { token: adminToken }), 200, `approving ${scenario}`);
    },
    async run(scenario, params = {}, token = adminToken) {
      const answer = await request<{ job_id: string }>('POST', `/scenarios/${encodeURIComponent(scenario)}/run`, { token, body: { params } });
      return expect(answer, 202, `running ${scenario}`).job_id;
    },
    async waitForJob(id, statuses, timeoutMs = 30_000) {
      let last: Job | undefined;
      try {
        return await pollUntil(
          async () => {
            const answer = await request<Job>('GET', `/jobs/${encodeURIComponent(id)}`, { token: adminToken });
            last = expect(answer, 200, `GET /jobs/${id}`);
            return statuses.includes(last.status) ? last : undefined;
          },
          timeoutMs,
          `job ${id} to be ${statuses.join(' or ')}`,
          50,
        );
      } catch (err) {
        throw new Error(`${(err as Error).message}; last seen: ${JSON.stringify(last)}`);
      }
    },
    async restart() {
      if (child.exitCode === null && child.signalCode === null) {
        const exited = new Promise<void>((resolveExit) => child.once('exit', () => resolveExit()));
        child.kill('SIGKILL');
        await exited;
      }
      child = launch();
      await answering();
    },
    dispose,
  };
  return orchestrator;
}

/**
 * A scenario file: the orchestrator's header, then a `tdtpcli --pipeline` body. The whole file is
 * a Go template (`{{.param}}`), so the body must not hold tdtpcli's own `{{VAR}}` placeholders.
 */
export function scenarioYaml(header: { name?: string; description?: string; params?: Array<{ name: string; required?: boolean; default?: string; pattern?: string }>; runner?: string }, pipeline: string): string {
  return `orchestrator: ${JSON.stringify(header)}\n${pipeline}`;
}

/** An answer's value, or the test fails naming `what` and the problem. */
export function answerValue<T>(answer: Answer<T>, what: string): T {
  if (!answer.ok) assert.fail(`${what}: ${JSON.stringify(answer.problem)}`);
  return answer.value;
}

/** An answer's problem, or the test fails naming `what` and the value it got. */
export function answerProblem<T>(answer: Answer<T>, what: string): OrchestratorProblem {
  if (answer.ok) assert.fail(`${what}: expected a problem, got ${JSON.stringify(answer.value)}`);
  return answer.problem;
}
