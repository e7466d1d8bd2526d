import type Redis from 'ioredis';
import type { TdtpResult } from './decode';
import type { KeySpace } from './keySpace';

/** Default state TTL of `result_log.ttl` in the framework. */
export const DEFAULT_TTL_SECONDS = 3600;

/**
 * Writes a result exactly as `tdtpcli` does: the JSON in Go's field order, `SET … EX ttl` first,
 * then `PUBLISH`, so a subscriber that reacts to the event can already read the state key.
 * Returns the number of subscribers that received the event.
 */
export async function publishResult(client: Redis, keys: KeySpace, result: TdtpResult, ttlSeconds = DEFAULT_TTL_SECONDS): Promise<number> {
  const json = encodeLikeGo(result);
  await client.set(keys.stateKey(result.result_name), json, 'EX', ttlSeconds);
  return client.publish(keys.channel(result.result_name), json);
}

/** Go `encoding/json` of PipelineResult: fixed field order, optional fields omitted when empty. */
export function encodeLikeGo(result: TdtpResult): string {
  const ordered = {
    pipeline_name: result.pipeline_name,
    result_name: result.result_name,
    status: result.status,
    ...(result.package_uuid ? { package_uuid: result.package_uuid } : {}),
    started_at: result.started_at,
    finished_at: result.finished_at,
    duration_ms: result.duration_ms,
    rows_loaded: result.rows_loaded,
    rows_exported: result.rows_exported,
    ...(result.error ? { error: result.error } : {}),
  };
  return JSON.stringify(ordered);
}

/** A Go-style RFC 3339 time for a JS date: UTC, milliseconds with trailing zeros trimmed. */
export function goTimeString(date: Date): string {
  return date.toISOString().replace(/\.?0+Z$/, 'Z').replace(/\.Z$/, 'Z');
}
