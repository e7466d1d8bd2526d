// The one builder of TDTP results for the tests: a success by default, each field overridable.
// Suites state only what their runs differ in (see vscode-pull-request-github's src/test/builders).
import { decodePayload } from '../../src/core/decode';
import type { PipelineRun, TdtpResult } from '../../src/core/decode';
import { goTimeString } from '../../src/core/publish';

const DEFAULT_DURATION_MS = 1842;
let runCounter = 0;

/** The next of a row of whole-second instants on a fixed day: every call is a run of its own. */
function nextFixedInstant(): Date {
  runCounter++;
  return new Date(Date.UTC(2025, 10, 18, 10, 0, 0) + runCounter * 1000);
}

/**
 * A result as tdtpcli writes it. It finishes at `finishedAt` (by default a distinct instant on a
 * fixed day; pass `new Date()` for a run that happens now) and started `duration_ms` before.
 */
export function buildResult(resultName: string, overrides: Partial<TdtpResult> = {}, finishedAt: Date = nextFixedInstant()): TdtpResult {
  const durationMs = overrides.duration_ms ?? DEFAULT_DURATION_MS;
  return {
    pipeline_name: `${resultName.toLowerCase()}_pipeline`,
    result_name: resultName,
    status: 'success',
    started_at: goTimeString(new Date(finishedAt.getTime() - durationMs)),
    finished_at: goTimeString(finishedAt),
    duration_ms: durationMs,
    rows_loaded: 15000,
    rows_exported: 15000,
    ...overrides,
  };
}

/** A failed run: nothing exported, and the error it reports. */
export function buildFailedResult(resultName: string, error: string, overrides: Partial<TdtpResult> = {}, finishedAt?: Date): TdtpResult {
  return buildResult(resultName, { status: 'failed', rows_exported: 0, error, ...overrides }, finishedAt);
}

/** The run the core decodes from a built result, as if read from its state key. */
export function buildRun(resultName: string, overrides: Partial<TdtpResult> = {}, finishedAt?: Date, receivedAt = 0): PipelineRun {
  const outcome = decodePayload(`tdtp:pipeline:${resultName}:state`, resultName, JSON.stringify(buildResult(resultName, overrides, finishedAt)), receivedAt);
  if (outcome.kind !== 'run') throw new Error(`a built result does not decode: ${JSON.stringify(outcome)}`);
  return outcome.run;
}
