import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { Path, Problems, gotOf, isPlainObject } from '../../src/core/validate';

describe('validate: problems as facts', () => {
  test('Path builds the place of a value', () => {
    assert.equal(String(Path.of('tdtp.actions').item(2).field('when').field('status').item(1)), 'tdtp.actions[2].when.status[1]');
  });

  test('gotOf says what a wrong value was, shortened', () => {
    assert.deepEqual(
      [undefined, null, [], {}, 'x', 5, true, () => 1].map(gotOf),
      [{ kind: 'nothing' }, { kind: 'null' }, { kind: 'array' }, { kind: 'object' }, { kind: 'text', shown: '"x"' }, { kind: 'number', shown: '5' }, { kind: 'boolean', shown: 'true' }, { kind: 'other', shown: 'function' }],
    );
    assert.equal(gotOf('a'.repeat(100)).shown, JSON.stringify(`${'a'.repeat(40)}…`));
  });

  test('Problems collects codes, values and the wrong value; unknown fields are named with the allowed ones', () => {
    const problems = new Problems<'notBoolean'>();
    const at = Path.of('s');
    problems.wrong(at.field('flag'), 'notBoolean', 'yes');
    problems.unknownFields({ ok: 1, typo: 2 }, ['ok', 'other'], at);
    assert.equal(problems.count, 2);
    assert.deepEqual(problems.list, [
      { at: 's.flag', code: 'notBoolean', values: [], got: { kind: 'text', shown: '"yes"' } },
      { at: 's.typo', code: 'unknownField', values: ['typo', 'ok, other'] },
    ]);
  });

  test('isPlainObject: JSON objects only', () => {
    assert.deepEqual([{}, Object.create(null), [], null, new Date(), 'x'].map(isPlainObject), [true, true, false, false, false, false]);
  });
});
