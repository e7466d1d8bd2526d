// What the cron readers share (tdtp.expectations, the orchestrator's schedules): croner loaded on
// first use, and the one test of a time-zone name.
import type * as Croner from 'croner';

let cronerModule: typeof Croner | undefined;

/** croner is loaded on the first cron schedule: settings without one never pay for it. */
export function croner(): typeof Croner {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  cronerModule ??= require('croner') as typeof Croner;
  return cronerModule;
}

/** Whether this runtime knows the IANA zone (or "UTC"); an empty or overlong name is not one. */
export function isTimeZone(name: string): boolean {
  if (name.length === 0 || name.length > 64) return false;
  try {
    new Intl.DateTimeFormat('en', { timeZone: name });
    return true;
  } catch {
    return false;
  }
}
