import { afterEach, describe, mock, test } from 'node:test';
import assert from 'node:assert/strict';
import type { PipelineRun, RejectedMessage } from '../../src/core/decode';
import { decodePayload } from '../../src/core/decode';
import { PipelineStore } from '../../src/core/store';
import type { StoreChange } from '../../src/core/changeBatch';
import type { RunRecord } from '../../src/core/runs';
import { finishedOrReceived } from '../../src/core/runs';
import { displayStatusOf } from '../../src/core/status';

const T0 = Date.UTC(2025, 10, 18, 10, 0, 0);

interface RunSpec {
  status?: string;
  loaded?: number;
  exported?: number;
  /** Seconds after T0 the run finished; undefined for the Go zero time. */
  finishedAfterS?: number | null;
  duration?: number;
  pipeline?: string;
}

function iso(ms: number): string {
  return new Date(ms).toISOString().replace('.000Z', 'Z');
}

function mkRun(resultName: string, spec: RunSpec = {}): PipelineRun {
  const finished = spec.finishedAfterS === null ? '0001-01-01T00:00:00Z' : iso(T0 + (spec.finishedAfterS ?? 2) * 1000);
  const event = {
    pipeline_name: spec.pipeline ?? 'erp_mask_sync',
    result_name: resultName,
    status: spec.status ?? 'success',
    started_at: spec.finishedAfterS === null ? '0001-01-01T00:00:00Z' : iso(T0),
    finished_at: finished,
    duration_ms: spec.duration ?? 1842,
    rows_loaded: spec.loaded ?? 100,
    rows_exported: spec.exported ?? spec.loaded ?? 100,
  };
  const outcome = decodePayload(`tdtp:pipeline:${resultName}`, resultName, JSON.stringify(event), 0);
  if (outcome.kind !== 'run') assert.fail(JSON.stringify(outcome));
  return outcome.run;
}

function rejectedMsg(i: number): RejectedMessage {
  return { source: `tdtp:pipeline:R${i}`, resultName: `R${i}`, reason: `bad ${i}`, rawPreview: '{', rawBytes: 1, receivedAt: i };
}

function syncStore(options: ConstructorParameters<typeof PipelineStore>[0] = {}): { store: PipelineStore; changes: StoreChange[] } {
  const store = new PipelineStore({ coalesceMs: 0, ...options });
  const changes: StoreChange[] = [];
  store.onDidChange((c) => changes.push({ ...c, pipelines: new Set(c.pipelines) }));
  return { store, changes };
}

afterEach(() => {
  mock.timers.reset();
  mock.restoreAll();
});

describe('PipelineStore.addRun', () => {
  test('a live run creates the entry and is the latest', () => {
    const { store, changes } = syncStore();
    const added: RunRecord[] = [];
    store.onDidAddRun((r) => added.push(r));
    const record = store.addRun(mkRun('A'), 'live', 123);
    assert.ok(record);
    assert.equal(record.source, 'live');
    assert.equal(record.receivedAt, 123);
    assert.deepEqual(record.dq, { kind: 'ok', toleratedRows: 0 });
    assert.deepEqual(added, [record]);
    const snap = store.get('A');
    assert.equal(snap?.latest, record);
    assert.equal(snap?.runCount, 1);
    assert.equal(snap?.displayStatus, 'success');
    assert.equal(snap?.stateExpired, false);
    assert.equal(store.has('A'), true);
    assert.equal(store.size, 1);
    assert.equal(changes.length, 1);
    assert.deepEqual([...changes[0].pipelines], ['A']);
    assert.equal(changes[0].structural, true);
  });

  test('loaded and recovered runs are added when new', () => {
    const { store } = syncStore();
    assert.equal(store.addRun(mkRun('A'), 'loaded')?.source, 'loaded');
    assert.equal(store.addRun(mkRun('A', { finishedAfterS: 10 }), 'recovered')?.source, 'recovered');
    assert.equal(store.get('A')?.runCount, 2);
  });

  for (const source of ['loaded', 'recovered', 'polled'] as const) {
    test(`a state already received as an event is not added again (${source})`, () => {
      const { store, changes } = syncStore();
      const added: RunRecord[] = [];
      store.onDidAddRun((r) => added.push(r));
      const live = store.addRun(mkRun('A'), 'live');
      changes.length = 0;
      assert.equal(store.addRun(mkRun('A'), source), undefined);
      assert.equal(added.length, 1);
      assert.equal(store.get('A')?.latest, live);
      assert.equal(store.get('A')?.runCount, 1);
      assert.equal(store.history('A').length, 1);
      assert.equal(changes.length, 0, 'a duplicate changes nothing');
    });
  }

  test('a second live event is always added (a new publish)', () => {
    const { store } = syncStore();
    store.addRun(mkRun('A'), 'live');
    assert.ok(store.addRun(mkRun('A', { finishedAfterS: 5 }), 'live'));
    assert.equal(store.get('A')?.runCount, 2);
  });

  test('a duplicate state clears the expired mark and notifies', () => {
    const { store, changes } = syncStore();
    store.addRun(mkRun('A'), 'live');
    store.markExpired('A');
    assert.equal(store.get('A')?.stateExpired, true);
    changes.length = 0;
    assert.equal(store.addRun(mkRun('A'), 'recovered'), undefined);
    assert.equal(store.get('A')?.stateExpired, false);
    assert.equal(changes.length, 1);
    assert.deepEqual([...changes[0].pipelines], ['A']);
    assert.equal(changes[0].structural, false);
  });

  test('a later change to an existing pipeline is not structural', () => {
    const { store, changes } = syncStore();
    store.addRun(mkRun('A'), 'live');
    store.addRun(mkRun('A', { finishedAfterS: 9 }), 'live');
    assert.deepEqual(
      changes.map((c) => c.structural),
      [true, false],
    );
  });

  test('a run loaded from its state key and then received as the live event is counted once', () => {
    // The framework SETs the state key before it PUBLISHes, so a reconcile that reads the key between
    // the two adds the run as "loaded"; the PUBLISH that follows must not add it again (a second toast).
    const { store } = syncStore();
    const added: RunRecord[] = [];
    store.onDidAddRun((r) => added.push(r));
    store.addRun(mkRun('A'), 'loaded');
    store.addRun(mkRun('A'), 'live');
    assert.equal(store.get('A')?.runCount, 1);
    assert.equal(added.length, 1);
  });
});

describe('PipelineStore history', () => {
  test('bounded: 1000 runs with historySize 10 keep the 10 newest, newest first', () => {
    const { store } = syncStore({ historySize: 10 });
    for (let i = 0; i < 1000; i++) store.addRun(mkRun('A', { duration: i }), 'live');
    const history = store.history('A');
    assert.equal(history.length, 10);
    assert.deepEqual(
      history.map((h) => (h.kind === 'run' ? h.run.result.duration_ms : -1)),
      [999, 998, 997, 996, 995, 994, 993, 992, 991, 990],
    );
    assert.equal(store.get('A')?.runCount, 1000);
    assert.equal(store.get('A')?.latest.run.result.duration_ms, 999);
  });

  test('setHistorySize shrinks to the newest and grows again', () => {
    const { store } = syncStore({ historySize: 5 });
    for (let i = 0; i < 7; i++) store.addRun(mkRun('A', { duration: i }), 'live');
    store.setHistorySize(2);
    assert.deepEqual(
      store.history('A').map((h) => (h.kind === 'run' ? h.run.result.duration_ms : -1)),
      [6, 5],
    );
    store.setHistorySize(4);
    for (let i = 7; i < 10; i++) store.addRun(mkRun('A', { duration: i }), 'live');
    assert.deepEqual(
      store.history('A').map((h) => (h.kind === 'run' ? h.run.result.duration_ms : -1)),
      [9, 8, 7, 6],
    );
  });

  test('an unknown pipeline has an empty history', () => {
    assert.deepEqual(new PipelineStore({ coalesceMs: 0 }).history('nope'), []);
  });

  test('gap markers go into every pipeline history, in order', () => {
    const { store, changes } = syncStore();
    store.addRun(mkRun('A', { duration: 1 }), 'live');
    store.addRun(mkRun('B'), 'live');
    changes.length = 0;
    store.addGap(1000, 2000, 'disconnected');
    store.addRun(mkRun('A', { duration: 2 }), 'recovered');
    const a = store.history('A');
    assert.deepEqual(
      a.map((h) => h.kind),
      ['run', 'gap', 'run'],
    );
    assert.deepEqual(a[1], { kind: 'gap', from: 1000, to: 2000, reason: 'disconnected' });
    assert.deepEqual(store.history('B')[0], { kind: 'gap', from: 1000, to: 2000, reason: 'disconnected' });
    assert.deepEqual(changes.flatMap((c) => [...c.pipelines]).sort(), ['A', 'A', 'B'], 'both for the gap, A again for its run');
    assert.equal(store.get('A')?.runCount, 2, 'gaps are not runs');
  });

  test('a gap with no pipelines changes nothing', () => {
    const { store, changes } = syncStore();
    store.addGap(1, 2, 'x');
    assert.equal(store.size, 0);
    assert.equal(changes.length, 0);
  });

  test('repeated gap markers neither evict the latest run nor make it count again', () => {
    // Each reconnect adds a gap marker before the reconcile. A flapping network must neither push the
    // latest run out (so the unchanged state key would count as new) nor fill the history with gaps.
    const { store } = syncStore({ historySize: 100 });
    const added: RunRecord[] = [];
    store.addRun(mkRun('A'), 'live');
    store.onDidAddRun((r) => added.push(r));
    for (let i = 0; i < 100; i++) {
      store.addGap(i, i + 1, 'reconnect');
      store.addRun(mkRun('A'), 'recovered');
    }
    assert.equal(added.length, 0);
    assert.equal(store.get('A')?.runCount, 1);
    assert.deepEqual(store.history('A').map((h) => h.kind), ['gap', 'run'], 'back-to-back gaps merge into one');
    assert.deepEqual(store.history('A')[0], { kind: 'gap', from: 0, to: 100, reason: 'reconnect' });
  });
});

describe('PipelineStore expiry', () => {
  test('markExpiredExcept marks the missing ones once, and a new run clears the mark', () => {
    const { store, changes } = syncStore();
    for (const n of ['A', 'B', 'C']) store.addRun(mkRun(n), 'live');
    changes.length = 0;
    assert.deepEqual(store.markExpiredExcept(new Set(['A'])).sort(), ['B', 'C']);
    assert.equal(store.get('A')?.stateExpired, false);
    assert.equal(store.get('B')?.stateExpired, true);
    assert.deepEqual([...changes.flatMap((c) => [...c.pipelines])].sort(), ['B', 'C']);
    assert.deepEqual(store.markExpiredExcept(new Set(['A'])), [], 'already expired');
    store.addRun(mkRun('B', { finishedAfterS: 30 }), 'live');
    assert.equal(store.get('B')?.stateExpired, false);
    assert.deepEqual(store.markExpiredExcept(new Set(['A', 'B', 'C'])), []);
  });

  test('markExpired marks one pipeline; unknown names are ignored', () => {
    const { store, changes } = syncStore();
    store.addRun(mkRun('A'), 'live');
    changes.length = 0;
    store.markExpired('A');
    store.markExpired('A');
    store.markExpired('nope');
    assert.equal(store.get('A')?.stateExpired, true);
    assert.equal(changes.length, 1);
    assert.equal(store.has('nope'), false);
  });
});

describe('PipelineStore counts and ordering', () => {
  function populated(): PipelineStore {
    const store = new PipelineStore({ coalesceMs: 0 });
    store.addRun(mkRun('ok', { finishedAfterS: 50 }), 'live');
    store.addRun(mkRun('dq', { loaded: 100, exported: 90, finishedAfterS: 40 }), 'live');
    store.addRun(mkRun('fail', { status: 'failed', loaded: 100, exported: 0, finishedAfterS: 10 }), 'live');
    store.addRun(mkRun('cwe', { status: 'completed_with_errors', finishedAfterS: 20 }), 'live');
    store.addRun(mkRun('odd', { status: 'paused', finishedAfterS: 30 }), 'live');
    return store;
  }

  test('counts by display status, dq_warning included', () => {
    assert.deepEqual(populated().counts(), { success: 1, failed: 1, completed_with_errors: 1, dq_warning: 1, unknown: 1, total: 5 });
    assert.deepEqual(new PipelineStore({ coalesceMs: 0 }).counts(), { success: 0, failed: 0, completed_with_errors: 0, dq_warning: 0, unknown: 0, total: 0 });
  });

  test('counts follow the latest run only', () => {
    const store = populated();
    store.addRun(mkRun('fail', { finishedAfterS: 60 }), 'live');
    assert.deepEqual(store.counts(), { success: 2, failed: 0, completed_with_errors: 1, dq_warning: 1, unknown: 1, total: 5 });
  });

  test('a DQ difference on a failed or completed_with_errors run is not a dq_warning', () => {
    const { store } = syncStore();
    store.addRun(mkRun('f', { status: 'failed', loaded: 10, exported: 0 }), 'live');
    store.addRun(mkRun('c', { status: 'completed_with_errors', loaded: 10, exported: 5 }), 'live');
    assert.equal(store.get('f')?.displayStatus, 'failed');
    assert.equal(store.get('c')?.displayStatus, 'completed_with_errors');
    assert.equal(store.get('c')?.latest.dq.kind, 'dropped');
  });

  test('the tolerance decides dq_warning, and setTolerance re-judges the latest runs', () => {
    const { store, changes } = syncStore({ tolerance: { absoluteRows: 10, percent: 0 } });
    store.addRun(mkRun('dq', { loaded: 100, exported: 90 }), 'live');
    assert.equal(store.get('dq')?.displayStatus, 'success');
    changes.length = 0;
    store.setTolerance({ absoluteRows: 0, percent: 0 });
    assert.equal(store.get('dq')?.displayStatus, 'dq_warning');
    assert.equal(store.counts().dq_warning, 1);
    assert.equal(changes.length, 1);
  });

  test('list: failures first, then most recent first, then by name', () => {
    const store = populated();
    assert.deepEqual(
      store.list().map((s) => s.resultName),
      ['fail', 'cwe', 'odd', 'dq', 'ok'],
    );
    store.addRun(mkRun('ok2', { finishedAfterS: 70 }), 'live');
    store.addRun(mkRun('ok0', { finishedAfterS: 5 }), 'live');
    store.addRun(mkRun('fail2', { status: 'failed', finishedAfterS: 15 }), 'live');
    store.addRun(mkRun('same_b', { finishedAfterS: 50 }), 'live');
    assert.deepEqual(
      store.list().map((s) => s.resultName),
      ['fail2', 'fail', 'cwe', 'odd', 'dq', 'ok2', 'ok', 'same_b', 'ok0'],
    );
  });

  test('a run that never started is ordered by when it was received', () => {
    const { store } = syncStore();
    const early = store.addRun(mkRun('never', { status: 'failed', finishedAfterS: null }), 'live', T0 + 100_000);
    store.addRun(mkRun('ran', { status: 'failed', finishedAfterS: 50 }), 'live');
    assert.equal(finishedOrReceived(early!), T0 + 100_000);
    assert.deepEqual(
      store.list().map((s) => s.resultName),
      ['never', 'ran'],
    );
    assert.equal(displayStatusOf(early!), 'failed');
  });
});

describe('PipelineStore change notifications', () => {
  test('coalesceMs 0 notifies synchronously, once per change', () => {
    const { store, changes } = syncStore();
    store.addRun(mkRun('A'), 'live');
    assert.equal(changes.length, 1);
    store.addRun(mkRun('B'), 'live');
    assert.equal(changes.length, 2);
    assert.deepEqual([...changes[1].pipelines], ['B']);
  });

  test('a burst of 1000 addRun yields exactly one coalesced notification with every name', () => {
    mock.timers.enable({ apis: ['setTimeout'] });
    const store = new PipelineStore({ coalesceMs: 100 });
    const changes: StoreChange[] = [];
    store.onDidChange((c) => changes.push(c));
    const added: RunRecord[] = [];
    store.onDidAddRun((r) => added.push(r));
    const names = Array.from({ length: 1000 }, (_, i) => `P${i % 250}`);
    for (let i = 0; i < names.length; i++) store.addRun(mkRun(names[i], { duration: i }), 'live');
    assert.equal(added.length, 1000, 'onDidAddRun stays synchronous');
    assert.equal(changes.length, 0, 'nothing before the coalescing delay');
    mock.timers.tick(99);
    assert.equal(changes.length, 0);
    mock.timers.tick(1);
    assert.equal(changes.length, 1);
    assert.equal(changes[0].pipelines.size, 250);
    assert.deepEqual(new Set(changes[0].pipelines), new Set(names));
    assert.equal(changes[0].structural, true);
    assert.equal(changes[0].rejectedChanged, false);
    mock.timers.tick(10_000);
    assert.equal(changes.length, 1, 'no further notification without changes');
    // The next burst starts a new window and reports only its own names.
    store.addRun(mkRun('P1', { duration: 5000 }), 'live');
    store.addRejected(rejectedMsg(1));
    mock.timers.tick(100);
    assert.equal(changes.length, 2);
    assert.deepEqual([...changes[1].pipelines], ['P1']);
    assert.equal(changes[1].structural, false);
    assert.equal(changes[1].rejectedChanged, true);
    store.dispose();
  });

  test('flush() delivers pending changes at once and cancels the timer', () => {
    mock.timers.enable({ apis: ['setTimeout'] });
    const store = new PipelineStore({ coalesceMs: 100 });
    const changes: StoreChange[] = [];
    store.onDidChange((c) => changes.push(c));
    store.addRun(mkRun('A'), 'live');
    store.flush();
    assert.equal(changes.length, 1);
    mock.timers.tick(1000);
    assert.equal(changes.length, 1);
    store.flush();
    assert.equal(changes.length, 1, 'flush with nothing pending is silent');
    store.dispose();
  });

  test('dispose cancels a pending notification', () => {
    mock.timers.enable({ apis: ['setTimeout'] });
    const store = new PipelineStore({ coalesceMs: 100 });
    const changes: StoreChange[] = [];
    store.onDidChange((c) => changes.push(c));
    store.addRun(mkRun('A'), 'live');
    store.dispose();
    mock.timers.tick(1000);
    assert.equal(changes.length, 0);
  });

  test('clear() forgets everything with a structural change', () => {
    const { store, changes } = syncStore();
    store.addRun(mkRun('A'), 'live');
    store.addRejected(rejectedMsg(1));
    changes.length = 0;
    store.clear();
    assert.equal(store.size, 0);
    assert.deepEqual(store.rejectedMessages(), { recent: [], total: 0 });
    assert.equal(changes.length, 1);
    assert.equal(changes[0].structural, true);
    assert.equal(changes[0].rejectedChanged, true);
  });

  test('a throwing listener does not stop the others', () => {
    const errors = mock.method(console, 'error', () => {});
    const { store, changes } = syncStore();
    const seen: string[] = [];
    store.onDidAddRun(() => {
      throw new Error('broken view');
    });
    store.onDidAddRun((r) => seen.push(r.run.resultName));
    store.onDidChange(() => {
      throw new Error('broken tree');
    });
    const after: StoreChange[] = [];
    store.onDidChange((c) => after.push(c));
    store.onDidReject(() => {
      throw new Error('broken panel');
    });
    const rejectedSeen: RejectedMessage[] = [];
    store.onDidReject((m) => rejectedSeen.push(m));
    assert.doesNotThrow(() => store.addRun(mkRun('A'), 'live'));
    assert.doesNotThrow(() => store.addRejected(rejectedMsg(1)));
    assert.deepEqual(seen, ['A']);
    assert.equal(after.length, 2);
    assert.equal(changes.length, 2);
    assert.equal(rejectedSeen.length, 1);
    assert.equal(errors.mock.callCount(), 4);
    assert.equal(store.get('A')?.runCount, 1, 'the model was updated');
  });

  test('a disposed listener is not called', () => {
    const { store } = syncStore();
    const seen: RunRecord[] = [];
    const sub = store.onDidAddRun((r) => seen.push(r));
    store.addRun(mkRun('A'), 'live');
    sub.dispose();
    store.addRun(mkRun('B'), 'live');
    assert.equal(seen.length, 1);
  });

  test('a store used after dispose() schedules no timer', () => {
    // A timer armed after dispose would keep tdtp-watch alive for coalesceMs and fire into disposed emitters.
    mock.timers.enable({ apis: ['setTimeout'] });
    const store = new PipelineStore({ coalesceMs: 100 });
    const scheduled = mock.method(globalThis, 'setTimeout');
    store.dispose();
    store.addRun(mkRun('A'), 'live');
    assert.equal(scheduled.mock.callCount(), 0);
  });
});

describe('PipelineStore rejected messages', () => {
  test('a bounded ring, newest first, with the total of all', () => {
    const { store, changes } = syncStore({ rejectedSize: 5 });
    const fired: RejectedMessage[] = [];
    store.onDidReject((m) => fired.push(m));
    for (let i = 0; i < 12; i++) store.addRejected(rejectedMsg(i));
    const { recent, total } = store.rejectedMessages();
    assert.equal(total, 12);
    assert.deepEqual(
      recent.map((m) => m.receivedAt),
      [11, 10, 9, 8, 7, 6, 5].slice(0, 5),
    );
    assert.equal(fired.length, 12);
    assert.equal(changes.length, 12);
    assert.ok(changes.every((c) => c.rejectedChanged && c.pipelines.size === 0 && !c.structural));
  });

  test('the default ring keeps at most 200', () => {
    const store = new PipelineStore({ coalesceMs: 0 });
    for (let i = 0; i < 1000; i++) store.addRejected(rejectedMsg(i));
    const { recent, total } = store.rejectedMessages();
    assert.equal(recent.length, 200);
    assert.equal(recent[0].receivedAt, 999);
    assert.equal(total, 1000);
  });
});
