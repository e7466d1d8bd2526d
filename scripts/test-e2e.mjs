// Ring 3: builds what the browser tests need, then runs them with node's test runner.
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

const root = resolve(import.meta.dirname, '..');
const manifest = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
const vsix = join(root, `${manifest.name}-${manifest.version}.vsix`);
if (!existsSync(vsix)) execFileSync('npm', ['run', '--silent', 'package'], { cwd: root, stdio: 'inherit' });
if (!existsSync(join(root, 'dist', 'tdtp-emit.js'))) execFileSync(process.execPath, ['scripts/build.mjs'], { cwd: root, stdio: 'inherit' });
const all = ['test/e2e/ui.e2e.test.ts', 'test/e2e/remember.e2e.test.ts', 'test/e2e/hostile.e2e.test.ts', 'test/e2e/workspace.e2e.test.ts', 'test/e2e/framework.e2e.test.ts', 'test/e2e/orchestrator.e2e.test.ts', 'test/e2e/orchestrator-approvals.e2e.test.ts'];
// `node scripts/test-e2e.mjs test/e2e/x.e2e.test.ts …` runs only those files.
const files = process.argv.length > 2 ? process.argv.slice(2) : all;
execFileSync(process.execPath, ['--import', 'tsx', '--test', '--test-concurrency=1', '--test-reporter=spec', ...files], {
  cwd: root,
  stdio: 'inherit',
  env: { ...process.env, TDTP_HARNESS_QUIET: '1' },
});
