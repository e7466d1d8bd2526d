import type { ConnectionSettings } from '../settings';
import { connectionMode } from '../settings';
import { clusterTopology } from './cluster';
import { sentinelTopology } from './sentinel';
import { standaloneTopology } from './standalone';
import type { Topology } from './types';

export function topologyFor(settings: ConnectionSettings): Topology {
  switch (connectionMode(settings)) {
    case 'sentinel':
      return sentinelTopology;
    case 'cluster':
      return clusterTopology;
    default:
      return standaloneTopology;
  }
}
