import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import type {
  ActionDecision,
  ActionEvent,
  ActionRule,
  RuleProblem,
  TemplateVars} from '../../src/core/actions';
import {
  ACTION_TRANSITIONS,
  SAMPLE_VARS,
  MAX_ENV_VALUE_CHARS,
  MAX_URL_VALUE_CHARS,
  RateLimiter,
  TEMPLATE_VARIABLES,
  checkActionUrl,
  compileGlob,
  decideActions,
  plannedActionParts,
  envName,
  expandArgs,
  expandTemplate,
  explainMismatch,
  matchRules,
  parseActionRules,
  planAction,
  ruleLabel,
  taskEnvironment,
  templateVars,
} from '../../src/core/actions';
import { isLateNews } from '../../src/core/alerts/lateNews';
import type { AlertTransition, Lateness } from '../../src/core/alerts/tracker';
import type { RunSource } from '../../src/core/runs';
import type { Got } from '../../src/core/validate';
import type { RecordSpec } from '../support/records';
import { RECORD_FINISHED_AT, mkRecord } from '../support/records';

/** Parses rules that must be valid; fails the test with the problems otherwise. */
function rules(value: unknown[]): ActionRule[] {
  const parsed = parseActionRules(value);
  assert.deepEqual(parsed.problems, []);
  assert.equal(parsed.rules.length, value.length);
  return parsed.rules;
}

function rule(value: Record<string, unknown>): ActionRule {
  return rules([value])[0];
}

function problemsOf(value: unknown): RuleProblem[] {
  return parseActionRules(value).problems;
}

/** A problem as the parser reports it. */
function P(at: string, code: RuleProblem['code'], values: string[] = [], got?: Got): RuleProblem {
  return { at, code, values, ...(got ? { got } : {}) };
}

const text = (value: string): Got => ({ kind: 'text', shown: JSON.stringify(value) });

const HOSTILE_ERROR = `disk full & retry=no #frag ?x=1 "quoted" 'single' 100% \${connection}\nsecond line\r\n$(rm -rf ~) \`id\`; rm -rf / ; echo "$HOME" € ключ 😀`;

describe('parseActionRules: accepted rules', () => {
  test('nothing configured is no rules and no problems', () => {
    assert.deepEqual(parseActionRules(undefined), { rules: [], problems: [] });
    assert.deepEqual(parseActionRules(null), { rules: [], problems: [] });
    assert.deepEqual(parseActionRules([]), { rules: [], problems: [] });
  });

  test('a full rule is normalised: status list, defaults, index', () => {
    const [r] = rules([
      {
        name: 'alert on failure',
        when: { status: 'failed', dataQualityWarning: false, resultName: 'MASK_*', pipelineName: 'erp_?ask_sync', connection: 'prod' },
        run: { task: 'alert' },
      },
    ]);
    assert.deepEqual(r, {
      index: 0,
      name: 'alert on failure',
      when: { status: ['failed'], dataQualityWarning: false, resultName: 'MASK_*', pipelineName: 'erp_?ask_sync', connection: 'prod' },
      run: { kind: 'task', task: 'alert' },
      includeRecovered: false,
      rateLimit: { perResultNameSeconds: 60, perMinute: 10 },
    });
  });

  test('the three kinds of run, a status list, rateLimit false / 0 / custom, includeRecovered', () => {
    const parsed = rules([
      { run: { command: 'workbench.action.x', args: [{ title: '${result_name}' }, { n: 1, deep: [null, true] }] }, rateLimit: false },
      { run: { command: 'x' }, rateLimit: { perResultNameSeconds: 0 } },
      { when: { status: ['failed', 'completed_with_errors', 'unknown'] }, run: { openUrl: 'https://jira.example/new?s=${result_name}' }, includeRecovered: true, rateLimit: { perResultNameSeconds: 2.5 } },
      { run: { task: 't' }, rateLimit: {} },
    ]);
    assert.deepEqual(parsed[0].run, { kind: 'command', command: 'workbench.action.x', args: [{ title: '${result_name}' }, { n: 1, deep: [null, true] }] });
    assert.equal(parsed[0].rateLimit, false);
    assert.deepEqual(parsed[1].run, { kind: 'command', command: 'x', args: [] });
    assert.deepEqual(parsed[1].rateLimit, { perResultNameSeconds: 0, perMinute: 10 }, 'no window per result_name, but still a limit per minute');
    assert.deepEqual(parsed[2].when.status, ['failed', 'completed_with_errors', 'unknown']);
    assert.equal(parsed[2].includeRecovered, true);
    assert.deepEqual(parsed[2].rateLimit, { perResultNameSeconds: 2.5, perMinute: 10 });
    assert.deepEqual(parsed[3].rateLimit, { perResultNameSeconds: 60, perMinute: 10 });
    assert.deepEqual(parsed.map((r) => r.index), [0, 1, 2, 3]);
  });

  test('when.on: one transition becomes a list; a list is kept in its order; without it there is none', () => {
    const parsed = rules([
      { when: { on: 'firstFailure' }, run: { task: 't' } },
      { when: { on: ['late', 'recovered', 'backOnTime'], status: 'failed' }, run: { task: 't' } },
      { when: { on: [...ACTION_TRANSITIONS] }, run: { task: 't' } },
      { when: { status: 'failed' }, run: { task: 't' } },
    ]);
    assert.deepEqual(parsed[0].when, { on: ['firstFailure'] });
    assert.deepEqual(parsed[1].when, { on: ['late', 'recovered', 'backOnTime'], status: ['failed'] });
    assert.deepEqual(parsed[2].when.on, ['firstFailure', 'stillFailing', 'recovered', 'dqChanged', 'dqGrew', 'unusual', 'late', 'stateExpired', 'backOnTime']);
    assert.equal(Object.hasOwn(parsed[3].when, 'on'), false);
  });

  test('an invalid rule is left out; the others keep their settings index', () => {
    const parsed = parseActionRules([{ run: {} }, { run: { task: 'ok' } }, 'nonsense', { run: { task: 'ok2' } }]);
    assert.deepEqual(
      parsed.rules.map((r) => r.index),
      [1, 3],
    );
    assert.deepEqual(parsed.problems, [P('tdtp.actions[0].run', 'noRunKind', ['task, command, openUrl']), P('tdtp.actions[2]', 'notRule', [], text('nonsense'))]);
  });
});

describe('parseActionRules: each problem names the rule and the field', () => {
  const KINDS = 'task, command, openUrl';
  const STATUSES = 'success, failed, completed_with_errors, unknown';
  const TRANSITIONS = 'firstFailure, stillFailing, recovered, dqChanged, dqGrew, unusual, late, stateExpired, backOnTime';
  const cases: Array<[string, unknown, RuleProblem[]]> = [
    ['not an array', { run: { task: 'x' } }, [P('tdtp.actions', 'notRules', [], { kind: 'object' })]],
    ['a rule that is not an object', [null], [P('tdtp.actions[0]', 'notRule', [], { kind: 'null' })]],
    ['a rule that is an array', [[]], [P('tdtp.actions[0]', 'notRule', [], { kind: 'array' })]],
    ['run missing', [{ name: 'x' }], [P('tdtp.actions[0].run', 'runMissing', [KINDS])]],
    ['run is text', [{ run: 'alert' }], [P('tdtp.actions[0].run', 'notRun', [KINDS], text('alert'))]],
    ['run empty, at index 2', [null, 1, { run: {} }], [P('tdtp.actions[0]', 'notRule', [], { kind: 'null' }), P('tdtp.actions[1]', 'notRule', [], { kind: 'number', shown: '1' }), P('tdtp.actions[2].run', 'noRunKind', [KINDS])]],
    ['two kinds', [{ run: { task: 'a', openUrl: 'https://x' } }], [P('tdtp.actions[0].run', 'manyRunKinds', [KINDS, 'task, openUrl'])]],
    ['unknown run field', [{ run: { task: 'a', taks: 'b' } }], [P('tdtp.actions[0].run.taks', 'unknownField', ['taks', 'task, command, openUrl, args'])]],
    ['empty task', [{ run: { task: '  ' } }], [P('tdtp.actions[0].run.task', 'notTaskLabel', [], text('  '))]],
    ['command not text', [{ run: { command: 5 } }], [P('tdtp.actions[0].run.command', 'notCommandId', [], { kind: 'number', shown: '5' })]],
    ['args not an array', [{ run: { command: 'c', args: 'x' } }], [P('tdtp.actions[0].run.args', 'notArgs', [], text('x'))]],
    ['args with a task', [{ run: { task: 't', args: [] } }], [P('tdtp.actions[0].run.args', 'argsWithoutCommand')]],
    ['args not JSON', [{ run: { command: 'c', args: [Infinity] } }], [P('tdtp.actions[0].run.args', 'argsNotJsonNumber', ['Infinity'])]],
    ['openUrl javascript:', [{ run: { openUrl: 'javascript:alert(1)' } }], [P('tdtp.actions[0].run.openUrl', 'urlNotWeb', ['javascript:alert(1)'])]],
    ['openUrl file:', [{ run: { openUrl: 'file:///etc/passwd' } }], [P('tdtp.actions[0].run.openUrl', 'urlNotWeb', ['file:///etc/passwd'])]],
    ['openUrl vscode:', [{ run: { openUrl: 'vscode://vscode.git/clone?url=${error}' } }], [P('tdtp.actions[0].run.openUrl', 'urlNotWeb', ['vscode://vscode.git/clone?url=${error}'])]],
    ['openUrl scheme from a variable', [{ run: { openUrl: '${error}' } }], [P('tdtp.actions[0].run.openUrl', 'urlNotWeb', ['${error}'])]],
    ['openUrl without a host', [{ run: { openUrl: 'https://' } }], [P('tdtp.actions[0].run.openUrl', 'urlInvalid', ['https://'])]],
    ['openUrl host from a variable', [{ run: { openUrl: 'https://${result_name}.dashboards.example/' } }], [P('tdtp.actions[0].run.openUrl', 'urlPlaceholderInHost', ['result_name'])]],
    ['openUrl port from a variable', [{ run: { openUrl: 'https://h.example:${rows_loaded}/' } }], [P('tdtp.actions[0].run.openUrl', 'urlPlaceholderInHost', ['rows_loaded'])]],
    ['unknown rule field', [{ whne: {}, run: { task: 't' } }], [P('tdtp.actions[0].whne', 'unknownField', ['whne', 'name, when, run, includeRecovered, rateLimit'])]],
    ['empty name', [{ name: '', run: { task: 't' } }], [P('tdtp.actions[0].name', 'notText', [], text(''))]],
    ['when not an object', [{ when: 'failed', run: { task: 't' } }], [P('tdtp.actions[0].when', 'notWhen', [], text('failed'))]],
    ['unknown when field', [{ when: { state: 'failed' }, run: { task: 't' } }], [P('tdtp.actions[0].when.state', 'unknownField', ['state', 'on, status, dataQualityWarning, resultName, pipelineName, connection'])]],
    ['unknown transition', [{ when: { on: 'firstFail' }, run: { task: 't' } }], [P('tdtp.actions[0].when.on', 'notTransition', [TRANSITIONS], text('firstFail'))]],
    ['bad transition in a list', [{ when: { on: ['recovered', 'Late'] }, run: { task: 't' } }], [P('tdtp.actions[0].when.on[1]', 'notTransition', [TRANSITIONS], text('Late'))]],
    ['a transition that is not text, in a list', [{ when: { on: [1] }, run: { task: 't' } }], [P('tdtp.actions[0].when.on[0]', 'notTransition', [TRANSITIONS], { kind: 'number', shown: '1' })]],
    ['empty transition list', [{ when: { on: [] }, run: { task: 't' } }], [P('tdtp.actions[0].when.on', 'emptyTransitionList')]],
    ['on an object', [{ when: { on: { kind: 'late' } }, run: { task: 't' } }], [P('tdtp.actions[0].when.on', 'notTransitions', [TRANSITIONS], { kind: 'object' })]],
    ['on true', [{ when: { on: true }, run: { task: 't' } }], [P('tdtp.actions[0].when.on', 'notTransitions', [TRANSITIONS], { kind: 'boolean', shown: 'true' })]],
    ['misspelt status', [{ when: { status: 'sucess' }, run: { task: 't' } }], [P('tdtp.actions[0].when.status', 'notStatus', [STATUSES], text('sucess'))]],
    ['bad status in a list', [{ when: { status: ['failed', 'FAILED'] }, run: { task: 't' } }], [P('tdtp.actions[0].when.status[1]', 'notStatus', [STATUSES], text('FAILED'))]],
    ['empty status list', [{ when: { status: [] }, run: { task: 't' } }], [P('tdtp.actions[0].when.status', 'emptyStatusList')]],
    ['status a number', [{ when: { status: 1 }, run: { task: 't' } }], [P('tdtp.actions[0].when.status', 'notStatuses', [STATUSES], { kind: 'number', shown: '1' })]],
    ['dataQualityWarning as text', [{ when: { dataQualityWarning: 'yes' }, run: { task: 't' } }], [P('tdtp.actions[0].when.dataQualityWarning', 'notBoolean', [], text('yes'))]],
    ['empty resultName', [{ when: { resultName: '' }, run: { task: 't' } }], [P('tdtp.actions[0].when.resultName', 'notGlob', [], text(''))]],
    ['pipelineName a number', [{ when: { pipelineName: 5 }, run: { task: 't' } }], [P('tdtp.actions[0].when.pipelineName', 'notGlob', [], { kind: 'number', shown: '5' })]],
    ['unclosed [', [{ when: { resultName: 'MASK_[0-9' }, run: { task: 't' } }], [P('tdtp.actions[0].when.resultName', 'globUnclosedBracket', ['MASK_[0-9', '6'])]],
    ['reversed range', [{ when: { pipelineName: '[z-a]*' }, run: { task: 't' } }], [P('tdtp.actions[0].when.pipelineName', 'globReversedRange', ['[z-a]*', 'z-a'])]],
    ['lone backslash', [{ when: { connection: 'prod\\' }, run: { task: 't' } }], [P('tdtp.actions[0].when.connection', 'globLoneBackslash', ['prod\\'])]],
    ['includeRecovered as text', [{ run: { task: 't' }, includeRecovered: 'true' }], [P('tdtp.actions[0].includeRecovered', 'notBoolean', [], text('true'))]],
    ['rateLimit true', [{ run: { task: 't' }, rateLimit: true }], [P('tdtp.actions[0].rateLimit', 'notRateLimit', [], { kind: 'boolean', shown: 'true' })]],
    ['negative seconds', [{ run: { task: 't' }, rateLimit: { perResultNameSeconds: -1 } }], [P('tdtp.actions[0].rateLimit.perResultNameSeconds', 'notSeconds', [], { kind: 'number', shown: '-1' })]],
    ['seconds as text', [{ run: { task: 't' }, rateLimit: { perResultNameSeconds: '60' } }], [P('tdtp.actions[0].rateLimit.perResultNameSeconds', 'notSeconds', [], text('60'))]],
    ['perMinute 0', [{ run: { task: 't' }, rateLimit: { perMinute: 0 } }], [P('tdtp.actions[0].rateLimit.perMinute', 'notCount', [], { kind: 'number', shown: '0' })]],
    ['perMinute a fraction', [{ run: { task: 't' }, rateLimit: { perMinute: 2.5 } }], [P('tdtp.actions[0].rateLimit.perMinute', 'notCount', [], { kind: 'number', shown: '2.5' })]],
    ['unknown rateLimit field', [{ run: { task: 't' }, rateLimit: { seconds: 5 } }], [P('tdtp.actions[0].rateLimit.seconds', 'unknownField', ['seconds', 'perResultNameSeconds, perMinute'])]],
  ];
  for (const [title, value, expected] of cases) {
    test(title, () => {
      const parsed = parseActionRules(value);
      assert.deepEqual(parsed.problems, expected);
      assert.deepEqual(parsed.rules, []);
    });
  }

  test('all the problems of one rule are reported at once', () => {
    assert.deepEqual(problemsOf([{ name: 3, when: { status: 'x', dataQualityWarning: 1 }, run: { task: 't' }, includeRecovered: 0 }]), [
      P('tdtp.actions[0].name', 'notText', [], { kind: 'number', shown: '3' }),
      P('tdtp.actions[0].when.status', 'notStatus', [STATUSES], text('x')),
      P('tdtp.actions[0].when.dataQualityWarning', 'notBoolean', [], { kind: 'number', shown: '1' }),
      P('tdtp.actions[0].includeRecovered', 'notBoolean', [], { kind: 'number', shown: '0' }),
    ]);
  });

  test('a "__proto__" key from settings JSON is an unknown field, not a prototype', () => {
    const value: unknown = JSON.parse('[{"run":{"task":"t"},"__proto__":{"includeRecovered":true}}]');
    assert.deepEqual(problemsOf(value), [P('tdtp.actions[0].__proto__', 'unknownField', ['__proto__', 'name, when, run, includeRecovered, rateLimit'])]);
  });
});

describe('matchRules', () => {
  const ev = (spec: RecordSpec = {}, connection?: string) => ({ record: mkRecord(spec), ...(connection !== undefined ? { connection } : {}) });
  const matches = (r: ActionRule, spec: RecordSpec = {}, connection?: string): boolean => matchRules([r], ev(spec, connection)).length === 1;

  test('status: one, a list, and unknown for statuses the framework does not define', () => {
    const failed = rule({ when: { status: 'failed' }, run: { task: 't' } });
    assert.equal(matches(failed, { status: 'failed', error: 'e' }), true);
    assert.equal(matches(failed, { status: 'success' }), false);
    assert.equal(matches(failed, { status: 'completed_with_errors' }), false);
    const bad = rule({ when: { status: ['failed', 'completed_with_errors'] }, run: { task: 't' } });
    assert.equal(matches(bad, { status: 'completed_with_errors' }), true);
    assert.equal(matches(bad, { status: 'success' }), false);
    const unknown = rule({ when: { status: 'unknown' }, run: { task: 't' } });
    assert.equal(matches(unknown, { status: 'paused' }), true);
    assert.equal(matches(unknown, { status: 'success' }), false);
    const any = rule({ run: { task: 't' } });
    for (const status of ['success', 'failed', 'completed_with_errors', 'weird']) assert.equal(matches(any, { status }), true, status);
  });

  test('dataQualityWarning: dropped and extra rows are warnings; ok and failed runs are not', () => {
    const warn = rule({ when: { dataQualityWarning: true }, run: { task: 't' } });
    const clean = rule({ when: { dataQualityWarning: false }, run: { task: 't' } });
    assert.equal(matches(warn, { loaded: 15000, exported: 14998 }), true);
    assert.equal(matches(warn, { loaded: 100, exported: 150 }), true);
    assert.equal(matches(warn, { loaded: 100, exported: 100 }), false);
    assert.equal(matches(warn, { status: 'failed', loaded: 100, exported: 0, error: 'x' }), false);
    assert.equal(matches(clean, { loaded: 100, exported: 100 }), true);
    assert.equal(matches(clean, { loaded: 100, exported: 99 }), false);
    const successWithDq = rule({ when: { status: 'success', dataQualityWarning: true }, run: { task: 't' } });
    assert.equal(matches(successWithDq, { status: 'completed_with_errors', loaded: 10, exported: 5 }), false);
    assert.equal(matches(successWithDq, { status: 'success', loaded: 10, exported: 5 }), true);
  });

  test('resultName globs: * ? and [..], anchored at both ends, case-sensitive', () => {
    const r = (glob: string) => rule({ when: { resultName: glob }, run: { task: 't' } });
    assert.equal(matches(r('MASK_*'), { resultName: 'MASK_V001' }), true);
    assert.equal(matches(r('MASK_*'), { resultName: 'XMASK_V001' }), false);
    assert.equal(matches(r('MASK_*'), { resultName: 'mask_V001' }), false);
    assert.equal(matches(r('MASK'), { resultName: 'MASK_V001' }), false);
    assert.equal(matches(r('MASK_V00?'), { resultName: 'MASK_V001' }), true);
    assert.equal(matches(r('MASK_V00?'), { resultName: 'MASK_V0010' }), false);
    assert.equal(matches(r('MASK_V[0-9][0-9][13]'), { resultName: 'MASK_V001' }), true);
    assert.equal(matches(r('MASK_V[0-9][0-9][23]'), { resultName: 'MASK_V001' }), false);
    assert.equal(matches(r('MASK_V00[!1]'), { resultName: 'MASK_V001' }), false);
    assert.equal(matches(r('MASK_V00[^2]'), { resultName: 'MASK_V001' }), true);
    assert.equal(matches(r('*'), { resultName: 'a:b/c' }), true);
  });

  test('regular-expression characters in a glob are literal', () => {
    const r = (glob: string) => rule({ when: { pipelineName: glob }, run: { task: 't' } });
    assert.equal(matches(r('erp.sync'), { pipeline: 'erp.sync' }), true);
    assert.equal(matches(r('erp.sync'), { pipeline: 'erpXsync' }), false);
    assert.equal(matches(r('a+b(c)|$^{2}'), { pipeline: 'a+b(c)|$^{2}' }), true);
    assert.equal(matches(r('a+b'), { pipeline: 'aab' }), false);
    assert.equal(matches(r('a\\*b'), { pipeline: 'a*b' }), true);
    assert.equal(matches(r('a\\*b'), { pipeline: 'aXb' }), false);
    assert.equal(matches(r('\\[prod\\] *'), { pipeline: '[prod] sync' }), true);
    assert.equal(matches(r('[]]x'), { pipeline: ']x' }), true);
    assert.equal(matches(r('[a-]x'), { pipeline: '-x' }), true);
    assert.equal(matches(r('back\\\\slash'), { pipeline: 'back\\slash' }), true);
    assert.equal(matches(r('выгрузка_*'), { pipeline: 'выгрузка_ЕРП' }), true);
    assert.equal(matches(r('выгрузка_*'), { pipeline: 'Выгрузка_ЕРП' }), false);
    assert.equal(matches(r('[а-я]*'), { pipeline: 'ключ' }), true);
    // ? is one character (code point), so an emoji outside the BMP is one ?.
    assert.equal(matches(r('run ?'), { pipeline: 'run 😀' }), true);
    assert.equal(matches(r('run ??'), { pipeline: 'run 😀' }), false);
    assert.equal(matches(r('*\n*'), { pipeline: 'two\nlines' }), true);
  });

  test('globs agree with a reference implementation (property)', () => {
    const reference = (glob: string, text: string): boolean => new RegExp(`^${[...glob].map((c) => (c === '*' ? '[\\s\\S]*' : c === '?' ? '[\\s\\S]' : c)).join('')}$`, 'u').test(text);
    fc.assert(
      fc.property(fc.string({ unit: fc.constantFrom('a', 'b', '*', '?'), maxLength: 8 }), fc.string({ unit: fc.constantFrom('a', 'b'), maxLength: 10 }), (glob, text) => {
        const matcher = compileGlob(glob);
        assert.equal(typeof matcher, 'function');
        assert.equal((matcher as (t: string) => boolean)(text), reference(glob, text), `${glob} ~ ${text}`);
      }),
      { numRuns: 2000 },
    );
  });

  test('a hostile long name cannot make matching exponential', { timeout: 10_000 }, () => {
    const matcher = compileGlob('*a*a*a*a*a*a*a*a*a*a*b');
    assert.equal(typeof matcher, 'function');
    assert.equal((matcher as (t: string) => boolean)('a'.repeat(100_000)), false);
  });

  test('connection: a glob over the connection name; no name never matches', () => {
    const prod = rule({ when: { connection: 'prod-*' }, run: { task: 't' } });
    assert.equal(matches(prod, {}, 'prod-eu'), true);
    assert.equal(matches(prod, {}, 'staging'), false);
    assert.equal(matches(prod, {}, undefined), false);
    assert.deepEqual(explainMismatch(prod, ev({}, undefined)), { code: 'noConnection', values: [] });
    assert.equal(matches(rule({ run: { task: 't' } }), {}, undefined), true);
  });

  test('sources: live only by default; includeRecovered adds loaded and recovered; polled never', () => {
    const liveOnly = rule({ run: { task: 't' } });
    const recovered = rule({ run: { task: 't' }, includeRecovered: true });
    const expected: Record<RunSource, [boolean, boolean]> = { live: [true, true], loaded: [false, true], recovered: [false, true], polled: [false, false] };
    for (const [source, [a, b]] of Object.entries(expected) as Array<[RunSource, [boolean, boolean]]>) {
      assert.equal(matches(liveOnly, { source }), a, `live-only rule, ${source}`);
      assert.equal(matches(recovered, { source }), b, `includeRecovered rule, ${source}`);
    }
    assert.deepEqual(explainMismatch(liveOnly, ev({ source: 'recovered' })), { code: 'notLive', values: ['recovered'] });
    assert.deepEqual(explainMismatch(recovered, ev({ source: 'polled' })), { code: 'polled', values: [] });
  });

  test('explainMismatch names the first condition that fails', () => {
    const r = rule({ when: { status: ['failed', 'completed_with_errors'], resultName: 'MASK_*' }, run: { task: 't' } });
    assert.deepEqual(explainMismatch(r, ev({ status: 'success' })), { code: 'status', values: ['success', 'failed', 'completed_with_errors'] });
    assert.deepEqual(explainMismatch(r, ev({ status: 'failed', resultName: 'ORDERS' })), { code: 'resultName', values: ['ORDERS', 'MASK_*'] });
    assert.equal(explainMismatch(r, ev({ status: 'failed' })), undefined);
  });

  test('every matching rule, in settings order, with its settings index', () => {
    const parsed = parseActionRules([
      { when: { status: 'success' }, run: { task: 'a' } },
      { run: 'broken' },
      { when: { status: 'failed' }, run: { task: 'b' } },
      { when: { resultName: 'MASK_*' }, run: { task: 'c' } },
    ]);
    const found = matchRules(parsed.rules, ev({ status: 'failed', error: 'x' }));
    assert.deepEqual(
      found.map((m) => [m.index, m.rule.run.kind === 'task' ? m.rule.run.task : '']),
      [
        [2, 'b'],
        [3, 'c'],
      ],
    );
  });
});

describe('matchRules: when.on (alert transitions)', () => {
  const FIRST: AlertTransition = { kind: 'firstFailure' };
  const STILL: AlertTransition = { kind: 'stillFailing', failures: 2, since: 0 };
  const RECOVERED: AlertTransition = { kind: 'recovered', failures: 3, downMs: 60_000 };
  const DQ_CHANGED: AlertTransition = { kind: 'dqChanged', from: 'ok', to: 'dropped' };
  const DQ_GREW: AlertTransition = { kind: 'dqGrew', percent: 5, usualPercent: 1 };
  const UNUSUAL: AlertTransition = { kind: 'unusual', findings: [] };
  const BACK: AlertTransition = { kind: 'backOnTime', lateByMs: 90_000, after: 'stated' };
  const BACK_AFTER_EXPIRY: AlertTransition = { kind: 'backOnTime', lateByMs: 0, after: 'stateExpired' };
  const EXPECTED_AT = Date.UTC(2025, 10, 18, 10, 15, 0);
  const LATENESS: Lateness = { basis: 'stated', expectedAt: EXPECTED_AT, lateAfter: EXPECTED_AT + 30_000 };

  const runEvent = (transitions: readonly AlertTransition[], spec: RecordSpec = {}, connection?: string): ActionEvent => ({ record: mkRecord(spec), transitions, ...(connection !== undefined ? { connection } : {}) });
  const lateEvent = (spec: RecordSpec = {}, lateness: Lateness = LATENESS, at = EXPECTED_AT + 120_000): ActionEvent => ({ record: mkRecord(spec), late: { lateness, at } });
  const on = (kinds: string | string[], when: Record<string, unknown> = {}) => rule({ when: { on: kinds, ...when }, run: { task: 't' } });
  const matched = (r: ActionRule, event: ActionEvent) => matchRules([r], event).map((m) => m.transition);

  test('each kind matches a run that brought it, and no other run', () => {
    const all: Array<[string, AlertTransition]> = [
      ['firstFailure', FIRST],
      ['stillFailing', STILL],
      ['recovered', RECOVERED],
      ['dqChanged', DQ_CHANGED],
      ['dqGrew', DQ_GREW],
      ['unusual', UNUSUAL],
      ['backOnTime', BACK],
    ];
    for (const [kind, transition] of all) {
      const r = on(kind);
      assert.deepEqual(matched(r, runEvent([transition])), [kind], `${kind} on a run that brought it`);
      assert.deepEqual(matched(r, runEvent([])), [], `${kind} on a run that brought nothing`);
      for (const [other, t] of all) if (other !== kind) assert.deepEqual(matched(r, runEvent([t])), [], `${kind} on a run that brought ${other}`);
      assert.deepEqual(matched(r, lateEvent()), [], `${kind} on a late event`);
    }
  });

  test('late matches the late event only, never a run', () => {
    const late = on('late');
    assert.deepEqual(matched(late, lateEvent()), ['late']);
    assert.deepEqual(matched(late, lateEvent({}, { basis: 'learned', expectedAt: EXPECTED_AT, lateAfter: EXPECTED_AT + 30_000 })), ['late'], 'a learned cadence counts like a stated one');
    for (const t of [FIRST, STILL, RECOVERED, BACK]) assert.deepEqual(matched(late, runEvent([t])), []);
    assert.deepEqual(explainMismatch(late, runEvent([BACK])), { code: 'transition', values: ['backOnTime', 'late'] });
  });

  test('an expired state key alone is not late: only "on": "stateExpired" asks for it (the late toast ignores it too)', () => {
    const expired = lateEvent({}, { basis: 'stateExpired' });
    assert.deepEqual(matched(on('late'), expired), [], 'a TTL shorter than the schedule is common: no paging on it');
    assert.deepEqual(explainMismatch(on('late'), expired), { code: 'transition', values: ['stateExpired', 'late'] });
    const ttl = on('stateExpired');
    assert.deepEqual(matched(ttl, expired), ['stateExpired']);
    assert.deepEqual(matched(ttl, lateEvent()), [], 'stated lateness is late, not stateExpired');
    assert.deepEqual(explainMismatch(ttl, lateEvent()), { code: 'transition', values: ['late', 'stateExpired'] });
    for (const t of [FIRST, STILL, RECOVERED, BACK]) assert.deepEqual(matched(ttl, runEvent([t])), [], 'never a run');
    const both = on(['late', 'stateExpired']);
    assert.deepEqual(matched(both, expired), ['stateExpired']);
    assert.deepEqual(matched(both, lateEvent()), ['late']);
    assert.deepEqual(explainMismatch(rule({ run: { task: 't' } }), expired), { code: 'lateEvent', values: ['stateExpired'] });
    assert.deepEqual(isLateNews({ basis: 'stated', expectedAt: 0, lateAfter: 1 }), true);
    assert.deepEqual(isLateNews({ basis: 'learned', expectedAt: 0, lateAfter: 1 }), true);
    assert.deepEqual(isLateNews({ basis: 'stateExpired' }), false);
  });

  test('backOnTime ends only a lateness the rule was told of: after a mere state-key expiry, only for a rule that asks for stateExpired', () => {
    assert.deepEqual(matched(on(['late', 'backOnTime']), runEvent([BACK])), ['backOnTime']);
    assert.deepEqual(matched(on(['late', 'backOnTime']), runEvent([BACK_AFTER_EXPIRY])), [], 'it never opened anything');
    assert.deepEqual(matched(on('backOnTime'), runEvent([BACK_AFTER_EXPIRY])), []);
    assert.deepEqual(matched(on(['stateExpired', 'backOnTime']), runEvent([BACK_AFTER_EXPIRY])), ['backOnTime']);
    assert.deepEqual(matched(on(['late', 'backOnTime', 'firstFailure']), runEvent([BACK_AFTER_EXPIRY, FIRST])), ['firstFailure'], 'the run\'s other news still counts');
  });

  test('a list matches any of its kinds; the matched kind is the first of the rule\'s list the run brought', () => {
    const r = on(['recovered', 'backOnTime', 'firstFailure']);
    assert.deepEqual(matched(r, runEvent([FIRST])), ['firstFailure']);
    assert.deepEqual(matched(r, runEvent([RECOVERED, DQ_CHANGED])), ['recovered']);
    // A late pipeline's run that fails brings backOnTime and firstFailure: the rule's order decides.
    assert.deepEqual(matched(r, runEvent([BACK, FIRST])), ['backOnTime']);
    assert.deepEqual(matched(on(['firstFailure', 'backOnTime']), runEvent([BACK, FIRST])), ['firstFailure']);
    assert.deepEqual(matched(r, runEvent([STILL, UNUSUAL])), []);
    assert.deepEqual(explainMismatch(r, runEvent([STILL, UNUSUAL])), { code: 'transition', values: ['stillFailing,unusual', 'recovered', 'backOnTime', 'firstFailure'] });
    assert.deepEqual(explainMismatch(r, runEvent([])), { code: 'transition', values: ['', 'recovered', 'backOnTime', 'firstFailure'] });
    assert.deepEqual(explainMismatch(r, { record: mkRecord() }), { code: 'transition', values: ['', 'recovered', 'backOnTime', 'firstFailure'] }, 'an event without transitions brought none');
    const both = on(['firstFailure', 'late']);
    assert.deepEqual(matched(both, runEvent([FIRST])), ['firstFailure']);
    assert.deepEqual(matched(both, lateEvent()), ['late']);
    assert.deepEqual(explainMismatch(on('recovered'), lateEvent()), { code: 'transition', values: ['late', 'recovered'] });
  });

  test('the other conditions still apply, to the run or (for a late event) to the pipeline\'s latest run', () => {
    const r = on(['firstFailure', 'late'], { status: 'failed', resultName: 'MASK_*', pipelineName: 'erp_*', connection: 'prod' });
    const failed = { status: 'failed', error: 'x' };
    assert.deepEqual(matched(r, runEvent([FIRST], failed, 'prod')), ['firstFailure']);
    assert.deepEqual(explainMismatch(r, runEvent([FIRST], { ...failed, resultName: 'ORDERS' }, 'prod')), { code: 'resultName', values: ['ORDERS', 'MASK_*'] });
    assert.deepEqual(explainMismatch(r, runEvent([FIRST], { ...failed, pipeline: 'crm' }, 'prod')), { code: 'pipelineName', values: ['crm', 'erp_*'] });
    assert.deepEqual(explainMismatch(r, runEvent([FIRST], failed, 'staging')), { code: 'connection', values: ['staging', 'prod'] });
    assert.deepEqual(explainMismatch(r, runEvent([FIRST], failed)), { code: 'noConnection', values: [] });
    assert.deepEqual(explainMismatch(r, runEvent([FIRST], { status: 'completed_with_errors' }, 'prod')), { code: 'status', values: ['completed_with_errors', 'failed'] });
    // The transition is checked before the status: "it brought nothing" is the first reason.
    assert.deepEqual(explainMismatch(r, runEvent([RECOVERED], { status: 'success' }, 'prod')), { code: 'transition', values: ['recovered', 'firstFailure', 'late'] });

    const late = (spec: RecordSpec, connection?: string): ActionEvent => ({ ...lateEvent(spec), ...(connection !== undefined ? { connection } : {}) });
    assert.deepEqual(matched(r, late(failed, 'prod')), ['late'], 'late, and the latest run failed');
    assert.deepEqual(explainMismatch(r, late({ status: 'success' }, 'prod')), { code: 'status', values: ['success', 'failed'] }, 'late, but the latest run succeeded');
    assert.deepEqual(explainMismatch(r, late({ ...failed, resultName: 'ORDERS' }, 'prod')), { code: 'resultName', values: ['ORDERS', 'MASK_*'] });
    assert.deepEqual(explainMismatch(r, late(failed)), { code: 'noConnection', values: [] });

    const dq = on('recovered', { dataQualityWarning: true });
    assert.deepEqual(matched(dq, runEvent([RECOVERED], { loaded: 100, exported: 90 })), ['recovered']);
    assert.deepEqual(explainMismatch(dq, runEvent([RECOVERED], { loaded: 100, exported: 100 })), { code: 'noDataQualityWarning', values: [] });
  });

  test('sources: a run keeps the live / includeRecovered / polled rules; a late event is news whatever its latest run\'s source', () => {
    const r = on(['firstFailure', 'late']);
    const sources: RunSource[] = ['live', 'loaded', 'recovered', 'polled'];
    for (const source of sources) {
      assert.deepEqual(matched(r, runEvent([FIRST], { source })), source === 'live' ? ['firstFailure'] : [], `a ${source} run`);
      assert.deepEqual(matched(r, lateEvent({ source })), ['late'], `late, its latest run ${source}`);
    }
    assert.deepEqual(explainMismatch(r, runEvent([FIRST], { source: 'polled' })), { code: 'polled', values: [] });
    assert.deepEqual(explainMismatch(r, runEvent([FIRST], { source: 'loaded' })), { code: 'notLive', values: ['loaded'] });
    assert.deepEqual(matched(rule({ when: { on: 'firstFailure' }, run: { task: 't' }, includeRecovered: true }), runEvent([FIRST], { source: 'loaded' })), ['firstFailure']);
  });

  test('a rule without "on" is unchanged: every matching run, whatever it brought; never a late event', () => {
    const any = rule({ run: { task: 't' } });
    const failed = rule({ when: { status: 'failed' }, run: { task: 't' } });
    for (const transitions of [[], [FIRST], [STILL], [RECOVERED, UNUSUAL], [BACK]]) {
      assert.deepEqual(matched(any, runEvent(transitions)), [undefined]);
      assert.deepEqual(matched(failed, runEvent(transitions, { status: 'failed', error: 'x' })), [undefined]);
    }
    assert.deepEqual(matched(any, lateEvent()), []);
    assert.deepEqual(matched(failed, lateEvent({ status: 'failed', error: 'x' })), []);
    assert.deepEqual(explainMismatch(any, lateEvent()), { code: 'lateEvent', values: ['late'] });
    assert.deepEqual(matched(rule({ run: { task: 't' }, includeRecovered: true }), lateEvent()), [], 'includeRecovered does not make it a late rule');
  });

  test('decideActions: the transition and the lateness reach the variables; the late event is rate-limited per result_name', () => {
    const c = { t: 0 };
    const limiter = new RateLimiter({ now: () => c.t });
    const parsed = rules([
      { when: { on: ['recovered', 'late'] }, run: { command: 'myExt.page', args: [{ t: '${transition}', by: '${late_by_ms}', due: '${expected_at}' }] } },
      { run: { command: 'myExt.any', args: [{ t: '${transition}', by: '${late_by_ms}' }] } },
    ]);
    const args = (d: ActionDecision) => (d.outcome.kind === 'run' && d.outcome.action.kind === 'command' ? d.outcome.action.args : undefined);

    const run = decideActions(parsed, runEvent([RECOVERED]), limiter);
    assert.deepEqual(run.map((d) => [d.index, args(d)]), [
      [0, [{ t: 'recovered', by: '', due: '' }]],
      [1, [{ t: '', by: '' }]],
    ]);

    const late = decideActions(parsed, { ...lateEvent({ resultName: 'ORDERS' }) }, limiter);
    assert.deepEqual(late.map((d) => [d.index, args(d)]), [[0, [{ t: 'late', by: '120000', due: '2025-11-18T10:15:00.000Z' }]]]);
    const again = decideActions(parsed, { ...lateEvent({ resultName: 'ORDERS' }) }, limiter);
    assert.deepEqual(again.map((d) => d.outcome), [{ kind: 'rate-limited', retryAfterMs: 60_000 }], 'the same rule and result_name within a minute');

    const back = decideActions(parsed, runEvent([BACK], { resultName: 'BACK' }), limiter);
    assert.deepEqual(back.map((d) => [d.index, args(d)]), [[1, [{ t: '', by: '90000' }]]]);
  });

  test('decideActions: a rule with "on" acts once per change: another kind for the same result_name is not held back by the first one\'s window', () => {
    const c = { t: 0 };
    const limiter = new RateLimiter({ now: () => c.t });
    const parsed = rules([
      { when: { on: ['firstFailure', 'recovered'] }, run: { task: 'incident' } },
      { when: { on: ['late', 'backOnTime'] }, run: { task: 'late' } },
      { run: { task: 'every run' } },
    ]);
    const outcomes = (event: ActionEvent) => decideActions(parsed, event, limiter).map((d) => [d.index, d.transition, d.outcome.kind]);
    const failed = { status: 'failed', error: 'x' };

    assert.deepEqual(outcomes(runEvent([FIRST], failed)), [
      [0, 'firstFailure', 'run'],
      [2, undefined, 'run'],
    ]);
    c.t = 20_000;
    assert.deepEqual(
      outcomes(runEvent([RECOVERED])),
      [
        [0, 'recovered', 'run'],
        [2, undefined, 'rate-limited'],
      ],
      'the incident opened at 0 s is resolved at 20 s; a rule without "on" is limited per result_name as before',
    );
    c.t = 30_000;
    assert.deepEqual(outcomes(runEvent([FIRST], failed)).slice(0, 1), [[0, 'firstFailure', 'rate-limited']], 'the same kind within its window is still held back');

    c.t = 100_000;
    assert.deepEqual(outcomes(lateEvent()), [[1, 'late', 'run']]);
    c.t = 130_000;
    assert.deepEqual(outcomes(runEvent([BACK])).slice(0, 1), [[1, 'backOnTime', 'run']], 'back on time 30 s after turning late');
    assert.deepEqual(
      decideActions(parsed, lateEvent(), limiter, { dryRun: true }).map((d) => d.outcome.kind),
      ['rate-limited'],
      'a dry run reads the window of the kind it matched',
    );
  });

  test('decideActions: with "on", the rule\'s perMinute still bounds a storm of changes over one result_name', () => {
    const c = { t: 0 };
    const limiter = new RateLimiter({ now: () => c.t });
    const parsed = rules([{ when: { on: ['firstFailure', 'recovered', 'dqChanged', 'unusual'] }, run: { task: 't' }, rateLimit: { perMinute: 3 } }]);
    const kinds = [FIRST, RECOVERED, DQ_CHANGED, UNUSUAL];
    const seen = kinds.map((t, i) => {
      c.t = i * 1000;
      const [d] = decideActions(parsed, runEvent([t]), limiter);
      return d.outcome.kind === 'paused' ? `paused:${d.outcome.limit}` : d.outcome.kind;
    });
    assert.deepEqual(seen, ['run', 'run', 'run', 'paused:rule']);
  });
});

describe('templating', () => {
  const pick = (vars: TemplateVars) => ({ transition: vars.transition, late_by_ms: vars.late_by_ms, expected_at: vars.expected_at });
  const failedRecord = () => mkRecord({ status: 'failed', error: HOSTILE_ERROR, loaded: 10, exported: 0, packageUuid: '5f1c0d2e' });

  test('templateVars gives every variable as text', () => {
    const vars = templateVars(mkRecord({ loaded: 15000, exported: 14998 }), 'prod');
    assert.deepEqual(vars, {
      result_name: 'MASK_V001',
      pipeline_name: 'erp_mask_sync',
      status: 'success',
      error: '',
      rows_loaded: '15000',
      rows_exported: '14998',
      duration_ms: '1842',
      finished_at: RECORD_FINISHED_AT,
      started_at: '2025-11-18T10:00:00Z',
      package_uuid: '',
      connection: 'prod',
      dq_rows: '2',
      transition: '',
      late_by_ms: '',
      expected_at: '',
    });
    assert.deepEqual(Object.keys(vars).sort(), [...TEMPLATE_VARIABLES].sort());
    const failed = templateVars(failedRecord());
    assert.equal(failed.error, HOSTILE_ERROR);
    assert.equal(failed.dq_rows, '', 'data quality does not apply to failed runs');
    assert.equal(failed.connection, '');
    assert.equal(failed.package_uuid, '5f1c0d2e');
    assert.equal(templateVars(mkRecord({ status: 'paused' })).status, 'paused');
  });

  test('transition, late_by_ms and expected_at: from the event, "" when it has none', () => {
    const record = mkRecord({ status: 'failed', error: 'x' });
    assert.deepEqual(pick(templateVars(record, 'prod', { transition: 'firstFailure' })), { transition: 'firstFailure', late_by_ms: '', expected_at: '' });
    const expectedAt = Date.UTC(2025, 10, 18, 10, 15, 0, 250);
    const late = { late: { lateness: { basis: 'learned', expectedAt, lateAfter: expectedAt + 1000 } as Lateness, at: expectedAt + 61_000.4 } };
    assert.deepEqual(pick(templateVars(record, 'prod', { transition: 'late', ...late })), { transition: 'late', late_by_ms: '61000', expected_at: '2025-11-18T10:15:00.250Z' });
    assert.deepEqual(pick(templateVars(record, 'prod', { transition: 'stateExpired', late: { lateness: { basis: 'stateExpired' }, at: expectedAt } })), { transition: 'stateExpired', late_by_ms: '', expected_at: '' }, 'no due time was known');
    assert.deepEqual(pick(templateVars(record, 'prod', { late: { lateness: { basis: 'stated', expectedAt, lateAfter: expectedAt }, at: expectedAt - 5 } })), { transition: '', late_by_ms: '0', expected_at: '2025-11-18T10:15:00.250Z' }, 'a clock behind the due time is not negative');
    assert.deepEqual(pick(templateVars(record, 'prod', { transitions: [{ kind: 'backOnTime', lateByMs: 4200, after: 'learned' }] })), { transition: '', late_by_ms: '4200', expected_at: '' }, 'a run that ended a lateness says how late it came');
    const env = taskEnvironment(templateVars(record, 'prod', { transition: 'late', ...late }));
    assert.equal(env.TDTP_TRANSITION, 'late');
    assert.equal(env.TDTP_LATE_BY_MS, '61000');
    assert.equal(env.TDTP_EXPECTED_AT, '2025-11-18T10:15:00.250Z');
    for (const name of ['transition', 'late_by_ms', 'expected_at'] as const) {
      assert.ok(TEMPLATE_VARIABLES.includes(name));
      assert.notEqual(SAMPLE_VARS[name], '', `a sample value for ${name}`);
    }
  });

  test('unknown variables stay as written; $${x} is the literal ${x}; nothing is expanded twice', () => {
    const vars = templateVars(failedRecord(), 'prod');
    assert.equal(expandTemplate('${result_name} ${foo} ${ result_name } $${result_name} $${foo} $$ $x', vars, 'none'), 'MASK_V001 ${foo} ${ result_name } ${result_name} ${foo} $$ $x');
    // The error contains "${connection}": it is not expanded again.
    assert.equal(expandTemplate('${error}', vars, 'none'), HOSTILE_ERROR);
    assert.ok(HOSTILE_ERROR.includes('${connection}'));
  });

  test('names of Object.prototype members are not variables', () => {
    const vars = templateVars(mkRecord());
    for (const name of ['constructor', 'toString', '__proto__', 'hasOwnProperty']) assert.equal(expandTemplate(`\${${name}}`, vars, 'none'), `\${${name}}`);
  });

  test('url: a hostile error cannot add parameters, a fragment or a path; it decodes back exactly', () => {
    const vars = templateVars(failedRecord(), 'prod eu');
    const template = 'https://jira.example/secure/CreateIssue!default.jspa?summary=${pipeline_name}+failed&description=${error}&env=${connection}';
    const url = expandTemplate(template, vars, 'url');
    assert.ok(url.startsWith('https://jira.example/secure/CreateIssue!default.jspa?summary=erp_mask_sync+failed&description='), url);
    assert.doesNotMatch(url, /[\s"#\n\r`]/);
    const parsed = new URL(url);
    assert.equal(parsed.hash, '');
    assert.equal(parsed.pathname, '/secure/CreateIssue!default.jspa');
    assert.deepEqual([...parsed.searchParams.keys()], ['summary', 'description', 'env']);
    assert.equal(parsed.searchParams.get('description'), HOSTILE_ERROR);
    assert.equal(parsed.searchParams.get('env'), 'prod eu');
    assert.equal(checkActionUrl(url), undefined);
  });


  test('url: lone surrogates do not throw, and a huge value is cut', () => {
    const vars = { error: 'a\ud800b\udc00c', big: 'x'.repeat(1_000_000) };
    assert.equal(expandTemplate('https://h/?e=${error}', vars, 'url'), 'https://h/?e=a%EF%BF%BDb%EF%BF%BDc');
    const url = expandTemplate('https://h/?e=${big}', vars, 'url');
    assert.equal(decodeURIComponent(new URL(url).searchParams.get('e') ?? ''), `${'x'.repeat(MAX_URL_VALUE_CHARS)}…`);
  });

  test('checkActionUrl allows http and https only', () => {
    assert.equal(checkActionUrl('https://example.com/a?b=c'), undefined);
    assert.equal(checkActionUrl('http://127.0.0.1:8080/'), undefined);
    assert.deepEqual(checkActionUrl('javascript:alert(1)'), { code: 'urlScheme', values: ['javascript:', 'javascript:alert(1)'] });
    assert.deepEqual(checkActionUrl('vscode://ms-python.python/x'), { code: 'urlScheme', values: ['vscode:', 'vscode://ms-python.python/x'] });
    assert.deepEqual(checkActionUrl('file:///etc/passwd'), { code: 'urlScheme', values: ['file:', 'file:///etc/passwd'] });
    assert.deepEqual(checkActionUrl('data:text/html,<script>'), { code: 'urlScheme', values: ['data:', 'data:text/html,<script>'] });
    assert.deepEqual(checkActionUrl('not a url'), { code: 'urlInvalid', values: ['not a url'] });
    assert.deepEqual(checkActionUrl(`https://h/${'a'.repeat(40_000)}`), { code: 'urlTooLong', values: ['40010', '32768'] });
  });

  test('command args: strings expanded anywhere, values kept as strings, keys and other values untouched', () => {
    const vars = templateVars(failedRecord(), 'prod');
    const args = ['${result_name}', '${rows_loaded}', 42, null, true, ['${status}', { '${status}': '${error}' }], JSON.parse('{"__proto__":"${dq_rows}","n":"$${x}"}')];
    const copy = structuredClone(args);
    const out = expandArgs(args, vars);
    assert.deepEqual(out.slice(0, 5), ['MASK_V001', '10', 42, null, true]);
    assert.deepEqual(out[5], ['failed', { '${status}': HOSTILE_ERROR }]);
    const last = out[6] as Record<string, unknown>;
    assert.equal(Object.getPrototypeOf(last), Object.prototype);
    assert.ok(Object.hasOwn(last, '__proto__'));
    assert.equal(last['n'], '${x}');
    assert.deepEqual(args, copy, 'the rule is not modified');
  });

  test('task environment: TDTP_* variables, NUL made safe, long values cut', () => {
    const vars: TemplateVars = { ...templateVars(failedRecord(), 'prod'), error: `a\0b${'e'.repeat(MAX_ENV_VALUE_CHARS + 10)}` };
    const env = taskEnvironment(vars);
    assert.deepEqual(Object.keys(env), TEMPLATE_VARIABLES.map(envName));
    assert.equal(env.TDTP_RESULT_NAME, 'MASK_V001');
    assert.equal(env.TDTP_ROWS_LOADED, '10');
    assert.equal(env.TDTP_CONNECTION, 'prod');
    assert.equal(env.TDTP_ERROR.length, MAX_ENV_VALUE_CHARS + 1);
    assert.ok(env.TDTP_ERROR.startsWith('a\uFFFDb'));
    assert.ok(env.TDTP_ERROR.endsWith('…'));
  });

  test('a hostile error in the environment reaches a shell as text and runs nothing (POSIX sh)', { skip: process.platform === 'win32' }, () => {
    const dir = mkdtempSync(join(tmpdir(), 'tdtp-actions-'));
    try {
      const marker = join(dir, 'pwned');
      const error = `"; touch '${marker}'; echo " $(touch '${marker}') \`touch '${marker}'\` & # ${HOSTILE_ERROR}`;
      const env = taskEnvironment(templateVars(mkRecord({ status: 'failed', error })));
      const out = execFileSync('/bin/sh', ['-c', 'printf %s "$TDTP_ERROR"'], { env: { PATH: process.env.PATH, ...env }, encoding: 'utf8' });
      assert.equal(out, error);
      assert.equal(existsSync(marker), false, 'nothing in the value ran');
      // The control: pasted into the command line, the same text does run. This is why tasks get
      // environment variables and not substituted text.
      execFileSync('/bin/sh', ['-c', expandTemplate('printf %s "${error}" >/dev/null', { error }, 'none')], { env: { PATH: process.env.PATH } });
      assert.equal(existsSync(marker), true, 'the naive substitution executed the payload');
      rmSync(marker);
      // The shell escape is a safe alternative for POSIX sh.
      const quoted = execFileSync('/bin/sh', ['-c', expandTemplate('printf %s ${error}', { error }, 'shell')], { env: { PATH: process.env.PATH }, encoding: 'utf8' });
      assert.equal(quoted, error);
      assert.equal(existsSync(marker), false);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('shell escape quotes every value, quotes in values included', () => {
    assert.equal(expandTemplate('echo ${error}', { error: "it's $(x)" }, 'shell'), `echo 'it'\\''s $(x)'`);
    assert.equal(expandTemplate('echo ${error}', { error: 'a\0b' }, 'shell'), "echo 'ab'");
  });
});

describe('planAction and plannedActionParts', () => {
  const vars = templateVars(mkRecord({ status: 'failed', error: 'disk full\nsecond line', loaded: 10, exported: 0 }), 'prod');

  test('task: the name is fixed, the values go in the environment', () => {
    const plan = planAction(rule({ name: 'alert', run: { task: 'alert ${result_name}' } }), vars);
    assert.ok(plan.ok);
    assert.equal(plan.action.kind, 'task');
    if (plan.action.kind !== 'task') return;
    assert.equal(plan.action.task, 'alert ${result_name}', 'a variable cannot choose which task runs');
    const parts = plannedActionParts(plan.action);
    assert.equal(parts.target, '"alert ${result_name}"');
    assert.ok(parts.detail.startsWith('TDTP_RESULT_NAME=MASK_V001, TDTP_PIPELINE_NAME=erp_mask_sync, TDTP_STATUS=failed, TDTP_ERROR="disk full\\nsecond line", TDTP_ROWS_LOADED=10,'), parts.detail);
    assert.ok(parts.detail.includes('TDTP_PACKAGE_UUID="", TDTP_CONNECTION=prod, TDTP_DQ_ROWS=""'), parts.detail);
    assert.doesNotMatch(parts.detail, /\n/);
  });

  test('command and openUrl parts', () => {
    const cmd = planAction(rule({ run: { command: 'myExt.trigger', args: [{ name: '${result_name}', rows: '${rows_loaded}' }] } }), vars);
    assert.ok(cmd.ok);
    assert.deepEqual(plannedActionParts(cmd.action), { kind: 'command', target: '"myExt.trigger"', detail: '[{"name":"MASK_V001","rows":"10"}]' });
    const bare = planAction(rule({ run: { command: 'myExt.refresh' } }), vars);
    assert.ok(bare.ok);
    assert.deepEqual(plannedActionParts(bare.action), { kind: 'command', target: '"myExt.refresh"', detail: '' });
    const url = planAction(rule({ run: { openUrl: 'https://alerts.example/?r=${result_name}&e=${error}' } }), vars);
    assert.ok(url.ok);
    assert.deepEqual(plannedActionParts(url.action), { kind: 'openUrl', target: 'https://alerts.example/?r=MASK_V001&e=disk%20full%0Asecond%20line', detail: '' });
  });

  test('bidirectional controls from the wire are shown escaped', () => {
    const env = taskEnvironment({ ...vars, pipeline_name: 'evil\u202Etxt.exe' });
    assert.match(plannedActionParts({ kind: 'task', task: 't', env }).detail, /TDTP_PIPELINE_NAME="evil\\u202etxt\.exe"/);
  });

  test('ruleLabel: the one way a rule is named', () => {
    assert.equal(ruleLabel(rule({ name: 'page on-call', run: { task: 't' } })), 'tdtp.actions[0] "page on-call"');
    assert.equal(ruleLabel(rule({ run: { task: 't' } })), 'tdtp.actions[0]');
    assert.equal(ruleLabel({ index: 3, name: 'x\n"y"' }), 'tdtp.actions[3] "x\\n\\"y\\""');
  });
});

describe('RateLimiter', () => {
  function clock(start = 1_000_000) {
    let now = start;
    return { now: () => now, advance: (ms: number) => (now += ms) };
  }
  const r0 = rule({ run: { task: 't' } });
  const r1 = { ...r0, index: 1 };

  test('one run per rule and result_name per 60 s; another result_name or rule is not affected', () => {
    const c = clock();
    const limiter = new RateLimiter({ now: c.now });
    assert.deepEqual(limiter.tryAcquire(r0, 'MASK_V001'), { allowed: true });
    c.advance(1000);
    assert.deepEqual(limiter.tryAcquire(r0, 'MASK_V001'), { allowed: false, reason: 'window', retryAfterMs: 59_000 });
    assert.deepEqual(limiter.tryAcquire(r0, 'ORDERS'), { allowed: true });
    assert.deepEqual(limiter.tryAcquire(r1, 'MASK_V001'), { allowed: true });
    c.advance(58_999); // 59.999 s after the first run
    assert.deepEqual(limiter.tryAcquire(r0, 'MASK_V001'), { allowed: false, reason: 'window', retryAfterMs: 1 });
    c.advance(1); // 60 s
    assert.deepEqual(limiter.tryAcquire(r0, 'MASK_V001'), { allowed: true });
    assert.equal(limiter.tryAcquire(r0, 'MASK_V001').allowed, false);
  });

  test('suppressed attempts do not extend the window', () => {
    const c = clock();
    const limiter = new RateLimiter({ now: c.now });
    limiter.tryAcquire(r0, 'A');
    for (let i = 0; i < 59; i++) {
      c.advance(1000);
      assert.equal(limiter.tryAcquire(r0, 'A').allowed, false);
    }
    c.advance(1000);
    assert.equal(limiter.tryAcquire(r0, 'A').allowed, true);
  });

  test('a custom window, no limit, and peek that records nothing', () => {
    const c = clock();
    const limiter = new RateLimiter({ now: c.now });
    const five = rule({ run: { task: 't' }, rateLimit: { perResultNameSeconds: 5 } });
    assert.equal(limiter.tryAcquire(five, 'A').allowed, true);
    c.advance(4999);
    assert.equal(limiter.tryAcquire(five, 'A').allowed, false);
    c.advance(1);
    assert.equal(limiter.tryAcquire(five, 'A').allowed, true);

    const none = rule({ run: { task: 't' }, rateLimit: false });
    const before = limiter.size;
    for (let i = 0; i < 5; i++) assert.equal(limiter.tryAcquire(none, 'A').allowed, true);
    assert.equal(limiter.size, before);

    assert.deepEqual(limiter.peek(r0, 'B'), { allowed: true });
    assert.deepEqual(limiter.peek(r0, 'B'), { allowed: true });
    assert.equal(limiter.tryAcquire(r0, 'B').allowed, true);
    assert.equal(limiter.peek(r0, 'B').allowed, false);
  });

  test('a wall clock that goes backwards does not lock a rule', () => {
    const c = clock();
    const limiter = new RateLimiter({ now: c.now });
    limiter.tryAcquire(r0, 'A');
    c.advance(-3_600_000);
    assert.equal(limiter.tryAcquire(r0, 'A').allowed, true);
  });

  test('memory is bounded: never more than maxEntries, expired entries go first', () => {
    const c = clock();
    const limiter = new RateLimiter({ now: c.now, maxEntries: 100 });
    const r0 = rule({ run: { task: 't' }, rateLimit: { perMinute: 1_000_000 } });
    for (let i = 0; i < 10_000; i++) {
      assert.equal(limiter.tryAcquire(r0, `R${i}`).allowed, true);
      assert.ok(limiter.size <= 100, `size ${limiter.size} after ${i + 1}`);
    }
    // The most recent ones are still limited; the oldest were forgotten.
    assert.equal(limiter.tryAcquire(r0, 'R9999').allowed, false);
    assert.equal(limiter.tryAcquire(r0, 'R0').allowed, true);

    const sweep = new RateLimiter({ now: c.now, maxEntries: 100 });
    for (let i = 0; i < 100; i++) sweep.tryAcquire(r0, `S${i}`);
    assert.equal(sweep.size, 100);
    c.advance(60_000);
    sweep.tryAcquire(r0, 'new');
    assert.equal(sweep.size, 1, 'all 100 expired entries were dropped, not just enough of them');
  });

  test('with a transition, the window is per rule, result_name and transition', () => {
    const c = clock();
    const limiter = new RateLimiter({ now: c.now });
    assert.deepEqual(limiter.tryAcquire(r0, 'A', 'firstFailure'), { allowed: true });
    c.advance(20_000);
    assert.deepEqual(limiter.peek(r0, 'A', 'recovered'), { allowed: true });
    assert.deepEqual(limiter.tryAcquire(r0, 'A', 'recovered'), { allowed: true });
    assert.deepEqual(limiter.tryAcquire(r0, 'A', 'firstFailure'), { allowed: false, reason: 'window', retryAfterMs: 40_000 });
    assert.deepEqual(limiter.tryAcquire(r0, 'A', 'recovered'), { allowed: false, reason: 'window', retryAfterMs: 60_000 });
    assert.equal(limiter.size, 2);
  });

  test('clear forgets everything', () => {
    const limiter = new RateLimiter({ now: () => 0 });
    limiter.tryAcquire(r0, 'A');
    limiter.clear();
    assert.equal(limiter.size, 0);
    assert.equal(limiter.tryAcquire(r0, 'A').allowed, true);
  });
});

describe('decideActions', () => {
  test('match, plan, rate-limit; a dry run consumes nothing; an unsafe URL is a problem', () => {
    const c = { t: 0 };
    const limiter = new RateLimiter({ now: () => c.t });
    const parsed = rules([
      { when: { status: 'failed' }, run: { task: 'alert' } },
      { when: { status: 'failed' }, run: { openUrl: 'https://x.example/${result_name}/' } },
      { when: { status: 'success' }, run: { task: 'never' } },
    ]);
    const event = { record: mkRecord({ status: 'failed', error: 'x', resultName: '..' }), connection: 'prod' };

    const dry = decideActions(parsed, event, limiter, { dryRun: true });
    assert.deepEqual(
      dry.map((d) => [d.index, d.outcome.kind]),
      [
        [0, 'run'],
        [1, 'problem'],
      ],
    );
    assert.equal(limiter.size, 0);

    const first = decideActions(parsed, event, limiter);
    assert.equal(first[0].outcome.kind, 'run');
    const second = decideActions(parsed, event, limiter);
    assert.deepEqual(second[0].outcome, { kind: 'rate-limited', retryAfterMs: 60_000 });
    assert.equal(second[1].outcome.kind, 'problem', 'a rule whose URL is refused is not rate-limited');
    assert.equal(limiter.size, 1);

    assert.deepEqual(decideActions(parsed, { record: mkRecord({ status: 'failed', error: 'x', source: 'recovered' }) }, limiter), []);
  });
});
