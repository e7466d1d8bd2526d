import type { DqVerdict } from './dataQuality';
import type { PipelineRun, StatusKind, TdtpResult } from './decode';
import { KNOWN_FIELDS, RUN_IDENTITY_FIELDS, decodedRun, isKnownField, runIdentity } from './decode';
import { twoDigits } from './format';
import type { GoTime } from './goTime';
import { GO_ZERO_TIME, parseGoTime } from './goTime';
import type { Ring } from './ring';
import type { GapMarker, RunRecord, RunSource } from './runs';

/**
 * A run of a history that is no longer the latest, in about a third of the memory of its
 * RunRecord (BENCHMARKS.md, row 5g). One
 * object instead of three (record, run, parsed JSON): the times as numbers when their text is what
 * Go writes for them (it is rebuilt exactly), repeated words (pipeline_name, status) shared, the
 * rare fields (error, package_uuid, extras) in one object only when present. `expand` gives back a
 * RunRecord equal to the one kept, field for field and in the same key order; a record this cannot
 * give back exactly (fields in another order, odd types) is kept as it is (`compactRun` says so).
 */
export class KeptRun {
  private constructor(
    /** RunSource, StatusKind, resultNameMismatch and the kind of verdict (FLAGS below). */
    private readonly flags: number,
    /** receivedAt as two small integers (a double would be a boxed number of its own). */
    private readonly receivedHigh: number,
    private readonly receivedLow: number,
    /** The finish instant as two small integers when both times are as Go writes them; else its text. */
    private readonly finished: number | string,
    private readonly finishedLow: number,
    /** Sub-millisecond nanoseconds and zone of the finish time (packTime). */
    private readonly finishedZone: number,
    /** The start instant minus the finish instant (a small integer), or the start's text. */
    private readonly started: number | string,
    private readonly startedZone: number,
    private readonly pipelineName: string,
    private readonly duration: number,
    private readonly loaded: number,
    private readonly exported: number,
    private readonly rare: RareFields | undefined,
  ) {}

  get kind(): 'kept' {
    return 'kept';
  }

  /**
   * A compact copy of `record`, or undefined when it cannot be given back exactly. Runs once per
   * event (the previous latest run is compacted), so no closure or array is made on the way.
   */
  static of(record: RunRecord): KeptRun | undefined {
    const r = record.run.result;
    const extras = extraKeysIfCanonical(r);
    if (extras === undefined) return undefined;
    const { pipeline_name: pipeline, status, started_at: startedText, finished_at: finishedText, duration_ms: duration, rows_loaded: loaded, rows_exported: exported } = r;
    if (typeof pipeline !== 'string' || typeof status !== 'string' || typeof startedText !== 'string' || typeof finishedText !== 'string') return undefined;
    if (!Number.isSafeInteger(duration) || !Number.isSafeInteger(loaded) || !Number.isSafeInteger(exported) || !Number.isSafeInteger(record.receivedAt)) return undefined;
    // Made only for a run that has one of them (most do not).
    let rare: RareFields | undefined;
    if (r.result_name !== record.run.resultName) (rare ??= {}).resultName = r.result_name;
    if (status !== KIND_STATUS[record.run.statusKind]) (rare ??= {}).status = status;
    if (Object.hasOwn(r, 'package_uuid')) (rare ??= {}).packageUuid = r.package_uuid;
    if (Object.hasOwn(r, 'error')) (rare ??= {}).error = r.error;
    if (extras !== NO_EXTRAS) (rare ??= {}).extras = extras.map((k) => [k, r[k]]);
    let verdict = verdictIndex(record.dq);
    if (verdict < 0) {
      verdict = VERDICTS.length;
      (rare ??= {}).dq = record.dq;
    }
    const fin = packRunTime(finishedText, record.run.finishedAt);
    const start = fin !== undefined ? packRunTime(startedText, record.run.startedAt) : undefined;
    const numeric = fin !== undefined && start !== undefined;
    const flags = SOURCES.indexOf(record.source) | (STATUS_KINDS.indexOf(record.run.statusKind) << 2) | (record.run.resultNameMismatch ? MISMATCH : 0) | (verdict << 5);
    return new KeptRun(
      flags,
      high(record.receivedAt),
      low(record.receivedAt),
      numeric ? high(fin.epochMs) : shared(finishedText),
      numeric ? low(fin.epochMs) : 0,
      numeric ? fin.zone : 0,
      numeric ? start.epochMs - fin.epochMs : shared(startedText),
      numeric ? start.zone : 0,
      shared(pipeline),
      duration,
      loaded,
      exported,
      rare,
    );
  }

  /** The RunRecord this was made from (a new object equal to it). */
  expand(resultName: string): RunRecord {
    const rare = this.rare;
    const has = (key: keyof RareFields) => rare !== undefined && Object.hasOwn(rare, key);
    const statusKind = STATUS_KINDS[(this.flags >> 2) & 3];
    const result: Record<string, unknown> = {};
    define(result, 'pipeline_name', this.pipelineName);
    define(result, 'result_name', has('resultName') ? rare!.resultName : resultName);
    define(result, 'status', has('status') ? rare!.status : KIND_STATUS[statusKind]);
    if (has('packageUuid')) define(result, 'package_uuid', rare!.packageUuid);
    define(result, 'started_at', this.startedText());
    define(result, 'finished_at', this.finishedText());
    define(result, 'duration_ms', this.duration);
    define(result, 'rows_loaded', this.loaded);
    define(result, 'rows_exported', this.exported);
    if (has('error')) define(result, 'error', rare!.error);
    if (rare?.extras) for (const [k, v] of rare.extras) define(result, k, v);
    const run: PipelineRun = decodedRun(result as TdtpResult, statusKind, resultName, (this.flags & MISMATCH) !== 0);
    const dq = rare?.dq ?? VERDICTS[this.flags >> 5];
    return { kind: 'run', run, dq, source: SOURCES[this.flags & 3], receivedAt: this.receivedHigh * SPLIT + this.receivedLow };
  }

  /** The value of one of the fields a run's identity is made of (see runIdentity), without expanding the rest. */
  identityField(field: 'started_at' | 'finished_at' | 'duration_ms' | 'status' | 'pipeline_name'): unknown {
    switch (field) {
      case 'started_at':
        return this.startedText();
      case 'finished_at':
        return this.finishedText();
      case 'duration_ms':
        return this.duration;
      case 'status':
        return this.rare && Object.hasOwn(this.rare, 'status') ? this.rare.status : KIND_STATUS[STATUS_KINDS[(this.flags >> 2) & 3]];
      case 'pipeline_name':
        return this.pipelineName;
    }
  }

  private finishedMs(): number {
    return (this.finished as number) * SPLIT + this.finishedLow;
  }

  private startedText(): string {
    return typeof this.started === 'string' ? this.started : goText(this.finishedMs() + this.started, this.startedZone);
  }

  private finishedText(): string {
    return typeof this.finished === 'string' ? this.finished : goText(this.finishedMs(), this.finishedZone);
  }
}

/** An instant as two small integers: high * SPLIT + low. */
const SPLIT = 2 ** 30;
const high = (ms: number) => Math.floor(ms / SPLIT);
const low = (ms: number) => ms - high(ms) * SPLIT;

/** Fields most runs do not have. */
interface RareFields {
  resultName?: unknown;
  /** The status text, when it is not the status kind's own word (an unknown status). */
  status?: unknown;
  packageUuid?: unknown;
  error?: unknown;
  extras?: Array<[string, unknown]>;
  /** A verdict other than VERDICTS'. */
  dq?: DqVerdict;
}

const SOURCES: readonly RunSource[] = ['live', 'loaded', 'recovered', 'polled'];
const STATUS_KINDS: readonly StatusKind[] = ['success', 'failed', 'completed_with_errors', 'unknown'];
const MISMATCH = 1 << 4;
/** The status text of each kind (what the framework writes); an unknown one is kept as its text. */
const KIND_STATUS: Record<StatusKind, string | undefined> = { success: 'success', failed: 'failed', completed_with_errors: 'completed_with_errors', unknown: undefined };
/** The verdicts of most runs, kept as their index: rows in = rows out, and a failed run's. */
const VERDICTS: readonly DqVerdict[] = [Object.freeze({ kind: 'ok', toleratedRows: 0 }), Object.freeze({ kind: 'not-applicable' })];
function sameVerdict(a: DqVerdict, b: DqVerdict): boolean {
  return a.kind === b.kind && (a.kind !== 'ok' || (b.kind === 'ok' && a.toleratedRows === b.toleratedRows));
}
/** The index of the first of VERDICTS equal to `dq`, or -1. */
function verdictIndex(dq: DqVerdict): number {
  for (let i = 0; i < VERDICTS.length; i++) if (sameVerdict(VERDICTS[i], dq)) return i;
  return -1;
}

const NO_EXTRAS: readonly string[] = Object.freeze([]);
/** KNOWN_FIELDS, read once (the loop below reads it per key). */
const FIELDS: readonly string[] = KNOWN_FIELDS;

/**
 * The keys after the known fields, when the known fields come first and in the framework's order
 * (what expand builds); undefined when they do not. One pass over the keys.
 */
function extraKeysIfCanonical(r: TdtpResult): readonly string[] | undefined {
  let next = 0;
  let extras: string[] | undefined;
  for (const key of Object.keys(r)) {
    if (extras === undefined) {
      let j = next;
      while (j < FIELDS.length && FIELDS[j] !== key) j++;
      if (j < FIELDS.length) {
        next = j + 1;
        continue;
      }
    }
    // Not among the known fields still to come: a known one out of order (or after an extra), or an extra.
    if (isKnownField(key)) return undefined;
    (extras ??= []).push(key);
  }
  return extras ?? NO_EXTRAS;
}

/**
 * A time text as its instant and a packed zone when Go writes exactly that text for the instant
 * (so goText gives it back), else undefined (then the text itself is kept). The zone packs the
 * sub-millisecond nanoseconds and the offset in quarter hours within a small integer.
 * Whether goText gives the text back is read off the text (isGoWritten) rather than by building
 * it: this runs for both times of every event; a test holds the two to each other.
 */
export function packTime(text: string): { epochMs: number; zone: number } | undefined {
  if (text === GO_ZERO_TIME) return undefined;
  const parsed = parseGoTime(text);
  return packParsed(text, parsed.ok ? parsed.time : undefined);
}

/** packTime(text), from the run's parsed time when it was parsed from this very text (decode keeps it). */
function packRunTime(text: string, time: GoTime | undefined): { epochMs: number; zone: number } | undefined {
  return time !== undefined && time.text === text ? packParsed(text, time) : packTime(text);
}

function packParsed(text: string, time: GoTime | undefined): { epochMs: number; zone: number } | undefined {
  if (!time || time.offsetMinutes % 15 !== 0 || Math.abs(time.offsetMinutes) > 24 * 60) return undefined;
  const zone = time.subMsNanos * 256 + (time.offsetMinutes / 15 + 128);
  return isGoWritten(text, time.offsetMinutes) ? { epochMs: time.epochMs, zone } : undefined;
}

/**
 * For a text parseGoTime accepted (so its date and clock fields are in range and the year has four
 * digits): whether it is exactly what goText writes for its instant and zone, i.e. an upper-case
 * T, a fraction without trailing zeros, and Z for a zero offset (+00:00 is not Go's).
 */
function isGoWritten(text: string, offsetMinutes: number): boolean {
  if (text.charCodeAt(10) !== 84) return false;
  const n = text.length;
  // Z (not z) ends a zero offset; any other offset is +hh:mm or -hh:mm, never one of zero.
  const zoneAt = text.charCodeAt(n - 1) === 90 ? n - 1 : offsetMinutes !== 0 ? n - 6 : -1;
  if (zoneAt < 0) return false;
  // A fraction (19 is its dot) must not end in 0; without one the zone follows the seconds.
  return zoneAt === 19 || (text.charCodeAt(19) === 46 && text.charCodeAt(zoneAt - 1) !== 48);
}

/** Go's RFC 3339 with nanoseconds (trailing zeros trimmed) for an instant and a packed zone. */
export function goText(epochMs: number, zone: number): string {
  const offsetMinutes = ((zone & 255) - 128) * 15;
  const subMsNanos = Math.floor(zone / 256);
  const local = new Date(epochMs + offsetMinutes * 60_000);
  const year = local.getUTCFullYear();
  if (year < 0 || year > 9999) return '';
  const nanos = String(local.getUTCMilliseconds() * 1_000_000 + subMsNanos).padStart(9, '0').replace(/0+$/, '');
  const base = `${String(year).padStart(4, '0')}-${twoDigits(local.getUTCMonth() + 1)}-${twoDigits(local.getUTCDate())}T${twoDigits(local.getUTCHours())}:${twoDigits(local.getUTCMinutes())}:${twoDigits(local.getUTCSeconds())}`;
  const zoneText = offsetMinutes === 0 ? 'Z' : `${offsetMinutes < 0 ? '-' : '+'}${twoDigits(Math.floor(Math.abs(offsetMinutes) / 60))}:${twoDigits(Math.abs(offsetMinutes) % 60)}`;
  return `${base}${nanos ? `.${nanos}` : ''}${zoneText}`;
}

/** Words many runs repeat, one copy each; bounded, so distinct junk cannot grow it without end. */
const words = new Map<string, string>();
const MAX_WORDS = 10_000;
function shared(text: string): string {
  const known = words.get(text);
  if (known !== undefined) return known;
  if (words.size < MAX_WORDS && text.length <= 256) words.set(text, text);
  return text;
}

function define(target: Record<string, unknown>, key: string, value: unknown): void {
  // defineProperty, so a "__proto__" key stays a plain field (as decode keeps it).
  Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });
}

/** What a history keeps: the latest run whole, older runs compact (KeptRun), gap markers. */
export type KeptItem = RunRecord | KeptRun | GapMarker;

/**
 * A predicate: does a history item hold the same run as `result` (equal `runIdentity`)? Compares the
 * identity's fields one by one instead of building an identity string per history item, which made
 * a reconcile after a reconnect cost one string concatenation per run kept (100 per pipeline).
 * When a field of `result` contains the identity's separator (U+0000) the strings are compared as
 * before, so the answer is always exactly `runIdentity(a) === runIdentity(b)`.
 */
/** The identity's fields, the cheapest to read and likeliest to differ first: a compact run's times are text made again when asked, and runs of one pipeline differ in duration_ms far more often than in pipeline_name. Every field must match, so the order changes no answer. */
export const CHEAP_FIRST = ['duration_ms', 'status', 'pipeline_name', 'finished_at', 'started_at'] as const satisfies ReadonlyArray<(typeof RUN_IDENTITY_FIELDS)[number]>;

/** Whether a field of the identity contains its separator (U+0000): then only whole identities compare. */
export function identityHasSeparator(result: TdtpResult): boolean {
  for (const field of RUN_IDENTITY_FIELDS) {
    const value: unknown = result[field];
    // A number's text never holds it (and most fields are strings): String() only for other values.
    if (typeof value === 'string' ? value.includes('\u0000') : typeof value !== 'number' && String(value).includes('\u0000')) return true;
  }
  return false;
}

/** `whole`: identityHasSeparator(result), when the caller knows it already. */
export function sameRunAs(result: TdtpResult, whole = identityHasSeparator(result)): (item: KeptItem) => boolean {
  if (whole) {
    const identity = runIdentity(result);
    return (item) => item.kind !== 'gap' && runIdentity((item.kind === 'kept' ? item.expand(result.result_name) : item).run.result) === identity;
  }
  return (item) => sameRunFields(result, item);
}

/** sameRunAs(result)(item) when no field of result's identity holds U+0000, without a closure. */
export function sameRunFields(result: TdtpResult, item: KeptItem): boolean {
  if (item.kind === 'gap') return false;
  for (const field of CHEAP_FIRST) {
    const a = result[field];
    // A compact run gives its fields one by one (its times are text made again only when asked).
    const b = item.kind === 'kept' ? item.identityField(field) : item.run.result[field];
    if (!sameIdentityValue(a, b)) return false;
  }
  return true;
}

/** Two values of one identity field, equal as runIdentity's template sees them (String()). */
export function sameIdentityValue(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  // 5 and "5", NaN and NaN, count as the same there. Two strings, or two numbers other than NaN,
  // that differ have different texts: no String() for them.
  const plain = typeof a === typeof b && (typeof a === 'string' || (typeof a === 'number' && !Number.isNaN(a) && !Number.isNaN(b)));
  return !plain && String(a) === String(b);
}

/**
 * After a run is pushed: the run before it (the previous latest, perhaps behind gap markers) is
 * kept compact from now on; the older ones already are.
 */
export function compactPrevious(history: Ring<KeptItem>): void {
  for (let i = 1; i < history.size; i++) {
    const item = history.at(i);
    if (item.kind === 'gap') continue;
    if (item.kind === 'run') {
      const kept = KeptRun.of(item);
      if (kept) history.set(i, kept);
    }
    return;
  }
}
