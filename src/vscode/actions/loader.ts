// The action rules cost nothing until a rule is set: their code (rules, templates, rate limits and
// their words) is a bundle of its own (dist/lib/actions.js, from runner.ts), required when
// `tdtp.actions` holds anything — at activation, when the setting changes or the workspace is
// trusted — or when something asks for it (the test seam). Until then Test Action Rules finds no
// rules and Resume Action Rule finds none paused, which is what the runner would say too.
import * as vscode from 'vscode';
import type { AlertTransition } from '../../core/alerts/tracker';
import { Disposable } from '../../core/lifecycle';
import type { RunRecord } from '../../core/runs';
import type { Viewer } from '../connections/viewer';
import type * as Runner from './runner';
import type { ActionRunner, RuleVerdict } from './runner';

/** `tdtp.actions` as VS Code resolves it holds a rule, or anything the runner must report as wrong. */
function rulesSet(): boolean {
  const value = vscode.workspace.getConfiguration('tdtp').get<unknown>('actions');
  return value !== undefined && !(Array.isArray(value) && value.length === 0);
}

export class ActionsLoader extends Disposable {
  private runner: ActionRunner | undefined;
  /** The transitions runs brought before the runner loaded: Test Action Rules replays a run with them. */
  private readonly transitionsOf = new WeakMap<RunRecord, readonly AlertTransition[]>();

  constructor(
    private readonly viewer: Viewer,
    private readonly log: vscode.LogOutputChannel,
  ) {
    super();
    this.register(viewer.onDidAddRun(({ record, transitions }) => !this.runner && transitions.length > 0 && this.transitionsOf.set(record, transitions)));
    const check = () => !this.runner && rulesSet() && this.load();
    check();
    this.register(vscode.workspace.onDidChangeConfiguration((e) => e.affectsConfiguration('tdtp.actions') && check()));
    this.register(vscode.workspace.onDidGrantWorkspaceTrust(check));
    this.register(vscode.commands.registerCommand('tdtp.resumeActionRule', (index?: unknown) => this.resumeCommand(index)));
  }

  get loaded(): boolean {
    return this.runner !== undefined;
  }

  /** Loads the runner (once) and returns it. */
  load(): ActionRunner {
    if (!this.runner) {
      // The build points this require at dist/lib/actions.js.
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      const { ActionRunner } = require('./runner') as typeof Runner;
      this.runner = this.register(new ActionRunner(this.viewer, this.log, this.transitionsOf));
    }
    return this.runner;
  }

  /** What each rule would do with this run (TDTP: Test Action Rules); none before a rule is set. */
  explain(record: RunRecord, connection: string): RuleVerdict[] {
    return this.runner?.explain(record, connection) ?? [];
  }

  private async resumeCommand(index: unknown): Promise<void> {
    if (this.runner) return this.runner.resumeCommand(index);
    if (typeof index !== 'number') void vscode.window.showInformationMessage(vscode.l10n.t('No action rule is paused.'));
  }
}
