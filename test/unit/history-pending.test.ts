// The journal's queue of records to write (src/core/history/pending.ts): what it encodes is what
// was taken, whatever is added before the write encodes it.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { decodePayload } from '../../src/core/decode';
import { ChunkedWriter } from '../../src/core/history/journalFile';
import { PendingRecords } from '../../src/core/history/pending';
import type { StoreMutation } from '../../src/core/storeTypes';
import { buildResult } from '../support/builders';

function liveRun(resultName: string, receivedAt: number): StoreMutation {
  const payload = JSON.stringify(buildResult(resultName));
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
});
