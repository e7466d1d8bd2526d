import type { DisplayStatus } from './status';
import { worseStatus } from './status';
import type { PipelineSnapshot } from './storeTypes';

/** A `:`-separated prefix of result names (`travel:sales` of `travel:sales:extract`), like a Redis key browser's folders. */
export interface Namespace {
  /** The full prefix, without a trailing separator: `travel:sales`. */
  readonly path: string;
  /** Its last segment: `sales`. */
  readonly segment: string;
  readonly namespaces: readonly Namespace[];
  /** Pipelines directly in it (no further separator after the prefix). */
  readonly pipelines: readonly PipelineSnapshot[];
  /** Pipelines in it and below. */
  readonly count: number;
  /** The worst display status in it and below. */
  readonly worst: DisplayStatus;
}

export const NAMESPACE_SEPARATOR = ':';

/**
 * Groups pipelines by the segments of their result names. The root is the namespace with path ''.
 * Namespaces come in name order; pipelines keep the order they were given in (the store's).
 * Empty segments (`a::b`, a trailing `:`) are kept as they are, so every name lands somewhere.
 */
export function groupByNamespace(pipelines: readonly PipelineSnapshot[], separator = NAMESPACE_SEPARATOR): Namespace {
  interface Building {
    path: string;
    segment: string;
    children: Map<string, Building>;
    pipelines: PipelineSnapshot[];
  }
  const root: Building = { path: '', segment: '', children: new Map(), pipelines: [] };
  for (const pipeline of pipelines) {
    const segments = pipeline.resultName.split(separator);
    let node = root;
    for (const segment of segments.slice(0, -1)) {
      let child = node.children.get(segment);
      if (!child) node.children.set(segment, (child = { path: node === root ? segment : `${node.path}${separator}${segment}`, segment, children: new Map(), pipelines: [] }));
      node = child;
    }
    node.pipelines.push(pipeline);
  }
  const finish = (node: Building): Namespace => {
    const namespaces = [...node.children.values()].sort((a, b) => (a.segment < b.segment ? -1 : a.segment > b.segment ? 1 : 0)).map(finish);
    let count = node.pipelines.length;
    let worst: DisplayStatus = 'success';
    for (const p of node.pipelines) worst = worseStatus(worst, p.displayStatus);
    for (const n of namespaces) {
      count += n.count;
      worst = worseStatus(worst, n.worst);
    }
    return { path: node.path, segment: node.segment, namespaces, pipelines: node.pipelines, count, worst };
  };
  return finish(root);
}
