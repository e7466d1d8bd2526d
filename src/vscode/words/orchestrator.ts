import * as vscode from 'vscode';
import type { EndpointProblem } from '../../core/orchestrator/endpointSettings';
import type { ParamProblem, UncheckedReason } from '../../core/orchestrator/params';
import type { ConflictReason, ForbiddenReason, OrchestratorProblem, Role } from '../../core/orchestrator/types';
import { inertText, truncate } from '../../core/text';

// The extension's words for what the orchestrator answered (core/orchestrator/problems.ts states
// the facts). The server's own text is data: shown as plain inert text, bounded, after our sentence.

/** How much of the server's text one message shows. */
const DETAIL_CHARS = 300;

/** The server's text, inert and bounded; empty when it said nothing. */
export function serverText(detail: string, max = DETAIL_CHARS): string {
  return inertText(truncate(detail.replace(/\s+/g, ' ').trim(), max));
}

function withDetail(sentence: string, detail: string): string {
  const said = serverText(detail);
  return said === '' ? sentence : vscode.l10n.t('{0} The server said: {1}', sentence, said);
}

export function roleText(role: Role | 'unknown'): string {
  switch (role) {
    case 'consumer':
      return vscode.l10n.t('consumer');
    case 'activator':
      return vscode.l10n.t('activator');
    case 'admin':
      return vscode.l10n.t('admin');
    default:
      return vscode.l10n.t('unknown role');
  }
}

function forbiddenText(reason: ForbiddenReason): string {
  switch (reason) {
    case 'notApproved':
      return vscode.l10n.t('The orchestrator refused: the scenario is not approved. An admin must approve it first.');
    case 'approvalRevoked':
      return vscode.l10n.t("The orchestrator refused: the scenario's approval was revoked.");
    case 'changedSinceApproval':
      return vscode.l10n.t('The orchestrator refused: the scenario file changed since it was approved. An admin must approve it again.');
    case 'scenarioNotAllowed':
      return vscode.l10n.t('The orchestrator refused: your token is not allowed to run this scenario.');
    case 'notYourJob':
      return vscode.l10n.t('The orchestrator refused: this is not your job (only an admin may stop or cancel the jobs of others).');
    case 'notYourRequest':
      return vscode.l10n.t('The orchestrator refused: this is not your request.');
    case 'cannotApprove':
      return vscode.l10n.t('The orchestrator refused to approve the scenario.');
    case 'licenceFeature':
      return vscode.l10n.t("The orchestrator refused: the scenario needs a feature the server's licence does not include.");
    case 'other':
      return vscode.l10n.t('The orchestrator refused (403 Forbidden).');
  }
}

function conflictText(reason: ConflictReason): string {
  switch (reason) {
    case 'jobNotRunning':
      return vscode.l10n.t('The job is not running any more.');
    case 'jobNotPending':
      return vscode.l10n.t('The job is not pending any more (it has started or ended).');
    case 'noLiveProcess':
      return vscode.l10n.t('The orchestrator has no process for this job: it was restarted while the job ran, so the job only looks running and cannot be stopped.');
    case 'requestReviewed':
      return vscode.l10n.t('The request was already reviewed.');
    case 'other':
      return vscode.l10n.t('The orchestrator refused: the state changed (409 Conflict).');
  }
}

function unreachableText(cause: string): string {
  switch (cause) {
    case 'ECONNREFUSED':
      return vscode.l10n.t('The orchestrator is not reachable: the connection was refused (is it running, at that address and port?).');
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return vscode.l10n.t('The orchestrator is not reachable: its host name was not found.');
    default:
      return vscode.l10n.t('The orchestrator is not reachable ({0}).', inertText(cause));
  }
}

/** One or two sentences: what the orchestrator answered and what to do. */
export function orchestratorProblemText(problem: OrchestratorProblem): string {
  switch (problem.code) {
    case 'unreachable':
      return unreachableText(problem.cause);
    case 'timeout':
      return vscode.l10n.t('The orchestrator did not answer within {0} s.', Math.round(problem.afterMs / 1000));
    case 'aborted':
      return vscode.l10n.t('The request to the orchestrator was cancelled.');
    case 'badCredentials':
      return vscode.l10n.t('The orchestrator credentials hold characters an HTTP header cannot carry; nothing was sent. Set them again.');
    case 'unauthorized':
      return withDetail(vscode.l10n.t('The orchestrator did not accept the credentials (401). Set the orchestrator token (or password) again.'), problem.detail);
    case 'roleRequired':
      return vscode.l10n.t('The orchestrator refused: this needs the {0} role, and your token has less.', roleText(problem.role));
    case 'forbidden':
      return problem.reason === 'other' || problem.reason === 'cannotApprove' ? withDetail(forbiddenText(problem.reason), problem.detail) : forbiddenText(problem.reason);
    case 'badRequest':
      return withDetail(vscode.l10n.t('The orchestrator refused the request as malformed (400).'), problem.detail);
    case 'notFound':
      return withDetail(vscode.l10n.t('The orchestrator does not know it (404): it may have been removed or the server restarted without it.'), problem.detail);
    case 'conflict':
      return problem.reason === 'other' ? withDetail(conflictText(problem.reason), problem.detail) : conflictText(problem.reason);
    case 'invalidParams':
      return withDetail(vscode.l10n.t('The orchestrator refused the parameters (422).'), problem.detail);
    case 'licenceLimit':
      return withDetail(vscode.l10n.t("The orchestrator refused: its licence limit is reached (429); the community licence runs one started job at a time. Wait for the running job to end."), problem.detail);
    case 'notImplemented':
      return withDetail(vscode.l10n.t('The orchestrator does not support this in its current mode (501).'), problem.detail);
    case 'serverError':
      return withDetail(vscode.l10n.t('The orchestrator failed with HTTP {0}.', problem.status), problem.detail);
    case 'unexpectedStatus':
      return withDetail(vscode.l10n.t('The orchestrator answered with an unexpected HTTP {0}.', problem.status), problem.detail);
    case 'malformedAnswer':
      return vscode.l10n.t('The orchestrator sent an answer this extension cannot read ({0}).', serverText(problem.what, 80));
    case 'answerTooLarge':
      return vscode.l10n.t('The orchestrator sent an answer larger than {0} bytes; it was not read.', problem.limitBytes);
    case 'checksumMismatch':
      return vscode.l10n.t('The downloaded artifact does not have the SHA-256 the orchestrator recorded (expected {0}, got {1}); it was not saved.', serverText(problem.expected, 80), serverText(problem.actual, 80));
  }
}

/** A short headline for a tree line or a status (the full text goes in its tooltip). */
export function orchestratorProblemHeadline(problem: OrchestratorProblem): string {
  switch (problem.code) {
    case 'unreachable':
      return vscode.l10n.t('not reachable');
    case 'timeout':
      return vscode.l10n.t('no answer');
    case 'unauthorized':
    case 'badCredentials':
      return vscode.l10n.t('credentials not accepted');
    case 'roleRequired':
    case 'forbidden':
      return vscode.l10n.t('refused');
    default:
      return vscode.l10n.t('error');
  }
}

/** Why a value of the run form is refused before sending. */
export function paramProblemText(problem: ParamProblem): string {
  switch (problem.code) {
    case 'required':
      return vscode.l10n.t('"{0}" is required.', inertText(problem.param));
    case 'mismatch':
      return vscode.l10n.t('The value must match the pattern {0} (the whole value).', serverText(problem.pattern, 120));
    case 'invalidPattern':
      return vscode.l10n.t('The scenario declares a pattern the orchestrator cannot compile ({0}): every run will be refused.', serverText(problem.pattern, 120));
    case 'valueTooLong':
      return vscode.l10n.t('The value is longer than {0} characters.', problem.max);
  }
}

/** Why the pattern is not checked here (the server still checks it). */
export function uncheckedText(reason: UncheckedReason): string {
  switch (reason) {
    case 'patternTooLong':
      return vscode.l10n.t('The pattern is too long to check here; the orchestrator checks it when you run.');
    case 'patternUnsupported':
      return vscode.l10n.t('The pattern uses syntax this extension does not check; the orchestrator checks it when you run.');
    case 'patternMayBacktrack':
      return vscode.l10n.t('The pattern could be slow to check here; the orchestrator checks it when you run.');
    case 'valueTooLong':
      return vscode.l10n.t('The value is too long to check here; the orchestrator checks it when you run.');
  }
}

/** What is wrong with an orchestrator setting. The setting's name and value come from a settings file: inert and bounded. */
export function endpointProblemText(problem: EndpointProblem): string {
  const at = serverText(problem.setting, 80);
  switch (problem.code) {
    case 'notUrl':
      return vscode.l10n.t('{0}: "{1}" is not an http or https URL.', at, serverText(problem.value, 120));
    case 'notAuthMode':
      return vscode.l10n.t('{0}: "{1}" is not an auth mode; expected token, ldap or none.', at, serverText(problem.value, 60));
    case 'notTimeZone':
      return vscode.l10n.t('{0}: "{1}" is not a time zone; expected a name such as "Europe/Moscow" or "UTC".', at, serverText(problem.value, 60));
    case 'ldapNeedsUser':
      return vscode.l10n.t('{0}: LDAP sign-in needs the user name.', at);
    case 'notObject':
      return vscode.l10n.t('{0}: expected an object with url, auth, username and timeZone.', at);
  }
}
