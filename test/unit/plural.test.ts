// Counts in words: the one plural helper (src/core/format.ts) and the plural messages of the
// Russian bundle, which must give each of Russian's three forms.
import * as assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { before, describe, test } from 'node:test';
import { plural, pluralForm } from '../../src/core/format';

const RUNS_EN = '{0} run|{0} runs';
const RUNS_RU = '{0} запуск|{0} запуска|{0} запусков';

describe('pluralForm', () => {
  test('English: one for 1, the other form for 0, 2, 11, 21, 1000', () => {
    assert.equal(pluralForm(1, RUNS_EN, 'en'), '{0} run');
    for (const n of [0, 2, 5, 11, 21, 1000]) assert.equal(pluralForm(n, RUNS_EN, 'en'), '{0} runs', String(n));
  });

  test('Russian: 1, 21, 101 take the first form; 2–4, 22–24 the second; 0, 5–20, 11–14, 25, 111 the third', () => {
    const form = (n: number) => ['{0} запуск', '{0} запуска', '{0} запусков'].indexOf(pluralForm(n, RUNS_RU, 'ru'));
    for (const n of [1, 21, 31, 101, 1001]) assert.equal(form(n), 0, String(n));
    for (const n of [2, 3, 4, 22, 23, 24, 102, 1002]) assert.equal(form(n), 1, String(n));
    for (const n of [0, 5, 9, 10, 11, 12, 13, 14, 15, 19, 20, 25, 100, 111, 112, 114, 1000]) assert.equal(form(n), 2, String(n));
  });

  test('fewer forms than the language has categories: the last one stands in (English text under Russian rules reads right)', () => {
    assert.equal(pluralForm(1, RUNS_EN, 'ru'), '{0} run');
    assert.equal(pluralForm(3, RUNS_EN, 'ru'), '{0} runs');
    assert.equal(pluralForm(7, RUNS_EN, 'ru'), '{0} runs');
    assert.equal(pluralForm(1.5, RUNS_RU, 'ru'), '{0} запусков', 'Russian "other" (fractions) has no form of its own here');
  });

  test('a text without "|" is its own only form; an unknown language tag falls back to English rules', () => {
    assert.equal(pluralForm(5, 'runs: {0}', 'ru'), 'runs: {0}');
    assert.equal(pluralForm(1, RUNS_EN, 'not a language tag!'), '{0} run');
  });

  test('plural(): the terminal tool\'s English nouns', () => {
    assert.equal(plural(0, 'row'), 'rows');
    assert.equal(plural(1, 'row'), 'row');
    assert.equal(plural(2, 'row'), 'rows');
  });
});

describe('plural messages in the bundles', () => {
  let messages: Map<string, string[]>;
  before(async () => {
    const script = (await import(pathToFileURL(join(__dirname, '..', '..', 'scripts', 'l10n-strings.mjs')).href)) as { collectMessages(): { messages: Map<string, string[]> } };
    messages = script.collectMessages().messages;
  });

  test('every plural message has English\'s two forms, and its Russian translation Russian\'s three', () => {
    const ru = JSON.parse(readFileSync(join(__dirname, '..', '..', 'l10n', 'bundle.l10n.ru.json'), 'utf8')) as Record<string, string>;
    const plurals = [...messages.keys()].filter((m) => m.includes('|'));
    assert.ok(plurals.length >= 5, `plural messages found: ${plurals.length}`);
    for (const message of plurals) {
      assert.equal(message.split('|').length, 2, `English forms of ${JSON.stringify(message)}`);
      assert.equal(ru[message]?.split('|').length, 3, `Russian forms of ${JSON.stringify(message)}: ${JSON.stringify(ru[message])}`);
    }
  });
});
