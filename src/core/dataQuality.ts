import type { PipelineRun } from './decode';

/** Differences up to either bound are not reported. Both default to 0 (every difference counts). */
export interface DqTolerance {
  readonly absoluteRows: number;
  readonly percent: number;
}

export const STRICT_TOLERANCE: DqTolerance = { absoluteRows: 0, percent: 0 };

export type DqVerdict =
  /** Loaded and exported agree (or differ within the tolerance: `toleratedRows` says by how much). */
  | { readonly kind: 'ok'; readonly toleratedRows: number }
  /** The validator or a filter dropped rows: `rows_loaded > rows_exported`. */
  | { readonly kind: 'dropped'; readonly rows: number; readonly percent: number }
  /** More rows were written than read (a join or a duplicating transform). */
  | { readonly kind: 'extra'; readonly rows: number; readonly percent: number }
  /** A failed run exports nothing by design; counting its rows would be noise. */
  | { readonly kind: 'not-applicable' };

export function assessDataQuality(run: PipelineRun, tolerance: DqTolerance = STRICT_TOLERANCE): DqVerdict {
  if (run.statusKind === 'failed') return NOT_APPLICABLE;
  const { rows_loaded: loaded, rows_exported: exported } = run.result;
  const difference = loaded - exported;
  if (difference === 0) return OK;
  const rows = Math.abs(difference);
  // rows * 100 / loaded, not rows / loaded * 100: the latter gives 7.000000000000001 for 7 of 100.
  const percent = loaded === 0 ? 100 : (rows * 100) / loaded;
  // Compared in rows, with slack for floating-point rounding only, so a difference exactly at the
  // percent tolerance (7 rows of 100 at 7%) is within it.
  const withinPercent = loaded === 0 ? percent <= tolerance.percent : rows <= ((tolerance.percent * loaded) / 100) * (1 + 4 * Number.EPSILON);
  if (rows <= tolerance.absoluteRows || withinPercent) return { kind: 'ok', toleratedRows: rows };
  return difference > 0 ? { kind: 'dropped', rows, percent } : { kind: 'extra', rows, percent };
}

export function isDqWarning(verdict: DqVerdict): boolean {
  return verdict.kind === 'dropped' || verdict.kind === 'extra';
}

const OK: DqVerdict = { kind: 'ok', toleratedRows: 0 };
const NOT_APPLICABLE: DqVerdict = { kind: 'not-applicable' };

/** Validates a tolerance from settings; returns a problem sentence or undefined. */
export function checkTolerance(tolerance: DqTolerance): string | undefined {
  if (!Number.isFinite(tolerance.absoluteRows) || tolerance.absoluteRows < 0) return 'the absolute row tolerance must be a number ≥ 0';
  if (!Number.isFinite(tolerance.percent) || tolerance.percent < 0 || tolerance.percent > 100) return 'the percent tolerance must be between 0 and 100';
  return undefined;
}
