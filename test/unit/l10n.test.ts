import { before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { PROBLEM_CODES, PROBLEM_KINDS, WARNING_KINDS } from '../../src/core/problems';

/** What scripts/l10n-strings.mjs exports (plain JS, so typed here). */
interface L10nScript {
  collectMessages(): { messages: Map<string, string[]>; dynamic: string[] };
  extractFromSource(source: string): { messages: { message: string; line: number }[]; dynamic: { line: number }[] };
  checkBundle(messages: Set<string>, bundle: Record<string, unknown>): { missing: string[]; unused: string[]; placeholderMismatch: string[] };
  placeholders(text: string): string[];
  bundlePath(lang: string): string;
}

const root = join(__dirname, '..', '..');
const scriptFile = join(root, 'scripts', 'l10n-strings.mjs');
let script: L10nScript;
before(async () => {
  script = (await import(pathToFileURL(scriptFile).href)) as L10nScript;
});

const readJson = (file: string): Record<string, string> => JSON.parse(readFileSync(file, 'utf8')) as Record<string, string>;
const messagesOf = (source: string) => script.extractFromSource(source).messages.map((m) => m.message);

describe('extracting l10n.t() messages', () => {
  test('single and double quotes, escapes, calls over several lines, + joins', () => {
    const source = [
      `vscode.l10n.t('It\\'s {0}', a);`,
      `vscode.l10n.t("say \\"hi\\"\\n");`,
      `vscode.l10n.t(`,
      `  'spans lines',`,
      `  x,`,
      `);`,
      `vscode.l10n.t('a ' +`,
      `  'b');`,
    ].join('\n');
    assert.deepEqual(messagesOf(source), ["It's {0}", 'say "hi"\n', 'spans lines', 'a b']);
    assert.equal(script.extractFromSource(source).messages[2].line, 3);
  });

  test('t() counts only where `const t = vscode.l10n.t;` is declared', () => {
    assert.deepEqual(messagesOf(`t('no'); vscode.l10n.t('yes');`), ['yes']);
    assert.deepEqual(messagesOf(`const t = vscode.l10n.t;\nconst w = { a: t('aliased'), b: x.t('method'), c: format('other') };`), ['aliased']);
  });

  test('comments, strings and regex literals are skipped; template substitutions are not', () => {
    const source = [
      `// vscode.l10n.t('line comment')`,
      `/* vscode.l10n.t('block comment') */`,
      `const s = "vscode.l10n.t('in a string')";`,
      'const re = /[\\\\`*\'"]/g;',
      'md.append(`**${vscode.l10n.t(\'in a template\')}**`);',
      `vscode.l10n.t('after all that');`,
    ].join('\n');
    assert.deepEqual(messagesOf(source), ['in a template', 'after all that']);
  });

  test('a call whose first argument is not a literal is reported, not guessed', () => {
    const found = script.extractFromSource('vscode.l10n.t(message);\nvscode.l10n.t(`x ${y}`);\nvscode.l10n.t(\'a\' + b);');
    assert.deepEqual(found.messages, []);
    assert.deepEqual(found.dynamic.map((d) => d.line), [1, 2, 3]);
  });

  test('checkBundle finds missing, unused and placeholder-mismatched entries', () => {
    const result = script.checkBundle(new Set(['A {0}', 'B', 'C {0} {1}']), { 'A {0}': 'А', 'C {0} {1}': 'В {1} {0}', Old: 'Старое' });
    assert.deepEqual(result, { missing: ['B'], unused: ['Old'], placeholderMismatch: ['A {0}'] });
  });
});

describe('l10n/bundle.l10n.ru.json', () => {
  test('translates every message in src, with the same placeholders, and nothing else', () => {
    const { messages, dynamic } = script.collectMessages();
    assert.ok(messages.size > 50, `only ${messages.size} messages found: is the extractor broken?`);
    assert.deepEqual(dynamic, [], 'l10n.t() calls without a string literal cannot be translated by a bundle');
    const bundle = readJson(script.bundlePath('ru'));
    assert.deepEqual(script.checkBundle(new Set(messages.keys()), bundle), { missing: [], unused: [], placeholderMismatch: [] });
    for (const [key, value] of Object.entries(bundle)) assert.ok(typeof value === 'string' && value.trim() !== '', `empty translation of ${JSON.stringify(key)}`);
  });

  test('`node scripts/l10n-strings.mjs --check ru` passes, as in scripts/test.sh', () => {
    const run = spawnSync(process.execPath, [scriptFile, '--check', 'ru'], { cwd: root, encoding: 'utf8' });
    assert.equal(run.status, 0, run.stdout + run.stderr);
  });
});

describe('connection problems', () => {
  // The core reports a problem as a code and facts; each front end words every kind. A kind
  // without a case here is one the user would see as a code (and the bundle check above then
  // makes sure the extension's words are translated).
  const casesIn = (file: string) => new Set([...readFileSync(join(root, file), 'utf8').matchAll(/case '([a-z-]+)':/g)].map((m) => m[1]));

  for (const file of ['src/cli/problemText.ts', 'src/vscode/words/problems.ts']) {
    test(`${file} words every kind of problem and warning`, () => {
      const cases = casesIn(file);
      assert.ok(PROBLEM_KINDS.length > 20, 'PROBLEM_KINDS lists the kinds');
      assert.deepEqual([...PROBLEM_KINDS, ...WARNING_KINDS].filter((kind) => !cases.has(kind)), []);
    });
  }

  test('src/vscode/words/problems.ts heads every problem code', () => {
    const cases = casesIn('src/vscode/words/problems.ts');
    assert.deepEqual(PROBLEM_CODES.filter((code) => !cases.has(code)), []);
  });
});

describe('package.nls.ru.json', () => {
  const commandLinks = (text: string) => (text.match(/command:[^\s)\]]+/g) ?? []).sort();

  test('has exactly the keys of package.nls.json, with the same placeholders and command links', () => {
    const en = readJson(join(root, 'package.nls.json'));
    const ru = readJson(join(root, 'package.nls.ru.json'));
    assert.deepEqual(Object.keys(ru).sort(), Object.keys(en).sort());
    for (const [key, english] of Object.entries(en)) {
      const russian = ru[key];
      assert.ok(typeof russian === 'string' && russian.trim() !== '', `${key}: empty translation`);
      assert.deepEqual(script.placeholders(russian), script.placeholders(english), `${key}: placeholders differ`);
      assert.deepEqual(commandLinks(russian), commandLinks(english), `${key}: command links differ`);
    }
  });
});
