import type { ConnectionState } from '../core/connection';
import { StreamRecorder } from '../core/history/recorder';
import { plural } from '../core/format';
import { describeEndpoint } from '../core/endpoint';
import { sanitizeForTerminal } from '../core/text';
import { CONNECTION_HELP, CONNECTION_OPTIONS, UsageError, connectionSettingsFrom, integerOption, parseCommandLine } from './options';
import { oneLine, problemText, warningText } from './problemText';

const HELP = `tdtp-record — keep every TDTP run in Redis Streams, for viewers that were not watching

Usage:
  tdtp-record [connection options] [--maxlen N] [--wait]

Appends every run it sees — live, loaded at start, and recovered from the state keys after its own
reconnects — to the stream <prefix>:<result_name>:runs (XADD … MAXLEN ~ N). Each entry's ID comes
from the run itself, so two recorders side by side write each run once.
  --maxlen N            entries kept per pipeline's stream, about (default 1000)
  --wait                keep retrying when Redis cannot be reached at start (default: exit 3)
  --quiet               print only problems, not the counts every minute

${CONNECTION_HELP}

Exit codes: 0 stopped with Ctrl+C or SIGTERM, 2 wrong usage or settings, 3 Redis cannot be reached
or refused us.`;

const OPTIONS = {
  ...CONNECTION_OPTIONS,
  maxlen: { type: 'string' },
  wait: { type: 'boolean' },
  quiet: { type: 'boolean' },
} as const;

const REPORT_EVERY_MS = 60_000;

async function main(argv: string[]): Promise<number> {
  let values: ReturnType<typeof parseCommandLine<typeof OPTIONS>>['values'];
  let settings;
  let maxLen: number;
  try {
    values = parseCommandLine(argv, OPTIONS).values;
    if (values.help) {
      process.stdout.write(`${HELP}\n`);
      return 0;
    }
    settings = connectionSettingsFrom(values, process.env);
    maxLen = integerOption(values.maxlen, 'maxlen', 1000);
    if (maxLen < 1) throw new UsageError('--maxlen must be at least 1');
  } catch (err) {
    if (err instanceof UsageError) {
      process.stderr.write(`tdtp-record: ${err.message}\nRun tdtp-record --help for the options.\n`);
      return 2;
    }
    throw err;
  }
  const say = (line: string) => process.stdout.write(`${new Date().toISOString()} ${line}\n`);
  const endpoint = describeEndpoint(settings);
  const recorder = new StreamRecorder(settings, { maxLen });
  recorder.onProblem((p) => say(`! not recorded: ${sanitizeForTerminal(p.resultName)}: ${sanitizeForTerminal(p.message)}`));
  recorder.watcher.onReconcileFailed((problem) => say(`! ${oneLine(`Reading the state keys failed: ${problemText(problem)}`)}`));
  recorder.watcher.connection.onWarning((warning) => say(`! ${oneLine(warningText(warning))}`));
  recorder.watcher.onDidReconcile((report) => {
    if (!values.quiet) say(`read ${report.keys} state ${plural(report.keys, 'key')}: ${report.added} ${plural(report.added, 'run')} to record`);
  });
  const counts = () => {
    const c = recorder.recorded;
    return `${c.written} written (${c.late} late), ${c.alreadyRecorded} already recorded, ${c.dropped} dropped, ${recorder.pending} waiting`;
  };
  const timer = setInterval(() => values.quiet || say(counts()), REPORT_EVERY_MS);

  return new Promise<number>((resolve) => {
    let everConnected = false;
    const finish = (code: number) => {
      clearInterval(timer);
      recorder.dispose();
      resolve(code);
    };
    recorder.watcher.onDidChangeState((state: ConnectionState) => {
      const givingUp = state.kind === 'failed' || (state.kind === 'reconnecting' && !everConnected && !values.wait);
      if (state.kind === 'connected') {
        everConnected = true;
        say(`recording ${settings.prefix}:*:runs on ${endpoint} (MAXLEN ~ ${maxLen})`);
      } else if (state.kind === 'reconnecting' || state.kind === 'failed') {
        say(`! ${oneLine(problemText(state.problem))}${givingUp ? '' : ' Reconnecting …'}`);
      }
      if (givingUp) finish(3);
    });
    for (const signal of ['SIGINT', 'SIGTERM'] as const) {
      process.once(signal, () => {
        say(`stopped: ${counts()}`);
        finish(0);
      });
    }
    recorder.start();
  });
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err) => {
    process.stderr.write(`tdtp-record: unexpected error: ${(err as Error)?.message ?? String(err)}\n`);
    process.exit(70);
  },
);
