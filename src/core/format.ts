import type { DqVerdict } from './dataQuality';
import type { PipelineRun } from './decode';
import { truncate } from './text';

/** A duration split the way it is shown: seconds with hundredths under a minute, then m+s, then h+m. */
export type DurationParts =
  | { readonly unit: 's'; readonly seconds: number }
  | { readonly unit: 'm'; readonly minutes: number; readonly seconds: number }
  | { readonly unit: 'h'; readonly hours: number; readonly minutes: number };

export function durationParts(ms: number): DurationParts {
  // Compare after rounding to hundredths: 59,995 ms would otherwise print as "60.00s".
  if (Math.round(ms / 10) < 6000) return { unit: 's', seconds: Math.round(ms / 10) / 100 };
  const totalSeconds = Math.round(ms / 1000);
  const hours = Math.floor(totalSeconds / 3600);
  const minutes = Math.floor((totalSeconds % 3600) / 60);
  return hours > 0 ? { unit: 'h', hours, minutes } : { unit: 'm', minutes, seconds: totalSeconds % 60 };
}

/** Durations as the reference worker prints them (`1.84s`), growing into minutes and hours. */
export function formatDuration(ms: number): string {
  const d = durationParts(ms);
  switch (d.unit) {
    case 's':
      return `${d.seconds.toFixed(2)}s`;
    case 'm':
      return `${d.minutes}m ${twoDigits(d.seconds)}s`;
    case 'h':
      return `${d.hours}h ${twoDigits(d.minutes)}m`;
  }
}

/** `05`: a clock's two digits. */
export function twoDigits(n: number): string {
  return String(n).padStart(2, '0');
}

/** How long ago, coarse on purpose (views refresh it rarely); the views put it into words. */
export type Age = { readonly unit: 'now' } | { readonly unit: 'min' | 'h' | 'd'; readonly value: number };

export function ageOf(fromMs: number, nowMs: number): Age {
  const seconds = Math.max(0, Math.round((nowMs - fromMs) / 1000));
  if (seconds < 45) return { unit: 'now' };
  const minutes = Math.round(seconds / 60);
  if (minutes < 60) return { unit: 'min', value: minutes };
  const hours = Math.round(minutes / 60);
  if (hours < 48) return { unit: 'h', value: hours };
  return { unit: 'd', value: Math.round(hours / 24) };
}

export function formatPercent(percent: number): string {
  // Never round a partial share up to "100%" (9,999 of 10,000 rows is not all of them).
  if (percent > 99 && percent < 100) return '>99%';
  return percent >= 10 || percent === 0 ? `${Math.round(percent)}%` : `${percent.toPrecision(2)}%`;
}

/** The data-quality verdict in one English sentence, or undefined when there is nothing to say. */
export function describeDq(verdict: DqVerdict): string | undefined {
  switch (verdict.kind) {
    case 'dropped':
      return `${verdict.rows} ${plural(verdict.rows, 'row')} dropped by validator/filter (${formatPercent(verdict.percent)} of loaded)`;
    case 'extra':
      return `${verdict.rows} more ${plural(verdict.rows, 'row')} exported than loaded (+${formatPercent(verdict.percent)})`;
    default:
      return undefined;
  }
}

/** An English noun for a count: "row" for 1, "rows" otherwise (the terminal tool speaks English). */
export function plural(n: number, word: string): string {
  // English's rule for whole numbers (1 and -1 are "one"), without Intl: the tool words a count per event.
  if (Number.isInteger(n)) return n === 1 || n === -1 ? word : `${word}s`;
  return pluralForm(n, `${word}|${word}s`, 'en');
}

/** CLDR's plural categories in their conventional order: a language's forms are listed in this order. */
const PLURAL_ORDER: readonly Intl.LDMLPluralRule[] = ['zero', 'one', 'two', 'few', 'many', 'other'];
const pluralRules = new Map<string, { rules: Intl.PluralRules; categories: readonly Intl.LDMLPluralRule[] }>();

/**
 * The form of a count's text for `n` in `language`. `forms` holds the language's plural forms
 * separated by "|", in CLDR order of the categories the language has: English "one|other"
 * ("{0} run|{0} runs"), Russian "one|few|many" ("{0} запуск|{0} запуска|{0} запусков": 1, 21 /
 * 2–4, 22–24 / 0, 5–20, 11–14). A category without a form of its own takes the last form (Russian
 * "other" is for fractions, which counts never are). The one home of plural choice for every
 * front end: VS Code passes its UI language and a translated message, the terminal tool English.
 */
export function pluralForm(n: number, forms: string, language: string): string {
  const parts = forms.split('|');
  if (parts.length === 1) return forms;
  let entry = pluralRules.get(language);
  if (!entry) {
    let rules: Intl.PluralRules;
    try {
      rules = new Intl.PluralRules(language);
    } catch {
      rules = new Intl.PluralRules('en');
    }
    const has = new Set(rules.resolvedOptions().pluralCategories);
    entry = { rules, categories: PLURAL_ORDER.filter((c) => has.has(c)) };
    pluralRules.set(language, entry);
  }
  const index = entry.categories.indexOf(entry.rules.select(n));
  return parts[Math.min(index < 0 ? parts.length - 1 : index, parts.length - 1)];
}

/** The first line of an error, for toasts and one-line summaries. */
export function firstLine(text: string | undefined, max = 200): string {
  return truncate((text ?? '').split(/\r?\n/, 1)[0].trim(), max);
}

export function statusLabel(run: PipelineRun): string {
  return run.statusKind === 'unknown' ? `unknown status "${run.result.status}"` : run.statusKind;
}
