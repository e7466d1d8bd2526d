// Extra sources: what publishes to the demo's Redis besides the simulator. The hook for more
// producers (the real TDTP framework, say, in a module of its own): add one to EXTRA_SOURCES.
import type { Options, RedisAddress } from './options';

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

export const EXTRA_SOURCES: readonly ExtraSource[] = [];
