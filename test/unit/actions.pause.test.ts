import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { ActionRule } from '../../src/core/actions';
import { RateLimiter, decideActions, parseActionRules } from '../../src/core/actions';
import { mkRecord } from '../support/records';

/* Action rules cannot be turned into a storm: the per-rule and overall limits, and the pause. */

function clock(start = 5_000_000) {
  let now = start;
  return { now: () => now, advance: (ms: number) => (now += ms) };
}

function rule(value: Record<string, unknown>, index = 0): ActionRule {
  const parsed = parseActionRules([value]);
  assert.deepEqual(parsed.problems, []);
  return { ...parsed.rules[0], index };
}

describe('RateLimiter: per-rule limit and overall cap pause the rule', () => {
  test('10,000 distinct result_names in one burst: 10 runs (the default per minute), then ONE pause', () => {
    const c = clock();
    const limiter = new RateLimiter({ now: c.now });
    const r = rule({ run: { task: 't' } });
    const decisions = Array.from({ length: 10_000 }, (_, i) => limiter.tryAcquire(r, `NAME_${i}`));
    assert.equal(decisions.filter((d) => d.allowed).length, 10);
    const pauses = decisions.filter((d) => !d.allowed && d.reason === 'paused' && d.pausedNow);
    assert.equal(pauses.length, 1, 'exactly one attempt says "paused now"');
    assert.deepEqual(pauses[0], { allowed: false, reason: 'paused', limit: 'rule', perMinute: 10, pausedNow: true });
    assert.deepEqual(limiter.paused, [{ index: 0, limit: 'rule', perMinute: 10 }]);
    assert.ok(decisions.slice(11).every((d) => !d.allowed && d.reason === 'paused' && !d.pausedNow));
  });

  test('a paused rule stays paused however long it waits, until resumed; resuming gives a fresh minute', () => {
    const c = clock();
    const limiter = new RateLimiter({ now: c.now });
    const r = rule({ run: { task: 't' }, rateLimit: { perMinute: 2 } });
    assert.equal(limiter.tryAcquire(r, 'A').allowed, true);
    assert.equal(limiter.tryAcquire(r, 'B').allowed, true);
    assert.equal(limiter.tryAcquire(r, 'C').allowed, false);
    c.advance(3_600_000);
    assert.deepEqual(limiter.tryAcquire(r, 'D'), { allowed: false, reason: 'paused', limit: 'rule', perMinute: 2, pausedNow: false });
    assert.equal(limiter.resume(0), true);
    assert.equal(limiter.resume(0), false, 'not paused any more');
    assert.equal(limiter.tryAcquire(r, 'D').allowed, true);
    assert.equal(limiter.tryAcquire(r, 'E').allowed, true);
    assert.equal(limiter.tryAcquire(r, 'F').allowed, false, 'the limit still holds after a resume');
  });

  test('the per-rule limit is a sliding minute: runs spread out never pause', () => {
    const c = clock();
    const limiter = new RateLimiter({ now: c.now });
    const r = rule({ run: { task: 't' }, rateLimit: { perMinute: 3, perResultNameSeconds: 0 } });
    for (let i = 0; i < 100; i++) {
      assert.equal(limiter.tryAcquire(r, 'same').allowed, true, `run ${i}`);
      c.advance(20_000);
    }
    assert.deepEqual(limiter.paused, []);
    // Three within 40 s, a fourth 1 s later: that one pauses.
    const burst = new RateLimiter({ now: c.now });
    for (let i = 0; i < 3; i++) {
      assert.equal(burst.tryAcquire(r, 'x').allowed, true);
      c.advance(20_000);
    }
    c.advance(-19_000);
    assert.equal(burst.tryAcquire(r, 'x').allowed, false);
    assert.equal(burst.isPaused(0)?.limit, 'rule');
  });

  test('suppressed per-result_name attempts do not count against the per-rule limit', () => {
    const c = clock();
    const limiter = new RateLimiter({ now: c.now });
    const r = rule({ run: { task: 't' }, rateLimit: { perMinute: 2 } });
    assert.equal(limiter.tryAcquire(r, 'A').allowed, true);
    for (let i = 0; i < 50; i++) assert.equal((limiter.tryAcquire(r, 'A') as { reason?: string }).reason, 'window');
    assert.equal(limiter.tryAcquire(r, 'B').allowed, true);
    assert.deepEqual(limiter.paused, []);
  });

  test('the overall cap counts all rules together and pauses the rule that would pass it; rateLimit false is still capped', () => {
    const c = clock();
    const limiter = new RateLimiter({ now: c.now, maxRunsPerMinute: 5 });
    const a = rule({ run: { task: 'a' }, rateLimit: false }, 0);
    const b = rule({ run: { task: 'b' } }, 1);
    for (let i = 0; i < 3; i++) assert.equal(limiter.tryAcquire(a, `A${i}`).allowed, true);
    for (let i = 0; i < 2; i++) assert.equal(limiter.tryAcquire(b, `B${i}`).allowed, true);
    assert.deepEqual(limiter.tryAcquire(a, 'A9'), { allowed: false, reason: 'paused', limit: 'overall', perMinute: 5, pausedNow: true });
    assert.deepEqual(limiter.paused, [{ index: 0, limit: 'overall', perMinute: 5 }]);
    assert.equal(limiter.tryAcquire(b, 'B9').allowed, false, 'the cap holds for the other rule too');
    assert.equal(limiter.isPaused(1)?.limit, 'overall');
    c.advance(60_000);
    assert.equal(limiter.tryAcquire(a, 'A10').allowed, false, 'paused rules stay paused when the minute has passed');
  });

  test('peek reports a pause that would happen without pausing', () => {
    const limiter = new RateLimiter({ now: () => 0 });
    const r = rule({ run: { task: 't' }, rateLimit: { perMinute: 1 } });
    limiter.tryAcquire(r, 'A');
    assert.deepEqual(limiter.peek(r, 'B'), { allowed: false, reason: 'paused', limit: 'rule', perMinute: 1, pausedNow: true });
    assert.deepEqual(limiter.paused, []);
  });

  test('a clock that goes backwards does not lock a rule', () => {
    const c = clock();
    const limiter = new RateLimiter({ now: c.now });
    const r = rule({ run: { task: 't' }, rateLimit: { perMinute: 2 } });
    limiter.tryAcquire(r, 'A');
    limiter.tryAcquire(r, 'B');
    c.advance(-3_600_000);
    assert.equal(limiter.tryAcquire(r, 'C').allowed, true);
  });

  test('clear (settings changed) forgets pauses', () => {
    const limiter = new RateLimiter({ now: () => 0 });
    const r = rule({ run: { task: 't' }, rateLimit: { perMinute: 1 } });
    limiter.tryAcquire(r, 'A');
    limiter.tryAcquire(r, 'B');
    assert.equal(limiter.paused.length, 1);
    limiter.clear();
    assert.deepEqual(limiter.paused, []);
    assert.equal(limiter.tryAcquire(r, 'B').allowed, true);
  });
});

describe('decideActions with pauses', () => {
  test('a storm of distinct names: at most perMinute runs, one "paused now", the rest "paused"', () => {
    const c = clock();
    const limiter = new RateLimiter({ now: c.now, maxRunsPerMinute: 30 });
    const rules = [rule({ when: { status: 'failed' }, run: { openUrl: 'https://alerts.example/?r=${result_name}' }, rateLimit: { perMinute: 4 } })];
    const kinds: string[] = [];
    for (let i = 0; i < 1000; i++) {
      for (const d of decideActions(rules, { record: mkRecord({ status: 'failed', error: 'x', resultName: `S${i}` }) }, limiter)) {
        kinds.push(d.outcome.kind === 'paused' ? (d.outcome.pausedNow ? 'paused-now' : 'paused') : d.outcome.kind);
      }
    }
    assert.deepEqual(
      [kinds.filter((k) => k === 'run').length, kinds.filter((k) => k === 'paused-now').length, kinds.filter((k) => k === 'paused').length],
      [4, 1, 995],
    );
    const dry = decideActions(rules, { record: mkRecord({ status: 'failed', error: 'x', resultName: 'later' }) }, limiter, { dryRun: true });
    assert.deepEqual(dry[0].outcome, { kind: 'paused', limit: 'rule', perMinute: 4, pausedNow: false });
  });
});
