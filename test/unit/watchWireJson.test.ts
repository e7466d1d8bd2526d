import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { decodePayload } from '../../src/core/decode';
import { assessDataQuality } from '../../src/core/dataQuality';
import { KeySpace } from '../../src/core/keySpace';
import type { RunSource } from '../../src/core/runs';
import { LeanStore } from '../../src/cli/leanStore';
import type { Output } from '../../src/cli/watchPrint';
import { printRun, stdout } from '../../src/cli/watchPrint';
import { isStringifyForm } from '../../src/cli/wireJson';

// tdtp-watch --json writes a payload's own bytes as `event` when isStringifyForm says they are
// what JSON.stringify would write: the line must be the one it wrote before, byte for byte.

/** JSON texts written by hand, so that forms JSON.stringify never writes come up too. */
const SAMPLE_STRINGS = ['', 'a', 'выгрузка_заказов_7', '✓ → ⚠', 'tab\\tnew\\nline', 'q\\"q', 'back\\\\slash', 'sl\\/ash', '\\u0041', '\\u0416', '\\u001f', '\\u2028', '\\ud83d\\ude00', '\\ud800', '\\b\\f\\r', '😀', '\u2028raw', '<&>'];
const stringText = fc.array(fc.constantFrom(...SAMPLE_STRINGS), { maxLength: 4 }).map((parts) => `"${parts.join('')}"`);
const numberText = fc.oneof(
  fc.integer().map(String),
  fc.constantFrom('0', '-0', '1e3', '1.0', '1.5', '-7', '123456789012345', '1234567890123456', '12345678901234567890', '1E2', '0.1', '-0.0', '9007199254740993'),
);
const keyText = fc.constantFrom('"pipeline_name"', '"a"', '"b"', '"0"', '"12"', '"__proto__"', '"k\\u0041"', '"ключ"', '""', '"x y"', '"a"');
const ws = fc.constantFrom('', '', '', ' ', '\n');
const valueText: fc.Arbitrary<string> = fc.letrec<{ value: string }>((tie) => ({
  value: fc.oneof(
    { weight: 5, arbitrary: stringText },
    { weight: 4, arbitrary: numberText },
    { weight: 1, arbitrary: fc.constantFrom('true', 'false', 'null') },
    { weight: 1, arbitrary: fc.array(tie('value'), { maxLength: 2 }).map((a) => `[${a.join(',')}]`) },
    { weight: 1, arbitrary: fc.array(fc.tuple(keyText, tie('value')), { maxLength: 2 }).map((m) => `{${m.map(([k, v]) => `${k}:${v}`).join(',')}}`) },
  ),
})).value;
const objectText = fc.tuple(fc.array(fc.tuple(keyText, valueText, ws), { maxLength: 7 }), ws).map(([members, pad]) => `${pad}{${members.map(([k, v, w]) => `${k}:${w}${v}`).join(',')}}`);

/** A valid TDTP payload, as a text with the same hand-written forms in its fields and extras. */
const payloadText = fc
  .record({
    pipeline: stringText,
    status: fc.constantFrom('"success"', '"failed"', '"completed_with_errors"', '"weird"', '"s\\u0075ccess"'),
    duration: fc.constantFrom('1500', '0', '1.0', '1e3', '-0', '123456789012345'),
    rows: fc.constantFrom('100', '90', '0', '2E1'),
    error: fc.option(stringText, { nil: undefined }),
    extras: fc.array(fc.tuple(fc.constantFrom('"x"', '"0"', '"pipeline_name"', '"__proto__"', '"y\\u0041"'), valueText), { maxLength: 2 }),
    space: ws,
  })
  .map((p) => {
    const members = [
      `"pipeline_name":${p.pipeline}`,
      `"result_name":"R"`,
      `"status":${p.status}`,
      `"started_at":"2025-11-18T10:00:00Z"`,
      `"finished_at":"2025-11-18T10:00:01.5+03:00"`,
      `"duration_ms":${p.duration}`,
      `"rows_loaded":${p.rows}`,
      `"rows_exported":90`,
      ...(p.error === undefined ? [] : [`"error":${p.error}`]),
      ...p.extras.map(([k, v]) => `${k}:${v}`),
    ];
    return `{${members.join(`,${p.space}`)}}`;
  });

function parses(text: string): boolean {
  try {
    JSON.parse(text);
    return true;
  } catch {
    return false;
  }
}

/** The --json line printRun writes, with the payload's bytes on offer or not. */
function jsonLine(wire: Buffer, offerWire: boolean, channelName = 'R', source: RunSource = 'live'): { line: string; raw: boolean } {
  const outcome = decodePayload(`tdtp:pipeline:${channelName}`, channelName, wire, 0);
  assert.equal(outcome.kind, 'run');
  if (outcome.kind !== 'run') throw new Error('unreachable');
  const lines: Buffer[] = [];
  let raw = false;
  const out: Output = {
    json: true,
    color: false,
    write: (line) => lines.push(Buffer.from(line)),
    writeWith: (head, bytes, tail) => {
      raw = true;
      lines.push(Buffer.concat([Buffer.from(head), bytes, Buffer.from(tail)]));
    },
  };
  printRun(out, new KeySpace('tdtp:pipeline'), outcome.run, assessDataQuality(outcome.run), source, 1_764_000_000_123, {}, offerWire ? wire : undefined);
  assert.equal(lines.length, 1);
  return { line: lines[0].toString('latin1'), raw };
}

describe('tdtp-watch --json: the payload as it came', () => {
  test('isStringifyForm only for texts JSON.stringify writes back byte for byte', () => {
    let taken = 0;
    fc.assert(
      fc.property(objectText, (text) => {
        fc.pre(parses(text));
        const wire = Buffer.from(text);
        const parsed = JSON.parse(text) as object;
        const same = Buffer.from(JSON.stringify(parsed)).equals(wire);
        if (isStringifyForm(wire, parsed)) {
          taken++;
          assert.ok(same, text);
        }
      }),
      { numRuns: 20_000 },
    );
    assert.ok(taken > 1000, `the bytes were taken ${taken} times`);
  });

  test('the line is the same byte for byte with the payload written as it came', () => {
    let raw = 0;
    fc.assert(
      fc.property(payloadText, fc.constantFrom('R', 'Q', 'имя "x"'), fc.constantFrom<RunSource>('live', 'loaded', 'recovered', 'polled'), (text, channelName, source) => {
        fc.pre(parses(text));
        const wire = Buffer.from(text);
        fc.pre(decodePayload('tdtp:pipeline:R', 'R', wire, 0).kind === 'run');
        const fast = jsonLine(wire, true, channelName, source);
        if (fast.raw) raw++;
        assert.equal(fast.line, jsonLine(wire, false, channelName, source).line);
      }),
      { numRuns: 10_000 },
    );
    assert.ok(raw > 100, `the bytes were written ${raw} times`);
  });

  test('fixed cases: duplicates, escapes, numbers, an integer-like key, whitespace', () => {
    const yes = ['{}', '{"a":"выгрузка","b":-5,"c":true,"d":null,"e":"q\\"\\\\\\n"}', '{"__proto__":1}'];
    const no = ['{"a":1,"a":2}', '{"a":"\\u0041"}', '{"a":"\\/"}', '{"a":1.0}', '{"a":1e3}', '{"a":-0}', '{"0":1}', '{"a": 1}', ' {"a":1}', '{"a":1}\n', '{"a":[1]}', '{"a":{}}', '{"a":1234567890123456}'];
    for (const text of yes) assert.ok(isStringifyForm(Buffer.from(text), JSON.parse(text) as object), text);
    for (const text of no) assert.ok(!isStringifyForm(Buffer.from(text), JSON.parse(text) as object), text);
  });

  test('LeanStore offers the bytes only when boundRun cut nothing', () => {
    const wires: Array<Uint8Array | undefined> = [];
    const store = new LeanStore(10, (_run, _dq, _source, _at, _memo, wire) => wires.push(wire), () => {});
    const payload = (error: string) => Buffer.from(JSON.stringify({ pipeline_name: 'p', result_name: 'R', status: 'failed', started_at: '2025-11-18T10:00:00Z', finished_at: '2025-11-18T10:00:01Z', duration_ms: wires.length, rows_loaded: 0, rows_exported: 0, error }));
    for (const error of ['short', 'e'.repeat(20_000)]) {
      const wire = payload(error);
      const outcome = decodePayload('tdtp:pipeline:R', 'R', wire, 0);
      if (outcome.kind !== 'run') assert.fail('not a run');
      store.addRun(outcome.run, 'live', 1, false, wire);
    }
    assert.equal(wires.length, 2);
    assert.ok(wires[0] !== undefined);
    assert.equal(wires[1], undefined);
  });

  test('a batch handed to stdout holds no more memory than its bytes need: a slow reader queues batches, not 128 KB buffers', () => {
    const write = process.stdout.write;
    const chunks: Uint8Array[] = [];
    try {
      process.stdout.write = ((chunk: Uint8Array) => chunks.push(chunk) > 0) as typeof process.stdout.write;
      for (let i = 0; i < 5; i++) {
        stdout.write(`line ${i}: ✓ выгрузка`);
        stdout.flush();
      }
      stdout.write('x'.repeat(20_000));
      stdout.flush();
    } finally {
      process.stdout.write = write;
    }
    assert.equal(chunks.length, 6);
    // Node's pool gives a small copy a slice of one shared 8 KB slab.
    for (const chunk of chunks) assert.ok(chunk.buffer.byteLength <= Math.max(8192, chunk.byteLength), `${chunk.byteLength} bytes held ${chunk.buffer.byteLength}`);
  });

  test("the batches' bytes are the lines' UTF-8, in order, also for lines longer than a batch", () => {
    const lines: fc.Arbitrary<Array<{ text: string; raw?: Buffer }>> = fc.array(
      fc.oneof<fc.Arbitrary<{ text: string; raw?: Buffer }>[]>(
        fc.string({ unit: 'grapheme', maxLength: 40 }).map((text) => ({ text })),
        fc.constantFrom('✓ выгрузка → ⚠', '\ud800 lone', '😀').map((text) => ({ text: text.repeat(7_000) })),
        fc.tuple(fc.string({ maxLength: 20 }), fc.nat(70_000)).map(([head, n]) => ({ text: head, raw: Buffer.from('ж'.repeat(n)) })),
      ),
      { maxLength: 40 },
    );
    const write = process.stdout.write;
    try {
      fc.assert(
        fc.property(lines, (items) => {
          const written: Buffer[] = [];
          process.stdout.write = ((chunk: string | Uint8Array) => written.push(Buffer.from(chunk as never)) > 0) as typeof process.stdout.write;
          for (const { text, raw } of items) {
            if (raw) stdout.writeWith(text, raw, '}');
            else stdout.write(text);
          }
          stdout.flush();
          const expected = items.map(({ text, raw }) => (raw ? `${text}${raw.toString('utf8')}}\n` : `${text}\n`)).join('');
          assert.ok(Buffer.concat(written).equals(Buffer.from(expected)));
        }),
        { numRuns: 200 },
      );
    } finally {
      process.stdout.write = write;
    }
  });
});
