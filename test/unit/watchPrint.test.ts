import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { durationParts, formatDuration, plural, pluralForm } from '../../src/core/format';

// tdtp-watch words a duration and a count per event: the fast paths in format.ts must give the
// text the general ones give (every front end shares them).

describe("tdtp-watch's per-event words", () => {
  test('plural is pluralForm with English rules, for whole numbers and others', () => {
    const n = fc.oneof(fc.integer({ min: -3, max: 3 }), fc.integer(), fc.double(), fc.constantFrom(-0, 1e21, -1e21, Number.MAX_SAFE_INTEGER, 1.5, NaN, Infinity));
    fc.assert(fc.property(n, (value) => assert.equal(plural(value, 'row'), pluralForm(value, 'row|rows', 'en'))), { numRuns: 5000 });
  });

  test('formatDuration says what durationParts splits', () => {
    const two = (v: number) => String(v).padStart(2, '0');
    const viaParts = (ms: number) => {
      const d = durationParts(ms);
      return d.unit === 's' ? `${d.seconds.toFixed(2)}s` : d.unit === 'm' ? `${d.minutes}m ${two(d.seconds)}s` : `${d.hours}h ${two(d.minutes)}m`;
    };
    const ms = fc.oneof(fc.integer({ min: 0, max: 200_000_000 }), fc.integer({ min: 59_990, max: 60_010 }), fc.integer({ min: 3_599_000, max: 3_600_600 }), fc.double({ noNaN: true }), fc.constantFrom(NaN, -0, -5, 1e21));
    fc.assert(fc.property(ms, (value) => assert.equal(formatDuration(value), viaParts(value))), { numRuns: 5000 });
  });
});
