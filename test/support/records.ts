// A decoded RunRecord built from a few fields, for unit tests of what consumes records
// (action rules, export). It goes through the real decoder, so it is typed as in production.
import assert from 'node:assert/strict';
import { assessDataQuality } from '../../src/core/dataQuality';
import { decodePayload } from '../../src/core/decode';
import type { RunRecord, RunSource } from '../../src/core/runs';

export interface RecordSpec {
  resultName?: string;
  pipeline?: string;
  status?: string;
  loaded?: number;
  exported?: number;
  error?: string;
  packageUuid?: string;
  source?: RunSource;
  receivedAt?: number;
  /** RFC 3339 texts; defaults below. */
  startedAt?: string;
  finishedAt?: string;
  durationMs?: number;
}

/** finished_at carries nanoseconds and a zone offset, as Go writes it. */
export const RECORD_FINISHED_AT = '2025-11-18T10:00:02.123456789+03:00';

export function mkRecord(spec: RecordSpec = {}): RunRecord {
  const resultName = spec.resultName ?? 'MASK_V001';
  const event = {
    pipeline_name: spec.pipeline ?? 'erp_mask_sync',
    result_name: resultName,
    status: spec.status ?? 'success',
    ...(spec.packageUuid !== undefined ? { package_uuid: spec.packageUuid } : {}),
    started_at: spec.startedAt ?? '2025-11-18T10:00:00Z',
    finished_at: spec.finishedAt ?? RECORD_FINISHED_AT,
    duration_ms: spec.durationMs ?? 1842,
    rows_loaded: spec.loaded ?? 15000,
    rows_exported: spec.exported ?? spec.loaded ?? 15000,
    ...(spec.error !== undefined ? { error: spec.error } : {}),
  };
  const outcome = decodePayload(`tdtp:pipeline:${resultName}`, resultName, JSON.stringify(event), 0);
  if (outcome.kind !== 'run') assert.fail(JSON.stringify(outcome));
  return { kind: 'run', run: outcome.run, dq: assessDataQuality(outcome.run), source: spec.source ?? 'live', receivedAt: spec.receivedAt ?? Date.UTC(2025, 10, 18, 10, 0, 3, 45) };
}
