import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { isUtf8 } from 'node:buffer';
import fc from 'fast-check';
import type { DecodeOutcome } from '../../src/core/decode';
import { MAX_PAYLOAD_BYTES, RAW_PREVIEW_CHARS, decodeMessage } from '../../src/core/decode';
import { encodeResult } from '../../src/core/encode';
import { KeySpace } from '../../src/core/keySpace';
import { GO_ZERO_TIME } from '../../src/core/goTime';

const KEYS = new KeySpace('tdtp:pipeline');
const CHANNEL = 'tdtp:pipeline:MASK_V001';
const NUM_RUNS = 300;

const VALID: Record<string, unknown> = {
  pipeline_name: 'erp_mask_sync',
  result_name: 'MASK_V001',
  status: 'success',
  started_at: '2025-11-18T10:00:00Z',
  finished_at: '2025-11-18T10:00:02Z',
  duration_ms: 1842,
  rows_loaded: 15000,
  rows_exported: 14998,
};
const STRING_FIELDS = ['pipeline_name', 'result_name', 'status', 'started_at', 'finished_at'];
const OPTIONAL_STRING_FIELDS = ['package_uuid', 'error'];
const INTEGER_FIELDS = ['duration_ms', 'rows_loaded', 'rows_exported'];
const STATUSES = new Set(['success', 'failed', 'completed_with_errors']);

function byteLength(payload: Buffer | string): number {
  return typeof payload === 'string' ? Buffer.byteLength(payload) : payload.length;
}

/**
 * Must be true of every outcome: rejected with a non-empty reason and a bounded preview, or
 * accepted with every known field of the right type and the derived fields consistent.
 */
function checkOutcome(outcome: DecodeOutcome, channel: string, payload: Buffer | string): void {
  const expectedName = KEYS.resultNameOfChannel(channel);
  if (channel.endsWith(':state')) {
    assert.equal(outcome.kind, 'ignored');
    return;
  }
  if (outcome.kind === 'ignored') assert.fail('only :state channels are ignored');
  if (outcome.kind === 'rejected') {
    const r = outcome.rejected;
    assert.equal(typeof r.reason, 'string');
    assert.ok(r.reason.trim().length > 0, 'the reason is not empty');
    assert.equal(r.source, channel);
    assert.equal(r.rawBytes, byteLength(payload));
    assert.ok(r.rawPreview.length <= RAW_PREVIEW_CHARS + 1, 'the preview is bounded');
    return;
  }
  const { run } = outcome;
  const result = run.result as Record<string, unknown>;
  for (const f of STRING_FIELDS) assert.equal(typeof result[f], 'string', f);
  for (const f of OPTIONAL_STRING_FIELDS) assert.ok(!Object.hasOwn(result, f) || typeof result[f] === 'string', f);
  for (const f of INTEGER_FIELDS) {
    const v = result[f];
    assert.ok(typeof v === 'number' && Number.isSafeInteger(v) && v >= 0, `${f} = ${String(v)}`);
  }
  assert.equal(run.statusKind, STATUSES.has(run.result.status) ? run.result.status : 'unknown');
  assert.equal(run.resultName, expectedName);
  assert.equal(run.resultNameMismatch, run.result.result_name !== expectedName);
  for (const [time, text] of [
    [run.startedAt, run.result.started_at],
    [run.finishedAt, run.result.finished_at],
  ] as const) {
    if (text === GO_ZERO_TIME) assert.equal(time, undefined);
    else {
      assert.ok(time, `${text} parsed`);
      assert.equal(time.text, text);
      assert.ok(Number.isFinite(time.epochMs));
      assert.ok(Number.isInteger(time.subMsNanos) && time.subMsNanos >= 0 && time.subMsNanos < 1_000_000);
    }
  }
  assert.equal(Object.getPrototypeOf(run.result), Object.prototype);
  // What is kept is what was sent: re-encoding loses nothing JSON itself can carry (numbers beyond
  // a double, e.g. 1e400, become null either way).
  const sent: unknown = JSON.parse(typeof payload === 'string' ? payload : payload.toString('utf8'));
  assert.deepEqual(JSON.parse(encodeResult(run.result)), JSON.parse(JSON.stringify(sent)));
}

function decodeAndCheck(payload: Buffer | string, channel = CHANNEL): DecodeOutcome {
  let outcome: DecodeOutcome | undefined;
  assert.doesNotThrow(() => {
    outcome = decodeMessage(KEYS, channel, payload, 0);
  });
  checkOutcome(outcome!, channel, payload);
  return outcome!;
}

/** Independent oracle: the first bad byte is where the longest valid UTF-8 prefix ends. */
function longestValidPrefix(buf: Buffer): number {
  for (let k = buf.length; k >= 0; k--) if (isUtf8(buf.subarray(0, k))) return k;
  return 0;
}

const wrongValue = fc.oneof(
  fc.jsonValue({ maxDepth: 3 }),
  fc.constantFrom(null, true, false, 0, -1, 1.5, 2 ** 53, -0, '', '0001-01-01T00:00:00Z', 'success', [], {}),
  fc.string({ unit: 'binary', maxLength: 40 }),
);

/** A valid event with some fields dropped, retyped or replaced, plus arbitrary extra fields. */
const mutatedEvent = fc
  .record({
    mutations: fc.dictionary(
      fc.constantFrom(...Object.keys(VALID), ...OPTIONAL_STRING_FIELDS),
      fc.oneof(
        fc.constant({ op: 'drop' as const }),
        wrongValue.map((value) => ({ op: 'replace' as const, value })),
        fc.string({ unit: 'binary', maxLength: 30 }).map((value) => ({ op: 'replace' as const, value })),
        fc.nat().map((value) => ({ op: 'replace' as const, value })),
      ),
      { maxKeys: 4 },
    ),
    extras: fc.dictionary(fc.string({ unit: 'binary', maxLength: 12 }), fc.jsonValue({ maxDepth: 4 }), { maxKeys: 4 }),
  })
  .map(({ mutations, extras }) => {
    const obj: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(VALID)) Object.defineProperty(obj, k, { value: v, enumerable: true, writable: true, configurable: true });
    for (const [k, m] of Object.entries(mutations)) {
      if (m.op === 'drop') delete obj[k];
      else Object.defineProperty(obj, k, { value: m.value, enumerable: true, writable: true, configurable: true });
    }
    for (const [k, v] of Object.entries(extras)) {
      if (!Object.hasOwn(obj, k)) Object.defineProperty(obj, k, { value: v, enumerable: true, writable: true, configurable: true });
    }
    return JSON.stringify(obj);
  });

describe('decodeMessage never throws (property-based)', () => {
  test('arbitrary bytes, including invalid UTF-8', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), (bytes) => {
        decodeAndCheck(Buffer.from(bytes));
      }),
      { numRuns: NUM_RUNS },
    );
  });

  test('a valid event with arbitrary bytes spliced in; invalid UTF-8 names the right offset', () => {
    fc.assert(
      fc.property(fc.nat(200), fc.uint8Array({ minLength: 1, maxLength: 8 }), (at, bytes) => {
        const base = Buffer.from(JSON.stringify({ ...VALID, pipeline_name: 'синхронизация' }));
        const pos = at % (base.length + 1);
        const buf = Buffer.concat([base.subarray(0, pos), Buffer.from(bytes), base.subarray(pos)]);
        const outcome = decodeAndCheck(buf);
        if (!isUtf8(buf)) {
          assert.equal(outcome.kind, 'rejected');
          if (outcome.kind === 'rejected') assert.ok(outcome.rejected.reason.endsWith(`offset ${longestValidPrefix(buf)})`), outcome.rejected.reason);
        }
      }),
      { numRuns: NUM_RUNS },
    );
  });

  test('the invalid UTF-8 offset matches an independent oracle for arbitrary bytes', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 1, maxLength: 64 }), (bytes) => {
        const buf = Buffer.from(bytes);
        fc.pre(!isUtf8(buf));
        const outcome = decodeMessage(KEYS, CHANNEL, buf, 0);
        assert.equal(outcome.kind, 'rejected');
        if (outcome.kind === 'rejected') assert.equal(outcome.rejected.reason, `payload is not valid UTF-8 (first bad byte at offset ${longestValidPrefix(buf)})`);
      }),
      { numRuns: NUM_RUNS },
    );
  });

  test('arbitrary JSON values', () => {
    fc.assert(
      fc.property(fc.jsonValue({ maxDepth: 5 }), fc.boolean(), (value, asBuffer) => {
        const text = JSON.stringify(value);
        decodeAndCheck(asBuffer ? Buffer.from(text) : text);
      }),
      { numRuns: NUM_RUNS },
    );
  });

  test('arbitrary strings (any code points, lone surrogates included)', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 200 }), (text) => {
        decodeAndCheck(text);
        decodeAndCheck(Buffer.from(text));
      }),
      { numRuns: NUM_RUNS },
    );
  });

  test('mutated valid events (fields dropped, retyped, replaced; extra fields added)', () => {
    fc.assert(
      fc.property(mutatedEvent, fc.boolean(), (text, asBuffer) => {
        decodeAndCheck(asBuffer ? Buffer.from(text) : text);
      }),
      { numRuns: NUM_RUNS },
    );
  });

  test('mutated valid events are accepted exactly when a plain field-by-field model finds no problem', () => {
    // The decoder checks the usual shape on a fast path and words problems on a slow one; both
    // must agree with this model (valid times are kept valid by the mutations' values: a
    // replaced time is a string that is not a time, so it is rejected by the time parser instead).
    const problemFree = (obj: Record<string, unknown>): boolean =>
      STRING_FIELDS.every((f) => Object.hasOwn(obj, f) && typeof obj[f] === 'string') &&
      OPTIONAL_STRING_FIELDS.every((f) => !Object.hasOwn(obj, f) || typeof obj[f] === 'string') &&
      INTEGER_FIELDS.every((f) => Object.hasOwn(obj, f) && typeof obj[f] === 'number' && Number.isSafeInteger(obj[f]) && (obj[f] as number) >= 0);
    const timesValid = (obj: Record<string, unknown>) => obj.started_at === VALID.started_at && obj.finished_at === VALID.finished_at;
    fc.assert(
      fc.property(mutatedEvent, (text) => {
        const obj = JSON.parse(text) as Record<string, unknown>;
        const outcome = decodeAndCheck(text);
        if (!timesValid(obj)) return;
        assert.equal(outcome.kind, problemFree(obj) ? 'run' : 'rejected', text);
      }),
      { numRuns: NUM_RUNS * 3 },
    );
  });

  test('a field inherited from a polluted Object.prototype does not stand in for a missing one', () => {
    const proto = Object.prototype as Record<string, unknown>;
    for (const field of [...STRING_FIELDS, ...INTEGER_FIELDS]) {
      const { [field]: value, ...rest } = VALID;
      // The same number of keys as a valid event: an extra field takes the missing one's place.
      const text = JSON.stringify({ ...rest, extra_field: 1 });
      proto[field] = value;
      try {
        const outcome = decodeAndCheck(text);
        assert.equal(outcome.kind, 'rejected', field);
        if (outcome.kind === 'rejected') assert.equal(outcome.rejected.reason, `missing field "${field}"`);
      } finally {
        delete proto[field];
      }
    }
  });

  test('one required field dropped or given a non-matching type is rejected naming that field', () => {
    fc.assert(
      fc.property(fc.constantFrom(...Object.keys(VALID)), fc.option(wrongValue, { nil: undefined }), (field, value) => {
        const isString = STRING_FIELDS.includes(field);
        if (value !== undefined) fc.pre(isString ? typeof value !== 'string' : !(typeof value === 'number' && Number.isSafeInteger(value) && value >= 0));
        const obj = { ...VALID };
        if (value === undefined) delete obj[field];
        else obj[field] = value;
        const outcome = decodeAndCheck(JSON.stringify(obj));
        assert.equal(outcome.kind, 'rejected');
        if (outcome.kind === 'rejected') assert.ok(outcome.rejected.reason.includes(`"${field}"`), outcome.rejected.reason);
      }),
      { numRuns: NUM_RUNS },
    );
  });

  test('valid events with arbitrary text in every string field are accepted and preserved', () => {
    fc.assert(
      fc.property(
        fc.string({ unit: 'binary', maxLength: 40 }),
        fc.string({ unit: 'binary', maxLength: 40 }),
        fc.string({ unit: 'binary', maxLength: 20 }),
        fc.option(fc.string({ unit: 'binary', maxLength: 200 }), { nil: undefined }),
        fc.nat(),
        fc.nat(),
        fc.nat(),
        (pipeline_name, result_name, status, error, duration_ms, rows_loaded, rows_exported) => {
          const event = { ...VALID, pipeline_name, result_name, status, duration_ms, rows_loaded, rows_exported, ...(error === undefined ? {} : { error }) };
          const text = JSON.stringify(event);
          const outcome = decodeAndCheck(Buffer.from(text));
          assert.equal(outcome.kind, 'run');
          if (outcome.kind === 'run') assert.deepEqual(outcome.run.result, JSON.parse(text));
        },
      ),
      { numRuns: NUM_RUNS },
    );
  });

  test('arbitrary channel names', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 30 }), fc.boolean(), (suffix, inPrefix) => {
        const channel = inPrefix ? `tdtp:pipeline:${suffix}` : suffix;
        decodeAndCheck(JSON.stringify(VALID), channel);
      }),
      { numRuns: NUM_RUNS },
    );
  });
});

describe('decodeMessage: hostile and unusual payloads', () => {
  test('a 10 MB payload is rejected as too large, quickly', () => {
    const big = `{"pipeline_name":"${'x'.repeat(10 * 1024 * 1024)}"}`;
    for (const payload of [big, Buffer.from(big)]) {
      const started = performance.now();
      const outcome = decodeAndCheck(payload);
      const elapsed = performance.now() - started;
      assert.equal(outcome.kind, 'rejected');
      if (outcome.kind === 'rejected') {
        assert.match(outcome.rejected.reason, new RegExp(`over the ${MAX_PAYLOAD_BYTES}-byte limit`));
        assert.equal(outcome.rejected.rawPreview.length, RAW_PREVIEW_CHARS + 1);
      }
      // Generous bound (a JSON.parse of 10 MB would also pass it on a fast machine; the reason proves it was not parsed).
      assert.ok(elapsed < 1000, `took ${elapsed} ms`);
    }
  });

  test('100,000-deep nesting as the whole payload does not throw', () => {
    const deep = `${'['.repeat(100_000)}${']'.repeat(100_000)}`;
    const outcome = decodeAndCheck(deep);
    assert.equal(outcome.kind, 'rejected');
    if (outcome.kind === 'rejected') assert.match(outcome.rejected.reason, /JSON array, not an object/);
    decodeAndCheck(Buffer.from(`${'{"a":'.repeat(100_000)}1${'}'.repeat(100_000)}`));
  });

  test('100,000-deep nesting inside an extra field is rejected naming it, without overflowing the stack', () => {
    for (const deep of [`${'['.repeat(100_000)}${']'.repeat(100_000)}`, `${'{"k":'.repeat(100_000)}null${'}'.repeat(100_000)}`]) {
      const text = `${JSON.stringify(VALID).slice(0, -1)},"payload_tree":${deep}}`;
      const outcome = decodeAndCheck(text);
      assert.equal(outcome.kind, 'rejected');
      if (outcome.kind === 'rejected') assert.match(outcome.rejected.reason, /extra field "payload_tree" is nested deeper than/);
    }
  });

  test('deep nesting in a known field is a type error', () => {
    const text = JSON.stringify(VALID).replace('"success"', `${'['.repeat(100_000)}${']'.repeat(100_000)}`);
    const outcome = decodeAndCheck(text);
    assert.equal(outcome.kind, 'rejected');
    if (outcome.kind === 'rejected') assert.match(outcome.rejected.reason, /field "status" is an array/);
  });

  test('huge numbers: rejected in known fields, kept in extra fields', () => {
    for (const raw of ['1e400', '18446744073709551616', '-1e400', '1e-400']) {
      const inKnown = JSON.stringify(VALID).replace('"rows_loaded":15000', `"rows_loaded":${raw}`);
      const known = decodeAndCheck(inKnown);
      if (raw === '1e-400') assert.equal(known.kind, 'run', '1e-400 parses as 0');
      else {
        assert.equal(known.kind, 'rejected');
        if (known.kind === 'rejected') assert.match(known.rejected.reason, /"rows_loaded"/);
      }
      const inExtra = decodeAndCheck(`${JSON.stringify(VALID).slice(0, -1)},"big":${raw}}`);
      assert.equal(inExtra.kind, 'run');
    }
  });

  test('__proto__ and constructor keys anywhere do not pollute prototypes', () => {
    const text = `{"__proto__":{"isAdmin":true},"constructor":{"prototype":{"isAdmin":true}},${JSON.stringify(VALID).slice(1, -1)},"nested":{"__proto__":{"isAdmin":true}}}`;
    const outcome = decodeAndCheck(text);
    assert.equal(outcome.kind, 'run');
    assert.equal(({} as Record<string, unknown>)['isAdmin'], undefined);
    if (outcome.kind === 'run') {
      assert.equal((outcome.run.result as Record<string, unknown>)['isAdmin'], undefined);
      assert.ok(Object.hasOwn(outcome.run.result, '__proto__'));
    }
  });

  test('control characters, right-to-left and Cyrillic text are accepted and preserved', () => {
    const event = {
      ...VALID,
      pipeline_name: 'синхронизация_ЕРП_Ёё',
      result_name: 'MASK_V001',
      status: 'failed',
      error: 'ошибка: \u0000\u0007\u001b[31mred\u001b[0m\r\n\u202eRLO تزامن البيانات\u2066isolate\u2069 עברית\t\u0085\u2028end',
      package_uuid: 'מזהה-\u200f-id',
    };
    for (const payload of [JSON.stringify(event), Buffer.from(JSON.stringify(event))]) {
      const outcome = decodeAndCheck(payload);
      assert.equal(outcome.kind, 'run');
      if (outcome.kind === 'run') {
        assert.equal(outcome.run.result.pipeline_name, event.pipeline_name);
        assert.equal(outcome.run.result.error, event.error);
        assert.equal(outcome.run.result.package_uuid, event.package_uuid);
      }
    }
  });

  test('channel names with spaces, colons and unicode', () => {
    for (const name of ['nightly sync', 'team:erp:MASK_V001', 'Выгрузка 1С', 'مزامنة', '🚀', ':', ' ']) {
      const outcome = decodeAndCheck(JSON.stringify({ ...VALID, result_name: name }), `tdtp:pipeline:${name}`);
      assert.equal(outcome.kind, 'run', name);
      if (outcome.kind === 'run') {
        assert.equal(outcome.run.resultName, name);
        assert.equal(outcome.run.resultNameMismatch, false);
      }
    }
  });
});
