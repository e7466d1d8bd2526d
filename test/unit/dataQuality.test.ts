import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import type { DqTolerance } from '../../src/core/dataQuality';
import { STRICT_TOLERANCE, assessDataQuality, checkTolerance, isDqWarning } from '../../src/core/dataQuality';
import type { PipelineRun } from '../../src/core/decode';
import { decodePayload } from '../../src/core/decode';

function run(rows_loaded: number, rows_exported: number, status = 'success'): PipelineRun {
  const event = {
    pipeline_name: 'p',
    result_name: 'R',
    status,
    started_at: '2025-11-18T10:00:00Z',
    finished_at: '2025-11-18T10:00:02Z',
    duration_ms: 1842,
    rows_loaded,
    rows_exported,
    ...(status === 'success' ? {} : { error: 'boom' }),
  };
  const outcome = decodePayload('test', 'R', JSON.stringify(event), 0);
  if (outcome.kind !== 'run') assert.fail(JSON.stringify(outcome));
  return outcome.run;
}

const tol = (absoluteRows: number, percent: number): DqTolerance => ({ absoluteRows, percent });

describe('assessDataQuality', () => {
  test('equal counts are ok', () => {
    assert.deepEqual(assessDataQuality(run(15000, 15000)), { kind: 'ok', toleratedRows: 0 });
    assert.deepEqual(assessDataQuality(run(0, 0)), { kind: 'ok', toleratedRows: 0 });
  });

  test('dropped rows, with rows and percent of loaded', () => {
    assert.deepEqual(assessDataQuality(run(15000, 14998)), { kind: 'dropped', rows: 2, percent: (2 * 100) / 15000 });
    assert.deepEqual(assessDataQuality(run(200, 150)), { kind: 'dropped', rows: 50, percent: 25 });
    assert.deepEqual(assessDataQuality(run(10, 0)), { kind: 'dropped', rows: 10, percent: 100 });
  });

  test('extra rows (more exported than loaded)', () => {
    assert.deepEqual(assessDataQuality(run(100, 150)), { kind: 'extra', rows: 50, percent: 50 });
    assert.deepEqual(assessDataQuality(run(100, 400)), { kind: 'extra', rows: 300, percent: 300 });
  });

  test('loaded 0 with rows exported is extra, 100%', () => {
    assert.deepEqual(assessDataQuality(run(0, 5)), { kind: 'extra', rows: 5, percent: 100 });
    assert.deepEqual(assessDataQuality(run(0, 5), tol(5, 0)), { kind: 'ok', toleratedRows: 5 });
  });

  test('percent is exact for whole percentages (7 of 100 is 7%, not 7.000000000000001%)', () => {
    assert.deepEqual(assessDataQuality(run(100, 93)), { kind: 'dropped', rows: 7, percent: 7 });
    assert.deepEqual(assessDataQuality(run(1000, 1070)), { kind: 'extra', rows: 70, percent: 7 });
  });

  test('a failed run is not applicable, whatever its counts', () => {
    assert.deepEqual(assessDataQuality(run(100, 0, 'failed')), { kind: 'not-applicable' });
    assert.deepEqual(assessDataQuality(run(100, 100, 'failed')), { kind: 'not-applicable' });
  });

  test('completed_with_errors and unknown statuses are still assessed', () => {
    assert.equal(assessDataQuality(run(100, 90, 'completed_with_errors')).kind, 'dropped');
    assert.equal(assessDataQuality(run(100, 90, 'weird')).kind, 'dropped');
  });

  test('absolute tolerance: exactly at the bound is ok, one more row is not', () => {
    assert.deepEqual(assessDataQuality(run(15000, 14998), tol(2, 0)), { kind: 'ok', toleratedRows: 2 });
    assert.equal(assessDataQuality(run(15000, 14997), tol(2, 0)).kind, 'dropped');
    assert.deepEqual(assessDataQuality(run(100, 102), tol(2, 0)), { kind: 'ok', toleratedRows: 2 });
    assert.equal(assessDataQuality(run(100, 103), tol(2, 0)).kind, 'extra');
  });

  test('percent tolerance: exactly at the bound is ok, above it is not', () => {
    assert.deepEqual(assessDataQuality(run(100, 93), tol(0, 7)), { kind: 'ok', toleratedRows: 7 });
    assert.equal(assessDataQuality(run(100, 92), tol(0, 7)).kind, 'dropped');
    assert.deepEqual(assessDataQuality(run(1000, 999), tol(0, 0.1)), { kind: 'ok', toleratedRows: 1 });
    assert.equal(assessDataQuality(run(1000, 998), tol(0, 0.1)).kind, 'dropped');
    assert.deepEqual(assessDataQuality(run(1000, 1333), tol(0, 33.3)), { kind: 'ok', toleratedRows: 333 });
    assert.equal(assessDataQuality(run(1000, 1334), tol(0, 33.3)).kind, 'extra');
    assert.deepEqual(assessDataQuality(run(10, 0), tol(0, 100)), { kind: 'ok', toleratedRows: 10 });
  });

  test('either tolerance suffices', () => {
    assert.equal(assessDataQuality(run(10, 5), tol(5, 1)).kind, 'ok');
    assert.equal(assessDataQuality(run(1_000_000, 990_000), tol(5, 1)).kind, 'ok');
    assert.equal(assessDataQuality(run(1_000_000, 989_999), tol(5, 1)).kind, 'dropped');
  });

  test('at the percent bound is ok, one row past it is not (property)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 100_000_000 }), fc.integer({ min: 0, max: 10_000 }), fc.boolean(), (hundreds, basisPoints, extra) => {
        // loaded is a multiple of 10,000 so the bound p% of loaded is a whole number of rows.
        const loaded = hundreds * 10_000;
        const percent = basisPoints / 100;
        const atBound = (loaded * basisPoints) / 10_000;
        const exported = (rows: number) => (extra ? loaded + rows : loaded - rows);
        assert.equal(assessDataQuality(run(loaded, exported(atBound)), tol(0, percent)).kind, 'ok');
        if (!extra && atBound === loaded) return;
        assert.equal(assessDataQuality(run(loaded, exported(atBound + 1)), tol(0, percent)).kind, extra ? 'extra' : 'dropped');
      }),
      { numRuns: 500 },
    );
  });

  test('the default tolerance is strict', () => {
    assert.deepEqual(STRICT_TOLERANCE, { absoluteRows: 0, percent: 0 });
    assert.equal(assessDataQuality(run(Number.MAX_SAFE_INTEGER, Number.MAX_SAFE_INTEGER - 1)).kind, 'dropped');
  });
});

describe('isDqWarning', () => {
  test('only dropped and extra are warnings', () => {
    assert.equal(isDqWarning({ kind: 'dropped', rows: 1, percent: 1 }), true);
    assert.equal(isDqWarning({ kind: 'extra', rows: 1, percent: 1 }), true);
    assert.equal(isDqWarning({ kind: 'ok', toleratedRows: 3 }), false);
    assert.equal(isDqWarning({ kind: 'not-applicable' }), false);
  });
});

describe('checkTolerance', () => {
  test('accepts the valid range including its bounds', () => {
    for (const t of [tol(0, 0), tol(10, 5.5), tol(0, 100), tol(1e9, 0)]) assert.equal(checkTolerance(t), undefined, JSON.stringify(t));
  });

  test('rejects negative, non-finite and over-100% values, naming which', () => {
    for (const t of [tol(-1, 0), tol(NaN, 0), tol(Infinity, 0)]) assert.match(checkTolerance(t) ?? '', /absolute row tolerance/, JSON.stringify(t));
    for (const t of [tol(0, -0.1), tol(0, 100.5), tol(0, NaN), tol(0, Infinity)]) assert.match(checkTolerance(t) ?? '', /percent tolerance/, JSON.stringify(t));
    assert.match(checkTolerance({ absoluteRows: '5', percent: 0 } as unknown as DqTolerance) ?? '', /absolute row tolerance/);
  });
});
