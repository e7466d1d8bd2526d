// The terminal tools (src/cli/watch.ts, src/cli/emit.ts) run from source with tsx, as child
// processes, for the tests of the connection modes (no build needed). cli.test.ts tests the built
// dist/ files.
import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import { spawn } from 'node:child_process';
import { join, resolve } from 'node:path';
import { LineReader } from './redisServer';

const ROOT = resolve(__dirname, '../..');
export const WATCH_SOURCE = join(ROOT, 'src/cli/watch.ts');
export const EMIT_SOURCE = join(ROOT, 'src/cli/emit.ts');
export const RECORD_SOURCE = join(ROOT, 'src/cli/record.ts');

/** Without the user's own Redis settings, colours or passwords. */
const BASE_ENV = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('TDTP_') && k !== 'FORCE_COLOR'));

export interface Finished {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

export interface RunningTool {
  child: ChildProcess;
  out: LineReader;
  err: LineReader;
  exited: Promise<Finished>;
}

/** Every tool started and not yet seen to exit; `killTools()` in afterEach/after ends them. */
const running = new Set<ChildProcess>();

export function startTool(tool: string, args: string[], env: Record<string, string> = {}): RunningTool {
  const child = spawn(process.execPath, ['--import', 'tsx', tool, ...args], { cwd: ROOT, env: { ...BASE_ENV, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  running.add(child);
  const out = new LineReader(child.stdout!);
  const err = new LineReader(child.stderr!);
  const exited = new Promise<Finished>((resolveExit) =>
    child.once('close', (code, signal) => {
      running.delete(child);
      resolveExit({ code, signal, stdout: out.lines.join('\n'), stderr: err.lines.join('\n') });
    }),
  );
  return { child, out, err, exited };
}

/** Runs a tool to its end (killed after `timeoutMs`, which fails the test). */
export async function runTool(tool: string, args: string[], env: Record<string, string> = {}, timeoutMs = 20_000): Promise<Finished> {
  const { child, exited } = startTool(tool, args, env);
  const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
  const finished = await exited;
  clearTimeout(timer);
  assert.equal(finished.signal, null, `${tool} ${args.join(' ')} did not finish in ${timeoutMs} ms:\n${finished.stdout}\n${finished.stderr}`);
  return finished;
}

/** Sends SIGINT and expects a clean exit 0. */
export async function interruptTool(tool: RunningTool): Promise<Finished> {
  tool.child.kill('SIGINT');
  const timer = setTimeout(() => tool.child.kill('SIGKILL'), 5000);
  const finished = await tool.exited;
  clearTimeout(timer);
  assert.equal(finished.signal, null, 'the tool should exit by itself on SIGINT');
  assert.equal(finished.code, 0, `exit code after SIGINT; stderr: ${finished.stderr}`);
  return finished;
}

export function killTools(): void {
  for (const child of running) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  running.clear();
}

process.once('exit', killTools);
