// Ring 2: the in-VS-Code mocha suite (test/vscode), run against the extension installed from its VSIX.
//   node scripts/test-vscode.mjs              code-server (VS Code 1.139.1), as here and in CI
//   node scripts/test-vscode.mjs --electron   @vscode/test-electron at engines.vscode's minimum and at stable
//        [--vscode-version minimum|stable|X.Y.Z]   only that one (the CI matrix)
//                                             (needs to download VS Code: not possible without internet)
import * as esbuild from 'esbuild';
import { execFileSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const root = resolve(import.meta.dirname, '..');
const manifest = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
const vsix = join(root, `${manifest.name}-${manifest.version}.vsix`);
const suite = join(root, 'out', 'test', 'vscode', 'index.js');

if (!existsSync(vsix)) {
  console.log(`[test:vscode] ${vsix} is missing; packaging it (npm run package)`);
  execFileSync('npm', ['run', '--silent', 'package'], { cwd: root, stdio: 'inherit' });
}

await esbuild.build({
  entryPoints: [join(root, 'test', 'vscode', 'index.ts')],
  outfile: suite,
  bundle: true,
  platform: 'node',
  format: 'cjs',
  target: 'node18',
  sourcemap: 'inline',
  external: ['vscode', 'mocha'],
  logLevel: 'warning',
});

// TDTP_GREP picks tests; the flood test's TDTP_FLOOD_FIGURES (a file for its figures, read by the bench)
// and TDTP_FLOOD_PROFILE (a directory for a CPU and a heap profile of the extension host) pass through.
const passed = ['TDTP_GREP', 'TDTP_FLOOD_FIGURES', 'TDTP_FLOOD_PROFILE'].filter((k) => process.env[k]);
const env = { TDTP_VIEWER_TEST: '1', ...Object.fromEntries(passed.map((k) => [k, process.env[k]])) };
const workspace = mkdtempSync(join(tmpdir(), 'tdtp-ws-'));
// A task for the action-rule tests: it appends the event it receives (as TDTP_* variables) to a file.
mkdirSync(join(workspace, '.vscode'));
writeFileSync(
  join(workspace, '.vscode', 'tasks.json'),
  JSON.stringify({
    version: '2.0.0',
    tasks: [{ label: 'tdtp-alert', type: 'shell', command: `printf '%s|%s|%s\\n' "$TDTP_RESULT_NAME" "$TDTP_STATUS" "$TDTP_ERROR" >> alerts.log`, presentation: { reveal: 'never' } }],
  }),
);

// A trusted repository turning off the history of every server (application-scoped: must be ignored).
writeFileSync(join(workspace, '.vscode', 'settings.json'), JSON.stringify({ 'tdtp.history.persist': false }));

// Pipeline files for test/vscode/workspace.test.ts: the core's fixture tree, and a few of its own.
cpSync(join(root, 'test', 'fixtures', 'pipelines'), join(workspace, 'pipelines'), { recursive: true });
mkdirSync(join(workspace, 'ws'));
// The folder test/vscode/framework.test.ts writes its pipeline file into, made before VS Code starts:
// a folder created while the file watcher runs can miss a file written into it at once.
mkdirSync(join(workspace, 'framework'));
// The folders test/vscode/orchestrator-link.test.ts writes pubsub.yaml files into (more than the 20 read,
// and one in node_modules), made before VS Code starts for the same reason.
for (let i = 0; i < 22; i++) mkdirSync(join(workspace, 'pubsub', `p${i}`), { recursive: true });
mkdirSync(join(workspace, 'node_modules', 'hidden'), { recursive: true });
const pipelineYaml = (pipeline, resultName) => `# ring-2 fixture\nname: ${pipeline}\nsources:\n  - { name: s, type: sqlite, dsn: "/tmp/s.db", query: "SELECT 1" }\n\nresult_log:\n  type: redis\n  address: "127.0.0.1:6379"\n  name: ${resultName}\n  ttl: 600\n`;
writeFileSync(join(workspace, 'ws', 'lens.yaml'), pipelineYaml('ws_lens_pipeline', 'WS_LENS'));
writeFileSync(join(workspace, 'ws', 'run_me.yaml'), pipelineYaml('ws_run_pipeline', 'WS_RUN'));
writeFileSync(join(workspace, 'ws', 'shared_a.yaml'), pipelineYaml('ws_shared_a', 'WS_SHARED'));
writeFileSync(join(workspace, 'ws', 'shared_b.yaml'), pipelineYaml('ws_shared_b', 'WS_SHARED'));
// Shaped to cost time (a repository can ship them): ten levels of anchors each merging the one before
// five times over, and a result_log with 4,000 merge sources. The host must stay responsive.
const merges = (alias, n) => `[${Array(n).fill(alias).join(', ')}]`;
const bomb = ['a0: &a0 { ttl: 600 }', ...Array.from({ length: 10 }, (_, i) => `a${i + 1}: &a${i + 1} { <<: ${merges(`*a${i}`, 5)} }`)];
writeFileSync(join(workspace, 'ws', 'merge_bomb.yaml'), `${bomb.join('\n')}\nname: ws_bomb\nresult_log: { <<: ${merges('*a10', 5)}, type: redis, name: WS_BOMB }\n`);
writeFileSync(join(workspace, 'ws', 'too_complex.yaml'), `a: &a { x: 1 }\nresult_log:\n  <<: ${merges('*a', 4000)}\n  type: redis\n  name: WS_TOO_COMPLEX\n`);

if (process.argv.includes('--electron')) {
  const { runTests, downloadAndUnzipVSCode, resolveCliArgsFromVSCodeExecutablePath } = await import('@vscode/test-electron');
  const minimum = manifest.engines.vscode.replace(/^[^\d]*/, '');
  // --vscode-version minimum|stable|X.Y.Z runs one (CI's matrix); without it, both.
  const asked = process.argv.includes('--vscode-version') ? process.argv[process.argv.indexOf('--vscode-version') + 1] : undefined;
  const versions = asked === undefined ? [minimum, 'stable'] : [asked === 'minimum' ? minimum : asked];
  for (const version of versions) {
    const executable = await downloadAndUnzipVSCode(version);
    const [cli, ...cliArgs] = resolveCliArgsFromVSCodeExecutablePath(executable);
    const extensionsDir = mkdtempSync(join(tmpdir(), 'tdtp-ext-'));
    execFileSync(cli, [...cliArgs, '--extensions-dir', extensionsDir, '--install-extension', vsix], { stdio: 'inherit' });
    console.log(`[test:vscode] VS Code ${version}`);
    await runTests({
      vscodeExecutablePath: executable,
      // The runner extension only carries the dependency on the installed VSIX; the suite is extensionTestsPath.
      extensionDevelopmentPath: join(root, 'test', 'support', 'vscode-test-runner'),
      extensionTestsPath: suite,
      launchArgs: [workspace, '--extensions-dir', extensionsDir, '--disable-workspace-trust'],
      extensionTestsEnv: env,
    });
  }
  process.exit(0);
}

// An untrusted folder that tries to redirect the viewer, add an action rule, mute failures and resize the
// model: Restricted Mode must ignore all of it.
const untrusted = mkdtempSync(join(tmpdir(), 'tdtp-untrusted-'));
mkdirSync(join(untrusted, '.vscode'));
writeFileSync(
  join(untrusted, '.vscode', 'settings.json'),
  JSON.stringify({
    'tdtp.redis.port': 1,
    'tdtp.actions': [{ when: { status: 'failed' }, run: { openUrl: 'https://attacker.invalid/' } }],
    // ... and to silence every failure toast and change what the model keeps.
    'tdtp.notifications.failed': false,
    'tdtp.notifications.muted': ['RESTRICTED_FAIL'],
    'tdtp.history.size': 1,
    'tdtp.dataQuality.toleranceRows': 1000000,
    'tdtp.cli.path': '/bin/false',
    // ... and to send the orchestrator token to a server of its own.
    'tdtp.orchestrator.url': 'http://attacker.invalid:8080',
  }),
);
// A pipeline file naming another Redis with a password: Restricted Mode must offer nothing from it.
writeFileSync(join(untrusted, 'pipeline.yaml'), 'name: lure\nresult_log:\n  type: redis\n  address: "attacker.invalid:6379"\n  password: "lure-password"\n  name: LURE\n');

const { runInCodeServer, resolveTools } = await import('../test/support/codeServer.mjs');
// On its own, as `npm test` does: redis-server for the suites, and code-server, Node 24 and
// Chromium when they are not there yet (the setup is idempotent; a later run reuses them).
execFileSync('bash', [join(root, 'scripts', 'ensure-redis.sh')], { cwd: root, stdio: 'inherit' });
try {
  resolveTools();
} catch (err) {
  console.log(`[test:vscode] ${err.message.split('.')[0]}: setting them up (bash scripts/setup-vscode-tools.sh)`);
  execFileSync('bash', [join(root, 'scripts', 'setup-vscode-tools.sh')], { cwd: root, stdio: 'inherit' });
}
const runs = [
  { label: 'vscode-suite', workspaceFolder: workspace, env },
  { label: 'vscode-restricted', workspaceFolder: untrusted, env: { ...env, TDTP_SUITE: 'restricted' }, trustWorkspace: false },
];
let failed = false;
for (const run of runs) {
  const result = await runInCodeServer({ testModule: suite, vsixPaths: [vsix], timeoutMs: 300_000, resultsDir: join(root, 'test-results', 'vscode'), ...run });
  process.stdout.write(result.output ?? '');
  console.log(`\n[test:vscode] ${run.label}: VS Code ${result.vscodeVersion ?? '?'} (code-server), ${Math.round((result.durationMs ?? 0) / 1000)} s`);
  if (!result.ok) {
    failed = true;
    console.error(`[test:vscode] ${run.label} FAILED: ${result.error ?? 'unknown error'}`);
    if (result.harness?.artifacts?.length) console.error(`[test:vscode] logs: ${result.harness.artifacts.join(', ')}`);
  }
}
if (failed) process.exit(1);
