// The shared setup of a node:test suite against the real framework (kept apart from framework.ts,
// which the in-VS-Code suite bundles and which must not load node:test).
import { after, before } from 'node:test';
import type Redis from 'ioredis';
import type { FrameworkTools, Workdir } from './framework';
import { SAMPLE_SQL, makeWorkdir, requireFramework, seedSqlite } from './framework';
import type { RedisServer, RedisServerOptions } from './redisServer';
import { startRedis } from './redisServer';

/** What a suite of real-framework tests shares: the programs, a redis-server, a folder with a SQLite source. */
export interface FrameworkFixture {
  readonly tools: FrameworkTools;
  readonly server: RedisServer;
  /** A client of db 0. */
  readonly admin: Redis;
  readonly work: Workdir;
  /** SAMPLE_SQL as a SQLite file in `work`. */
  readonly sourceDb: string;
}

/**
 * Registers the suite's before/after hooks (none of them does anything when `framework.skip` is
 * set) and returns the fixture they fill in; read its fields inside tests and hooks only.
 */
export function useFrameworkFixture(framework: { skip: string | false }, redis: RedisServerOptions = {}): FrameworkFixture {
  const fixture = {} as { -readonly [K in keyof FrameworkFixture]: FrameworkFixture[K] };
  before(async () => {
    if (framework.skip) return;
    fixture.tools = requireFramework();
    fixture.server = await startRedis(redis);
    fixture.admin = await fixture.server.client();
    fixture.work = makeWorkdir();
    fixture.sourceDb = fixture.work.path('shop.db');
    seedSqlite(fixture.tools, fixture.sourceDb, SAMPLE_SQL);
  });
  after(async () => {
    await fixture.server?.dispose();
    fixture.work?.dispose();
  });
  return fixture;
}
