// Where a connection goes, as text: for messages, and as the scope a stored password is bound to.
import { connectionMode } from './settings';
import type { ConnectionSettings, NodeAddress } from './settings';

/**
 * Where a connection goes, for messages (never the password): `redis://127.0.0.1:6379/0`,
 * `redis+sentinel://10.0.0.1:26379,10.0.0.2:26379/mymaster/0` or
 * `redis+cluster://10.0.0.1:7000,10.0.0.2:7000` (`rediss…` with TLS).
 */
export function describeEndpoint(settings: ConnectionSettings): string {
  const user = settings.username ? `${settings.username}@` : '';
  const scheme = settings.tls.enabled ? 'rediss' : 'redis';
  switch (connectionMode(settings)) {
    case 'sentinel':
      return `${scheme}+sentinel://${user}${(settings.sentinels ?? []).map(describeNode).join(',')}/${settings.sentinelName}/${settings.db}`;
    case 'cluster':
      return `${scheme}+cluster://${user}${(settings.clusterNodes ?? []).map(describeNode).join(',')}`;
    default:
      return `${scheme}://${user}${describeNode(settings)}/${settings.db}`;
  }
}

/**
 * Where a password goes, for binding a stored password to it: the endpoint without its db (another
 * db is the same server; another host, port, user, TLS choice, sentinel set or cluster is not).
 */
export function passwordScope(settings: ConnectionSettings): string {
  const endpoint = describeEndpoint(settings);
  return connectionMode(settings) === 'cluster' ? endpoint : endpoint.replace(/\/\d+$/, '');
}

/** `host:port`, `[v6]:port`. */
export function describeNode(node: NodeAddress): string {
  return `${node.host.includes(':') ? `[${node.host}]` : node.host}:${node.port}`;
}
