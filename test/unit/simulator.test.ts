import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { AlertTransition } from '../../src/core/alerts/tracker';
import { AlertTracker } from '../../src/core/alerts/tracker';
import { assessDataQuality } from '../../src/core/dataQuality';
import { decodePayload } from '../../src/core/decode';
import type { RunRecord } from '../../src/core/runs';
import { DEMO_PIPELINES, seededRandom, simulateRun } from '../../src/demo/simulator';

const BASE_MS = 3000;
const START = Date.UTC(2026, 0, 5, 9, 0, 0);

/** The demo's first `minutes`, on a clock of our own: every pipeline's runs through one tracker. */
function replay(minutes: number): { transitions: Map<string, AlertTransition['kind'][]>; lateAt: Map<string, number> } {
  const random = seededRandom(7);
  const tracker = new AlertTracker();
  const transitions = new Map<string, AlertTransition['kind'][]>();
  const lateAt = new Map<string, number>();
  const events: Array<{ at: number; pipeline: (typeof DEMO_PIPELINES)[number]; n: number }> = [];
  for (const pipeline of DEMO_PIPELINES) for (let n = 1; (n - 1) * pipeline.every * BASE_MS <= minutes * 60_000; n++) events.push({ at: START + (n - 1) * pipeline.every * BASE_MS, pipeline, n });
  events.sort((a, b) => a.at - b.at);
  for (let second = 0, i = 0; second <= minutes * 60; second++) {
    const now = START + second * 1000;
    for (; i < events.length && events[i].at <= now; i++) {
      const { at, pipeline, n } = events[i];
      const scenario = pipeline.script?.(n);
      if (scenario?.skip) continue;
      const { result } = simulateRun(pipeline, random, new Date(at), scenario);
      const outcome = decodePayload('demo', pipeline.resultName, JSON.stringify(result), at);
      if (outcome.kind !== 'run') assert.fail(JSON.stringify(outcome));
      const record: RunRecord = { kind: 'run', run: outcome.run, dq: assessDataQuality(outcome.run), source: 'live', receivedAt: at };
      const kinds = transitions.get(pipeline.resultName) ?? [];
      kinds.push(...tracker.observe(record).map((t) => t.kind));
      transitions.set(pipeline.resultName, kinds);
    }
    for (const late of tracker.checkLate(now)) if (!lateAt.has(late.resultName)) lateAt.set(late.resultName, now - START);
  }
  return { transitions, lateAt };
}

describe('the demo simulator', () => {
  test('shows each situation within two minutes: a pipeline that stops, failures and a recovery, unusual rows, a slow run, a steady drop toasting once', () => {
    const { transitions, lateAt } = replay(2);
    assert.ok((lateAt.get('AIRFLOW_TRIGGER') ?? Infinity) < 60_000, `AIRFLOW_TRIGGER late at ${lateAt.get('AIRFLOW_TRIGGER')} ms`);
    const geo = transitions.get('GEO_REFRESH') ?? [];
    assert.ok(geo.includes('firstFailure') && geo.includes('recovered'), geo.join());
    assert.ok(transitions.get('MASK_V002')?.includes('unusual'));
    assert.ok(transitions.get('WAREHOUSE_STOCK')?.includes('unusual'));
    assert.equal(transitions.get('MASK_V001')?.filter((k) => k === 'dqChanged' || k === 'dqGrew').length, 1, 'the same small drop on every run: one change');
  });
  test('no pipeline but the one that stops is ever late while all run on schedule', () => {
    const { lateAt } = replay(3);
    assert.deepEqual([...lateAt.keys()], ['AIRFLOW_TRIGGER']);
  });
});
