// The inbox's commands: Test (the dry run's verdict and resolved parameters), Approve (runs it;
// the jobs are asked again so its job appears in Jobs), Reject (with a note), Submit Request (a
// consumer's proposal: scenario, title, the run form's parameters). After each, the server is
// asked for its pending requests rather than trusting an echo.
import * as vscode from 'vscode';
import { Disposable } from '../../core/lifecycle';
import { problemOf } from '../../core/orchestrator/problems';
import type { OrchestratorProblem, RunRequest, Scenario } from '../../core/orchestrator/types';
import { truncate } from '../../core/text';
import { orchestratorProblemText, serverText } from '../words/orchestrator';
import { paramsText, problemMessage } from '../words/orchestratorAdmin';
import type { Orchestrators } from './orchestrators';
import type { UiHolder } from './prompts';
import type { Acting } from './requestsShared';
import { chooseServer, commandTable } from './requestsShared';
import type { RequestsNode } from './requestsView';

export const REQUEST_COMMANDS = {
  test: 'tdtp.orchestrator.testRequest',
  approve: 'tdtp.orchestrator.approveRequest',
  reject: 'tdtp.orchestrator.rejectRequest',
  submit: 'tdtp.orchestrator.submitRequest',
  refresh: 'tdtp.orchestrator.refreshRequests',
} as const;

/** The most of a title or note sent (the server keeps what it gets; a person types a sentence). */
const MAX_NOTE_CHARS = 500;
/** The parameters said in the approval's question (up to 200 of them could come). */
const MAX_PARAMS_DETAIL_CHARS = 1000;

/**
 * Why the dry run says the request would not run (the server's text: `invalid params: …`, an
 * approval or licence refusal, the pipeline limit), worded as the same refusal from a run would be.
 */
export function blockedReasonProblem(reason: string): OrchestratorProblem {
  if (reason.startsWith('invalid params:')) return problemOf(422, reason);
  const problem = problemOf(403, reason);
  if (problem.code === 'forbidden' && problem.reason === 'other' && /\blimit\b/i.test(reason)) return problemOf(429, reason);
  return problem;
}

function requestLabel(r: RunRequest): string {
  return r.title ? vscode.l10n.t('"{0}" ({1})', serverText(r.title, 80), serverText(r.scenario, 60)) : serverText(r.scenario, 80);
}

export class RequestCommands extends Disposable {
  constructor(
    private readonly orchestrators: Orchestrators,
    private readonly prompts: UiHolder,
  ) {
    super();
    this.register(
      commandTable({
        [REQUEST_COMMANDS.test]: (arg) => this.test(arg),
        [REQUEST_COMMANDS.approve]: (arg) => this.approve(arg),
        [REQUEST_COMMANDS.reject]: (arg) => this.reject(arg),
        [REQUEST_COMMANDS.submit]: (arg) => this.submit(arg),
        [REQUEST_COMMANDS.refresh]: () => Promise.all(orchestrators.servers.map((s) => s.model?.refreshRequests())),
      }),
    );
  }

  private get ui() {
    return this.prompts.ui;
  }

  /** The request a row names, or the user's pick among the pending ones the role may review. */
  private async target(arg: unknown, placeHolder: string): Promise<{ acting: Acting; request: RunRequest } | undefined> {
    const node = arg as RequestsNode | undefined;
    const acting = await chooseServer(this.orchestrators, this.prompts, 'reviewRequest', node?.kind === 'request' ? node : undefined);
    if (!acting) return undefined;
    if (node?.kind === 'request') return { acting, request: node.request };
    const pending = acting.model.requests.value.filter((r) => r.status === 'pending');
    if (pending.length === 0) {
      void this.ui.info(vscode.l10n.t('No pending requests.'), { modal: false });
      return undefined;
    }
    const items = pending.map((request) => ({ label: requestLabel(request), description: serverText(request.submitterName, 40), detail: paramsText(request.params), request }));
    const picked = await this.ui.pick(items, { placeHolder });
    return picked && { acting, request: picked.request };
  }

  async test(arg?: unknown): Promise<void> {
    const target = await this.target(arg, vscode.l10n.t('Which request to test?'));
    if (!target) return;
    const { acting, request } = target;
    const answer = await acting.model.call((c, signal) => c.testRequest(request.id, { signal }));
    if (!answer.ok) {
      void this.ui.error(problemMessage(vscode.l10n.t('Testing the request {0}', requestLabel(request)), answer.problem));
      if (answer.problem.code === 'conflict' || answer.problem.code === 'notFound') void acting.model.refreshRequests();
      return;
    }
    const verdict = answer.value;
    const approve = vscode.l10n.t('Approve');
    if (verdict.wouldRun) {
      const detail = vscode.l10n.t('Parameters as the server resolved them: {0}', paramsText(verdict.resolvedParams));
      const chosen = await this.ui.info(vscode.l10n.t('The request {0} would run.', requestLabel(request)), { modal: true, detail }, approve);
      // The verdict's modal, with the resolved parameters, was the confirmation.
      if (chosen === approve) await this.approveNow(acting, request);
      return;
    }
    const detail = orchestratorProblemText(blockedReasonProblem(verdict.blockedReason));
    void this.ui.warn(vscode.l10n.t('The request {0} would not run now.', requestLabel(request)), { modal: true, detail });
  }

  /** Approving starts a job, maybe from a row shown a while ago: the request is said again, and confirmed. */
  async approve(arg?: unknown): Promise<string | undefined> {
    const target = await this.target(arg, vscode.l10n.t('Which request to approve and run?'));
    if (!target) return undefined;
    const { acting, request } = target;
    const run = vscode.l10n.t('Approve and Run');
    const detail = [
      vscode.l10n.t('Scenario: {0}', serverText(request.scenario, 80)),
      vscode.l10n.t('Submitted by: {0}', serverText(request.submitterName || request.submitterId, 80)),
      vscode.l10n.t('Parameters: {0}', truncate(paramsText(request.params), MAX_PARAMS_DETAIL_CHARS)),
    ].join('\n');
    const chosen = await this.ui.warn(vscode.l10n.t('Approve the request {0} and run it now?', requestLabel(request)), { modal: true, detail }, run);
    if (chosen !== run) return undefined;
    return this.approveNow(acting, request);
  }

  private async approveNow(acting: Acting, request: RunRequest): Promise<string | undefined> {
    const answer = await acting.model.call((c, signal) => c.approveRequest(request.id, { signal }));
    // The job (if any) and the pending list, as the server holds them now.
    acting.model.poller.refresh();
    void acting.model.refreshRequests();
    if (!answer.ok) {
      void this.ui.error(problemMessage(vscode.l10n.t('Approving the request {0}', requestLabel(request)), answer.problem));
      return undefined;
    }
    void this.ui.info(vscode.l10n.t('The request {0} is approved: its job {1} has started.', requestLabel(request), serverText(answer.value.jobId, 60)), { modal: false });
    return answer.value.jobId;
  }

  async reject(arg?: unknown): Promise<boolean> {
    const target = await this.target(arg, vscode.l10n.t('Which request to reject?'));
    if (!target) return false;
    const { acting, request } = target;
    const note = await this.ui.input({
      title: vscode.l10n.t('Reject {0}', requestLabel(request)),
      prompt: vscode.l10n.t('A note for {0}: why the request is rejected.', serverText(request.submitterName, 40)),
      ignoreFocusOut: true,
      validateInput: (text) => (text.length > MAX_NOTE_CHARS ? vscode.l10n.t('At most {0} characters.', MAX_NOTE_CHARS) : undefined),
    });
    if (note === undefined) return false;
    const answer = await acting.model.call((c, signal) => c.rejectRequest(request.id, note.trim(), { signal }));
    await acting.model.refreshRequests();
    if (!answer.ok) {
      void this.ui.error(problemMessage(vscode.l10n.t('Rejecting the request {0}', requestLabel(request)), answer.problem));
      return false;
    }
    void this.ui.info(vscode.l10n.t('The request {0} is rejected.', requestLabel(request)), { modal: false });
    return true;
  }

  /** A proposal to run a scenario (`arg`: a scenario node of the Orchestrator view, or nothing). */
  async submit(arg?: unknown): Promise<string | undefined> {
    const acting = await chooseServer(this.orchestrators, this.prompts, 'submitRequest', arg);
    if (!acting) return undefined;
    const scenario = await this.pickScenario(acting, arg);
    if (!scenario) return undefined;
    const title = await this.ui.input({
      title: vscode.l10n.t('Request a run of {0}', serverText(scenario.name, 80)),
      prompt: vscode.l10n.t('A title the admin sees (optional).'),
      ignoreFocusOut: true,
      validateInput: (text) => (text.length > MAX_NOTE_CHARS ? vscode.l10n.t('At most {0} characters.', MAX_NOTE_CHARS) : undefined),
    });
    if (title === undefined) return undefined;
    const params = await this.ui.params(scenario, undefined, vscode.l10n.t('Request a run of {0}', serverText(scenario.name, 80)));
    if (params === undefined) return undefined;
    const answer = await acting.model.call((c, signal) => c.submitRequest({ scenario: scenario.name, params, title: title.trim() }, { signal }));
    await acting.model.refreshRequests();
    if (!answer.ok) {
      void this.ui.error(problemMessage(vscode.l10n.t('Submitting the request for {0}', serverText(scenario.name, 80)), answer.problem));
      return undefined;
    }
    void this.ui.info(vscode.l10n.t('The request for {0} is submitted; an admin reviews it.', serverText(scenario.name, 80)), { modal: false });
    return answer.value.id;
  }

  private async pickScenario(acting: Acting, arg: unknown): Promise<Scenario | undefined> {
    const scenarios = acting.model.scenarios.value;
    // A scenario node of the Orchestrator view: `{kind: 'scenario', name}`.
    const node = typeof arg === 'object' && arg !== null ? (arg as { kind?: unknown; name?: unknown }) : undefined;
    const fromNode = node?.kind === 'scenario' && typeof node.name === 'string' ? node.name : undefined;
    if (fromNode !== undefined) {
      const found = scenarios.find((s) => s.name === fromNode);
      if (found) return found;
    }
    if (scenarios.length === 0) {
      void this.ui.info(vscode.l10n.t('The orchestrator has no scenarios.'), { modal: false });
      return undefined;
    }
    const items = scenarios.map((scenario) => ({ label: serverText(scenario.name, 80), detail: serverText(scenario.description, 160), scenario }));
    return (await this.ui.pick(items, { placeHolder: vscode.l10n.t('Which scenario?') }))?.scenario;
  }
}
