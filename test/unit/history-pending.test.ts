// The journal's queue of records to write (src/core/history/pending.ts): what it encodes is what
// was taken, whatever is added before the write encodes it.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { decodePayload } from '../../src/core/decode';
import { ChunkedWriter } from '../../src/core/history/journalFile';
import { PendingRecords } from '../../src/core/history/pending';
import type { StoreMutation } from '../../src/core/storeTypes';
import { buildResult } from '../support/builders';

function liveRun(resultName: string, receivedAt: number, error?: string): StoreMutation {
  // With an error, spaced as a producer may send it: the line must carry these bytes, not a re-encoding.
  const payload = error === undefined ? JSON.stringify(buildResult(resultName)) : JSON.stringify(buildResult(resultName, { status: 'failed', error }), null, 1).replace(/\n/g, ' ');
  const decoded = decodePayload(`tdtp:pipeline:${resultName}`, resultName, payload, receivedAt);
  assert.equal(decoded.kind, 'run');
  if (decoded.kind !== 'run') throw new Error('not a run');
  return { kind: 'run', record: { kind: 'run', run: decoded.run, dq: { kind: 'not-applicable' }, source: 'live', receivedAt }, wire: Buffer.from(payload) };
}

/** What `encode` writes for `items`, as text. */
function encoded(pending: PendingRecords, items: ReturnType<PendingRecords['take']>): string {
  const chunks: Buffer[] = [];
  const out = new ChunkedWriter({ writeSync: (_fd, bytes, offset, length) => chunks.push(Buffer.from(bytes.subarray(offset, offset + length))) && length }, 1);
  pending.encode(items, out);
  out.end();
  return Buffer.concat(chunks).toString('utf8');
}

describe('the journal’s pending records', () => {
  test('runs added after a take do not overwrite the staged lines it took', () => {
    const pending = new PendingRecords(0);
    pending.add(liveRun('AAAA', 1), 0, true);
    pending.add(liveRun('BBBB', 2), 0, true);
    const first = pending.take(0, true);
    pending.add(liveRun('ZZZZ', 3), 0, true);
    const firstText = encoded(pending, first);
    assert.match(firstText, /"n":"AAAA"/);
    assert.match(firstText, /"n":"BBBB"/);
    assert.doesNotMatch(firstText, /ZZZZ/);
    assert.equal(firstText.split('\n').length, 3);
    const second = encoded(pending, pending.take(0, true));
    assert.match(second, /"n":"ZZZZ","s":"live","a":3,/);
    assert.equal(second.split('\n').length, 2);
  });

  test('runs whose lines are longer than a write chunk (256 KB) are written whole, as their bytes came, also past what is staged (4 MB)', () => {
    const pending = new PendingRecords(0);
    const error = 'ошибка '.repeat(30_000);
    const runs = Array.from({ length: 16 }, (_, i) => liveRun(`BIG${i}`, 5 + i, error));
    for (const run of runs) pending.add(run, 0, true);
    const text = encoded(pending, pending.take(0, true));
    const wire = (run: StoreMutation) => (run.kind === 'run' ? Buffer.from(run.wire as Uint8Array).toString('utf8') : '');
    assert.ok(Buffer.byteLength(wire(runs[0])) > 256 * 1024);
    assert.equal(text, runs.map((run, i) => `{"o":"r","n":"BIG${i}","s":"live","a":${5 + i},"e":${wire(run)}}\n`).join(''));
  });
});
