// The flood guard: at most N new names per second at the limit; past that, a new name's message is
// left unread, and so is every one in the second after a second over the cap; a quiet second ends it.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { FloodGuard } from '../../src/core/floodGuard';

describe('FloodGuard', () => {
  test('admits the cap in a second, sheds the rest', () => {
    let now = 10_000;
    const guard = new FloodGuard(3, () => now);
    assert.deepEqual([1, 2, 3, 4, 5].map(() => guard.shedsNewName()), [false, false, false, true, true]);
    now += 999;
    assert.equal(guard.shedsNewName(), true, 'still the same second');
  });

  test('a second over the cap makes the next admit none; a second within it lets names in again', () => {
    let now = 0;
    const guard = new FloodGuard(3, () => now);
    for (let i = 0; i < 10; i++) guard.shedsNewName();
    now = 1000;
    assert.equal(guard.shedsNewName(), true, 'the flood goes on: the second after admits none');
    now = 2000;
    assert.equal(guard.shedsNewName(), false, 'one name in the second before: over');
  });

  test('a quiet second ends it at once; a slow trickle of new names is never shed', () => {
    let now = 0;
    const guard = new FloodGuard(3, () => now);
    for (let i = 0; i < 10; i++) guard.shedsNewName();
    now = 2500;
    assert.equal(guard.shedsNewName(), false, 'no message for over a second');
    for (let i = 0; i < 50; i++) {
      now += 400;
      assert.equal(guard.shedsNewName(), false);
    }
  });
});
