// Everything the demo starts, so that a stop (Ctrl+C, an error) can undo it: the resources it
// owns, the start-up commands still running, its temp dirs; and the stop itself.
import type { ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
// @ts-expect-error -- TS1479: a CommonJS file importing an ES module; tsx loads it, codeServer.d.mts types it
import { processAlive, terminateProcesses } from '../../test/support/codeServer.mjs';
import { Stopping, errorText, say, warn } from './output';

export { processAlive, terminateProcesses };

export interface Resource {
  readonly name: string;
  /** Graceful stop; must not throw for "already gone". */
  stop(): Promise<void>;
  /** Synchronous last resort (process exit, a second Ctrl+C). */
  killNow(): void;
  /** Still running after stop()? (Reported, not fatal.) */
  alive?(): boolean;
  /** Not named in the "stopped: …" line. */
  readonly quiet?: boolean;
}

const resources: Resource[] = [];
/** Names of what was stopped, and what would not stop, for the last line. */
const stoppedNames: string[] = [];
const leftOver: Resource[] = [];
const lateStops = new Set<Promise<void>>();
const tempDirs = new Set<string>();
/** Commands of the start-up steps (build, package, installers) still running. */
const commands = new Set<{ child: ChildProcess; group: boolean }>();
let stopping = false;

export function isStopping(): boolean {
  return stopping;
}

/** Registers something started; if the demo is already stopping, stops it right away. */
export function own(resource: Resource): void {
  if (!stopping) {
    resources.push(resource);
    return;
  }
  const done = resource
    .stop()
    .catch(() => resource.killNow())
    .then(() => void (resource.quiet || stoppedNames.push(resource.name)));
  lateStops.add(done);
}

/** Throws Stopping once a stop has begun: start-up steps call it between their parts. */
export function checkpoint(): void {
  if (stopping) throw new Stopping('stopped during start-up');
}

export function makeTempDir(prefix: string): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  tempDirs.add(dir);
  return dir;
}

/** A temp dir made by someone else for the demo (the Redis launcher's): removed at the stop too. */
export function ownTempDir(dir: string): void {
  tempDirs.add(dir);
}

/** A start-up command: SIGTERM at the stop; `group`: to its whole process group. */
export function trackCommand(child: ChildProcess, group: boolean): () => void {
  const entry = { child, group };
  commands.add(entry);
  return () => commands.delete(entry);
}

export function signal(pid: number, sig: NodeJS.Signals): void {
  try {
    process.kill(pid, sig);
  } catch {
    // already gone
  }
}

export const sleep = (ms: number) => new Promise<void>((done) => setTimeout(done, ms));

// ---------------------------------------------------------------------------------------------
// Stopping

let shutdownPromise: Promise<void> | undefined;
let mainSettled: Promise<unknown> = Promise.resolve();
let firstSignalAt = 0;

export function shutdown(exitCode: number, why: string): Promise<void> {
  shutdownPromise ??= (async () => {
    stopping = true;
    say(why);
    for (const { child, group } of commands) if (child.pid !== undefined) signal(group ? -child.pid : child.pid, 'SIGTERM');
    await stopAll();
    // A start-up step that was still running registers what it started late (stopped at once).
    await Promise.race([mainSettled, sleep(5000)]);
    await stopAll();
    for (const dir of tempDirs) rmSync(dir, { recursive: true, force: true });
    const left = leftOver.filter((r) => r.alive?.());
    if (left.length) warn(`still running after the stop: ${left.map((r) => r.name).join(', ')}`);
    const removed = [...tempDirs].filter((dir) => !existsSync(dir));
    say(`stopped${stoppedNames.length ? `: ${stoppedNames.join(', ')}` : ''}${removed.length ? `; removed ${removed.join(', ')}` : ''}`);
    tempDirs.clear();
    process.exit(exitCode);
  })();
  return shutdownPromise;
}

async function stopAll(): Promise<void> {
  // Newest first; a resource leaves the list only once stopped, so that the exit hook
  // (killEverythingNow) still reaches one whose stop was under way.
  for (let resource = resources.at(-1); resource; resource = resources.at(-1)) {
    try {
      await resource.stop();
    } catch (err) {
      warn(`stopping ${resource.name}: ${(err as Error).message}; killing it`);
      resource.killNow();
    }
    resources.pop();
    if (resource.alive?.()) {
      resource.killNow();
      await sleep(500);
      if (resource.alive?.()) {
        leftOver.push(resource);
        continue;
      }
    }
    if (!resource.quiet) stoppedNames.push(resource.name);
  }
  await Promise.all(lateStops);
  lateStops.clear();
}

function killEverythingNow(): void {
  for (const { child, group } of commands) if (child.pid !== undefined) signal(group ? -child.pid : child.pid, 'SIGKILL');
  for (const resource of resources) resource.killNow();
  for (const dir of tempDirs) rmSync(dir, { recursive: true, force: true });
}

function onSignal(sig: NodeJS.Signals): void {
  if (!stopping) {
    firstSignalAt = Date.now();
    void shutdown(0, `${sig}: stopping everything the demo started…`);
    return;
  }
  // A second Ctrl+C (not the echo of the first one that a terminal or a helper may deliver).
  if (Date.now() - firstSignalAt > 1000) {
    warn(`${sig} again: killing what is left`);
    killEverythingNow();
    process.exit(1);
  }
}

/**
 * Runs the start-up with the stop wired in: Ctrl+C (or SIGTERM, SIGHUP) stops everything in order,
 * an unexpected error or a failed start-up stops what was started, and the process exit kills
 * whatever is somehow still there.
 */
export function superviseStartUp(startUp: () => Promise<void>): void {
  for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.on(sig, () => onSignal(sig));
  process.on('exit', killEverythingNow); // last resort; normally everything is stopped by now
  process.on('uncaughtException', (err) => {
    warn(`unexpected error: ${errorText(err)}`);
    void shutdown(1, 'stopping after the error');
  });
  process.on('unhandledRejection', (err) => {
    warn(`unexpected error: ${errorText(err)}`);
    void shutdown(1, 'stopping after the error');
  });
  const running = startUp();
  mainSettled = running.catch(() => undefined);
  running.catch((err: unknown) => {
    if (err instanceof Stopping || stopping) return;
    warn(errorText(err));
    void shutdown(1, 'start-up failed; stopping what was started');
  });
}
