import * as vscode from 'vscode';
import { ActionDecision, ActionRule, PlannedAction, RateLimiter, decideActions, describePlannedAction, explainMismatch, parseActionRules, ruleLabel } from '../core/actions';
import { Disposable } from '../core/lifecycle';
import { RunRecord } from '../core/store';
import { ConnectionRun, Viewer } from './viewer';

/** What happened when a rule ran: for the log, and for tests (a seam, like notifications). */
export interface ActionRunReport {
  readonly index: number;
  readonly connection: string;
  readonly resultName: string;
  readonly outcome: 'ran' | 'rate-limited' | 'failed';
  readonly detail: string;
}

/**
 * Runs `tdtp.actions` rules on pipeline events: a task, a command, or a URL. Rules come from user
 * settings, or from workspace settings in a trusted workspace only (`tdtp.actions` is a restricted
 * configuration). A failing rule is logged with its index and shown once; the others go on.
 */
export class ActionRunner extends Disposable {
  private rules: ActionRule[] = [];
  private readonly limiter = new RateLimiter();
  /** Rules whose failure was already shown: one toast per rule, the rest goes to the log. */
  private readonly shownFailures = new Set<number>();
  private readonly reportEmitter = this.register(new vscode.EventEmitter<ActionRunReport>());
  readonly onDidRun = this.reportEmitter.event;

  constructor(
    viewer: Viewer,
    private readonly log: vscode.LogOutputChannel,
  ) {
    super();
    this.reload();
    this.register(vscode.workspace.onDidChangeConfiguration((e) => e.affectsConfiguration('tdtp.actions') && this.reload()));
    this.register(vscode.workspace.onDidGrantWorkspaceTrust(() => this.reload()));
    this.register(viewer.onDidAddRun((run) => this.onRun(run)));
  }

  private reload(): void {
    const { rules, problems } = parseActionRules(vscode.workspace.getConfiguration('tdtp').get('actions'));
    for (const problem of problems) this.log.error(`Setting rejected: ${problem}`);
    this.rules = rules;
    // Indexes may have moved: rate limits and shown failures start afresh.
    this.limiter.clear();
    this.shownFailures.clear();
    if (rules.length) this.log.info(`${rules.length} action ${rules.length === 1 ? 'rule' : 'rules'} active.`);
  }

  private onRun({ connection, record }: ConnectionRun): void {
    if (this.rules.length === 0) return;
    for (const decision of decideActions(this.rules, { record, connection: connection.name }, this.limiter)) {
      void this.execute(decision, connection.name, record.run.resultName);
    }
  }

  private async execute(decision: ActionDecision, connection: string, resultName: string): Promise<void> {
    const label = ruleLabel(decision.rule);
    const report = (outcome: ActionRunReport['outcome'], detail: string) => this.reportEmitter.fire({ index: decision.index, connection, resultName, outcome, detail });
    const { outcome } = decision;
    if (outcome.kind === 'rate-limited') {
      this.log.info(`${label}: skipped for ${resultName}, rate limit (next run possible in ${Math.ceil(outcome.retryAfterMs / 1000)} s)`);
      report('rate-limited', `${Math.ceil(outcome.retryAfterMs / 1000)} s`);
      return;
    }
    if (outcome.kind === 'problem') {
      this.fail(decision.index, label, outcome.problem);
      report('failed', outcome.problem);
      return;
    }
    try {
      await runAction(outcome.action);
      this.log.info(`${label} for ${resultName}: ${describePlannedAction(outcome.action)}`);
      report('ran', describePlannedAction(outcome.action));
    } catch (err) {
      const message = (err as Error)?.message ?? String(err);
      this.fail(decision.index, label, message);
      report('failed', message);
    }
  }

  private fail(index: number, label: string, message: string): void {
    this.log.error(`${label} failed: ${message}`);
    if (this.shownFailures.has(index)) return;
    this.shownFailures.add(index);
    const showLog = vscode.l10n.t('Show Log');
    void vscode.window.showErrorMessage(vscode.l10n.t('TDTP action {0} failed: {1}', label, message), showLog).then((choice) => {
      if (choice === showLog) this.log.show();
    });
  }

  /** A dry run for TDTP: Test Action Rules: what each rule would do with this run, touching nothing. */
  explain(record: RunRecord, connection: string): Array<{ rule: ActionRule; would: string }> {
    const asLive: RunRecord = { ...record, source: 'live' };
    const decisions = new Map(decideActions(this.rules, { record: asLive, connection }, this.limiter, { dryRun: true }).map((d) => [d.index, d]));
    return this.rules.map((rule) => {
      const decision = decisions.get(rule.index);
      if (!decision) return { rule, would: vscode.l10n.t('does not apply: {0}', explainMismatch(rule, { record: asLive, connection }) ?? '') };
      switch (decision.outcome.kind) {
        case 'run':
          return { rule, would: vscode.l10n.t('would {0}', describePlannedAction(decision.outcome.action)) };
        case 'rate-limited':
          return { rule, would: vscode.l10n.t('would be skipped by its rate limit for {0} s more', Math.ceil(decision.outcome.retryAfterMs / 1000)) };
        case 'problem':
          return { rule, would: vscode.l10n.t('cannot run: {0}', decision.outcome.problem) };
      }
    });
  }

  get ruleCount(): number {
    return this.rules.length;
  }

}

async function runAction(action: PlannedAction): Promise<void> {
  switch (action.kind) {
    case 'command':
      await vscode.commands.executeCommand(action.command, ...action.args);
      return;
    case 'openUrl':
      if (!(await vscode.env.openExternal(vscode.Uri.parse(action.url, true)))) throw new Error(vscode.l10n.t('VS Code did not open {0}', action.url));
      return;
    case 'task':
      await vscode.tasks.executeTask(await taskWithEnvironment(action.task, action.env));
      return;
  }
}

/**
 * The task named `name`, copied with the event's values as environment variables. Values are
 * never pasted into the command line: a hostile `error` text could otherwise run commands.
 */
async function taskWithEnvironment(name: string, env: Readonly<Record<string, string>>): Promise<vscode.Task> {
  const tasks = await vscode.tasks.fetchTasks();
  const task = tasks.find((t) => t.name === name) ?? tasks.find((t) => t.definition.label === name);
  if (!task) throw new Error(vscode.l10n.t('no task is named "{0}" (Tasks: Run Task lists them)', name));
  const execution = task.execution;
  let withEnv: vscode.ShellExecution | vscode.ProcessExecution | vscode.CustomExecution | undefined;
  if (execution instanceof vscode.ShellExecution) {
    const options = { ...execution.options, env: { ...execution.options?.env, ...env } };
    // tasks.json tasks carry a commandLine; provided tasks may carry command + args instead.
    if (execution.commandLine) withEnv = new vscode.ShellExecution(execution.commandLine, options);
    else if (execution.command) withEnv = new vscode.ShellExecution(execution.command, execution.args ?? [], options);
    else throw new Error(vscode.l10n.t('the task "{0}" has no command', name));
  } else if (execution instanceof vscode.ProcessExecution) {
    withEnv = new vscode.ProcessExecution(execution.process, execution.args, { ...execution.options, env: { ...execution.options?.env, ...env } });
  } else {
    throw new Error(vscode.l10n.t('the task "{0}" is not a shell or process task, so it cannot receive the event', name));
  }
  const copy = new vscode.Task(task.definition, task.scope ?? vscode.TaskScope.Workspace, task.name, task.source, withEnv, task.problemMatchers);
  copy.presentationOptions = { ...task.presentationOptions, reveal: vscode.TaskRevealKind.Silent };
  return copy;
}
