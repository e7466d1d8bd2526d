import { runIdentity } from '../decode';
import { RunRecord } from '../store';

/**
 * The stream entry ID of a run: `<finished_at in ms>-<32-bit FNV-1a hash of its identity>`. Every
 * recorder computes the same ID for the same run, and Redis accepts an XADD only with an ID above
 * the stream's newest, so a run is written once however many recorders see it. A run that never
 * started (Go's zero finished_at) falls back to when it was received.
 */
export function streamIdOf(record: Pick<RunRecord, 'run' | 'receivedAt'>): string {
  const finished = record.run.finishedAt?.epochMs;
  const ms = finished !== undefined && finished > 0 ? Math.floor(finished) : Math.max(record.receivedAt, 1);
  return `${ms}-${fnv1a32(runIdentity(record.run.result))}`;
}

/** The milliseconds part of a stream entry ID. */
export function streamIdTime(id: string): number {
  return Number(id.slice(0, id.indexOf('-')));
}

function fnv1a32(text: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  return hash >>> 0;
}
