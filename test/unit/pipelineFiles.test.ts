import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile, readdir } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { MAX_LOOKUP_STEPS, MAX_PIPELINE_FILE_BYTES, parsePipelineFile, publishesTo, readResultLogPassword } from '../../src/core/pipelineFiles';
import type { IndexProblem } from '../../src/core/pipelineIndex';
import { PipelineIndex } from '../../src/core/pipelineIndex';

const FIXTURES = join(__dirname, '..', 'fixtures', 'pipelines');

async function fixture(path: string): Promise<string> {
  return readFile(join(FIXTURES, path), 'utf8');
}

async function allFixtures(dir = FIXTURES): Promise<string[]> {
  const out: string[] = [];
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) out.push(...(await allFixtures(path)));
    else if (entry.name.endsWith('.yaml')) out.push(relative(FIXTURES, path));
  }
  return out.sort();
}

/** The 0-based line of the first line of `text` that matches. */
function lineOf(text: string, pattern: RegExp): number {
  const line = text.split('\n').findIndex((l) => pattern.test(l));
  assert.notEqual(line, -1, `no line matches ${pattern}`);
  return line;
}

describe('parsePipelineFile on the fixture tree', () => {
  test('the framework example shape: unquoted name, comments on the lines, a commented-out password', async () => {
    const text = await fixture('erp/mask_sync.yaml');
    const { definitions, problems } = parsePipelineFile(text);
    assert.deepEqual(problems, []);
    assert.equal(definitions.length, 1);
    const d = definitions[0];
    assert.equal(d.resultName, 'MASK_V001');
    assert.equal(d.pipelineName, 'erp_mask_sync');
    assert.equal(d.pipelineNameIsTemplate, false);
    assert.equal(d.address, '127.0.0.1:6379');
    assert.equal(d.db, 0);
    assert.equal(d.ttl, 3600);
    assert.equal(d.hasPassword, false, 'a commented-out password is no password');
    assert.deepEqual(d.resultLogAt, { line: lineOf(text, /^result_log:/), column: 0 });
    assert.deepEqual(d.resultNameAt, { line: lineOf(text, /^ {2}name: MASK_V001/), column: 2 });
  });

  test('a templated pipeline name and a quoted namespaced result name', async () => {
    const { definitions } = parsePipelineFile(await fixture('travel/extract_sales.yaml'));
    assert.equal(definitions.length, 1);
    const d = definitions[0];
    assert.equal(d.pipelineName, 'travel-extract-sales-{{SYNC_TS}}');
    assert.equal(d.pipelineNameIsTemplate, true);
    assert.equal(d.resultName, 'travel:sales:extract');
    assert.equal(d.resultNameIsTemplate, false);
    assert.equal(d.ttl, 86400);
  });

  test('single quotes, deeper indentation, a password: present, and its value not in the facts', async () => {
    const text = await fixture('travel/load_sales.yaml');
    const { definitions } = parsePipelineFile(text);
    const d = definitions[0];
    assert.equal(d.resultName, 'travel:sales:load');
    assert.equal(d.db, 2);
    assert.equal(d.ttl, undefined, 'no ttl written: the framework default applies');
    assert.equal(d.hasPassword, true);
    assert.equal(JSON.stringify(definitions).includes('not-a-real-secret'), false);
    assert.deepEqual(d.resultNameAt, { line: lineOf(text, /name: 'travel:sales:load'/), column: 4 });
    assert.equal(readResultLogPassword(text, d.documentIndex), 'not-a-real-secret');
  });

  test('anchors, a merge key and an aliased name are followed as yaml.v3 follows them', async () => {
    const text = await fixture('shared/anchors.yaml');
    const { definitions, problems } = parsePipelineFile(text);
    assert.deepEqual(problems, []);
    assert.equal(definitions.length, 1);
    const d = definitions[0];
    assert.equal(d.resultName, 'CUSTOMERS_SYNC');
    assert.equal(d.address, 'redis.staging.internal:6380');
    assert.equal(d.db, 3);
    assert.equal(d.ttl, 600);
    assert.equal(d.pipelineName, 'customers_sync');
    assert.equal(d.resultLogAt.line, lineOf(text, /^result_log:/));
    assert.equal(d.resultNameAt.line, lineOf(text, /^ {2}name: \*customers_name/));
  });

  test('several documents: each publishing one is found, the others are not; a numeric pipeline name reads as text', async () => {
    const text = await fixture('multi/bundle.yaml');
    const { definitions, problems } = parsePipelineFile(text);
    assert.deepEqual(problems, []);
    assert.deepEqual(
      definitions.map((d) => [d.documentIndex, d.resultName, d.pipelineName]),
      [
        [0, 'ORDERS_DAILY', 'orders_daily'],
        [3, 'orders:{{REGION}}:weekly', '1042'],
      ],
    );
    assert.equal(definitions[0].resultLogAt.line, lineOf(text, /ORDERS_DAILY/), 'flow-style result_log');
    assert.equal(definitions[1].resultNameIsTemplate, true);
  });

  test('a file that does not parse gives a yaml-error with its line, and no definitions', async () => {
    const { definitions, problems } = parsePipelineFile(await fixture('broken/unclosed.yaml'));
    assert.deepEqual(definitions, []);
    assert.equal(problems.length, 1);
    const p = problems[0];
    assert.equal(p.code, 'yaml-error');
    assert.ok(p.code === 'yaml-error' && p.message.length > 0 && !p.message.includes('\n'));
  });

  test('result_log of type redis without a name is reported, not indexed', async () => {
    const text = await fixture('broken/no-name.yaml');
    const { definitions, problems } = parsePipelineFile(text);
    assert.deepEqual(definitions, []);
    assert.deepEqual(problems, [{ code: 'missing-name', documentIndex: 0, line: lineOf(text, /^result_log:/) }]);
  });

  test('only type exactly "redis" publishes; YAML without result_log is silently not a pipeline', async () => {
    for (const name of ['other/wrong-type.yaml', 'other/docker-compose.yaml']) {
      const { definitions, problems } = parsePipelineFile(await fixture(name));
      assert.deepEqual({ definitions, problems }, { definitions: [], problems: [] }, name);
    }
  });
});

describe('parsePipelineFile on hostile input', () => {
  test('a file over the size limit is not parsed', () => {
    const big = `result_log:\n  type: redis\n  name: X\n# ${'x'.repeat(MAX_PIPELINE_FILE_BYTES)}\n`;
    const { definitions, problems } = parsePipelineFile(big);
    assert.deepEqual(definitions, []);
    assert.equal(problems[0].code, 'too-large');
  });

  test('an alias bomb costs nothing: aliases are followed, never expanded', () => {
    const lines = ['a: &a [x, x, x, x, x, x, x, x, x, x]'];
    for (let i = 1; i < 30; i++) lines.push(`${String.fromCharCode(97 + (i % 26))}${i}: &a${i} [*${i === 1 ? 'a' : `a${i - 1}`}, *${i === 1 ? 'a' : `a${i - 1}`}, *${i === 1 ? 'a' : `a${i - 1}`}]`);
    lines.push('result_log: { type: redis, address: "h:1", name: BOMB }');
    const started = performance.now();
    const { definitions } = parsePipelineFile(lines.join('\n'));
    assert.equal(definitions[0]?.resultName, 'BOMB');
    assert.ok(performance.now() - started < 5000);
  });

  test('a merge cycle does not loop', () => {
    const text = 'base: &b\n  <<: *b\nresult_log:\n  <<: *b\n  type: redis\n  name: CYCLE\n';
    const { definitions, problems } = parsePipelineFile(text);
    // yaml rejects the self-reference as an error, or it is cut by the hop bound: never a hang.
    assert.ok(definitions.length + problems.length >= 1);
  });

  /**
   * Anchors that merge lists of aliases to the anchor before them: a lookup that searches every merge
   * source again costs width^levels map searches per key, and absent keys (password, ttl …) are
   * searched everywhere. Here 5^6 = 15,625 per key; 365 bytes of this shape took a minute.
   */
  function mergeBomb(levels: number, width: number): string {
    const lines = ['a0: &a0 { address: "bomb.invalid:1" }'];
    const aliases = (i: number) => Array(width).fill(`*a${i}`).join(', ');
    for (let i = 1; i <= levels; i++) lines.push(`a${i}: &a${i} { <<: [${aliases(i - 1)}] }`);
    lines.push(`result_log: { <<: [${aliases(levels)}], type: redis, name: BOMB }`);
    return `${lines.join('\n')}\n`;
  }

  test('a merge bomb is read with each map searched once per key: the work is bounded by its size', () => {
    const text = mergeBomb(6, 5);
    const { definitions, problems, steps } = parsePipelineFile(text);
    assert.deepEqual(problems, []);
    assert.equal(definitions[0]?.resultName, 'BOMB');
    assert.equal(definitions[0]?.address, 'bomb.invalid:1', 'found through six levels of merges');
    assert.equal(definitions[0]?.hasPassword, false, 'an absent key searched everywhere, once');
    // 7 keys read, each looking at every map entry and merge source at most once: about 7 × 40.
    assert.ok(steps <= 7 * 45, `${steps} steps`);
    assert.equal(readResultLogPassword(text, 0), undefined);
  });

  test('a shape that needs more than the lookup budget is skipped with too-complex, after at most that many steps', () => {
    // 4,000 merge sources, every absent key looks at each: no pipeline is written like this.
    const text = `a: &a { x: 1 }\nresult_log:\n  <<: [${Array(4000).fill('*a').join(', ')}]\n  type: redis\n  name: WIDE\n`;
    const { definitions, problems, steps } = parsePipelineFile(text);
    assert.deepEqual(definitions, []);
    assert.deepEqual(problems, [{ code: 'too-complex', documentIndex: 0, line: 1, limit: MAX_LOOKUP_STEPS }], 'reported at result_log');
    assert.ok(steps <= MAX_LOOKUP_STEPS + 1, `${steps} steps`);
    assert.equal(readResultLogPassword(text, 0), undefined);
    // The other documents of the file are read as usual.
    const both = parsePipelineFile(`${text}---\nresult_log: { type: redis, name: NEXT }\n`);
    assert.deepEqual(both.definitions.map((d) => d.resultName), ['NEXT']);
    assert.deepEqual(both.problems.map((p) => p.code), ['too-complex']);
  });

  test('merges nested deeper than a pipeline needs are skipped with too-complex, not followed to the end', () => {
    const lines = ['a0: &a0 { address: "deep.invalid:1" }'];
    for (let i = 1; i <= 100; i++) lines.push(`a${i}: &a${i} { <<: *a${i - 1} }`);
    lines.push('result_log: { <<: *a100, type: redis, name: DEEP }');
    const { definitions, problems } = parsePipelineFile(lines.join('\n'));
    assert.deepEqual(definitions, []);
    assert.deepEqual(problems.map((p) => p.code), ['too-complex']);
  });

  test('a key written twice in a map that is read is still an error (yaml.v3 refuses the file); elsewhere it is not looked at', () => {
    const { definitions, problems } = parsePipelineFile('result_log:\n  type: redis\n  name: ONE\n  name: TWO\n');
    assert.deepEqual(definitions, []);
    assert.equal(problems[0]?.code, 'yaml-error');
    assert.equal(problems[0]?.code === 'yaml-error' && problems[0].line, 3);
    // The parser's own check compares each key with every earlier one (quadratic): it is off.
    const wide = parsePipelineFile(`result_log: { type: redis, name: WIDE }\nlookup:\n${Array.from({ length: 2000 }, (_, i) => `  k${i}: ${i}`).join('\n')}\n  k1: again\n`);
    assert.deepEqual(wide.definitions.map((d) => d.resultName), ['WIDE']);
  });

  test('names are bounded', () => {
    const { definitions } = parsePipelineFile(`result_log:\n  type: redis\n  name: ${'n'.repeat(5000)}\n`);
    assert.equal(definitions[0].resultName.length, 512);
  });
});

describe('publishesTo', () => {
  const [plain] = parsePipelineFile('result_log: { type: redis, name: MASK_V001 }').definitions;
  const [template] = parsePipelineFile('result_log: { type: redis, name: "orders:{{REGION}}:weekly" }').definitions;
  test('a plain name matches itself only', () => {
    assert.equal(publishesTo(plain, 'MASK_V001'), true);
    assert.equal(publishesTo(plain, 'MASK_V0011'), false);
  });
  test('a template matches any filling of its placeholders, and regex characters in it are literal', () => {
    assert.equal(publishesTo(template, 'orders:eu:weekly'), true);
    assert.equal(publishesTo(template, 'orders::weekly'), false);
    assert.equal(publishesTo(template, 'orders:eu:weeklyX'), false);
    const [dotted] = parsePipelineFile('result_log: { type: redis, name: "a.b-{{X}}" }').definitions;
    assert.equal(publishesTo(dotted, 'a.b-1'), true);
    assert.equal(publishesTo(dotted, 'aXb-1'), false);
  });
  test('a template matches as the regular expression of its parts joined by ".+" would, without its backtracking', () => {
    const templates = ['{{A}}', 'x{{A}}', '{{A}}x', '{{A}}{{B}}', 'a{{A}}a{{B}}a', '{{A}}ab{{B}}ab', 'ab{{A}}{{B}}ba', 'a{{X}}\n{{Y}}'];
    const names = ['', 'a', 'x', 'ax', 'xa', 'aa', 'aaa', 'aaaa', 'aaaaa', 'abab', 'aabab', 'ababab', 'abxyba', 'abxba', 'ab\nba', 'a\n\nb', 'a1\n2'];
    for (const name of templates) {
      const [definition] = parsePipelineFile(`result_log: { type: redis, name: ${JSON.stringify(name)} }`).definitions;
      const pattern = new RegExp(`^${name.split(/\{\{[^{}]*\}\}/).map((p) => p.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')).join('.+')}$`, 's');
      for (const candidate of names) assert.equal(publishesTo(definition, candidate), pattern.test(candidate), `${JSON.stringify(name)} ~ ${JSON.stringify(candidate)}`);
    }
    // Twelve placeholders in a row against a name that does not end as the template does: the
    // regular expression took minutes for this; the matcher looks at each character a few times.
    const [many] = parsePipelineFile(`result_log: { type: redis, name: "${'{{V}}'.repeat(12)}x" }`).definitions;
    assert.equal(publishesTo(many, 'a'.repeat(200)), false);
    assert.equal(publishesTo(many, `${'a'.repeat(200)}x`), true);
  });
});

describe('PipelineIndex', () => {
  async function indexFixtures(): Promise<{ index: PipelineIndex; problems: IndexProblem[] }> {
    const index = new PipelineIndex();
    const problems: IndexProblem[] = [];
    index.onProblem((p) => problems.push(p));
    await index.indexAll(await allFixtures(), fixture);
    return { index, problems };
  }

  test('maps result names to their files and lines, and reports the skipped files', async () => {
    const { index, problems } = await indexFixtures();
    assert.deepEqual(index.pipelineFiles().sort(), ['erp/mask_sync.yaml', 'multi/bundle.yaml', 'shared/anchors.yaml', 'travel/extract_sales.yaml', 'travel/load_sales.yaml']);
    assert.equal(index.definitionCount, 6);
    assert.deepEqual(
      index.locate('travel:sales:load').map((l) => l.file),
      ['travel/load_sales.yaml'],
    );
    assert.deepEqual(index.locate('orders:eu:weekly').map((l) => l.file), ['multi/bundle.yaml']);
    assert.deepEqual(index.locate('NOT_INDEXED'), []);
    assert.deepEqual(
      problems.map((p) => [p.file, p.problem.code]).sort(),
      [
        ['broken/no-name.yaml', 'missing-name'],
        ['broken/unclosed.yaml', 'yaml-error'],
      ],
    );
  });

  test('several files publishing to one result name are all located', async () => {
    const index = new PipelineIndex();
    index.update('b.yaml', 'name: two\nresult_log: { type: redis, name: SHARED }');
    index.update('a.yaml', 'name: one\nresult_log: { type: redis, name: SHARED }');
    assert.deepEqual(
      index.locate('SHARED').map((l) => [l.file, l.definition.pipelineName]),
      [
        ['a.yaml', 'one'],
        ['b.yaml', 'two'],
      ],
    );
  });

  test('edits, deletions and breakage follow the file; change events name it', async () => {
    const index = new PipelineIndex();
    const changes: string[][] = [];
    index.onDidChange((files) => changes.push([...files]));
    index.update('p.yaml', 'result_log: { type: redis, name: FIRST }');
    index.update('p.yaml', 'result_log: { type: redis, name: SECOND }');
    assert.deepEqual(index.locate('FIRST'), []);
    assert.equal(index.locate('SECOND').length, 1);
    index.update('p.yaml', 'result_log: { type: redis, name: "SECOND }');
    assert.deepEqual(index.locate('SECOND'), [], 'a file broken by an edit stops publishing until it parses again');
    index.update('other.yaml', 'services: {}');
    index.remove('p.yaml');
    assert.deepEqual(changes, [['p.yaml'], ['p.yaml'], ['p.yaml']], 'a YAML file that never published causes no change event');
  });

  test('endpoints: one per distinct address and db, whether a file writes a password', async () => {
    const { index } = await indexFixtures();
    assert.deepEqual(
      index.endpoints().map((e) => [e.address, e.db, e.passwordInFile, e.files.length]).sort(),
      [
        ['10.0.0.5:6379', 0, false, 1],
        ['127.0.0.1:6379', 0, false, 1],
        ['localhost:6379', 0, false, 1],
        ['localhost:6379', 2, true, 1],
        ['redis.staging.internal:6380', 3, false, 1],
      ],
    );
    const withPassword = index.endpoints().find((e) => e.passwordInFile);
    assert.deepEqual(withPassword?.passwordAt, { file: 'travel/load_sales.yaml', documentIndex: 0 }, 'where to read it from, only when asked');
    assert.equal(JSON.stringify(index.endpoints()).includes('not-a-real-secret'), false, 'the value is not in the index');
  });

  test('indexAll yields to the event loop while it works, and a file that cannot be read is skipped', async () => {
    const index = new PipelineIndex();
    const files = Array.from({ length: 400 }, (_, i) => `f${i}.yaml`);
    let ticks = 0;
    const ticker = setInterval(() => ticks++, 0);
    const text = await fixture('erp/mask_sync.yaml');
    const result = await index.indexAll([...files, 'gone.yaml'], async (file) => {
      if (file === 'gone.yaml') throw new Error('ENOENT');
      return text;
    }, { sliceMs: 1 });
    clearInterval(ticker);
    assert.deepEqual(result, { indexed: 400, skipped: 1 });
    assert.equal(index.locate('MASK_V001').length, 400);
    assert.ok(ticks > 0, 'timers ran while indexing');
  });

  test('a file too large to be a pipeline file is given by its size only: reported as too-large, never read or parsed', async () => {
    const index = new PipelineIndex();
    const problems: IndexProblem[] = [];
    index.onProblem((p) => problems.push(p));
    const huge = 2 * 1024 ** 3;
    assert.deepEqual(await index.indexAll(['huge.yaml'], async () => ({ bytes: huge })), { indexed: 1, skipped: 0 });
    assert.deepEqual(problems, [{ file: 'huge.yaml', problem: { code: 'too-large', bytes: huge, limit: MAX_PIPELINE_FILE_BYTES } }]);
    assert.equal(index.definitionCount, 0);
  });

  test('a newer indexAll stops an unfinished one', async () => {
    const index = new PipelineIndex();
    const text = 'result_log: { type: redis, name: OLD }';
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const first = index.indexAll(['a.yaml'], async () => {
      await gate;
      return text;
    });
    index.clear();
    release();
    assert.deepEqual(await first, { indexed: 0, skipped: 0 });
    assert.deepEqual(index.locate('OLD'), []);
  });
});
