import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { ActionRule } from '../../src/core/actions';
import { expandUrl, parseActionRules, planAction, templateVars } from '../../src/core/actions';
import { mkRecord } from '../support/records';

/*
 * An event value fills data; it never picks what runs, where a URL goes, or which part
 * of the URL it lands in.
 */

function only(value: Record<string, unknown>): { rule?: ActionRule; codes: string[]; values: string[][] } {
  const parsed = parseActionRules([value]);
  return { rule: parsed.rules[0], codes: parsed.problems.map((p) => p.code), values: parsed.problems.map((p) => [p.at, ...p.values]) };
}

/** Values a publisher could send, each aimed at escaping its place in a URL. */
const HOSTILE_URL_VALUES = [
  'x&reporter=someone',
  'x&summary=forged',
  '../../x',
  '..%2F..%2Fadmin',
  '%26reporter%3Dsomeone',
  'a/b/c',
  'a?b=c',
  '#fragment',
  'x#y?z',
  '@evil.example',
  '//evil.example/x',
  'http://evil.example/',
  '\\\\evil.example\\x',
  'a b\nc\r\nd\te',
  '\u0000nul',
  '+plus+',
  ';jsessionid=1',
  'ключ € 😀',
  '\u202Eevil',
  '%',
  '%%41',
  '%2e%2e',
  '.%2E',
  '...',
];

describe('openUrl: every value stays inside its path segment, query value or fragment', () => {
  const template = 'https://jira.example/browse/${result_name}/view?summary=${pipeline_name}&reporter=bot#${error}';

  for (const value of HOSTILE_URL_VALUES) {
    test(JSON.stringify(value), () => {
      const vars = templateVars(mkRecord({ resultName: value, pipeline: value, status: 'failed', error: value }));
      const expanded = expandUrl(template, vars);
      assert.ok(expanded.ok, JSON.stringify(expanded));
      const url = new URL(expanded.url);
      assert.equal(url.origin, 'https://jira.example', 'the server is the template\'s');
      const segments = url.pathname.split('/');
      assert.deepEqual([segments.length, segments[1], segments[3]], [4, 'browse', 'view'], `the path keeps its segments: ${url.pathname}`);
      assert.equal(decodeURIComponent(segments[2]), value, 'the segment decodes back to the value');
      assert.deepEqual([...url.searchParams.keys()], ['summary', 'reporter'], 'no parameter was added');
      assert.equal(url.searchParams.get('summary'), value);
      assert.equal(url.searchParams.get('reporter'), 'bot');
      assert.equal(decodeURIComponent(url.hash.slice(1)), value, 'the fragment decodes back to the value');
      // What is opened is this exact string (src/vscode/actions/runner.ts passes it on as a string).
      assert.equal(url.href, expanded.url, 'the string is already in the form a browser keeps');
    });
  }

  for (const [segment, value] of [['${result_name}', '..'], ['${result_name}', '.'], ['.${result_name}', '.'], ['%2e${result_name}', '.'], ['${result_name}${result_name}', '.']]) {
    test(`a segment ${segment} that the value ${JSON.stringify(value)} makes "." or ".." is refused, not opened`, () => {
      const vars = templateVars(mkRecord({ resultName: value }));
      const expanded = expandUrl(`https://jira.example/projects/OPS/${segment}/new`, vars);
      assert.equal(expanded.ok, false);
      if (!expanded.ok) assert.equal(expanded.problem.code, 'urlDotSegment');
    });
  }

  test('dots inside a longer segment are harmless and kept', () => {
    const expanded = expandUrl('https://h.example/a/${result_name}', templateVars(mkRecord({ resultName: '..x' })));
    assert.deepEqual(expanded, { ok: true, url: 'https://h.example/a/..x' });
  });

  test('planAction names the rule for a refused URL', () => {
    const { rule } = only({ run: { openUrl: 'https://h.example/a/${result_name}' } });
    assert.ok(rule);
    assert.deepEqual(planAction(rule, templateVars(mkRecord({ resultName: '..' }))), {
      ok: false,
      problem: { at: 'tdtp.actions[0].run.openUrl', code: 'urlDotSegment', values: ['..', 'https://h.example/a/..'] },
    });
  });

  test('a value cannot stand in the scheme, the host, the user or the port', () => {
    for (const openUrl of ['${error}', 'https://${result_name}/', 'https://${result_name}.example/', 'https://u:${error}@h.example/', 'https://h.example:${rows_loaded}/', 'http${status}://h/']) {
      const { codes } = only({ run: { openUrl } });
      assert.equal(codes.length, 1, openUrl);
      assert.ok(['urlNotWeb', 'urlPlaceholderInHost'].includes(codes[0]), `${openUrl}: ${codes[0]}`);
    }
    assert.deepEqual(only({ run: { openUrl: 'https://h.example/$${result_name}' } }).codes, [], '$${x} is literal text, not a placeholder');
  });
});

describe('command args: an event value may fill data, never pick a command, a task, a file or a shell line', () => {
  // The three examples from the issue, each refused when the rule is read, naming the rule.
  test('workbench.action.terminal.sendSequence with {"text": "echo ${error}\\n"} is refused', () => {
    const { rule, codes, values } = only({ run: { command: 'workbench.action.terminal.sendSequence', args: [{ text: 'echo ${error}\n' }] } });
    assert.equal(rule, undefined);
    assert.deepEqual(codes, ['placeholderInCommand']);
    assert.deepEqual(values, [['tdtp.actions[0].run.args', 'error', 'workbench.action.terminal.sendSequence']]);
  });

  test('workbench.action.tasks.runTask with ["${pipeline_name}"] is refused', () => {
    const { rule, codes } = only({ run: { command: 'workbench.action.tasks.runTask', args: ['${pipeline_name}'] } });
    assert.equal(rule, undefined);
    assert.deepEqual(codes, ['placeholderInCommand']);
  });

  test('tdtp.exportHistory with a templated uri is refused', () => {
    const { rule, codes } = only({ run: { command: 'tdtp.exportHistory', args: [{ uri: '/tmp/${pipeline_name}.csv', format: 'csv' }] } });
    assert.equal(rule, undefined);
    assert.deepEqual(codes, ['placeholderInCommand']);
  });

  test('the same shapes with any other command: positional strings and "what runs" keys are refused', () => {
    const cases: Array<[unknown[], string, string[]]> = [
      [['${pipeline_name}'], 'placeholderPositional', ['pipeline_name', '1']],
      [['fixed', '${result_name}'], 'placeholderPositional', ['result_name', '2']],
      [[['${error}']], 'placeholderPositional', ['error', '1']],
      [[{ text: 'echo ${error}\n' }], 'placeholderUnderKey', ['error', 'text']],
      [[{ uri: 'file:///tmp/${result_name}' }], 'placeholderUnderKey', ['result_name', 'uri']],
      [[{ Task: '${pipeline_name}' }], 'placeholderUnderKey', ['pipeline_name', 'Task']],
      [[{ options: { cwd: '/srv/${result_name}' } }], 'placeholderUnderKey', ['result_name', 'cwd']],
      [[{ path: { deeper: ['${error}'] } }], 'placeholderUnderKey', ['error', 'path']],
      [[{ command: 'x', args: ['${error}'] }], 'placeholderUnderKey', ['error', 'args']],
    ];
    for (const [args, code, expected] of cases) {
      const parsed = parseActionRules([{ run: { command: 'myExt.do', args } }]);
      assert.deepEqual(parsed.rules, [], JSON.stringify(args));
      assert.deepEqual(
        parsed.problems.map((p) => [p.code, ...p.values]),
        [[code, ...expected]],
        JSON.stringify(args),
      );
    }
  });

  test('data inside an object argument is allowed, and so is anything without a placeholder', () => {
    const allowed: Array<[string, unknown[]]> = [
      ['myExt.createIncident', [{ title: '${pipeline_name} failed', body: '${error}', tags: ['${status}'], meta: { rows: '${rows_loaded}' } }]],
      ['workbench.action.tasks.runTask', ['airflow-trigger']],
      ['workbench.action.terminal.sendSequence', [{ text: 'echo fixed\n' }]],
      ['myExt.do', ['$${pipeline_name}', '${not_a_variable}', 42, null, true]],
    ];
    for (const [command, args] of allowed) assert.deepEqual(only({ run: { command, args } }).codes, [], command);
  });

  test('run.task and run.command are never expanded', () => {
    const task = only({ run: { task: '${pipeline_name}' } }).rule;
    assert.ok(task);
    const plan = planAction(task, templateVars(mkRecord({ pipeline: 'other-task' })));
    assert.deepEqual(plan.ok && plan.action.kind === 'task' && plan.action.task, '${pipeline_name}');
    const command = only({ run: { command: '${pipeline_name}' } }).rule;
    assert.ok(command);
    const cmdPlan = planAction(command, templateVars(mkRecord({ pipeline: 'workbench.action.terminal.new' })));
    assert.deepEqual(cmdPlan.ok && cmdPlan.action.kind === 'command' && cmdPlan.action.command, '${pipeline_name}');
  });
});
