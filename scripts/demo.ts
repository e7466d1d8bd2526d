// `npm run demo`: a throwaway Redis, a simulator publishing realistic TDTP results for ten
// pipelines, and the extension opened against them (desktop VS Code when `code` is on PATH,
// otherwise code-server in the browser). Ctrl+C stops everything it started and removes its
// temp dirs. Run with --help for the options. The steps live in scripts/demo/.
import { DEMO_PIPELINES } from '../src/demo/simulator';
import { buildAndPackage } from './demo/build';
import { findOnPath } from './demo/commands';
import { openInCodeServer, openInVsCode } from './demo/editors';
import { checkpoint, superviseStartUp } from './demo/lifecycle';
import { HELP, type Options, parseOptions } from './demo/options';
import { banner, errorText, say, warn } from './demo/output';
import { cliTarget, emitCommand, startPublishing } from './demo/publishing';
import { checkReachable, startThrowawayRedis } from './demo/redis';
import { EXTRA_SOURCES } from './demo/sources';

async function main(options: Options): Promise<void> {
  // A Redis the user named is checked first: no point building for one that is not there.
  if (options.redis) await checkReachable(options.redis);
  const code = options.open && !options.forceCodeServer ? findOnPath('code') : undefined;
  await buildAndPackage(options.open && !code);
  checkpoint();

  const redis = options.redis ?? (await startThrowawayRedis());
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

  const every = `${options.intervalMs / 1000}–${(8 * options.intervalMs) / 1000} s`;
  say(`starting the simulator: ${DEMO_PIPELINES.length} pipelines, each on its own schedule (every ${every})`);
  await startPublishing(redis, options.intervalMs, options.seed);
  checkpoint();

  const lines: Array<[string, string]> = [
    ['Redis', `${redis.host}:${redis.port}${options.redis ? '' : '  (throwaway redis-server, gone when the demo stops)'}`],
    ['Simulator', `${DEMO_PIPELINES.length} pipelines, each every ${every}; within minutes one stops publishing, one fails and recovers, one loads a tenth of its rows, one runs slow (one [sim] line each run)`],
  ];
  for (const source of EXTRA_SOURCES) {
    say(`starting ${source.name}…`);
    lines.push(...(await source.start({ redis, options })));
    checkpoint();
  }
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
  const chosen = options;
  superviseStartUp(() => main(chosen));
}

entry();
