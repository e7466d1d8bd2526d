// The questions the Orchestrator commands ask, and their error toasts, in one replaceable place
// (the in-VS-Code tests answer them; a modal, an input box or a save dialog cannot be clicked there).
import * as vscode from 'vscode';
import type { Params, Scenario } from '../../core/orchestrator/types';
import { askParams } from './paramsForm';

export class OrchestratorPrompts {
  /** Whether the user confirmed `question` with the button `yes`. */
  confirm: (question: string, yes: string) => Thenable<boolean> = async (question, yes) => (await vscode.window.showWarningMessage(question, { modal: true }, yes)) === yes;
  /** A secret or other one-line answer. */
  input: (options: vscode.InputBoxOptions) => Thenable<string | undefined> = (options) => vscode.window.showInputBox(options);
  /** The run form, prefilled with `initial`. */
  params: (scenario: Scenario, initial?: Params) => Promise<Params | undefined> = (scenario, initial) => askParams(scenario, initial);
  /** Where to save a file. */
  saveTo: (options: vscode.SaveDialogOptions) => Thenable<vscode.Uri | undefined> = (options) => vscode.window.showSaveDialog(options);
  /** A refusal or failure, worded. */
  error: (message: string) => void = (message) => void vscode.window.showErrorMessage(message);
}
