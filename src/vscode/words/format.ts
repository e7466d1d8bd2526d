import * as vscode from 'vscode';
import { isBeyondSkew } from '../../core/clock';
import type { DqVerdict } from '../../core/dataQuality';
import { ageOf, durationParts, formatPercent, pluralForm, twoDigits } from '../../core/format';
import type { DisplayStatus } from '../../core/status';
import type { RunRecord, RunSource } from '../../core/runs';
import type { WatchedConnectionState } from '../../core/connection';

/** Localized words for what the core knows; one place, so tree, panel and toasts agree. */
export function statusText(status: DisplayStatus, raw?: string): string {
  switch (status) {
    case 'success':
      return vscode.l10n.t('success');
    case 'failed':
      return vscode.l10n.t('failed');
    case 'completed_with_errors':
      return vscode.l10n.t('completed with errors');
    case 'dq_warning':
      return vscode.l10n.t('success, data-quality warning');
    default:
      return raw ? vscode.l10n.t('unknown status "{0}"', raw) : vscode.l10n.t('unknown status');
  }
}

const ICONS: Record<DisplayStatus, [string, string]> = {
  success: ['pass-filled', 'tdtp.successIcon'],
  failed: ['error', 'tdtp.failedIcon'],
  completed_with_errors: ['warning', 'tdtp.warningIcon'],
  dq_warning: ['pass', 'tdtp.dataQualityIcon'],
  unknown: ['question', 'tdtp.unknownIcon'],
};

export function statusIcon(status: DisplayStatus): vscode.ThemeIcon {
  const [id, color] = ICONS[status];
  return new vscode.ThemeIcon(id, new vscode.ThemeColor(color));
}

export function dqText(verdict: DqVerdict): string | undefined {
  switch (verdict.kind) {
    case 'dropped':
      return vscode.l10n.t('{0} rows dropped by validator/filter ({1} of loaded)', formatNumber(verdict.rows), formatPercent(verdict.percent));
    case 'extra':
      return vscode.l10n.t('{0} more rows exported than loaded (+{1})', formatNumber(verdict.rows), formatPercent(verdict.percent));
    case 'ok':
      return verdict.toleratedRows > 0 ? vscode.l10n.t('rows differ by {0}, within the tolerance', formatNumber(verdict.toleratedRows)) : vscode.l10n.t('rows loaded = rows exported');
    default:
      return undefined;
  }
}

export function sourceText(source: RunSource): string {
  switch (source) {
    case 'live':
      return vscode.l10n.t('received live');
    case 'loaded':
      return vscode.l10n.t('state present at connect');
    case 'recovered':
      return vscode.l10n.t('recovered from state');
    case 'polled':
      return vscode.l10n.t('polled');
  }
}

export function formatNumber(n: number): string {
  return formats().number.format(n);
}

/**
 * Intl formatters of the UI language, made once: `toLocaleString(language, options)` builds a new
 * formatter on every call, which made a tree refresh of 5,000 rows cost hundreds of milliseconds.
 */
let formatters: { language: string; number: Intl.NumberFormat; seconds: Intl.NumberFormat; dateTime: Intl.DateTimeFormat } | undefined;
function formats(): NonNullable<typeof formatters> {
  const language = vscode.env.language;
  if (formatters?.language !== language) {
    formatters = {
      language,
      number: new Intl.NumberFormat(language),
      seconds: new Intl.NumberFormat(language, { minimumFractionDigits: 2, maximumFractionDigits: 2 }),
      // Date's toLocaleString defaults: numeric date and time.
      dateTime: new Intl.DateTimeFormat(language, { year: 'numeric', month: 'numeric', day: 'numeric', hour: 'numeric', minute: 'numeric', second: 'numeric' }),
    };
  }
  return formatters;
}

/**
 * A count in words, singular or plural as the UI language wants: `forms` is a translated message
 * of plural forms separated by "|" whose only argument is the count, such as
 * `countText(n, vscode.l10n.t('{0} run|{0} runs', formatNumber(n)))`; the Russian bundle gives
 * three forms (1 / 2–4 / 5+). Without a bundle for the UI language the English forms are shown,
 * so they are chosen by English rules.
 */
export function countText(n: number, forms: string): string {
  return pluralForm(n, forms, vscode.l10n.bundle ? vscode.env.language : 'en');
}

/** `1.84s` in English (the reference worker's form), `1,84 с` in Russian. */
export function durationText(ms: number): string {
  const d = durationParts(ms);
  switch (d.unit) {
    case 's':
      return vscode.l10n.t('{0}s', formats().seconds.format(d.seconds));
    case 'm':
      return vscode.l10n.t('{0}m {1}s', d.minutes, twoDigits(d.seconds));
    case 'h':
      return vscode.l10n.t('{0}h {1}m', d.hours, twoDigits(d.minutes));
  }
}

/** "3 min ago" in the UI language. */
export function ageText(fromMs: number, nowMs = Date.now()): string {
  const age = ageOf(fromMs, nowMs);
  switch (age.unit) {
    case 'now':
      return vscode.l10n.t('just now');
    case 'min':
      return vscode.l10n.t('{0} min ago', age.value);
    case 'h':
      return vscode.l10n.t('{0} h ago', age.value);
    case 'd':
      return vscode.l10n.t('{0} d ago', age.value);
  }
}

export function dateTimeText(ms: number): string {
  const date = new Date(ms);
  // An invalid date reads as Date says it ("Invalid Date"); the formatter would throw.
  return Number.isNaN(date.getTime()) ? date.toLocaleString(vscode.env.language) : formats().dateTime.format(date);
}

/**
 * When a run finished, in the user's zone, as the producer claims it; said so when the claim is
 * later than this computer's clock allows (clock.ts), as the alert rules and charts do not take it.
 */
export function finishedText(record: RunRecord): string {
  const finished = record.run.finishedAt;
  if (!finished) return vscode.l10n.t('not known');
  const text = dateTimeText(finished.epochMs);
  return isBeyondSkew(finished.epochMs, Date.now()) ? vscode.l10n.t("{0} (as claimed: later than this computer's clock)", text) : text;
}

export function connectionText(state: WatchedConnectionState, endpoint: string | undefined): string {
  switch (state.kind) {
    case 'idle':
      return vscode.l10n.t('disconnected');
    case 'notConfigured':
      return vscode.l10n.t('settings need attention');
    case 'connecting':
      return state.attempt > 1 ? vscode.l10n.t('connecting (attempt {0})', state.attempt) : vscode.l10n.t('connecting to {0}', endpoint ?? '');
    case 'connected':
      return vscode.l10n.t('connected to {0}', endpoint ?? '');
    case 'reconnecting':
      return vscode.l10n.t('reconnecting (attempt {0})', state.attempt);
    case 'failed':
      return vscode.l10n.t('cannot connect');
  }
}
