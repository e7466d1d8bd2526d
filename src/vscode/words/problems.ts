import * as vscode from 'vscode';
import { ConnectionProblemError } from '../../core/connection';
import { PROBLEM_CODES } from '../../core/problems';
import type { ConnectionProblem, ConnectionWarning, MissingPermission, NeededPermissions, NotConnectedFacts, ProblemCode, ProblemFacts, TlsAdvice, Where } from '../../core/problems';
import { NotConnectedError } from '../../core/watcher';

// The extension's words for what the core reports as facts: connection problems, warnings and
// "not connected", in the UI language. The terminal tools word the same facts in src/cli/problemText.ts.

/** What is wrong and what to do, in one or two sentences. */
export function problemText(problem: ConnectionProblem): string {
  const text = factsText(problem.facts);
  return problem.hint ? `${text} ${hintText(problem.hint)}` : text;
}

/** A short headline per problem code; problemText gives the specifics. */
export function problemHeadline(code: ProblemCode): string {
  switch (code) {
    case 'settings':
      return vscode.l10n.t('A setting is wrong');
    case 'refused':
      return vscode.l10n.t('Redis is not reachable');
    case 'host-not-found':
      return vscode.l10n.t('Redis host not found');
    case 'timeout':
      return vscode.l10n.t('Redis does not answer');
    case 'auth-failed':
      return vscode.l10n.t('Wrong Redis username or password');
    case 'auth-required':
      return vscode.l10n.t('Redis requires a password');
    case 'permission':
      return vscode.l10n.t('The Redis user lacks a permission');
    case 'bad-db':
      return vscode.l10n.t('The Redis database does not exist');
    case 'tls':
      return vscode.l10n.t('TLS handshake failed');
    case 'dropped-by-server':
      return vscode.l10n.t('Redis dropped the subscription (too slow?)');
    case 'stalled':
      return vscode.l10n.t('Redis stopped answering');
    case 'sentinel-unreachable':
      return vscode.l10n.t('No Redis Sentinel answers');
    case 'sentinel-unknown-master':
      return vscode.l10n.t('The sentinels do not know that master name');
    case 'failover':
      return vscode.l10n.t('Redis failed over to a new primary');
    case 'cluster-down':
      return vscode.l10n.t('The Redis Cluster is down');
    case 'connection-lost':
    case 'other':
      return vscode.l10n.t('Connection lost');
  }
}

function hintText(hint: NonNullable<ConnectionProblem['hint']>): string {
  switch (hint) {
    case 'client-cert':
      return vscode.l10n.t('If the server requires client certificates (tls-auth-clients yes), set the client certificate and key files.');
    case 'turn-tls-on':
      return vscode.l10n.t('It closed the connection while it was being set up: if the server expects TLS, turn TLS on.');
    case 'turn-tls-off':
      return vscode.l10n.t('If the server does not use TLS on that port, turn TLS off.');
  }
}

function factsText(f: ProblemFacts): string {
  switch (f.kind) {
    case 'refused':
      return vscode.l10n.t('Nothing accepts connections at {0}: is redis-server running there, and are the host and port right?', where(f.where));
    case 'cluster-silent':
      return vscode.l10n.t('None of the cluster nodes {0} answered: are they running, and are the addresses right?', f.nodes);
    case 'network-unreachable':
      return vscode.l10n.t('The network cannot reach {0} ({1}).', where(f.where), f.errno);
    case 'host-not-found':
      return vscode.l10n.t('The host "{0}" cannot be found: check the host name.', f.host);
    case 'timeout':
      return vscode.l10n.t('No answer from {0} in time: a firewall may drop the traffic, or the server is overloaded.', where(f.where));
    case 'auth-failed':
      return f.user
        ? vscode.l10n.t('Redis at {0} rejected the password for user "{1}": set the right password (and username) and connect again.', where(f.where), f.user)
        : vscode.l10n.t('Redis at {0} rejected the password for the default user: set the right password (and username) and connect again.', where(f.where));
    case 'auth-required':
      return vscode.l10n.t('Redis at {0} requires a password and none was given: set the password and connect again.', where(f.where));
    case 'permission': {
      const lacks = f.user
        ? vscode.l10n.t('User "{0}" on {1} lacks {2} (Redis said: {3}).', f.user, where(f.where), missingText(f.missing), f.said)
        : vscode.l10n.t('The default user on {0} lacks {1} (Redis said: {2}).', where(f.where), missingText(f.missing), f.said);
      return `${lacks} ${neededText(f.needed)}`;
    }
    case 'loading':
      return vscode.l10n.t('Redis at {0} is still loading its data into memory; retrying.', where(f.where));
    case 'bad-db':
      return vscode.l10n.t('Database {0} does not exist on {1}: choose a smaller db number.', f.db, where(f.where));
    case 'tls':
      return `${vscode.l10n.t('The TLS handshake with {0} failed: {1}.', where(f.where), f.said)} ${tlsAdviceText(f.advice)}`;
    case 'closed':
      return vscode.l10n.t('The connection to {0} was closed.', where(f.where));
    case 'lost':
      return vscode.l10n.t('The connection to {0} was lost; reconnecting.', f.endpoint);
    case 'dropped':
      return vscode.l10n.t(
        'Redis at {0} closed the subscription while the server stayed up: it drops subscribers that fall behind (client-output-buffer-limit pubsub) and clients killed with CLIENT KILL (as Sentinel does when it demotes a primary). Events may have been lost; reconnecting and recovering from the state keys.',
        f.endpoint,
      );
    case 'slow-subscriber':
      return vscode.l10n.t(
        'Redis at {0} has dropped the subscription {1} times in a row, each soon after it was set up: the viewer does not keep up with what is published, and the server cuts off subscribers whose output buffer passes client-output-buffer-limit pubsub (by default 32mb, or 8mb for 60 s). Raise that limit (CONFIG SET client-output-buffer-limit "pubsub 64mb 16mb 60") or publish less. Reconnecting with a growing pause; events may have been lost.',
        f.endpoint,
        f.drops,
      );
    case 'stalled':
      return vscode.l10n.t('{0} stopped answering (no reply to a heartbeat for {1} s); reconnecting.', f.endpoint, f.seconds.toLocaleString(vscode.env.language, { minimumFractionDigits: 1, maximumFractionDigits: 1 }));
    case 'cluster-down':
      return vscode.l10n.t('The Redis Cluster at {0} is down (Redis said: {1}): a shard has no reachable primary, or not all hash slots are assigned. Retrying.', where(f.where), f.said);
    case 'not-a-cluster':
      return vscode.l10n.t('{0}: not a Redis Cluster (cluster support is disabled there). Remove the cluster nodes setting to watch it as a single server.', where(f.where));
    case 'cluster-node':
      return vscode.l10n.t('Redis at {0} is a node of a Redis Cluster (it answered {1}): set the cluster nodes (tdtp.redis.clusterNodes) instead of a single host.', where(f.where), f.reply);
    case 'not-primary':
      return vscode.l10n.t('The sentinels named {0} as the primary of "{1}", but it is a {2}: a failover is probably under way. Asking the sentinels again.', f.node, f.master, f.role);
    case 'failover':
      return vscode.l10n.t('Sentinel reports a failover of "{0}": the primary is now {1} (was {2}); moving to it and recovering from the state keys.', f.master, f.to, f.from);
    case 'sentinel-unknown-master':
      return vscode.l10n.t(
        'The sentinels ({0}) know no master named "{1}": check the master name (the <name> of "sentinel monitor <name> …" in sentinel.conf; SENTINEL MASTERS lists them) and connect again.',
        f.sentinels,
        f.master,
      );
    case 'sentinel-unreachable': {
      const why = f.refused ? vscode.l10n.t('nothing accepts connections there') : (f.said ?? vscode.l10n.t('no answer'));
      return vscode.l10n.t(
        'No sentinel answered where the primary of "{0}" is (tried {1}; {2}). Are the sentinels running and the addresses right? Retrying.',
        f.master,
        f.sentinels,
        f.sentinel ? `${f.sentinel}: ${why}` : why,
      );
    }
    case 'sentinel-permission':
      return vscode.l10n.t('The sentinel at {0} refused the sentinel user (Redis said: {1}). It needs: {2}.', f.sentinel, f.said, '+sentinel|get-master-addr-by-name +subscribe &+switch-master +ping');
    case 'sentinel-auth-required':
      return vscode.l10n.t('The sentinel at {0} requires a password and none was given: set the sentinel password (not the Redis one) and connect again.', f.sentinel);
    case 'sentinel-auth-failed':
      return f.user
        ? vscode.l10n.t('The sentinel at {0} rejected the sentinel user "{1}" and its password: set the right sentinel password and connect again.', f.sentinel, f.user)
        : vscode.l10n.t('The sentinel at {0} rejected the sentinel password: set the right sentinel password and connect again.', f.sentinel);
    case 'unknown':
      return vscode.l10n.t('Redis at {0}: {1}', f.endpoint, f.said);
  }
}

function where(w: Where): string {
  return w.cluster ? vscode.l10n.t('the cluster nodes {0}', w.text) : w.text;
}

function missingText(m: MissingPermission): string {
  switch (m.kind) {
    case 'command':
      return vscode.l10n.t('the permission to run {0} ({1})', m.command.toUpperCase(), `+${m.command.toLowerCase()}`);
    case 'channels':
      return vscode.l10n.t('access to the channels {0} ({1})', `${m.prefix}:*`, `&${m.prefix}:*`);
    case 'keys':
      return vscode.l10n.t('access to the keys {0} ({1})', `${m.prefix}:*`, `~${m.prefix}:*`);
    case 'unknown':
      return vscode.l10n.t('a permission');
  }
}

function neededText(n: NeededPermissions): string {
  return n.optionalRole
    ? vscode.l10n.t('The viewer needs: {0} (and, optionally, +role to check it reached the primary).', n.rules)
    : vscode.l10n.t('The viewer needs: {0}.', n.rules);
}

function tlsAdviceText(a: TlsAdvice): string {
  switch (a.kind) {
    case 'untrusted-ca':
      return a.caSet
        ? vscode.l10n.t("The server's certificate is not signed by the CA in the CA file: use the CA that signed it.")
        : vscode.l10n.t("The server's certificate is not signed by a CA this computer trusts: set the CA file to the CA that signed it.");
    case 'wrong-name':
      return a.serverName
        ? vscode.l10n.t('The server\'s certificate is not for the TLS server name "{0}": set the TLS server name to a name the certificate lists.', a.serverName)
        : vscode.l10n.t('The server\'s certificate is not for "{0}": set the TLS server name to a name the certificate lists.', a.host);
    case 'not-valid-now':
      return vscode.l10n.t("The server's certificate is not valid now (check its dates and this computer's clock).");
    case 'client-cert-required':
      return vscode.l10n.t('The server requires a client certificate (tls-auth-clients): set the client certificate and key files.');
    case 'not-tls':
      return vscode.l10n.t('The server does not seem to speak TLS there: turn TLS off, or use its TLS port.');
    case 'general':
      return vscode.l10n.t('Check the CA file, the client certificate, the server name and whether the server speaks TLS.');
  }
}

export function warningText(w: ConnectionWarning): string {
  switch (w.kind) {
    case 'tls-unverified':
      return vscode.l10n.t('TLS certificate verification is OFF for {0}: anyone on the network path can read and change what the viewer receives.', w.endpoint);
    case 'sentinel-watch-refused':
      return vscode.l10n.t(
        'The sentinel at {0} refused the failover watch ({1}); after a failover the viewer moves only when the old primary drops it (about 10 s later). Allow the sentinel user SUBSCRIBE on +switch-master.',
        w.sentinel,
        w.said,
      );
  }
}

export function notConnectedText(n: NotConnectedFacts): string {
  let text: string;
  if (n.problem) text = vscode.l10n.t('Not connected to Redis at {0}: {1}', n.endpoint, problemText(n.problem));
  else if (n.state === 'connecting') text = vscode.l10n.t('Still connecting to Redis at {0}.', n.endpoint);
  else text = vscode.l10n.t('Not connected to Redis ({0}).', n.endpoint);
  return n.lostDuringRefresh ? `${vscode.l10n.t('The connection was lost during the refresh.')} ${text}` : text;
}

/** A gap marker's reason: the code of the problem that lost the connection, headed in words; other reasons as they are. */
export function gapReasonText(reason: string): string {
  return (PROBLEM_CODES as readonly string[]).includes(reason) ? problemHeadline(reason as ProblemCode) : reason;
}

/** A failure of a poll or refresh in words: the core's typed errors worded, any other error's message. */
export function errorText(err: unknown): string {
  if (err instanceof ConnectionProblemError) return problemText(err.problem);
  if (err instanceof NotConnectedError) return notConnectedText(err.facts);
  return (err as Error)?.message ?? String(err);
}
