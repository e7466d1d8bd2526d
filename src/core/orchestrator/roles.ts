// Who may do what on the orchestrator: one table, read from its routes (cmd/orchestrator/main.go,
// RequireRole, v1.18.1). A front end offers only what the connected role can do; the server
// still decides (a token's scenario allowlist and job ownership are checked there, per call).
import type { Role } from './types';

const RANK: Readonly<Record<Role, number>> = { consumer: 0, activator: 1, admin: 2 };

/** consumer < activator < admin. */
export function roleRank(role: Role): number {
  return RANK[role];
}

/** Whether `role` is at least `needed`, as the server's RequireRole checks. */
export function roleAtLeast(role: Role, needed: Role): boolean {
  return RANK[role] >= RANK[needed];
}

/** The actions the views offer, each with the least role the server requires. */
export const ACTION_ROLE = {
  viewScenarios: 'consumer',
  viewJobs: 'consumer',
  viewResults: 'consumer',
  downloadArtifact: 'consumer',
  submitRequest: 'consumer',
  viewOwnRequests: 'consumer',
  run: 'activator',
  /** Own jobs; an admin may stop any job (the server answers `notYourJob` otherwise). */
  stopOwnJob: 'activator',
  cancelOwnJob: 'activator',
  stopAnyJob: 'admin',
  cancelAnyJob: 'admin',
  viewAllRequests: 'admin',
  reviewRequest: 'admin',
  viewApproval: 'admin',
  approveScenario: 'admin',
  revokeApproval: 'admin',
  viewSchedules: 'admin',
  editSchedules: 'admin',
  viewTokens: 'admin',
  editTokens: 'admin',
} as const satisfies Readonly<Record<string, Role>>;

export type OrchestratorAction = keyof typeof ACTION_ROLE;

export function can(role: Role, action: OrchestratorAction): boolean {
  return roleAtLeast(role, ACTION_ROLE[action]);
}

/** Everything `role` may do, in the table's order. */
export function actionsOf(role: Role): OrchestratorAction[] {
  return (Object.keys(ACTION_ROLE) as OrchestratorAction[]).filter((action) => can(role, action));
}
