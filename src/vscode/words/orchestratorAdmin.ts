import * as vscode from 'vscode';
import { nextRunOf, parseServerCron } from '../../core/orchestrator/nextRun';
import type { OrchestratorAction } from '../../core/orchestrator/roles';
import type { OrchestratorProblem, Params, Role } from '../../core/orchestrator/types';
import { dateTimeText, durationText } from './format';
import { orchestratorProblemText, serverText } from './orchestrator';
import { cronProblemText } from './orchestratorView';

// The words of the administration commands (requests inbox, schedules, tokens): their stateful
// owners in src/vscode/orchestrator/ say what happened, these word it.

/** A request's parameters on one line: server text, each name and value bounded. */
export function paramsText(params: Params): string {
  const entries = Object.entries(params);
  if (entries.length === 0) return vscode.l10n.t('no parameters');
  return entries.map(([name, value]) => `${serverText(name, 60)}=${serverText(value, 80)}`).join(', ');
}

/** Where the orchestrators stand, as far as a refused command needs to say. */
export type ServersState = 'none' | 'notConnected' | 'connected';

/** Why no server can do `action`. */
export function noServerText(state: ServersState, action: OrchestratorAction): string {
  if (state === 'none') return vscode.l10n.t('No orchestrator is configured (tdtp.orchestrator.url).');
  if (state === 'notConnected') return vscode.l10n.t('No orchestrator is connected yet.');
  return action === 'submitRequest' ? vscode.l10n.t('No connected orchestrator accepts requests from you.') : vscode.l10n.t('This needs the admin role on the orchestrator, and your token has less.');
}

/** A command argument named a connection that has no orchestrator. */
export function noConnectionText(named: string): string {
  return vscode.l10n.t('There is no orchestrator for the connection "{0}".', serverText(named, 120));
}

/** A failed call, worded: what was being done, then what the orchestrator answered. */
export function problemMessage(doing: string, problem: OrchestratorProblem): string {
  return vscode.l10n.t('{0}: {1}', doing, orchestratorProblemText(problem));
}

/** What a role may do, for the token's role pick. */
export function roleDetail(role: Role): string {
  switch (role) {
    case 'consumer':
      return vscode.l10n.t('Sees scenarios, jobs and results; submits run requests.');
    case 'activator':
      return vscode.l10n.t('A consumer who also runs scenarios and stops its own jobs.');
    case 'admin':
      return vscode.l10n.t('Everything: approvals, requests, schedules, tokens.');
  }
}

/** What the cron box says of a value: the problem, or when it runs next (computed here). */
export function cronVerdict(expr: string, zone: string, nowMs = Date.now()): { ok: boolean; text: string } {
  const parsed = parseServerCron(expr, zone);
  if (!parsed.ok) return { ok: false, text: cronProblemText(parsed.code, parsed.values) };
  const next = nextRunOf(parsed.spec, nowMs);
  if (next.kind === 'at') return { ok: true, text: vscode.l10n.t('Next run: {0} (the server reads cron in {1}).', dateTimeText(next.epochMs), serverText(zone, 64)) };
  if (next.kind === 'unknown') return { ok: true, text: vscode.l10n.t('Runs every {0}, counted from when the server registers it.', durationText(next.everyMs)) };
  return { ok: true, text: '' };
}
