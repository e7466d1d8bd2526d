import type { ConnectionState } from '../core/connection';
import type { DqVerdict } from '../core/dataQuality';
import { isDqWarning } from '../core/dataQuality';
import type { PipelineRun, RejectedMessage } from '../core/decode';
import { describeDq, firstLine, formatDuration, plural, statusLabel, twoDigits } from '../core/format';
import type { KeySpace } from '../core/keySpace';
import type { LineMemo } from './leanStore';
import type { RunSource } from '../core/runs';
import type { ReconcileReport } from '../core/watcher';
import { oneLine, problemJson, problemText } from './problemText';
import { isStringifyForm } from './wireJson';

/** The lines of tdtp-watch: text for people, or one JSON object per line (--json). */

export interface Output {
  json: boolean;
  color: boolean;
  write(line: string): void;
  /** One line of `head`, `raw` as it is and `tail` (as write(head + text of raw + tail)). */
  writeWith?(head: string, raw: Uint8Array, tail: string): void;
}

const MARKS: Record<string, string> = { success: '✓', failed: '✗', completed_with_errors: '⚠', unknown: '?' };
/** A run line's mark and status for the known kinds (`unknown` names the status it got, sanitised). */
const HEADS: Record<string, string> = { success: '✓ success', failed: '✗ failed', completed_with_errors: '⚠ completed_with_errors' };
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
    clockText = `${twoDigits(d.getHours())}:${twoDigits(d.getMinutes())}:${twoDigits(d.getSeconds())}`;
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

/**
 * Lines go out in batches: one write per turn of the event loop (or per 64 KB) instead of one per
 * line, which is what a pipe or a file makes costly. Each line is encoded into the batch's bytes
 * as it comes: one string per batch became two-byte text at its first ✓ or Cyrillic letter, and
 * was flattened and encoded whole. flush() runs before every exit.
 */
class BufferedStdout {
  private readonly bytes = Buffer.allocUnsafe(BATCH_BYTES + LINE_ROOM);
  private used = 0;
  private scheduled = false;
  private readonly flushSoon = () => this.flush();

  write(line: string): void {
    // UTF-8 takes at most 3 bytes per UTF-16 unit.
    if (line.length * 3 >= LINE_ROOM) {
      this.flush();
      process.stdout.write(`${line}\n`);
      return;
    }
    this.used += this.bytes.write(line, this.used);
    this.bytes[this.used++] = NEWLINE;
    this.written();
  }

  /** `head`, then `raw` as it is, then `tail` and the newline: one line. */
  writeWith(head: string, raw: Uint8Array, tail: string): void {
    if ((head.length + tail.length) * 3 + raw.length >= LINE_ROOM) {
      this.write(head + Buffer.from(raw.buffer, raw.byteOffset, raw.length).toString('utf8') + tail);
      return;
    }
    this.used += this.bytes.write(head, this.used);
    this.bytes.set(raw, this.used);
    this.used += raw.length;
    this.used += this.bytes.write(tail, this.used);
    this.bytes[this.used++] = NEWLINE;
    this.written();
  }

  private written(): void {
    if (this.used >= BATCH_BYTES) this.flush();
    else if (!this.scheduled) {
      this.scheduled = true;
      setImmediate(this.flushSoon);
    }
  }

  flush(): void {
    this.scheduled = false;
    if (this.used === 0) return;
    // A copy of the batch's bytes, and this buffer kept for the next: a write to a pipe or a socket
    // may hold what it was given until the reader takes it, and a slow reader would otherwise keep
    // 128 KB alive for every batch, however short.
    const batch = Buffer.from(this.bytes.subarray(0, this.used));
    this.used = 0;
    process.stdout.write(batch);
  }
}

const BATCH_BYTES = 65_536;
/** Room past a full batch for the line that fills it; a longer line is written on its own. */
const LINE_ROOM = 65_536;
const NEWLINE = 0x0a;

export const stdout = new BufferedStdout();

export function runJson(keys: KeySpace, run: PipelineRun, dq: DqVerdict, source: RunSource, receivedAt: number, memo?: LineMemo) {
  return {
    type: 'run',
    source,
    channel: memo ? (memo.channel ??= keys.channel(run.resultName)) : keys.channel(run.resultName),
    result_name: run.resultName,
    result_name_mismatch: run.resultNameMismatch,
    status_kind: run.statusKind,
    dq,
    received_at: isoTime(receivedAt),
    event: run.result,
  };
}

/**
 * JSON.stringify(runJson(…)) up to and with `"event":`, from the names' JSON kept with the
 * pipeline: `source`, `status_kind` and the ISO time are plain ASCII words, never escaped.
 */
function runJsonHead(keys: KeySpace, run: PipelineRun, dq: DqVerdict, source: RunSource, receivedAt: number, memo: LineMemo): string {
  const names = (memo.jsonNames ??= `"channel":${JSON.stringify((memo.channel ??= keys.channel(run.resultName)))},"result_name":${JSON.stringify(run.resultName)}`);
  const verdict = dq.kind === 'not-applicable' ? NOT_APPLICABLE_JSON : dq.kind === 'ok' && dq.toleratedRows === 0 ? OK_JSON : JSON.stringify(dq);
  return `{"type":"run","source":"${source}",${names},"result_name_mismatch":${run.resultNameMismatch},"status_kind":"${run.statusKind}","dq":${verdict},"received_at":"${isoTime(receivedAt)}","event":`;
}
const NOT_APPLICABLE_JSON = JSON.stringify({ kind: 'not-applicable' });
const OK_JSON = JSON.stringify({ kind: 'ok', toleratedRows: 0 });

/**
 * `memo`: kept with the pipeline by the store (its entry is keyed by run.resultName). `wire`: the
 * payload's bytes, when `run.result` is what JSON.parse made of them (nothing was cut).
 */
export function printRun(out: Output, keys: KeySpace, run: PipelineRun, dq: DqVerdict, source: RunSource, receivedAt: number, memo: LineMemo = {}, wire?: Uint8Array): void {
  if (out.json) {
    // `event` comes last: the payload as it came when that is what JSON.stringify would write.
    if (wire && out.writeWith && isStringifyForm(wire, run.result)) out.writeWith(runJsonHead(keys, run, dq, source, receivedAt, memo), wire, '}');
    else out.write(JSON.stringify(runJson(keys, run, dq, source, receivedAt, memo)));
    return;
  }
  const r = run.result;
  const kind = run.statusKind;
  const origin = source === 'live' ? '' : ` (${source === 'loaded' ? 'existing state' : source === 'recovered' ? 'recovered from state' : 'polled'})`;
  const name = (memo.nameLine ??= sameLine(run.resultName));
  let pipeline = memo.pipelineLine;
  if (pipeline === undefined || memo.pipelineText !== r.pipeline_name) {
    pipeline = memo.pipelineLine = sameLine(r.pipeline_name);
    memo.pipelineText = r.pipeline_name;
  }
  out.write(
    `[${clock(receivedAt)}] ${paint(out, kind, HEADS[kind] ?? `${MARKS[kind]} ${sameLine(statusLabel(run))}`)}  ${name} (${pipeline})  ${formatDuration(r.duration_ms)}  rows ${r.rows_loaded} → ${r.rows_exported}${origin}`,
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

export function printRejected(out: Output, rejected: RejectedMessage): void {
  if (out.json) {
    out.write(JSON.stringify({ type: 'rejected', source: rejected.source, result_name: rejected.resultName ?? null, reason: rejected.reason, raw: rejected.rawPreview, raw_bytes: rejected.rawBytes }));
    return;
  }
  out.write(paint(out, 'failed', `[${clock(rejected.receivedAt)}] ✗ rejected message on ${oneLine(rejected.source)}: ${oneLine(rejected.reason)}`));
  out.write(`    raw (${rejected.rawBytes} ${plural(rejected.rawBytes, 'byte')}): ${oneLine(firstLine(rejected.rawPreview, 160))}`);
}

/** `showNode`: with Sentinel or a Cluster, name the server the subscription is on. */
export function printState(out: Output, state: ConnectionState, endpoint: string, prefix: string, showNode: boolean): void {
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

export function printReconcile(out: Output, report: ReconcileReport): void {
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

export function printNotice(out: Output, kind: 'warning', message: string): void {
  if (out.json) out.write(JSON.stringify({ type: kind, message }));
  else out.write(paint(out, kind, `! ${message}`));
}
