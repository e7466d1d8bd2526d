import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import type { ExportRow } from '../../src/core/export';
import { EXPORT_COLUMNS, csvCell, toCsv, toExportRows, toJson } from '../../src/core/export';
import type { GapMarker, HistoryItem } from '../../src/core/runs';
import { mkRecord } from '../support/records';

/** An independent RFC 4180 reader: quoted fields with doubled quotes, CRLF record ends. */
function parseCsv(text: string): string[][] {
  const records: string[][] = [];
  let record: string[] = [];
  let i = 0;
  while (i < text.length) {
    let field = '';
    if (text[i] === '"') {
      i++;
      for (;;) {
        if (i >= text.length) throw new Error('unterminated quoted field');
        if (text[i] === '"') {
          if (text[i + 1] === '"') {
            field += '"';
            i += 2;
          } else {
            i++;
            break;
          }
        } else field += text[i++];
      }
    } else {
      while (i < text.length && text[i] !== ',' && text[i] !== '\r' && text[i] !== '\n') {
        if (text[i] === '"') throw new Error(`a quote inside an unquoted field at ${i}`);
        field += text[i++];
      }
    }
    record.push(field);
    if (text[i] === ',') i++;
    else if (text.startsWith('\r\n', i)) {
      records.push(record);
      record = [];
      i += 2;
    } else throw new Error(`expected , or CRLF at ${i}, found ${JSON.stringify(text[i])}`);
  }
  if (record.length) throw new Error('the last record has no CRLF');
  return records;
}

/**
 * How a spreadsheet with another list separator reads the file (Excel with `;`, the Russian
 * default; LibreOffice with TAB): a quote opens a quoted field only at the start of a field, and a
 * line break outside one ends the row. Deliberately not RFC 4180.
 */
function readWithSeparator(text: string, separator: string): string[] {
  const cells: string[] = [];
  let field = '';
  let atStart = true;
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (quoted) {
      if (c !== '"') field += c;
      else if (text[i + 1] === '"') {
        field += '"';
        i++;
      } else quoted = false;
    } else if (atStart && c === '"') {
      quoted = true;
      atStart = false;
    } else if (c === separator || c === '\r' || c === '\n') {
      cells.push(field);
      field = '';
      atStart = true;
    } else {
      field += c;
      atStart = false;
    }
  }
  cells.push(field);
  return cells;
}

const HEADER = 'pipeline_name,result_name,status,package_uuid,started_at,finished_at,duration_ms,rows_loaded,rows_exported,error,data_quality,dq_rows,source,received_at';

describe('toCsv', () => {
  test('a header row, then one CRLF-terminated row per run with plain values', () => {
    const csv = toCsv([mkRecord({ loaded: 15000, exported: 14998 })]);
    assert.equal(
      csv,
      `${HEADER}\r\n` + 'erp_mask_sync,MASK_V001,success,,2025-11-18T10:00:00Z,2025-11-18T10:00:02.123456789+03:00,1842,15000,14998,,dropped,2,live,2025-11-18T10:00:03.045Z\r\n',
    );
    assert.equal(toCsv([]), `${HEADER}\r\n`);
  });

  test('the columns are the wire fields in order, then the viewer\'s own', () => {
    assert.equal(EXPORT_COLUMNS.join(','), HEADER);
  });

  test('RFC 4180 quoting: commas, quotes, CR and LF in an error survive a round trip', () => {
    const error = 'line 1, with "quotes"\r\nline 2\nline 3\r"end"';
    const csv = toCsv([mkRecord({ status: 'failed', error, loaded: 5, exported: 0, packageUuid: 'a,b' })]);
    assert.ok(csv.includes('"line 1, with ""quotes""\r\nline 2\nline 3\r""end"""'), csv);
    const [header, row] = parseCsv(csv);
    assert.deepEqual(header, [...EXPORT_COLUMNS]);
    assert.equal(row[EXPORT_COLUMNS.indexOf('error')], error);
    assert.equal(row[EXPORT_COLUMNS.indexOf('package_uuid')], 'a,b');
    assert.equal(row[EXPORT_COLUMNS.indexOf('data_quality')], 'not-applicable');
    assert.equal(row[EXPORT_COLUMNS.indexOf('dq_rows')], '');
  });

  test('formula injection: text starting with = + - @ TAB or CR gets an apostrophe', () => {
    const cases: Array<[string, string]> = [
      ['=HYPERLINK("http://evil.example","click")', `"'=HYPERLINK(""http://evil.example"",""click"")"`],
      ['+1+1', "'+1+1"],
      ['-2+3', "'-2+3"],
      ['@SUM(A1:A9)', "'@SUM(A1:A9)"],
      ['\tcmd', `"'\tcmd"`],
      ['\r=cmd', `"'\r'=cmd"`],
      ['a=b', 'a=b'],
      [' =1', ' =1'],
      ['', ''],
    ];
    for (const [input, expected] of cases) assert.equal(csvCell(input), expected, JSON.stringify(input));
    const csv = toCsv([mkRecord({ pipeline: '=cmd|" /C calc"!A0', resultName: '@R', status: 'failed', error: '-boom', loaded: 0, exported: 0 })]);
    const [, row] = parseCsv(csv);
    assert.equal(row[0], `'=cmd|" /C calc"!A0`);
    assert.equal(row[1], "'@R");
    assert.equal(row[EXPORT_COLUMNS.indexOf('error')], "'-boom");
  });

  test('a ; or TAB in a cell is quoted, and what follows it cannot start a formula where it is a separator', () => {
    assert.equal(csvCell('a;b'), '"a;b"');
    assert.equal(csvCell('a\tb'), '"a\tb"');
    assert.equal(csvCell('x;=HYPERLINK("http://evil.example")'), `"x;'=HYPERLINK(""http://evil.example"")"`);
    assert.equal(csvCell('x\t+1'), `"x\t'+1"`);
    assert.equal(csvCell('x\n@SUM(A1)'), `"x\n'@SUM(A1)"`);
    assert.equal(csvCell('x;"=cmd"'), `"x;""'=cmd"""`);
    assert.equal(csvCell('a; b-c'), '"a; b-c"');
    const csv = toCsv([mkRecord({ pipeline: 'p;=1+1', resultName: 'R', status: 'failed', error: 'disk full;=cmd|" /C calc"!A0\n-2+3', loaded: 0, exported: 0 })]);
    for (const separator of [';', '\t']) {
      for (const cell of readWithSeparator(csv, separator)) assert.doesNotMatch(cell, /^[=+\-@]/, `${JSON.stringify(separator)}: ${JSON.stringify(cell)}`);
    }
  });

  test('no separator a spreadsheet may use exposes a formula cell (property)', () => {
    const piece = fc.constantFrom(',', ';', '\t', '"', '\r', '\n', '=', '+', '-', '@', "'", ' ', 'a', 'ж');
    const text = fc.string({ unit: piece, maxLength: 14 });
    fc.assert(
      fc.property(fc.record({ pipeline: text, resultName: text, error: text, packageUuid: text }), (s) => {
        const csv = toCsv([mkRecord({ pipeline: s.pipeline, resultName: s.resultName, status: 'failed', error: s.error, packageUuid: s.packageUuid, loaded: 1, exported: 0 })]);
        for (const separator of [',', ';', '\t']) {
          for (const cell of readWithSeparator(csv, separator)) assert.doesNotMatch(cell, /^[=+\-@]/, `${JSON.stringify(separator)}: ${JSON.stringify(cell)} in ${JSON.stringify(csv)}`);
        }
      }),
      { numRuns: 1000 },
    );
  });

  test('numbers stay numbers: no apostrophe, no quotes', () => {
    assert.equal(csvCell(0), '0');
    assert.equal(csvCell(15000), '15000');
    assert.equal(csvCell(-5), '-5');
    assert.equal(csvCell(Number.NaN), '');
    assert.equal(csvCell(null), '');
    const [, row] = parseCsv(toCsv([mkRecord({ loaded: 0, exported: 0 })]));
    assert.deepEqual(row.slice(6, 9), ['1842', '0', '0']);
  });

  test('gap markers are skipped; history order is kept', () => {
    const gap: GapMarker = { kind: 'gap', from: 1, to: 2, reason: 'disconnected' };
    const items: HistoryItem[] = [mkRecord({ resultName: 'B' }), gap, mkRecord({ resultName: 'A', source: 'recovered' })];
    const rows = parseCsv(toCsv(items));
    assert.equal(rows.length, 3);
    assert.deepEqual(
      rows.slice(1).map((r) => [r[1], r[12]]),
      [
        ['B', 'live'],
        ['A', 'recovered'],
      ],
    );
  });

  test('an invalid receivedAt is an empty cell, not a thrown RangeError', () => {
    const [, nan, far] = parseCsv(toCsv([mkRecord({ receivedAt: Number.NaN }), mkRecord({ receivedAt: 9e15 })]));
    assert.equal(nan[13], '');
    assert.equal(far[13], '');
    assert.equal(toExportRows([mkRecord({ receivedAt: 9e15 })])[0].received_at, null);
  });

  test('an optional BOM for Excel', () => {
    assert.ok(toCsv([mkRecord({ pipeline: 'выгрузка' })], { bom: true }).startsWith(`\uFEFF${HEADER}\r\n`));
    assert.ok(!toCsv([]).startsWith('\uFEFF'));
  });

  test('any text round-trips through a reader, guarded against formulas (property)', () => {
    const tricky = fc.string({ unit: fc.constantFrom(',', '"', '\r', '\n', '=', '+', '-', '@', '\t', "'", ' ', 'a', 'ж', '😀'), maxLength: 12 });
    const text = fc.oneof(tricky, fc.string({ unit: 'grapheme', maxLength: 12 }));
    fc.assert(
      fc.property(fc.array(fc.record({ pipeline: text, resultName: text, error: text }), { maxLength: 4 }), (specs) => {
        const records = specs.map((s) => mkRecord({ pipeline: s.pipeline, resultName: s.resultName, status: 'failed', error: s.error, loaded: 1, exported: 0 }));
        const parsed = parseCsv(toCsv(records));
        assert.equal(parsed.length, records.length + 1);
        // The cell's start, and the start of what a ; / TAB / line-break reader would see as a cell.
        const guard = (v: string) => (/^[=+\-@\t\r]/.test(v) ? `'${v}` : v).replace(/([;\t\r\n]"*)(?=[=+\-@])/g, "$1'");
        specs.forEach((s, i) => {
          const row = parsed[i + 1];
          assert.equal(row.length, EXPORT_COLUMNS.length);
          assert.equal(row[0], guard(s.pipeline));
          assert.equal(row[1], guard(s.resultName));
          assert.equal(row[9], guard(s.error));
        });
      }),
      { numRuns: 500 },
    );
  });
});

describe('toJson', () => {
  test('a pretty-printed array of objects with every column, null for absent fields', () => {
    const json = toJson([mkRecord({ loaded: 100, exported: 150 }), mkRecord({ status: 'failed', error: 'boom', loaded: 1, exported: 0, packageUuid: 'u-1', source: 'polled' })]);
    assert.ok(json.startsWith('[\n  {\n    "pipeline_name": "erp_mask_sync",'), json);
    const parsed = JSON.parse(json) as ExportRow[];
    assert.deepEqual(parsed[0], {
      pipeline_name: 'erp_mask_sync',
      result_name: 'MASK_V001',
      status: 'success',
      package_uuid: null,
      started_at: '2025-11-18T10:00:00Z',
      finished_at: '2025-11-18T10:00:02.123456789+03:00',
      duration_ms: 1842,
      rows_loaded: 100,
      rows_exported: 150,
      error: null,
      data_quality: 'extra',
      dq_rows: 50,
      source: 'live',
      received_at: '2025-11-18T10:00:03.045Z',
    });
    assert.deepEqual(Object.keys(parsed[1]), [...EXPORT_COLUMNS]);
    assert.equal(parsed[1].package_uuid, 'u-1');
    assert.equal(parsed[1].error, 'boom');
    assert.equal(parsed[1].data_quality, 'not-applicable');
    assert.equal(parsed[1].dq_rows, null);
    assert.equal(parsed[1].source, 'polled');
  });

  test('round trip: hostile text comes back exactly, without the CSV guard', () => {
    const error = '=cmd|"x"!A0\n\u0000\u2028 "q" \\ ключ 😀 \ud800';
    const records = [mkRecord({ status: 'failed', error, pipeline: '@p', loaded: 3, exported: 0 }), mkRecord({ loaded: 10, exported: 10 })];
    const back = JSON.parse(toJson(records)) as ExportRow[];
    assert.deepEqual(back, toExportRows(records));
    assert.equal(back[0].error, error);
    assert.equal(back[0].pipeline_name, '@p');
    assert.equal(back[1].data_quality, 'ok');
    assert.equal(back[1].dq_rows, 0);
    assert.equal(toJson([]), '[]\n');
  });
});
