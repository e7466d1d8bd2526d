import type { ConnectionSettings } from './settings';
import { describeEndpoint } from './settings';

export type ProblemCode =
  | 'settings'
  | 'refused'
  | 'host-not-found'
  | 'timeout'
  | 'auth-failed'
  | 'auth-required'
  | 'permission'
  | 'bad-db'
  | 'tls'
  | 'connection-lost'
  | 'dropped-by-server'
  | 'stalled'
  | 'other';

/** A connection problem in words a user can act on. */
export interface ConnectionProblem {
  readonly code: ProblemCode;
  /** What is wrong and what to do, in one or two sentences. No stack trace. */
  readonly message: string;
  /** False for problems that retrying cannot fix (credentials, permissions, settings). */
  readonly retryable: boolean;
}

/** Turns an ioredis / socket / TLS error into a specific, actionable problem. */
export function classifyError(err: unknown, settings: ConnectionSettings): ConnectionProblem {
  const e = err as { code?: string; message?: string } | undefined;
  const code = e?.code ?? '';
  const text = e?.message ?? String(err);
  const where = `${settings.host}:${settings.port}`;
  const user = settings.username ? `user "${settings.username}"` : 'the default user';

  if (code === 'ECONNREFUSED') {
    return { code: 'refused', retryable: true, message: `Nothing accepts connections at ${where}: is redis-server running there, and are the host and port right?` };
  }
  if (code === 'ENOTFOUND' || code === 'EAI_AGAIN') {
    return { code: 'host-not-found', retryable: true, message: `The host "${settings.host}" cannot be found: check the host name.` };
  }
  if (code === 'ETIMEDOUT' || /ETIMEDOUT|timed? ?out/i.test(text)) {
    return { code: 'timeout', retryable: true, message: `No answer from ${where} in time: a firewall may drop the traffic, or the server is overloaded.` };
  }
  if (code === 'EHOSTUNREACH' || code === 'ENETUNREACH') {
    return { code: 'refused', retryable: true, message: `The network cannot reach ${where} (${code}).` };
  }
  if (/^WRONGPASS|invalid username-password pair|invalid password/i.test(text)) {
    return { code: 'auth-failed', retryable: false, message: `Redis at ${where} rejected the password for ${user}: set the right password (and username) and connect again.` };
  }
  if (/^NOAUTH|Authentication required/i.test(text)) {
    return { code: 'auth-required', retryable: false, message: `Redis at ${where} requires a password and none was given: set the password and connect again.` };
  }
  if (/\bNOPERM\b/.test(text)) {
    return { code: 'permission', retryable: false, message: `${capitalize(user)} on ${where} lacks ${missingPermission(text, settings)} (Redis said: ${text.replace(/^.*?NOPERM\s*/, '')}). ${neededPermissions(settings)}` };
  }
  if (/^LOADING\b/.test(text)) {
    return { code: 'other', retryable: true, message: `Redis at ${where} is still loading its data into memory; retrying.` };
  }
  if (/DB index is out of range|invalid DB index/i.test(text)) {
    return { code: 'bad-db', retryable: false, message: `Database ${settings.db} does not exist on ${where}: choose a smaller db number.` };
  }
  if (/certificate|SSL|TLS|self.signed|EPROTO|ERR_TLS|unable to verify/i.test(text) || /^ERR_TLS|^CERT_|^DEPTH_ZERO|^SELF_SIGNED|^UNABLE_TO/.test(code)) {
    return { code: 'tls', retryable: false, message: `The TLS handshake with ${where} failed: ${text}. Check the CA file, the server name and whether the server speaks TLS.` };
  }
  if (/Connection is closed|ECONNRESET|EPIPE|socket hang up/i.test(text) || code === 'ECONNRESET' || code === 'EPIPE') {
    return { code: 'connection-lost', retryable: true, message: `The connection to ${where} was closed.` };
  }
  return { code: 'other', retryable: true, message: `Redis at ${describeEndpoint(settings)}: ${text}` };
}

/** What a NOPERM reply says is missing, in ACL rule syntax the user can grant. */
function missingPermission(text: string, settings: ConnectionSettings): string {
  const command = /run the '([^']+)' command/i.exec(text);
  if (command) return `the permission to run ${command[1].toUpperCase()} (+${command[1].toLowerCase()})`;
  if (/\bchannels?\b/i.test(text)) return `access to the channels ${settings.prefix}:* (&${settings.prefix}:*)`;
  if (/\bkeys?\b/i.test(text)) return `access to the keys ${settings.prefix}:* (~${settings.prefix}:*)`;
  return 'a permission';
}

/** The least-privilege ACL the viewer needs. */
export function neededPermissions(settings: ConnectionSettings): string {
  return `The viewer needs: ~${settings.prefix}:* &${settings.prefix}:* +psubscribe +ping +scan +mget +get +pttl${settings.db !== 0 ? ' +select' : ''}.`;
}

function capitalize(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}
