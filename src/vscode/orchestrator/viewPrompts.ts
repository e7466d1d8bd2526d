// The questions the Orchestrator commands ask with a modal, in one replaceable place (the
// in-VS-Code tests answer them; a modal cannot be clicked there).
import * as vscode from 'vscode';

export class OrchestratorPrompts {
  /** Whether the user confirmed `question` with the button `yes`. */
  confirm: (question: string, yes: string) => Thenable<boolean> = async (question, yes) => (await vscode.window.showWarningMessage(question, { modal: true }, yes)) === yes;
}
