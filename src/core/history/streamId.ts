import { isBeyondSkew } from '../clock';
import type { RunRecord } from '../runs';

/** Runs whose time cannot be trusted take their ID's time from when they arrived, to this step. */
const RECEIVED_STEP_MS = 1000;

/**
 * The stream entry ID of a run: `<time in ms>-<32-bit FNV-1a hash of the run>`. Every recorder
 * computes the same ID for the same run, and Redis accepts an XADD only with an ID above the
 * stream's newest, so a run is written once however many recorders see it (and after a restart).
 *
 * The time is the run's `finished_at` when it is its own: set and not beyond the clock-skew
 * allowance (core/clock.ts) of when the run arrived. Otherwise — Go's zero time for a run that
 * never started, or a claim such as year 9999, which as an ID would push every later run of the
 * stream onto the "late" path — it is the second the run arrived in: recorders side by side receive
 * it within milliseconds and agree. Such a run's hash also takes its error (a zero time's identity
 * is the same for every run that never started). The run itself keeps the time it claims.
 */
export function streamIdOf(record: Pick<RunRecord, 'run' | 'receivedAt'>): string {
  return `${streamIdMsOf(record)}-${runHash(record)}`;
}

/** The milliseconds part of streamIdOf (its sequence part is runHash), without making the ID's text. */
export function streamIdMsOf(record: Pick<RunRecord, 'run' | 'receivedAt'>): number {
  return hasOwnTime(record) ? Math.floor(record.run.finishedAt?.epochMs as number) : arrivalSecond(record.receivedAt);
}

/** Whether a run's ID time is its own `finished_at` (so a reader can compute the ID the recorder wrote). */
export function hasOwnTime(record: Pick<RunRecord, 'run' | 'receivedAt'>): boolean {
  const finished = record.run.finishedAt?.epochMs;
  return finished !== undefined && finished > 0 && !isBeyondSkew(finished, arrivalSecond(record.receivedAt));
}

function arrivalSecond(receivedAt: number): number {
  return Math.max(Math.floor(receivedAt / RECEIVED_STEP_MS) * RECEIVED_STEP_MS, 1);
}

/** The sequence part of a run's stream ID: the same for the same run, whoever computes it. */
export function runHash(record: Pick<RunRecord, 'run'>): number {
  const result = record.run.result;
  const finished = record.run.finishedAt?.epochMs;
  // FNV-1a of runIdentity (fields joined by U+0000), fed field by field: no joined string per run.
  let hash = fnv1a32(String(result.pipeline_name), FNV_OFFSET);
  hash = fnv1a32(String(result.status), separator(hash));
  hash = fnv1a32(String(result.started_at), separator(hash));
  hash = fnv1a32(String(result.finished_at), separator(hash));
  hash = fnv1a32(String(result.duration_ms), separator(hash));
  if (finished === undefined || finished <= 0) hash = fnv1a32(String(result.error ?? ''), separator(hash));
  return hash >>> 0;
}

/** The milliseconds part of a stream entry ID. */
export function streamIdTime(id: string): number {
  return Number(id.slice(0, id.indexOf('-')));
}

/** The sequence part of a stream entry ID. */
export function streamIdSeq(id: string): number {
  return Number(id.slice(id.indexOf('-') + 1));
}

/** As a signed 32-bit value: the hash stays a small integer throughout (the unsigned one is a double). */
const FNV_OFFSET = 0x811c9dc5 | 0;
const FNV_PRIME = 0x01000193;

/** FNV-1a over `text`'s UTF-16 code units, continuing from `hash` (a 32-bit value, signed or not). */
function fnv1a32(text: string, hash: number): number {
  for (let i = 0; i < text.length; i++) hash = Math.imul(hash ^ text.charCodeAt(i), FNV_PRIME);
  return hash;
}

/** The identity's separator, U+0000, fed in: its code unit is 0, so only the multiplication. */
function separator(hash: number): number {
  return Math.imul(hash, FNV_PRIME);
}
