// Every question and message the orchestrator's commands show, in one replaceable place: the
// window's by default; the in-VS-Code tests script them (a modal, an input box or a save dialog
// cannot be clicked there).
import * as vscode from 'vscode';
import type { Params, Scenario } from '../../core/orchestrator/types';
import { askParams } from './paramsForm';

export interface OrchestratorUi {
  pick<T extends vscode.QuickPickItem>(items: readonly T[], options: vscode.QuickPickOptions): Thenable<T | undefined>;
  pickMany<T extends vscode.QuickPickItem>(items: readonly T[], options: vscode.QuickPickOptions): Thenable<readonly T[] | undefined>;
  input(options: vscode.InputBoxOptions): Thenable<string | undefined>;
  /** The run form, prefilled with `initial`. */
  params(scenario: Scenario, initial?: Params, title?: string): Thenable<Params | undefined>;
  /** `modal` asks for attention (a verdict, a confirmation, a token shown once). */
  info(message: string, modal: { modal: boolean; detail?: string }, ...actions: string[]): Thenable<string | undefined>;
  warn(message: string, modal: { modal: boolean; detail?: string }, ...actions: string[]): Thenable<string | undefined>;
  error(message: string, ...actions: string[]): Thenable<string | undefined>;
  copy(text: string): Thenable<void>;
  /** Where to save a file. */
  saveTo(options: vscode.SaveDialogOptions): Thenable<vscode.Uri | undefined>;
}

export const windowUi: OrchestratorUi = {
  pick: (items, options) => vscode.window.showQuickPick(items, { ...options, canPickMany: false }),
  pickMany: (items, options) => vscode.window.showQuickPick(items, { ...options, canPickMany: true }),
  input: (options) => vscode.window.showInputBox(options),
  params: (scenario, initial, title) => askParams(scenario, initial, title),
  info: (message, options, ...actions) => vscode.window.showInformationMessage(message, options, ...actions),
  warn: (message, options, ...actions) => vscode.window.showWarningMessage(message, options, ...actions),
  error: (message, ...actions) => vscode.window.showErrorMessage(message, ...actions),
  copy: (text) => vscode.env.clipboard.writeText(text),
  saveTo: (options) => vscode.window.showSaveDialog(options),
};

/** The prompts in use: one holder for every orchestrator command, so a test replaces them all at once. */
export interface UiHolder {
  ui: OrchestratorUi;
}

/** Whether the user confirmed `question` (a modal warning, `detail` under it) with the button `yes`. */
export async function confirmed(ui: OrchestratorUi, question: string, yes: string, detail?: string): Promise<boolean> {
  return (await ui.warn(question, { modal: true, detail }, yes)) === yes;
}

/** A toast that asks for nothing. */
export const NOT_MODAL = { modal: false } as const;
