import * as vscode from 'vscode';
import type { ApprovalState } from '../../core/orchestrator/approvals';
import { dateTimeText } from './format';
import { serverText } from './orchestrator';

// The words for a scenario's approval as the CodeLens above its header says it: the server's
// record and whether the file on disk is byte for byte what was approved.

/** The first characters of a SHA-256, enough to tell two apart at a glance. */
export function shortHash(sha256: string): string {
  return sha256.slice(0, 12);
}

/** The lens's title: our words and a hex hash only (a title renders `$(icon)`). */
export function approvalTitle(state: ApprovalState, fileSha256: string | undefined): string {
  const file = fileSha256 === undefined ? '' : ` · ${vscode.l10n.t('file SHA-256 {0}', shortHash(fileSha256))}`;
  switch (state.kind) {
    case 'notApproved':
      return `$(circle-slash) ${vscode.l10n.t('Not approved')}${file}`;
    case 'disabled':
      return `$(circle-slash) ${vscode.l10n.t('Approval disabled')}${file}`;
    case 'unknown':
      return `$(question) ${vscode.l10n.t('Approval not known')}${file}`;
    case 'approved': {
      const parts = [state.serverMatches === false ? `$(warning) ${vscode.l10n.t('Changed since approval')}` : `$(verified) ${vscode.l10n.t('Approved')}`];
      if (state.fileMatches === true) parts.push(vscode.l10n.t('the file on disk is the approved content'));
      else if (state.fileMatches === false) parts.push(`$(warning) ${vscode.l10n.t('the file on disk differs from the approved content')}`);
      return parts.join(' · ');
    }
  }
}

/** The lens's tooltip: who approved, when, and both hashes in full. */
export function approvalTooltip(state: ApprovalState, fileSha256: string | undefined, unsaved: boolean): string {
  const lines: string[] = [];
  switch (state.kind) {
    case 'notApproved':
      lines.push(vscode.l10n.t('Not approved: the orchestrator refuses to run it until an admin approves it.'));
      break;
    case 'disabled':
      lines.push(vscode.l10n.t('The approval is disabled: the orchestrator refuses to run it.'));
      break;
    case 'unknown':
      lines.push(vscode.l10n.t('The orchestrator did not say whether it is approved.'));
      break;
    case 'approved': {
      const a = state.approval;
      lines.push(vscode.l10n.t('Approved by {0} on {1}.', serverText(a.approvedBy, 120) || '?', a.approvedAt ? dateTimeText(a.approvedAt.epochMs) : '?'));
      if (state.serverMatches === false) lines.push(vscode.l10n.t('The content the orchestrator loaded is not the approved one: runs are refused until it is approved again.'));
      lines.push(vscode.l10n.t('Approved SHA-256: {0}', serverText(a.sha256, 80)));
      if (state.fileMatches === false) lines.push(vscode.l10n.t('The file on disk is not byte for byte what was approved.'));
      break;
    }
  }
  if (fileSha256 !== undefined) lines.push(vscode.l10n.t('SHA-256 of the file on disk: {0}', fileSha256));
  if (unsaved) lines.push(vscode.l10n.t('The editor has unsaved changes: the hash is of the file on disk.'));
  return lines.join('\n');
}
