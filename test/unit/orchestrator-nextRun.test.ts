// A schedule's next run, computed as the server's robfig/cron reads it, in the server's zone.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { parseServerCron, scheduleNextRun } from '../../src/core/orchestrator/nextRun';

const NOW = Date.UTC(2026, 11, 6, 12, 0, 0); // a Sunday, 12:00 UTC
const at = (expr: string, zone = 'UTC', lastRunAt?: number) => scheduleNextRun({ cronExpr: expr, enabled: true, lastRunAt: lastRunAt === undefined ? undefined : { text: '', epochMs: lastRunAt } }, zone, NOW);

describe('next run of a schedule', () => {
  test('five fields read in the server’s zone, which is a parameter', () => {
    assert.deepEqual(at('30 2 * * *'), { kind: 'at', epochMs: Date.UTC(2026, 11, 7, 2, 30), estimated: false });
    // 09:00 in Moscow (UTC+3) is 06:00 UTC.
    assert.deepEqual(at('0 9 * * *', 'Europe/Moscow'), { kind: 'at', epochMs: Date.UTC(2026, 11, 7, 6, 0), estimated: false });
    // 14:00 Moscow is 11:00 UTC, already past today.
    assert.deepEqual(at('0 14 * * *', 'Europe/Moscow'), { kind: 'at', epochMs: Date.UTC(2026, 11, 7, 11, 0), estimated: false });
  });

  test('a CRON_TZ= or TZ= prefix overrides the server’s zone', () => {
    assert.deepEqual(at('CRON_TZ=Asia/Tokyo 0 9 * * *'), { kind: 'at', epochMs: Date.UTC(2026, 11, 7, 0, 0), estimated: false });
    assert.deepEqual(at('TZ=Asia/Tokyo 0 9 * * *', 'Europe/Moscow'), { kind: 'at', epochMs: Date.UTC(2026, 11, 7, 0, 0), estimated: false });
    assert.equal(at('CRON_TZ=Mars/Olympus 0 9 * * *').kind, 'invalid');
    assert.deepEqual(at('0 9 * * *', 'Nowhere/Else'), { kind: 'invalid', code: 'notTimeZone', values: ['Nowhere/Else'] });
  });

  test('robfig’s descriptors, `?` as `*`, names, and day-of-month OR day-of-week', () => {
    assert.deepEqual(at('@hourly'), { kind: 'at', epochMs: Date.UTC(2026, 11, 6, 13), estimated: false });
    assert.deepEqual(at('@daily'), at('@midnight'));
    assert.deepEqual(at('@weekly'), { kind: 'at', epochMs: Date.UTC(2026, 11, 13), estimated: false });
    assert.deepEqual(at('@monthly'), { kind: 'at', epochMs: Date.UTC(2027, 0, 1), estimated: false });
    assert.deepEqual(at('@yearly'), at('@annually'));
    assert.deepEqual(at('0 0 ? * MON'), { kind: 'at', epochMs: Date.UTC(2026, 11, 7), estimated: false });
    // Both day fields restricted: either matching is enough (the 11th is a Friday, before the 13th).
    assert.deepEqual(at('0 0 13 * FRI'), { kind: 'at', epochMs: Date.UTC(2026, 11, 11), estimated: false });
  });

  test('@every counts from the last run; without one the next run is not known here', () => {
    assert.deepEqual(at('@every 15m'), { kind: 'unknown', everyMs: 900_000 });
    assert.deepEqual(at('@every 15m', 'UTC', NOW - 60_000), { kind: 'at', epochMs: NOW + 840_000, estimated: true });
    // The server was down for a while: missed runs are not caught up.
    assert.deepEqual(at('@every 1h', 'UTC', NOW - 5.5 * 3_600_000), { kind: 'at', epochMs: NOW + 1_800_000, estimated: true });
    // robfig: at least a second, whole seconds.
    assert.deepEqual(at('@every 1500ms'), { kind: 'unknown', everyMs: 1000 });
    assert.deepEqual(at('@every 200ms'), { kind: 'unknown', everyMs: 1000 });
    assert.equal(at('@every 1d').kind, 'invalid', 'Go durations have no days');
    assert.equal(at('@everyday').kind, 'invalid');
  });

  test('what robfig does not take, or a croner extension it lacks, is invalid', () => {
    for (const expr of ['0 0 * * 7', '0 0 * * 5-7', '0 0 * * 1,7', 'not a cron', '* * * *', '0 0 * * * *', '0 0 L * *', '0 0 * * 5#2', '0 0 15W * *', '@reboot', 'x'.repeat(300)]) {
      assert.equal(at(expr).kind, 'invalid', expr);
    }
    assert.deepEqual(parseServerCron('0 0 30 2 *', 'UTC'), { ok: false, code: 'cronNeverFires', values: ['0 0 30 2 *'] });
    assert.equal(at('0 0 * * */2').kind, 'at', 'a step is no day number');
  });

  test('a disabled schedule has no next run', () => {
    assert.deepEqual(scheduleNextRun({ cronExpr: '@hourly', enabled: false, lastRunAt: undefined }, 'UTC', NOW), { kind: 'disabled' });
  });
});
