import * as vscode from 'vscode';
import type { Cadence } from '../../core/alerts/cadence';
import type { Lateness, PipelineAlerts } from '../../core/alerts/tracker';
import type { UnusualFinding } from '../../core/alerts/unusual';
import { countText, dateTimeText, durationText, formatNumber } from './format';

/** The alert rules' facts in words (the core says what; this says it in the UI language). */

/** A span such as "25 min", "2 h 10 min", "3 d 4 h": coarse, as people say how long something lasted. */
export function spanText(ms: number): string {
  const seconds = Math.max(0, Math.round(ms / 1000));
  if (seconds < 60) return vscode.l10n.t('{0} s', seconds);
  const minutes = Math.round(seconds / 60);
  if (minutes < 60) return vscode.l10n.t('{0} min', minutes);
  const hours = Math.floor(minutes / 60);
  if (hours < 48) return vscode.l10n.t('{0} h {1} min', hours, minutes % 60);
  return vscode.l10n.t('{0} d {1} h', Math.floor(hours / 24), hours % 24);
}

/** "10:14" today, the date and time otherwise. */
export function momentText(ms: number, nowMs = Date.now()): string {
  const sameDay = new Date(ms).toDateString() === new Date(nowMs).toDateString();
  return sameDay ? new Date(ms).toLocaleTimeString(vscode.env.language, { hour: '2-digit', minute: '2-digit' }) : dateTimeText(ms);
}

/** The tree's short form: "failed ×3 since 10:14". */
export function failingText(alerts: PipelineAlerts, nowMs = Date.now()): string | undefined {
  if (alerts.failures < 2 || alerts.failingSince === undefined) return undefined;
  return vscode.l10n.t('failed ×{0} since {1}', alerts.failures, momentText(alerts.failingSince, nowMs));
}

/** "⏰ late by 25 min", or "⏰ state expired, no newer run". */
export function lateText(late: Lateness, nowMs = Date.now()): string {
  return late.basis === 'stateExpired' ? vscode.l10n.t('⏰ state expired, no newer run') : vscode.l10n.t('⏰ late by {0}', spanText(nowMs - late.expectedAt));
}

export function cadenceText(cadence: Cadence): string {
  if (cadence.basis === 'learned') {
    const runs = cadence.learned.intervals + 1;
    return vscode.l10n.t('about every {0} ({1})', spanText(cadence.learned.periodMs), countText(runs, vscode.l10n.t('learned from {0} run|learned from {0} runs', formatNumber(runs))));
  }
  const { schedule, index } = cadence.expectation;
  const where = `tdtp.expectations[${index}]`;
  switch (schedule.kind) {
    case 'every':
      return vscode.l10n.t('every {0} ({1})', spanText(schedule.everyMs), where);
    case 'cron':
      return vscode.l10n.t('cron "{0}"{1} ({2})', schedule.pattern, schedule.timeZone ? ` ${schedule.timeZone}` : '', where);
    case 'maxAge':
      return vscode.l10n.t('at most {0} apart ({1})', spanText(schedule.maxAgeMs), where);
  }
}

export function findingText(f: UnusualFinding): string {
  const value = f.metric === 'duration_ms' ? durationText(f.value) : formatNumber(f.value);
  const usual = f.metric === 'duration_ms' ? durationText(f.median) : formatNumber(Math.round(f.median));
  switch (f.metric) {
    case 'rows_loaded':
      return vscode.l10n.t('rows loaded {0}, usually {1}', value, usual);
    case 'rows_exported':
      return vscode.l10n.t('rows exported {0}, usually {1}', value, usual);
    case 'duration_ms':
      return vscode.l10n.t('took {0}, usually {1}', value, usual);
  }
}

/** Lines for a pipeline's tooltip and the panel: [label, value]. */
export function alertRows(alerts: PipelineAlerts, nowMs = Date.now()): Array<[string, string]> {
  const rows: Array<[string, string]> = [];
  if (alerts.failures > 1 && alerts.failingSince !== undefined) {
    rows.push([vscode.l10n.t('Failing'), countText(alerts.failures, vscode.l10n.t('{0} run in a row since {1}|{0} runs in a row since {1}', formatNumber(alerts.failures), dateTimeText(alerts.failingSince)))]);
  }
  if (alerts.late) rows.push([vscode.l10n.t('Late'), alerts.late.basis === 'stateExpired' ? vscode.l10n.t('the state key expired and no newer run arrived') : vscode.l10n.t('the next run was expected at {0}, {1} ago', dateTimeText(alerts.late.expectedAt), spanText(nowMs - alerts.late.expectedAt))]);
  else if (alerts.due) rows.push([vscode.l10n.t('Next run expected'), vscode.l10n.t('{0} (late after {1})', dateTimeText(alerts.due.expectedAt), momentText(alerts.due.lateAfter, nowMs))]);
  if (alerts.cadence) rows.push([vscode.l10n.t('Cadence'), cadenceText(alerts.cadence)]);
  if (alerts.unusual.length) rows.push([vscode.l10n.t('Unusual run'), alerts.unusual.map(findingText).join('; ')]);
  return rows;
}
