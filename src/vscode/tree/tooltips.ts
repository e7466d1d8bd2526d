import * as vscode from 'vscode';
import type { PipelineAlerts } from '../../core/alerts/tracker';
import type { RejectedMessage } from '../../core/decode';
import type { GapMarker, RunRecord } from '../../core/runs';
import { displayStatusOf } from '../../core/status';
import { truncate } from '../../core/text';
import type { WatchedConnection } from '../connections/watchedConnection';
import { problemOf } from '../connections/watchedConnection';
import { alertRows } from '../words/alerts';
import { connectionText, dateTimeText, dqText, durationText, finishedText, formatNumber, sourceText, statusText } from '../words/format';
import { appendWire, appendWireBlock, escapeMarkdown, untrustedMarkdown } from '../words/markdown';
import { gapReasonText, problemText } from '../words/problems';
import { namedSettingProblemText } from '../words/settings';

// The Markdown tooltips of the Pipelines view's rows. Values from the wire go through appendWire
// (escaped, inert).

/** A hover is no place for a long error: the detail panel shows it whole. */
const TOOLTIP_ERROR_CHARS = 2000;

/** Every field, the error and the DQ verdict. */
export function runTooltip(resultName: string, record: RunRecord, stateExpired: boolean, alerts?: PipelineAlerts): vscode.MarkdownString {
  const r = record.run.result;
  const md = untrustedMarkdown();
  const status = displayStatusOf(record);
  md.appendMarkdown(`**${escapeMarkdown(resultName)}** — ${escapeMarkdown(statusText(status, r.status))}\n\n`);
  const rows: Array<[string, string]> = [
    [vscode.l10n.t('Pipeline'), r.pipeline_name],
    [vscode.l10n.t('Started'), record.run.startedAt ? dateTimeText(record.run.startedAt.epochMs) : vscode.l10n.t('not known')],
    [vscode.l10n.t('Finished'), finishedText(record)],
    [vscode.l10n.t('Duration'), durationText(r.duration_ms)],
    [vscode.l10n.t('Rows loaded'), formatNumber(r.rows_loaded)],
    [vscode.l10n.t('Rows exported'), formatNumber(r.rows_exported)],
  ];
  const dq = dqText(record.dq);
  if (dq) rows.push([vscode.l10n.t('Data quality'), dq]);
  if (r.package_uuid) rows.push([vscode.l10n.t('Package'), r.package_uuid]);
  rows.push([vscode.l10n.t('Source'), sourceText(record.source)]);
  if (record.run.resultNameMismatch) rows.push([vscode.l10n.t('Note'), vscode.l10n.t('the payload says result_name "{0}"', r.result_name)]);
  if (stateExpired) rows.push([vscode.l10n.t('State key'), vscode.l10n.t('expired')]);
  if (alerts) rows.push(...alertRows(alerts));
  for (const [label, value] of rows) {
    md.appendMarkdown(`${escapeMarkdown(label)}: `);
    appendWire(md, value);
    md.appendMarkdown('  \n');
  }
  if (r.error) {
    md.appendMarkdown(`\n**${escapeMarkdown(vscode.l10n.t('Error'))}**\n`);
    appendWireBlock(md, truncate(r.error, TOOLTIP_ERROR_CHARS));
  }
  return md;
}

/** The connection's state, its problem and, when not configured, what is wrong with its settings. */
export function connectionTooltip(connection: WatchedConnection): vscode.MarkdownString {
  const state = connection.state;
  const problem = problemOf(state);
  const tooltip = untrustedMarkdown();
  appendWire(tooltip, `${connection.name}: ${connectionText(state, connection.endpoint)}`);
  if (problem) appendWire(tooltip, `\n\n${problemText(problem)}`);
  if (state.kind === 'notConfigured') appendWire(tooltip, `\n\n${state.problems.map(namedSettingProblemText).join('\n')}`);
  return tooltip;
}

/** Why events may have been lost. */
export function gapTooltip(gap: GapMarker): vscode.MarkdownString {
  const tooltip = untrustedMarkdown();
  appendWire(tooltip, gapReasonText(gap.reason));
  return tooltip;
}

/** When it came, from where, why it was rejected, and the start of what was sent. */
export function rejectedTooltip(m: RejectedMessage): vscode.MarkdownString {
  const tooltip = untrustedMarkdown();
  tooltip.appendMarkdown(`**${escapeMarkdown(vscode.l10n.t('Rejected message'))}** — ${escapeMarkdown(dateTimeText(m.receivedAt))}\n\n`);
  appendWire(tooltip, `${m.source}\n${m.reason}\n\n`);
  appendWireBlock(tooltip, truncate(m.rawPreview, 500));
  return tooltip;
}
