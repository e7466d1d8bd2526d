// A Redis Cluster of three primaries (no replicas) on loopback ports for one test file, made with
// `redis-cli --cluster create`, plus helpers to pick result_names that hash to a given shard.
import { spawnSync } from 'node:child_process';
import Redis from 'ioredis';
import type { RedisServer, RedisServerOptions } from './redisServer';
import { freePort, startRedis, pollUntil } from './redisServer';

export interface TestCluster {
  /** The primaries, in the order given to `redis-cli --cluster create` (slots split in three). */
  readonly nodes: readonly RedisServer[];
  /** `127.0.0.1:<port>` of each node. */
  readonly addresses: string[];
  /** A plain client of each node (keys of other shards get MOVED), closed by dispose. */
  nodeClients(): Promise<Redis[]>;
  /** An ioredis Cluster client for arranging state, closed by dispose. */
  cluster(): Promise<InstanceType<typeof Redis.Cluster>>;
  /** The node that serves `key`'s hash slot. */
  nodeOf(key: string): Promise<RedisServer>;
  dispose(): Promise<void>;
}

/** Starts a redis-server with cluster support on (its bus on its own free port). */
export async function startClusterNode(tls?: RedisServerOptions['tls']): Promise<RedisServer> {
  const port = await freePort();
  const busPort = await freePort();
  const node = await startRedis({
    port,
    tls,
    // announce-ip: a node that has not met another one yet does not know its own address.
    args: ['--cluster-enabled', 'yes', '--cluster-port', String(busPort), '--cluster-node-timeout', '2000', '--cluster-config-file', `nodes-${port}.conf`, '--cluster-announce-ip', '127.0.0.1', ...(tls ? ['--tls-cluster', 'yes'] : [])],
  });
  return node;
}

/** `tls`: the nodes listen, and talk to each other, with TLS only. */
export async function startCluster(tls?: RedisServerOptions['tls']): Promise<TestCluster> {
  const nodes: RedisServer[] = [];
  const clients: Array<{ disconnect(): void }> = [];
  let slotMap: Array<{ from: number; to: number; port: number }> | undefined;
  let admin: Redis | undefined;
  const test: TestCluster = {
    nodes,
    get addresses() {
      return nodes.map((n) => `127.0.0.1:${n.port}`);
    },
    async nodeClients() {
      const list = await Promise.all(nodes.map((n) => n.client()));
      clients.push(...list);
      return list;
    },
    async cluster() {
      const cluster = new Redis.Cluster(
        nodes.map((n) => ({ host: '127.0.0.1', port: n.port })),
        { lazyConnect: true, redisOptions: tls ? { tls: { ca: tls.ca } } : {} },
      );
      cluster.on('error', () => {});
      await cluster.connect();
      clients.push(cluster);
      return cluster;
    },
    async nodeOf(key) {
      if (!admin) {
        admin = await nodes[0].client();
        clients.push(admin);
      }
      slotMap ??= ((await admin.call('CLUSTER', 'SLOTS')) as Array<[number, number, [string, number]]>).map(([from, to, [, port]]) => ({ from, to, port }));
      const slot = Number(await admin.call('CLUSTER', 'KEYSLOT', key));
      const port = slotMap.find((r) => slot >= r.from && slot <= r.to)?.port;
      const node = nodes.find((n) => n.port === port);
      if (!node) throw new Error(`no node serves slot ${slot}`);
      return node;
    },
    async dispose() {
      for (const client of clients.splice(0)) client.disconnect();
      await Promise.all(nodes.map((n) => n.dispose().catch(() => undefined)));
    },
  };
  try {
    for (let i = 0; i < 3; i++) nodes.push(await startClusterNode(tls));
    const tlsArgs = tls ? ['--tls', '--cacert', tls.caFile] : [];
    const cli = spawnSync('redis-cli', [...tlsArgs, '--cluster', 'create', ...test.addresses, '--cluster-yes'], { encoding: 'utf8', timeout: 30_000 });
    if (cli.status !== 0) throw new Error(`redis-cli --cluster create failed:\n${cli.stdout}\n${cli.stderr}`);
    await waitForClusterState(nodes, 'ok');
    return test;
  } catch (err) {
    await test.dispose();
    throw err;
  }
}

/** Waits until every node's CLUSTER INFO says cluster_state:<state>. */
export async function waitForClusterState(nodes: readonly RedisServer[], state: 'ok' | 'fail', timeoutMs = 15_000): Promise<void> {
  const admins = await Promise.all(nodes.map((n) => n.client()));
  try {
    await pollUntil(
      async () => {
        const infos = await Promise.all(admins.map((a) => a.call('CLUSTER', 'INFO') as Promise<string>));
        return infos.every((info) => info.includes(`cluster_state:${state}`)) ? true : undefined;
      },
      timeoutMs,
      `cluster_state:${state} on every node`,
      50,
    );
  } finally {
    for (const admin of admins) admin.disconnect();
  }
}
