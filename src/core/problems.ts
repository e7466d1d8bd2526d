import type { ConnectionSettings } from './settings';
import { connectionMode, describeEndpoint, describeNode } from './settings';
import { NotPrimaryError, SentinelError } from './connection/errors';

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
  /** Sentinel mode: no sentinel could be asked for the primary (retried). */
  | 'sentinel-unreachable'
  /** Sentinel mode: the sentinels answer but know no master of that name (not retried). */
  | 'sentinel-unknown-master'
  /** Sentinel mode: the primary changed (a failover); the viewer follows it (retried at once). */
  | 'failover'
  /** Cluster mode: CLUSTERDOWN, a shard without a primary or slots not covered (retried). */
  | 'cluster-down'
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
  const e = err as { code?: string; message?: string; lastNodeError?: unknown; name?: string } | undefined;
  const mode = connectionMode(settings);

  if (err instanceof NotPrimaryError) {
    const { node, role, master } = err;
    return {
      code: 'failover',
      retryable: true,
      message: `The sentinels named ${node} as the primary of "${master}", but it is a ${role}: a failover is probably under way. Asking the sentinels again.`,
    };
  }
  if (err instanceof SentinelError) return classifySentinelError(err, settings);
  // ioredis Cluster: the seeds (and every node it learnt of) failed; the node's error says why.
  if (mode === 'cluster' && (e?.name === 'ClusterAllFailedError' || /None of startup nodes is available|Failed to refresh slots cache/i.test(e?.message ?? ''))) {
    const inner = e?.lastNodeError;
    if (inner) return classifyError(inner, settings);
    return { code: 'refused', retryable: true, message: `None of the cluster nodes ${clusterNodes(settings)} answered: are they running, and are the addresses right?` };
  }

  const code = e?.code ?? '';
  const text = e?.message ?? String(err);
  const where = mode === 'cluster' ? `the cluster nodes ${clusterNodes(settings)}` : `${settings.host}:${settings.port}`;
  const user = settings.username ? `user "${settings.username}"` : 'the default user';

  if (/^CLUSTERDOWN\b/.test(text)) {
    return {
      code: 'cluster-down',
      retryable: true,
      message: `The Redis Cluster at ${where} is down (Redis said: ${text}): a shard has no reachable primary, or not all hash slots are assigned. Retrying.`,
    };
  }
  if (/cluster support disabled/i.test(text)) {
    return { code: 'settings', retryable: false, message: `${capitalize(where)}: not a Redis Cluster (cluster support is disabled there). Remove the cluster nodes setting to watch it as a single server.` };
  }
  if (mode !== 'cluster' && /^(MOVED|ASK|CROSSSLOT)\b/.test(text)) {
    return { code: 'settings', retryable: false, message: `Redis at ${where} is a node of a Redis Cluster (it answered ${text.split(' ')[0]}): set the cluster nodes (tdtp.redis.clusterNodes, or --cluster host:port) instead of a single host.` };
  }

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
  if (/certificate|SSL|TLS|self.signed|EPROTO|ERR_TLS|unable to verify/i.test(text) || /^ERR_TLS|^ERR_SSL|^CERT_|^DEPTH_ZERO|^SELF_SIGNED|^UNABLE_TO/.test(code)) {
    return { code: 'tls', retryable: false, message: `The TLS handshake with ${where} failed: ${firstLineOf(text)}. ${tlsAdvice(code, text, settings)}` };
  }
  if (/Connection is closed|ECONNRESET|EPIPE|socket hang up/i.test(text) || code === 'ECONNRESET' || code === 'EPIPE') {
    return { code: 'connection-lost', retryable: true, message: `The connection to ${where} was closed.` };
  }
  return { code: 'other', retryable: true, message: `Redis at ${describeEndpoint(settings)}: ${text}` };
}

function classifySentinelError(e: SentinelError, settings: ConnectionSettings): ConnectionProblem {
  const list = (settings.sentinels ?? []).map(describeNode).join(', ');
  const name = settings.sentinelName ?? '';
  if (e.code === 'unknown-master') {
    return {
      code: 'sentinel-unknown-master',
      retryable: false,
      message: `The sentinels (${list}) know no master named "${name}": check the master name (the <name> of "sentinel monitor <name> …" in sentinel.conf; SENTINEL MASTERS lists them) and connect again.`,
    };
  }
  const cause = e.cause as { code?: string; message?: string } | undefined;
  const causeText = cause?.message ?? 'no answer';
  if (e.code === 'refused') {
    if (/\bNOPERM\b/.test(causeText)) {
      return { code: 'permission', retryable: false, message: `The sentinel at ${e.sentinel} refused the sentinel user (Redis said: ${causeText.replace(/^.*?NOPERM\s*/, '')}). It needs: +sentinel|get-master-addr-by-name +subscribe &+switch-master +ping.` };
    }
    const required = /^NOAUTH|Authentication required/i.test(causeText);
    return {
      code: required ? 'auth-required' : 'auth-failed',
      retryable: false,
      message: required
        ? `The sentinel at ${e.sentinel} requires a password and none was given: set the sentinel password (not the Redis one) and connect again.`
        : `The sentinel at ${e.sentinel} rejected the sentinel ${settings.sentinelUsername ? `user "${settings.sentinelUsername}" and its ` : ''}password: set the right sentinel password and connect again.`,
    };
  }
  const why = cause?.code === 'ECONNREFUSED' ? 'nothing accepts connections there' : causeText;
  return {
    code: 'sentinel-unreachable',
    retryable: true,
    message: `No sentinel answered where the primary of "${name}" is (tried ${list}; ${e.sentinel ? `${e.sentinel}: ` : ''}${why}). Are the sentinels running and the addresses right? Retrying.`,
  };
}

/** What to change for a failed TLS handshake, from Node's error code. */
function tlsAdvice(code: string, text: string, settings: ConnectionSettings): string {
  if (/^(SELF_SIGNED_CERT_IN_CHAIN|DEPTH_ZERO_SELF_SIGNED_CERT|UNABLE_TO_VERIFY_LEAF_SIGNATURE|UNABLE_TO_GET_ISSUER_CERT(_LOCALLY)?)$/.test(code)) {
    return settings.tls.ca
      ? "The server's certificate is not signed by the CA in the CA file: use the CA that signed it."
      : "The server's certificate is not signed by a CA this computer trusts: set the CA file to the CA that signed it.";
  }
  if (code === 'ERR_TLS_CERT_ALTNAME_INVALID') {
    return `The server's certificate is not for ${settings.tls.serverName ? `the TLS server name "${settings.tls.serverName}"` : `"${settings.host}"`}: set the TLS server name to a name the certificate lists.`;
  }
  if (code === 'CERT_HAS_EXPIRED' || code === 'CERT_NOT_YET_VALID') return "The server's certificate is not valid now (check its dates and this computer's clock).";
  if (/CERTIFICATE_REQUIRED|alert certificate required|handshake failure/i.test(`${code} ${text}`) && !settings.tls.cert) {
    return 'The server requires a client certificate (tls-auth-clients): set the client certificate and key files.';
  }
  if (/wrong version number|packet length too long/i.test(text)) return 'The server does not seem to speak TLS there: turn TLS off, or use its TLS port.';
  return 'Check the CA file, the client certificate, the server name and whether the server speaks TLS.';
}

function firstLineOf(text: string): string {
  // OpenSSL's messages carry "…:SSL routines:…:SSL alert number 116" after the useful part.
  return text.split('\n')[0].replace(/^[0-9A-F]+:error:[0-9A-F]+:SSL routines:[^:]*:/, '').replace(/:\.\.\/deps\/openssl\S*$/, '');
}

/**
 * A connection that was closed or timed out while being set up: add what commonly causes it with
 * these settings (a TLS/plain mismatch, a missing client certificate).
 */
export function withConnectHint(problem: ConnectionProblem, settings: ConnectionSettings): ConnectionProblem {
  let hint = '';
  if (problem.code === 'connection-lost' && settings.tls.enabled && !settings.tls.cert) hint = ' If the server requires client certificates (tls-auth-clients yes), set the client certificate and key files.';
  else if (problem.code === 'connection-lost' && !settings.tls.enabled) hint = ' It closed the connection while it was being set up: if the server expects TLS, turn TLS on.';
  else if (problem.code === 'timeout' && settings.tls.enabled) hint = ' If the server does not use TLS on that port, turn TLS off.';
  return hint ? { ...problem, message: `${problem.message}${hint}` } : problem;
}

function clusterNodes(settings: ConnectionSettings): string {
  return (settings.clusterNodes ?? []).map(describeNode).join(', ');
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
  const mode = connectionMode(settings);
  const extra = mode === 'cluster' ? ' +cluster|slots' : mode === 'sentinel' ? ' (and, optionally, +role to check it reached the primary)' : '';
  return `The viewer needs: ~${settings.prefix}:* &${settings.prefix}:* +psubscribe +ping +scan +mget +get +pttl${settings.db !== 0 ? ' +select' : ''}${extra}.`;
}

function capitalize(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}
