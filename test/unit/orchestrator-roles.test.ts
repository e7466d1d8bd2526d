// The role table: consumer < activator < admin, and what each may do (the server's RequireRole).
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { actionsOf, can, roleAtLeast, roleRank } from '../../src/core/orchestrator/roles';

describe('roles', () => {
  test('rank and at-least', () => {
    assert.ok(roleRank('consumer') < roleRank('activator') && roleRank('activator') < roleRank('admin'));
    assert.equal(roleAtLeast('admin', 'consumer'), true);
    assert.equal(roleAtLeast('consumer', 'activator'), false);
  });

  test('what each role may do: each higher role may do all the lower may, and more', () => {
    const consumer = actionsOf('consumer');
    const activator = actionsOf('activator');
    const admin = actionsOf('admin');
    assert.ok(consumer.every((a) => activator.includes(a)) && activator.every((a) => admin.includes(a)));
    assert.ok(consumer.length < activator.length && activator.length < admin.length);
    assert.equal(can('consumer', 'submitRequest'), true);
    assert.equal(can('consumer', 'run'), false);
    assert.equal(can('activator', 'run'), true);
    assert.equal(can('activator', 'stopOwnJob'), true);
    assert.equal(can('activator', 'stopAnyJob'), false);
    assert.equal(can('activator', 'reviewRequest'), false);
    assert.equal(can('admin', 'editTokens'), true);
  });
});
