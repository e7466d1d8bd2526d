// Extra sources: what publishes to the demo's Redis besides the simulator. The hook for more
// producers (the real TDTP framework, say, in a module of its own): add one to EXTRA_SOURCES.
import { startFrameworkDemo } from '../demo-framework';
import { run } from './commands';
import { checkpoint, makeTempDir, own } from './lifecycle';
import type { Options, RedisAddress } from './options';
import { say, warn } from './output';
import { ROOT } from './paths';
import { extendProfile } from './profile';

export interface ExtraSource {
  /** For the log line "starting <name>…". */
  readonly name: string;
  /**
   * Starts publishing to `redis`, after the simulator. Registers what it starts with the
   * lifecycle's `own()` (so that Ctrl+C stops it) and calls `checkpoint()` between long steps.
   * Returns its lines for the banner: [label, text].
   */
  start(context: { redis: RedisAddress; options: Options }): Promise<Array<[string, string]>>;
}

/** The framework's real tdtpcli pipelines through its orchestrator, when Go is there (scripts/demo-framework.ts). */
const realFramework: ExtraSource = {
  name: "the framework's real pipelines",
  start: async ({ redis }) => [await startFrameworkDemo(ROOT, redis, { say, warn, own, makeTempDir, checkpoint, run, extendProfile })],
};

export const EXTRA_SOURCES: readonly ExtraSource[] = [realFramework];
