import type { ConnectionSettings } from './settings';
import { connectionMode } from './settings';
import { describeEndpoint, describeNode } from './endpoint';
import { NotPrimaryError, SentinelError } from './connection/errors';

/** The kind of a connection problem: what the front ends head it with (and what the API reports). */
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

/** What a problem is about: one server (`host:port`), or the seed nodes of a cluster (`a:1, b:2`). */
export interface Where {
  readonly cluster: boolean;
  readonly text: string;
}

/** What a NOPERM reply says is missing. */
export type MissingPermission =
  | { readonly kind: 'command'; readonly command: string }
  | { readonly kind: 'channels' | 'keys'; readonly prefix: string }
  | { readonly kind: 'unknown' };

/** The least-privilege ACL the viewer needs, as ACL rules; `optionalRole`: +role is wanted too (Sentinel). */
export interface NeededPermissions {
  readonly rules: string;
  readonly optionalRole: boolean;
}

/** What to change for a failed TLS handshake. */
export type TlsAdvice =
  | { readonly kind: 'untrusted-ca'; readonly caSet: boolean }
  /** `serverName`: the TLS server name setting when set, else undefined (the host was checked). */
  | { readonly kind: 'wrong-name'; readonly host: string; readonly serverName?: string }
  | { readonly kind: 'not-valid-now' }
  | { readonly kind: 'client-cert-required' }
  | { readonly kind: 'not-tls' }
  | { readonly kind: 'general' };

/**
 * The facts of a problem, one kind per sentence a front end says. Values that came from a server
 * (`said`, `reply`, `role`) are its text: show them as inert text.
 */
export type ProblemFacts =
  | { readonly kind: 'refused'; readonly where: Where }
  | { readonly kind: 'cluster-silent'; readonly nodes: string }
  | { readonly kind: 'network-unreachable'; readonly where: Where; readonly errno: string }
  | { readonly kind: 'host-not-found'; readonly host: string }
  | { readonly kind: 'timeout'; readonly where: Where }
  | { readonly kind: 'auth-failed'; readonly where: Where; readonly user?: string }
  | { readonly kind: 'auth-required'; readonly where: Where }
  | { readonly kind: 'permission'; readonly where: Where; readonly user?: string; readonly missing: MissingPermission; readonly said: string; readonly needed: NeededPermissions }
  | { readonly kind: 'loading'; readonly where: Where }
  | { readonly kind: 'bad-db'; readonly where: Where; readonly db: number }
  | { readonly kind: 'tls'; readonly where: Where; readonly said: string; readonly advice: TlsAdvice }
  | { readonly kind: 'closed'; readonly where: Where }
  | { readonly kind: 'lost'; readonly endpoint: string }
  | { readonly kind: 'dropped'; readonly endpoint: string }
  /** The server dropped the subscription `drops` times in a row, each soon after it was set up. */
  | { readonly kind: 'slow-subscriber'; readonly endpoint: string; readonly drops: number }
  | { readonly kind: 'stalled'; readonly endpoint: string; readonly seconds: number }
  | { readonly kind: 'cluster-down'; readonly where: Where; readonly said: string }
  | { readonly kind: 'not-a-cluster'; readonly where: Where }
  | { readonly kind: 'cluster-node'; readonly where: Where; readonly reply: string }
  | { readonly kind: 'not-primary'; readonly node: string; readonly role: string; readonly master: string }
  | { readonly kind: 'failover'; readonly master: string; readonly to: string; readonly from: string }
  | { readonly kind: 'sentinel-unknown-master'; readonly master: string; readonly sentinels: string }
  /** `refused`: nothing accepts connections there; else `said` is the last error (none: no answer). */
  | { readonly kind: 'sentinel-unreachable'; readonly master: string; readonly sentinels: string; readonly sentinel?: string; readonly refused: boolean; readonly said?: string }
  | { readonly kind: 'sentinel-permission'; readonly sentinel: string; readonly said: string }
  | { readonly kind: 'sentinel-auth-required'; readonly sentinel: string }
  | { readonly kind: 'sentinel-auth-failed'; readonly sentinel: string; readonly user?: string }
  | { readonly kind: 'unknown'; readonly endpoint: string; readonly said: string };

/** What commonly causes a connection closed or timed out while being set up, with these settings. */
export type ConnectHint = 'client-cert' | 'turn-tls-on' | 'turn-tls-off';

/** A connection problem as facts; each front end words it (src/cli/problemText.ts, src/vscode/words/problems.ts). */
export interface ConnectionProblem {
  readonly code: ProblemCode;
  readonly facts: ProblemFacts;
  /** False for problems that retrying cannot fix (credentials, permissions, settings). */
  readonly retryable: boolean;
  readonly hint?: ConnectHint;
}

/** The code each kind of facts is headed with. */
const CODE_OF: Record<ProblemFacts['kind'], ProblemCode> = {
  refused: 'refused',
  'cluster-silent': 'refused',
  'network-unreachable': 'refused',
  'host-not-found': 'host-not-found',
  timeout: 'timeout',
  'auth-failed': 'auth-failed',
  'auth-required': 'auth-required',
  permission: 'permission',
  loading: 'other',
  'bad-db': 'bad-db',
  tls: 'tls',
  closed: 'connection-lost',
  lost: 'connection-lost',
  dropped: 'dropped-by-server',
  'slow-subscriber': 'dropped-by-server',
  stalled: 'stalled',
  'cluster-down': 'cluster-down',
  'not-a-cluster': 'settings',
  'cluster-node': 'settings',
  'not-primary': 'failover',
  failover: 'failover',
  'sentinel-unknown-master': 'sentinel-unknown-master',
  'sentinel-unreachable': 'sentinel-unreachable',
  'sentinel-permission': 'permission',
  'sentinel-auth-required': 'auth-required',
  'sentinel-auth-failed': 'auth-failed',
  unknown: 'other',
};

/** Every kind of facts and every code, for the front ends' coverage tests. */
export const PROBLEM_KINDS = Object.keys(CODE_OF) as Array<ProblemFacts['kind']>;
export const PROBLEM_CODES: readonly ProblemCode[] = [...new Set(Object.values(CODE_OF))];

export function problem(facts: ProblemFacts, retryable: boolean): ConnectionProblem {
  return { code: CODE_OF[facts.kind], facts, retryable };
}

/** Turns an ioredis / socket / TLS error into a specific, actionable problem. */
export function classifyError(err: unknown, settings: ConnectionSettings): ConnectionProblem {
  const e = err as { code?: string; message?: string; lastNodeError?: unknown; name?: string } | undefined;
  const mode = connectionMode(settings);

  if (err instanceof NotPrimaryError) return problem({ kind: 'not-primary', node: err.node, role: err.role, master: err.master }, true);
  if (err instanceof SentinelError) return classifySentinelError(err, settings);
  // ioredis Cluster: the seeds (and every node it learnt of) failed; the node's error says why.
  if (mode === 'cluster' && (e?.name === 'ClusterAllFailedError' || /None of startup nodes is available|Failed to refresh slots cache/i.test(e?.message ?? ''))) {
    const inner = e?.lastNodeError;
    if (inner) return classifyError(inner, settings);
    return problem({ kind: 'cluster-silent', nodes: clusterNodes(settings) }, true);
  }

  const code = e?.code ?? '';
  const text = e?.message ?? String(err);
  const where: Where = mode === 'cluster' ? { cluster: true, text: clusterNodes(settings) } : { cluster: false, text: describeNode(settings) };
  const user = settings.username;

  if (/^CLUSTERDOWN\b/.test(text)) return problem({ kind: 'cluster-down', where, said: text }, true);
  if (/cluster support disabled/i.test(text)) return problem({ kind: 'not-a-cluster', where }, false);
  if (mode !== 'cluster' && /^(MOVED|ASK|CROSSSLOT)\b/.test(text)) return problem({ kind: 'cluster-node', where, reply: text.split(' ')[0] }, false);
  if (code === 'ECONNREFUSED') return problem({ kind: 'refused', where }, true);
  if (code === 'ENOTFOUND' || code === 'EAI_AGAIN') return problem({ kind: 'host-not-found', host: settings.host }, true);
  if (code === 'ETIMEDOUT' || /ETIMEDOUT|timed? ?out/i.test(text)) return problem({ kind: 'timeout', where }, true);
  if (code === 'EHOSTUNREACH' || code === 'ENETUNREACH') return problem({ kind: 'network-unreachable', where, errno: code }, true);
  if (/^WRONGPASS|invalid username-password pair|invalid password/i.test(text)) return problem({ kind: 'auth-failed', where, user }, false);
  if (/^NOAUTH|Authentication required/i.test(text)) return problem({ kind: 'auth-required', where }, false);
  if (/\bNOPERM\b/.test(text)) {
    return problem({ kind: 'permission', where, user, missing: missingPermission(text, settings), said: text.replace(/^.*?NOPERM\s*/, ''), needed: neededPermissions(settings) }, false);
  }
  if (/^LOADING\b/.test(text)) return problem({ kind: 'loading', where }, true);
  if (/DB index is out of range|invalid DB index/i.test(text)) return problem({ kind: 'bad-db', where, db: settings.db }, false);
  if (/certificate|SSL|TLS|self.signed|EPROTO|ERR_TLS|unable to verify/i.test(text) || /^ERR_TLS|^ERR_SSL|^CERT_|^DEPTH_ZERO|^SELF_SIGNED|^UNABLE_TO/.test(code)) {
    return problem({ kind: 'tls', where, said: firstLineOf(text), advice: tlsAdvice(code, text, settings) }, false);
  }
  if (/Connection is closed|ECONNRESET|EPIPE|socket hang up/i.test(text) || code === 'ECONNRESET' || code === 'EPIPE') return problem({ kind: 'closed', where }, true);
  return problem({ kind: 'unknown', endpoint: describeEndpoint(settings), said: text }, true);
}

function classifySentinelError(e: SentinelError, settings: ConnectionSettings): ConnectionProblem {
  const sentinels = (settings.sentinels ?? []).map(describeNode).join(', ');
  const master = settings.sentinelName ?? '';
  const sentinel = e.sentinel ?? '';
  if (e.code === 'unknown-master') return problem({ kind: 'sentinel-unknown-master', master, sentinels }, false);
  const cause = e.cause as { code?: string; message?: string } | undefined;
  const said = cause?.message;
  if (e.code === 'refused') {
    const text = said ?? '';
    if (/\bNOPERM\b/.test(text)) return problem({ kind: 'sentinel-permission', sentinel, said: text.replace(/^.*?NOPERM\s*/, '') }, false);
    if (/^NOAUTH|Authentication required/i.test(text)) return problem({ kind: 'sentinel-auth-required', sentinel }, false);
    return problem({ kind: 'sentinel-auth-failed', sentinel, user: settings.sentinelUsername }, false);
  }
  return problem({ kind: 'sentinel-unreachable', master, sentinels, sentinel: e.sentinel, refused: cause?.code === 'ECONNREFUSED', said }, true);
}

/** What to change for a failed TLS handshake, from Node's error code. */
function tlsAdvice(code: string, text: string, settings: ConnectionSettings): TlsAdvice {
  if (/^(SELF_SIGNED_CERT_IN_CHAIN|DEPTH_ZERO_SELF_SIGNED_CERT|UNABLE_TO_VERIFY_LEAF_SIGNATURE|UNABLE_TO_GET_ISSUER_CERT(_LOCALLY)?)$/.test(code)) {
    return { kind: 'untrusted-ca', caSet: Boolean(settings.tls.ca) };
  }
  if (code === 'ERR_TLS_CERT_ALTNAME_INVALID') return { kind: 'wrong-name', host: settings.host, serverName: settings.tls.serverName };
  if (code === 'CERT_HAS_EXPIRED' || code === 'CERT_NOT_YET_VALID') return { kind: 'not-valid-now' };
  if (/CERTIFICATE_REQUIRED|alert certificate required|handshake failure/i.test(`${code} ${text}`) && !settings.tls.cert) return { kind: 'client-cert-required' };
  if (/wrong version number|packet length too long/i.test(text)) return { kind: 'not-tls' };
  return { kind: 'general' };
}

function firstLineOf(text: string): string {
  // OpenSSL's messages carry "…:SSL routines:…:SSL alert number 116" after the useful part.
  return text.split('\n')[0].replace(/^[0-9A-F]+:error:[0-9A-F]+:SSL routines:[^:]*:/, '').replace(/:\.\.\/deps\/openssl\S*$/, '');
}

/**
 * A connection that was closed or timed out while being set up: add what commonly causes it with
 * these settings (a TLS/plain mismatch, a missing client certificate).
 */
export function withConnectHint(p: ConnectionProblem, settings: ConnectionSettings): ConnectionProblem {
  let hint: ConnectHint | undefined;
  if (p.code === 'connection-lost' && settings.tls.enabled && !settings.tls.cert) hint = 'client-cert';
  else if (p.code === 'connection-lost' && !settings.tls.enabled) hint = 'turn-tls-on';
  else if (p.code === 'timeout' && settings.tls.enabled) hint = 'turn-tls-off';
  return hint ? { ...p, hint } : p;
}

function clusterNodes(settings: ConnectionSettings): string {
  return (settings.clusterNodes ?? []).map(describeNode).join(', ');
}

function missingPermission(text: string, settings: ConnectionSettings): MissingPermission {
  const command = /run the '([^']+)' command/i.exec(text);
  if (command) return { kind: 'command', command: command[1] };
  if (/\bchannels?\b/i.test(text)) return { kind: 'channels', prefix: settings.prefix };
  if (/\bkeys?\b/i.test(text)) return { kind: 'keys', prefix: settings.prefix };
  return { kind: 'unknown' };
}

/** The least-privilege ACL the viewer needs. */
export function neededPermissions(settings: ConnectionSettings): NeededPermissions {
  const mode = connectionMode(settings);
  return {
    rules: `~${settings.prefix}:* &${settings.prefix}:* +psubscribe +ping +scan +mget +get +pttl${settings.db !== 0 ? ' +select' : ''}${mode === 'cluster' ? ' +cluster|slots' : ''}`,
    optionalRole: mode === 'sentinel',
  };
}

/** Things worth telling that are not problems of the connection's state. */
export type ConnectionWarning =
  | { readonly kind: 'tls-unverified'; readonly endpoint: string }
  /** Sentinel: the failover watch was refused (`said`: the sentinel's reply). */
  | { readonly kind: 'sentinel-watch-refused'; readonly sentinel: string; readonly said: string };

export const WARNING_KINDS: ReadonlyArray<ConnectionWarning['kind']> = ['tls-unverified', 'sentinel-watch-refused'];

/** Why the watcher cannot do what was asked (poll, refresh): the connection is not up. */
export interface NotConnectedFacts {
  readonly endpoint: string;
  /** The connection state's kind, and its problem when it has one. */
  readonly state: 'idle' | 'connecting' | 'reconnecting' | 'failed';
  readonly problem?: ConnectionProblem;
  /** The connection was lost while the refresh ran. */
  readonly lostDuringRefresh: boolean;
}

/** A failure already classified into a problem (the terminal tools print it and exit). */
export class ConnectionProblemError extends Error {
  constructor(readonly problem: ConnectionProblem) {
    // The message is the code: front ends word `problem` (see src/cli/problemText.ts).
    super(`${problem.code}: ${problem.facts.kind}`);
    this.name = 'ConnectionProblemError';
  }
}
