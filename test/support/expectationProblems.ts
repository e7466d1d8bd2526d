import type { ExpectationProblemCode } from '../../src/core/alerts/expectations';

/**
 * One `tdtp.expectations` value per problem code, with where the problem must point and the
 * values it must carry. A Record, so a new code without a case here fails to compile. Shared by
 * the core's tests (test/unit/alerts.test.ts) and the wording's (test/vscode/alerts.test.ts).
 */
export const EXPECTATION_PROBLEM_CASES: Record<ExpectationProblemCode | 'unknownField', { readonly value: unknown; readonly at: string; readonly values: readonly string[]; readonly got?: string }> = {
  notExpectations: { value: { resultName: 'A', every: '1m' }, at: 'tdtp.expectations', values: [], got: 'object' },
  tooManyExpectations: { value: Array.from({ length: 501 }, (_, i) => ({ resultName: `P${i}`, every: '1m' })), at: 'tdtp.expectations', values: ['501', '500'] },
  notExpectation: { value: ['MASK_*'], at: 'tdtp.expectations[0]', values: [], got: 'text' },
  unknownField: { value: [{ resultName: 'A', every: '1m', colour: 'red' }], at: 'tdtp.expectations[0].colour', values: ['colour', 'resultName, every, cron, timeZone, maxAge, grace'] },
  notGlob: { value: [{ resultName: '', every: '1m' }], at: 'tdtp.expectations[0].resultName', values: [], got: 'text' },
  globLoneBackslash: { value: [{ resultName: 'A\\', every: '1m' }], at: 'tdtp.expectations[0].resultName', values: ['A\\'] },
  globReversedRange: { value: [{ resultName: '[z-a]', every: '1m' }], at: 'tdtp.expectations[0].resultName', values: ['[z-a]', 'z-a'] },
  globUnclosedBracket: { value: [{ resultName: '[oops', every: '1m' }], at: 'tdtp.expectations[0].resultName', values: ['[oops', '1'] },
  noSchedule: { value: [{ resultName: 'A', grace: '5m' }], at: 'tdtp.expectations[0]', values: ['every, cron, maxAge'] },
  manySchedules: { value: [{ resultName: 'A', every: '1m', cron: '* * * * *' }], at: 'tdtp.expectations[0]', values: ['every, cron, maxAge', 'every, cron'] },
  timeZoneWithoutCron: { value: [{ resultName: 'A', every: '1m', timeZone: 'UTC' }], at: 'tdtp.expectations[0].timeZone', values: [] },
  notScheduleText: { value: [{ resultName: 'A', maxAge: 3600 }], at: 'tdtp.expectations[0].maxAge', values: [], got: 'number' },
  notGrace: { value: [{ resultName: 'A', every: '1m', grace: 300 }], at: 'tdtp.expectations[0].grace', values: [], got: 'number' },
  durationTooLong: { value: [{ resultName: 'A', every: '1m'.repeat(40) }], at: 'tdtp.expectations[0].every', values: ['80', '64'] },
  durationEmpty: { value: [{ resultName: 'A', every: '   ' }], at: 'tdtp.expectations[0].every', values: [] },
  notDuration: { value: [{ resultName: 'A', every: '15' }], at: 'tdtp.expectations[0].every', values: ['15', '15'] },
  durationOverflow: { value: [{ resultName: 'A', maxAge: `${'9'.repeat(60)}h` }], at: 'tdtp.expectations[0].maxAge', values: [`${'9'.repeat(60)}h`] },
  periodTooShort: { value: [{ resultName: 'A', cron: '@every 100ms' }], at: 'tdtp.expectations[0].cron', values: ['@every 100ms', '1000'] },
  cronTooLong: { value: [{ resultName: 'A', cron: `${'0,'.repeat(100)}0 * * * *` }], at: 'tdtp.expectations[0].cron', values: ['209', '200'] },
  notTimeZone: { value: [{ resultName: 'A', cron: '* * * * *', timeZone: 'Mars/Olympus' }], at: 'tdtp.expectations[0].timeZone', values: [], got: 'text' },
  cronNeverFires: { value: [{ resultName: 'A', cron: '0 0 30 2 *' }], at: 'tdtp.expectations[0].cron', values: ['0 0 30 2 *'] },
  notCron: { value: [{ resultName: 'A', cron: 'not a cron' }], at: 'tdtp.expectations[0].cron', values: ['not a cron'] },
};
