import type { RejectedMessage } from '../../core/decode';
import type { GapMarker, HistoryItem, RunRecord } from '../../core/runs';
import type { DisplayStatus } from '../../core/status';
import type { PipelineSnapshot } from '../../core/storeTypes';
import type { WatchedConnection } from '../connections/watchedConnection';

// The rows of the Pipelines view, as the provider hands them to VS Code and gets them back.

export type TreeNode = ConnectionNode | PipelineNode | RunNode | GapNode | GroupNode | NamespaceNode | RejectedGroupNode | RejectedNode;

/** A top-level node per connection, shown only when several are configured. */
export class ConnectionNode {
  readonly kind = 'connection';
  constructor(readonly connection: WatchedConnection) {}
}
export class PipelineNode {
  readonly kind = 'pipeline';
  constructor(
    readonly connection: WatchedConnection,
    public snapshot: PipelineSnapshot,
  ) {}
  get resultName(): string {
    return this.snapshot.resultName;
  }
}
export class RunNode {
  readonly kind = 'run';
  constructor(readonly connection: WatchedConnection, readonly resultName: string, readonly record: RunRecord, readonly id: string) {}
}
export class GapNode {
  readonly kind = 'gap';
  constructor(readonly connection: WatchedConnection, readonly resultName: string, readonly gap: GapMarker, readonly id: string) {}
}
export class GroupNode {
  readonly kind = 'group';
  constructor(readonly connection: WatchedConnection, readonly status: DisplayStatus) {}
}
/** A `:`-separated prefix of result names (`travel:sales`), when the tree is grouped by namespace. */
export class NamespaceNode {
  readonly kind = 'namespace';
  constructor(readonly connection: WatchedConnection, readonly path: string) {}
}
export class RejectedGroupNode {
  readonly kind = 'rejectedGroup';
  constructor(readonly connection: WatchedConnection) {}
}
export class RejectedNode {
  readonly kind = 'rejected';
  constructor(readonly connection: WatchedConnection, readonly message: RejectedMessage, readonly id: string) {}
}

export function historyNodes(connection: WatchedConnection, resultName: string, history: HistoryItem[]): TreeNode[] {
  // Ids count from the oldest so existing items keep theirs when a new run is added.
  return history.map((item, i) => {
    const id = `${resultName}\u0000${history.length - i}\u0000${item.kind === 'run' ? item.receivedAt : item.from}`;
    const scoped = `${connection.name}\u0000${id}`;
    return item.kind === 'run' ? new RunNode(connection, resultName, item, `run:${scoped}`) : new GapNode(connection, resultName, item, `gap:${scoped}`);
  });
}

/** The rejected messages a connection keeps, as rows. */
export function rejectedNodes(connection: WatchedConnection): RejectedNode[] {
  return connection.store.rejectedMessages().recent.map((m, i) => new RejectedNode(connection, m, `rejected:${connection.name}:${m.receivedAt}:${i}`));
}
