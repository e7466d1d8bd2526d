import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import type { PipelineRun } from '../../src/core/decode';
import { decodePayload } from '../../src/core/decode';
import { PipelineStore } from '../../src/core/store';
import type { RunSource } from '../../src/core/runs';
import { LeanStore } from '../../src/cli/leanStore';

// tdtp-watch keeps no runs (LeanStore), only what PipelineStore decides "printed or already
// seen" and "expired" by: both are driven by the same steps and must print the same runs.

function mkRun(resultName: string, variant: number, status: string, error?: string): PipelineRun {
  const event = {
    pipeline_name: variant % 4 === 3 ? 'p\u0000x' : 'erp_mask_sync',
    result_name: resultName,
    status,
    started_at: '2025-11-18T10:00:00Z',
    finished_at: variant % 3 === 1 ? `2025-11-18T13:00:0${variant % 10}.12345678${variant % 10}+03:00` : `2025-11-18T10:00:${String(variant % 60).padStart(2, '0')}Z`,
    duration_ms: 1000 + (variant % 7),
    rows_loaded: 100,
    rows_exported: variant % 5 === 0 ? 90 : 100,
    ...(error !== undefined && { error }),
  };
  const outcome = decodePayload(`tdtp:pipeline:${resultName}`, resultName, JSON.stringify(event), 0);
  if (outcome.kind !== 'run') assert.fail(JSON.stringify(outcome));
  return outcome.run;
}

type Step =
  | { op: 'run'; name: number; variant: number; status: string; source: RunSource }
  | { op: 'gap'; only: number[] | undefined }
  | { op: 'reconcile'; present: number[] }
  | { op: 'expire'; name: number };

const NAMES = 4;
const name = (i: number) => `N_${i}`;

const step: fc.Arbitrary<Step> = fc.oneof(
  { weight: 8, arbitrary: fc.record({ op: fc.constant('run' as const), name: fc.nat(NAMES - 1), variant: fc.nat(3), status: fc.constantFrom('success', 'failed', 'weird'), source: fc.constantFrom<RunSource>('live', 'live', 'loaded', 'recovered', 'polled') }) },
  { weight: 3, arbitrary: fc.record({ op: fc.constant('gap' as const), only: fc.option(fc.uniqueArray(fc.nat(NAMES - 1)), { nil: undefined }) }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('reconcile' as const), present: fc.uniqueArray(fc.nat(NAMES - 1)) }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('expire' as const), name: fc.nat(NAMES - 1) }) },
);

/** The runs each prints (name, source, dq) and every expired list, step by step. */
function drive(steps: Step[], historySize: number): { full: string[]; lean: string[] } {
  const full: string[] = [];
  const lean: string[] = [];
  const store = new PipelineStore({ historySize, coalesceMs: 1000 });
  store.onDidAddRun((r) => full.push(`run ${r.run.resultName} ${r.source} ${r.dq.kind} ${r.run.result.error?.length ?? '-'}`));
  const leanStore = new LeanStore(historySize, (run, dq, source) => lean.push(`run ${run.resultName} ${source} ${dq.kind} ${run.result.error?.length ?? '-'}`), () => {});
  for (const s of steps) {
    switch (s.op) {
      case 'run': {
        const run = mkRun(name(s.name), s.variant, s.status, s.status === 'failed' ? 'e'.repeat(20_000) : undefined);
        full.push(`added ${store.addRun(run, s.source, 1) !== undefined}`);
        lean.push(`added ${leanStore.addRun(run, s.source, 1)}`);
        break;
      }
      case 'gap': {
        const only = s.only && new Set(s.only.map(name));
        store.addGap(1, 2, 'lost', only);
        leanStore.addGap(1, 2, 'lost', only);
        break;
      }
      case 'reconcile': {
        const present = new Set(s.present.map(name));
        full.push(`expired ${store.markExpiredExcept(present).join(',')}`);
        lean.push(`expired ${leanStore.markExpiredExcept(present).join(',')}`);
        break;
      }
      case 'expire':
        store.markExpired(name(s.name));
        leanStore.markExpired(name(s.name));
        break;
    }
  }
  store.dispose();
  return { full, lean };
}

describe("tdtp-watch's lean store", () => {
  test('prints the runs PipelineStore adds and expires the pipelines it expires, for any steps', () => {
    fc.assert(
      fc.property(fc.array(step, { maxLength: 80 }), fc.integer({ min: 1, max: 6 }), (steps, historySize) => {
        const { full, lean } = drive(steps, historySize);
        assert.deepEqual(lean, full);
      }),
      { numRuns: 400 },
    );
  });

  test('back-to-back gaps take one place in the history, as in PipelineStore', () => {
    const run = (variant: number, source: RunSource): Step => ({ op: 'run', name: 0, variant, status: 'success', source });
    const gap: Step = { op: 'gap', only: undefined };
    const steps = [run(1, 'live'), run(2, 'live'), gap, gap, gap, run(1, 'recovered'), run(2, 'recovered')];
    const { full, lean } = drive(steps, 3);
    assert.deepEqual(full.slice(-2), ['added false', 'added false']);
    assert.deepEqual(lean, full);
  });

  test('past the pipeline limit it forgets the pipelines PipelineStore evicts', () => {
    const steps: Step[] = [];
    const names = 5_200;
    const many = (i: number, source?: RunSource): Step => ({ op: 'run', name: i, variant: 1, status: i % 3 ? 'success' : 'failed', source: source ?? (i % 7 ? 'live' : 'loaded') });
    for (let i = 0; i < names; i++) steps.push(many(i));
    // Seen again: printed again only where the pipeline was evicted.
    for (let i = 0; i < names; i += 13) steps.push(many(i, 'recovered'));
    steps.push({ op: 'reconcile', present: [] });
    const { full, lean } = drive(steps, 100);
    assert.ok(full.some((line) => line.startsWith('run N_13 recovered')), 'the test evicts');
    assert.ok(full.some((line) => /^expired .*N_5199/.test(line)), 'the test expires');
    assert.deepEqual(lean, full);
  });
});
