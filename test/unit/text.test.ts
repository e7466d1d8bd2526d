import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { LOG_VALUE_CHARS, ZWSP, inertText, logValue, sanitizeForTerminal, truncate } from '../../src/core/text';

/**
 * What VS Code 1.139 itself matches (copied from its workbench): the notification message's link
 * syntax, the codicon syntax of labels, and the autolinks its Markdown renderer (marked, GFM) makes.
 */
const NOTIFICATION_LINK = /\[([^\]]+)\]\(((?:https?:\/\/|command:|file:)[^)\s]+)(?: (["'])(.+?)(\3))?\)/gi;
const CODICON = /(\\)?\$\(([A-Za-z0-9-]+(?:~[A-Za-z]+)?)\)/g;
const AUTOLINK = /https?:\/\/|www\.|[A-Za-z0-9._+-]+@[A-Za-z0-9-_]+\./i;
// eslint-disable-next-line no-control-regex
const CONTROL_OR_BIDI = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/;

const hostile = fc.oneof(
  fc.string({ unit: 'binary', maxLength: 60 }),
  fc
    .array(fc.constantFrom('[', ']', '(', ')', '$', ':', '/', 'command:', 'https://', 'file:', 'www', '.', '@', 'a', ' ', '\n', '\u202e', ZWSP, 'x'), { maxLength: 30 })
    .map((parts) => parts.join('')),
);

describe('truncate', () => {
  test('keeps short text, cuts long text with an ellipsis', () => {
    assert.equal(truncate('abc', 3), 'abc');
    assert.equal(truncate('abcd', 3), 'abc…');
    assert.equal(truncate('', 0), '');
  });

  test('never splits a surrogate pair', () => {
    assert.equal(truncate('ab🚀cd', 3), 'ab…');
  });
});

describe('sanitizeForTerminal', () => {
  test('neutralises ESC (colour, cursor, OSC title) and C1 CSI', () => {
    const out = sanitizeForTerminal('\u001b[2J\u001b]0;pwned\u0007red\u009b31m');
    assert.equal(out, '\\u001b[2J\\u001b]0;pwned\\u0007red\\u009b31m');
    assert.ok(!out.includes('\u001b'));
  });

  test('neutralises bidi marks, overrides and isolates (Trojan Source)', () => {
    assert.equal(sanitizeForTerminal('a\u202eb\u202dc\u2066d\u2069e\u200ff'), 'a\\u202eb\\u202dc\\u2066d\\u2069e\\u200ff');
  });

  test('keeps newline, tab, Cyrillic, Arabic and emoji; escapes carriage return', () => {
    assert.equal(sanitizeForTerminal('ошибка\tمزامنة 🚀\nnext'), 'ошибка\tمزامنة 🚀\nnext');
    assert.equal(sanitizeForTerminal('100%\rfake'), '100%\\u000dfake');
  });

  test('no control or bidi-override character survives (property)', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 60 }), (text) => {
        assert.doesNotMatch(sanitizeForTerminal(text), CONTROL_OR_BIDI);
      }),
      { numRuns: 300 },
    );
  });
});

describe('logValue', () => {
  test('a newline in a wire string forges no second log line', () => {
    const forged = 'disk full\n2026-12-01 20:00:00.000 [info] MASK_V001 (erp): success';
    const out = logValue(forged);
    assert.ok(!out.includes('\n'));
    assert.equal(out, 'disk full\\n2026-12-01 20:00:00.000 [info] MASK_V001 (erp): success');
  });

  test('tabs and carriage returns are written out, controls escaped', () => {
    assert.equal(logValue('a\tb\rc\u001bd'), 'a\\tb\\u000dc\\u001bd');
  });

  test('a long value is bounded', () => {
    const out = logValue('x'.repeat(1_000_000));
    assert.equal(out, `${'x'.repeat(LOG_VALUE_CHARS)}…`);
  });

  test('one line, no controls, bounded (property)', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 3000 }), (text) => {
        const out = logValue(text);
        assert.ok(!out.includes('\n') && !out.includes('\r'));
        assert.doesNotMatch(out, CONTROL_OR_BIDI);
        assert.ok(out.length <= LOG_VALUE_CHARS * 6 + 1);
      }),
      { numRuns: 200 },
    );
  });
});

describe('inertText', () => {
  test('a command link and a web link in a toast are no longer links', () => {
    const text = 'x [Open](command:workbench.action.openSettings) y [site](https://evil.example/p?q=1) z [f](file:///etc/passwd)';
    const out = inertText(text);
    assert.equal(out.match(NOTIFICATION_LINK), null);
    assert.equal(out.replaceAll(ZWSP, ''), text, 'reads the same');
  });

  test('codicon syntax is not drawn, the text stays', () => {
    const out = inertText('$(alert) pwned $(sync~spin)');
    assert.equal(out.match(CODICON), null);
    assert.equal(out.replaceAll(ZWSP, ''), '$(alert) pwned $(sync~spin)');
  });

  test('Markdown autolinks are broken: https://, www., name@host', () => {
    assert.doesNotMatch(inertText('see https://evil.example and www.evil.example or ops@evil.example'), AUTOLINK);
  });

  test('controls and bidi overrides are shown, not obeyed', () => {
    assert.equal(inertText('ok\u202e.exe\u0007'), 'ok\\u202e.exe\\u0007');
  });

  test('ordinary text, Cyrillic, newlines and tabs are unchanged', () => {
    for (const text of ['MASK_V001', 'erp_mask_sync', 'ошибка: нет соединения\n  at main.go:12\tretry', 'rows 15000 → 14998 (0.01%)']) assert.equal(inertText(text), text);
  });

  test('no link, codicon, autolink, control or bidi survives; idempotent; reads the same (property)', () => {
    fc.assert(
      fc.property(hostile, (text) => {
        const out = inertText(text);
        assert.equal(out.match(NOTIFICATION_LINK), null);
        assert.equal(out.match(CODICON), null);
        assert.doesNotMatch(out, AUTOLINK);
        assert.doesNotMatch(out, CONTROL_OR_BIDI);
        assert.equal(inertText(out), out);
        assert.equal(out.replaceAll(ZWSP, ''), sanitizeForTerminal(text).replaceAll(ZWSP, ''));
      }),
      { numRuns: 1000 },
    );
  });

  test('joining neutralised parts with our own words forms no link either (property)', () => {
    // A toast is "TDTP pipeline {0} ({1}) failed: {2}"; each part alone could be harmless.
    fc.assert(
      fc.property(hostile, hostile, hostile, (a, b, c) => {
        const message = inertText(`TDTP pipeline ${a} (${b}) failed: ${c}`);
        assert.equal(message.match(NOTIFICATION_LINK), null);
      }),
      { numRuns: 500 },
    );
  });
});
