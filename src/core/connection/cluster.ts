import type Redis from 'ioredis';
import type { ConnectionSettings } from '../settings';
import { settingsForNode } from '../settings';
import { createClient, createClusterClient, openClient } from './clients';
import { AbandonedError, isGenericClose } from './errors';
import type { AttemptContext, Located, Topology } from './types';

/** A Redis Cluster: the cluster client runs commands; one of its primaries carries the subscription. */
export const clusterTopology: Topology = {
  async locate(ctx: AttemptContext): Promise<Located> {
    const cluster = ctx.track(createClusterClient(ctx.settings, ctx.timeoutMs));
    cluster.on('node error', (err) => ctx.onError(err));
    try {
      await cluster.connect();
    } catch (err) {
      throw await explainClusterFailure(ctx.settings, ctx.timeoutMs, err, (client) => ctx.trackProbe(client));
    }
    if (ctx.abandoned()) throw new AbandonedError();
    const primaries = cluster.nodes('master');
    if (primaries.length === 0) throw new Error('CLUSTERDOWN no primary of the cluster serves any hash slot');
    // PUBLISH reaches every node of a cluster: any primary will do, and a random one spreads viewers.
    const chosen = primaries[Math.floor(Math.random() * primaries.length)];
    const node = settingsForNode(ctx.settings, { host: String(chosen.options.host), port: Number(chosen.options.port) });
    return {
      commands: cluster,
      node,
      describedBy: ctx.settings,
      openCommands: async () => {},
      verify: async () => {},
      nodeClient: () => cluster.nodes('all').find((n) => n.options.host === node.host && n.options.port === node.port),
    };
  },
};

/**
 * Cluster mode: ioredis reads the slot map with throwaway connections whose errors it drops, so
 * a refused port, a TLS or a password problem all end as "Connection is closed". When the cluster
 * client cannot start, each seed is tried with a plain client to find the real cause; without one,
 * the original error is returned.
 */
export async function explainClusterFailure(
  settings: ConnectionSettings,
  timeoutMs: number,
  err: unknown,
  track: (client: Redis) => () => void = () => () => {},
): Promise<unknown> {
  const message = (err as Error)?.message ?? '';
  if (!isGenericClose(err) && !/Failed to refresh slots cache/i.test(message)) return err;
  for (const seed of settings.clusterNodes ?? []) {
    const node = settingsForNode(settings, seed);
    const client = createClient(node, 'commands', timeoutMs);
    const untrack = track(client);
    try {
      await openClient(client, node);
      await client.call('CLUSTER', 'SLOTS');
    } catch (probeError) {
      return isGenericClose(probeError) && client.lastError ? client.lastError : probeError;
    } finally {
      untrack();
      client.disconnect(false);
    }
  }
  return err;
}
