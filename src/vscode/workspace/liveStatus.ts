import type { PipelineDefinition } from '../../core/pipelineFiles';
import { publishesTo } from '../../core/pipelineFiles';
import type { PipelineSnapshot } from '../../core/storeTypes';
import { finishedOrReceived } from '../../core/runs';
import type { WatchedConnection } from '../connections/watchedConnection';
import type { Viewer } from '../connections/viewer';

export interface LiveResult {
  readonly connection: WatchedConnection;
  readonly snapshot: PipelineSnapshot;
}

/**
 * What the connections know of the result a definition publishes: the most recent run among
 * every connection (and, for a templated result name, every name it matches).
 */
export function liveResultOf(viewer: Viewer, definition: PipelineDefinition): LiveResult | undefined {
  let best: LiveResult | undefined;
  for (const connection of viewer.connections) {
    const candidates = definition.resultNameIsTemplate ? connection.store.list().filter((p) => publishesTo(definition, p.resultName)) : [connection.store.get(definition.resultName)];
    for (const snapshot of candidates) {
      if (snapshot && (!best || finishedOrReceived(snapshot.latest) > finishedOrReceived(best.snapshot.latest))) best = { connection, snapshot };
    }
  }
  return best;
}
