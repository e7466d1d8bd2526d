// What the orchestrator sends, turned into the typed shapes of types.ts. The server is hostile:
// every field's type is checked, every string bounded, and the two spellings it uses are both
// read — JSON tags (`cron_expr`, `id`) and, where a Go struct has no tags, the Go field names
// (`CronExpr`, `ID`, `Required`). Empty lists come back as `null` (Go's nil slice): an empty list.
// An item that is not the shape is dropped; an answer that is not the shape at all is undefined.
import { goTimeEpochMs } from '../goTime';
import { truncate } from '../text';
import { isPlainObject } from '../validate';
import type {
  Approval,
  Health,
  IssuedToken,
  Job,
  JobStatus,
  ParamDef,
  Params,
  RequestApproved,
  RequestStatus,
  RequestTest,
  Role,
  RunRequest,
  Scenario,
  Schedule,
  ServerTime,
  TokenRecord,
} from './types';

/** A job's log: the server keeps the last 64 KiB plus a first line naming the full log file. */
export const MAX_LOG_CHARS = 64 * 1024 + 1024;
/** Names, ids, hashes, roles, runners. */
export const MAX_NAME_CHARS = 256;
/** Descriptions, errors, notes, titles, parameter values. */
export const MAX_TEXT_CHARS = 4096;
/** Entries of a params map or items of a small list (permissions, allowlist, param defs). */
export const MAX_ENTRIES = 200;
/** Items of one list answer (the server's own maximum for jobs is 500). */
export const MAX_LIST_ITEMS = 1000;

type Obj = Record<string, unknown>;

/** The first of `names` the object has (JSON tag first, then the Go field name). */
function pick(o: Obj, ...names: string[]): unknown {
  for (const name of names) if (Object.prototype.hasOwnProperty.call(o, name)) return o[name];
  return undefined;
}

function str(value: unknown, max: number): string | undefined {
  return typeof value === 'string' ? truncate(value, max) : undefined;
}

/** A string field that may be absent or empty (Go's `omitempty`): undefined for both. */
function optStr(value: unknown, max: number): string | undefined {
  const s = str(value, max);
  return s === '' ? undefined : s;
}

function bool(value: unknown): boolean | undefined {
  return typeof value === 'boolean' ? value : undefined;
}

function count(value: unknown): number | undefined {
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= 0 ? value : undefined;
}

/** RFC 3339 (the server writes whole seconds, UTC); the Go zero time and anything else: undefined. */
export function serverTime(value: unknown): ServerTime | undefined {
  if (typeof value !== 'string' || value.length > 64) return undefined;
  const epochMs = goTimeEpochMs(value);
  return epochMs === undefined ? undefined : { text: value, epochMs };
}

/** A `map[string]string`; null (Go's nil map) is empty. Non-string values are dropped. */
export function params(value: unknown): Params {
  const out: Record<string, string> = Object.create(null) as Record<string, string>;
  if (!isPlainObject(value)) return out;
  let n = 0;
  for (const [key, v] of Object.entries(value)) {
    if (n >= MAX_ENTRIES) break;
    if (typeof v !== 'string' || key.length > MAX_NAME_CHARS) continue;
    out[key] = truncate(v, MAX_TEXT_CHARS);
    n++;
  }
  return out;
}

function strings(value: unknown, max = MAX_NAME_CHARS): string[] {
  if (!Array.isArray(value)) return [];
  return value.slice(0, MAX_ENTRIES).filter((v): v is string => typeof v === 'string').map((v) => truncate(v, max));
}

/** The key of a job, a schedule, a request or a token. */
export const byId = (t: { id: string }): string => t.id;
/** The key of a scenario or a parameter. */
export const byName = (t: { name: string }): string => t.name;

/**
 * A list answer: null is empty; not an array is undefined; items not of the shape are dropped.
 * With `key`, an item whose key came before is dropped too (the first is kept): the trees
 * register their items by id, and a hostile server may repeat one.
 */
export function list<T>(value: unknown, item: (v: unknown) => T | undefined, key?: (t: T) => string): T[] | undefined {
  if (value === null) return [];
  if (!Array.isArray(value)) return undefined;
  const out: T[] = [];
  const seen = new Set<string>();
  for (const v of value.slice(0, MAX_LIST_ITEMS)) {
    const t = item(v);
    if (t === undefined) continue;
    if (key) {
      const k = key(t);
      if (seen.has(k)) continue;
      seen.add(k);
    }
    out.push(t);
  }
  return out;
}

const ROLES: readonly string[] = ['consumer', 'activator', 'admin'];
export function role(value: unknown): Role | undefined {
  return typeof value === 'string' && ROLES.includes(value) ? (value as Role) : undefined;
}

const JOB_STATUSES: readonly string[] = ['pending', 'running', 'done', 'failed', 'cancelled'];
const REQUEST_STATUSES: readonly string[] = ['pending', 'approved', 'rejected'];

export function health(value: unknown): Health | undefined {
  if (!isPlainObject(value)) return undefined;
  const status = str(value.status, MAX_NAME_CHARS);
  const activeJobs = count(value.active_jobs);
  if (status === undefined || activeJobs === undefined) return undefined;
  return {
    status,
    activeJobs,
    licenseTier: str(value.license_tier, MAX_NAME_CHARS) ?? '',
    mercury: str(value.mercury, MAX_NAME_CHARS) ?? '',
    pubsub: str(value.pubsub, MAX_NAME_CHARS) ?? '',
  };
}

export function paramDef(value: unknown): ParamDef | undefined {
  if (!isPlainObject(value)) return undefined;
  const name = str(pick(value, 'name', 'Name'), MAX_NAME_CHARS);
  if (!name) return undefined;
  return {
    name,
    required: bool(pick(value, 'required', 'Required')) ?? false,
    default: str(pick(value, 'default', 'Default'), MAX_TEXT_CHARS) ?? '',
    pattern: str(pick(value, 'pattern', 'Pattern'), MAX_TEXT_CHARS) ?? '',
  };
}

export function scenario(value: unknown): Scenario | undefined {
  if (!isPlainObject(value)) return undefined;
  const name = str(pick(value, 'name', 'Name'), MAX_NAME_CHARS);
  if (!name) return undefined;
  return {
    name,
    description: str(pick(value, 'description', 'Description'), MAX_TEXT_CHARS) ?? '',
    params: list(pick(value, 'params', 'Params') ?? null, paramDef, byName)?.slice(0, MAX_ENTRIES) ?? [],
    permissions: strings(pick(value, 'permissions', 'Permissions')),
    runner: str(pick(value, 'runner', 'Runner'), MAX_NAME_CHARS) ?? '',
  };
}

export function approval(value: unknown): Approval | undefined {
  if (!isPlainObject(value)) return undefined;
  const name = str(value.name, MAX_NAME_CHARS);
  const sha256 = str(value.sha256, MAX_NAME_CHARS);
  if (!name || sha256 === undefined) return undefined;
  return {
    name,
    sha256,
    approvedBy: str(value.approved_by, MAX_NAME_CHARS) ?? '',
    approvedAt: serverTime(value.approved_at),
    enabled: bool(value.enabled) ?? false,
    matches: bool(value.matches),
  };
}

export function job(value: unknown): Job | undefined {
  if (!isPlainObject(value)) return undefined;
  const id = str(value.id, MAX_NAME_CHARS);
  const statusText = str(value.status, MAX_NAME_CHARS);
  if (!id || statusText === undefined) return undefined;
  const rawLog = typeof value.log === 'string' && value.log !== '' ? value.log : undefined;
  return {
    id,
    scheduleId: optStr(value.schedule_id, MAX_NAME_CHARS),
    scenario: str(value.scenario, MAX_NAME_CHARS) ?? '',
    params: params(value.params),
    status: JOB_STATUSES.includes(statusText) ? (statusText as JobStatus) : 'unknown',
    statusText,
    submittedBy: optStr(value.submitted_by, MAX_NAME_CHARS),
    startedAt: serverTime(value.started_at),
    finishedAt: serverTime(value.finished_at),
    // The end is what matters in a log: keep the last MAX_LOG_CHARS.
    log: rawLog === undefined ? undefined : rawLog.length > MAX_LOG_CHARS ? rawLog.slice(rawLog.length - MAX_LOG_CHARS) : rawLog,
    logTruncated: rawLog !== undefined && rawLog.length > MAX_LOG_CHARS,
    error: optStr(value.error, MAX_TEXT_CHARS),
    artifactPath: optStr(value.artifact_path, MAX_TEXT_CHARS),
    artifactSha256: optStr(value.artifact_sha256, MAX_NAME_CHARS),
    artifactSize: count(value.artifact_size) || undefined,
    cancelledBy: optStr(value.cancelled_by, MAX_NAME_CHARS),
    cancelledAt: serverTime(value.cancelled_at),
    runner: optStr(value.runner, MAX_NAME_CHARS),
  };
}

export function schedule(value: unknown): Schedule | undefined {
  if (!isPlainObject(value)) return undefined;
  const id = str(pick(value, 'id', 'ID'), MAX_NAME_CHARS);
  const cronExpr = str(pick(value, 'cron_expr', 'CronExpr'), MAX_TEXT_CHARS);
  if (!id || cronExpr === undefined) return undefined;
  return {
    id,
    scenario: str(pick(value, 'scenario', 'Scenario'), MAX_NAME_CHARS) ?? '',
    cronExpr,
    params: params(pick(value, 'params', 'Params')),
    timezone: str(pick(value, 'timezone', 'Timezone'), MAX_NAME_CHARS) ?? '',
    enabled: bool(pick(value, 'enabled', 'Enabled')) ?? false,
    createdAt: serverTime(pick(value, 'created_at', 'CreatedAt')),
    modifiedAt: serverTime(pick(value, 'modified_at', 'ModifiedAt')),
    lastRunAt: serverTime(pick(value, 'last_run_at', 'LastRunAt')),
    lastStatus: str(pick(value, 'last_status', 'LastStatus'), MAX_NAME_CHARS) ?? '',
    nextRunAt: serverTime(pick(value, 'next_run_at', 'NextRunAt')),
  };
}

export function tokenRecord(value: unknown): TokenRecord | undefined {
  if (!isPlainObject(value)) return undefined;
  const id = str(value.id, MAX_NAME_CHARS);
  if (!id) return undefined;
  return {
    id,
    name: str(value.name, MAX_NAME_CHARS) ?? '',
    role: role(value.role) ?? 'unknown',
    scenarios: strings(value.scenarios),
    createdAt: serverTime(value.created_at),
    lastUsedAt: serverTime(value.last_used_at),
  };
}

export function issuedToken(value: unknown): IssuedToken | undefined {
  if (!isPlainObject(value)) return undefined;
  const token = str(value.token, MAX_NAME_CHARS);
  if (!token) return undefined;
  return { token, name: str(value.name, MAX_NAME_CHARS) ?? '', role: role(value.role) ?? 'unknown' };
}

function requestStatus(value: unknown): RequestStatus | 'unknown' {
  return typeof value === 'string' && REQUEST_STATUSES.includes(value) ? (value as RequestStatus) : 'unknown';
}

export function runRequest(value: unknown): RunRequest | undefined {
  if (!isPlainObject(value)) return undefined;
  const id = str(value.id, MAX_NAME_CHARS);
  if (!id) return undefined;
  return {
    id,
    scenario: str(value.scenario, MAX_NAME_CHARS) ?? '',
    params: params(value.params),
    title: optStr(value.title, MAX_TEXT_CHARS),
    submitterId: str(value.submitter_id, MAX_NAME_CHARS) ?? '',
    submitterName: str(value.submitter_name, MAX_NAME_CHARS) ?? '',
    status: requestStatus(value.status),
    reviewNote: optStr(value.review_note, MAX_TEXT_CHARS),
    reviewedBy: optStr(value.reviewed_by, MAX_NAME_CHARS),
    jobId: optStr(value.job_id, MAX_NAME_CHARS),
    createdAt: serverTime(value.created_at),
    reviewedAt: serverTime(value.reviewed_at),
  };
}

export function requestTest(value: unknown): RequestTest | undefined {
  if (!isPlainObject(value)) return undefined;
  const requestId = str(value.request_id, MAX_NAME_CHARS);
  const wouldRun = bool(value.would_run);
  if (!requestId || wouldRun === undefined) return undefined;
  return {
    requestId,
    scenario: str(value.scenario, MAX_NAME_CHARS) ?? '',
    resolvedParams: params(value.resolved_params),
    wouldRun,
    blockedReason: str(value.blocked_reason, MAX_TEXT_CHARS) ?? '',
  };
}

export function requestApproved(value: unknown): RequestApproved | undefined {
  if (!isPlainObject(value)) return undefined;
  const requestId = str(value.request_id, MAX_NAME_CHARS);
  const jobId = str(value.job_id, MAX_NAME_CHARS);
  if (!requestId || !jobId) return undefined;
  return { requestId, status: requestStatus(value.status), jobId };
}

/** `{job_id}` of POST /scenarios/{name}/run. */
export function jobId(value: unknown): string | undefined {
  return isPlainObject(value) ? str(value.job_id, MAX_NAME_CHARS) || undefined : undefined;
}
