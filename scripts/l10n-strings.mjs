// Lists the messages passed to vscode.l10n.t() in src/**/*.ts and checks a translation bundle against them.
//   node scripts/l10n-strings.mjs               prints the messages (a JSON array, sorted)
//   node scripts/l10n-strings.mjs --check ru    compares them with l10n/bundle.l10n.ru.json; exit 1 on any problem
// Only calls whose first argument is a string literal count (that is what a bundle can translate); other
// calls are reported as warnings. `t(...)` counts in a file that declares `const t = vscode.l10n.t;`.
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = resolve(fileURLToPath(import.meta.url), '../..');

// One pass over a file: comments, strings and regex literals are consumed whole, so a call inside them
// is not seen. Template literals are followed into their ${…} parts (a stack of open braces tells the
// `}` that ends a substitution from any other). Group 1 is set where an l10n call starts.
const TEMPLATE_TEXT = String.raw`(?:\\[\s\S]|[^\`\\$]|\$(?!\{))*`;
const LITERAL = String.raw`'(?:\\[\s\S]|[^'\\\n])*'|"(?:\\[\s\S]|[^"\\\n])*"|\`${TEMPLATE_TEXT}\``;
const TOKENS = (alias) =>
  new RegExp(
    [
      String.raw`\/\/[^\n]*`, // line comment
      String.raw`\/\*[\s\S]*?\*\/`, // block comment
      String.raw`(\bl10n\.t${alias ? String.raw`|(?<![\w$.])${alias}` : ''})\s*\(\s*`, // the call
      LITERAL,
      String.raw`\`${TEMPLATE_TEXT}\$\{`, // a template up to its first substitution
      String.raw`[{}]`,
      String.raw`(?<=(?:[(,=:[!&|?{};]|\breturn)\s*)\/(?![*/])(?:\\.|\[(?:\\.|[^\]\\\n])*\]|[^/\\\n])+\/[a-z]*`, // regex literal
    ].join('|'),
    'g',
  );
const TEMPLATE_REST = new RegExp(String.raw`${TEMPLATE_TEXT}(?:\`|\$\{)`, 'y'); // after a substitution's }
const ALIAS = /\b(?:const|let|var)\s+([A-Za-z_$][\w$]*)\s*=\s*(?:vscode\.)?l10n\.t\s*;/;
// The first argument: one literal, or literals joined with +.
const ARGUMENT = new RegExp(String.raw`(?:${LITERAL})(?:\s*\+\s*(?:${LITERAL}))*(?=\s*[,)])`, 'y');

/** The value of a JS string literal's body, escapes resolved. */
export function unescapeJs(body) {
  const simple = { n: '\n', r: '\r', t: '\t', b: '\b', f: '\f', v: '\v', 0: '\0', '\n': '', '\r': '', '\u2028': '', '\u2029': '' };
  return body.replace(/\\(u\{[0-9a-fA-F]+\}|u[0-9a-fA-F]{4}|x[0-9a-fA-F]{2}|\r\n|[\s\S])/g, (_, e) => {
    if (e.length > 1 && (e[0] === 'u' || e[0] === 'x')) return String.fromCodePoint(parseInt(e.replace(/^[ux]\{?|\}$/g, ''), 16));
    if (e === '\r\n') return '';
    return e in simple ? simple[e] : e;
  });
}

/** Messages of one file's source: [{ message, line }], plus the calls whose first argument is not a literal. */
export function extractFromSource(source) {
  const alias = source.match(ALIAS)?.[1]?.replace(/\$/g, '\\$');
  const messages = [];
  const dynamic = [];
  const lineOf = (index) => source.slice(0, index).split('\n').length;
  const tokens = TOKENS(alias);
  const braces = []; // true for the { of a ${ substitution
  for (let m; (m = tokens.exec(source)); ) {
    const token = m[0];
    if (token === '{' || token.endsWith('${')) braces.push(token !== '{');
    if (token === '}' && braces.pop()) {
      TEMPLATE_REST.lastIndex = tokens.lastIndex;
      const rest = TEMPLATE_REST.exec(source);
      if (!rest) break; // an unterminated template: nothing more to read
      if (rest[0].endsWith('${')) braces.push(true);
      tokens.lastIndex = TEMPLATE_REST.lastIndex;
    }
    if (!m[1]) continue;
    ARGUMENT.lastIndex = tokens.lastIndex;
    const arg = ARGUMENT.exec(source);
    if (!arg) {
      dynamic.push({ line: lineOf(m.index) });
      continue;
    }
    const parts = arg[0].match(new RegExp(LITERAL, 'g'));
    messages.push({ message: parts.map((p) => unescapeJs(p.slice(1, -1))).join(''), line: lineOf(m.index) });
    tokens.lastIndex = ARGUMENT.lastIndex;
  }
  return { messages, dynamic };
}

function tsFiles(dir) {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? tsFiles(join(dir, e.name)) : e.name.endsWith('.ts') && !e.name.endsWith('.d.ts') ? [join(dir, e.name)] : [],
  );
}

/** Every message under src/: a Map from the message to the places ("file:line") that use it, plus the non-literal calls. */
export function collectMessages(root = ROOT) {
  const messages = new Map();
  const dynamic = [];
  for (const file of tsFiles(join(root, 'src')).sort()) {
    const name = relative(root, file);
    const found = extractFromSource(readFileSync(file, 'utf8'));
    for (const { message, line } of found.messages) messages.set(message, [...(messages.get(message) ?? []), `${name}:${line}`]);
    for (const { line } of found.dynamic) dynamic.push(`${name}:${line}`);
  }
  return { messages, dynamic };
}

/** The placeholders of a message, `{0}` or `{name}`, sorted, each once. */
export function placeholders(text) {
  return [...new Set(text.match(/\{\w+\}/g) ?? [])].sort();
}

/** Compares a bundle ({ english: translated }) with the messages in use. */
export function checkBundle(messages, bundle) {
  const keys = Object.keys(bundle);
  return {
    missing: [...messages].filter((m) => !Object.hasOwn(bundle, m)).sort(),
    unused: keys.filter((k) => !messages.has(k)).sort(),
    placeholderMismatch: keys.filter((k) => typeof bundle[k] !== 'string' || placeholders(k).join() !== placeholders(bundle[k]).join()).sort(),
  };
}

export function bundlePath(lang, root = ROOT) {
  return join(root, 'l10n', `bundle.l10n.${lang}.json`);
}

function main(args) {
  const { messages, dynamic } = collectMessages();
  for (const place of dynamic) console.error(`warning: ${place}: l10n.t() without a string literal; it is not checked`);
  if (args.length === 0) {
    console.log(JSON.stringify([...messages.keys()].sort(), null, 2));
    return 0;
  }
  if (args[0] !== '--check' || !args[1] || args.length > 2) {
    console.error('usage: node scripts/l10n-strings.mjs [--check LANG]');
    return 2;
  }
  const file = bundlePath(args[1]);
  if (!existsSync(file)) console.log(`${relative(ROOT, file)} does not exist: every message is missing.`);
  const bundle = existsSync(file) ? JSON.parse(readFileSync(file, 'utf8')) : {};
  const { missing, unused, placeholderMismatch } = checkBundle(new Set(messages.keys()), bundle);
  const show = (title, list, detail) => {
    if (list.length === 0) return;
    console.log(`${title} (${list.length}):`);
    for (const item of list) console.log(`  ${JSON.stringify(item)}${detail ? `  ${detail(item)}` : ''}`);
  };
  show(`Missing from ${relative(ROOT, file)}`, missing, (m) => messages.get(m).join(', '));
  show('Bundle keys no longer used', unused);
  show('Placeholders differ from the key', placeholderMismatch, (k) => `key ${placeholders(k).join('') || '(none)'}, translation ${placeholders(String(bundle[k])).join('') || '(none)'}`);
  const problems = missing.length + unused.length + placeholderMismatch.length;
  if (problems === 0) console.log(`${relative(ROOT, file)}: all ${messages.size} messages translated.`);
  return problems === 0 ? 0 : 1;
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) process.exitCode = main(process.argv.slice(2));
