// A scenario file read as the orchestrator reads it: the header of the first document, the name
// from the file, the hash of the raw bytes, and result_log.name; hostile files bounded.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { describe, test } from 'node:test';
import { readScenarioFile, readScenarioHeader, scenarioNameFromPath } from '../../src/core/orchestrator/scenarioFile';
import { MAX_PIPELINE_FILE_BYTES } from '../../src/core/pipelineFiles';

const utf8 = (text: string) => new TextEncoder().encode(text);

const SCENARIO = `# a scenario
orchestrator:
  name: city-sync
  description: customers of every city but one
  params:
    - name: skip_city
      required: true
      pattern: "[A-Za-z]+"
    - name: limit
      default: 10
  permissions: [sqlite]
  runner: tdtpcli
name: "customers-without-{{.skip_city}}"
result_log:
  type: redis
  address: "127.0.0.1:6379"
  name: CITY_SYNC
`;

describe('scenario files', () => {
  test('the header, the result name, and the SHA-256 of the raw bytes', () => {
    const bytes = utf8(SCENARIO);
    const file = readScenarioFile('/w/scenarios/city.yaml', bytes);
    assert.equal(file.sha256, createHash('sha256').update(bytes).digest('hex'));
    assert.deepEqual(file.header, {
      name: 'city-sync',
      nameFromFile: false,
      description: 'customers of every city but one',
      params: [
        { name: 'skip_city', required: true, default: '', pattern: '[A-Za-z]+' },
        // yaml.v3 decodes a number into a Go string as its text.
        { name: 'limit', required: false, default: '10', pattern: '' },
      ],
      permissions: ['sqlite'],
      runner: 'tdtpcli',
      line: 1,
    });
    assert.equal(file.resultName, 'CITY_SYNC');
    assert.equal(file.resultNameIsTemplate, false);
    assert.deepEqual(file.problems, []);
  });

  test('a BOM or a changed byte changes the hash: the editor’s text is not the file', () => {
    const plain = readScenarioFile('a.yaml', utf8(SCENARIO)).sha256;
    const bom = readScenarioFile('a.yaml', new Uint8Array([0xef, 0xbb, 0xbf, ...utf8(SCENARIO)]));
    assert.notEqual(bom.sha256, plain);
    assert.equal(bom.header?.name, 'city-sync');
    assert.notEqual(readScenarioFile('a.yaml', utf8(SCENARIO.replace('Omsk', 'Tver') + ' ')).sha256, plain);
  });

  test('without a name the file’s base name is the scenario’s name; a templated result name is said so', () => {
    const file = readScenarioFile('C:\\w\\nightly.load.yaml', utf8('orchestrator: {description: x}\nresult_log: {type: redis, name: "R_{{.city}}"}\n'));
    assert.equal(file.header?.name, 'nightly.load');
    assert.equal(file.header?.nameFromFile, true);
    assert.equal(file.resultNameIsTemplate, true);
    assert.equal(scenarioNameFromPath('/a/b/c.yaml'), 'c');
  });

  test('only the first document is the scenario (yaml.v3 decodes the first)', () => {
    const file = readScenarioFile('a.yaml', utf8('name: p\n---\norchestrator: {name: second}\n'));
    assert.equal(file.header, undefined);
  });

  test('hostile files: aliases bounded, wrong types dropped, size bounded, broken YAML a fact', () => {
    const laughs = ['a: &a [x, x, x, x, x, x, x, x, x, x]'];
    for (let i = 1; i < 9; i++) laughs.push(`${String.fromCharCode(97 + i)}: &${String.fromCharCode(97 + i)} [${Array(10).fill(`*${String.fromCharCode(96 + i)}`).join(', ')}]`);
    const bomb = `${laughs.join('\n')}\norchestrator:\n  name: bomb\n  params: *i\n`;
    const started = process.hrtime.bigint();
    const file = readScenarioFile('bomb.yaml', utf8(bomb));
    assert.equal(file.header, undefined);
    assert.deepEqual(file.problems, [{ code: 'notHeader' }]);
    assert.ok(process.hrtime.bigint() - started < 2_000_000_000n, 'bounded work');

    const typed = readScenarioFile('t.yaml', utf8('orchestrator:\n  name: [1]\n  params: [{name: {x: 1}}, "p", {name: ok, required: "yes"}]\n  permissions: [1, a]\n'));
    assert.equal(typed.header?.name, 't');
    assert.deepEqual(typed.header?.params, [{ name: 'ok', required: false, default: '', pattern: '' }]);
    assert.deepEqual(typed.header?.permissions, ['a']);

    const big = readScenarioFile('big.yaml', new Uint8Array(MAX_PIPELINE_FILE_BYTES + 1));
    assert.equal(big.header, undefined);
    assert.equal(big.problems[0]?.code, 'tooLarge');

    const broken = readScenarioFile('b.yaml', utf8('orchestrator:\n  name: x\n bad: [\n'));
    assert.equal(broken.header, undefined);
    assert.equal(broken.problems[0]?.code, 'yamlError');

    assert.equal(readScenarioFile('s.yaml', utf8('orchestrator: just text\n')).problems[0]?.code, 'notHeader');
  });

  test('the header alone (a CodeLens on every edit): as the whole read has it, from the first document only, bounded', () => {
    assert.deepEqual(readScenarioHeader('/w/scenarios/city.yaml', SCENARIO), readScenarioFile('/w/scenarios/city.yaml', utf8(SCENARIO)).header);
    assert.equal(readScenarioHeader('a.yaml', 'name: p\n---\norchestrator: {name: second}\n'), undefined);
    // What follows the first document is not read: a broken second one changes nothing.
    assert.equal(readScenarioHeader('a.yaml', `${SCENARIO}---\nbad: [\n`)?.name, 'city-sync');
    assert.equal(readScenarioHeader('b.yaml', 'orchestrator:\n  name: x\n bad: [\n'), undefined);
    const padding = `# ${'я'.repeat(MAX_PIPELINE_FILE_BYTES / 2)}\n`;
    assert.equal(readScenarioHeader('big.yaml', `${SCENARIO}${padding}`), undefined, 'bounded in bytes, not characters');
  });
});

