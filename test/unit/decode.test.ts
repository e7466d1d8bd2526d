import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { isUtf8 } from 'node:buffer';
import type { DecodeOutcome, PipelineRun, RejectedMessage } from '../../src/core/decode';
import { KNOWN_FIELDS, MAX_EXTRA_DEPTH, isKnownField, MAX_PAYLOAD_BYTES, RAW_PREVIEW_CHARS, decodeMessage, decodePayload, extraFields, runIdentity } from '../../src/core/decode';
import { encodeResult } from '../../src/core/encode';
import { KeySpace, escapeGlob } from '../../src/core/keySpace';

const KEYS = new KeySpace('tdtp:pipeline');
const CHANNEL = 'tdtp:pipeline:MASK_V001';
const RECEIVED_AT = 1_700_000_000_000;

/** The contract's own example (success). */
const EXAMPLE =
  '{"pipeline_name":"erp_mask_sync","result_name":"MASK_V001","status":"success","started_at":"2025-11-18T10:00:00Z","finished_at":"2025-11-18T10:00:02Z","duration_ms":1842,"rows_loaded":15000,"rows_exported":14998}';

function valid(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return { ...(JSON.parse(EXAMPLE) as Record<string, unknown>), ...overrides };
}

function without(field: string): Record<string, unknown> {
  const obj = valid();
  delete obj[field];
  return obj;
}

function decode(payload: Buffer | string | object, channel = CHANNEL): DecodeOutcome {
  const wire = typeof payload === 'string' || Buffer.isBuffer(payload) ? payload : JSON.stringify(payload);
  return decodeMessage(KEYS, channel, wire, RECEIVED_AT);
}

function runOf(outcome: DecodeOutcome): PipelineRun {
  if (outcome.kind !== 'run') assert.fail(`expected a run, got ${JSON.stringify(outcome)}`);
  return outcome.run;
}

function rejectedOf(outcome: DecodeOutcome): RejectedMessage {
  if (outcome.kind !== 'rejected') assert.fail(`expected a rejection, got ${outcome.kind}`);
  return outcome.rejected;
}

function reasonOf(payload: Buffer | string | object, channel = CHANNEL): string {
  return rejectedOf(decode(payload, channel)).reason;
}

describe('decode: the contract fields', () => {
  test('the contract example decodes with every field', () => {
    const run = runOf(decode(EXAMPLE));
    assert.deepEqual(run.result, JSON.parse(EXAMPLE));
    assert.equal(run.result.pipeline_name, 'erp_mask_sync');
    assert.equal(run.result.result_name, 'MASK_V001');
    assert.equal(run.result.status, 'success');
    assert.equal(run.result.duration_ms, 1842);
    assert.equal(run.result.rows_loaded, 15000);
    assert.equal(run.result.rows_exported, 14998);
    assert.equal(run.result.package_uuid, undefined);
    assert.equal(run.result.error, undefined);
    assert.equal(run.statusKind, 'success');
    assert.equal(run.resultName, 'MASK_V001');
    assert.equal(run.resultNameMismatch, false);
    assert.deepEqual(run.startedAt, { text: '2025-11-18T10:00:00Z', epochMs: Date.UTC(2025, 10, 18, 10, 0, 0), subMsNanos: 0, offsetMinutes: 0 });
    assert.deepEqual(run.finishedAt, { text: '2025-11-18T10:00:02Z', epochMs: Date.UTC(2025, 10, 18, 10, 0, 2), subMsNanos: 0, offsetMinutes: 0 });
  });

  test('failed with a multi-line error', () => {
    const error = 'source "erp": dial tcp 10.0.0.5:1433: connect: connection refused\ngoroutine 1 [running]:\nmain.main()';
    const run = runOf(decode(valid({ status: 'failed', error, rows_loaded: 0, rows_exported: 0 })));
    assert.equal(run.statusKind, 'failed');
    assert.equal(run.result.error, error);
  });

  test('completed_with_errors with package_uuid and error', () => {
    const run = runOf(decode(valid({ status: 'completed_with_errors', package_uuid: '7f1c2a9e-0000-4000-8000-000000000001', error: 'encryption service unavailable' })));
    assert.equal(run.statusKind, 'completed_with_errors');
    assert.equal(run.result.package_uuid, '7f1c2a9e-0000-4000-8000-000000000001');
    assert.equal(run.result.error, 'encryption service unavailable');
  });

  for (const status of ['cancelled', '', 'SUCCESS', 'Success ', 'running', '__proto__', 'constructor', 'успех']) {
    test(`unknown status ${JSON.stringify(status)} is kept as text with statusKind unknown`, () => {
      const run = runOf(decode(valid({ status })));
      assert.equal(run.statusKind, 'unknown');
      assert.equal(run.result.status, status);
    });
  }

  test('package_uuid and error are optional, and checked when present', () => {
    runOf(decode(without('package_uuid')));
    runOf(decode(without('error')));
    assert.match(reasonOf(valid({ package_uuid: 42 })), /"package_uuid" is the number 42, expected a string/);
    assert.match(reasonOf(valid({ error: null })), /"error" is null, expected a string/);
    assert.match(reasonOf(valid({ error: ['x'] })), /"error" is an array/);
  });

  test('a Go time with nanoseconds and a zone offset gives the right instant', () => {
    const run = runOf(decode(valid({ started_at: '2025-11-18T13:00:00.123456789+03:00', finished_at: '2025-11-18T05:30:00.5-04:30' })));
    assert.deepEqual(run.startedAt, {
      text: '2025-11-18T13:00:00.123456789+03:00',
      epochMs: Date.UTC(2025, 10, 18, 10, 0, 0, 123),
      subMsNanos: 456789,
      offsetMinutes: 180,
    });
    assert.deepEqual(run.finishedAt, { text: '2025-11-18T05:30:00.5-04:30', epochMs: Date.UTC(2025, 10, 18, 10, 0, 0, 500), subMsNanos: 0, offsetMinutes: -270 });
  });

  test('the Go zero time means "not known" (the run failed before it started)', () => {
    const run = runOf(decode(valid({ status: 'failed', error: 'config: no sources', started_at: '0001-01-01T00:00:00Z', finished_at: '0001-01-01T00:00:00Z' })));
    assert.equal(run.startedAt, undefined);
    assert.equal(run.finishedAt, undefined);
    assert.equal(run.result.started_at, '0001-01-01T00:00:00Z');
  });

  const badTimes: Array<[string, RegExp]> = [
    ['2025-02-30T10:00:00Z', /day 30 is out of range/],
    ['2025-13-01T10:00:00Z', /month 13 is out of range/],
    ['2025-00-10T10:00:00Z', /month 00 is out of range/],
    ['2023-02-29T10:00:00Z', /day 29 is out of range/],
    ['1900-02-29T10:00:00Z', /day 29 is out of range/],
    ['2025-04-31T10:00:00Z', /day 31 is out of range/],
    ['2025-11-18T24:00:00Z', /clock time is out of range/],
    ['2025-11-18T10:60:00Z', /clock time is out of range/],
    ['2025-11-18T10:00:60Z', /clock time is out of range/],
    ['2025-11-18T10:00:00+24:00', /zone offset is out of range/],
    ['2025-11-18T10:00:00+03:60', /zone offset is out of range/],
    ['2025-11-18T10:00:00', /not an RFC 3339 time/],
    ['2025-11-18 10:00:00Z', /not an RFC 3339 time/],
    ['2025-11-18T10:00:00.1234567890Z', /not an RFC 3339 time/],
    ['2025-11-18T10:00:00.Z', /not an RFC 3339 time/],
    ['2025-11-18T10:00:00+0300', /not an RFC 3339 time/],
    ['٢٠٢٥-11-18T10:00:00Z', /not an RFC 3339 time/],
    ['', /not an RFC 3339 time/],
  ];
  for (const [text, why] of badTimes) {
    test(`invalid time ${JSON.stringify(text)} is rejected naming the field`, () => {
      const started = reasonOf(valid({ started_at: text }));
      assert.match(started, /^started_at: /);
      assert.match(started, why);
      assert.match(reasonOf(valid({ finished_at: text })), /^finished_at: /);
    });
  }

  test('leap days that exist are accepted', () => {
    for (const text of ['2024-02-29T00:00:00Z', '2000-02-29T23:59:59.999999999Z']) {
      const run = runOf(decode(valid({ started_at: text })));
      assert.equal(run.startedAt?.text, text);
    }
  });
});

describe('decode: rejections name the field and the problem', () => {
  const utf8Cases: Array<[string, Buffer, number]> = [
    ['a lone continuation byte', Buffer.from([0x7b, 0x80, 0x7d]), 1],
    ['0xFF', Buffer.concat([Buffer.from('{"pipeline_name":"'), Buffer.from([0xff]), Buffer.from('"}')]), 18],
    ['0xF5 (above U+10FFFF lead)', Buffer.from([0x61, 0x62, 0xf5, 0x80, 0x80, 0x80]), 2],
    ['an overlong E0 80 80', Buffer.concat([Buffer.from('{"a":"'), Buffer.from([0xe0, 0x80, 0x80]), Buffer.from('"}')]), 6],
    ['an overlong C0 AF', Buffer.from([0x7b, 0xc0, 0xaf]), 1],
    ['a surrogate ED A0 80', Buffer.from([0x61, 0xed, 0xa0, 0x80]), 1],
    ['a code point above U+10FFFF F4 90 80 80', Buffer.from([0x61, 0xf4, 0x90, 0x80, 0x80]), 1],
    ['a sequence cut off at the end', Buffer.from([0x61, 0x62, 0xe2, 0x82]), 2],
    ['a lead byte followed by ASCII', Buffer.from([0xd0, 0x41]), 0],
    ['a bad byte after valid Cyrillic', Buffer.concat([Buffer.from('{"p":"Привет'), Buffer.from([0xc3, 0x28])]), Buffer.byteLength('{"p":"Привет')],
  ];
  for (const [name, buf, offset] of utf8Cases) {
    test(`invalid UTF-8 (${name}) names the offset of the first bad byte: ${offset}`, () => {
      assert.equal(isUtf8(buf), false);
      assert.equal(isUtf8(buf.subarray(0, offset)), true, 'the bytes before the offset are valid');
      const rejected = rejectedOf(decode(buf));
      assert.match(rejected.reason, /not valid UTF-8/);
      assert.match(rejected.reason, new RegExp(`offset ${offset}\\)`));
      assert.equal(rejected.rawBytes, buf.length);
      assert.ok(rejected.rawPreview.includes('\ufffd'), 'the preview shows replacement characters');
    });
  }

  for (const text of ['{', '{"pipeline_name":', 'abc', '', ' ', "{'a':1}", '{"a":1,}', 'NaN', '\ufeff{}']) {
    test(`not JSON: ${JSON.stringify(text)}`, () => {
      assert.match(reasonOf(text), /^payload is not JSON: /);
    });
  }

  const notObjects: Array<[string, RegExp]> = [
    ['[]', /JSON array, not an object/],
    [`[${EXAMPLE}]`, /JSON array, not an object/],
    ['42', /JSON the number 42, not an object/],
    ['-1.5e3', /number -1500, not an object/],
    ['null', /JSON null, not an object/],
    ['"success"', /JSON the string "success", not an object/],
    ['true', /JSON true, not an object/],
  ];
  for (const [text, why] of notObjects) {
    test(`JSON but not an object: ${text.slice(0, 20)}`, () => {
      assert.match(reasonOf(text), why);
    });
  }

  test('exactly MAX_PAYLOAD_BYTES is accepted, one more byte is rejected unparsed', () => {
    const base = EXAMPLE.slice(0, -1);
    const fill = (bytes: number) => `${base}${' '.repeat(bytes - Buffer.byteLength(base) - 1)}}`;
    const atLimit = fill(MAX_PAYLOAD_BYTES);
    assert.equal(Buffer.byteLength(atLimit), MAX_PAYLOAD_BYTES);
    runOf(decode(atLimit));
    runOf(decode(Buffer.from(atLimit)));
    const over = fill(MAX_PAYLOAD_BYTES + 1);
    assert.equal(reasonOf(over), `payload is ${MAX_PAYLOAD_BYTES + 1} bytes, over the ${MAX_PAYLOAD_BYTES}-byte limit`);
    assert.equal(reasonOf(Buffer.from(over)), `payload is ${MAX_PAYLOAD_BYTES + 1} bytes, over the ${MAX_PAYLOAD_BYTES}-byte limit`);
  });

  test('the size limit counts UTF-8 bytes, not UTF-16 characters, for string payloads', () => {
    // 'я' is 2 bytes: fewer characters than the limit, more bytes.
    const text = `{"x":"${'я'.repeat(MAX_PAYLOAD_BYTES / 2)}"}`;
    assert.ok(text.length < MAX_PAYLOAD_BYTES);
    assert.match(reasonOf(text), /over the \d+-byte limit/);
  });

  const wrongTypes: Array<[string, unknown, RegExp]> = [
    ['pipeline_name', 5, /field "pipeline_name" is the number 5, expected a string/],
    ['pipeline_name', null, /field "pipeline_name" is null, expected a string/],
    ['result_name', { a: 1 }, /field "result_name" is an object, expected a string/],
    ['status', true, /field "status" is true, expected a string/],
    ['status', ['success'], /field "status" is an array, expected a string/],
    ['package_uuid', false, /field "package_uuid" is false, expected a string/],
    ['started_at', 1763460000000, /field "started_at" is the number 1763460000000, expected a string/],
    ['finished_at', null, /field "finished_at" is null, expected a string/],
    ['duration_ms', '1842', /field "duration_ms" is the string "1842", expected an integer/],
    ['duration_ms', null, /field "duration_ms" is null, expected an integer/],
    ['rows_loaded', [1], /field "rows_loaded" is an array, expected an integer/],
    ['rows_exported', {}, /field "rows_exported" is an object, expected an integer/],
    ['rows_exported', false, /field "rows_exported" is false, expected an integer/],
    ['error', 1, /field "error" is the number 1, expected a string/],
  ];
  for (const [field, value, why] of wrongTypes) {
    test(`wrong type: ${field} = ${JSON.stringify(value)}`, () => {
      assert.match(reasonOf(valid({ [field]: value })), why);
    });
  }

  for (const field of ['pipeline_name', 'result_name', 'status', 'started_at', 'finished_at', 'duration_ms', 'rows_loaded', 'rows_exported']) {
    test(`missing required field ${field}`, () => {
      assert.equal(reasonOf(without(field)), `missing field "${field}"`);
    });
  }

  const badNumbers: Array<[string, string, RegExp]> = [
    ['duration_ms', '1.5', /field "duration_ms" is 1.5, expected an integer/],
    ['rows_loaded', '-1', /field "rows_loaded" is -1, expected a non-negative integer/],
    ['rows_exported', '9007199254740992', /field "rows_exported" is 9007199254740992, expected an integer within ±2\^53/],
    ['rows_loaded', '18446744073709551616', /field "rows_loaded" is 18446744073709552000, expected an integer within ±2\^53/],
    ['duration_ms', '1e400', /field "duration_ms" is Infinity, expected an integer/],
    ['duration_ms', '-1e400', /field "duration_ms" is -Infinity, expected an integer/],
    ['rows_exported', '-9007199254740991', /field "rows_exported" is -9007199254740991, expected a non-negative integer/],
  ];
  for (const [field, raw, why] of badNumbers) {
    test(`bad number: ${field} = ${raw}`, () => {
      const text = EXAMPLE.replace(new RegExp(`"${field}":\\d+`), `"${field}":${raw}`);
      assert.notEqual(text, EXAMPLE);
      assert.match(reasonOf(text), why);
    });
  }

  test('the largest safe integer, zero and 1.0 are accepted', () => {
    const run = runOf(decode(EXAMPLE.replace('"rows_loaded":15000', '"rows_loaded":9007199254740991').replace('"duration_ms":1842', '"duration_ms":0').replace('"rows_exported":14998', '"rows_exported":1.0')));
    assert.equal(run.result.rows_loaded, Number.MAX_SAFE_INTEGER);
    assert.equal(run.result.duration_ms, 0);
    assert.equal(run.result.rows_exported, 1);
  });

  test('a rejection records source, result_name, size and time', () => {
    const rejected = rejectedOf(decode('{"nope":1}', 'tdtp:pipeline:X'));
    assert.equal(rejected.source, 'tdtp:pipeline:X');
    assert.equal(rejected.resultName, 'X');
    assert.equal(rejected.rawPreview, '{"nope":1}');
    assert.equal(rejected.rawBytes, 10);
    assert.equal(rejected.receivedAt, RECEIVED_AT);
  });

  test('without a given time, a rejection is stamped when it is made', () => {
    const before = Date.now();
    const outcome = decodeMessage(new KeySpace('tdtp:pipeline'), 'tdtp:pipeline:X', '{"nope":1}');
    const after = Date.now();
    assert.equal(outcome.kind, 'rejected');
    if (outcome.kind !== 'rejected') return;
    assert.ok(outcome.rejected.receivedAt >= before && outcome.rejected.receivedAt <= after, String(outcome.rejected.receivedAt));
  });

  test('rawPreview is truncated to RAW_PREVIEW_CHARS (string and Buffer)', () => {
    const text = `{"pipeline_name":${'7'.repeat(5000)}`;
    for (const payload of [text, Buffer.from(text)]) {
      const rejected = rejectedOf(decode(payload));
      assert.equal(rejected.rawPreview, `${text.slice(0, RAW_PREVIEW_CHARS)}…`);
      assert.equal(rejected.rawBytes, text.length);
    }
    const cyrillic = `{"pipeline_name":"${'ж'.repeat(3000)}`;
    const rejected = rejectedOf(decode(Buffer.from(cyrillic)));
    assert.equal(rejected.rawPreview, `${cyrillic.slice(0, RAW_PREVIEW_CHARS)}…`);
    assert.equal(rejected.rawBytes, Buffer.byteLength(cyrillic));
  });

  test('an extra field nested deeper than MAX_EXTRA_DEPTH is rejected, at the limit accepted', () => {
    const nest = (depth: number) => `${'['.repeat(depth)}${']'.repeat(depth)}`;
    runOf(decode(`${EXAMPLE.slice(0, -1)},"deep":${nest(MAX_EXTRA_DEPTH)}}`));
    assert.equal(
      reasonOf(`${EXAMPLE.slice(0, -1)},"deep":${nest(MAX_EXTRA_DEPTH + 1)}}`),
      `extra field "deep" is nested deeper than ${MAX_EXTRA_DEPTH} levels`,
    );
  });
});

describe('decode: unknown fields, field order and prototype safety', () => {
  test('unknown extra fields are kept, in the order received', () => {
    const payload = `{"zeta":1,${EXAMPLE.slice(1, -1)},"alpha":{"nested":[1,"two",null]},"retries":3}`;
    const run = runOf(decode(payload));
    assert.deepEqual(extraFields(run.result), [
      ['zeta', 1],
      ['alpha', { nested: [1, 'two', null] }],
      ['retries', 3],
    ]);
    assert.equal(run.result['retries'], 3);
  });

  test('isKnownField names exactly KNOWN_FIELDS', () => {
    for (const field of KNOWN_FIELDS) assert.equal(isKnownField(field), true, field);
    for (const key of ['', 'Status', 'status ', 'errors', 'bench_sent_us', '__proto__', 'constructor', 'toString', 'hasOwnProperty', 'package_uuid\u0000']) {
      assert.equal(isKnownField(key), false, key);
    }
    // Built at run time, not internalised: the switch compares the text.
    assert.equal(isKnownField(['pipeline', 'name'].join('_')), true);
  });

  test('encodeResult writes Go field order, then extras in received order', () => {
    const shuffled = {
      extra_b: 'b',
      error: 'boom',
      rows_exported: 1,
      status: 'completed_with_errors',
      finished_at: '2025-11-18T10:00:02Z',
      extra_a: [1],
      package_uuid: 'u-1',
      duration_ms: 5,
      pipeline_name: 'p',
      rows_loaded: 2,
      started_at: '2025-11-18T10:00:00Z',
      result_name: 'MASK_V001',
    };
    const run = runOf(decode(shuffled));
    const encoded = encodeResult(run.result);
    assert.deepEqual(Object.keys(JSON.parse(encoded)), [...KNOWN_FIELDS, 'extra_b', 'extra_a']);
    assert.deepEqual(JSON.parse(encoded), shuffled);
    // The contract's example round-trips byte for byte.
    assert.equal(encodeResult(runOf(decode(EXAMPLE)).result), EXAMPLE);
  });

  test('a "__proto__" key stays a plain field and pollutes nothing', () => {
    const payload = `${EXAMPLE.slice(0, -1)},"__proto__":{"polluted":true,"status":"failed"},"constructor":{"prototype":{"polluted":true}}}`;
    const run = runOf(decode(payload));
    assert.equal(Object.getPrototypeOf(run.result), Object.prototype);
    assert.ok(Object.hasOwn(run.result, '__proto__'));
    assert.equal(run.result.status, 'success');
    assert.equal(run.statusKind, 'success');
    assert.equal(({} as Record<string, unknown>)['polluted'], undefined);
    assert.equal((Object.prototype as Record<string, unknown>)['polluted'], undefined);
    assert.deepEqual(extraFields(run.result), [
      ['__proto__', { polluted: true, status: 'failed' }],
      ['constructor', { prototype: { polluted: true } }],
    ]);
    const encoded = encodeResult(run.result);
    assert.ok(encoded.includes('"__proto__":{"polluted":true,"status":"failed"}'), encoded);
    const reparsed = JSON.parse(encoded) as Record<string, unknown>;
    assert.ok(Object.hasOwn(reparsed, '__proto__'));
    assert.equal(({} as Record<string, unknown>)['polluted'], undefined);
  });

  test('a "__proto__" key cannot stand in for a missing required field', () => {
    const obj = without('status');
    const text = `${JSON.stringify(obj).slice(0, -1)},"__proto__":{"status":"success"}}`;
    assert.equal(reasonOf(text), 'missing field "status"');
  });
});

describe('decode: channels', () => {
  test('channels ending in ":state" are ignored, whatever the payload', () => {
    assert.deepEqual(decode(EXAMPLE, 'tdtp:pipeline:MASK_V001:state'), { kind: 'ignored' });
    assert.deepEqual(decode(Buffer.from([0xff, 0xfe]), 'tdtp:pipeline:X:state'), { kind: 'ignored' });
  });

  test('a payload result_name different from the channel is flagged and keyed by the channel', () => {
    const run = runOf(decode(valid({ result_name: 'OTHER' }), 'tdtp:pipeline:MASK_V001'));
    assert.equal(run.resultName, 'MASK_V001');
    assert.equal(run.resultNameMismatch, true);
    assert.equal(run.result.result_name, 'OTHER');
  });

  test('a channel without a result_name is rejected', () => {
    const empty = rejectedOf(decode(EXAMPLE, 'tdtp:pipeline:'));
    assert.match(empty.reason, /carries no result_name/);
    assert.equal(empty.resultName, undefined);
    assert.equal(empty.source, 'tdtp:pipeline:');
    const outside = rejectedOf(decode(EXAMPLE, 'other:MASK_V001'));
    assert.match(outside.reason, /carries no result_name after "tdtp:pipeline:"/);
    assert.equal(outside.resultName, undefined);
    assert.match(rejectedOf(decode(EXAMPLE, 'tdtp:pipelineX')).reason, /carries no result_name/);
  });

  for (const name of ['my pipeline', 'a:b:c', 'Ünïcødé_名前_синк', 'with\ttab', ' lead', 'state:x', '*?[]']) {
    test(`channel result_name ${JSON.stringify(name)} is taken verbatim`, () => {
      const run = runOf(decode(valid({ result_name: name }), `tdtp:pipeline:${name}`));
      assert.equal(run.resultName, name);
      assert.equal(run.resultNameMismatch, false);
    });
  }

  test('decodePayload (state keys) keys the run by the given result_name', () => {
    const outcome = decodePayload('tdtp:pipeline:MASK_V001:state', 'MASK_V001', Buffer.from(EXAMPLE), RECEIVED_AT);
    assert.equal(runOf(outcome).resultName, 'MASK_V001');
    const rejected = rejectedOf(decodePayload('tdtp:pipeline:K:state', 'K', 'oops', RECEIVED_AT));
    assert.equal(rejected.source, 'tdtp:pipeline:K:state');
    assert.equal(rejected.resultName, 'K');
  });
});

describe('KeySpace', () => {
  test('the default prefix', () => {
    const keys = new KeySpace('tdtp:pipeline');
    assert.equal(keys.channelPattern, 'tdtp:pipeline:*');
    assert.equal(keys.stateKeyPattern, 'tdtp:pipeline:*:state');
    assert.equal(keys.channel('MASK_V001'), 'tdtp:pipeline:MASK_V001');
    assert.equal(keys.stateKey('MASK_V001'), 'tdtp:pipeline:MASK_V001:state');
    assert.equal(keys.resultNameOfChannel('tdtp:pipeline:a:b'), 'a:b');
    assert.equal(keys.resultNameOfChannel('tdtp:other:a'), undefined);
    assert.equal(keys.resultNameOfStateKey('tdtp:pipeline:MASK_V001:state'), 'MASK_V001');
    assert.equal(keys.resultNameOfStateKey('tdtp:pipeline:a:b:state'), 'a:b');
    assert.equal(keys.resultNameOfStateKey('tdtp:pipeline:MASK_V001'), undefined);
    assert.equal(keys.resultNameOfStateKey('x:MASK_V001:state'), undefined);
  });

  test('patterns escape glob characters in the prefix; names are not escaped', () => {
    const keys = new KeySpace('te*st?[a-z]\\x');
    assert.equal(keys.channelPattern, 'te\\*st\\?\\[a-z\\]\\\\x:*');
    assert.equal(keys.stateKeyPattern, 'te\\*st\\?\\[a-z\\]\\\\x:*:state');
    assert.equal(keys.channel('R'), 'te*st?[a-z]\\x:R');
    assert.equal(keys.stateKey('R'), 'te*st?[a-z]\\x:R:state');
    assert.equal(keys.resultNameOfChannel('te*st?[a-z]\\x:R'), 'R');
    assert.equal(keys.resultNameOfChannel('test?[a-z]\\x:R'), undefined);
    assert.equal(escapeGlob('plain:prefix'), 'plain:prefix');
  });
});

describe('runIdentity', () => {
  test('is equal for the same run and differs when any identifying field differs', () => {
    const a = runOf(decode(EXAMPLE)).result;
    assert.equal(runIdentity(a), runIdentity(runOf(decode(EXAMPLE)).result));
    for (const change of [{ pipeline_name: 'x' }, { status: 'failed' }, { started_at: '2025-11-18T10:00:01Z' }, { finished_at: '2025-11-18T10:00:03Z' }, { duration_ms: 1 }]) {
      assert.notEqual(runIdentity(runOf(decode(valid(change))).result), runIdentity(a), JSON.stringify(change));
    }
  });
});
