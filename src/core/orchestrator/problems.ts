// An orchestrator answer that is not a success, as a fact. The server answers errors in two
// forms: JSON `{"error": "…"}` (writeError, and 401 from its auth middleware), and — for a role
// short of what a route needs — Go's http.Error: plain text `forbidden: requires role X\n`.
// Its 403 and 409 texts are classified into reasons (cmd/orchestrator: scenario_approval.go,
// executor.go, requests.go, main.go at v1.18.1); a text this version does not know is `other`,
// and the text is kept (bounded) for the front end to show, made inert there.
import { truncate } from '../text';
import { isPlainObject } from '../validate';
import { role as roleOf } from './normalize';
import type { ConflictReason, ForbiddenReason, OrchestratorProblem } from './types';

/** How much of the server's error text is kept. */
export const MAX_DETAIL_CHARS = 600;

/** The server's error text: `error` of a JSON body, else the body itself, trimmed and bounded. */
export function errorDetail(body: string): string {
  let text = body;
  try {
    const parsed: unknown = JSON.parse(body);
    if (isPlainObject(parsed) && typeof parsed.error === 'string') text = parsed.error;
  } catch {
    // Not JSON: the plain text is the detail.
  }
  return truncate(text.trim(), MAX_DETAIL_CHARS);
}

const ROLE_REQUIRED = /^forbidden: requires role ([a-z]+)$/;

/** Ordered: the first test that holds names the reason. */
const FORBIDDEN: ReadonlyArray<readonly [RegExp, ForbiddenReason]> = [
  [/^cannot approve: /, 'cannotApprove'],
  [/ is not approved\b/, 'notApproved'],
  [/ approval has been revoked$/, 'approvalRevoked'],
  [/ content does not match its approved checksum\b/, 'changedSinceApproval'],
  [/^token not authorized for scenario /, 'scenarioNotAllowed'],
  [/^not your job$/, 'notYourJob'],
  [/^not your request$/, 'notYourRequest'],
  [/ requires permission /, 'licenceFeature'],
];

const CONFLICT: ReadonlyArray<readonly [RegExp, ConflictReason]> = [
  // Checked before "not running": a job left `running` by a restarted server has no process.
  [/^job has no live process handle\b/, 'noLiveProcess'],
  [/^job is not running$/, 'jobNotRunning'],
  [/^job is not pending$/, 'jobNotPending'],
  [/^request already /, 'requestReviewed'],
];

function classify<R extends string>(detail: string, table: ReadonlyArray<readonly [RegExp, R]>, fallback: R): R {
  for (const [test, reason] of table) if (test.test(detail)) return reason;
  return fallback;
}

/** The problem an answer with `status` (not 2xx) and `body` states. */
export function problemOf(status: number, body: string): OrchestratorProblem {
  const detail = errorDetail(body);
  switch (status) {
    case 400:
      return { code: 'badRequest', detail };
    case 401:
      return { code: 'unauthorized', detail };
    case 403: {
      const role = roleOf(ROLE_REQUIRED.exec(detail)?.[1]);
      if (role) return { code: 'roleRequired', role };
      return { code: 'forbidden', reason: classify(detail, FORBIDDEN, 'other'), detail };
    }
    case 404:
      return { code: 'notFound', detail };
    case 409:
      return { code: 'conflict', reason: classify(detail, CONFLICT, 'other'), detail };
    case 422:
      return { code: 'invalidParams', detail };
    case 429:
      return { code: 'licenceLimit', detail };
    case 501:
      return { code: 'notImplemented', detail };
    default:
      return status >= 500 ? { code: 'serverError', status, detail } : { code: 'unexpectedStatus', status, detail };
  }
}

/**
 * A failure before any answer: Node's fetch rejects with `TypeError: fetch failed` whose `cause`
 * carries the system code (ECONNREFUSED, ENOTFOUND…). Only that code is kept, never a message.
 */
export function unreachable(err: unknown): OrchestratorProblem {
  const cause = isPlainObject(err) || err instanceof Error ? (err as { cause?: unknown }).cause : undefined;
  const code = (cause as { code?: unknown } | undefined)?.code ?? (err as { code?: unknown } | undefined)?.code;
  return { code: 'unreachable', cause: typeof code === 'string' && /^[A-Z0-9_]{1,40}$/.test(code) ? code : 'unknown' };
}
