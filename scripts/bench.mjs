// `npm run bench`: bundles the bench with esbuild the way scripts/build.mjs bundles the extension
// (CommonJS for Node, one file per process the bench starts), then runs .bench/run.js with the
// arguments given. What is timed is the code as it ships: run from the TypeScript under tsx, every
// use of an imported name is a getter call, which made the per-event rows several percent slower
// than the bundle the extension host loads. `node --import tsx bench/run.ts` still runs the
// sources (the processes it starts follow: bench/harness.ts benchProcess).
import * as esbuild from 'esbuild';
import { spawnSync } from 'node:child_process';

/** Every file the bench runs as a process of its own (run.ts forks the others). */
const PROCESSES = ['run', 'publisher', 'memory', 'flood', 'treeRefresh', 'orchestrator', 'alerts'];
const OUT = '.bench';

await esbuild.build({
  entryPoints: Object.fromEntries(PROCESSES.map((name) => [name, `bench/${name}.ts`])),
  outdir: OUT,
  bundle: true,
  platform: 'node',
  target: 'node18',
  format: 'cjs',
  // Names kept, for --cpu-prof; the map, for reading a profile or a stack against the sources.
  sourcemap: 'linked',
  // Packages load from node_modules as they are (the bench drives esbuild, Playwright …); the
  // bench's stub answers require('vscode') (bench/vscodeStub.ts).
  packages: 'external',
  external: ['vscode'],
  logLevel: 'warning',
});
const run = spawnSync(process.execPath, [`${OUT}/run.js`, ...process.argv.slice(2)], { stdio: 'inherit' });
process.exit(run.status ?? 1);
