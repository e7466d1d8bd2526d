// A fresh VS Code profile for the demo (settings, extensions dir, a workspace), and the processes
// that an editor started on it leaves behind.
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { makeTempDir } from './lifecycle';
import type { RedisAddress } from './options';
import { IS_WINDOWS } from './paths';
import { emitCommand } from './publishing';

export interface Profile {
  /** The temp dir holding all of it: processes naming it on their command line are the demo's. */
  root: string;
  userDataDir: string;
  extensionsDir: string;
  workspace: string;
}

/** The code-server harness of the tests (an ES module: imported, not required; typed by codeServer.d.mts). */
export const harness = () => import('../../test/support/codeServer.mjs');

/** The profile the editor was opened on, if it was: sources started later add to it (extendProfile). */
let opened: Profile | undefined;

/**
 * Adds user settings and workspace files to the opened profile: the editor picks both up while it
 * runs. Returns false when no editor was opened (--no-open).
 */
export function extendProfile(settings: Record<string, unknown>, files: Record<string, string>): boolean {
  if (!opened) return false;
  const file = join(opened.userDataDir, 'User', 'settings.json');
  const current = JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>;
  writeFileSync(file, `${JSON.stringify({ ...current, ...settings }, null, 2)}\n`);
  for (const [path, text] of Object.entries(files)) {
    const target = join(opened.workspace, path);
    mkdirSync(dirname(target), { recursive: true });
    writeFileSync(target, text);
  }
  return true;
}

/** User settings, extensions dir and a workspace, all in one temp dir. */
export async function makeProfile(redis: RedisAddress): Promise<Profile> {
  const root = makeTempDir('tdtp-demo-');
  const userDataDir = join(root, 'user-data');
  const extensionsDir = join(root, 'extensions');
  const workspace = join(root, 'tdtp-demo');
  mkdirSync(join(userDataDir, 'User'), { recursive: true });
  mkdirSync(extensionsDir, { recursive: true });
  mkdirSync(workspace, { recursive: true });
  const settings = {
    // The harness's quiet defaults (no telemetry, updates or tips), and no trust prompt for the demo folder.
    ...(await harness()).DEFAULT_USER_SETTINGS,
    'security.workspace.trust.enabled': false,
    'tdtp.redis.host': redis.host,
    'tdtp.redis.port': redis.port,
  };
  writeFileSync(join(userDataDir, 'User', 'settings.json'), `${JSON.stringify(settings, null, 2)}\n`);
  writeFileSync(
    join(workspace, 'README.md'),
    [
      '# TDTP Pipeline Viewer demo',
      '',
      `A throwaway workspace of \`npm run demo\`. The extension watches Redis at ${redis.host}:${redis.port}, where a`,
      'simulator publishes results for ten pipelines. Open the TDTP view in the activity bar.',
      '',
      'Publish your own result from a terminal in the repository:',
      '',
      '```sh',
      `${emitCommand(redis)} --result MY_RESULT --status failed --error "disk full"`,
      '```',
      '',
      'Everything here is removed when the demo stops.',
      '',
    ].join('\n'),
  );
  opened = { root, userDataDir, extensionsDir, workspace };
  return opened;
}

/** Processes whose command line names `marker` (a unique temp dir): what `code` left running. */
export function processesUsing(marker: string): number[] {
  if (IS_WINDOWS) return [];
  const out = spawnSync('ps', ['-eo', 'pid=,args='], { encoding: 'utf8' }).stdout ?? '';
  const pids: number[] = [];
  for (const line of out.split('\n')) {
    const match = /^\s*(\d+)\s+(.*)$/.exec(line);
    if (match && match[2].includes(marker) && Number(match[1]) !== process.pid) pids.push(Number(match[1]));
  }
  return pids;
}
