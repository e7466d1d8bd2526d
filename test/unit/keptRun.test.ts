import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import type { TdtpResult } from '../../src/core/decode';
import { RUN_IDENTITY_FIELDS, decodePayload, runIdentity } from '../../src/core/decode';
import { CHEAP_FIRST, KeptRun, goText, packTime, sameRunAs } from '../../src/core/keptRun';
import { parseGoTime } from '../../src/core/goTime';
import { PipelineStore } from '../../src/core/store';
import type { RunRecord, RunSource } from '../../src/core/runs';

/** Everything a consumer can read of a record, times parsed included. */
function view(r: RunRecord): string {
  return JSON.stringify([r.kind, r.dq, r.source, r.receivedAt, Object.entries(r.run.result), r.run.statusKind, r.run.resultName, r.run.resultNameMismatch, r.run.startedAt, r.run.finishedAt]);
}

const two = (n: number) => String(n).padStart(2, '0');
/** Time texts as producers write them: Go's own form, and others (zeros kept, odd zones, the zero time). */
const timeText = fc.oneof(
  fc.record({ ms: fc.integer({ min: -62_000_000_000_000, max: 253_000_000_000_000 }), nanos: fc.integer({ min: 0, max: 999_999 }), zone: fc.integer({ min: -96, max: 96 }), raw: fc.boolean(), odd: fc.integer({ min: 0, max: 14 }) }).map(({ ms, nanos, zone, raw, odd }) => {
    const offset = zone * 15 + odd;
    const local = new Date(ms + offset * 60_000);
    const year = local.getUTCFullYear();
    if (year < 0 || year > 9999) return '2025-11-18T10:00:00Z';
    let frac = String(local.getUTCMilliseconds() * 1_000_000 + nanos).padStart(9, '0');
    if (!raw) frac = frac.replace(/0+$/, '');
    const z = offset === 0 ? 'Z' : `${offset < 0 ? '-' : '+'}${two(Math.floor(Math.abs(offset) / 60))}:${two(Math.abs(offset) % 60)}`;
    return `${String(year).padStart(4, '0')}-${two(local.getUTCMonth() + 1)}-${two(local.getUTCDate())}T${two(local.getUTCHours())}:${two(local.getUTCMinutes())}:${two(local.getUTCSeconds())}${frac ? `.${frac}` : ''}${z}`;
  }),
  fc.constantFrom('0001-01-01T00:00:00Z', '2025-11-18T10:00:00.000Z', '2025-11-18t10:00:00z', '2025-11-18T10:00:00+00:00'),
);

const payload = fc.record(
  {
    pipeline_name: fc.string(),
    result_name: fc.constantFrom('R', 'OTHER', '__proto__'),
    status: fc.constantFrom('success', 'failed', 'completed_with_errors', 'weird', ''),
    package_uuid: fc.string(),
    started_at: timeText,
    finished_at: timeText,
    duration_ms: fc.maxSafeNat(),
    rows_loaded: fc.maxSafeNat(),
    rows_exported: fc.nat(),
    error: fc.string(),
    extra: fc.jsonValue(),
  },
  { requiredKeys: ['pipeline_name', 'result_name', 'status', 'started_at', 'finished_at', 'duration_ms', 'rows_loaded', 'rows_exported'] },
);

describe('KeptRun: a history run kept compact', () => {
  test('packs a time exactly when Go writes that text for its instant (goText gives it back)', () => {
    // The model: parse, then build Go's text again and compare (what packTime did before it read the text).
    const model = (text: string) => {
      const parsed = parseGoTime(text);
      const time = parsed.ok ? parsed.time : undefined;
      if (!time || time.offsetMinutes % 15 !== 0 || Math.abs(time.offsetMinutes) > 24 * 60) return undefined;
      const zone = time.subMsNanos * 256 + (time.offsetMinutes / 15 + 128);
      return goText(time.epochMs, zone) === text ? { epochMs: time.epochMs, zone } : undefined;
    };
    const odd = fc.constantFrom('2025-11-18T10:00:00.1Z', '2025-11-18T10:00:00.10Z', '2025-11-18T10:00:00.Z', '2025-11-18T10:00:00.1234567890Z', '2025-11-18T10:00:00-00:00', '2025-11-18T10:00:00+14:00', '2025-11-18T10:00:00-23:45', '2025-11-18T10:00:00+23:59', '2025-11-18T10:00:00.5z', '2025-11-18t10:00:00.5+01:00', '0000-02-29T00:00:00Z', '9999-12-31T23:59:59.999999999-12:00', '2025-02-29T00:00:00Z', '0001-01-01T00:00:00.000Z', '2025-11-18T10:00:00.1+00:00', '2025-11-18 10:00:00Z', '');
    fc.assert(fc.property(fc.oneof(timeText, odd), (text) => assert.deepEqual(packTime(text), model(text))), { numRuns: 20_000 });
  });

  test('gives back a record equal to the one kept, field for field and in order, or declines', () => {
    fc.assert(
      fc.property(payload, fc.boolean(), fc.constantFrom<RunSource>('live', 'loaded', 'recovered', 'polled'), fc.integer({ min: 0, max: 2 ** 45 }), fc.integer({ min: 0, max: 3 }), (fields, shuffle, source, receivedAt, verdict) => {
        const entries = Object.entries(fields);
        if (shuffle) entries.reverse();
        const json = `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${JSON.stringify(v)}`).join(',')}}`;
        const outcome = decodePayload('tdtp:pipeline:R', 'R', json, 0);
        if (outcome.kind !== 'run') return;
        const dq = [{ kind: 'ok' as const, toleratedRows: 0 }, { kind: 'not-applicable' as const }, { kind: 'ok' as const, toleratedRows: 3 }, { kind: 'dropped' as const, rows: 2, percent: 50 }][verdict];
        const record: RunRecord = { kind: 'run', run: outcome.run, dq, source, receivedAt };
        const kept = KeptRun.of(record);
        if (kept) assert.equal(view(kept.expand('R')), view(record));
      }),
      { numRuns: 3000 },
    );
  });

  test('packs the time texts the result holds, not times parsed from other texts before', () => {
    const outcome = decodePayload('tdtp:pipeline:R', 'R', JSON.stringify({ pipeline_name: 'p', result_name: 'R', status: 'success', started_at: '2025-11-18T10:00:00Z', finished_at: '2025-11-18T10:00:01Z', duration_ms: 1, rows_loaded: 0, rows_exported: 0 }), 0);
    if (outcome.kind !== 'run') assert.fail('decodes');
    const result = outcome.run.result as unknown as Record<string, unknown>;
    result.started_at = '2025-11-18T12:00:00+03:00';
    result.finished_at = '2025-11-18T12:00:02.5+03:00';
    const kept = KeptRun.of({ kind: 'run', run: outcome.run, dq: { kind: 'ok', toleratedRows: 0 }, source: 'live', receivedAt: 0 });
    const back = kept?.expand('R').run.result;
    assert.equal(back?.started_at, '2025-11-18T12:00:00+03:00');
    assert.equal(back?.finished_at, '2025-11-18T12:00:02.5+03:00');
  });

  test('a store gives the history back as it was added, and still knows a run read again', () => {
    const store = new PipelineStore({ coalesceMs: 0, historySize: 10 });
    const added: RunRecord[] = [];
    for (let i = 0; i < 15; i++) {
      const json = JSON.stringify({ pipeline_name: 'p', result_name: 'R', status: i % 3 ? 'success' : 'failed', started_at: `2025-11-18T10:00:${two(i)}.5+03:00`, finished_at: `2025-11-18T10:01:${two(i)}.123456789+03:00`, duration_ms: i, rows_loaded: 5, rows_exported: i % 2 ? 5 : 4, error: i % 3 ? undefined : 'boom' });
      const outcome = decodePayload('tdtp:pipeline:R', 'R', json, 0);
      if (outcome.kind !== 'run') assert.fail(JSON.stringify(outcome));
      added.push(store.addRun(outcome.run, 'live', 1_765_000_000_000 + i)!);
      if (i === 12) store.addGap(1, 2, 'disconnected');
    }
    const history = store.history('R').filter((item) => item.kind === 'run');
    assert.deepEqual(history.map((r) => view(r as RunRecord)), added.slice(-9).reverse().map(view));
    assert.equal(store.history('R')[0], store.get('R')!.latest, 'the latest is the record itself');
    // A state read of an older run is a duplicate, not a new run.
    assert.equal(store.addRun(added[8].run, 'loaded'), undefined);
    assert.equal(store.get('R')!.runCount, 15);
  });
});

describe('sameRunAs', () => {
  test('compares every field of the run identity (in its own order)', () => {
    assert.deepEqual([...CHEAP_FIRST].sort(), [...RUN_IDENTITY_FIELDS].sort());
  });

  test('answers as the identities compare: by String() of each field (5 and "5", NaN and NaN the same)', () => {
    const base = { pipeline_name: 'p', result_name: 'A', status: 'success', started_at: '2025-11-18T10:00:00Z', finished_at: '2025-11-18T10:00:01Z', duration_ms: 5, rows_loaded: 1, rows_exported: 1 };
    const item = (duration: unknown, status: unknown = 'success') => ({ kind: 'run', run: { result: { ...base, duration_ms: duration, status } } }) as unknown as RunRecord;
    const cases: Array<[unknown, unknown, unknown, unknown]> = [
      [5, 5, 'success', 'success'],
      [5, '5', 'success', 'success'],
      [Number.NaN, Number.NaN, 'success', 'success'],
      [Number.NaN, 'NaN', 'success', 'success'],
      [5, 6, 'success', 'success'],
      [5, Number.NaN, 'success', 'success'],
      [0, -0, 'success', 'success'],
      [5, 5, 'success', 'failed'],
      [5, 5, 1, '1'],
      [5, 5, null, 'null'],
    ];
    for (const [a, b, sa, sb] of cases) {
      const result = { ...base, duration_ms: a, status: sa } as unknown as TdtpResult;
      const expected = runIdentity(result) === runIdentity(item(b, sb).run.result);
      assert.equal(sameRunAs(result)(item(b, sb)), expected, `${String(a)} ${String(b)} ${String(sa)} ${String(sb)}`);
    }
  });
});
