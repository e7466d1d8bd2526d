import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import type { GoTime } from '../../src/core/goTime';
import { GO_ZERO_TIME, goTimeEpochMs, parseGoTime } from '../../src/core/goTime';

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

/**
 * An independent model of the instant parseGoTime gives: the RFC 3339 regex, range checks and
 * Date (setUTCFullYear, so years below 100 stay as written); undefined for rejects and the zero time.
 */
function modelEpochMs(text: string): number | undefined {
  const m = /^(\d{4})-(\d{2})-(\d{2})[Tt](\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?(?:([Zz])|([+-])(\d{2}):(\d{2}))$/.exec(text);
  if (!m) return undefined;
  const [, y, mo, d, h, mi, s, frac, z, sign, oh, om] = m;
  const [year, month, day, hour, minute, second] = [y, mo, d, h, mi, s].map(Number);
  const leap = (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
  const days = [31, leap ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][month - 1];
  if (month < 1 || month > 12 || day < 1 || day > days || hour > 23 || minute > 59 || second > 59) return undefined;
  if (!z && (Number(oh) > 23 || Number(om) > 59)) return undefined;
  const offset = z ? 0 : (sign === '-' ? -1 : 1) * (Number(oh) * 60 + Number(om));
  const nanos = frac ? Number(frac.padEnd(9, '0')) : 0;
  if (year === 1 && month === 1 && day === 1 && hour === 0 && minute === 0 && second === 0 && nanos === 0 && offset === 0) return undefined;
  const date = new Date(0);
  date.setUTCFullYear(year, month - 1, day);
  date.setUTCHours(hour, minute, second, 0);
  return date.getTime() - offset * 60_000 + Math.floor(nanos / 1_000_000);
}

const pad = (value: number, width: number): string => String(value).padStart(width, '0');

/** Valid Go/RFC 3339 texts: any date of years 0..9999, fractions of 0..9 digits (trailing zeros too), any zone. */
const validText = fc
  .record({
    year: fc.oneof(fc.integer({ min: 0, max: 9999 }), fc.constantFrom(0, 1, 2, 99, 100, 1900, 1970, 2000, 2024, 9999)),
    month: fc.integer({ min: 1, max: 12 }),
    day: fc.integer({ min: 1, max: 31 }),
    hour: fc.integer({ min: 0, max: 23 }),
    minute: fc.integer({ min: 0, max: 59 }),
    second: fc.integer({ min: 0, max: 59 }),
    fraction: fc.option(fc.stringMatching(/^[0-9]{1,9}$/), { nil: undefined }),
    t: fc.constantFrom('T', 't'),
    zone: fc.oneof(
      fc.constantFrom('Z', 'z', '+00:00', '-00:00'),
      fc.tuple(fc.constantFrom('+', '-'), fc.integer({ min: 0, max: 23 }), fc.integer({ min: 0, max: 59 })).map(([sign, h, m]) => `${sign}${pad(h, 2)}:${pad(m, 2)}`),
    ),
  })
  .map(({ year, month, day, hour, minute, second, fraction, t, zone }) => {
    const leap = (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
    const clamped = Math.min(day, [31, leap ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][month - 1]);
    return `${pad(year, 4)}-${pad(month, 2)}-${pad(clamped, 2)}${t}${pad(hour, 2)}:${pad(minute, 2)}:${pad(second, 2)}${fraction === undefined ? '' : `.${fraction}`}${zone}`;
  });

/** Near misses of valid texts: a character replaced, inserted or removed, fields out of range, Go's monotonic suffix. */
const invalidText = fc.oneof(
  fc.tuple(validText, fc.nat(), fc.constantFrom(...'0123456789-:.TtZz+ x\u0660\uff10')).map(([text, at, c]) => {
    const i = at % text.length;
    return `${text.slice(0, i)}${c}${text.slice(i + 1)}`;
  }),
  fc.tuple(validText, fc.nat(), fc.constantFrom(...'0123456789-:.Z+ ')).map(([text, at, c]) => {
    const i = at % (text.length + 1);
    return `${text.slice(0, i)}${c}${text.slice(i)}`;
  }),
  fc.tuple(validText, fc.nat()).map(([text, at]) => {
    const i = at % text.length;
    return `${text.slice(0, i)}${text.slice(i + 1)}`;
  }),
  fc.tuple(validText, fc.constantFrom(' m=+0.000000001', ' m=-12.5', ' +0000 UTC', '\n', ' ', '0')).map(([text, tail]) => text + tail),
  fc.constantFrom(
    GO_ZERO_TIME, '0001-01-01T00:00:00.000Z', '0001-01-01T00:00:00+00:00', '0001-01-01T00:00:00-00:00', '0001-01-01T00:00:00.000000001Z', '0001-01-01T01:00:00+01:00',
    '2025-00-10T00:00:00Z', '2025-13-10T00:00:00Z', '2025-02-29T00:00:00Z', '2024-02-30T00:00:00Z', '2025-04-31T00:00:00Z', '2025-01-00T00:00:00Z',
    '2025-01-01T24:00:00Z', '2025-01-01T00:60:00Z', '2025-01-01T00:00:60Z', '2025-01-01T00:00:00+24:00', '2025-01-01T00:00:00+00:60',
    '2025-01-01T00:00:00.1234567890Z', '2025-01-01T00:00:00.Z', '2025-01-01T00:00:00', '2025-01-01 00:00:00Z', '', 'garbage',
  ),
  fc.string({ unit: 'binary', maxLength: 40 }),
);

describe('goTimeEpochMs', () => {
  test('agrees with parseGoTime and with a regex and Date model on valid and invalid texts (property)', () => {
    fc.assert(
      fc.property(fc.oneof(validText, invalidText), (text) => {
        const parsedTime = parseGoTime(text);
        const fromParse = parsedTime.ok ? parsedTime.time?.epochMs : undefined;
        const fast = goTimeEpochMs(text);
        assert.equal(fast, fromParse, text);
        assert.equal(fast, modelEpochMs(text), text);
      }),
      { numRuns: 5000 },
    );
  });

  test('examples: offsets, fractions, the zero time, rejects', () => {
    assert.equal(goTimeEpochMs('2025-11-18T13:00:00.123456789+03:00'), Date.UTC(2025, 10, 18, 10, 0, 0, 123));
    assert.equal(goTimeEpochMs('2025-11-18T10:00:00.5-01:30'), Date.UTC(2025, 10, 18, 11, 30, 0, 500));
    assert.equal(goTimeEpochMs('0001-01-01T01:00:00+01:00'), parsed('0001-01-01T01:00:00+01:00')?.epochMs);
    assert.equal(goTimeEpochMs(GO_ZERO_TIME), undefined);
    assert.equal(goTimeEpochMs('2025-02-29T00:00:00Z'), undefined);
    assert.equal(goTimeEpochMs('2025-11-18T10:00:00Z m=+0.000000001'), undefined);
  });
});
