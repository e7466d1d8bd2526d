// The Orchestrator view's rows as TreeItems, built from the model's last answers. Everything the
// server sent is data: labels, descriptions and tooltips are plain strings made inert and bounded
// (serverText), never Markdown. contextValues are tokens that menus match with `viewItem =~ /…/`.
import * as vscode from 'vscode';
import { approvalAllowsRun, approvalState } from '../../core/orchestrator/approvals';
import type { ApprovalState } from '../../core/orchestrator/approvals';
import { isActive, isStopping, jobElapsedMs, jobOrigin } from '../../core/orchestrator/jobs';
import type { EndpointProblem } from '../../core/orchestrator/endpointSettings';
import { cronZone } from '../../core/orchestrator/endpointSettings';
import type { OrchestratorModel } from '../../core/orchestrator/model';
import { scheduleNextRun } from '../../core/orchestrator/nextRun';
import { compileParamPattern } from '../../core/orchestrator/params';
import type { Job, Scenario, Schedule } from '../../core/orchestrator/types';
import { dateTimeText } from '../words/format';
import { endpointProblemText, orchestratorProblemHeadline, orchestratorProblemText, roleText, serverText } from '../words/orchestrator';
import { approvalText, healthText, jobElapsedText, jobOriginText, jobStatusIcon, jobStatusText, nextRunText, paramsText } from '../words/orchestratorView';
import type { OrchestratorServer } from './orchestrators';

export type Group = 'jobs' | 'scenarios' | 'schedules';

/** A row: which server (its connection name) and what. Objects are cached per id (view.ts) so a refresh can name them. */
export type OrchNode =
  | { readonly kind: 'server'; readonly id: string; readonly server: string }
  | { readonly kind: 'health'; readonly id: string; readonly server: string }
  | { readonly kind: 'group'; readonly id: string; readonly server: string; readonly group: Group }
  | { readonly kind: 'job'; readonly id: string; readonly server: string; readonly jobId: string }
  | { readonly kind: 'scenario'; readonly id: string; readonly server: string; readonly name: string }
  | { readonly kind: 'schedule'; readonly id: string; readonly server: string; readonly scheduleId: string }
  | { readonly kind: 'message'; readonly id: string; readonly server: string; readonly what: 'credentials' | 'role' | 'part' }
  /** A setting the orchestrators cannot use (Orchestrators.problems[index]); `server` is its connection, or empty. */
  | { readonly kind: 'setting'; readonly id: string; readonly server: string; readonly problem: EndpointProblem };

const LABEL_CHARS = 120;

function lines(...parts: Array<string | undefined | false>): string {
  return parts.filter((p): p is string => typeof p === 'string' && p !== '').join('\n');
}

export function serverItem(server: OrchestratorServer): vscode.TreeItem {
  const item = new vscode.TreeItem(serverText(server.endpoint.connection, LABEL_CHARS), vscode.TreeItemCollapsibleState.Expanded);
  item.description = serverText(server.endpoint.baseUrl.host, LABEL_CHARS);
  item.iconPath = new vscode.ThemeIcon('server-environment');
  item.tooltip = lines(serverText(server.endpoint.baseUrl.href, 300), server.model?.role.value && vscode.l10n.t('Role: {0}', roleText(server.model.role.value)));
  item.contextValue = 'orchServer';
  return item;
}

export function healthItem(server: OrchestratorServer): vscode.TreeItem {
  const health = server.model?.health;
  const item = new vscode.TreeItem(vscode.l10n.t('Orchestrator'), vscode.TreeItemCollapsibleState.None);
  const role = server.model?.role.value;
  if (health?.value && !health.problem) {
    item.description = healthText(health.value);
    item.iconPath = new vscode.ThemeIcon('pulse', new vscode.ThemeColor('tdtp.successIcon'));
    item.tooltip = lines(serverText(server.endpoint.baseUrl.href, 300), healthText(health.value), role && vscode.l10n.t('Role: {0}', roleText(role)));
    item.contextValue = 'orchHealth ok';
  } else if (health?.problem) {
    item.description = orchestratorProblemHeadline(health.problem);
    item.iconPath = new vscode.ThemeIcon('warning', new vscode.ThemeColor('tdtp.failedIcon'));
    item.tooltip = lines(serverText(server.endpoint.baseUrl.href, 300), orchestratorProblemText(health.problem));
    item.contextValue = 'orchHealth problem';
  } else {
    item.description = vscode.l10n.t('connecting…');
    item.iconPath = new vscode.ThemeIcon('loading~spin');
    item.contextValue = 'orchHealth';
  }
  return item;
}

export function groupItem(server: OrchestratorServer, group: Group): vscode.TreeItem {
  const model = server.model;
  const label = group === 'jobs' ? vscode.l10n.t('Jobs') : group === 'scenarios' ? vscode.l10n.t('Scenarios') : vscode.l10n.t('Schedules');
  const item = new vscode.TreeItem(label, vscode.TreeItemCollapsibleState.Expanded);
  item.iconPath = new vscode.ThemeIcon(group === 'jobs' ? 'run-all' : group === 'scenarios' ? 'file-code' : 'calendar');
  item.contextValue = `orchGroup ${group}`;
  if (!model) return item;
  if (group === 'jobs') {
    const running = model.jobs.filter((j) => j.status === 'running').length;
    const pending = model.jobs.filter((j) => j.status === 'pending').length;
    item.description = running + pending > 0 ? vscode.l10n.t('{0} running, {1} pending', running, pending) : String(model.jobs.length);
  } else {
    const part = group === 'scenarios' ? model.scenarios : model.schedules;
    item.description = part.problem ? orchestratorProblemHeadline(part.problem) : part.loaded ? String(part.value.length) : vscode.l10n.t('loading…');
    if (part.problem) item.tooltip = orchestratorProblemText(part.problem);
  }
  return item;
}

/** Tokens for menus: `orchJob <status> [stopping] [stoppable] [cancellable] [own|any] [log] [artifact]`. */
export function jobContext(model: OrchestratorModel, job: Job): string {
  const tokens = ['orchJob', job.status];
  if (isStopping(job)) tokens.push('stopping');
  const admin = model.can('stopAnyJob');
  // Own jobs are not known by token id (the server has no "who am I"): activators are offered Stop, the server says `not your job`.
  if (job.status === 'running' && !isStopping(job) && model.can('stopOwnJob')) tokens.push('stoppable');
  if (job.status === 'pending' && model.can('cancelOwnJob')) tokens.push('cancellable');
  tokens.push(admin ? 'any' : 'own');
  if (!isActive(job)) tokens.push('log');
  if (job.artifactSha256 !== undefined) tokens.push('artifact');
  if (model.can('run')) tokens.push('rerunnable');
  return tokens.join(' ');
}

export function jobItem(model: OrchestratorModel, job: Job, nowMs: number, node: OrchNode): vscode.TreeItem {
  const item = new vscode.TreeItem(serverText(job.scenario, LABEL_CHARS), vscode.TreeItemCollapsibleState.None);
  const elapsed = jobElapsedText(job, jobElapsedMs(job, nowMs));
  const origin = originText(model, job);
  item.description = [jobStatusText(job), elapsed, origin].filter(Boolean).join(' · ');
  item.iconPath = jobStatusIcon(job);
  item.contextValue = jobContext(model, job);
  item.tooltip = jobTooltip(job, nowMs, model);
  item.accessibilityInformation = { label: `${serverText(job.scenario, LABEL_CHARS)}, ${item.description}` };
  item.command = { command: 'tdtp.orchestrator.showJobLog', title: vscode.l10n.t('Show Job Log'), arguments: [node] };
  return item;
}

/** What started the job, a token by its name when the role may read tokens. */
export function originText(model: Pick<OrchestratorModel, 'tokenNames'>, job: Job): string {
  const origin = jobOrigin(job);
  return jobOriginText(origin, origin.kind === 'token' ? model.tokenNames.get(origin.tokenId) : undefined);
}

export function jobTooltip(job: Job, nowMs: number, model: Pick<OrchestratorModel, 'tokenNames'>): string {
  const elapsed = jobElapsedText(job, jobElapsedMs(job, nowMs));
  return lines(
    vscode.l10n.t('Scenario: {0}', serverText(job.scenario, LABEL_CHARS)),
    vscode.l10n.t('Status: {0}', jobStatusText(job)),
    elapsed,
    vscode.l10n.t('Started by: {0}', originText(model, job)),
    job.startedAt && vscode.l10n.t('Started: {0}', dateTimeText(job.startedAt.epochMs)),
    job.finishedAt && vscode.l10n.t('Finished: {0}', dateTimeText(job.finishedAt.epochMs)),
    paramsText(job.params) && vscode.l10n.t('Parameters: {0}', paramsText(job.params) ?? ''),
    job.runner && vscode.l10n.t('Runner: {0}', serverText(job.runner, 60)),
    job.error && vscode.l10n.t('Error: {0}', serverText(job.error)),
    job.cancelledBy && vscode.l10n.t('Stopped by: {0}', serverText(job.cancelledBy, 60)),
    vscode.l10n.t('Job id: {0}', serverText(job.id, 80)),
  );
}

/** Why a scenario cannot run now, as far as this side knows; undefined when it may. */
export function scenarioBlock(model: OrchestratorModel, scenario: Scenario, state: ApprovalState): string | undefined {
  if (!model.can('run')) return vscode.l10n.t('needs the {0} role', roleText('activator'));
  if (approvalAllowsRun(state) === false) return approvalText(state);
  const invalid = scenario.params.find((p) => p.pattern !== '' && (() => {
    const compiled = compileParamPattern(p.pattern);
    return !compiled.ok && compiled.invalid;
  })());
  if (invalid) return vscode.l10n.t('the pattern of "{0}" does not compile', serverText(invalid.name, 60));
  return undefined;
}

export function scenarioApproval(model: OrchestratorModel, name: string): ApprovalState {
  const answer = model.approvals.get(name);
  return answer ? approvalState(answer) : { kind: 'unknown' };
}

export function scenarioItem(model: OrchestratorModel, scenario: Scenario): vscode.TreeItem {
  const item = new vscode.TreeItem(serverText(scenario.name, LABEL_CHARS), vscode.TreeItemCollapsibleState.None);
  const state = scenarioApproval(model, scenario.name);
  const block = scenarioBlock(model, scenario, state);
  const params = scenario.params.map((p) => `${serverText(p.name, 40)}${p.required ? '*' : ''}`).join(', ');
  item.description = [block ? vscode.l10n.t('cannot run: {0}', block) : state.kind !== 'unknown' ? approvalText(state) : undefined, serverText(scenario.description, 80)].filter(Boolean).join(' · ');
  item.iconPath = new vscode.ThemeIcon(block ? 'circle-slash' : 'play-circle', block ? new vscode.ThemeColor('disabledForeground') : undefined);
  item.contextValue = ['orchScenario', block ? 'blocked' : 'runnable', state.kind].join(' ');
  item.tooltip = lines(
    serverText(scenario.name, LABEL_CHARS),
    scenario.description && serverText(scenario.description, 500),
    params && vscode.l10n.t('Parameters: {0}', params),
    ...scenario.params.map((p) => lines(p.default !== '' && `  ${serverText(p.name, 40)} = ${serverText(p.default, 120)}`, p.pattern !== '' && `  ${serverText(p.name, 40)} ~ ${serverText(p.pattern, 120)}`)),
    scenario.runner && vscode.l10n.t('Runner: {0}', serverText(scenario.runner, 60)),
    scenario.permissions.length > 0 && vscode.l10n.t('Licence features: {0}', scenario.permissions.map((p) => serverText(p, 40)).join(', ')),
    state.kind !== 'unknown' && vscode.l10n.t('Approval: {0}', approvalText(state)),
    block && vscode.l10n.t('Cannot run: {0}', block),
  );
  return item;
}

export function scheduleItem(server: OrchestratorServer, schedule: Schedule, nowMs: number): vscode.TreeItem {
  const item = new vscode.TreeItem(serverText(schedule.id, LABEL_CHARS), vscode.TreeItemCollapsibleState.None);
  const next = nextRunText(scheduleNextRun(schedule, cronZone(server.endpoint), nowMs));
  item.description = [serverText(schedule.cronExpr, 60), schedule.enabled ? next : vscode.l10n.t('disabled'), schedule.lastStatus && vscode.l10n.t('last: {0}', serverText(schedule.lastStatus, 30))].filter(Boolean).join(' · ');
  item.iconPath = new vscode.ThemeIcon(schedule.enabled ? 'watch' : 'circle-slash');
  item.contextValue = `orchSchedule ${schedule.enabled ? 'enabled' : 'disabled'}`;
  item.tooltip = lines(
    vscode.l10n.t('Schedule: {0}', serverText(schedule.id, LABEL_CHARS)),
    vscode.l10n.t('Scenario: {0}', serverText(schedule.scenario, LABEL_CHARS)),
    vscode.l10n.t('Cron: {0} (read in {1})', serverText(schedule.cronExpr, 100), serverText(cronZone(server.endpoint), 60)),
    paramsText(schedule.params) && vscode.l10n.t('Parameters: {0}', paramsText(schedule.params) ?? ''),
    schedule.enabled ? next : vscode.l10n.t('disabled'),
    schedule.lastRunAt && vscode.l10n.t('Last run: {0} ({1})', dateTimeText(schedule.lastRunAt.epochMs), serverText(schedule.lastStatus, 30)),
  );
  return item;
}

export function messageItem(server: OrchestratorServer, what: 'credentials' | 'role' | 'part'): vscode.TreeItem {
  const item = new vscode.TreeItem('', vscode.TreeItemCollapsibleState.None);
  item.iconPath = new vscode.ThemeIcon('warning');
  item.contextValue = `orchMessage ${what}`;
  if (what === 'credentials') {
    const ldap = server.endpoint.auth === 'ldap';
    if (server.credentials === 'refused') item.label = ldap ? vscode.l10n.t('The stored password was not sent to this URL') : vscode.l10n.t('The stored token was not sent to this URL');
    else item.label = ldap ? vscode.l10n.t('No orchestrator password set') : vscode.l10n.t('No orchestrator token set');
    item.command = { command: ldap ? 'tdtp.orchestrator.setPassword' : 'tdtp.orchestrator.setToken', title: '', arguments: [server.endpoint.connection] };
  } else {
    const problem = server.model?.role.problem;
    item.label = vscode.l10n.t('Role not known');
    item.description = problem ? orchestratorProblemHeadline(problem) : undefined;
    item.tooltip = problem ? orchestratorProblemText(problem) : undefined;
  }
  return item;
}

/** A setting problem: the worded problem; a click opens the settings it names. */
export function settingProblemItem(problem: EndpointProblem): vscode.TreeItem {
  const text = endpointProblemText(problem);
  const item = new vscode.TreeItem(text, vscode.TreeItemCollapsibleState.None);
  item.iconPath = new vscode.ThemeIcon('warning', new vscode.ThemeColor('tdtp.warningIcon'));
  item.tooltip = text;
  item.contextValue = 'orchSettingProblem';
  const query = problem.setting.startsWith('tdtp.connections') ? 'tdtp.connections' : 'tdtp.orchestrator';
  item.command = { command: 'workbench.action.openSettings', title: vscode.l10n.t('Open Orchestrator Settings'), arguments: [query] };
  return item;
}
