// The terminal tools' words for what the core reports as facts: connection problems, warnings
// and "not connected". English only; the extension words the same facts in src/vscode/words/problems.ts.
import { ConnectionProblemError } from '../core/connection';
import { logValue } from '../core/text';
import { NotConnectedError } from '../core/watcher';
import type { ConnectionProblem, ConnectionWarning, MissingPermission, NeededPermissions, NotConnectedFacts, ProblemFacts, TlsAdvice, Where } from '../core/problems';

/** What is wrong and what to do, in one or two sentences. */
export function problemText(problem: ConnectionProblem): string {
  const hint = problem.hint ? ` ${HINTS[problem.hint]}` : '';
  return `${factsText(problem.facts)}${hint}`;
}

const HINTS: Record<NonNullable<ConnectionProblem['hint']>, string> = {
  'client-cert': 'If the server requires client certificates (tls-auth-clients yes), set the client certificate and key files.',
  'turn-tls-on': 'It closed the connection while it was being set up: if the server expects TLS, turn TLS on.',
  'turn-tls-off': 'If the server does not use TLS on that port, turn TLS off.',
};

function factsText(f: ProblemFacts): string {
  switch (f.kind) {
    case 'refused':
      return `Nothing accepts connections at ${where(f.where)}: is redis-server running there, and are the host and port right?`;
    case 'cluster-silent':
      return `None of the cluster nodes ${f.nodes} answered: are they running, and are the addresses right?`;
    case 'network-unreachable':
      return `The network cannot reach ${where(f.where)} (${f.errno}).`;
    case 'host-not-found':
      return `The host "${f.host}" cannot be found: check the host name.`;
    case 'timeout':
      return `No answer from ${where(f.where)} in time: a firewall may drop the traffic, or the server is overloaded.`;
    case 'auth-failed':
      return `Redis at ${where(f.where)} rejected the password for ${user(f.user)}: set the right password (and username) and connect again.`;
    case 'auth-required':
      return `Redis at ${where(f.where)} requires a password and none was given: set the password and connect again.`;
    case 'permission':
      return `${capitalize(user(f.user))} on ${where(f.where)} lacks ${missingText(f.missing)} (Redis said: ${f.said}). ${neededText(f.needed)}`;
    case 'loading':
      return `Redis at ${where(f.where)} is still loading its data into memory; retrying.`;
    case 'bad-db':
      return `Database ${f.db} does not exist on ${where(f.where)}: choose a smaller db number.`;
    case 'tls':
      return `The TLS handshake with ${where(f.where)} failed: ${f.said}. ${tlsAdviceText(f.advice)}`;
    case 'closed':
      return `The connection to ${where(f.where)} was closed.`;
    case 'lost':
      return `The connection to ${f.endpoint} was lost; reconnecting.`;
    case 'dropped':
      return `Redis at ${f.endpoint} closed the subscription while the server stayed up: it drops subscribers that fall behind (client-output-buffer-limit pubsub) and clients killed with CLIENT KILL (as Sentinel does when it demotes a primary). Events may have been lost; reconnecting and recovering from the state keys.`;
    case 'slow-subscriber':
      return `Redis at ${f.endpoint} has dropped the subscription ${f.drops} times in a row, each soon after it was set up: the viewer does not keep up with what is published, and the server cuts off subscribers whose output buffer passes client-output-buffer-limit pubsub (by default 32mb, or 8mb for 60 s). Raise that limit (CONFIG SET client-output-buffer-limit "pubsub 64mb 16mb 60") or publish less. Reconnecting with a growing pause; events may have been lost.`;
    case 'stalled':
      return `${f.endpoint} stopped answering (no reply to a heartbeat for ${f.seconds.toFixed(1)} s); reconnecting.`;
    case 'cluster-down':
      return `The Redis Cluster at ${where(f.where)} is down (Redis said: ${f.said}): a shard has no reachable primary, or not all hash slots are assigned. Retrying.`;
    case 'not-a-cluster':
      return `${capitalize(where(f.where))}: not a Redis Cluster (cluster support is disabled there). Remove the cluster nodes setting to watch it as a single server.`;
    case 'cluster-node':
      return `Redis at ${where(f.where)} is a node of a Redis Cluster (it answered ${f.reply}): set the cluster nodes (--cluster host:port) instead of a single host.`;
    case 'not-primary':
      return `The sentinels named ${f.node} as the primary of "${f.master}", but it is a ${f.role}: a failover is probably under way. Asking the sentinels again.`;
    case 'failover':
      return `Sentinel reports a failover of "${f.master}": the primary is now ${f.to} (was ${f.from}); moving to it and recovering from the state keys.`;
    case 'sentinel-unknown-master':
      return `The sentinels (${f.sentinels}) know no master named "${f.master}": check the master name (the <name> of "sentinel monitor <name> …" in sentinel.conf; SENTINEL MASTERS lists them) and connect again.`;
    case 'sentinel-unreachable': {
      const why = f.refused ? 'nothing accepts connections there' : (f.said ?? 'no answer');
      return `No sentinel answered where the primary of "${f.master}" is (tried ${f.sentinels}; ${f.sentinel ? `${f.sentinel}: ` : ''}${why}). Are the sentinels running and the addresses right? Retrying.`;
    }
    case 'sentinel-permission':
      return `The sentinel at ${f.sentinel} refused the sentinel user (Redis said: ${f.said}). It needs: +sentinel|get-master-addr-by-name +subscribe &+switch-master +ping.`;
    case 'sentinel-auth-required':
      return `The sentinel at ${f.sentinel} requires a password and none was given: set the sentinel password (not the Redis one) and connect again.`;
    case 'sentinel-auth-failed':
      return `The sentinel at ${f.sentinel} rejected the sentinel ${f.user ? `user "${f.user}" and its ` : ''}password: set the right sentinel password and connect again.`;
    case 'unknown':
      return `Redis at ${f.endpoint}: ${f.said}`;
  }
}

function where(w: Where): string {
  return w.cluster ? `the cluster nodes ${w.text}` : w.text;
}

function user(name: string | undefined): string {
  return name ? `user "${name}"` : 'the default user';
}

function missingText(m: MissingPermission): string {
  switch (m.kind) {
    case 'command':
      return `the permission to run ${m.command.toUpperCase()} (+${m.command.toLowerCase()})`;
    case 'channels':
      return `access to the channels ${m.prefix}:* (&${m.prefix}:*)`;
    case 'keys':
      return `access to the keys ${m.prefix}:* (~${m.prefix}:*)`;
    default:
      return 'a permission';
  }
}

export function neededText(n: NeededPermissions): string {
  return `The viewer needs: ${n.rules}${n.optionalRole ? ' (and, optionally, +role to check it reached the primary)' : ''}.`;
}

function tlsAdviceText(a: TlsAdvice): string {
  switch (a.kind) {
    case 'untrusted-ca':
      return a.caSet
        ? "The server's certificate is not signed by the CA in the CA file: use the CA that signed it."
        : "The server's certificate is not signed by a CA this computer trusts: set the CA file to the CA that signed it.";
    case 'wrong-name':
      return `The server's certificate is not for ${a.serverName ? `the TLS server name "${a.serverName}"` : `"${a.host}"`}: set the TLS server name to a name the certificate lists.`;
    case 'not-valid-now':
      return "The server's certificate is not valid now (check its dates and this computer's clock).";
    case 'client-cert-required':
      return 'The server requires a client certificate (tls-auth-clients): set the client certificate and key files.';
    case 'not-tls':
      return 'The server does not seem to speak TLS there: turn TLS off, or use its TLS port.';
    default:
      return 'Check the CA file, the client certificate, the server name and whether the server speaks TLS.';
  }
}

export function warningText(w: ConnectionWarning): string {
  switch (w.kind) {
    case 'tls-unverified':
      return `TLS certificate verification is OFF for ${w.endpoint}: anyone on the network path can read and change what the viewer receives.`;
    case 'sentinel-watch-refused':
      return `The sentinel at ${w.sentinel} refused the failover watch (${w.said}); after a failover the viewer moves only when the old primary drops it (about 10 s later). Allow the sentinel user SUBSCRIBE on +switch-master.`;
  }
}

export function notConnectedText(n: NotConnectedFacts): string {
  const lost = n.lostDuringRefresh ? 'The connection was lost during the refresh. ' : '';
  switch (n.state) {
    case 'failed':
    case 'reconnecting':
      return `${lost}Not connected to Redis at ${n.endpoint}${n.problem ? `: ${problemText(n.problem)}` : '.'}`;
    case 'connecting':
      return `${lost}Still connecting to Redis at ${n.endpoint}.`;
    default:
      return `${lost}Not connected to Redis (${n.endpoint}).`;
  }
}

function capitalize(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}

/** A failure of a poll, refresh or publish in words: the core's typed errors worded, any other error's message. */
export function errorText(err: unknown): string {
  if (err instanceof ConnectionProblemError) return problemText(err.problem);
  if (err instanceof NotConnectedError) return notConnectedText(err.facts);
  return (err as Error)?.message ?? String(err);
}

/** One terminal line: server text inside a problem (a reply, an error) cannot move the cursor or start a line. */
export function oneLine(text: string): string {
  return logValue(text);
}

/** A problem in --json output: its code and facts, and the sentence. */
export function problemJson(problem: ConnectionProblem): ConnectionProblem & { message: string } {
  return { ...problem, message: problemText(problem) };
}
