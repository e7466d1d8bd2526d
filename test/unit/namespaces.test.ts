import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Namespace } from '../../src/core/namespaces';
import { groupByNamespace } from '../../src/core/namespaces';
import type { PipelineSnapshot } from '../../src/core/storeTypes';
import { displayStatusOf } from '../../src/core/status';
import { mkRecord } from '../support/records';

function snapshot(resultName: string, status = 'success', exported?: number): PipelineSnapshot {
  const latest = mkRecord({ resultName, status, loaded: 100, exported: exported ?? 100 });
  return { resultName, latest, displayStatus: displayStatusOf(latest), stateExpired: false, runCount: 1 };
}

function shape(ns: Namespace): unknown {
  return { path: ns.path, count: ns.count, worst: ns.worst, pipelines: ns.pipelines.map((p) => p.resultName), namespaces: ns.namespaces.map(shape) };
}

describe('groupByNamespace', () => {
  test('segments become nested namespaces with counts and the worst status below them', () => {
    const root = groupByNamespace([
      snapshot('travel:sales:extract', 'failed'),
      snapshot('travel:sales:load'),
      snapshot('travel:customers:load', 'success', 90),
      snapshot('MASK_V001'),
    ]);
    assert.deepEqual(shape(root), {
      path: '',
      count: 4,
      worst: 'failed',
      pipelines: ['MASK_V001'],
      namespaces: [
        {
          path: 'travel',
          count: 3,
          worst: 'failed',
          pipelines: [],
          namespaces: [
            { path: 'travel:customers', count: 1, worst: 'dq_warning', pipelines: ['travel:customers:load'], namespaces: [] },
            { path: 'travel:sales', count: 2, worst: 'failed', pipelines: ['travel:sales:extract', 'travel:sales:load'], namespaces: [] },
          ],
        },
      ],
    });
  });

  test('empty segments and a trailing separator still place every pipeline once', () => {
    const root = groupByNamespace([snapshot('a::b'), snapshot('a:'), snapshot(':lead')]);
    assert.equal(root.count, 3);
    const names: string[] = [];
    const walk = (ns: Namespace) => {
      names.push(...ns.pipelines.map((p) => p.resultName));
      ns.namespaces.forEach(walk);
    };
    walk(root);
    assert.deepEqual(names.sort(), [':lead', 'a:', 'a::b']);
  });

  test('completed_with_errors outranks a data-quality warning, and failed outranks both', () => {
    assert.equal(groupByNamespace([snapshot('x:a', 'success', 1), snapshot('x:b', 'completed_with_errors')]).worst, 'completed_with_errors');
    assert.equal(groupByNamespace([snapshot('x:a', 'completed_with_errors'), snapshot('x:b', 'failed')]).worst, 'failed');
  });
});
