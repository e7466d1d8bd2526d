import type Redis from 'ioredis';
import type { IDisposable } from '../lifecycle';
import type { ConnectionSettings, NodeAddress } from '../settings';
import { settingsForNode } from '../settings';
import { describeNode } from '../endpoint';
import { createSentinelClient } from './clients';
import { AbandonedError, NotPrimaryError, SentinelError, isGenericClose } from './errors';
import { locateNode } from './standalone';
import type { AttemptContext, Located, Topology, TopologyEvents } from './types';
import type { CommandsClient } from './types';

/** Redis Sentinel: the primary the sentinels name now, asked anew on every attempt (a reconnect after a failover goes to the new primary). */
export const sentinelTopology: Topology = {
  async locate(ctx: AttemptContext): Promise<Located> {
    const primary = await resolvePrimary(ctx.settings, ctx.timeoutMs, (client) => ctx.trackProbe(client));
    if (ctx.abandoned()) throw new AbandonedError();
    const located = locateNode(ctx, settingsForNode(ctx.settings, primary.address));
    const { commands, node } = located;
    return {
      ...located,
      verify: () => checkPrimary(commands, ctx.settings, node),
      watch: (events) => new FailoverWatch(ctx.settings, ctx.timeoutMs, primary.sentinel, describeNode(node), events),
    };
  },
};

/**
 * Asks the sentinels, in order, where the primary of `sentinelName` is. The first answer wins.
 * Raises a SentinelError: `unknown-master` when the sentinels that answered know no such master,
 * `refused` when they refused the sentinel credentials, else `unreachable` (with the last error
 * as `cause`). `track` registers each short-lived client so that an abandoned attempt can close
 * it, and returns its un-registration.
 */
export async function resolvePrimary(
  settings: ConnectionSettings,
  timeoutMs: number,
  track: (client: Redis) => () => void = () => () => {},
): Promise<{ address: NodeAddress; sentinel: NodeAddress }> {
  const name = settings.sentinelName ?? '';
  let unknownAt: NodeAddress | undefined;
  let refused: { cause: unknown; sentinel: NodeAddress } | undefined;
  let failed: { cause: unknown; sentinel: NodeAddress } | undefined;
  for (const sentinel of settings.sentinels ?? []) {
    const client = createSentinelClient(settings, sentinel, timeoutMs, 'query');
    const untrack = track(client);
    try {
      await client.connect();
      const reply = await client.call('SENTINEL', 'get-master-addr-by-name', name);
      if (Array.isArray(reply) && reply.length >= 2) return { address: { host: String(reply[0]), port: Number(reply[1]) }, sentinel };
      unknownAt ??= sentinel;
    } catch (err) {
      const cause = isGenericClose(err) && client.lastError ? client.lastError : err;
      if (/^(WRONGPASS|NOAUTH|NOPERM)|invalid username-password|Authentication required/i.test((cause as Error)?.message ?? '')) refused ??= { cause, sentinel };
      else failed = { cause, sentinel };
    } finally {
      untrack();
      client.disconnect();
    }
  }
  if (unknownAt) throw new SentinelError('unknown-master', `no sentinel knows a master named "${name}"`, describeNode(unknownAt));
  if (refused) throw new SentinelError('refused', `a sentinel refused us: ${(refused.cause as Error)?.message}`, describeNode(refused.sentinel), refused.cause);
  throw new SentinelError('unreachable', `no sentinel answered: ${(failed?.cause as Error)?.message ?? 'no sentinels'}`, failed && describeNode(failed.sentinel), failed?.cause);
}

/**
 * The server the sentinels named must be the primary (during a failover a sentinel may still
 * name the old one, which then gets demoted). A user not allowed ROLE skips the check; the
 * +switch-master watch still moves the viewer when a failover completes.
 */
async function checkPrimary(commands: CommandsClient, settings: ConnectionSettings, node: ConnectionSettings): Promise<void> {
  let role: unknown;
  try {
    role = await commands.call('ROLE');
  } catch (err) {
    if (/\bNOPERM\b/.test((err as Error)?.message ?? '')) return;
    throw err;
  }
  const kind = Array.isArray(role) ? String(role[0]) : 'master';
  if (kind !== 'master') throw new NotPrimaryError(describeNode(node), kind === 'slave' ? 'replica' : kind, settings.sentinelName ?? '');
}

/**
 * A failover promotes a replica and the sentinels publish +switch-master, but the old primary
 * keeps serving (and our subscription on it gets nothing new) until the sentinels demote it,
 * about 10 s later, when it closes its clients. So the viewer listens to +switch-master itself
 * and moves at once. Before subscribing it asks again where the primary is, so a switch between
 * the connect and the subscription is not missed. If the sentinel goes away, the next one is tried.
 */
class FailoverWatch implements IDisposable {
  private client: Redis | undefined;
  private timer: ReturnType<typeof setTimeout> | undefined;
  private warned = false;
  private disposed = false;

  constructor(
    private readonly settings: ConnectionSettings,
    private readonly timeoutMs: number,
    /** The sentinel that named the primary, asked first. */
    private readonly preferred: NodeAddress,
    /** host:port of the primary the attempt is on. */
    private readonly current: string,
    private readonly events: TopologyEvents,
  ) {
    this.open(0);
  }

  private open(round: number): void {
    if (this.disposed) return;
    const { preferred } = this;
    const sentinels = [preferred, ...(this.settings.sentinels ?? []).filter((s) => s.host !== preferred.host || s.port !== preferred.port)];
    const address = sentinels[round % sentinels.length];
    const client = createSentinelClient(this.settings, address, this.timeoutMs, 'watch');
    this.client = client;
    const name = this.settings.sentinelName ?? '';
    // The next sentinel after a failure, after 1 s, doubling up to 32 s while they keep failing; a
    // subscription that worked and then closed starts over.
    const retry = (worked: boolean, err?: unknown) => {
      if (this.disposed) return;
      if (this.client === client) this.client = undefined;
      client.disconnect();
      const text = (err as Error)?.message ?? '';
      if (!this.warned && /^(NOPERM|WRONGPASS|NOAUTH)/.test(text)) {
        this.warned = true;
        this.events.warn({ kind: 'sentinel-watch-refused', sentinel: describeNode(address), said: text });
      }
      const next = worked ? 0 : round + 1;
      this.timer = setTimeout(() => this.open(next), worked ? 1000 : 1000 * 2 ** Math.min(round, 5));
    };
    client.on('message', (channel: string, message: string) => {
      if (channel !== '+switch-master' || this.disposed) return;
      // "<name> <old-ip> <old-port> <new-ip> <new-port>"
      const [master, oldHost, oldPort, newHost, newPort] = message.split(' ');
      if (master !== name) return;
      const to = describeNode({ host: newHost, port: Number(newPort) });
      if (to !== this.current) this.events.moved(to, describeNode({ host: oldHost, port: Number(oldPort) }));
    });
    (async () => {
      await client.connect();
      const reply = await client.call('SENTINEL', 'get-master-addr-by-name', name);
      if (this.disposed) return;
      if (Array.isArray(reply) && reply.length >= 2) {
        const now = describeNode({ host: String(reply[0]), port: Number(reply[1]) });
        if (now !== this.current) {
          this.events.moved(now, this.current);
          return;
        }
      }
      await client.subscribe('+switch-master');
      client.once('close', () => retry(true));
    })().catch((err: unknown) => retry(false, err));
  }

  dispose(): void {
    this.disposed = true;
    if (this.timer) clearTimeout(this.timer);
    this.client?.disconnect();
  }
}
