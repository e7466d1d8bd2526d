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
    assert.deepEqual(['a', 'b', 'c', 'd', 'e'].map((n) => guard.admit(n)), [-1, -1, -1, 0, 0], 'three read, two kept');
    now += 999;
    assert.equal(guard.admit('f'), 0, 'still the same second');
    assert.equal(guard.takeMissed(), undefined, 'the burst may go on');
    now += 1;
    assert.deepEqual(['g', 'h'].map((n) => guard.admit(n)), [-1, -1], 'the next second reads new names again');
    now += 1000;
    assert.deepEqual(guard.takeMissed(), ['d', 'e', 'f'], 'a quiet second: read back what was left unread');
    assert.deepEqual(guard.takeMissed(), [], 'once');
  });

  test('past the bound it is a flood: the kept names are let go, counted once, and nothing is read back', () => {
    let now = 0;
    const guard = new FloodGuard(2, () => now, 3);
    const lost = Array.from({ length: 8 }, (_, i) => guard.admit(`n${i}`));
    assert.deepEqual(lost, [-1, -1, 0, 0, 0, 4, 1, 1], 'the three kept count as lost with the one that showed it a flood');
    now += 1000;
    assert.deepEqual(guard.takeMissed(), [], 'a flood reads nothing back');
    assert.equal(guard.admit('later'), -1);
  });

  test('a steady trickle of new names is always read', () => {
    let now = 0;
    const guard = new FloodGuard(3, () => now);
    for (let i = 0; i < 50; i++) {
      now += 400;
      assert.equal(guard.admit(`n${i}`), -1);
    }
  });
});
