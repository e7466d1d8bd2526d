import { formatDuration } from '../core/format';
import { KeySpace } from '../core/keySpace';
import { assessDataQuality } from '../core/dataQuality';
import { PipelineWatcher, pollOnce } from '../core/watcher';
import { connectionMode } from '../core/settings';
import { describeEndpoint } from '../core/endpoint';
import { LeanStore } from './leanStore';
import { errorText, oneLine, problemText, warningText } from './problemText';
import type { Output } from './watchPrint';
import { printNotice, printReconcile, printRejected, printRun, printState, runJson, stdout } from './watchPrint';
import { CONNECTION_HELP, CONNECTION_OPTIONS, UsageError, connectionSettingsFrom, integerOption, parseCommandLine } from './options';

const HELP = `tdtp-watch — watch TDTP pipeline results in Redis (what tdtpcli --pipeline publishes)

Usage:
  tdtp-watch [connection options] [--json] [--wait]
  tdtp-watch [connection options] --poll RESULT_NAME [--json]

Prints the states that already exist, then every event as it arrives.
  --json                one JSON object per line (NDJSON) instead of text
  --poll RESULT_NAME    read one state key, print it and exit: 0 found, 1 absent or expired
  --wait                keep retrying when Redis cannot be reached at start (default: exit 3)
  --history N           runs kept per pipeline (default 100)

${CONNECTION_HELP}

Exit codes: 0 stopped with Ctrl+C (or --poll found the state), 1 --poll found nothing,
2 wrong usage or settings, 3 Redis cannot be reached or refused us.`;

const OPTIONS = {
  ...CONNECTION_OPTIONS,
  json: { type: 'boolean' },
  poll: { type: 'string' },
  wait: { type: 'boolean' },
  history: { type: 'string' },
} as const;

async function main(argv: string[]): Promise<number> {
  let values: ReturnType<typeof parseCommandLine<typeof OPTIONS>>['values'];
  let settings;
  try {
    values = parseCommandLine(argv, OPTIONS).values;
    if (values.help) {
      process.stdout.write(`${HELP}\n`);
      return 0;
    }
    settings = connectionSettingsFrom(values, process.env);
  } catch (err) {
    if (err instanceof UsageError) {
      process.stderr.write(`tdtp-watch: ${err.message}\nRun tdtp-watch --help for the options.\n`);
      return 2;
    }
    throw err;
  }
  const out: Output = {
    json: values.json === true,
    color: process.stdout.isTTY === true && !process.env.NO_COLOR,
    write: (line) => stdout.write(line),
    writeWith: (head, raw, tail) => stdout.writeWith(head, raw, tail),
  };

  if (values.poll !== undefined) return poll(settings, values.poll, out);

  let historySize: number;
  try {
    historySize = integerOption(values.history, 'history', 100);
    if (historySize < 1) throw new UsageError('--history must be at least 1');
  } catch (err) {
    process.stderr.write(`tdtp-watch: ${(err as Error).message}\nRun tdtp-watch --help for the options.\n`);
    return 2;
  }
  const keys = new KeySpace(settings.prefix);
  const store = new LeanStore(
    historySize,
    (run, dq, source, receivedAt, memo, wire) => printRun(out, keys, run, dq, source, receivedAt, memo, wire),
    (rejected) => printRejected(out, rejected),
  );
  const watcher = new PipelineWatcher(settings, store.asStore());
  watcher.onDidReconcile((report) => printReconcile(out, report));
  watcher.onReconcileFailed((problem) => printNotice(out, 'warning', `Reading the state keys failed: ${problemText(problem)}`));
  watcher.connection.onWarning((warning) => printNotice(out, 'warning', warningText(warning)));

  return new Promise<number>((resolve) => {
    let everConnected = false;
    const finish = (code: number) => {
      watcher.dispose();
      store.dispose();
      resolve(code);
    };
    watcher.onDidChangeState((state) => {
      const givingUp = state.kind === 'failed' || (state.kind === 'reconnecting' && !everConnected && !values.wait);
      if (!givingUp) printState(out, state, describeEndpoint(settings), settings.prefix, connectionMode(settings) !== 'standalone');
      if (state.kind === 'connected') everConnected = true;
      if (givingUp) {
        if (!out.json) process.stderr.write(`tdtp-watch: ${oneLine(problemText(state.problem))}\n`);
        finish(3);
      }
    });
    for (const signal of ['SIGINT', 'SIGTERM'] as const) {
      process.once(signal, () => {
        if (!out.json) out.write('Stopped.');
        finish(0);
      });
    }
    watcher.start();
  });
}

async function poll(settings: Parameters<typeof pollOnce>[0], resultName: string, out: Output): Promise<number> {
  const keys = new KeySpace(settings.prefix);
  try {
    const result = await pollOnce(settings, resultName);
    if (!result.found) {
      if (out.json) out.write(JSON.stringify({ type: 'poll', result_name: resultName, found: false }));
      else out.write(`No state for ${resultName}: the key ${keys.stateKey(resultName)} does not exist (it expired, or the pipeline never ran).`);
      return 1;
    }
    if (result.outcome.kind === 'rejected') {
      printRejected(out, result.outcome.rejected);
      return 1;
    }
    const run = result.outcome.run;
    const dq = assessDataQuality(run);
    if (out.json) {
      out.write(JSON.stringify({ ...runJson(keys, run, dq, 'polled', Date.now()), ttl_ms: result.ttlMs ?? null }));
    } else {
      printRun(out, keys, run, dq, 'polled', Date.now());
      out.write(`  state expires in ${result.ttlMs === undefined ? 'never (no TTL)' : formatDuration(result.ttlMs)}`);
    }
    return 0;
  } catch (err) {
    process.stderr.write(`tdtp-watch: ${oneLine(errorText(err))}\n`);
    return 3;
  }
}

// `tdtp-watch | head`: the reader went away, which is a normal way for a watcher to end.
process.stdout.on('error', (err: NodeJS.ErrnoException) => {
  if (err.code === 'EPIPE') process.exit(0);
  throw err;
});

main(process.argv.slice(2)).then(
  (code) => {
    // stdout to a file (and on Linux to a pipe) is written synchronously: nothing is lost by exiting.
    stdout.flush();
    process.exit(code);
  },
  (err) => {
    process.stderr.write(`tdtp-watch: unexpected error: ${(err as Error)?.message ?? String(err)}\n`);
    process.exit(70);
  },
);
