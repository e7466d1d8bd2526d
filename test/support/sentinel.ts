// A Redis Sentinel deployment on loopback ports for one test file: a primary, a replica of it,
// and three redis-sentinel processes monitoring it (quorum 2), with short timeouts so that a
// failover takes about a second.
import type Redis from 'ioredis';
import type { RedisServer, RedisServerOptions } from './redisServer';
import { startRedis, pollUntil } from './redisServer';

export interface SentinelTopology {
  readonly name: string;
  /** The two data servers; which one is the primary changes with a failover. */
  readonly servers: readonly RedisServer[];
  readonly sentinels: readonly RedisServer[];
  /** `127.0.0.1:<port>` of each sentinel, as the settings take them. */
  readonly sentinelAddresses: string[];
  /** The server the sentinels name as the primary now. */
  primary(): Promise<RedisServer>;
  /** A client of the current primary (closed by dispose). */
  primaryClient(): Promise<Redis>;
  /**
   * SENTINEL FAILOVER on the first sentinel; resolves when the sentinels name the other server,
   * with it and the time the switch was seen.
   */
  failover(): Promise<{ primary: RedisServer; switchedAt: number }>;
  /** Stops every process and removes their directories (safe to call after a partial start). */
  dispose(): Promise<void>;
}

const started: Array<{ dispose(): Promise<void> }> = [];

/** `tls`: every process listens with TLS only, and replication and sentinels use it too. */
export async function startSentinelTopology(name = 'tdtp-primary', options: { tls?: RedisServerOptions['tls'] } = {}): Promise<SentinelTopology> {
  const tls = options.tls;
  const servers: RedisServer[] = [];
  const sentinels: RedisServer[] = [];
  const clients: Redis[] = [];
  const topology: SentinelTopology = {
    name,
    servers,
    sentinels,
    get sentinelAddresses() {
      return sentinels.map((s) => `127.0.0.1:${s.port}`);
    },
    async primary() {
      const port = await masterPort(sentinels[0], name);
      const server = servers.find((s) => s.port === port);
      if (!server) throw new Error(`the sentinels name 127.0.0.1:${port}, which is not one of ours`);
      return server;
    },
    async primaryClient() {
      const client = await (await topology.primary()).client();
      clients.push(client);
      return client;
    },
    async failover() {
      const before = await masterPort(sentinels[0], name);
      const admin = await sentinelClient(sentinels[0]);
      try {
        // NOGOODSLAVE until the sentinel has seen the replica report a healthy link.
        await pollUntil(
          async () => {
            try {
              return await admin.call('SENTINEL', 'FAILOVER', name);
            } catch (err) {
              if (/NOGOODSLAVE|INPROG/.test((err as Error).message)) return undefined;
              throw err;
            }
          },
          10_000,
          'SENTINEL FAILOVER to be accepted',
          100,
        );
      } finally {
        admin.disconnect();
      }
      const port = await pollUntil(async () => {
        const now = await masterPort(sentinels[0], name);
        return now !== before ? now : undefined;
      }, 15_000, 'the sentinels to name a new primary', 25);
      const switchedAt = Date.now();
      return { primary: servers.find((s) => s.port === port)!, switchedAt };
    },
    async dispose() {
      for (const client of clients.splice(0)) client.disconnect();
      await Promise.all([...sentinels, ...servers].map((s) => s.dispose().catch(() => undefined)));
      const index = started.indexOf(topology);
      if (index >= 0) started.splice(index, 1);
    },
  };
  started.push(topology);
  try {
    // No diskless-sync delay (5 s by default): the replica syncs at once.
    const fastSync = ['--repl-diskless-sync-delay', '0', ...(tls ? ['--tls-replication', 'yes'] : [])];
    const primary = await startRedis({ tls, args: fastSync });
    servers.push(primary);
    const replica = await startRedis({ tls, args: [...fastSync, '--replicaof', '127.0.0.1', String(primary.port)] });
    servers.push(replica);
    // The sentinels learn of the replica from the primary's INFO (every 10 s, and once at start):
    // with the link up before they start, they know it at once.
    const replicaAdmin = await replica.client();
    clients.push(replicaAdmin);
    await pollUntil(async () => (/master_link_status:up/.test(await replicaAdmin.info('replication')) ? true : undefined), 10_000, 'the replica to sync');
    for (let i = 0; i < 3; i++) {
      sentinels.push(
        await startRedis({
          tls,
          sentinelConfig: [
            'sentinel announce-ip 127.0.0.1',
            `sentinel monitor ${name} 127.0.0.1 ${primary.port} 2`,
            `sentinel down-after-milliseconds ${name} 1000`,
            `sentinel failover-timeout ${name} 5000`,
            `sentinel parallel-syncs ${name} 1`,
          ],
        }),
      );
    }
    // Ready when every sentinel knows the replica (a failover needs it).
    for (const sentinel of sentinels) {
      const admin = await sentinelClient(sentinel);
      try {
        await pollUntil(
          async () => {
            const replicas = (await admin.call('SENTINEL', 'REPLICAS', name)) as string[][];
            return replicas.some((r) => fields(r).port === String(replica.port) && fields(r).flags === 'slave') ? true : undefined;
          },
          15_000,
          `sentinel ${sentinel.port} to see the replica`,
          50,
        );
      } finally {
        admin.disconnect();
      }
    }
    return topology;
  } catch (err) {
    await topology.dispose();
    throw err;
  }
}

/** Stops whatever a test file left running (in `after`, in case a test failed half-way). */
export async function disposeAllSentinelTopologies(): Promise<void> {
  await Promise.all(started.slice().map((t) => t.dispose()));
}

/** A client of a sentinel (with its password and TLS, as it was started). */
export function sentinelClient(sentinel: RedisServer): Promise<Redis> {
  return sentinel.client();
}

async function masterPort(sentinel: RedisServer, name: string): Promise<number> {
  const admin = await sentinelClient(sentinel);
  try {
    const reply = (await admin.call('SENTINEL', 'GET-MASTER-ADDR-BY-NAME', name)) as [string, string] | null;
    if (!reply) throw new Error(`sentinel ${sentinel.port} knows no master ${name}`);
    return Number(reply[1]);
  } finally {
    admin.disconnect();
  }
}

function fields(flat: string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (let i = 0; i + 1 < flat.length; i += 2) out[flat[i]] = flat[i + 1];
  return out;
}
