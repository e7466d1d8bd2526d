import { createHash } from 'node:crypto';
import type { ConnectionSettings } from '../settings';
import { connectionMode } from '../settings';
import { describeNode } from '../endpoint';

/**
 * What names the history of one server, whatever the connection is called: the endpoint, db and
 * key prefix; for Sentinel the master name (the sentinels may change, the master set does not);
 * for a Cluster its seed node set, in any order. A renamed connection keeps its history.
 */
export function historyIdentity(settings: ConnectionSettings): string {
  switch (connectionMode(settings)) {
    case 'sentinel':
      return JSON.stringify(['sentinel', settings.sentinelName, settings.db, settings.prefix]);
    case 'cluster':
      return JSON.stringify(['cluster', (settings.clusterNodes ?? []).map(describeNode).sort(), settings.prefix]);
    default:
      return JSON.stringify(['standalone', describeNode(settings), settings.db, settings.prefix]);
  }
}

/** The journal's file name for an identity: a hash, so no setting's text becomes a path. */
export function historyFileName(identity: string): string {
  return `history-${createHash('sha256').update(identity).digest('hex').slice(0, 24)}.ndjson`;
}
