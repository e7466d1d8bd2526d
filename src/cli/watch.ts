import type { ConnectionState } from '../core/connection';
import { describeDq, firstLine, formatDuration, plural, statusLabel } from '../core/format';
import type { RejectedMessage } from '../core/decode';
import { KeySpace } from '../core/keySpace';
import { assessDataQuality, isDqWarning } from '../core/dataQuality';
import type { DqVerdict } from '../core/dataQuality';
import type { PipelineRun } from '../core/decode';
import type { RunSource } from '../core/runs';
import { LeanStore } from './leanStore';
import type { ReconcileReport } from '../core/watcher';
import { PipelineWatcher, pollOnce } from '../core/watcher';
import { connectionMode } from '../core/settings';
import { describeEndpoint } from '../core/endpoint';
import { errorText, oneLine, problemJson, problemText, warningText } from './problemText';
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

interface Output {
  json: boolean;
  color: boolean;
  write(line: string): void;
}

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
    (run, dq, source, receivedAt) => printRun(out, keys, run, dq, source, receivedAt),
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

const MARKS: Record<string, string> = { success: '✓', failed: '✗', completed_with_errors: '⚠', unknown: '?' };
const COLORS: Record<string, string> = { success: '32', failed: '31', completed_with_errors: '33', unknown: '35', warning: '33', info: '36' };

function paint(out: Output, color: string, text: string): string {
  return out.color ? `\u001b[${COLORS[color] ?? '0'}m${text}\u001b[0m` : text;
}

/**
 * HH:MM:SS in local time; a fresh Intl call per line cost more than the rest of the line, and the
 * text is kept for the second it names (thousands of lines share it in a burst).
 */
function clock(ms: number): string {
  const second = Math.floor(ms / 1000);
  if (second !== clockSecond) {
    const d = new Date(ms);
    clockText = `${two(d.getHours())}:${two(d.getMinutes())}:${two(d.getSeconds())}`;
    clockSecond = second;
  }
  return clockText;
}
let clockSecond = NaN;
let clockText = '';

/** `received_at` of --json lines: the ISO text kept for the millisecond it names. */
function isoTime(ms: number): string {
  if (ms !== isoMs) {
    isoText = new Date(ms).toISOString();
    isoMs = ms;
  }
  return isoText;
}
let isoMs = NaN;
let isoText = '';

/**
 * oneLine of the short texts that come back run after run (result and pipeline names, the
 * status): three sanitising passes per text were a visible share of each line's cost. At most
 * SAME_LINES texts of up to SAME_LINE_CHARS characters are kept, so a flood of names costs ~2 MB.
 */
function sameLine(text: string): string {
  if (text.length > SAME_LINE_CHARS) return oneLine(text);
  let line = sameLines.get(text);
  if (line === undefined) {
    if (sameLines.size >= SAME_LINES) sameLines.clear();
    line = oneLine(text);
    sameLines.set(text, line);
  }
  return line;
}
const SAME_LINES = 4096;
const SAME_LINE_CHARS = 128;
const sameLines = new Map<string, string>();

function two(n: number): string {
  return n < 10 ? `0${n}` : String(n);
}

/**
 * Lines go out in batches: one write per turn of the event loop (or per 64 KB) instead of one per
 * line, which is what a pipe or a file makes costly. flush() runs before every exit.
 */
class BufferedStdout {
  private pending: string[] = [];
  private size = 0;
  private scheduled = false;

  write(line: string): void {
    this.pending.push(line);
    this.size += line.length + 1;
    if (this.size >= 65_536) this.flush();
    else if (!this.scheduled) {
      this.scheduled = true;
      setImmediate(() => this.flush());
    }
  }

  flush(): void {
    this.scheduled = false;
    if (!this.pending.length) return;
    const text = `${this.pending.join('\n')}\n`;
    this.pending = [];
    this.size = 0;
    process.stdout.write(text);
  }
}

const stdout = new BufferedStdout();

function runJson(keys: KeySpace, run: PipelineRun, dq: DqVerdict, source: RunSource, receivedAt: number) {
  return {
    type: 'run',
    source,
    channel: keys.channel(run.resultName),
    result_name: run.resultName,
    result_name_mismatch: run.resultNameMismatch,
    status_kind: run.statusKind,
    dq,
    received_at: isoTime(receivedAt),
    event: run.result,
  };
}

function printRun(out: Output, keys: KeySpace, run: PipelineRun, dq: DqVerdict, source: RunSource, receivedAt: number): void {
  if (out.json) {
    out.write(JSON.stringify(runJson(keys, run, dq, source, receivedAt)));
    return;
  }
  const r = run.result;
  const kind = run.statusKind;
  const origin = source === 'live' ? '' : ` (${source === 'loaded' ? 'existing state' : source === 'recovered' ? 'recovered from state' : 'polled'})`;
  const name = sameLine(run.resultName);
  const pipeline = sameLine(r.pipeline_name);
  out.write(
    `[${clock(receivedAt)}] ${paint(out, kind, `${MARKS[kind]} ${sameLine(statusLabel(run))}`)}  ${name} (${pipeline})  ${formatDuration(r.duration_ms)}  rows ${r.rows_loaded} → ${r.rows_exported}${origin}`,
  );
  if (run.resultNameMismatch) out.write(paint(out, 'warning', `    ! the payload says result_name "${oneLine(r.result_name)}" but arrived on ${oneLine(keys.channel(run.resultName))}`));
  if (isDqWarning(dq)) out.write(paint(out, 'warning', `    ⚠ data quality: ${describeDq(dq)}`));
  if (kind === 'failed' || kind === 'completed_with_errors') {
    const lines = (r.error ?? 'unknown error').split(/\r?\n/);
    out.write(`    error: ${oneLine(lines[0])}`);
    for (const line of lines.slice(1, 20)) out.write(`           ${oneLine(line)}`);
    if (lines.length > 20) out.write(`           … ${lines.length - 20} more lines`);
  }
  if (r.package_uuid) out.write(`    package ${oneLine(r.package_uuid)}`);
}

function printRejected(out: Output, rejected: RejectedMessage): void {
  if (out.json) {
    out.write(JSON.stringify({ type: 'rejected', source: rejected.source, result_name: rejected.resultName ?? null, reason: rejected.reason, raw: rejected.rawPreview, raw_bytes: rejected.rawBytes }));
    return;
  }
  out.write(paint(out, 'failed', `[${clock(rejected.receivedAt)}] ✗ rejected message on ${oneLine(rejected.source)}: ${oneLine(rejected.reason)}`));
  out.write(`    raw (${rejected.rawBytes} ${plural(rejected.rawBytes, 'byte')}): ${oneLine(firstLine(rejected.rawPreview, 160))}`);
}

/** `showNode`: with Sentinel or a Cluster, name the server the subscription is on. */
function printState(out: Output, state: ConnectionState, endpoint: string, prefix: string, showNode: boolean): void {
  if (out.json) {
    // The problem's code and facts for programs, and its sentence for people.
    out.write(JSON.stringify({ type: 'connection', ...state, ...('problem' in state ? { problem: problemJson(state.problem) } : {}) }));
    return;
  }
  switch (state.kind) {
    case 'connecting':
      if (state.attempt === 1) out.write(`Connecting to ${endpoint} …`);
      break;
    case 'connected':
      out.write(paint(out, 'info', `Connected to ${endpoint}${state.node && showNode ? ` (listening on ${state.node})` : ''}; watching ${prefix}:*`));
      break;
    case 'reconnecting':
      out.write(paint(out, 'warning', `! ${oneLine(problemText(state.problem))} Reconnecting in ${((state.retryAt - Date.now()) / 1000).toFixed(1)} s (attempt ${state.attempt}) …`));
      break;
    case 'failed':
      out.write(paint(out, 'failed', `✗ ${oneLine(problemText(state.problem))} Not retrying.`));
      break;
    case 'idle':
      break;
  }
}

function printReconcile(out: Output, report: ReconcileReport): void {
  if (out.json) {
    out.write(JSON.stringify({ type: 'reconcile', ...report, gap: report.gap && { from: new Date(report.gap.from).toISOString(), to: new Date(report.gap.to).toISOString(), reason: report.gap.problem ? problemText(report.gap.problem) : report.gap.reason, ...(report.gap.problem && { problem: problemJson(report.gap.problem) }) } }));
    return;
  }
  if (report.source === 'loaded') {
    out.write(paint(out, 'info', `Loaded ${report.keys} existing ${plural(report.keys, 'state')} in ${report.durationMs} ms.`));
  } else {
    const gap = report.gap ? ` Gap ${clock(report.gap.from)}–${clock(report.gap.to)}: events in it may have been lost.` : '';
    out.write(paint(out, 'info', `Reconciled with the state keys: recovered ${report.added} ${plural(report.added, 'state')} of ${report.keys}.${gap}`));
  }
  for (const name of report.expired) out.write(paint(out, 'warning', `    state of ${oneLine(name)} expired (its TTL ran out)`));
  if (report.rejected) out.write(paint(out, 'warning', `    ${report.rejected} state ${report.rejected === 1 ? 'key holds' : 'keys hold'} a payload that cannot be decoded`));
}

function printNotice(out: Output, kind: 'warning', message: string): void {
  if (out.json) out.write(JSON.stringify({ type: kind, message }));
  else out.write(paint(out, kind, `! ${message}`));
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
