// Which role the connected principal has. v1.18.1 has no "who am I" route, so the role is read
// from two calls that change nothing: GET /tokens (admin only; 501 in LDAP mode means the admin
// check passed) and a stop of a job id that cannot exist (activator; 404 past the role check).
import type { CallOptions } from './http';
import type { OrchestratorClient } from './client';
import type { Answer, Role, TokenRecord } from './types';

/** No job has it: the server makes UUIDs v4 (this one's version digit is 0). */
export const PROBE_JOB_ID = '00000000-0000-0000-0000-000000000000';

export async function probeRole(client: OrchestratorClient, options?: CallOptions): Promise<Answer<Role>> {
  const principal = await probePrincipal(client, options);
  return principal.ok ? { ok: true, value: principal.value.role } : principal;
}

export interface Principal {
  readonly role: Role;
  /** An admin's probe reads every token: the names that jobs' `submitted_by` ids stand for. Empty otherwise. */
  readonly tokens: readonly TokenRecord[];
}

export async function probePrincipal(client: OrchestratorClient, options?: CallOptions): Promise<Answer<Principal>> {
  const tokens = await client.tokens(options);
  if (tokens.ok) return { ok: true, value: { role: 'admin', tokens: tokens.value } };
  if (tokens.problem.code === 'notImplemented') return { ok: true, value: { role: 'admin', tokens: [] } };
  if (tokens.problem.code !== 'roleRequired') return tokens;
  const stop = await client.stop(PROBE_JOB_ID, options);
  if (stop.ok || stop.problem.code === 'notFound' || stop.problem.code === 'conflict' || stop.problem.code === 'forbidden') return { ok: true, value: { role: 'activator', tokens: [] } };
  if (stop.problem.code === 'roleRequired') return { ok: true, value: { role: 'consumer', tokens: [] } };
  return stop;
}
