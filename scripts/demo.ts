// `npm run demo`: a throwaway Redis, a simulator publishing realistic TDTP results for ten
// pipelines, and the extension opened against them (desktop VS Code when `code` is on PATH,
// otherwise code-server in the browser). Ctrl+C stops everything it started and removes its
// temp dirs. Run with --help for the options.
import { ChildProcess, spawn, spawnSync } from 'node:child_process';
import { accessSync, constants, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { delimiter, join, relative, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import Redis from 'ioredis';
import type { TdtpResult } from '../src/core/decode';
import { DEMO_PIPELINES, startSimulator } from '../src/demo/simulator';
import { startFrameworkDemo } from './demo-framework';

const ROOT = resolve(__dirname, '..');
const MANIFEST = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { name: string; version: string };
const VSIX = join(ROOT, `${MANIFEST.name}-${MANIFEST.version}.vsix`);
const IS_WINDOWS = process.platform === 'win32';

const HELP = `npm run demo [-- options]

Starts a throwaway redis-server on a free loopback port, a simulator that publishes realistic TDTP
results for ten pipelines (with Go, also a few real tdtpcli pipelines on schedules through the
framework's orchestrator, results named real:*), and the extension pointed at that Redis: in
desktop VS Code (a fresh profile in a temp dir) when \`code\` is on PATH, otherwise in code-server (prints the URL to open).
Ctrl+C stops everything it started.

Options:
  --redis HOST:PORT   use this Redis instead of starting one (no password, db 0)
  --interval MS       the base interval: each pipeline runs every 1 to 8 times MS (default 3000)
  --port N            code-server's port on 127.0.0.1 (default: a free one)
  --code-server       use code-server even when \`code\` is on PATH
  --no-open           only Redis and the simulator: do not open the extension
  --seed N            seed of the simulator's pseudo-random choices (replayable runs)
  -h, --help          this text

Examples:
  npm run demo
  npm run demo -- --port 8080 --interval 1000
  npm run demo -- --redis 127.0.0.1:6379 --no-open`;

// ---------------------------------------------------------------------------------------------
// Output

/**
 * `npm run demo | tee demo.log` and Ctrl+C: the terminal's SIGINT ends tee as well, and a write to
 * the closed pipe fails (EPIPE). Output is a courtesy: once a stream is gone the demo goes on
 * without it and still stops everything it started.
 */
const gone = new Set<NodeJS.WriteStream>();
for (const stream of [process.stdout, process.stderr]) stream.on('error', () => gone.add(stream));

function print(stream: NodeJS.WriteStream, text: string): void {
  if (gone.has(stream) || stream.destroyed) return;
  try {
    stream.write(`${text}\n`);
  } catch {
    gone.add(stream);
  }
}

const say = (message: string) => print(process.stdout, `[demo] ${message}`);
const warn = (message: string) => print(process.stderr, `[demo] ${message}`);

/** An error whose message is the whole story: printed without a stack. */
class DemoError extends Error {}
/** Thrown by a start-up step that notices the demo is being stopped. */
class Stopping extends Error {}

function errorText(err: unknown): string {
  if (err instanceof DemoError || err instanceof Stopping) return err.message;
  if (err instanceof Error) return err.stack ?? err.message;
  return String(err);
}

// ---------------------------------------------------------------------------------------------
// Options

interface Options {
  redis?: { host: string; port: number };
  intervalMs: number;
  port?: number;
  open: boolean;
  forceCodeServer: boolean;
  seed?: number;
}

function parseOptions(argv: string[]): Options | 'help' {
  let values;
  try {
    ({ values } = parseArgs({
      args: argv,
      options: {
        redis: { type: 'string' },
        interval: { type: 'string' },
        port: { type: 'string' },
        'code-server': { type: 'boolean' },
        'no-open': { type: 'boolean' },
        seed: { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
      strict: true,
      allowPositionals: false,
    }));
  } catch (err) {
    throw new DemoError(`${(err as Error).message}\nRun \`npm run demo -- --help\` for the options.`);
  }
  if (values.help) return 'help';
  const integer = (text: string | undefined, name: string, min: number, max: number): number | undefined => {
    if (text === undefined) return undefined;
    if (!/^\d+$/.test(text) || Number(text) < min || Number(text) > max) throw new DemoError(`--${name} must be a whole number from ${min} to ${max}, not "${text}"`);
    return Number(text);
  };
  let redis: Options['redis'];
  if (values.redis !== undefined) {
    const match = /^(?:\[([^\]]+)\]|([^:]+)):(\d+)$/.exec(values.redis.trim());
    if (!match) throw new DemoError(`--redis must be HOST:PORT (e.g. 127.0.0.1:6379), not "${values.redis}"`);
    redis = { host: match[1] ?? match[2], port: integer(match[3], 'redis port', 1, 65535) as number };
  }
  return {
    redis,
    intervalMs: integer(values.interval, 'interval', 100, 3_600_000) ?? 3000,
    port: integer(values.port, 'port', 1, 65535),
    open: !values['no-open'],
    forceCodeServer: values['code-server'] === true,
    seed: integer(values.seed, 'seed', 0, 2 ** 32 - 1),
  };
}

// ---------------------------------------------------------------------------------------------
// Everything the demo starts, so that a stop (Ctrl+C, an error) can undo it

interface Resource {
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

/** Registers something started; if the demo is already stopping, stops it right away. */
function own(resource: Resource): void {
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

function checkpoint(): void {
  if (stopping) throw new Stopping('stopped during start-up');
}

function makeTempDir(prefix: string): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  tempDirs.add(dir);
  return dir;
}

function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function signal(pid: number, sig: NodeJS.Signals): void {
  try {
    process.kill(pid, sig);
  } catch {
    // already gone
  }
}

const sleep = (ms: number) => new Promise<void>((done) => setTimeout(done, ms));

/** SIGTERM, up to `graceMs` for the pids to go, then SIGKILL. */
async function terminate(pids: number[], graceMs = 5000): Promise<void> {
  for (const pid of pids) signal(pid, 'SIGTERM');
  const until = Date.now() + graceMs;
  while (pids.some(pidAlive) && Date.now() < until) await sleep(100);
  for (const pid of pids.filter(pidAlive)) signal(pid, 'SIGKILL');
  const until2 = Date.now() + 2000;
  while (pids.some(pidAlive) && Date.now() < until2) await sleep(50);
}

// ---------------------------------------------------------------------------------------------
// Running the start-up commands

interface RunOptions {
  /** Show the output as it comes (installers that may ask for sudo) instead of only on failure. */
  inherit?: boolean;
}

function run(command: string, args: string[], what: string, options: RunOptions = {}): Promise<void> {
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
    const entry = { child, group };
    commands.add(entry);
    let output = '';
    child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.on('error', (err) => {
      commands.delete(entry);
      reject(new DemoError(`${what}: cannot run ${command}: ${err.message}`));
    });
    child.on('close', (code, sig) => {
      commands.delete(entry);
      if (stopping) reject(new Stopping(`${what}: stopped`));
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

function stopCommands(): void {
  for (const { child, group } of commands) {
    if (child.pid === undefined) continue;
    signal(group ? -child.pid : child.pid, 'SIGTERM');
  }
}

// ---------------------------------------------------------------------------------------------
// 1. Build and package

/** Newest modification time of the files that go into the VSIX (or into dist/). */
function newestSourceTime(): { time: number; file: string } {
  let newest = { time: 0, file: '' };
  const visit = (path: string) => {
    if (!existsSync(path)) return;
    const stat = statSync(path);
    if (stat.isDirectory()) {
      for (const name of readdirSync(path)) visit(join(path, name));
    } else if (stat.mtimeMs > newest.time) {
      newest = { time: stat.mtimeMs, file: path };
    }
  };
  for (const dir of ['src', 'l10n', 'media']) visit(join(ROOT, dir));
  for (const name of readdirSync(ROOT)) {
    if (/^(package\.json|package\.nls(\..+)?\.json|README\.md|CHANGELOG\.md|LICENSE|\.vscodeignore)$/.test(name)) visit(join(ROOT, name));
  }
  visit(join(ROOT, 'scripts', 'build.mjs'));
  return newest;
}

/**
 * `needVsix`: code-server installs the VSIX; desktop VS Code runs the extension from dist/
 * (--extensionDevelopmentPath), and --no-open needs neither, so there a failed packaging only warns.
 */
async function buildAndPackage(needVsix: boolean): Promise<void> {
  let started = Date.now();
  say('building the extension and the terminal tools (node scripts/build.mjs)…');
  await run(process.execPath, [join(ROOT, 'scripts', 'build.mjs')], 'the build');
  say(`  built in ${((Date.now() - started) / 1000).toFixed(1)} s`);

  const newest = newestSourceTime();
  const vsixTime = existsSync(VSIX) ? statSync(VSIX).mtimeMs : undefined;
  const name = relative(ROOT, VSIX);
  if (vsixTime !== undefined && vsixTime >= newest.time) {
    say(`  ${name} is up to date`);
    return;
  }
  say(
    vsixTime === undefined
      ? `packaging ${name} (npm run package)…`
      : `packaging ${name}: it is older than ${relative(ROOT, newest.file)} (npm run package)…`,
  );
  started = Date.now();
  try {
    await run(IS_WINDOWS ? 'npm.cmd' : 'npm', ['run', '--silent', 'package'], 'packaging the VSIX');
    if (!existsSync(VSIX)) throw new DemoError(`npm run package succeeded but ${VSIX} is not there`);
  } catch (err) {
    if (!(err instanceof DemoError) || (needVsix && !existsSync(VSIX))) throw err;
    warn(`WARNING: ${err.message}`);
    warn(
      needVsix
        ? `WARNING: going on with the existing ${name} of ${new Date(statSync(VSIX).mtimeMs).toLocaleString()}: it lacks the newer changes`
        : 'WARNING: going on without it (only code-server installs the VSIX)',
    );
    return;
  }
  say(`  packaged in ${((Date.now() - started) / 1000).toFixed(1)} s`);
}

// ---------------------------------------------------------------------------------------------
// 2. Redis

async function freePort(): Promise<number> {
  return new Promise((done, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address ? done(address.port) : reject(new Error('no free port'))));
    });
  });
}

async function portIsFree(port: number): Promise<boolean> {
  return new Promise((done) => {
    const server = createServer();
    server.unref();
    server.once('error', () => done(false));
    server.listen(port, '127.0.0.1', () => server.close(() => done(true)));
  });
}

function findOnPath(command: string): string | undefined {
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

/** Starts redis-server on a free loopback port, in its own temp dir, saving nothing. */
async function startRedisServer(): Promise<{ host: string; port: number }> {
  say('checking redis-server (bash scripts/ensure-redis.sh)…');
  await run('bash', [join(ROOT, 'scripts', 'ensure-redis.sh')], 'installing redis-server', { inherit: true });
  const binary = findOnPath('redis-server');
  if (!binary) throw new DemoError('redis-server is still not on PATH after scripts/ensure-redis.sh');
  const dir = makeTempDir('tdtp-demo-redis-');
  for (let attempt = 1; ; attempt++) {
    checkpoint();
    const port = await freePort();
    // Its own process group: Ctrl+C in the terminal reaches the demo, which stops the simulator
    // before the server, instead of the server vanishing under the simulator.
    const child = spawn(binary, ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', dir, '--protected-mode', 'yes'], {
      cwd: dir,
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: !IS_WINDOWS,
    });
    let log = '';
    child.stdout.on('data', (chunk: Buffer) => (log = (log + chunk.toString()).slice(-20_000)));
    child.stderr.on('data', (chunk: Buffer) => (log = (log + chunk.toString()).slice(-20_000)));
    const exited = new Promise<void>((done) => child.once('exit', () => done()));
    const gone = () => child.exitCode !== null || child.signalCode !== null;
    own({
      name: `redis-server 127.0.0.1:${port} (pid ${child.pid})`,
      async stop() {
        if (gone()) return;
        child.kill('SIGTERM'); // redis shuts down; with --save "" nothing is written
        await Promise.race([exited, sleep(5000)]);
        if (!gone()) {
          child.kill('SIGKILL');
          await Promise.race([exited, sleep(2000)]);
        }
      },
      killNow: () => void (gone() || child.kill('SIGKILL')),
      alive: () => !gone(),
    });
    const ready = await new Promise<boolean>((done) => {
      const timer = setTimeout(() => done(false), 15_000);
      const check = () => {
        if (/Ready to accept connections/.test(log)) {
          clearTimeout(timer);
          done(true);
        }
      };
      child.stdout.on('data', check);
      void exited.then(() => {
        clearTimeout(timer);
        done(false);
      });
    });
    if (ready) {
      say(`  redis-server ${redisVersion(binary)} started on 127.0.0.1:${port} (pid ${child.pid}, data dir ${dir})`);
      child.once('exit', (code, sig) => {
        if (!stopping) {
          warn(`redis-server exited unexpectedly (${code ?? sig}); its last output:\n${log.trimEnd().split('\n').slice(-10).join('\n')}`);
          void shutdown(1, 'stopping: Redis is gone');
        }
      });
      return { host: '127.0.0.1', port };
    }
    checkpoint();
    child.kill('SIGKILL');
    if (attempt < 3 && /Address already in use/i.test(log)) continue; // lost a race for the port
    throw new DemoError(`redis-server did not start on 127.0.0.1:${port}; its output:\n${log.trimEnd()}`);
  }
}

function redisVersion(binary: string): string {
  const out = spawnSync(binary, ['--version'], { encoding: 'utf8' }).stdout ?? '';
  return /v=(\S+)/.exec(out)?.[1] ?? '';
}

/** Connects to a Redis the user named, with a clear message when that does not work. */
async function checkReachable(host: string, port: number): Promise<void> {
  say(`connecting to Redis at ${host}:${port}…`);
  const probe = new Redis({ host, port, lazyConnect: true, connectTimeout: 5000, maxRetriesPerRequest: 0, retryStrategy: () => null, enableOfflineQueue: false });
  let lastError: Error | undefined;
  probe.on('error', (err: Error) => (lastError = err));
  try {
    await probe.connect();
    await probe.ping();
  } catch (err) {
    const reason = (lastError ?? (err as Error)).message;
    if (/NOAUTH|WRONGPASS|NOPERM/.test(reason)) {
      throw new DemoError(`Redis at ${host}:${port} wants a password (${reason}). The demo only works with a Redis without one; leave out --redis to start a throwaway server.`);
    }
    throw new DemoError(`cannot reach Redis at ${host}:${port}: ${reason}. Is it running and listening there? Leave out --redis to start a throwaway server.`);
  } finally {
    probe.disconnect();
  }
  say('  reachable');
}

// ---------------------------------------------------------------------------------------------
// 3. The simulator

function describe(result: TdtpResult): string {
  const time = new Date().toTimeString().slice(0, 8);
  const seconds = `${(result.duration_ms / 1000).toFixed(1)}s`;
  let detail: string;
  if (result.status === 'success') {
    const dropped = result.rows_loaded - result.rows_exported;
    detail = `${result.rows_loaded} → ${result.rows_exported} rows${dropped ? ` (${dropped} dropped)` : ''}`;
  } else {
    const lines = (result.error ?? '').split('\n');
    const first = lines[0].length > 70 ? `${lines[0].slice(0, 69)}…` : lines[0];
    detail = `${first}${lines.length > 1 ? ` (+${lines.length - 1} lines)` : ''}`;
  }
  return `[sim] ${time}  ${result.result_name.padEnd(17)} ${result.status.padEnd(21)} ${seconds.padStart(7)}  ${detail}`;
}

async function startPublishing(redis: { host: string; port: number }, intervalMs: number, seed: number | undefined): Promise<void> {
  const client = new Redis({
    host: redis.host,
    port: redis.port,
    lazyConnect: true,
    connectionName: 'tdtp-demo-simulator',
    maxRetriesPerRequest: 1,
    retryStrategy: (attempt) => Math.min(attempt * 250, 2000),
  });
  let lastErrorAt = 0;
  let quietErrors = 0;
  const reportError = (err: unknown) => {
    if (stopping) return;
    if (Date.now() - lastErrorAt < 10_000) {
      quietErrors++;
      return;
    }
    lastErrorAt = Date.now();
    warn(`simulator: cannot write to Redis: ${(err as Error).message ?? err}${quietErrors ? ` (and ${quietErrors} more errors)` : ''}`);
    quietErrors = 0;
  };
  client.on('error', reportError);
  await client.connect();
  let initial = 0;
  let initialDone: () => void = () => {};
  const firstRound = new Promise<void>((done) => (initialDone = done));
  const countInitial = () => {
    if (++initial >= DEMO_PIPELINES.length) initialDone();
  };
  const stopSimulator = startSimulator(client, {
    intervalMs,
    seed,
    onPublish: (result) => {
      print(process.stdout, describe(result));
      countInitial();
    },
    onError: (err) => {
      reportError(err);
      countInitial();
    },
  });
  own({
    name: 'the simulator',
    async stop() {
      stopSimulator();
      await Promise.race([client.quit().catch(() => undefined), sleep(2000)]);
      client.disconnect();
    },
    killNow: () => {
      stopSimulator();
      client.disconnect();
    },
  });
  // The banner comes after the first round (one result per pipeline), not in the middle of it.
  await Promise.race([firstRound, sleep(5000)]);
}

// ---------------------------------------------------------------------------------------------
// 4. The extension

/** A fresh VS Code profile: user settings, extensions dir and a workspace, all in one temp dir. */
function makeProfile(redis: { host: string; port: number }, baseSettings: Record<string, unknown>) {
  const root = makeTempDir('tdtp-demo-');
  const userDataDir = join(root, 'user-data');
  const extensionsDir = join(root, 'extensions');
  const workspace = join(root, 'tdtp-demo');
  mkdirSync(join(userDataDir, 'User'), { recursive: true });
  mkdirSync(extensionsDir, { recursive: true });
  mkdirSync(workspace, { recursive: true });
  const settings = {
    ...baseSettings,
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
  return { root, userDataDir, extensionsDir, workspace };
}

/** The harness's quiet defaults (no telemetry, updates or tips), and no trust prompt for the demo folder. */
async function demoSettings(): Promise<Record<string, unknown>> {
  return { ...(await loadHarness()).DEFAULT_USER_SETTINGS, 'security.workspace.trust.enabled': false };
}

/** Plain JavaScript without type declarations: loaded by URL, typed by the interface below. */
async function loadHarness(): Promise<CodeServerHarness> {
  return (await import(pathToFileURL(join(ROOT, 'test', 'support', 'codeServer.mjs')).href)) as CodeServerHarness;
}

/** Processes whose command line names `marker` (a unique temp dir): what `code` left running. */
function processesUsing(marker: string): number[] {
  if (IS_WINDOWS) return [];
  const out = spawnSync('ps', ['-eo', 'pid=,args='], { encoding: 'utf8' }).stdout ?? '';
  const pids: number[] = [];
  for (const line of out.split('\n')) {
    const match = /^\s*(\d+)\s+(.*)$/.exec(line);
    if (match && match[2].includes(marker) && Number(match[1]) !== process.pid) pids.push(Number(match[1]));
  }
  return pids;
}

/** Environment for an editor started from here: nothing that ties it to a VS Code we run inside. */
function editorEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (key.startsWith('VSCODE_') || key === 'ELECTRON_RUN_AS_NODE' || key === 'NODE_OPTIONS' || key.startsWith('npm_')) continue;
    env[key] = value;
  }
  return env;
}

async function openInVsCode(code: string, redis: { host: string; port: number }): Promise<string> {
  const profile = makeProfile(redis, await demoSettings());
  const args = [
    `--extensionDevelopmentPath=${ROOT}`,
    '--user-data-dir', profile.userDataDir,
    '--extensions-dir', profile.extensionsDir,
    '--disable-workspace-trust',
    '--new-window',
    '--wait',
    profile.workspace,
  ];
  say(`opening VS Code: ${code} ${args.map((a) => (/\s/.test(a) ? JSON.stringify(a) : a)).join(' ')}`);
  const child = spawn(code, args, { cwd: ROOT, env: editorEnv(), stdio: ['ignore', 'pipe', 'pipe'], shell: IS_WINDOWS });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<void>((done) => child.once('close', () => done()));
  own({
    name: `VS Code (profile ${profile.root})`,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      // `code` hands over to the editor's own processes; they are the ones naming the profile.
      await terminate(processesUsing(profile.root));
      await Promise.race([exited, sleep(2000)]);
    },
    killNow() {
      for (const pid of [child.pid ?? 0, ...processesUsing(profile.root)]) if (pid) signal(pid, 'SIGKILL');
    },
    alive: () => processesUsing(profile.root).length > 0,
  });
  child.once('error', (err) => warn(`could not run ${code}: ${err.message}`));
  child.once('close', (exitCode) => {
    if (stopping) return;
    if (exitCode === 0) say('the VS Code window was closed; Redis and the simulator keep running (Ctrl+C to stop)');
    else warn(`${code} exited with ${exitCode}${output ? `:\n${output.trimEnd()}` : ''}\nRedis and the simulator keep running (Ctrl+C to stop)`);
  });
  return `a new VS Code window (fresh profile in ${profile.root})`;
}

/** What the demo uses of test/support/codeServer.mjs. */
interface CodeServerHarness {
  DEFAULT_USER_SETTINGS: Record<string, unknown>;
  resolveTools(): { node24: string; codeServerEntry: string };
  installExtensions(options: { vsixPaths: string[]; userDataDir: string; extensionsDir: string; env?: Record<string, string | undefined> }): Promise<string>;
  launchCodeServer(options: {
    userDataDir: string;
    extensionsDir: string;
    workspaceFolder?: string;
    env?: Record<string, string | undefined>;
    extraArgs?: string[];
    startTimeoutMs?: number;
  }): Promise<{ url: string; port: number; pid: number; output(): string; exited: Promise<number | string>; close(): Promise<void> }>;
}

async function openInCodeServer(redis: { host: string; port: number }, port: number | undefined): Promise<string> {
  process.env.TDTP_HARNESS_QUIET = '1'; // the harness's own log lines; the demo prints its own
  const harness = await loadHarness();
  try {
    harness.resolveTools();
  } catch {
    say('code-server is not installed yet: bash scripts/setup-vscode-tools.sh (a few minutes the first time)…');
    await run('bash', [join(ROOT, 'scripts', 'setup-vscode-tools.sh')], 'installing code-server', { inherit: true });
    try {
      harness.resolveTools();
    } catch (err) {
      throw new DemoError((err as Error).message);
    }
  }
  checkpoint();
  if (port !== undefined && !(await portIsFree(port))) {
    throw new DemoError(`port ${port} on 127.0.0.1 is already in use; choose another with --port, or leave --port out to use a free one`);
  }
  const profile = makeProfile(redis, await demoSettings());
  say(`installing ${relative(ROOT, VSIX)} into a fresh code-server profile (${profile.root})…`);
  const started = Date.now();
  await harness.installExtensions({ vsixPaths: [VSIX], userDataDir: profile.userDataDir, extensionsDir: profile.extensionsDir });
  say(`  installed in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  checkpoint();

  // A sweep after code-server's own stop (and if a stop comes while it is starting): whatever
  // still names this profile's temp dir on its command line was started by the demo.
  own({
    name: `processes of the profile ${profile.root}`,
    quiet: true,
    async stop() {
      const pids = processesUsing(profile.root);
      if (!pids.length) return;
      warn(`stopping ${pids.length} process(es) left of code-server: ${pids.join(', ')}`);
      await terminate(pids);
    },
    killNow: () => processesUsing(profile.root).forEach((pid) => signal(pid, 'SIGKILL')),
    alive: () => processesUsing(profile.root).length > 0,
  });
  say('starting code-server…');
  // The harness adds SIGINT/SIGTERM handlers that kill code-server at once and re-raise the
  // signal; the demo stops everything itself, in order, so those go (its exit hook stays).
  const before = { SIGINT: process.listeners('SIGINT'), SIGTERM: process.listeners('SIGTERM') };
  let server;
  try {
    server = await harness.launchCodeServer({
      userDataDir: profile.userDataDir,
      extensionsDir: profile.extensionsDir,
      workspaceFolder: profile.workspace,
      // code-server takes its port from $PORT and its host from $CODE_SERVER_HOST when set.
      env: { PORT: undefined, CODE_SERVER_HOST: undefined },
      extraArgs: port !== undefined ? ['--port', String(port)] : [],
      startTimeoutMs: 90_000,
    });
  } catch (err) {
    throw new DemoError(`code-server did not start: ${(err as Error).message}`);
  } finally {
    for (const sig of ['SIGINT', 'SIGTERM'] as const) {
      for (const listener of process.listeners(sig)) if (!before[sig].includes(listener)) process.off(sig, listener);
    }
  }
  const codeServer = server;
  let exited = false;
  void codeServer.exited.then((code) => {
    exited = true;
    if (!stopping) {
      warn(`code-server exited unexpectedly (${code}); its last output:\n${codeServer.output().trimEnd().split('\n').slice(-15).join('\n')}`);
      void shutdown(1, 'stopping: code-server is gone');
    }
  });
  own({
    name: `code-server ${codeServer.url} (pid ${codeServer.pid})`,
    stop: () => codeServer.close(),
    killNow: () => signal(-codeServer.pid, 'SIGKILL'),
    alive: () => !exited || pidAlive(-codeServer.pid),
  });
  const url = `${codeServer.url}/?folder=${encodeURI(profile.workspace)}`;
  say(`  code-server listening on ${codeServer.url} (pid ${codeServer.pid})`);
  return url;
}

// ---------------------------------------------------------------------------------------------
// Banner

function cliTarget(redis: { host: string; port: number }): string {
  return `${redis.host === '127.0.0.1' ? '' : `--host ${redis.host} `}--port ${redis.port}`;
}

function emitCommand(redis: { host: string; port: number }): string {
  return `node dist/tdtp-emit.js ${cliTarget(redis)}`;
}

function banner(lines: Array<[string, string]>): void {
  const width = Math.max(...lines.map(([label]) => label.length));
  const body = lines.map(([label, text]) => `  ${label.padEnd(width)}  ${text}`);
  const rule = '─'.repeat(Math.min(100, Math.max(...body.map((line) => line.length)) + 2));
  print(process.stdout, ['', rule, '  TDTP demo is running', ...body, rule, ''].join('\n'));
}

// ---------------------------------------------------------------------------------------------
// Stopping

let shutdownPromise: Promise<void> | undefined;
let mainSettled: Promise<unknown> = Promise.resolve();
let firstSignalAt = 0;

function shutdown(exitCode: number, why: string): Promise<void> {
  shutdownPromise ??= (async () => {
    stopping = true;
    say(why);
    stopCommands();
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

// ---------------------------------------------------------------------------------------------

async function main(options: Options): Promise<void> {
  // A Redis the user named is checked first: no point building for one that is not there.
  if (options.redis) await checkReachable(options.redis.host, options.redis.port);
  const code = options.open && !options.forceCodeServer ? findOnPath('code') : undefined;
  await buildAndPackage(options.open && !code);
  checkpoint();

  const redis = options.redis ?? (await startRedisServer());
  checkpoint();

  let openedIn: string | undefined;
  let url: string | undefined;
  if (options.open) {
    if (code) openedIn = await openInVsCode(code, redis);
    else {
      if (!options.forceCodeServer) say('`code` is not on PATH: using code-server (VS Code in the browser)');
      url = await openInCodeServer(redis, options.port);
      openedIn = 'code-server, in your browser';
    }
  }
  checkpoint();

  say(`starting the simulator: ${DEMO_PIPELINES.length} pipelines, each on its own schedule (every ${options.intervalMs / 1000}–${(8 * options.intervalMs) / 1000} s)`);
  await startPublishing(redis, options.intervalMs, options.seed);
  checkpoint();
  // Real tdtpcli pipelines through the framework's orchestrator, when Go is there (scripts/demo-framework.ts).
  const real = await startFrameworkDemo(ROOT, redis, { say, warn, own, makeTempDir, checkpoint, run });
  checkpoint();

  const lines: Array<[string, string]> = [
    ['Redis', `${redis.host}:${redis.port}${options.redis ? '' : '  (throwaway redis-server, gone when the demo stops)'}`],
    ['Simulator', `${DEMO_PIPELINES.length} pipelines, each every ${options.intervalMs / 1000}–${(8 * options.intervalMs) / 1000} s; within minutes one stops publishing, one fails and recovers, one loads a tenth of its rows, one runs slow (one [sim] line each run)`],
    real,
  ];
  if (url) lines.push(['Open', url]);
  lines.push(['Extension', openedIn ?? `not opened (--no-open); point it at ${redis.host}:${redis.port} (tdtp.redis.host / tdtp.redis.port)`]);
  lines.push(['Publish', `${emitCommand(redis)} --result MY_RESULT --status failed --error "disk full on /data"`]);
  lines.push(['Watch', `node dist/tdtp-watch.js ${cliTarget(redis)}`]);
  lines.push(['Stop', 'Ctrl+C (stops everything the demo started)']);
  banner(lines);
}

function entry(): void {
  let options: Options | 'help';
  try {
    options = parseOptions(process.argv.slice(2));
  } catch (err) {
    warn(errorText(err));
    process.exit(2);
  }
  if (options === 'help') {
    console.log(HELP);
    return;
  }
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
  const running = main(options);
  mainSettled = running.catch(() => undefined);
  running.catch((err: unknown) => {
    if (err instanceof Stopping || stopping) return;
    warn(errorText(err));
    void shutdown(1, 'start-up failed; stopping what was started');
  });
}

entry();
