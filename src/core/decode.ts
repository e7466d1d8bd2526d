import { isUtf8 } from 'node:buffer';
import type { GoTime } from './goTime';
import { parseGoTime } from './goTime';
import type { KeySpace } from './keySpace';
import { truncate } from './text';

/** Statuses the framework writes; anything else is kept as text and shown as unknown. */
export type StatusKind = 'success' | 'failed' | 'completed_with_errors' | 'unknown';

/** The JSON exactly as `tdtpcli` writes it (Go `PipelineResult`), with field names as on the wire. */
export interface TdtpResult {
  pipeline_name: string;
  result_name: string;
  status: string;
  package_uuid?: string;
  started_at: string;
  finished_at: string;
  duration_ms: number;
  rows_loaded: number;
  rows_exported: number;
  error?: string;
  /** Fields a newer framework may add are kept as received. */
  [extra: string]: unknown;
}

/** A decoded, validated run. */
export interface PipelineRun {
  /** The parsed JSON object itself (unknown fields included), typed after validation. */
  readonly result: TdtpResult;
  readonly statusKind: StatusKind;
  /** `undefined` when the producer sent Go's zero time (the run failed before it started). */
  readonly startedAt: GoTime | undefined;
  readonly finishedAt: GoTime | undefined;
  /** The result_name taken from the channel (or state key); the model is keyed by it. */
  readonly resultName: string;
  /** Set when the payload's `result_name` differs from the channel's. */
  readonly resultNameMismatch: boolean;
}

export interface RejectedMessage {
  /** Where it came from: a channel or a state key. */
  readonly source: string;
  readonly resultName: string | undefined;
  /** Which field and what was wrong, in one sentence. */
  readonly reason: string;
  /** The raw text, truncated for display (invalid UTF-8 shown with replacement characters). */
  readonly rawPreview: string;
  readonly rawBytes: number;
  readonly receivedAt: number;
}

export type DecodeOutcome =
  | { kind: 'run'; run: PipelineRun }
  | { kind: 'rejected'; rejected: RejectedMessage }
  | { kind: 'ignored' };

/**
 * Largest payload accepted, in bytes. A TDTP result is a few hundred bytes; even a long Go error
 * with a stack fits in far less. Larger payloads are rejected unparsed so one hostile message
 * cannot cost the extension host seconds of JSON parsing or megabytes of history.
 */
export const MAX_PAYLOAD_BYTES = 1024 * 1024;
/** Deepest nesting accepted inside unknown extra fields (they are kept and shown later). */
export const MAX_EXTRA_DEPTH = 32;
/** How much raw text a rejected message keeps for display. */
export const RAW_PREVIEW_CHARS = 2000;
/**
 * Longest result_name accepted from a channel or a state key. `result_log.name` is a short
 * identifier (`MASK_V001`); a longer one is rejected, so junk channel names cannot fill the model.
 */
export const MAX_RESULT_NAME_CHARS = 256;
/** Longest `pipeline_name`, `result_name` (in the payload), `status` and `package_uuid` kept. */
export const MAX_FIELD_CHARS = 1024;
/** Most text the unknown extra fields of one run may take (as JSON); larger extras are not kept. */
export const MAX_EXTRA_CHARS = 16 * 1024;
/** Where a rejected message says it came from: enough to find the channel, no more. */
const MAX_SOURCE_CHARS = MAX_RESULT_NAME_CHARS + 128;

const KNOWN_STATUSES: ReadonlySet<string> = new Set(['success', 'failed', 'completed_with_errors']);
export const KNOWN_FIELDS = [
  'pipeline_name',
  'result_name',
  'status',
  'package_uuid',
  'started_at',
  'finished_at',
  'duration_ms',
  'rows_loaded',
  'rows_exported',
  'error',
] as const;

/**
 * Whether `key` is one of KNOWN_FIELDS (a unit test pins the two together). A switch on the
 * internalised keys JSON.parse makes: on the per-event path it is cheaper than a Set lookup.
 */
export function isKnownField(key: string): boolean {
  switch (key) {
    case 'pipeline_name':
    case 'result_name':
    case 'status':
    case 'package_uuid':
    case 'started_at':
    case 'finished_at':
    case 'duration_ms':
    case 'rows_loaded':
    case 'rows_exported':
    case 'error':
      return true;
    default:
      return false;
  }
}

/**
 * Decodes one pub/sub message. Never throws: every failure is a `rejected` outcome naming the
 * field and the problem. Channels ending in `:state` are ignored, as the reference worker does.
 */
export function decodeMessage(keys: KeySpace, channel: string, payload: Buffer | string, receivedAt?: number): DecodeOutcome {
  if (channel.endsWith(':state')) return { kind: 'ignored' };
  const resultName = keys.resultNameOfChannel(channel);
  if (resultName === undefined || resultName === '') {
    return reject(channel, resultName || undefined, `channel "${truncate(channel, 120)}" carries no result_name after "${keys.prefix}:"`, payload, receivedAt);
  }
  return decodePayload(channel, resultName, payload, receivedAt);
}

/** Decodes the JSON of a state key (or a message) for a known result_name. Never throws. */
export function decodePayload(source: string, resultName: string, payload: Buffer | string, receivedAt?: number): DecodeOutcome {
  if (resultName.length > MAX_RESULT_NAME_CHARS) {
    return reject(source, resultName, `result_name "${truncate(resultName, 60)}" is ${resultName.length} characters long, over the ${MAX_RESULT_NAME_CHARS}-character limit`, payload, receivedAt);
  }
  try {
    let text: string;
    if (typeof payload === 'string') {
      if (Buffer.byteLength(payload, 'utf8') > MAX_PAYLOAD_BYTES) {
        return reject(source, resultName, `payload is ${Buffer.byteLength(payload, 'utf8')} bytes, over the ${MAX_PAYLOAD_BYTES}-byte limit`, payload, receivedAt);
      }
      text = payload;
    } else {
      if (payload.length > MAX_PAYLOAD_BYTES) {
        return reject(source, resultName, `payload is ${payload.length} bytes, over the ${MAX_PAYLOAD_BYTES}-byte limit`, payload, receivedAt);
      }
      if (!isUtf8(payload)) {
        return reject(source, resultName, `payload is not valid UTF-8 (first bad byte at offset ${firstInvalidUtf8Offset(payload)})`, payload, receivedAt);
      }
      text = payload.toString('utf8');
    }
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch (err) {
      return reject(source, resultName, `payload is not JSON: ${(err as Error).message}`, text, receivedAt);
    }
    return decodeParsed(source, resultName, parsed, text, receivedAt);
  } catch (err) {
    // Defence in depth: the checks above should make this unreachable.
    return reject(source, resultName, `payload could not be decoded: ${String(err)}`, payload, receivedAt);
  }
}

/**
 * Decodes a value already parsed from JSON (the persisted history keeps runs as JSON objects),
 * with the same checks as a payload. `text` is what a rejection shows; never throws.
 */
export function decodeParsed(source: string, resultName: string, parsed: unknown, text: string, receivedAt?: number): DecodeOutcome {
  const checked = validateResult(parsed);
  if (typeof checked === 'string') return reject(source, resultName, checked, text, receivedAt);
  const started = parseGoTime(checked.started_at);
  if (!started.ok) return reject(source, resultName, `started_at: ${started.reason}`, text, receivedAt);
  const finished = parseGoTime(checked.finished_at);
  if (!finished.ok) return reject(source, resultName, `finished_at: ${finished.reason}`, text, receivedAt);
  const statusKind = KNOWN_STATUSES.has(checked.status) ? (checked.status as StatusKind) : 'unknown';
  return { kind: 'run', run: new DecodedRun(checked, statusKind, resultName, checked.result_name !== resultName, started.time, finished.time) };
}

/** Returns the typed result, or a sentence saying which field is wrong and how. */
function validateResult(value: unknown): TdtpResult | string {
  if (value === null || typeof value !== 'object') return `payload is JSON ${describeValue(value)}, not an object`;
  if (Array.isArray(value)) return 'payload is a JSON array, not an object';
  const obj = value as Record<string, unknown>;
  if (isWellFormed(obj)) return obj as TdtpResult;
  // Something is wrong: find the first problem, in the order the fields are listed.
  for (const field of ['pipeline_name', 'result_name', 'status', 'started_at', 'finished_at'] as const) {
    const problem = checkString(obj, field, true);
    if (problem) return problem;
  }
  for (const field of ['package_uuid', 'error'] as const) {
    const problem = checkString(obj, field, false);
    if (problem) return problem;
  }
  for (const field of ['duration_ms', 'rows_loaded', 'rows_exported'] as const) {
    if (!Object.hasOwn(obj, field)) return `missing field "${field}"`;
    const v = obj[field];
    if (typeof v !== 'number') return `field "${field}" is ${describeValue(v)}, expected an integer`;
    if (!Number.isInteger(v)) return `field "${field}" is ${v}, expected an integer`;
    if (!Number.isSafeInteger(v)) return `field "${field}" is ${v}, expected an integer within ±2^53`;
    if (v < 0) return `field "${field}" is ${v}, expected a non-negative integer`;
  }
  for (const key of Object.keys(obj)) {
    if (isKnownField(key)) continue;
    if (nestingDepth(obj[key]) > MAX_EXTRA_DEPTH) return `extra field "${truncate(key, 60)}" is nested deeper than ${MAX_EXTRA_DEPTH} levels`;
  }
  return obj as TdtpResult;
}

/**
 * The hot path of validateResult: true exactly when it would find no problem, for any value
 * JSON.parse made (whose own properties are never undefined). Named loads and one pass over the
 * keys instead of a hasOwn, a keyed load and a Set lookup per field (BENCHMARKS.md, rows 2r and 6r: what changed).
 */
function isWellFormed(obj: Record<string, unknown>): boolean {
  const r = obj as Partial<Record<(typeof KNOWN_FIELDS)[number], unknown>>;
  if (typeof r.pipeline_name !== 'string' || typeof r.result_name !== 'string' || typeof r.status !== 'string') return false;
  if (typeof r.started_at !== 'string' || typeof r.finished_at !== 'string') return false;
  if (!isCount(r.duration_ms) || !isCount(r.rows_loaded) || !isCount(r.rows_exported)) return false;
  const uuid = r.package_uuid;
  const error = r.error;
  if ((uuid !== undefined && typeof uuid !== 'string') || (error !== undefined && typeof error !== 'string')) return false;
  // Every known field found above must be an own one, and extras must not nest too deep. The
  // known fields with a value number 8 to 10; when as many of the own keys are known fields, those
  // are the same fields (an own key from JSON always has a value), so none was inherited.
  let known = 0;
  for (const key of Object.keys(obj)) {
    if (isKnownField(key)) known++;
    else if (nestingDepth(obj[key]) > MAX_EXTRA_DEPTH) return false;
  }
  return known === 8 + (uuid === undefined ? 0 : 1) + (error === undefined ? 0 : 1);
}

/** What validateResult accepts for duration_ms and the row counts: an integer in 0..2^53-1. */
function isCount(v: unknown): boolean {
  return typeof v === 'number' && Number.isSafeInteger(v) && v >= 0;
}

function checkString(obj: Record<string, unknown>, field: string, required: boolean): string | undefined {
  if (!Object.hasOwn(obj, field)) return required ? `missing field "${field}"` : undefined;
  const v = obj[field];
  if (typeof v !== 'string') return `field "${field}" is ${describeValue(v)}, expected a string`;
  return undefined;
}

/**
 * A value in a problem sentence: `the string "abc"`, `the number 5`, `an array`. Settings call a
 * string "text" (`stringNoun`), the wire contract calls it a string.
 */
export function describeValue(value: unknown, stringNoun: 'string' | 'text' = 'string'): string {
  if (value === undefined) return 'nothing';
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  switch (typeof value) {
    case 'string':
      return `the ${stringNoun} ${JSON.stringify(truncate(value, 40))}`;
    case 'number':
      return `the number ${value}`;
    case 'boolean':
      return `${value}`;
    case 'object':
      return 'an object';
    default:
      return typeof value;
  }
}

/** Iterative, so a hostile 100,000-deep value cannot overflow the stack. Stops counting early. */
function nestingDepth(value: unknown): number {
  if (value === null || typeof value !== 'object') return 0;
  let max = 0;
  const stack: Array<[unknown, number]> = [[value, 1]];
  while (stack.length) {
    const [v, depth] = stack.pop()!;
    if (depth > max) {
      max = depth;
      if (max > MAX_EXTRA_DEPTH) return max;
    }
    for (const child of Object.values(v as object)) {
      if (child !== null && typeof child === 'object') stack.push([child, depth + 1]);
    }
  }
  return max;
}

/**
 * The offset where the first ill-formed sequence starts (Unicode Table 3-7), i.e. the length of the
 * longest valid prefix. A linear scan: the earlier bisection assumed "is a valid prefix" was
 * monotonic and treated bytes such as F5..FF, E0 80, ED A0 (surrogates) and a sequence cut off at
 * the end as valid, so it named an offset past the real bad byte.
 */
function firstInvalidUtf8Offset(buf: Buffer): number {
  const n = buf.length;
  let i = 0;
  while (i < n) {
    const lead = buf[i];
    if (lead < 0x80) {
      i++;
      continue;
    }
    let continuation: number;
    let lo = 0x80;
    let hi = 0xbf;
    if (lead >= 0xc2 && lead <= 0xdf) continuation = 1;
    else if (lead >= 0xe0 && lead <= 0xef) {
      continuation = 2;
      if (lead === 0xe0) lo = 0xa0; // overlong
      if (lead === 0xed) hi = 0x9f; // surrogates
    } else if (lead >= 0xf0 && lead <= 0xf4) {
      continuation = 3;
      if (lead === 0xf0) lo = 0x90; // overlong
      if (lead === 0xf4) hi = 0x8f; // above U+10FFFF
    } else return i;
    if (i + continuation >= n) return i; // cut off by the end of the payload
    if (buf[i + 1] < lo || buf[i + 1] > hi) return i;
    for (let k = 2; k <= continuation; k++) if ((buf[i + k] & 0xc0) !== 0x80) return i;
    i += continuation + 1;
  }
  return n;
}

/** `receivedAt` defaults to now, read only here: an accepted run never needs it (the store stamps it). */
function reject(source: string, resultName: string | undefined, reason: string, payload: Buffer | string, receivedAt = Date.now()): DecodeOutcome {
  const bytes = typeof payload === 'string' ? Buffer.byteLength(payload, 'utf8') : payload.length;
  const head = typeof payload === 'string' ? payload.slice(0, RAW_PREVIEW_CHARS + 1) : payload.subarray(0, RAW_PREVIEW_CHARS * 4).toString('utf8');
  return {
    kind: 'rejected',
    rejected: { source: truncate(source, MAX_SOURCE_CHARS), resultName: resultName && truncate(resultName, MAX_RESULT_NAME_CHARS), reason, rawPreview: truncate(head, RAW_PREVIEW_CHARS), rawBytes: bytes, receivedAt },
  };
}

/** The fields that make a run's identity, in the order `runIdentity` joins them (the store compares them one by one). */
export const RUN_IDENTITY_FIELDS = ['pipeline_name', 'status', 'started_at', 'finished_at', 'duration_ms'] as const;

/** A stable identity of a run, used to recognise the same run arriving as event and as state: RUN_IDENTITY_FIELDS joined by U+0000. */
export function runIdentity(result: TdtpResult): string {
  let identity = String(result[RUN_IDENTITY_FIELDS[0]]);
  for (let i = 1; i < RUN_IDENTITY_FIELDS.length; i++) identity += `\u0000${result[RUN_IDENTITY_FIELDS[i]]}`;
  return identity;
}

/** Unknown fields of a result, in the order received. */
export function extraFields(result: TdtpResult): Array<[string, unknown]> {
  return Object.entries(result).filter(([k]) => !isKnownField(k));
}

function defineField(target: Record<string, unknown>, key: string, value: unknown): void {
  // defineProperty, so a "__proto__" key from the wire stays a plain field.
  Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });
}

/**
 * The run as the model keeps it: the error cut to `errorChars`, the other text fields to
 * MAX_FIELD_CHARS, and unknown extra fields dropped when they take more than MAX_EXTRA_CHARS. So
 * one run costs at most a few tens of kilobytes whatever the payload held (up to 1 MB). The same
 * run (not a copy) when nothing is over.
 */
export function boundRun(run: PipelineRun, errorChars: number): PipelineRun {
  const r = run.result;
  // The common case (nothing over, no extra field) allocates nothing: a journal's load makes 500,000.
  const extras = hasExtraFields(r) ? extraFields(r) : undefined;
  const extrasOver = extras !== undefined && JSON.stringify(Object.fromEntries(extras)).length > MAX_EXTRA_CHARS;
  if (!isLong(r.error, errorChars) && !anyFieldOver(r) && !extrasOver) return run;
  const bounded: Record<string, unknown> = {};
  for (const key of KNOWN_FIELDS) {
    if (!Object.hasOwn(r, key)) continue;
    const value = r[key];
    const max = key === 'error' ? errorChars : MAX_FIELD_CHARS;
    defineField(bounded, key, isLong(value, max) ? truncate(value as string, max) : value);
  }
  if (extras && !extrasOver) for (const [k, v] of extras) defineField(bounded, k, v);
  return new DecodedRun(bounded as TdtpResult, run.statusKind, run.resultName, run.resultNameMismatch);
}

const BOUNDED_FIELDS = ['pipeline_name', 'result_name', 'status', 'package_uuid'] as const;

function isLong(value: unknown, max: number): boolean {
  return typeof value === 'string' && value.length > max;
}

function anyFieldOver(result: TdtpResult): boolean {
  for (const field of BOUNDED_FIELDS) if (isLong(result[field], MAX_FIELD_CHARS)) return true;
  return false;
}

/**
 * Whether a result has a field of its own beyond KNOWN_FIELDS (for-in with hasOwn: no array per
 * call; the cheap `switch` first, hasOwn only for a name it does not know: ~100 ns less per run).
 */
function hasExtraFields(result: TdtpResult): boolean {
  for (const key in result) if (!isKnownField(key) && Object.hasOwn(result, key)) return true;
  return false;
}

/**
 * A validated run. A decoded one keeps the times its checks parsed (a history keeps only its latest
 * run whole: KeptRun packs the older ones from these, without parsing the texts again); one made
 * otherwise parses them on first use and keeps them from then on (null: not parsed yet).
 */
class DecodedRun implements PipelineRun {
  constructor(
    readonly result: TdtpResult,
    readonly statusKind: StatusKind,
    readonly resultName: string,
    readonly resultNameMismatch: boolean,
    private startedValue: GoTime | undefined | null = null,
    private finishedValue: GoTime | undefined | null = null,
  ) {}

  get startedAt(): GoTime | undefined {
    if (this.startedValue === null) this.startedValue = timeOf(this.result.started_at);
    return this.startedValue;
  }

  get finishedAt(): GoTime | undefined {
    if (this.finishedValue === null) this.finishedValue = timeOf(this.result.finished_at);
    return this.finishedValue;
  }
}

/** A validated run made from fields already checked (a history's compact copy, expanded again). */
export function decodedRun(result: TdtpResult, statusKind: StatusKind, resultName: string, resultNameMismatch: boolean): PipelineRun {
  return new DecodedRun(result, statusKind, resultName, resultNameMismatch);
}

function timeOf(text: string): GoTime | undefined {
  const parsed = parseGoTime(text);
  return parsed.ok ? parsed.time : undefined;
}
