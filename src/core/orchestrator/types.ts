// The framework's orchestrator (cmd/orchestrator, v1.18.1) as the core sees it: typed, bounded
// shapes, normalized from what the server really sends (normalize.ts), and the problems of an
// answer as facts (problems.ts). Imports nothing of its folder: every file here may import it.

export type Role = 'consumer' | 'activator' | 'admin';
export type JobStatus = 'pending' | 'running' | 'done' | 'failed' | 'cancelled';
export type RequestStatus = 'pending' | 'approved' | 'rejected';

/** A time the server wrote (RFC 3339, whole seconds, UTC): the text as sent and its instant. */
export interface ServerTime {
  readonly text: string;
  readonly epochMs: number;
}

export type Params = Readonly<Record<string, string>>;

/** GET /healthz (public). Unknown values of the enums are kept as the server's text. */
export interface Health {
  readonly status: string;
  readonly activeJobs: number;
  readonly licenseTier: string;
  /** `skip` | `ok`. */
  readonly mercury: string;
  /** `skip` | `connected` | `disconnected`. */
  readonly pubsub: string;
}

export interface ParamDef {
  readonly name: string;
  readonly required: boolean;
  /** Empty when none. */
  readonly default: string;
  /** Empty when none; the server anchors it as `^(?:pattern)$` (params.ts). */
  readonly pattern: string;
}

/** GET /scenarios items and GET /scenarios/{name} (the latter has no `runner` resolved: undefined). */
export interface Scenario {
  readonly name: string;
  readonly description: string;
  readonly params: readonly ParamDef[];
  /** Licence features the scenario needs. */
  readonly permissions: readonly string[];
  /** The runner it resolves to; empty in GET /scenarios/{name} when the header names none (the server's default). */
  readonly runner: string;
}

/** GET /scenarios/{name}/approval (and the answer of POST …/approve, without `matches`). */
export interface Approval {
  readonly name: string;
  readonly sha256: string;
  readonly approvedBy: string;
  readonly approvedAt: ServerTime | undefined;
  readonly enabled: boolean;
  /** Whether the file the server loaded still has the approved hash; undefined when not said (POST). */
  readonly matches: boolean | undefined;
}

export interface Job {
  readonly id: string;
  /** Set when a schedule started it. */
  readonly scheduleId: string | undefined;
  readonly scenario: string;
  readonly params: Params;
  /** A status this version does not know is kept as `unknown` with the text in `statusText`. */
  readonly status: JobStatus | 'unknown';
  readonly statusText: string;
  /** The token id of who ran it; empty for schedules, pub/sub triggers and --no-auth. */
  readonly submittedBy: string | undefined;
  readonly startedAt: ServerTime | undefined;
  readonly finishedAt: ServerTime | undefined;
  /** Written only when the job ends (its last 64 KiB); undefined while it runs. */
  readonly log: string | undefined;
  /** Whether `log` was cut here (longer than MAX_LOG_CHARS). */
  readonly logTruncated: boolean;
  readonly error: string | undefined;
  /** Recorded a moment after the job turns `done` (a refresh later), and only for a flat `output:` line. */
  readonly artifactPath: string | undefined;
  readonly artifactSha256: string | undefined;
  readonly artifactSize: number | undefined;
  /** Who asked to stop or cancel it: with status `running`, the job is stopping. */
  readonly cancelledBy: string | undefined;
  readonly cancelledAt: ServerTime | undefined;
  readonly runner: string | undefined;
}

/** A schedule row (Go field names on the wire: ID, CronExpr, …). */
export interface Schedule {
  readonly id: string;
  readonly scenario: string;
  readonly cronExpr: string;
  readonly params: Params;
  /** Feeds only the date parameters; the cron itself is read in the server's local zone. */
  readonly timezone: string;
  readonly enabled: boolean;
  readonly createdAt: ServerTime | undefined;
  readonly modifiedAt: ServerTime | undefined;
  readonly lastRunAt: ServerTime | undefined;
  readonly lastStatus: string;
  /** Null on the server until the first fire: compute it with nextRun.ts. */
  readonly nextRunAt: ServerTime | undefined;
}

export interface ScheduleInput {
  readonly id: string;
  readonly scenario: string;
  readonly cronExpr: string;
  readonly params?: Params;
  readonly timezone?: string;
}

export interface TokenRecord {
  readonly id: string;
  readonly name: string;
  readonly role: Role | 'unknown';
  /** Allowlist; empty means every scenario. */
  readonly scenarios: readonly string[];
  readonly createdAt: ServerTime | undefined;
  readonly lastUsedAt: ServerTime | undefined;
}

/** POST /tokens: the raw token, shown once. */
export interface IssuedToken {
  readonly token: string;
  readonly name: string;
  readonly role: Role | 'unknown';
}

export interface RunRequest {
  readonly id: string;
  readonly scenario: string;
  readonly params: Params;
  readonly title: string | undefined;
  readonly submitterId: string;
  readonly submitterName: string;
  readonly status: RequestStatus | 'unknown';
  readonly reviewNote: string | undefined;
  readonly reviewedBy: string | undefined;
  readonly jobId: string | undefined;
  readonly createdAt: ServerTime | undefined;
  readonly reviewedAt: ServerTime | undefined;
}

/** POST /requests/{id}/test: the dry-run verdict. */
export interface RequestTest {
  readonly requestId: string;
  readonly scenario: string;
  /** Null on the wire when blocked: empty. */
  readonly resolvedParams: Params;
  readonly wouldRun: boolean;
  /** Empty when it would run; otherwise the server's reason (its text, bounded). */
  readonly blockedReason: string;
}

/** POST /requests/{id}/approve. */
export interface RequestApproved {
  readonly requestId: string;
  readonly status: RequestStatus | 'unknown';
  readonly jobId: string;
}

/** GET /jobs/{id}/artifact, after the SHA-256 check. */
export interface Artifact {
  readonly bytes: Uint8Array;
  readonly sha256: string;
  /** From Content-Disposition, a base name only; undefined when absent or unsafe. */
  readonly fileName: string | undefined;
}

/** Why a 403 with a JSON body refused (classified from the server's text; `other` keeps it). */
export type ForbiddenReason =
  | 'notApproved'
  | 'approvalRevoked'
  | 'changedSinceApproval'
  | 'scenarioNotAllowed'
  | 'notYourJob'
  | 'notYourRequest'
  | 'cannotApprove'
  | 'licenceFeature'
  | 'other';

/** Why a 409 refused. */
export type ConflictReason = 'jobNotRunning' | 'jobNotPending' | 'noLiveProcess' | 'requestReviewed' | 'other';

/**
 * What went wrong with one call, as facts for the front ends to word. `detail` is the server's
 * own text (hostile: bounded here, made inert where shown), never a sentence of ours.
 */
export type OrchestratorProblem =
  | { readonly code: 'unreachable'; readonly cause: string }
  | { readonly code: 'timeout'; readonly afterMs: number }
  | { readonly code: 'aborted' }
  /** The credentials hold what a header cannot carry (a control character, a `:` in a user name): nothing was sent. */
  | { readonly code: 'badCredentials' }
  | { readonly code: 'unauthorized'; readonly detail: string }
  | { readonly code: 'roleRequired'; readonly role: Role }
  | { readonly code: 'forbidden'; readonly reason: ForbiddenReason; readonly detail: string }
  | { readonly code: 'badRequest'; readonly detail: string }
  | { readonly code: 'notFound'; readonly detail: string }
  | { readonly code: 'conflict'; readonly reason: ConflictReason; readonly detail: string }
  | { readonly code: 'invalidParams'; readonly detail: string }
  | { readonly code: 'licenceLimit'; readonly detail: string }
  | { readonly code: 'notImplemented'; readonly detail: string }
  | { readonly code: 'serverError'; readonly status: number; readonly detail: string }
  | { readonly code: 'unexpectedStatus'; readonly status: number; readonly detail: string }
  | { readonly code: 'malformedAnswer'; readonly what: string }
  | { readonly code: 'answerTooLarge'; readonly limitBytes: number }
  | { readonly code: 'checksumMismatch'; readonly expected: string; readonly actual: string };

export type ProblemCode = OrchestratorProblem['code'];

export type Answer<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly problem: OrchestratorProblem };

/** How the client proves who it is. */
export type Credentials =
  | { readonly kind: 'none' }
  | { readonly kind: 'token'; readonly token: string }
  | { readonly kind: 'basic'; readonly username: string; readonly password: string };
