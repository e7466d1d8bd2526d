import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { GO_ZERO_TIME, GoTime, parseGoTime } from '../../src/core/goTime';

function parsed(text: string): GoTime | undefined {
  const result = parseGoTime(text);
  if (!result.ok) assert.fail(`${text}: ${result.reason}`);
  return result.time;
}

/** Go's RFC3339Nano: nine digits with trailing zeros trimmed (and no dot when all are zero). */
function goFraction(nanos: number): string {
  if (nanos === 0) return '';
  return `.${String(nanos).padStart(9, '0').replace(/0+$/, '')}`;
}

function goZone(offsetMinutes: number): string {
  if (offsetMinutes === 0) return 'Z';
  const abs = Math.abs(offsetMinutes);
  return `${offsetMinutes < 0 ? '-' : '+'}${String(Math.floor(abs / 60)).padStart(2, '0')}:${String(abs % 60).padStart(2, '0')}`;
}

describe('parseGoTime', () => {
  test('nanoseconds and a positive offset', () => {
    assert.deepEqual(parsed('2025-11-18T13:00:00.123456789+03:00'), {
      text: '2025-11-18T13:00:00.123456789+03:00',
      epochMs: Date.UTC(2025, 10, 18, 10, 0, 0, 123),
      subMsNanos: 456789,
      offsetMinutes: 180,
    });
  });

  test('fractions of every length, and negative offsets', () => {
    assert.equal(parsed('2025-11-18T10:00:00.1Z')?.epochMs, Date.UTC(2025, 10, 18, 10, 0, 0, 100));
    assert.deepEqual(parsed('2025-11-18T10:00:00.000001Z'), { text: '2025-11-18T10:00:00.000001Z', epochMs: Date.UTC(2025, 10, 18, 10), subMsNanos: 1000, offsetMinutes: 0 });
    assert.equal(parsed('2025-11-18T10:00:00.000000001Z')?.subMsNanos, 1);
    assert.deepEqual(parsed('2025-01-01T00:00:00-00:30'), { text: '2025-01-01T00:00:00-00:30', epochMs: Date.UTC(2025, 0, 1, 0, 30), subMsNanos: 0, offsetMinutes: -30 });
    assert.equal(parsed('2025-01-01T00:00:00+14:00')?.epochMs, Date.UTC(2024, 11, 31, 10));
    assert.ok(parsed('2025-01-01T00:00:00-00:00')?.offsetMinutes === 0); // -0 or 0
  });

  test('the Go zero time is undefined; times near it are not', () => {
    assert.equal(parsed(GO_ZERO_TIME), undefined);
    assert.equal(parsed('0001-01-01T00:00:00.000000001Z')?.subMsNanos, 1);
    assert.equal(parsed('0001-01-01T00:00:01Z')?.epochMs, new Date('0001-01-01T00:00:01Z').getTime());
    assert.equal(parsed('0001-01-01T03:00:00+03:00')?.epochMs, new Date('0001-01-01T00:00:00Z').getTime());
  });

  test('years before 100 are not mapped to 19xx (leap day of year 0 included)', () => {
    for (const text of ['0000-02-29T12:00:00Z', '0004-02-29T00:00:00Z', '0099-12-31T23:59:59Z', '0000-01-01T00:00:00Z', '9999-12-31T23:59:59Z']) {
      const time = parsed(text);
      assert.equal(time?.epochMs, new Date(text).getTime(), text);
      assert.equal(new Date(time!.epochMs).toISOString().slice(0, 19), text.slice(0, 19));
    }
  });

  test('any instant in years 1..9999 with any offset and nanoseconds parses exactly (property)', () => {
    const min = new Date('0001-01-02T00:00:00Z').getTime();
    const max = new Date('9999-12-30T00:00:00Z').getTime();
    fc.assert(
      fc.property(fc.integer({ min, max }), fc.integer({ min: 0, max: 999_999_999 }), fc.integer({ min: -(23 * 60 + 59), max: 23 * 60 + 59 }), (seconds, nanos, offset) => {
        const epochMs = Math.floor(seconds / 1000) * 1000 + Math.floor(nanos / 1_000_000);
        const local = new Date(Math.floor(seconds / 1000) * 1000 + offset * 60_000).toISOString().slice(0, 19);
        const text = `${local}${goFraction(nanos)}${goZone(offset)}`;
        assert.deepEqual(parsed(text), { text, epochMs, subMsNanos: nanos % 1_000_000, offsetMinutes: offset });
      }),
      { numRuns: 500 },
    );
  });

  test('every malformed or out-of-range time is rejected with a reason quoting it', () => {
    for (const text of ['2025-02-30T00:00:00Z', '2025-13-01T00:00:00Z', 'garbage', '2025-11-18T10:00:00.Z', '2025-11-18T10:00:00+3:00', '2025-11-18T10:00Z']) {
      const result = parseGoTime(text);
      assert.equal(result.ok, false, text);
      if (!result.ok) assert.ok(result.reason.includes(text), result.reason);
    }
  });

  test('the reason truncates a long text', () => {
    const result = parseGoTime('x'.repeat(500));
    assert.equal(result.ok, false);
    if (!result.ok) assert.ok(result.reason.length < 100, result.reason);
  });
});
