// When a schedule of the orchestrator runs next, computed here: the server stores nothing until
// the first fire. It uses robfig/cron v3 with the standard parser (scheduler.go: cron.New()):
// five fields read in the server's local zone (a `CRON_TZ=Zone ` or `TZ=Zone ` prefix overrides
// it); the descriptors @yearly, @annually, @monthly, @weekly, @daily, @midnight, @hourly; and
// `@every <Go duration>`, counted from when the server registered the schedule or last ran it, so
// without a last run its next run is not known here. The zone is a parameter: the API does not say
// which zone the server runs in. The schedule's own `timezone` only feeds its date parameters.
import type { Cron } from 'croner';
import { parseDuration } from '../alerts/duration';
import { croner, isTimeZone } from '../cron';
import { truncate } from '../text';
import type { Schedule } from './types';


const MAX_EXPR_CHARS = 200;

/** robfig's descriptors as five fields. */
const DESCRIPTORS: Readonly<Record<string, string>> = {
  '@yearly': '0 0 1 1 *',
  '@annually': '0 0 1 1 *',
  '@monthly': '0 0 1 * *',
  '@weekly': '0 0 * * 0',
  '@daily': '0 0 * * *',
  '@midnight': '0 0 * * *',
  '@hourly': '0 * * * *',
};

export type ServerCron =
  | { readonly kind: 'cron'; readonly cron: Cron; readonly zone: string }
  /** robfig rounds the delay to whole seconds, at least one. */
  | { readonly kind: 'every'; readonly delayMs: number };

/**
 * Why an expression is not one the server takes (or not one computed here): `cronTooLong`
 * [characters, the most]; `notTimeZone` [zone]; `cronUnsupported` [what: a croner extension robfig
 * lacks — L, W, #]; `notCron` [expression]; `cronNeverFires` [expression].
 */
export type CronProblemCode = 'cronTooLong' | 'notTimeZone' | 'cronUnsupported' | 'notCron' | 'cronNeverFires';
export type CronParse = { readonly ok: true; readonly spec: ServerCron } | { readonly ok: false; readonly code: CronProblemCode; readonly values: readonly string[] };

const refused = (code: CronProblemCode, ...values: Array<string | number>): CronParse => ({ ok: false, code, values: values.map((v) => truncate(String(v), 80)) });


/** An expression as the server's scheduler reads it, with `serverZone` its local zone (IANA, or "UTC"). */
export function parseServerCron(expr: string, serverZone: string): CronParse {
  if (expr.length > MAX_EXPR_CHARS) return refused('cronTooLong', expr.length, MAX_EXPR_CHARS);
  let body = expr.trim();
  let zone = serverZone;
  const prefixed = /^(?:CRON_TZ|TZ)=(\S+)\s+(.*)$/.exec(body);
  if (prefixed) {
    zone = prefixed[1];
    body = prefixed[2].trim();
  }
  if (!isTimeZone(zone)) return refused('notTimeZone', zone);
  if (body.startsWith('@every')) {
    const duration = body.slice('@every'.length);
    // Go's ParseDuration has no days; parseDuration accepts `d`, so refuse it here.
    if (!/^\s/.test(duration) || /d/.test(duration)) return refused('notCron', expr);
    const parsed = parseDuration(duration.trim());
    if (!parsed.ok) return refused('notCron', expr);
    return { ok: true, spec: { kind: 'every', delayMs: Math.max(1000, parsed.ms - (parsed.ms % 1000)) } };
  }
  if (body.startsWith('@')) {
    const fields = DESCRIPTORS[body];
    if (!fields) return refused('notCron', expr);
    body = fields;
  }
  const parts = body.split(/\s+/);
  if (parts.length !== 5) return refused('notCron', expr);
  if (/[LW#]/i.test(body.replace(/[A-Za-z]{3}/g, (name) => (/^(jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec|sun|mon|tue|wed|thu|fri|sat)$/i.test(name) ? '' : name)))) {
    return refused('cronUnsupported', expr);
  }
  // robfig's day of week is 0-6; croner also takes 7 for Sunday, which the server refuses.
  if (parts[4].split(',').some((item) => item.split('/')[0].split('-').some((n) => /^\d+$/.test(n) && Number(n) > 6))) return refused('notCron', expr);
  // robfig reads `?` as `*` in the day fields; croner would put the current time there.
  const pattern = parts.map((p) => (p === '?' ? '*' : p)).join(' ');
  try {
    // domAndDow false: either day field matching is enough when both are restricted, as in robfig.
    const cron = new (croner().Cron)(pattern, { timezone: zone, paused: true, mode: '5-part', domAndDow: false, sloppyRanges: true });
    if (cron.nextRun(new Date(0)) === null) return refused('cronNeverFires', expr);
    return { ok: true, spec: { kind: 'cron', cron, zone } };
  } catch {
    return refused('notCron', expr);
  }
}

export type NextRun =
  | { readonly kind: 'at'; readonly epochMs: number; /** @every: from the last run, which a restart of the server moves. */ readonly estimated: boolean }
  | { readonly kind: 'disabled' }
  /** @every without a last run: the server counts from when it registered the schedule. */
  | { readonly kind: 'unknown'; readonly everyMs: number }
  | { readonly kind: 'invalid'; readonly code: CronProblemCode; readonly values: readonly string[] };

/** The next run after `nowMs` of a parsed expression (`lastRunMs` for @every). */
export function nextRunOf(spec: ServerCron, nowMs: number, lastRunMs?: number): NextRun {
  if (spec.kind === 'cron') {
    const next = spec.cron.nextRun(new Date(nowMs));
    return next ? { kind: 'at', epochMs: next.getTime(), estimated: false } : { kind: 'invalid', code: 'cronNeverFires', values: [] };
  }
  if (lastRunMs === undefined) return { kind: 'unknown', everyMs: spec.delayMs };
  // Missed fires (the server was down) are not caught up: the next is the first one after now.
  const behind = nowMs - lastRunMs;
  const steps = behind < spec.delayMs ? 1 : Math.floor(behind / spec.delayMs) + 1;
  return { kind: 'at', epochMs: lastRunMs + steps * spec.delayMs, estimated: true };
}

/** A schedule's next run, as the server in `serverZone` will fire it. */
export function scheduleNextRun(schedule: Pick<Schedule, 'cronExpr' | 'enabled' | 'lastRunAt'>, serverZone: string, nowMs: number): NextRun {
  if (!schedule.enabled) return { kind: 'disabled' };
  const parsed = parseServerCron(schedule.cronExpr, serverZone);
  if (!parsed.ok) return { kind: 'invalid', code: parsed.code, values: parsed.values };
  return nextRunOf(parsed.spec, nowMs, schedule.lastRunAt?.epochMs);
}
