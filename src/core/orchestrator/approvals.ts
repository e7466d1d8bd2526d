// A scenario's approval, told from what the server holds and from the file in the workspace. The
// server hashes the content it loaded at its start; the editor can also hash the file on disk now,
// so it can say before anyone approves whether that file is byte for byte what was approved.
import type { Approval, Answer } from './types';

export type ApprovalState =
  /** Never approved, or revoked (revoking deletes the record): runs are refused. */
  | { readonly kind: 'notApproved' }
  /** A record with `enabled` false: runs are refused. */
  | { readonly kind: 'disabled'; readonly approval: Approval }
  | {
      readonly kind: 'approved';
      readonly approval: Approval;
      /** The content the server loaded still has the approved hash (`matches`); false: runs are refused until re-approved. */
      readonly serverMatches: boolean | undefined;
      /** The workspace file has the approved hash; undefined when no file was hashed. */
      readonly fileMatches: boolean | undefined;
    }
  /** The server would not say (no admin role, unreachable…): the answer's problem is elsewhere. */
  | { readonly kind: 'unknown' };

/** The state from GET /scenarios/{name}/approval's answer and, when there is one, the local file's SHA-256. */
export function approvalState(answer: Answer<Approval>, fileSha256?: string): ApprovalState {
  if (!answer.ok) return answer.problem.code === 'notFound' ? { kind: 'notApproved' } : { kind: 'unknown' };
  const approval = answer.value;
  if (!approval.enabled) return { kind: 'disabled', approval };
  return {
    kind: 'approved',
    approval,
    serverMatches: approval.matches,
    fileMatches: fileSha256 === undefined ? undefined : fileSha256.toLowerCase() === approval.sha256.toLowerCase(),
  };
}

/** Whether a run of the scenario would pass the server's content check, as far as the state tells. */
export function approvalAllowsRun(state: ApprovalState): boolean | undefined {
  switch (state.kind) {
    case 'notApproved':
    case 'disabled':
      return false;
    case 'approved':
      return state.serverMatches;
    case 'unknown':
      return undefined;
  }
}
