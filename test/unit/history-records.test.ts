import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { Names, parseLine } from '../../src/core/history/records';
import type { JournalLine } from '../../src/core/history/records';

/** What replay takes from a parsed line. */
function view(line: JournalLine | undefined): unknown {
  if (line?.kind !== 'mutation' || line.mutation.kind !== 'run') return line;
  const { run, dq, source, receivedAt, fromStream } = line.mutation.record;
  return [Object.entries(run.result), run.resultName, run.statusKind, run.resultNameMismatch, run.startedAt, run.finishedAt, dq, source, receivedAt, fromStream];
}

const runJson = fc
  .record({
    pipeline_name: fc.constantFrom('p', 'выгрузка'),
    result_name: fc.constantFrom('R', 'OTHER'),
    status: fc.constantFrom('success', 'failed', 'weird'),
    started_at: fc.constantFrom('2025-11-18T10:00:00Z', '2025-11-18T10:00:00.5+03:00', 'yesterday'),
    finished_at: fc.constantFrom('2025-11-18T10:00:01Z', '0001-01-01T00:00:00Z'),
    duration_ms: fc.oneof(fc.nat(), fc.constant(-1)),
    rows_loaded: fc.nat(),
    rows_exported: fc.nat(),
  })
  .map((r) => JSON.stringify(r));

describe('journal records: a run line read off its text', () => {
  test('accepts and rejects every run line as JSON.parse of the whole line does', () => {
    const payload = fc.oneof(runJson, runJson.map((j) => `${j}},"e":{}`), runJson.map((j) => ` ${j} `), fc.constantFrom('null', '[]', '{', '{}', '"x"', '{"a":1},"o":"x"'));
    const name = fc.oneof(fc.constantFrom('R', 'MASK_V0001', 'a_name_longer_than_twelve', 'ВЫГРУЗКА', '', 'x'.repeat(4097)), fc.string({ maxLength: 8 }));
    const source = fc.constantFrom('live', 'loaded', 'recovered', 'polled', 'other', 'li"ve');
    const at = fc.oneof(fc.constantFrom('0', '01', '-5', '1.5', '1e3', '9007199254740991', '9007199254740993', '123456789012345', '1234567890123456'), fc.nat().map(String));
    const t = fc.constantFrom('', ',"t":1', ',"t":2', ',"t":1.0', ',"t":12');
    fc.assert(
      fc.property(name, source, at, t, payload, (n, s, a, tail, e) => {
        const line = `{"o":"r","n":${JSON.stringify(n)},"s":${JSON.stringify(s)},"a":${a}${tail},"e":${e}}`;
        // A space after the brace: the same JSON, read whole by JSON.parse.
        const whole = `{ ${line.slice(1)}`;
        assert.deepEqual(view(parseLine(line, new Names())), view(parseLine(whole, new Names())), line);
        assert.deepEqual(view(parseLine(line)), view(parseLine(whole)), line);
      }),
      { numRuns: 3000 },
    );
  });

  test('a name read off the text is shared, and the same string as JSON.parse makes', () => {
    const names = new Names();
    const line = (at: number) => `{"o":"r","n":"a_name_longer_than_twelve","s":"live","a":${at},"e":{"pipeline_name":"p","result_name":"a_name_longer_than_twelve","status":"success","started_at":"2025-11-18T10:00:00Z","finished_at":"2025-11-18T10:00:01Z","duration_ms":1,"rows_loaded":0,"rows_exported":0}}`;
    const first = parseLine(line(1), names);
    const second = parseLine(line(2), names);
    if (first?.kind !== 'mutation' || first.mutation.kind !== 'run' || second?.kind !== 'mutation' || second.mutation.kind !== 'run') assert.fail('both parse');
    assert.equal(first.mutation.record.run.resultName, 'a_name_longer_than_twelve');
    assert.equal(second.mutation.record.run.resultName, first.mutation.record.run.resultName);
    assert.equal(second.mutation.record.receivedAt, 2);
  });
});
