import { truncate } from '../text';
import { Path } from '../validate';
import type { RuleProblem } from './rules';
import { ACTIONS_SETTING } from './rules';
import type { ActionRule } from './types';
import type { TemplateVars } from './template';
import { expandArgs, taskEnvironment } from './template';
import { expandUrl } from './url';

export type PlannedAction =
  | { readonly kind: 'task'; readonly task: string; readonly env: Readonly<Record<string, string>> }
  | { readonly kind: 'command'; readonly command: string; readonly args: readonly unknown[] }
  | { readonly kind: 'openUrl'; readonly url: string };

export type PlanResult = { readonly ok: true; readonly action: PlannedAction } | { readonly ok: false; readonly problem: RuleProblem };

/** What the rule would do for these variables; a URL that expands to something unsafe is a problem. */
export function planAction(rule: ActionRule, vars: TemplateVars): PlanResult {
  const run = rule.run;
  switch (run.kind) {
    case 'task':
      return { ok: true, action: { kind: 'task', task: run.task, env: taskEnvironment(vars) } };
    case 'command':
      return { ok: true, action: { kind: 'command', command: run.command, args: expandArgs(run.args, vars) } };
    case 'openUrl': {
      const expanded = expandUrl(run.openUrl, vars);
      if (expanded.ok) return { ok: true, action: { kind: 'openUrl', url: expanded.url } };
      const at = String(Path.of(ACTIONS_SETTING).item(rule.index).field('run').field('openUrl'));
      return { ok: false, problem: { at, code: expanded.problem.code, values: expanded.problem.values } };
    }
  }
}

/**
 * The parts of a dry-run sentence, shown safely: values from the wire quoted and escaped
 * (newlines as \n, bidirectional controls as \u escapes) and shortened. The front end words the
 * sentence around them ("run task {task} with {env}").
 */
export function plannedActionParts(action: PlannedAction): { readonly kind: PlannedAction['kind']; readonly target: string; readonly detail: string } {
  switch (action.kind) {
    case 'task':
      return { kind: 'task', target: JSON.stringify(action.task), detail: Object.entries(action.env).map(([k, v]) => `${k}=${displayValue(v)}`).join(', ') };
    case 'command':
      return { kind: 'command', target: JSON.stringify(action.command), detail: action.args.length ? escapeBidi(truncate(JSON.stringify(action.args), 500)) : '' };
    case 'openUrl':
      return { kind: 'openUrl', target: truncate(action.url, 2000), detail: '' };
  }
}

function displayValue(value: string): string {
  const short = truncate(value, 80);
  return escapeBidi(/^[\w.:+@/-]*$/.test(short) && short !== '' ? short : JSON.stringify(short));
}

function escapeBidi(text: string): string {
  return text.replace(/[\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}
