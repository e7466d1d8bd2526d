// The programs the start-up runs (build, package, installers), and finding a program on PATH.
import { spawn } from 'node:child_process';
import { accessSync, constants, statSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import { checkpoint, isStopping, trackCommand } from './lifecycle';
import { DemoError, Stopping } from './output';
import { IS_WINDOWS, ROOT } from './paths';

interface RunOptions {
  /** Show the output as it comes (installers that may ask for sudo) instead of only on failure. */
  inherit?: boolean;
}

export function run(command: string, args: string[], what: string, options: RunOptions = {}): Promise<void> {
  checkpoint();
  return new Promise((resolveRun, reject) => {
    // Captured commands get their own process group so that a stop can end all they started;
    // inherited ones stay in the terminal's group (sudo may need the terminal for a password).
    const group = !options.inherit && !IS_WINDOWS;
    const child = spawn(command, args, {
      cwd: ROOT,
      stdio: options.inherit ? 'inherit' : ['ignore', 'pipe', 'pipe'],
      detached: group,
      shell: IS_WINDOWS,
    });
    const untrack = trackCommand(child, group);
    let output = '';
    child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.on('error', (err) => {
      untrack();
      reject(new DemoError(`${what}: cannot run ${command}: ${err.message}`));
    });
    child.on('close', (code, sig) => {
      untrack();
      if (isStopping()) reject(new Stopping(`${what}: stopped`));
      else if (code === 0) resolveRun();
      else reject(new DemoError(`${what} failed (${command} ${args.join(' ')}: exit ${code ?? sig})${output ? `; its last output:\n${lastLines(output, 25)}` : ''}`));
    });
  });
}

function lastLines(text: string, count: number): string {
  return text
    .split('\n')
    .filter((line) => line.trim())
    .slice(-count)
    .map((line) => `  | ${line}`)
    .join('\n');
}

export function findOnPath(command: string): string | undefined {
  const extensions = IS_WINDOWS ? (process.env.PATHEXT ?? '.EXE;.CMD;.BAT').split(';') : [''];
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    if (!dir) continue;
    for (const ext of extensions) {
      const candidate = join(dir, command + ext);
      try {
        accessSync(candidate, constants.X_OK);
        if (statSync(candidate).isFile()) return candidate;
      } catch {
        // not here
      }
    }
  }
  return undefined;
}
