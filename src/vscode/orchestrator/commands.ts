// The Orchestrator view's commands: credentials, refresh, run (with the params form), run again,
// stop and cancel (confirmed), the job's log and its artifact. Every server answer is worded by
// orchestratorProblemText. A command takes a tree node, or an object for callers without one
// (`{server?, scenario, params?}` for Run Scenario, the params prefilling its form, `{server?, jobId}` for the job commands).
import * as vscode from 'vscode';
import { secretScope } from '../../core/orchestrator/endpointSettings';
import type { OrchestratorModel } from '../../core/orchestrator/model';
import type { Job, Params, Scenario } from '../../core/orchestrator/types';
import { inertText } from '../../core/text';
import type { PasswordStore } from '../connections/secrets';
import { orchestratorProblemText, serverText } from '../words/orchestrator';
import { noConnectionText } from '../words/orchestratorAdmin';
import { downloadArtifact } from './artifact';
import { jobLogUri } from './jobLog';
import { JOB_LOG_LANGUAGE } from './jobLogNames';
import type { OrchestratorServer, Orchestrators } from './orchestrators';
import { secretKindOf } from './orchestrators';
import type { UiHolder } from './prompts';
import { NOT_MODAL, confirmed } from './prompts';
import { chooseAmong } from './requestsShared';

/** What a command was given: a node of the view, a connection name, or a plain object. */
type Arg = { readonly server?: unknown; readonly scenario?: unknown; readonly name?: unknown; readonly jobId?: unknown; readonly params?: unknown } | string | undefined;

const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);

function paramsArg(v: unknown): Params | undefined {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return undefined;
  const out: Record<string, string> = {};
  for (const [k, value] of Object.entries(v)) if (typeof value === 'string') out[k] = value;
  return out;
}

export class OrchestratorCommands {
  constructor(
    private readonly orchestrators: Orchestrators,
    private readonly passwords: PasswordStore,
    private readonly prompts: UiHolder,
  ) {}

  register(context: vscode.ExtensionContext): void {
    const table: Record<string, (arg?: Arg) => unknown> = {
      'tdtp.orchestrator.setToken': (arg) => this.setSecret(arg, 'orchestratorToken'),
      'tdtp.orchestrator.clearToken': (arg) => this.clearSecret(arg, 'orchestratorToken'),
      'tdtp.orchestrator.setPassword': (arg) => this.setSecret(arg, 'orchestratorPassword'),
      'tdtp.orchestrator.clearPassword': (arg) => this.clearSecret(arg, 'orchestratorPassword'),
      'tdtp.orchestrator.openSettings': () => vscode.commands.executeCommand('workbench.action.openSettings', 'tdtp.orchestrator'),
      'tdtp.orchestrator.refresh': () => Promise.all(this.orchestrators.servers.map((s) => s.model?.refreshAll())),
      'tdtp.orchestrator.runScenario': (arg) => this.runScenario(arg),
      'tdtp.orchestrator.runAgain': (arg) => this.runAgain(arg),
      'tdtp.orchestrator.stopJob': (arg) => this.stopOrCancel(arg, 'stop'),
      'tdtp.orchestrator.cancelJob': (arg) => this.stopOrCancel(arg, 'cancel'),
      'tdtp.orchestrator.showJobLog': (arg) => this.showJobLog(arg),
      'tdtp.orchestrator.downloadArtifact': (arg) => this.downloadArtifact(arg),
    };
    for (const [id, handler] of Object.entries(table)) context.subscriptions.push(vscode.commands.registerCommand(id, handler));
  }

  /** The server a command is about: named by the argument, the only one, or the user's pick among those `fits`. */
  private pickServer(arg: Arg, fits: (s: OrchestratorServer) => boolean = () => true): Promise<OrchestratorServer | undefined> {
    const servers = this.orchestrators.servers;
    const none = (named: string | undefined) =>
      void this.prompts.ui.warn(
        servers.length === 0 ? vscode.l10n.t('No orchestrator is configured: set tdtp.orchestrator.url.') : named !== undefined && !this.orchestrators.get(named) ? noConnectionText(named) : vscode.l10n.t('No orchestrator fits this command.'),
        NOT_MODAL,
      );
    return chooseAmong(servers.filter(fits), (s) => s, arg, (items, options) => this.prompts.ui.pick(items, options), none);
  }

  private connected(server: OrchestratorServer | undefined): OrchestratorModel | undefined {
    if (server && !server.model) void this.prompts.ui.warn(vscode.l10n.t('The orchestrator of "{0}" is not connected: set its token or password first.', inertText(server.endpoint.connection)), NOT_MODAL);
    return server?.model;
  }

  private async setSecret(arg: Arg, kind: 'orchestratorToken' | 'orchestratorPassword'): Promise<void> {
    const server = await this.pickServer(arg, (s) => secretKindOf(s.endpoint) === kind);
    if (!server) return;
    const scope = secretScope(server.endpoint.baseUrl);
    const token = kind === 'orchestratorToken';
    const secret = await this.prompts.ui.input({
      title: token ? vscode.l10n.t('TDTP: Orchestrator token') : vscode.l10n.t('TDTP: Orchestrator LDAP password'),
      prompt: vscode.l10n.t('For {0}. Stored in VS Code\'s secret storage, never in settings, and sent only to this URL.', inertText(scope)),
      password: true,
      ignoreFocusOut: true,
      validateInput: (v) => (v.trim().length === 0 ? vscode.l10n.t('Enter a value, or run the Clear command to remove it.') : undefined),
    });
    if (secret === undefined) return;
    // Bound to the URL it was entered for: a workspace that later points the connection elsewhere does not get it without consent.
    await this.passwords.set(token ? secret.trim() : secret, server.endpoint.connection, kind, scope);
  }

  private async clearSecret(arg: Arg, kind: 'orchestratorToken' | 'orchestratorPassword'): Promise<void> {
    const server = await this.pickServer(arg, (s) => secretKindOf(s.endpoint) === kind);
    if (!server) return;
    await this.passwords.clear(server.endpoint.connection, kind);
    vscode.window.setStatusBarMessage(kind === 'orchestratorToken' ? vscode.l10n.t('TDTP: the orchestrator token was removed.') : vscode.l10n.t('TDTP: the orchestrator password was removed.'), 5000);
  }

  private async pickScenario(model: OrchestratorModel, name: string | undefined): Promise<Scenario | undefined> {
    if (!model.scenarios.loaded) await model.refreshScenarios();
    const scenarios = model.scenarios.value;
    if (name !== undefined) {
      const found = scenarios.find((s) => s.name === name);
      if (!found) void this.prompts.ui.warn(model.scenarios.problem ? orchestratorProblemText(model.scenarios.problem) : vscode.l10n.t('The orchestrator has no scenario "{0}".', serverText(name, 120)), NOT_MODAL);
      return found;
    }
    if (scenarios.length === 0) {
      void this.prompts.ui.warn(model.scenarios.problem ? orchestratorProblemText(model.scenarios.problem) : vscode.l10n.t('The orchestrator has no scenarios.'), NOT_MODAL);
      return undefined;
    }
    const picked = await this.prompts.ui.pick(
      scenarios.map((s) => ({ label: serverText(s.name, 120), description: serverText(s.description, 120), scenario: s })),
      { placeHolder: vscode.l10n.t('Run which scenario?'), matchOnDescription: true },
    );
    return picked?.scenario;
  }

  /** Runs a scenario; resolves the job id, or undefined when cancelled or refused (said in a toast). */
  async runScenario(arg: Arg, initial?: Params): Promise<string | undefined> {
    const server = await this.pickServer(arg);
    const model = this.connected(server);
    if (!server || !model) return undefined;
    const scenario = await this.pickScenario(model, typeof arg === 'object' ? (str(arg.scenario) ?? str(arg.name)) : undefined);
    if (!scenario) return undefined;
    // Given parameters only prefill the form: any extension can execute this command, and a job starts only when the user submits it.
    const given = typeof arg === 'object' ? paramsArg(arg.params) : undefined;
    const params = await this.prompts.ui.params(scenario, given ?? initial);
    if (!params) return undefined;
    const answer = await model.call((c, signal) => c.run(scenario.name, params, { signal }));
    if (!answer.ok) {
      void this.prompts.ui.error(orchestratorProblemText(answer.problem));
      return undefined;
    }
    model.poller.refresh();
    const jobId = answer.value;
    const show = vscode.l10n.t('Show Log');
    void this.prompts.ui.info(vscode.l10n.t('TDTP: {0} started on the orchestrator.', serverText(scenario.name, 120)), NOT_MODAL, show).then((choice) => {
      if (choice === show) void this.openLog(server.endpoint.connection, jobId, scenario.name);
    });
    return jobId;
  }

  /** The job a command is about, from its node or `{server, jobId}`, as the model last saw it. */
  private jobOf(arg: Arg): { server: OrchestratorServer; model: OrchestratorModel; job: Job | undefined; jobId: string } | undefined {
    if (typeof arg !== 'object') return undefined;
    const jobId = str(arg.jobId);
    const connection = str(arg.server) ?? (this.orchestrators.servers.length === 1 ? this.orchestrators.servers[0].endpoint.connection : undefined);
    const server = connection === undefined ? undefined : this.orchestrators.get(connection);
    const model = this.connected(server);
    if (!server || !model || jobId === undefined) return undefined;
    return { server, model, jobId, job: model.jobs.find((j) => j.id === jobId) };
  }

  private async runAgain(arg: Arg): Promise<string | undefined> {
    const target = this.jobOf(arg);
    if (!target?.job) return undefined;
    return this.runScenario({ server: target.server.endpoint.connection, scenario: target.job.scenario }, target.job.params);
  }

  private async stopOrCancel(arg: Arg, action: 'stop' | 'cancel'): Promise<boolean> {
    const target = this.jobOf(arg);
    if (!target) return false;
    const { model, jobId, job } = target;
    const name = serverText(job?.scenario ?? jobId, 120);
    const yes = action === 'stop' ? vscode.l10n.t('Stop') : vscode.l10n.t('Cancel Job');
    const question =
      action === 'stop'
        ? vscode.l10n.t('Stop the running job of "{0}"? The orchestrator ends its process (SIGTERM, a kill after 10 s).', name)
        : vscode.l10n.t('Cancel the pending job of "{0}"?', name);
    if (!(await confirmed(this.prompts.ui, question, yes))) return false;
    const answer = await model.call((c, signal) => (action === 'stop' ? c.stop(jobId, { signal }) : c.cancel(jobId, { signal })));
    model.poller.refresh();
    if (!answer.ok) {
      void this.prompts.ui.error(orchestratorProblemText(answer.problem));
      return false;
    }
    return true;
  }

  private async openLog(connection: string, jobId: string, scenario: string): Promise<vscode.TextEditor> {
    const document = await vscode.workspace.openTextDocument(jobLogUri(connection, jobId, scenario));
    // Its own language: the manifest turns link detection off for it (a log's URL is data, not a link).
    return vscode.window.showTextDocument(await vscode.languages.setTextDocumentLanguage(document, JOB_LOG_LANGUAGE), { preview: true });
  }

  private async showJobLog(arg: Arg): Promise<vscode.TextEditor | undefined> {
    const target = this.jobOf(arg);
    if (!target) return undefined;
    return this.openLog(target.server.endpoint.connection, target.jobId, target.job?.scenario ?? 'job');
  }

  private async downloadArtifact(arg: Arg): Promise<vscode.Uri | undefined> {
    const target = this.jobOf(arg);
    if (!target) return undefined;
    // The server records the artifact a moment after `done`: a polled job without one may be stale, so ask.
    const answer = target.job?.artifactSha256 !== undefined ? { ok: true as const, value: target.job } : await target.model.call((c, signal) => c.job(target.jobId, { signal }));
    if (!answer.ok) {
      void this.prompts.ui.error(orchestratorProblemText(answer.problem));
      return undefined;
    }
    return downloadArtifact(target.model, answer.value, this.prompts.ui);
  }
}
