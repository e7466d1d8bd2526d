import { assessDataQuality } from '../dataQuality';
import { decodeParsed } from '../decode';
import { truncate } from '../text';
import type { StoreMutation } from '../storeTypes';
import type { LineSink } from './journalFile';
import type { GapMarker, RunRecord, RunSource } from '../runs';

/**
 * One line of the history journal (NDJSON). Short keys: a run is the wire JSON plus ~50 bytes.
 *   h  header        {"o":"h","v":1,"id":identity,"at":ms}
 *   r  run           {"o":"r","n":result_name,"s":source,"a":receivedAt,"e":{…the wire JSON…}}
 *                    (and "t":1 when it was read back from a recorder's stream)
 *   g  gap marker    {"o":"g","n":…,"f":from,"t":to,"w":reason,"m":1 when it replaced the newest gap}
 *   x  expired flag  {"o":"x","n":…,"v":true|false}
 *   c  run count     {"o":"c","n":…,"v":count}
 *   f  forget        {"o":"f"} (everything), {"o":"f","n":…} or {"o":"f","n":[…]} (those pipelines)
 *   z  last seen     {"o":"z","at":ms}: the viewer was connected to this server until then
 */
export const JOURNAL_VERSION = 1;

export type JournalLine =
  | { readonly kind: 'header'; readonly version: number; readonly identity: string; readonly at: number }
  | { readonly kind: 'mutation'; readonly mutation: StoreMutation }
  | { readonly kind: 'seen'; readonly at: number }
  | { readonly kind: 'forgetMany'; readonly names: readonly string[] };

/** Longest line read back: a run's payload is bounded by MAX_PAYLOAD_BYTES, plus the record's keys. */
export const MAX_LINE_CHARS = 1024 * 1024 + 4096;
const MAX_REASON_CHARS = 300;
const SOURCES: ReadonlySet<string> = new Set<RunSource>(['live', 'loaded', 'recovered', 'polled']);

export function headerLine(identity: string, at: number): string {
  return `${JSON.stringify({ o: 'h', v: JOURNAL_VERSION, id: identity, at })}\n`;
}

export function seenLine(at: number): string {
  return `{"o":"z","at":${at}}\n`;
}

/** Pipelines forgotten together (evictions in a flood): one line for many. */
export function forgetLine(names: readonly string[]): string {
  return `${JSON.stringify({ o: 'f', n: names.length === 1 ? names[0] : names })}\n`;
}

/**
 * Puts a run's record around its payload's bytes as received straight into `out`'s buffer (no
 * JSON.stringify of the run, no head string): the fixed ASCII parts byte by byte. False when the
 * bytes cannot stand in a line as they are (then mutationLine writes the run).
 */
export function putRunLine(m: Extract<StoreMutation, { kind: 'run' }>, out: LineSink): boolean {
  const { wire, record } = m;
  if (!wire || wire.length > MAX_LINE_CHARS - 4096 || !SOURCES.has(record.source) || wire.indexOf(0x0a) >= 0) return false;
  const name = record.run.resultName;
  // JSON.stringify takes at most 6 bytes per UTF-16 unit (\u001f), a number at most 24; the rest is 38.
  if (!out.reserve(wire.length + name.length * 6 + 96)) return false;
  const buf = out.bytes;
  let at = putAscii(buf, out.at, '{"o":"r","n":');
  at = putName(buf, at, name);
  at = putAscii(buf, at, ',"s":"');
  at = putAscii(buf, at, record.source);
  at = putAscii(buf, at, '","a":');
  at = putNumber(buf, at, record.receivedAt);
  at = putAscii(buf, at, record.fromStream ? ',"t":1,"e":' : ',"e":');
  buf.set(wire, at);
  at += wire.length;
  buf[at] = 0x7d; // }
  buf[at + 1] = 0x0a;
  out.commit(at + 2);
  return true;
}

function putAscii(buf: Buffer, at: number, text: string): number {
  for (let i = 0; i < text.length; i++) buf[at + i] = text.charCodeAt(i);
  return at + text.length;
}

/** JSON.stringify(name) as UTF-8: byte by byte when it is printable ASCII with nothing to escape. */
function putName(buf: Buffer, at: number, name: string): number {
  buf[at] = 0x22;
  for (let i = 0; i < name.length; i++) {
    const c = name.charCodeAt(i);
    if (c < 0x20 || c === 0x22 || c === 0x5c || c >= 0x80) return at + buf.write(JSON.stringify(name), at, 'utf8');
    buf[at + 1 + i] = c;
  }
  buf[at + 1 + name.length] = 0x22;
  return at + name.length + 2;
}

/**
 * A number as a template literal writes it. A non-negative safe integer (a time) digit by digit, as
 * two halves of eight digits at most (small integers: no floating-point division per digit).
 */
function putNumber(buf: Buffer, at: number, n: number): number {
  if (!Number.isSafeInteger(n) || n < 0) return at + buf.write(String(n), at, 'latin1');
  const high = Math.floor(n / 1e8);
  if (high === 0) return putDigits(buf, at, n, 0);
  return putDigits(buf, putDigits(buf, at, high, 0), n - high * 1e8, 8);
}

/** `v` (0 ≤ v < 2^31) in decimal, padded with zeros to `width`. */
function putDigits(buf: Buffer, at: number, v: number, width: number): number {
  let digits = 1;
  for (let rest = (v / 10) | 0; rest > 0; rest = (rest / 10) | 0) digits++;
  if (digits < width) digits = width;
  for (let i = at + digits - 1; i >= at; i--) {
    const next = (v / 10) | 0;
    buf[i] = 48 + v - next * 10;
    v = next;
  }
  return at + digits;
}

export function mutationLine(m: StoreMutation): string {
  switch (m.kind) {
    case 'run': {
      const { record } = m;
      return `{"o":"r","n":${JSON.stringify(record.run.resultName)},"s":"${record.source}","a":${record.receivedAt}${record.fromStream ? ',"t":1' : ''},"e":${JSON.stringify(record.run.result)}}\n`;
    }
    case 'gap':
      return `${JSON.stringify({ o: 'g', n: m.resultName, f: m.gap.from, t: m.gap.to, w: m.gap.reason, m: m.merged ? 1 : 0 })}\n`;
    case 'expired':
      return `${JSON.stringify({ o: 'x', n: m.resultName, v: m.expired })}\n`;
    case 'runCount':
      return `${JSON.stringify({ o: 'c', n: m.resultName, v: m.runCount })}\n`;
    case 'forget':
      return m.resultName === undefined ? '{"o":"f"}\n' : `${JSON.stringify({ o: 'f', n: m.resultName })}\n`;
  }
}

/**
 * Reads one line back, checking every field as the wire's payloads are checked (the file may
 * have been damaged or edited). Returns undefined for a line that is not a valid record.
 */
export function parseLine(line: string, names?: Names): JournalLine | undefined {
  if (line.length > MAX_LINE_CHARS) return undefined;
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch {
    return undefined;
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return undefined;
  const o = value as Record<string, unknown>;
  switch (o.o) {
    case 'h':
      return typeof o.v === 'number' && typeof o.id === 'string' && isTime(o.at) ? { kind: 'header', version: o.v, identity: o.id, at: o.at } : undefined;
    case 'z':
      return isTime(o.at) ? { kind: 'seen', at: o.at } : undefined;
    case 'r': {
      if (!isName(o.n) || typeof o.s !== 'string' || !SOURCES.has(o.s) || !isTime(o.a)) return undefined;
      if (names && o.e !== null && typeof o.e === 'object') shareNames(o.e, names);
      // The store judges data quality again on apply, with its own tolerance.
      const outcome = decodeParsed('history', names ? names.share(o.n) : o.n, o.e, '', o.a);
      if (outcome.kind !== 'run') return undefined;
      const record: RunRecord = { kind: 'run', run: outcome.run, dq: assessDataQuality(outcome.run), source: o.s as RunSource, receivedAt: o.a, ...(o.t === 1 && { fromStream: true as const }) };
      return { kind: 'mutation', mutation: { kind: 'run', record } };
    }
    case 'g': {
      if (!isName(o.n) || !isTime(o.f) || !isTime(o.t) || typeof o.w !== 'string') return undefined;
      const gap: GapMarker = { kind: 'gap', from: o.f, to: o.t, reason: truncate(o.w, MAX_REASON_CHARS) };
      return { kind: 'mutation', mutation: { kind: 'gap', resultName: o.n, gap, merged: o.m === 1 } };
    }
    case 'x':
      return isName(o.n) && typeof o.v === 'boolean' ? { kind: 'mutation', mutation: { kind: 'expired', resultName: o.n, expired: o.v } } : undefined;
    case 'c':
      return isName(o.n) && Number.isSafeInteger(o.v) && (o.v as number) >= 0 ? { kind: 'mutation', mutation: { kind: 'runCount', resultName: o.n, runCount: o.v as number } } : undefined;
    case 'f':
      if (o.n === undefined) return { kind: 'mutation', mutation: { kind: 'forget' } };
      if (Array.isArray(o.n)) return o.n.length > 0 && o.n.every(isName) ? { kind: 'forgetMany', names: o.n as string[] } : undefined;
      return isName(o.n) ? { kind: 'mutation', mutation: { kind: 'forget', resultName: o.n } } : undefined;
    default:
      return undefined;
  }
}

/**
 * One string for each of the texts many runs repeat (a pipeline's names, a status): a load would
 * otherwise keep a copy per run (JSON.parse makes each anew), a fifth of a run's heap.
 */
export class Names {
  private readonly known = new Map<string, string>();

  share(text: string): string {
    const known = this.known.get(text);
    if (known !== undefined) return known;
    if (this.known.size < MAX_SHARED_NAMES) this.known.set(text, text);
    return text;
  }
}

const MAX_SHARED_NAMES = 100_000;
/** pipeline_name, result_name and status shared (named loads: a keyed load per field in a loop cost more than the Map). */
function shareNames(result: { pipeline_name?: unknown; result_name?: unknown; status?: unknown }, names: Names): void {
  const { pipeline_name: pipeline, result_name: resultName, status } = result;
  if (typeof pipeline === 'string' && pipeline.length <= 4096 && Object.hasOwn(result, 'pipeline_name')) result.pipeline_name = names.share(pipeline);
  if (typeof resultName === 'string' && resultName.length <= 4096 && Object.hasOwn(result, 'result_name')) result.result_name = names.share(resultName);
  if (typeof status === 'string' && status.length <= 4096 && Object.hasOwn(result, 'status')) result.status = names.share(status);
}

function isName(value: unknown): value is string {
  return typeof value === 'string' && value !== '' && value.length <= 4096;
}

function isTime(value: unknown): value is number {
  return typeof value === 'number' && Number.isSafeInteger(value);
}
