// Step 1: build the extension and the terminal tools, and package the VSIX when it is stale.
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { run } from './commands';
import { DemoError, say, secondsSince, warn } from './output';
import { IS_WINDOWS, ROOT, VSIX } from './paths';

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
export async function buildAndPackage(needVsix: boolean): Promise<void> {
  let started = Date.now();
  say('building the extension and the terminal tools (node scripts/build.mjs)…');
  await run(process.execPath, [join(ROOT, 'scripts', 'build.mjs')], 'the build');
  say(`  built in ${secondsSince(started)}`);

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
  say(`  packaged in ${secondsSince(started)}`);
}
