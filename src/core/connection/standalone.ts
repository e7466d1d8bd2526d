import type { ConnectionSettings } from '../settings';
import { createClient, openClient } from './clients';
import type { AttemptContext, Located, Topology } from './types';

/** A single server: the configured one. */
export const standaloneTopology: Topology = {
  locate: async (ctx: AttemptContext) => locateNode(ctx, ctx.settings),
};

/** One data node with its own commands client (a single server, or Sentinel's primary). */
export function locateNode(ctx: AttemptContext, node: ConnectionSettings): Located {
  const commands = ctx.track(createClient(node, 'commands', ctx.timeoutMs));
  return {
    commands,
    node,
    describedBy: node,
    openCommands: () => openClient(commands, node),
    verify: async () => {},
    nodeClient: () => commands,
  };
}
