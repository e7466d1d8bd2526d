import type { DisplayStatus } from '../../core/status';
import type { PipelineSnapshot } from '../../core/storeTypes';
import type { WatchedConnection } from '../connections/watchedConnection';
import { ConnectionNode, GroupNode, NamespaceNode, PipelineNode, RejectedGroupNode } from './nodes';

/**
 * The tree's node objects, one per row, reused from one refresh to the next: VS Code knows a row
 * by its object, so targeted refreshes and getParent must hand back the same one.
 */
export class NodeCache {
  /** Keyed by connection and name. */
  private readonly pipelines = new Map<string, PipelineNode>();
  private readonly groups = new Map<string, GroupNode>();
  private readonly namespaces = new Map<string, NamespaceNode>();
  private readonly rejectedGroups = new Map<WatchedConnection, RejectedGroupNode>();
  private readonly connections = new Map<WatchedConnection, ConnectionNode>();

  /** A pipeline's node, its snapshot brought up to date. */
  pipeline(connection: WatchedConnection, snapshot: PipelineSnapshot): PipelineNode {
    const key = nodeKey(connection, snapshot.resultName);
    let node = this.pipelines.get(key);
    if (node) node.snapshot = snapshot;
    else {
      node = new PipelineNode(connection, snapshot);
      this.pipelines.set(key, node);
    }
    return node;
  }

  /** A pipeline's node if the tree has shown it. */
  shownPipeline(connection: WatchedConnection, resultName: string): PipelineNode | undefined {
    return this.pipelines.get(nodeKey(connection, resultName));
  }

  /** The pipeline nodes of a connection the tree has shown. */
  shownPipelines(connection: WatchedConnection): PipelineNode[] {
    return [...this.pipelines.values()].filter((node) => node.connection === connection);
  }

  connection(connection: WatchedConnection): ConnectionNode {
    let node = this.connections.get(connection);
    if (!node) {
      node = new ConnectionNode(connection);
      this.connections.set(connection, node);
    }
    return node;
  }

  group(connection: WatchedConnection, status: DisplayStatus): GroupNode {
    const key = nodeKey(connection, status);
    let node = this.groups.get(key);
    if (!node) {
      node = new GroupNode(connection, status);
      this.groups.set(key, node);
    }
    return node;
  }

  namespace(connection: WatchedConnection, path: string): NamespaceNode {
    const key = nodeKey(connection, path);
    let node = this.namespaces.get(key);
    if (!node) {
      node = new NamespaceNode(connection, path);
      this.namespaces.set(key, node);
    }
    return node;
  }

  rejectedGroup(connection: WatchedConnection): RejectedGroupNode {
    let node = this.rejectedGroups.get(connection);
    if (!node) {
      node = new RejectedGroupNode(connection);
      this.rejectedGroups.set(connection, node);
    }
    return node;
  }

  /** The connections that have a node. */
  shownConnections(): WatchedConnection[] {
    return [...this.connections.keys()];
  }

  /** Drops the nodes of pipelines the connection's store no longer holds. */
  prune(connection: WatchedConnection): void {
    for (const key of [...this.pipelines.keys()]) {
      const node = this.pipelines.get(key)!;
      if (node.connection === connection && !connection.store.has(node.resultName)) this.pipelines.delete(key);
    }
  }

  /** Drops every node of a connection that is gone. */
  forget(connection: WatchedConnection): void {
    this.connections.delete(connection);
    this.rejectedGroups.delete(connection);
    for (const key of [...this.pipelines.keys(), ...this.groups.keys(), ...this.namespaces.keys()]) {
      if (key.startsWith(`${connection.name}\u0000`)) {
        this.pipelines.delete(key);
        this.groups.delete(key);
        this.namespaces.delete(key);
      }
    }
  }
}

/** The key of a connection's node by name (a pipeline, a status or a namespace path). */
function nodeKey(connection: WatchedConnection, name: string): string {
  return `${connection.name}\u0000${name}`;
}
