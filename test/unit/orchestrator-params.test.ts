// Parameters checked before sending, as the server checks them: `^(?:pattern)$` with Go's RE2.
// Where JS regex reads a pattern otherwise, it is translated, or refused (left to the server).
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { checkParams, checkPattern, compileParamPattern, MAX_CHECKED_VALUE_CHARS } from '../../src/core/orchestrator/params';
import type { ParamDef } from '../../src/core/orchestrator/types';

const kind = (pattern: string, value: string) => checkPattern(pattern, value).kind;

describe('param patterns, anchored as the server anchors them', () => {
  test('the whole value must match, alternation included (`^(?:a|b)$`, not `^a|b$`)', () => {
    assert.equal(kind('[A-Za-z]+', 'Omsk'), 'match');
    assert.equal(kind('[A-Za-z]+', "Omsk' OR 1=1 --"), 'mismatch');
    assert.equal(kind('a|b', 'a'), 'match');
    assert.equal(kind('a|b', 'ab'), 'mismatch');
    assert.equal(kind('a|b', 'xb'), 'mismatch');
    assert.equal(kind('\\d{4}-\\d{2}', '2026-12'), 'match');
    assert.equal(kind('\\d{4}-\\d{2}', '2026-12x'), 'mismatch');
  });

  test('Go’s `.` takes \\r and JS’s does not; Go’s `\\s` is ASCII space only', () => {
    assert.equal(kind('a.b', 'a\rb'), 'match');
    assert.equal(kind('a.b', 'a\nb'), 'mismatch');
    assert.equal(kind('a\\sb', 'a\u00a0b'), 'mismatch', 'NBSP is \\s in JS, not in Go');
    assert.equal(kind('a\\sb', 'a\tb'), 'match');
    assert.equal(kind('[\\sx]+', ' x\t'), 'match');
    assert.equal(kind('\\S+', 'a\u2003b'), 'match', 'an em space is not Go’s \\s');
    assert.equal(kind('\\w+', 'Омск'), 'mismatch', 'Go’s \\w is ASCII');
    assert.equal(kind('\\p{L}+', 'Омск'), 'match');
    assert.equal(kind('[]a]+', ']a'), 'match', 'a leading ] is a literal in a Go class');
  });

  test('RE2 syntax JS lacks or reads otherwise is not checked here', () => {
    for (const p of ['(?i)abc', '(?P<x>a)', '[[:alpha:]]+', '\\Qa.b\\E', '\\x{41}', '\\Aabc\\z', '\\pL+', 'a{', '(?s).']) {
      assert.deepEqual(checkPattern(p, 'abc'), { kind: 'unchecked', reason: 'patternUnsupported' }, p);
    }
  });

  test('what RE2 refuses is an invalid pattern (the server answers 422 for every value)', () => {
    for (const p of ['(a)\\1', 'a(?=b)', 'a(?!b)', 'a{1001}', '(ab', '[ab', 'ab)']) assert.equal(kind(p, 'ab'), 'invalidPattern', p);
  });

  test('what could backtrack for long in JS (RE2 never does) is not checked here', () => {
    for (const p of ['(a+)+', '(a*)*b', '(a|aa)+', '((ab)+c)+', '(x+x+)+y', 'a+b+c+d+e+']) {
      assert.deepEqual(checkPattern(p, 'aaaa'), { kind: 'unchecked', reason: 'patternMayBacktrack' }, p);
    }
    assert.deepEqual(checkPattern('[a-z]+', 'a'.repeat(MAX_CHECKED_VALUE_CHARS + 1)), { kind: 'unchecked', reason: 'valueTooLong' });
    assert.deepEqual(compileParamPattern('a'.repeat(600)), { ok: false, invalid: false, reason: 'patternTooLong' });
    // A quantified group without quantifier or alternation inside is fine.
    assert.equal(kind('(ab)+', 'abab'), 'match');
    assert.equal(kind('(?:[a-z]{2}-)?[0-9]+', 'ru-42'), 'match');
  });
});

describe('checkParams: the server’s ValidateParams before sending', () => {
  const defs: ParamDef[] = [
    { name: 'city', required: true, default: '', pattern: '[A-Za-z]+' },
    { name: 'limit', required: false, default: '10', pattern: '[0-9]+' },
    { name: 'note', required: false, default: '', pattern: '' },
    { name: 'broken', required: false, default: 'x', pattern: '(?i)x' },
  ];

  test('defaults fill empty values, undeclared params are dropped, every problem is listed', () => {
    const ok = checkParams(defs, { city: 'Omsk', limit: '', extra: 'dropped' });
    assert.deepEqual({ ...ok.resolved }, { city: 'Omsk', limit: '10', note: '', broken: 'x' });
    assert.deepEqual(ok.problems, []);
    assert.deepEqual(ok.unchecked, [{ param: 'broken', reason: 'patternUnsupported' }]);

    const bad = checkParams(defs, { limit: 'ten' });
    assert.deepEqual(bad.problems, [
      { param: 'city', code: 'required' },
      { param: 'limit', code: 'mismatch', pattern: '[0-9]+' },
    ]);
  });

  test('a default is checked against the pattern too, as the server does', () => {
    const result = checkParams([{ name: 'n', required: false, default: 'abc', pattern: '[0-9]+' }], {});
    assert.deepEqual(result.problems, [{ param: 'n', code: 'mismatch', pattern: '[0-9]+' }]);
  });

  test('a provided value named __proto__ is no param', () => {
    const result = checkParams([{ name: 'a', required: false, default: 'd', pattern: '' }], JSON.parse('{"__proto__": {"a": "x"}}'));
    assert.equal(result.resolved.a, 'd');
  });
});
