// Bundles the extension and the two terminal tools with esbuild. `--watch` rebuilds on change.
import * as esbuild from 'esbuild';
import { chmodSync } from 'node:fs';

const production = process.argv.includes('--production');
const watch = process.argv.includes('--watch');

const common = {
  bundle: true,
  platform: 'node',
  target: 'node18',
  format: 'cjs',
  sourcemap: production ? false : 'linked',
  minify: production,
  logLevel: 'info',
  legalComments: 'linked',
};

const builds = [
  { ...common, entryPoints: { extension: 'src/extension.ts' }, outdir: 'dist', external: ['vscode'] },
  { ...common, entryPoints: { 'tdtp-watch': 'src/cli/watch.ts', 'tdtp-emit': 'src/cli/emit.ts', 'tdtp-record': 'src/cli/record.ts' }, outdir: 'dist', banner: { js: '#!/usr/bin/env node' } },
  // The detail panel's script runs in the webview (a browser), not in the extension host.
  { ...common, platform: 'browser', target: 'es2022', format: 'iife', entryPoints: { panel: 'src/webview/panel.ts' }, outdir: 'dist/webview' },
];

if (watch) {
  for (const options of builds) await (await esbuild.context(options)).watch();
} else {
  await Promise.all(builds.map((options) => esbuild.build(options)));
  for (const tool of ['dist/tdtp-watch.js', 'dist/tdtp-emit.js', 'dist/tdtp-record.js']) chmodSync(tool, 0o755);
}
