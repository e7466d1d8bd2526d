// Bundles the extension and the two terminal tools with esbuild. `--watch` rebuilds on change.
import * as esbuild from 'esbuild';
import { chmodSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, relative } from 'node:path';

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

// Libraries the extension loads only on first use (`require('yaml')` inside a function, not a
// top-level `import`). Each goes into a file of its own, dist/lib/<name>.js, and the extension's
// `require('<name>')` is pointed at it, so loading the extension neither reads nor evaluates them.
// A static `import` of one keeps it inside dist/extension.js, since it runs at activation anyway.
const LAZY = ['yaml', 'croner'];

// Resolved the way Node resolves `require()` from the project (the package's "require"/"node" export).
const projectRequire = createRequire(join(process.cwd(), 'package.json'));

/** The library's licence as a comment at the top of its file (neither package has legal comments of its own). */
function licenceBanner(name) {
  const pkgFile = projectRequire.resolve(`${name}/package.json`);
  const pkg = JSON.parse(readFileSync(pkgFile, 'utf8'));
  const licence = readFileSync(join(dirname(pkgFile), 'LICENSE'), 'utf8').trim().replaceAll('*/', '* /');
  return `/*! ${name} ${pkg.version} (${pkg.license}), bundled from its npm package.\n\n${licence}\n*/`;
}

async function buildLibrary(name) {
  await esbuild.build({
    ...common,
    legalComments: 'none',
    banner: { js: licenceBanner(name) },
    // Exactly what `require(name)` returns under Node: the package's CommonJS entry, bundled.
    stdin: { contents: `module.exports = require(${JSON.stringify(name)});`, resolveDir: process.cwd(), sourcefile: `lib/${name}.js`, loader: 'js' },
    outfile: `dist/lib/${name}.js`,
  });
}

/**
 * Points a bundle's lazy `require()` of a LAZY library at dist/lib/ (`libPrefix`: dist/lib as seen
 * from the bundle's own folder), and builds the files it uses. `required` is shared by every
 * bundle of one build, so a library one bundle needs is never removed as stale by another.
 */
const requiredLibraries = new Set();
function lazyLibraries(libPrefix) {
  return {
    name: 'lazy-libraries',
    setup(build) {
      const imported = new Map();
      build.onStart(() => imported.clear());
      build.onResolve({ filter: new RegExp(`^(${LAZY.join('|')})$`) }, (args) => {
        if (args.kind === 'require-call') {
          requiredLibraries.add(args.path);
          return { path: `${libPrefix}${args.path}.js`, external: true };
        }
        imported.set(args.path, relative(process.cwd(), args.importer));
        return undefined;
      });
      build.onEnd(async (result) => {
        if (result.errors.length) return;
        for (const name of requiredLibraries) {
          // Both a static import and a lazy require would load two copies of the library.
          if (imported.has(name)) return { errors: [{ text: `'${name}' is imported statically (${imported.get(name)}) and required lazily: make every use lazy, or none` }] };
        }
        mkdirSync('dist/lib', { recursive: true });
        for (const name of LAZY) if (requiredLibraries.has(name)) await buildLibrary(name);
      });
    },
  };
}

// Features the extension loads only when the settings use them: `require('./feature')` from
// LAZY_MODULES' loader becomes dist/lib/<name>.js, built from the feature's own entry point. What
// it shares with dist/extension.js (small helpers) is in both; instances are handed over, never
// compared by class across the two.
const LAZY_MODULES = [
  { name: 'orchestrator', loader: 'src/vscode/orchestrator/loader.ts', request: './feature', entry: 'src/vscode/orchestrator/feature.ts' },
  { name: 'actions', loader: 'src/vscode/actions/loader.ts', request: './runner', entry: 'src/vscode/actions/runner.ts' },
];

const lazyModules = {
  name: 'lazy-modules',
  setup(build) {
    for (const m of LAZY_MODULES) {
      build.onResolve({ filter: new RegExp(`^${m.request.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}$`) }, (args) => {
        // By its end: a build run from a copy whose src/ is a symlink sees the importer's real path.
        if (!args.importer.replaceAll('\\', '/').endsWith(`/${m.loader}`)) return undefined;
        if (args.kind !== 'require-call') return { errors: [{ text: `${m.loader} must require('${m.request}') lazily, not import it` }] };
        return { path: `./lib/${m.name}.js`, external: true };
      });
    }
  },
};

const builds = [
  { ...common, entryPoints: { extension: 'src/extension.ts' }, outdir: 'dist', external: ['vscode'], plugins: [lazyLibraries('./lib/'), lazyModules] },
  ...LAZY_MODULES.map((m) => ({ ...common, entryPoints: { [m.name]: m.entry }, outdir: 'dist/lib', external: ['vscode'], plugins: [lazyLibraries('./')] })),
  // The terminal tools use neither library; were one to, it would simply be bundled in.
  { ...common, entryPoints: { 'tdtp-watch': 'src/cli/watch.ts', 'tdtp-emit': 'src/cli/emit.ts', 'tdtp-record': 'src/cli/record.ts' }, outdir: 'dist', banner: { js: '#!/usr/bin/env node' } },
  // The detail panel's script runs in the webview (a browser), not in the extension host.
  { ...common, platform: 'browser', target: 'es2022', format: 'iife', entryPoints: { panel: 'src/webview/panel.ts' }, outdir: 'dist/webview' },
];

if (watch) {
  for (const options of builds) await (await esbuild.context(options)).watch();
} else {
  await Promise.all(builds.map((options) => esbuild.build(options)));
  // Left from an earlier build: not shipped stale.
  for (const name of LAZY) if (!requiredLibraries.has(name)) rmSync(`dist/lib/${name}.js`, { force: true });
  for (const tool of ['dist/tdtp-watch.js', 'dist/tdtp-emit.js', 'dist/tdtp-record.js']) chmodSync(tool, 0o755);
}
