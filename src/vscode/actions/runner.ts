import * as vscode from 'vscode';
import type { ActionDecision, ActionEvent, ActionRule, PlannedAction } from '../../core/actions';
import { RateLimiter, decideActions, explainMismatch, lateKind, parseActionRules, ruleLabel } from '../../core/actions';
import type { AlertTransition } from '../../core/alerts/tracker';
import { Disposable } from '../../core/lifecycle';
import type { RunRecord } from '../../core/runs';
import { inertText } from '../../core/text';
import { mismatchText, pauseReasonText, plannedActionText, ruleProblemText } from '../words/actions';
import type { ConnectionRun, LatePipeline, Viewer } from '../connections/viewer';

/** What happened when a rule ran: for the log, and for tests (a seam, like notifications). */
export interface ActionRunReport {
  readonly index: number;
  readonly connection: string;
  readonly resultName: string;
  /** The transition the rule matched on (`firstFailure`, `late`, …); absent for a rule without `on`. */
  readonly transition?: string;
  readonly outcome: 'ran' | 'rate-limited' | 'paused' | 'failed';
  readonly detail: string;
  /** For openUrl: the exact string handed to VS Code's opener. */
  readonly url?: string;
}

/** The one notification of a rule that paused itself (a seam for tests). */
export interface ActionPauseReport {
  readonly index: number;
  readonly message: string;
}

/** What a rule would do with a run, for TDTP: Test Action Rules (nothing is run). */
export interface RuleVerdict {
  readonly rule: ActionRule;
  /** `tdtp.actions[i] "name"`, as the log and the pick show it. */
  readonly label: string;
  readonly would: string;
  readonly paused: boolean;
}

/** Task sources that are the user's own: tasks.json of the workspace, and user tasks. Never an extension's. */
const OWN_TASK_SOURCES: readonly string[] = ['Workspace', 'User'];

/**
 * Runs `tdtp.actions` rules on pipeline events (runs, with the transitions they brought, and
 * pipelines that turned late): a task, a command, or a URL. Rules come from user
 * settings, or from workspace settings in a trusted workspace only (`tdtp.actions` is a restricted
 * configuration). A failing rule is logged with its index and shown once; the others go on. A rule
 * that runs too often pauses itself with one notification until resumed (TDTP: Resume Action Rule).
 */
export class ActionRunner extends Disposable {
  private rules: ActionRule[] = [];
  private limiter = new RateLimiter();
  /** Rules whose failure was already shown: one toast per rule, the rest goes to the log. */
  private readonly shownFailures = new Set<number>();
  private readonly reportEmitter = this.register(new vscode.EventEmitter<ActionRunReport>());
  private readonly pauseEmitter = this.register(new vscode.EventEmitter<ActionPauseReport>());
  readonly onDidRun = this.reportEmitter.event;
  readonly onDidPause = this.pauseEmitter.event;

  /**
   * @param transitionsOf The transitions each run brought, for as long as the store keeps the run
   * (for the dry run of rules with `on`), since activation: the loader kept them until this loaded.
   * Runs that brought none, most of them, are not kept.
   */
  constructor(
    private readonly viewer: Viewer,
    private readonly log: vscode.LogOutputChannel,
    private readonly transitionsOf = new WeakMap<RunRecord, readonly AlertTransition[]>(),
  ) {
    super();
    this.reload();
    this.register(vscode.workspace.onDidChangeConfiguration((e) => (e.affectsConfiguration('tdtp.actions') || e.affectsConfiguration('tdtp.actionRunsPerMinute')) && this.reload()));
    this.register(vscode.workspace.onDidGrantWorkspaceTrust(() => this.reload()));
    this.register(viewer.onDidAddRun((run) => this.onRun(run)));
    this.register(viewer.onDidTurnLate((late) => this.onLate(late)));
  }

  private reload(): void {
    const config = vscode.workspace.getConfiguration('tdtp');
    const { rules, problems } = parseActionRules(config.get('actions'));
    for (const problem of problems) this.log.error(`Setting rejected: ${ruleProblemText(problem)}`);
    this.rules = rules;
    // Indexes may have moved: rate limits, pauses and shown failures start afresh.
    this.limiter = new RateLimiter({ maxRunsPerMinute: config.get<number>('actionRunsPerMinute') });
    this.shownFailures.clear();
    if (rules.length) this.log.info(`${rules.length} action ${rules.length === 1 ? 'rule' : 'rules'} active.`);
  }

  private onRun({ connection, record, transitions }: ConnectionRun): void {
    if (transitions.length) this.transitionsOf.set(record, transitions);
    if (this.rules.length === 0) return;
    for (const decision of decideActions(this.rules, { record, connection: connection.name, transitions }, this.limiter)) {
      void this.execute(decision, connection.name, record.run.resultName);
    }
  }

  /** A late pipeline is news too: rules with `"on": "late"` (or `"stateExpired"`) see it with its latest run. */
  private onLate({ connection, resultName, late, at }: LatePipeline): void {
    if (this.rules.length === 0) return;
    const record = connection.store.get(resultName)?.latest;
    if (!record) return;
    for (const decision of decideActions(this.rules, { record, connection: connection.name, late: { lateness: late, at } }, this.limiter)) {
      void this.execute(decision, connection.name, resultName);
    }
  }

  private async execute(decision: ActionDecision, connection: string, resultName: string): Promise<void> {
    const label = ruleLabel(decision.rule);
    const { transition } = decision;
    const report = (outcome: ActionRunReport['outcome'], detail: string, url?: string) =>
      this.reportEmitter.fire({ index: decision.index, connection, resultName, ...(transition !== undefined ? { transition } : {}), outcome, detail, ...(url !== undefined ? { url } : {}) });
    const { outcome } = decision;
    switch (outcome.kind) {
      case 'rate-limited':
        this.log.info(`${label}: skipped for ${resultName}, rate limit (next run possible in ${Math.ceil(outcome.retryAfterMs / 1000)} s)`);
        report('rate-limited', `${Math.ceil(outcome.retryAfterMs / 1000)} s`);
        return;
      case 'paused':
        if (outcome.pausedNow) this.announcePause(decision.index, label, pauseReasonText(outcome.limit, outcome.perMinute));
        report('paused', outcome.limit);
        return;
      case 'problem': {
        const message = ruleProblemText(outcome.problem);
        this.fail(decision.index, label, message);
        report('failed', message);
        return;
      }
    }
    const text = plannedActionText(outcome.action);
    try {
      await runAction(outcome.action);
      this.log.info(`${label} for ${resultName}${transition !== undefined ? ` (${transition})` : ''}: ${text}`);
      report('ran', text, outcome.action.kind === 'openUrl' ? outcome.action.url : undefined);
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
    void vscode.window.showErrorMessage(inertText(vscode.l10n.t('TDTP action {0} failed: {1}', label, message)), showLog).then((choice) => {
      if (choice === showLog) this.log.show();
    });
  }

  /** One notification per pause, naming the rule, with a way to resume it. */
  private announcePause(index: number, label: string, reason: string): void {
    const message = vscode.l10n.t('TDTP action rule {0} paused itself: {1}. It runs again when you resume it.', label, reason);
    this.log.warn(message);
    this.pauseEmitter.fire({ index, message });
    const resume = vscode.l10n.t('Resume');
    const showLog = vscode.l10n.t('Show Log');
    void vscode.window.showWarningMessage(inertText(message), resume, showLog).then((choice) => {
      if (choice === resume) this.resume(index);
      else if (choice === showLog) this.log.show();
    });
  }

  /** Resumes a paused rule; true if it was paused. */
  resume(index: number): boolean {
    const rule = this.rules.find((r) => r.index === index);
    if (!rule || !this.limiter.resume(index)) return false;
    this.log.info(`${ruleLabel(rule)}: resumed.`);
    return true;
  }

  /** The rules paused now (for Test Action Rules and tests). */
  get pausedRules(): readonly number[] {
    return this.limiter.paused.map((p) => p.index);
  }

  /** TDTP: Resume Action Rule (registered by loader.ts) — a rule index (from code), or a pick of the paused rules. */
  async resumeCommand(index: unknown): Promise<void> {
    if (typeof index === 'number') {
      this.resume(index);
      return;
    }
    const paused = this.limiter.paused.map((p) => ({ p, rule: this.rules.find((r) => r.index === p.index) })).filter((x) => x.rule !== undefined);
    if (paused.length === 0) {
      void vscode.window.showInformationMessage(vscode.l10n.t('No action rule is paused.'));
      return;
    }
    const picks = paused.map(({ p, rule }) => ({ label: inertText(ruleLabel(rule!)), detail: pauseReasonText(p.limit, p.perMinute), index: p.index }));
    const chosen = picks.length === 1 ? picks : await vscode.window.showQuickPick(picks, { title: vscode.l10n.t('TDTP: Resume Action Rule'), canPickMany: true });
    for (const c of chosen ?? []) this.resume(c.index);
  }

  /**
   * A dry run for TDTP: Test Action Rules: what each rule would do with this run, touching nothing.
   * The run is replayed as a live one with the transitions it brought when it arrived (none if it
   * came before this session, or brought none). A rule with `"on": "late"` (or `"stateExpired"`)
   * is tried on a late event too, when the pipeline is late now in that way and the run alone does
   * not move the rule.
   */
  explain(record: RunRecord, connection: string): RuleVerdict[] {
    const asLive: RunRecord = { ...record, source: 'live' };
    const runEvent: ActionEvent = { record: asLive, connection, transitions: this.transitionsOf.get(record) ?? [] };
    const watched = this.viewer.get(connection);
    const lateness = watched && this.viewer.alertsOf(watched, record.run.resultName)?.late;
    const lateEvent: ActionEvent | undefined = lateness && { record, connection, late: { lateness, at: Date.now() } };
    return this.rules.map((rule) => {
      // The late event, when the rule waits for this kind of lateness and the run alone does not move it.
      const event = lateness && lateEvent && rule.when.on?.includes(lateKind(lateness)) && explainMismatch(rule, runEvent) ? lateEvent : runEvent;
      return { rule, label: ruleLabel(rule), paused: this.limiter.isPaused(rule.index) !== undefined, would: this.wouldDo(rule, event) };
    });
  }

  private wouldDo(rule: ActionRule, event: ActionEvent): string {
    const [decision] = decideActions([rule], event, this.limiter, { dryRun: true });
    if (!decision) {
      const mismatch = explainMismatch(rule, event);
      return vscode.l10n.t('does not apply: {0}', mismatch ? mismatchText(mismatch) : '');
    }
    const outcome = decision.outcome;
    switch (outcome.kind) {
      case 'run':
        return vscode.l10n.t('would {0}', plannedActionText(outcome.action));
      case 'rate-limited':
        return vscode.l10n.t('would be skipped by its rate limit for {0} s more', Math.ceil(outcome.retryAfterMs / 1000));
      case 'paused':
        return outcome.pausedNow
          ? vscode.l10n.t('would pause itself: {0}', pauseReasonText(outcome.limit, outcome.perMinute))
          : vscode.l10n.t('is paused ({0}); run "TDTP: Resume Action Rule" to let it run again', pauseReasonText(outcome.limit, outcome.perMinute));
      case 'problem':
        return vscode.l10n.t('cannot run: {0}', ruleProblemText(outcome.problem));
    }
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
      // The string itself, not a Uri: VS Code opens a Uri as encodeURI(uri.toString(true)), which
      // decodes %26, %3D, %2F back into & = / (a value could add a parameter or climb the path).
      // A string is opened as it is when it survives a parse unchanged (extHostWindow.openUri,
      // mainThreadWindow.$openUri, openerService._resolveExternalUriOpenTarget).
      if (!(await vscode.env.openExternal(action.url as unknown as vscode.Uri))) throw new Error(vscode.l10n.t('VS Code did not open {0}', action.url));
      return;
    case 'task':
      await vscode.tasks.executeTask(await taskWithEnvironment(action.task, action.env));
      return;
  }
}

/**
 * The task named `name` from the user's own tasks (the workspace's tasks.json, or user tasks),
 * copied with the event's values as environment variables. An extension's task of the same name
 * is never taken: it must not be able to stand in for the user's. Values are never pasted into the
 * command line: a hostile `error` text could otherwise run commands.
 */
async function taskWithEnvironment(name: string, env: Readonly<Record<string, string>>): Promise<vscode.Task> {
  const own = (await vscode.tasks.fetchTasks()).filter((t) => OWN_TASK_SOURCES.includes(t.source));
  const task = own.find((t) => t.name === name) ?? own.find((t) => t.definition.label === name);
  if (!task) throw new Error(vscode.l10n.t('no task in tasks.json is named "{0}" (tasks that extensions provide are not used)', name));
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
