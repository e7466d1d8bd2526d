// Step 4: the extension opened against the demo's Redis: desktop VS Code running it from dist/,
// or code-server with the VSIX installed (the test harness's launcher).
import { spawn } from 'node:child_process';
import { join, relative } from 'node:path';
import { portInUse } from '../../test/support/redisServer';
import { run } from './commands';
import { checkpoint, isStopping, own, processAlive, shutdown, signal, sleep, terminateProcesses } from './lifecycle';
import type { RedisAddress } from './options';
import { DemoError, say, secondsSince, warn } from './output';
import { IS_WINDOWS, ROOT, VSIX } from './paths';
import { harness, makeProfile, processesUsing } from './profile';

/** Environment for an editor started from here: nothing that ties it to a VS Code we run inside. */
function editorEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (key.startsWith('VSCODE_') || key === 'ELECTRON_RUN_AS_NODE' || key === 'NODE_OPTIONS' || key.startsWith('npm_')) continue;
    env[key] = value;
  }
  return env;
}

/** Opens a new VS Code window with the extension from dist/; returns where, for the banner. */
export async function openInVsCode(code: string, redis: RedisAddress): Promise<string> {
  const profile = await makeProfile(redis);
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
      await terminateProcesses(processesUsing(profile.root));
      await Promise.race([exited, sleep(2000)]);
    },
    killNow() {
      for (const pid of [child.pid ?? 0, ...processesUsing(profile.root)]) if (pid) signal(pid, 'SIGKILL');
    },
    alive: () => processesUsing(profile.root).length > 0,
  });
  child.once('error', (err) => warn(`could not run ${code}: ${err.message}`));
  child.once('close', (exitCode) => {
    if (isStopping()) return;
    if (exitCode === 0) say('the VS Code window was closed; Redis and the simulator keep running (Ctrl+C to stop)');
    else warn(`${code} exited with ${exitCode}${output ? `:\n${output.trimEnd()}` : ''}\nRedis and the simulator keep running (Ctrl+C to stop)`);
  });
  return `a new VS Code window (fresh profile in ${profile.root})`;
}

/** Starts code-server with the VSIX installed in a fresh profile; returns the URL to open. */
export async function openInCodeServer(redis: RedisAddress, port: number | undefined): Promise<string> {
  process.env.TDTP_HARNESS_QUIET = '1'; // the harness's own log lines; the demo prints its own
  const { installExtensions, launchCodeServer, resolveTools } = await harness();
  try {
    resolveTools();
  } catch {
    say('code-server is not installed yet: bash scripts/setup-vscode-tools.sh (a few minutes the first time)…');
    await run('bash', [join(ROOT, 'scripts', 'setup-vscode-tools.sh')], 'installing code-server', { inherit: true });
    try {
      resolveTools();
    } catch (err) {
      throw new DemoError((err as Error).message);
    }
  }
  checkpoint();
  if (port !== undefined && (await portInUse(port))) {
    throw new DemoError(`port ${port} on 127.0.0.1 is already in use; choose another with --port, or leave --port out to use a free one`);
  }
  const profile = await makeProfile(redis);
  say(`installing ${relative(ROOT, VSIX)} into a fresh code-server profile (${profile.root})…`);
  const started = Date.now();
  await installExtensions({ vsixPaths: [VSIX], userDataDir: profile.userDataDir, extensionsDir: profile.extensionsDir });
  say(`  installed in ${secondsSince(started)}`);
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
      await terminateProcesses(pids);
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
    server = await launchCodeServer({
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
    if (!isStopping()) {
      warn(`code-server exited unexpectedly (${code}); its last output:\n${codeServer.output().trimEnd().split('\n').slice(-15).join('\n')}`);
      void shutdown(1, 'stopping: code-server is gone');
    }
  });
  own({
    name: `code-server ${codeServer.url} (pid ${codeServer.pid})`,
    stop: () => codeServer.close(),
    killNow: () => signal(-codeServer.pid, 'SIGKILL'),
    alive: () => !exited || processAlive(-codeServer.pid),
  });
  say(`  code-server listening on ${codeServer.url} (pid ${codeServer.pid})`);
  return `${codeServer.url}/?folder=${encodeURI(profile.workspace)}`;
}
