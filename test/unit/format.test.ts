import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { describeDq, durationParts, firstLine, ageOf, formatDuration, formatPercent, statusLabel } from '../../src/core/format';
import type { PipelineRun } from '../../src/core/decode';
import { decodePayload } from '../../src/core/decode';

describe('formatDuration', () => {
  test('seconds with two decimals, like the reference worker', () => {
    assert.equal(formatDuration(1842), '1.84s');
    assert.equal(formatDuration(0), '0.00s');
    assert.equal(formatDuration(5), '0.01s');
    assert.equal(formatDuration(999), '1.00s');
    assert.equal(formatDuration(12_345), '12.35s');
    assert.equal(formatDuration(59_994), '59.99s');
  });

  test('never prints "60.00s": it becomes minutes', () => {
    assert.equal(formatDuration(59_995), '1m 00s');
    assert.equal(formatDuration(59_999), '1m 00s');
    assert.equal(formatDuration(60_000), '1m 00s');
  });

  test('minutes and seconds, then hours and minutes', () => {
    assert.equal(formatDuration(61_000), '1m 01s');
    assert.equal(formatDuration(125_400), '2m 05s');
    assert.equal(formatDuration(3_599_000), '59m 59s');
    assert.equal(formatDuration(3_599_600), '1h 00m');
    assert.equal(formatDuration(3_600_000), '1h 00m');
    assert.equal(formatDuration(5_400_000), '1h 30m');
    assert.equal(formatDuration(90_061_000), '25h 01m');
  });

  test('seconds below a minute always print as N.NNs (property)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 59_994 }), (ms) => {
        const text = formatDuration(ms);
        assert.match(text, /^\d{1,2}\.\d\ds$/);
        assert.ok(Math.abs(Number(text.slice(0, -1)) - ms / 1000) <= 0.005 + 1e-9);
      }),
      { numRuns: 300 },
    );
  });
});

describe('durationParts', () => {
  test('seconds with hundredths under a minute, then minutes and seconds, then hours and minutes', () => {
    assert.deepEqual(durationParts(1842), { unit: 's', seconds: 1.84 });
    assert.deepEqual(durationParts(59_994), { unit: 's', seconds: 59.99 });
    assert.deepEqual(durationParts(59_995), { unit: 'm', minutes: 1, seconds: 0 });
    assert.deepEqual(durationParts(3_725_000), { unit: 'h', hours: 1, minutes: 2 });
  });
});

describe('ageOf', () => {
  test('coarse ages', () => {
    assert.deepEqual(ageOf(0, 10_000), { unit: 'now' });
    assert.deepEqual(ageOf(10_000, 0), { unit: 'now' });
    assert.deepEqual(ageOf(0, 3 * 60_000), { unit: 'min', value: 3 });
    assert.deepEqual(ageOf(0, 2 * 3_600_000), { unit: 'h', value: 2 });
    assert.deepEqual(ageOf(0, 3 * 86_400_000), { unit: 'd', value: 3 });
  });
});

describe('formatPercent and describeDq', () => {
  test('formatPercent', () => {
    assert.equal(formatPercent(0), '0%');
    assert.equal(formatPercent((2 * 100) / 15000), '0.013%');
    assert.equal(formatPercent(2.5), '2.5%');
    assert.equal(formatPercent(25), '25%');
    assert.equal(formatPercent(99.99), '>99%');
    assert.equal(formatPercent(100), '100%');
    assert.equal(formatPercent(300), '300%');
  });

  test('dropped rows, as the reference worker words it', () => {
    assert.equal(describeDq({ kind: 'dropped', rows: 2, percent: (2 * 100) / 15000 }), '2 rows dropped by validator/filter (0.013% of loaded)');
    assert.equal(describeDq({ kind: 'dropped', rows: 1, percent: 50 }), '1 row dropped by validator/filter (50% of loaded)');
    assert.equal(describeDq({ kind: 'dropped', rows: 9999, percent: 99.99 }), '9999 rows dropped by validator/filter (>99% of loaded)');
  });

  test('extra rows', () => {
    assert.equal(describeDq({ kind: 'extra', rows: 50, percent: 50 }), '50 more rows exported than loaded (+50%)');
    assert.equal(describeDq({ kind: 'extra', rows: 1, percent: 1 }), '1 more row exported than loaded (+1.0%)');
  });

  test('nothing to say for ok and not-applicable', () => {
    assert.equal(describeDq({ kind: 'ok', toleratedRows: 0 }), undefined);
    assert.equal(describeDq({ kind: 'ok', toleratedRows: 3 }), undefined);
    assert.equal(describeDq({ kind: 'not-applicable' }), undefined);
  });

});

describe('firstLine', () => {
  test('the first line, trimmed, of LF and CRLF text', () => {
    assert.equal(firstLine('encryption service unavailable\ngoroutine 1 [running]:'), 'encryption service unavailable');
    assert.equal(firstLine('  dial tcp: refused \r\nmore'), 'dial tcp: refused');
    assert.equal(firstLine('single'), 'single');
  });

  test('undefined and empty give an empty string', () => {
    assert.equal(firstLine(undefined), '');
    assert.equal(firstLine(''), '');
  });

  test('a long line is cut at max with an ellipsis', () => {
    assert.equal(firstLine('x'.repeat(300)), `${'x'.repeat(200)}…`);
    assert.equal(firstLine('abcdef', 3), 'abc…');
    assert.equal(firstLine('abc', 3), 'abc');
  });
});

describe('statusLabel', () => {
  function runWith(status: string): PipelineRun {
    const outcome = decodePayload(
      't',
      'R',
      JSON.stringify({ pipeline_name: 'p', result_name: 'R', status, started_at: '2025-11-18T10:00:00Z', finished_at: '2025-11-18T10:00:02Z', duration_ms: 1, rows_loaded: 1, rows_exported: 1 }),
      0,
    );
    if (outcome.kind !== 'run') assert.fail('not a run');
    return outcome.run;
  }

  test('known statuses as is, others quoted as unknown', () => {
    assert.equal(statusLabel(runWith('success')), 'success');
    assert.equal(statusLabel(runWith('completed_with_errors')), 'completed_with_errors');
    assert.equal(statusLabel(runWith('paused')), 'unknown status "paused"');
  });
});
