import * as vscode from 'vscode';
import type { Mismatch, PauseLimit, PlannedAction, RuleProblem } from '../../core/actions';
import { plannedActionParts } from '../../core/actions';
import type { Got } from '../../core/validate';
import { countText, formatNumber } from './format';

/* The sentences for action-rule facts from the core (problems, mismatches, plans), in the UI's language. */

const t = vscode.l10n.t;

export function gotText(got: Got | undefined): string {
  switch (got?.kind) {
    case undefined:
    case 'nothing':
      return t('nothing');
    case 'null':
      return 'null';
    case 'array':
      return t('an array');
    case 'object':
      return t('an object');
    case 'text':
      return t('the text {0}', got.shown ?? '');
    case 'number':
      return t('the number {0}', got.shown ?? '');
    default:
      return got?.shown ?? '';
  }
}

/** `${name}`, as a rule writes it. */
const placeholder = (name: string | undefined): string => `\${${name ?? ''}}`;

export function ruleProblemText(p: RuleProblem): string {
  const [a = '', b = ''] = p.values;
  const got = gotText(p.got);
  switch (p.code) {
    case 'unknownField':
      return t('{0}: unknown field; expected {1}', p.at, b);
    case 'notRules':
      return t('{0}: expected an array of rules, got {1}', p.at, got);
    case 'notRule':
      return t('{0}: expected an object with "run", got {1}', p.at, got);
    case 'notText':
      return t('{0}: expected non-empty text, got {1}', p.at, got);
    case 'notBoolean':
      return t('{0}: expected true or false, got {1}', p.at, got);
    case 'notRateLimit':
      return t('{0}: expected false or an object such as {"perResultNameSeconds": 60, "perMinute": 10}, got {1}', p.at, got);
    case 'notSeconds':
      return t('{0}: expected a number of seconds ≥ 0, got {1}', p.at, got);
    case 'notCount':
      return t('{0}: expected a whole number ≥ 1, got {1}', p.at, got);
    case 'notWhen':
      return t('{0}: expected an object, got {1}', p.at, got);
    case 'notStatuses':
      return t('{0}: expected a status or a list of statuses ({1}), got {2}', p.at, a, got);
    case 'notStatus':
      return t('{0}: {1} is not a status; expected one of {2}', p.at, got, a);
    case 'emptyStatusList':
      return t('{0}: the list is empty, so the rule would never run; leave "status" out to match every status', p.at);
    case 'notTransitions':
      return t('{0}: expected a transition or a list of transitions ({1}), got {2}', p.at, a, got);
    case 'notTransition':
      return t('{0}: {1} is not a transition; expected one of {2}', p.at, got, a);
    case 'emptyTransitionList':
      return t('{0}: the list is empty, so the rule would never run; leave "on" out to run on every matching run', p.at);
    case 'notGlob':
      return t('{0}: expected a non-empty glob such as "MASK_*", got {1}', p.at, got);
    case 'runMissing':
      return t('{0}: missing; expected one of {1}', p.at, a);
    case 'notRun':
      return t('{0}: expected an object with one of {1}, got {2}', p.at, a, got);
    case 'noRunKind':
      return t('{0}: expected one of {1}', p.at, a);
    case 'manyRunKinds':
      return t('{0}: expected exactly one of {1}, got {2}', p.at, a, b);
    case 'argsWithoutCommand':
      return t('{0}: only allowed with "command"', p.at);
    case 'notTaskLabel':
      return t('{0}: expected the label of a task, got {1}', p.at, got);
    case 'notCommandId':
      return t('{0}: expected a command id, got {1}', p.at, got);
    case 'notUrl':
      return t('{0}: expected an http or https URL, got {1}', p.at, got);
    case 'notArgs':
      return t('{0}: expected an array of arguments, got {1}', p.at, got);
    case 'argsTooDeep':
      return t('{0}: nested deeper than {1} levels', p.at, a);
    case 'argsNotJsonNumber':
      return t('{0}: {1} is not a JSON number', p.at, a);
    case 'argsNotJson':
      return t('{0}: {1} is not a JSON value', p.at, got);
    case 'globLoneBackslash':
      return t('{0}: glob "{1}" ends with a lone "\\" (write "\\\\" for a backslash)', p.at, a);
    case 'globReversedRange':
      return t('{0}: glob "{1}" has the reversed range "{2}"', p.at, a, b);
    case 'globUnclosedBracket':
      return t('{0}: glob "{1}" has a "[" at position {2} that is never closed (write "\\[" for a bracket)', p.at, a, b);
    case 'urlTooLong':
      return t('{0}: the URL is {1} characters long, over the {2}-character limit', p.at, a, b);
    case 'urlInvalid':
      return t('{0}: "{1}" is not a valid URL', p.at, a);
    case 'urlScheme':
      return t('{0}: only http and https URLs are opened, not {1} ("{2}")', p.at, a, b);
    case 'urlNoHost':
      return t('{0}: "{1}" has no host', p.at, a);
    case 'urlNotWeb':
      return t('{0}: "{1}" must start with http:// or https:// (only web pages are opened, and the scheme cannot come from a variable)', p.at, a);
    case 'urlPlaceholderInHost':
      return t('{0}: {1} stands in the host, so an event could choose the server; put it in the path or the query', p.at, placeholder(a));
    case 'urlDotSegment':
      return t('{0}: a value makes the path segment "{1}", which would climb the path of the URL ({2}); nothing was opened', p.at, a, b);
    case 'placeholderInCommand':
      return t('{0}: {1} cannot be used with {2}: that command runs or writes what its arguments say, so an event could choose it', p.at, placeholder(a), b);
    case 'placeholderPositional':
      return t('{0}: {1} in argument {2}: an event value cannot be a positional argument (commands read those as which task, file or command); put it inside an object, such as {"title": "{1}"}', p.at, placeholder(a), b);
    case 'placeholderUnderKey':
      return t('{0}: {1} under "{2}": an event value cannot fill a key that names what to run, open or write', p.at, placeholder(a), b);
  }
}

export function mismatchText(m: Mismatch): string {
  const [a = '', ...rest] = m.values;
  switch (m.code) {
    case 'polled':
      return t('polled runs never trigger actions');
    case 'notLive':
      return t('the run was {0} from its state key, and the rule runs on live events only (set "includeRecovered": true)', a);
    case 'transition':
      if (a === 'late') return t('the pipeline turned late; the rule waits for {0}', rest.join(t(' or ')));
      if (a === 'stateExpired') return t('the pipeline\'s state key expired with no newer run (stateExpired, not late); the rule waits for {0}', rest.join(t(' or ')));
      return a === ''
        ? t('the run changed nothing about its pipeline (no first failure, recovery or other transition); the rule waits for {0}', rest.join(t(' or ')))
        : t('the run brought {0}; the rule waits for {1}', a.split(',').join(', '), rest.join(t(' or ')));
    case 'lateEvent':
      if (a === 'stateExpired') return t('the pipeline\'s state key expired, which is not a run; only rules with "on": "stateExpired" run then');
      return t('the pipeline turned late, which is not a run; only rules with "on": "late" run then');
    case 'status':
      return t('the status is {0}, the rule wants {1}', a, rest.join(t(' or ')));
    case 'dataQualityWarning':
      return t('the run has a data-quality warning, the rule wants none');
    case 'noDataQualityWarning':
      return t('the run has no data-quality warning');
    case 'resultName':
      return t('result_name "{0}" does not match "{1}"', a, rest[0] ?? '');
    case 'pipelineName':
      return t('pipeline_name "{0}" does not match "{1}"', a, rest[0] ?? '');
    case 'connection':
      return t('connection "{0}" does not match "{1}"', a, rest[0] ?? '');
    case 'noConnection':
      return t('the run has no connection name');
  }
}

/** `run task "alert" with TDTP_RESULT_NAME=…`, `execute command "x" with args [...]`, `open https://…`. */
export function plannedActionText(action: PlannedAction): string {
  const parts = plannedActionParts(action);
  switch (parts.kind) {
    case 'task':
      return t('run task {0} with {1}', parts.target, parts.detail);
    case 'command':
      return parts.detail ? t('execute command {0} with args {1}', parts.target, parts.detail) : t('execute command {0} with no arguments', parts.target);
    case 'openUrl':
      return t('open {0}', parts.target);
  }
}

/** Why a rule paused itself. */
export function pauseReasonText(limit: PauseLimit, perMinute: number): string {
  return limit === 'rule'
    ? countText(perMinute, t('it would have run more than {0} time in a minute (its rateLimit.perMinute)|it would have run more than {0} times in a minute (its rateLimit.perMinute)', formatNumber(perMinute)))
    : countText(perMinute, t('the action rules together would have run more than {0} time in a minute (tdtp.actionRunsPerMinute)|the action rules together would have run more than {0} times in a minute (tdtp.actionRunsPerMinute)', formatNumber(perMinute)));
}
