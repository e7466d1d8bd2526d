import * as vscode from 'vscode';
import { checkParams } from '../../core/orchestrator/params';
import type { ParamDef, Params, Scenario } from '../../core/orchestrator/types';
import { inertText, truncate } from '../../core/text';
import { paramProblemText, uncheckedText } from '../words/orchestrator';

// The run form: one InputBox per declared parameter, in the scenario's order, with a Back button.
// Each value is checked as the server checks it (core params.ts: required, the default, the
// pattern anchored `^(?:p)$`); a pattern this side cannot check says so and lets the value through.

type Step = { kind: 'value'; value: string } | { kind: 'back' } | { kind: 'cancel' };

/** What the server would say of this one value, as an InputBox validation message. */
function validate(def: ParamDef, value: string): vscode.InputBoxValidationMessage | undefined {
  const check = checkParams([def], { [def.name]: value });
  const problem = check.problems[0];
  if (problem) return { message: paramProblemText(problem), severity: vscode.InputBoxValidationSeverity.Error };
  const unchecked = check.unchecked[0];
  if (unchecked) return { message: uncheckedText(unchecked.reason), severity: vscode.InputBoxValidationSeverity.Warning };
  return undefined;
}

function prompt(def: ParamDef): string {
  const parts: string[] = [def.required ? vscode.l10n.t('Required.') : vscode.l10n.t('Optional.')];
  if (def.default !== '') parts.push(vscode.l10n.t('Empty takes the default "{0}".', inertText(truncate(def.default, 120))));
  if (def.pattern !== '') parts.push(vscode.l10n.t('Pattern: {0}', inertText(truncate(def.pattern, 120))));
  return parts.join(' ');
}

function askOne(def: ParamDef, value: string, step: number, total: number, title: string): Promise<Step> {
  return new Promise<Step>((resolve) => {
    const box = vscode.window.createInputBox();
    const listeners: vscode.Disposable[] = [];
    let settled = false;
    const finish = (result: Step): void => {
      if (settled) return;
      settled = true;
      for (const l of listeners) l.dispose();
      box.dispose();
      resolve(result);
    };
    box.title = title;
    box.step = step;
    box.totalSteps = total;
    box.placeholder = inertText(truncate(def.name, 120));
    box.prompt = prompt(def);
    box.value = value;
    box.ignoreFocusOut = true;
    box.buttons = step > 1 ? [vscode.QuickInputButtons.Back] : [];
    box.validationMessage = validate(def, value);
    listeners.push(
      box.onDidChangeValue((text) => {
        box.validationMessage = validate(def, text);
      }),
      box.onDidTriggerButton((button) => {
        if (button === vscode.QuickInputButtons.Back) finish({ kind: 'back' });
      }),
      box.onDidAccept(() => {
        const message = validate(def, box.value);
        if (message?.severity === vscode.InputBoxValidationSeverity.Error) {
          box.validationMessage = message;
          return;
        }
        finish({ kind: 'value', value: box.value });
      }),
      box.onDidHide(() => finish({ kind: 'cancel' })),
    );
    box.show();
  });
}

/**
 * Asks for a scenario's parameters. `initial` prefills (Run Again); otherwise each box holds the
 * default. Returns the values as typed for the declared params (the server fills defaults for
 * empty ones), {} for a scenario without params, undefined when cancelled.
 */
export async function askParams(scenario: Scenario, initial?: Params, title?: string): Promise<Params | undefined> {
  const defs = scenario.params;
  if (defs.length === 0) return {};
  const heading = title ?? vscode.l10n.t('Run {0}', inertText(truncate(scenario.name, 120)));
  const values = defs.map((def) => (initial && Object.prototype.hasOwnProperty.call(initial, def.name) ? initial[def.name] : def.default));
  let i = 0;
  while (i < defs.length) {
    const step = await askOne(defs[i], values[i], i + 1, defs.length, heading);
    if (step.kind === 'cancel') return undefined;
    if (step.kind === 'back') {
      i = Math.max(0, i - 1);
      continue;
    }
    values[i] = step.value;
    i++;
  }
  const params: Record<string, string> = {};
  defs.forEach((def, index) => {
    params[def.name] = values[index];
  });
  return params;
}
