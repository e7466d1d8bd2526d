// The flood guard: at most N new names are read in any one second; the rest are left unread, kept
// (to be read from their state keys once a quiet second has passed) up to a bound, past which it
// is a flood: everything left unread counts as lost and nothing is read back.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { FloodGuard } from '../../src/core/floodGuard';

describe('FloodGuard', () => {
  test('reads the cap in a second; the rest are kept, then read back after a quiet second', () => {
    let now = 10_000;
    const guard = new FloodGuard(3, () => now, 10);
    assert.deepEqual(['a', 'b', 'c', 'd', 'e'].map((n) => guard.admit(n)), ['read', 'read', 'read', 'kept', 'kept']);
    now += 999;
    assert.equal(guard.admit('f'), 'kept', 'still the same second');
    assert.equal(guard.takeMissed(), undefined, 'the burst may go on');
    now += 1;
    assert.deepEqual(['g', 'h'].map((n) => guard.admit(n)), ['read', 'read'], 'the next second reads new names again');
    now += 1000;
    assert.deepEqual(guard.takeMissed(), ['d', 'e', 'f'], 'a quiet second: read back what was left unread');
    assert.deepEqual(guard.takeMissed(), [], 'once');
  });

  test('past the bound it is a flood: the kept names are let go, counted once, and nothing is read back', () => {
    let now = 0;
    const guard = new FloodGuard(2, () => now, 3);
    const verdicts = Array.from({ length: 8 }, (_, i) => guard.admit(`n${i}`));
    assert.deepEqual(verdicts, ['read', 'read', 'kept', 'kept', 'kept', 'lost', 'lost', 'lost']);
    assert.equal(guard.takeLetGo(), 3, 'the three kept before the flood was known');
    assert.equal(guard.takeLetGo(), 0);
    now += 1000;
    assert.deepEqual(guard.takeMissed(), [], 'a flood reads nothing back');
    assert.equal(guard.admit('later'), 'read');
  });

  test('a steady trickle of new names is always read', () => {
    let now = 0;
    const guard = new FloodGuard(3, () => now);
    for (let i = 0; i < 50; i++) {
      now += 400;
      assert.equal(guard.admit(`n${i}`), 'read');
    }
  });
});
