// The persisted history: a journal of the store's mutations in a real file (a temp dir), read back
// into an empty store. Truncation at every byte of the last record, damaged and foreign files.
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, utimesSync, writeFileSync, writeSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, afterEach, describe, test } from 'node:test';
import { decodePayload } from '../../src/core/decode';
import type { PipelineRun, TdtpResult } from '../../src/core/decode';
import { historyFileName, historyIdentity } from '../../src/core/history/identity';
import type { JournalOptions } from '../../src/core/history/journal';
import { HistoryJournal, eraseAllHistory } from '../../src/core/history/journal';
import { PipelineStore } from '../../src/core/store';
import type { HistoryItem } from '../../src/core/runs';
import { buildRun } from '../support/builders';
import { settingsFor } from '../support/redisServer';

const root = mkdtempSync(join(tmpdir(), 'tdtp-journal-'));
let dirCounter = 0;
const open: Array<{ dispose(): void }> = [];
const T0 = Date.UTC(2025, 10, 18, 10, 0, 0);
const IDENTITY = historyIdentity(settingsFor(6379));

after(() => rmSync(root, { recursive: true, force: true }));
afterEach(() => {
  for (const d of open.splice(0)) d.dispose();
});

function freshDir(): string {
  const dir = join(root, `d${++dirCounter}`);
  mkdirSync(dir);
  return dir;
}

function mkRun(resultName: string, overrides: Partial<TdtpResult> = {}): PipelineRun {
  return buildRun(resultName, { pipeline_name: 'erp_mask_sync', duration_ms: 500, rows_loaded: 100, rows_exported: 100, ...overrides });
}

function journal(store: PipelineStore, dir: string, options: Partial<JournalOptions> = {}): HistoryJournal {
  const j = new HistoryJournal(store, { dir, identity: IDENTITY, flushMs: 0, ...options });
  open.push(j);
  return j;
}

function newStore(historySize = 100): PipelineStore {
  const store = new PipelineStore({ coalesceMs: 0, historySize });
  open.push(store);
  return store;
}

/** What a view shows of a store, comparable across stores. */
function view(store: PipelineStore) {
  return store.list().map((p) => ({
    name: p.resultName,
    latest: p.latest.run.result,
    expired: p.stateExpired,
    runCount: p.runCount,
    history: store.history(p.resultName).map(itemOf),
  }));
}

function itemOf(item: HistoryItem) {
  return item.kind === 'run' ? { run: item.run.result, source: item.source, at: item.receivedAt } : { gap: [item.from, item.to, item.reason] };
}

/** Loads `dir` into a fresh store and returns both. */
function reload(dir: string, historySize = 100) {
  const store = newStore(historySize);
  const added: unknown[] = [];
  store.onDidAddRun((r) => added.push(r));
  const j = journal(store, dir);
  return { store, j, report: j.loadReport, added };
}

describe('the history journal', () => {
  test('runs, gap markers (merged too), expired flags and forgotten pipelines read back as they were', () => {
    const dir = freshDir();
    const store = newStore();
    const j = journal(store, dir);
    assert.equal(j.loadReport.pipelines, 0);
    store.addRun(mkRun('A'), 'loaded', T0 + 1);
    store.addRun(mkRun('B', { status: 'failed', error: 'line 1\nline 2 «ёлка»' }), 'live', T0 + 2);
    store.addGap(T0 + 10, T0 + 20, 'disconnected');
    store.addGap(T0 + 15, T0 + 30, 'disconnected again');
    store.addRun(mkRun('A', { rows_exported: 90 }), 'recovered', T0 + 40);
    store.addRun(mkRun('C'), 'live', T0 + 50);
    store.markExpired('B');
    store.addRun(mkRun('D'), 'live', T0 + 60);
    store.forget('D');
    j.dispose();

    const { store: again, report, added } = reload(dir);
    assert.deepEqual(view(again), view(store));
    assert.equal(report.pipelines, 3);
    assert.equal(report.runs, 4);
    assert.equal(report.setAside, undefined);
    assert.equal(report.truncatedTail, false);
    assert.equal(added.length, 0, 'restoring fires no per-run events (no toasts, no actions for old runs)');
    assert.ok(again.list().every((p) => p.restored), 'every restored pipeline is marked restored until reconciled');
    again.markExpiredExcept(new Set(['A', 'C']));
    assert.ok(again.list().every((p) => !p.restored), 'a full reconcile clears the mark');
  });

  test('a killed process: what was flushed is there, what was pending is lost, the next open works', () => {
    const dir = freshDir();
    const store = newStore();
    const j = journal(store, dir, { flushMs: 1000 });
    store.addRun(mkRun('A'), 'live');
    j.flush();
    store.addRun(mkRun('A'), 'live'); // pending for up to 1 s; the process "dies" before
    const copy = readFileSync(j.file);
    const { store: again } = reload(freshDirWith(copy));
    assert.equal(again.get('A')?.runCount, 1);
  });

  test('the data-quality verdict is judged again with the tolerance of the store it is loaded into', () => {
    const dir = freshDir();
    const store = newStore();
    journal(store, dir).dispose();
    // Written with a strict tolerance …
    const j = journal(store, dir);
    store.addRun(mkRun('DQ', { rows_exported: 99 }), 'live');
    j.dispose();
    const tolerant = new PipelineStore({ coalesceMs: 0, tolerance: { absoluteRows: 5, percent: 0 } });
    open.push(tolerant);
    journal(tolerant, dir);
    assert.equal(tolerant.get('DQ')?.displayStatus, 'success');
  });

  test('a journal cut off at every byte of its last record loads the records before it', () => {
    const dir = freshDir();
    const store = newStore();
    const j = journal(store, dir);
    store.addRun(mkRun('A'), 'live', T0 + 1);
    store.addRun(mkRun('B', { error: 'x'.repeat(50), status: 'failed' }), 'live', T0 + 2);
    store.addRun(mkRun('A', { pipeline_name: 'синхронизация' }), 'live', T0 + 3); // multi-byte UTF-8 in the last record
    j.flush();
    const whole = readFileSync(j.file);
    const lastStart = whole.lastIndexOf(0x0a, whole.length - 2) + 1;
    assert.ok(lastStart > 0 && whole.subarray(lastStart).toString().startsWith('{"o":"r"'), 'the last line is the third run');
    for (let cut = lastStart; cut < whole.length; cut++) {
      const d = freshDirWith(whole.subarray(0, cut));
      const { store: again, report } = reload(d);
      const complete = cut === whole.length - 1; // only the newline is missing
      assert.equal(report.setAside, undefined, `cut at ${cut}: not set aside`);
      assert.equal(report.truncatedTail, cut > lastStart && !complete, `cut at ${cut}: truncatedTail`);
      assert.equal(again.get('A')?.runCount, complete ? 2 : 1, `cut at ${cut}: runs of A`);
      assert.equal(again.get('B')?.runCount, 1, `cut at ${cut}: B`);
      // The file was rewritten: appending and loading again works.
      const j2 = open.at(-1) as HistoryJournal;
      again.addRun(mkRun('C'), 'live');
      j2.dispose();
      const { store: third, report: r3 } = reload(d);
      assert.equal(r3.setAside, undefined, `cut at ${cut}: the rewritten file is clean`);
      assert.equal(r3.truncatedTail, false);
      assert.equal(third.get('C')?.runCount, 1, `cut at ${cut}: appended after the repair`);
    }
  });

  test('a damaged line in the middle: the file is set aside, the valid records are loaded', () => {
    const dir = freshDir();
    const store = newStore();
    const j = journal(store, dir);
    for (let i = 0; i < 5; i++) store.addRun(mkRun(`P${i}`), 'live');
    j.dispose();
    const lines = readFileSync(j.file, 'utf8').split('\n');
    lines[2] = lines[2].slice(0, 20) + '\u0000garbage' + lines[2].slice(30);
    const original = lines.join('\n');
    writeFileSync(j.file, original);
    const { store: again, report } = reload(dir);
    assert.equal(report.setAside?.reason, 'lines');
    assert.equal(report.setAside?.badLines, 1);
    assert.equal(again.size, 4);
    assert.equal(readFileSync(report.setAside!.path, 'utf8'), original, 'the damaged file is kept for inspection');
    assert.equal(reload(dir).report.setAside, undefined, 'the journal itself was rewritten clean');
  });

  test('garbage, an empty file, another server’s journal, a record that is not a valid run', () => {
    const garbage = freshDirWith(Buffer.from([0xff, 0xfe, 0x00, 0x7b, 0x22, 0x0a, 0x01, 0x02, 0x0a]));
    const r1 = reload(garbage);
    assert.equal(r1.report.setAside?.reason, 'header');
    assert.equal(r1.store.size, 0);
    assert.ok(existsSync(r1.report.setAside!.path));

    const empty = freshDirWith(Buffer.alloc(0));
    assert.equal(reload(empty).report.setAside, undefined);

    const dir = freshDir();
    const store = newStore();
    const j = new HistoryJournal(store, { dir, identity: historyIdentity(settingsFor(6380)), flushMs: 0 });
    store.addRun(mkRun('OTHER'), 'live');
    j.dispose();
    // The other server's file, copied under this server's name.
    writeFileSync(join(dir, historyFileName(IDENTITY)), readFileSync(j.file));
    const r2 = reload(dir);
    assert.equal(r2.report.setAside?.reason, 'header');
    assert.equal(r2.store.has('OTHER'), false);

    const hostile = freshDir();
    const s3 = newStore();
    const j3 = journal(s3, hostile);
    s3.addRun(mkRun('GOOD'), 'live');
    j3.dispose();
    const bad = [
      '{"o":"r","n":"EVIL","s":"live","a":1,"e":{"status":"success"}}',
      '{"o":"r","n":"EVIL","s":"forged","a":1,"e":' + JSON.stringify(mkRun('EVIL').result) + '}',
      '{"o":"g","n":"GOOD","f":"soon","t":2,"w":"x"}',
      '{"o":"c","n":"GOOD","v":-1}',
      '[1,2]',
      'null',
    ];
    writeFileSync(j3.file, readFileSync(j3.file, 'utf8') + bad.join('\n') + '\n');
    const r3 = reload(hostile);
    assert.equal(r3.report.setAside?.badLines, bad.length);
    assert.deepEqual(r3.store.list().map((p) => p.resultName), ['GOOD']);
  });

  test('a journal that cannot be read (a folder in its place) is set aside and a new one started', () => {
    const dir = freshDir();
    mkdirSync(join(dir, historyFileName(IDENTITY)));
    const { report, store } = reload(dir);
    assert.equal(report.setAside?.reason, 'unreadable');
    store.addRun(mkRun('A'), 'live');
    (open.at(-1) as HistoryJournal).dispose();
    assert.equal(reload(dir).store.get('A')?.runCount, 1);
  });

  test('compaction keeps the file bounded by the model, and loads back the same model', async () => {
    const dir = freshDir();
    const store = newStore(5);
    const j = journal(store, dir, { compactSlackBytes: 4096 });
    for (let i = 0; i < 2000; i++) {
      store.addRun(mkRun(`P${i % 4}`), 'live', T0 + i);
      // Now and then the extension host is idle long enough for a rewrite under way to end.
      if (i % 50 === 49) await j.compacting;
    }
    store.addGap(T0, T0 + 1, 'lost');
    j.flush();
    const size = statSync(j.file).size;
    j.compact();
    const compacted = statSync(j.file).size;
    j.dispose();
    assert.ok(size <= 2 * compacted + 4096 + 400, `the journal has ${size} bytes for 4 pipelines × 5 items (${compacted} compacted)`);
    const { store: again } = reload(dir, 5);
    assert.deepEqual(view(again), view(store));
    assert.equal(again.get('P0')?.runCount, 500, 'the count of runs ever seen survives compaction');
  });

  test('a latest run that gap markers pushed out of a short history survives compaction', () => {
    const dir = freshDir();
    const store = newStore(1);
    const j = journal(store, dir);
    store.addRun(mkRun('A'), 'live');
    store.addGap(1, 2, 'lost');
    j.compact();
    j.dispose();
    const { store: again } = reload(dir, 1);
    assert.deepEqual(view(again), view(store));
    assert.equal(again.history('A')[0].kind, 'gap');
  });

  test('"last seen" is when the viewer was last connected, not when the file was last written', () => {
    const dir = freshDir();
    let now = T0;
    const store = newStore();
    const j = journal(store, dir, { now: () => now });
    j.setLive(true);
    now = T0 + 60_000;
    j.setLive(false); // disconnected at T0 + 60 s …
    now = T0 + 3_600_000;
    store.addRun(mkRun('A'), 'polled', T0 + 30_000);
    j.dispose(); // … closed an hour later
    assert.equal(reload(dir).report.lastSeen, T0 + 60_000);
    (open.at(-1) as HistoryJournal).dispose();

    const j2 = journal(newStore(), dir, { now: () => now });
    now = T0 + 7_200_000;
    j2.setLive(true);
    j2.dispose();
    assert.equal(reload(dir).report.lastSeen, T0 + 7_200_000, 'closed while connected: last seen is the close');
  });

  test('one writer per journal: a second opener (another window or connection) loads it and writes nothing', () => {
    const dir = freshDir();
    const store = newStore();
    const writer = journal(store, dir);
    store.addRun(mkRun('A'), 'live');
    const { store: second, report, j: reader } = reload(dir);
    assert.equal(report.readOnly, true);
    assert.equal(second.get('A')?.runCount, 1, 'it still loads what is there');
    second.addRun(mkRun('B'), 'live');
    reader.flush();
    reader.dispose();
    store.addRun(mkRun('C'), 'live');
    writer.dispose();
    const { store: third, report: r3 } = reload(dir);
    assert.equal(r3.readOnly, false, 'the lock went with the writer');
    assert.deepEqual(third.list().map((p) => p.resultName).sort(), ['A', 'C']);
  });

  test('a reader takes over when the writer is gone, and writes its model (a reloaded page in code-server)', () => {
    const dir = freshDir();
    const oldStore = newStore();
    const oldWindow = journal(oldStore, dir);
    oldStore.addRun(mkRun('A'), 'live');
    const { store: newWindowStore, j: newWindow } = reload(dir);
    assert.equal(newWindow.tryTakeOver(), false, 'the old window still writes');
    newWindowStore.addRun(mkRun('B'), 'live');
    oldWindow.dispose();
    assert.equal(newWindow.tryTakeOver(), true);
    newWindowStore.addRun(mkRun('C'), 'live');
    newWindow.dispose();
    assert.deepEqual(reload(dir).store.list().map((p) => p.resultName).sort(), ['A', 'B', 'C'], 'what it saw while reading is written too');
  });

  test('a lock left by a process that is gone (a crash) is taken over', () => {
    const dir = freshDir();
    writeFileSync(join(dir, `${historyFileName(IDENTITY)}.lock`), '2147483646');
    assert.equal(reload(dir).report.readOnly, false);
  });

  test('eraseAllHistory deletes the journals and their set-aside copies, nothing else', () => {
    const dir = freshDir();
    const store = newStore();
    journal(store, dir).dispose();
    writeFileSync(join(dir, 'history-0123abcd.corrupt.ndjson'), 'x');
    writeFileSync(join(dir, 'keep.json'), '{}');
    eraseAllHistory(dir);
    assert.deepEqual(readdirSync(dir), ['keep.json']);
  });
});

describe('the history journal across sessions, under a flood, and when the disk misbehaves', () => {
  test('the file stays within about twice the model across any number of sessions (compacted on load when over)', () => {
    const dir = freshDir();
    const slack = { compactSlack: 50, compactSlackBytes: 4096 };
    let compacted = 0;
    for (let session = 0; session < 30; session++) {
      const store = newStore(5);
      const j = journal(store, dir, slack);
      for (let i = 0; i < 20; i++) store.addRun(mkRun(`P${i % 4}`), 'live', T0 + session * 100 + i);
      j.dispose();
      if (session === 0) {
        const again = reload(dir, 5);
        again.j.compact();
        compacted = statSync(again.j.file).size;
        again.j.dispose();
      }
    }
    const size = statSync(join(dir, historyFileName(IDENTITY))).size;
    assert.ok(size <= 2 * compacted + 4096 + 2000, `after 30 sessions the journal has ${size} bytes; the model compacted is ${compacted}`);
    assert.equal(reload(dir, 5).store.get('P0')?.runCount, 150, 'nothing was lost by compacting on load');
  });

  test('a journal deleted under its writer (with its handle open, and after a compaction) is written again whole', () => {
    for (const compactFirst of [false, true]) {
      const dir = freshDir();
      const store = newStore();
      const j = journal(store, dir);
      store.addRun(mkRun('KEPT'), 'live');
      if (compactFirst) j.compact();
      rmSync(j.file); // persist turned off and on in another window, the storage folder cleaned
      store.addRun(mkRun('AFTER'), 'live');
      j.dispose();
      const { store: again, report } = reload(dir);
      assert.equal(report.setAside, undefined, `compactFirst ${compactFirst}: the file has its header`);
      assert.deepEqual(again.list().map((p) => p.resultName).sort(), ['AFTER', 'KEPT'], `compactFirst ${compactFirst}: nothing lost`);
    }
  });

  test('a short write on a full disk never leaves a truncated or half-written journal; the next write repairs it', () => {
    const dir = freshDir();
    let full = false;
    const io = {
      writeSync(fd: number, buffer: Uint8Array, offset: number, length: number): number {
        if (!full) return writeSync(fd, buffer, offset, length);
        if (length > 100) return writeSync(fd, buffer, offset, 100); // a short write, then ENOSPC
        throw Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC' });
      },
    };
    const store = newStore();
    const j = journal(store, dir, { io, flushMs: 1000 });
    const problems: string[] = [];
    j.onWriteProblem((p) => problems.push(p.message));
    store.addRun(mkRun('A'), 'live');
    store.addRun(mkRun('B'), 'live');
    j.flush();
    full = true;
    store.addRun(mkRun('A', { error: 'x'.repeat(500), status: 'failed' }), 'live');
    j.flush(); // an append that fails part-way
    const afterAppend = reload(freshDirWith(readFileSync(j.file)));
    assert.equal(afterAppend.report.setAside, undefined, 'no half record in the middle');
    assert.equal(afterAppend.report.truncatedTail, false, 'cut back to the last whole record');
    j.compact(); // a rewrite that fails part-way
    const afterCompact = reload(freshDirWith(readFileSync(j.file)));
    assert.deepEqual(afterCompact.store.list().map((p) => p.resultName).sort(), ['A', 'B'], 'the good journal was not replaced by a truncated one');
    assert.equal(problems.length, 1, 'reported once');
    full = false;
    j.flush();
    j.dispose();
    assert.equal(reload(dir).store.get('A')?.runCount, 2, 'repaired from the model once the disk has room');
  });

  test('"last seen" is not the time of a compaction made while disconnected', () => {
    const dir = freshDir();
    let now = T0;
    const store = newStore();
    const j = journal(store, dir, { now: () => now });
    store.addRun(mkRun('A'), 'live', T0);
    j.setLive(true);
    now = T0 + 60_000;
    j.setLive(false);
    now = T0 + 3_600_000;
    j.compact();
    j.dispose();
    assert.equal(reload(dir).report.lastSeen, T0 + 60_000);
  });

  test('a lock whose pid now belongs to a live, unrelated process is taken over once it is old', () => {
    const dir = freshDir();
    const lock = join(dir, `${historyFileName(IDENTITY)}.lock`);
    writeFileSync(lock, String(process.ppid)); // alive, and not a journal writer
    assert.equal(reload(dir).report.readOnly, true, 'a fresh lock of a live process is respected');
    (open.at(-1) as HistoryJournal).dispose();
    const old = new Date(Date.now() - 10 * 60_000);
    utimesSync(lock, old, old);
    assert.equal(reload(dir).report.readOnly, false, 'an untouched lock is abandoned, whatever its pid');
  });

  test('a lock written on another host (a shared home folder): its pid says nothing, its age does', () => {
    const dir = freshDir();
    const lock = join(dir, `${historyFileName(IDENTITY)}.lock`);
    writeFileSync(lock, JSON.stringify({ pid: 2147483646, host: `not-${hostname()}`, token: 'elsewhere' }));
    assert.equal(reload(dir).report.readOnly, true, 'a dead pid here may be a live writer there');
    (open.at(-1) as HistoryJournal).dispose();
    const old = new Date(Date.now() - 10 * 60_000);
    utimesSync(lock, old, old);
    assert.equal(reload(dir).report.readOnly, false);
  });

  test('two windows racing for an abandoned lock: one writes; a writer whose lock was taken stops writing', () => {
    const dir = freshDir();
    const lock = join(dir, `${historyFileName(IDENTITY)}.lock`);
    writeFileSync(lock, '2147483646'); // a crashed writer
    const other = JSON.stringify({ pid: process.ppid, host: hostname(), token: 'the-other-window' });
    // The other window breaks the same stale lock and takes it between this one's read and its break.
    const store = newStore();
    const j = journal(store, dir, { lockHooks: { beforeBreak: () => writeFileSync(lock, other) } });
    assert.equal(j.loadReport.readOnly, true);
    assert.equal(readFileSync(lock, 'utf8'), other, 'the winner keeps its lock');
    rmSync(lock);

    const dir2 = freshDir();
    const lock2 = join(dir2, `${historyFileName(IDENTITY)}.lock`);
    const s2 = newStore();
    const writer = journal(s2, dir2);
    s2.addRun(mkRun('MINE'), 'live');
    writeFileSync(lock2, other); // another window judged this lock abandoned and took it
    s2.addRun(mkRun('AFTER_LOSING'), 'live');
    writer.flush();
    assert.equal(writer.writing, false);
    assert.equal(readFileSync(writer.file, 'utf8').includes('AFTER_LOSING'), false, 'no second writer');
  });

  test('erasing every journal leaves the lock of a live writer elsewhere alone', () => {
    const dir = freshDir();
    const lock = join(dir, `${historyFileName(IDENTITY)}.lock`);
    writeFileSync(lock, JSON.stringify({ pid: process.ppid, host: hostname(), token: 'the-other-window' }));
    writeFileSync(join(dir, historyFileName(IDENTITY)), 'x');
    eraseAllHistory(dir);
    assert.deepEqual(readdirSync(dir), [`${historyFileName(IDENTITY)}.lock`]);
  });

  test('the runs a load reports are the runs in the model: gap markers (merged too), bounded histories, forgotten pipelines', async () => {
    const dir = freshDir();
    const store = newStore(5);
    const j = journal(store, dir, { compactSlackBytes: 1e12 });
    for (let i = 0; i < 300; i++) {
      store.addRun(mkRun(`P${i % 30}`), 'live', T0 + i);
      if (i % 37 === 0) store.addGap(T0 + i, T0 + i + 1, 'disconnected', new Set([`P${i % 30}`, `P${(i + 1) % 30}`]));
      if (i % 41 === 0) store.addGap(T0 + i, T0 + i + 2, 'again', new Set([`P${i % 30}`]));
    }
    store.forget('P3');
    store.addGap(T0 + 400, T0 + 401, 'everyone');
    store.forget('P4');
    for (let i = 0; i < 3; i++) store.addRun(mkRun('P4'), 'live', T0 + 500 + i);
    j.dispose();
    const runsIn = (s: PipelineStore) => s.list().reduce((n, p) => n + s.history(p.resultName).filter((item) => item.kind === 'run').length, 0);
    const expected = runsIn(store);
    assert.ok(expected > 0 && expected < 300);
    const atOnce = reload(dir, 5);
    assert.equal(atOnce.report.runs, expected);
    assert.equal(runsIn(atOnce.store), expected);
    atOnce.j.dispose();
    const sliced = newStore(5);
    const opened = await HistoryJournal.open(sliced, { dir, identity: IDENTITY, flushMs: 0 }, 1);
    open.push(opened);
    assert.equal(opened.loadReport.runs, expected);
  });

  test('open() loads in slices, yielding to the event loop, into the same model as a load at once', async () => {
    const dir = freshDir();
    const store = newStore(20);
    const j = journal(store, dir);
    for (let i = 0; i < 4000; i++) store.addRun(mkRun(`P${i % 200}`), 'live', T0 + i);
    j.dispose();
    const sliced = newStore(20);
    let turns = 0;
    const ticker = setInterval(() => turns++, 0);
    const opened = await HistoryJournal.open(sliced, { dir, identity: IDENTITY, flushMs: 0 }, 1);
    clearInterval(ticker);
    open.push(opened);
    assert.ok(turns > 0, 'the event loop turned during the load');
    assert.equal(opened.loadReport.runs, 4000);
    assert.deepEqual(view(sliced), view(store));
    sliced.addRun(mkRun('AFTER'), 'live');
    opened.dispose();
    assert.equal(reload(dir, 20).store.get('AFTER')?.runCount, 1, 'it records once loaded');
  });

  test('open() rewrites an overgrown journal in slices too, once loaded (recording meanwhile), and the model read back is the same', async () => {
    const dir = freshDir();
    const slack = { compactSlackBytes: 1e12 };
    const store = newStore(5);
    const j = journal(store, dir, slack);
    for (let i = 0; i < 3000; i++) store.addRun(mkRun(`P${i % 20}`), 'live', T0 + i);
    j.dispose();
    const grown = statSync(j.file).size;
    const again = newStore(5);
    let turns = 0;
    const ticker = setInterval(() => turns++, 0);
    const opened = await HistoryJournal.open(again, { dir, identity: IDENTITY, flushMs: 0, compactSlackBytes: 1024 }, 0);
    open.push(opened);
    assert.equal(opened.loadReport.compacted, true);
    assert.notEqual(opened.compacting, undefined, 'the rewrite follows the load: the model is there first');
    again.addRun(mkRun('WHILE'), 'live', T0 + 5000);
    await opened.compacting;
    clearInterval(ticker);
    assert.ok(turns > 0);
    assert.ok(statSync(j.file).size * 10 < grown, `rewritten: ${statSync(j.file).size} of ${grown} bytes`);
    assert.equal(reload(dir, 5).store.get('WHILE')?.runCount, 1, 'a run added during the rewrite is in the file');
    again.forget('WHILE');
    assert.deepEqual(view(again), view(store));
  });

  test('a load stopped part-way (its server no longer watched) reads no further and writes nothing from the partial model', async () => {
    const dir = freshDir();
    const store = newStore(20);
    const j = journal(store, dir);
    for (let i = 0; i < 4000; i++) store.addRun(mkRun(`P${i % 200}`), 'live', T0 + i);
    j.dispose();
    const before = readFileSync(j.file);
    const partial = newStore(20);
    const started = HistoryJournal.start(partial, { dir, identity: IDENTITY, flushMs: 0 }, 0);
    started.compact(); // Clear History while loading: the model is partial, nothing is rewritten from it
    await new Promise<void>((resolve) => setImmediate(resolve));
    started.dispose();
    await started.ready;
    const runsIn = (s: PipelineStore) => s.list().reduce((n, p) => n + s.history(p.resultName).length, 0);
    const got = runsIn(partial);
    await new Promise<void>((resolve) => setImmediate(resolve));
    assert.equal(runsIn(partial), got, 'nothing applied after dispose');
    assert.ok(got < 4000, `stopped part-way (${got} of 4,000 runs)`);
    assert.deepEqual(readFileSync(j.file), before, 'the file is as it was');
  });

  test('a live run is written as the payload\'s bytes it came in (no re-encoding); bytes that cannot stand in a line are encoded', () => {
    const dir = freshDir();
    const store = newStore();
    const j = journal(store, dir);
    const compact = JSON.stringify(mkRun('WIRE').result).replace('{', '{ ');
    const wireRun = decodePayload('x', 'WIRE', compact, 0);
    const pretty = JSON.stringify(mkRun('PRETTY').result, null, 2);
    const prettyRun = decodePayload('x', 'PRETTY', pretty, 0);
    const longError = JSON.stringify(mkRun('LONG', { status: 'failed', error: 'e'.repeat(20_000) }).result);
    const longRun = decodePayload('x', 'LONG', longError, 0);
    if (wireRun.kind !== 'run' || prettyRun.kind !== 'run' || longRun.kind !== 'run') assert.fail('payloads decode');
    store.addRun(wireRun.run, 'live', T0, false, Buffer.from(compact));
    store.addRun(prettyRun.run, 'live', T0, false, Buffer.from(pretty));
    store.addRun(longRun.run, 'live', T0, false, Buffer.from(longError)); // kept with its error cut: the bytes are not what is kept
    j.dispose();
    const text = readFileSync(j.file, 'utf8');
    assert.ok(text.includes(`"e":${compact}}\n`), 'the bytes as received');
    assert.equal(text.includes(longError), false, 'a bounded run is written as kept');
    const { store: again, report } = reload(dir);
    assert.equal(report.setAside, undefined);
    assert.deepEqual(view(again), view(store));
  });

  test('a run written as its bytes has the line mutationLine would write: names to escape, a run read from a stream, any receivedAt', () => {
    const dir = freshDir();
    const store = newStore();
    const j = journal(store, dir);
    const lines: string[] = [];
    const cases: Array<[string, number, boolean]> = [
      ['PLAIN', T0, false],
      ['ВЫГРУЗКА', 0, false],
      ['q"uo\\te\u0001\u007f', 1, false],
      ['\ud800lone', -5, false],
      ['FROM_STREAM', 9_007_199_254_740_991, true],
      ['FRACTION', 1.5, false],
      ['PADDED', 100_000_007, false],
      ['EIGHT', 99_999_999, false],
    ];
    for (const [name, at, fromStream] of cases) {
      const payload = JSON.stringify(mkRun(name).result);
      const decoded = decodePayload('x', name, payload, 0);
      if (decoded.kind !== 'run') assert.fail(`${name} decodes`);
      store.addRun(decoded.run, 'live', at, fromStream, Buffer.from(payload));
      lines.push(`{"o":"r","n":${JSON.stringify(name)},"s":"live","a":${at}${fromStream ? ',"t":1' : ''},"e":${payload}}\n`);
    }
    j.dispose();
    const text = readFileSync(j.file, 'utf8');
    for (const line of lines) assert.ok(text.includes(line), line);
    const { store: again } = reload(dir);
    assert.equal(again.get('FROM_STREAM')?.latest.fromStream, true, 'read from a stream, as it was');
    assert.equal(again.get('PLAIN')?.latest.fromStream, undefined);
  });

  test('runs encoded as they are added write the same file as runs encoded at the write: forgets in between, all forgotten mid-batch', () => {
    const files: string[] = [];
    for (const withBytes of [false, true]) {
      const dir = freshDir();
      const store = newStore();
      const j = journal(store, dir, { flushMs: 1000, holdMs: 0, now: () => T0, compactSlackBytes: 1e12 });
      let n = 0;
      const add = (name: string) => {
        const payload = JSON.stringify(mkRun(name, { duration_ms: ++n, started_at: '2025-11-18T10:00:00Z', finished_at: '2025-11-18T10:00:01Z' }).result);
        const decoded = decodePayload('x', name, payload, 0);
        if (decoded.kind !== 'run') assert.fail('decodes');
        store.addRun(decoded.run, 'live', T0 + n, false, withBytes ? Buffer.from(payload) : undefined);
      };
      for (const name of ['A', 'B', 'C', 'A']) add(name);
      j.flush();
      add('B');
      store.forget('A');
      add('C');
      add('A'); // after its forget: the forget line comes first
      add('D');
      store.forget(); // everything: what is pending goes, the forget stays
      add('E');
      store.forget('E');
      add('F');
      j.flush();
      for (let i = 0; i < 5000; i++) add(`BULK_${i % 50}`); // past a write batch
      j.dispose();
      files.push(readFileSync(j.file, 'utf8'));
      const { store: again } = reload(dir);
      assert.deepEqual(view(again), view(store));
    }
    assert.equal(files[1], files[0]);
  });

  test('a flood of names: a name evicted before it was written costs nothing; evictions of written ones share lines', () => {
    const dir = freshDir();
    const store = new PipelineStore({ coalesceMs: 0, limits: { maxPipelines: 100 } });
    open.push(store);
    const noCompaction = { compactSlack: 1e9, compactSlackBytes: 1e12 };
    const j = journal(store, dir, { flushMs: 250, holdMs: 1000, ...noCompaction });
    for (let i = 0; i < 10_000; i++) store.addRun(mkRun(`FLOOD_${i}`, { status: 'failed', error: 'e'.repeat(2000) }), 'live');
    j.flush();
    const lines = readFileSync(j.file, 'utf8').split('\n').filter(Boolean);
    assert.ok(lines.length <= 1 + 100, `${lines.length} lines for 100 kept pipelines out of 10,000`);

    // A slower flood: each name is written before it is evicted; its forget shares a line with the others.
    for (let round = 0; round < 10; round++) {
      for (let i = 0; i < 100; i++) store.addRun(mkRun(`SLOW_${round}_${i}`), 'live');
      j.flush();
    }
    const forgetLines = readFileSync(j.file, 'utf8').split('\n').filter((l) => l.startsWith('{"o":"f"'));
    assert.ok(forgetLines.length <= 10, `${forgetLines.length} forget lines for 1,000 evictions in 10 writes`);
    j.dispose();
    const { store: again } = reload(dir);
    assert.deepEqual(again.list().map((p) => p.resultName).sort(), store.list().map((p) => p.resultName).sort());
  });
});

describe('compaction while recording (issue 20)', () => {
  /** A journal of `pipelines` × 20 runs, opened with slices of `sliceMs`, and churned until it is being rewritten. */
  async function compactingJournal(dir: string, options: Partial<JournalOptions> = {}, pipelines = 200) {
    const store = newStore(20);
    for (let i = 0; i < pipelines * 20; i++) store.addRun(mkRun(`P${i % pipelines}`, { error: 'e'.repeat(200), status: 'failed' }), 'live', T0 + i);
    const j = await HistoryJournal.open(store, { dir, identity: IDENTITY, flushMs: 0, compactSlackBytes: 0, ...options }, 0);
    open.push(j);
    for (let i = 0; j.compacting === undefined; i++) {
      assert.ok(i < pipelines * 40, 'the journal grew past twice the model without a rewrite starting');
      store.addRun(mkRun(`P${i % pipelines}`), 'live', T0 + 10_000 + i);
    }
    return { store, j, grown: statSync(j.file).size };
  }

  test('yields to the event loop between slices; runs, forgets and new pipelines of meanwhile are in the file it leaves', async () => {
    const dir = freshDir();
    const { store, j, grown } = await compactingJournal(dir);
    let turns = 0;
    const ticker = setInterval(() => turns++, 0);
    const done = j.compacting;
    // Changes while it runs: to pipelines written already (P0 goes first), not yet (P199), new, forgotten.
    for (let k = 0; k < 5; k++) await new Promise<void>((resolve) => setImmediate(resolve));
    assert.equal(j.compacting, done, 'still under way after a few turns (slices of one pipeline)');
    store.addRun(mkRun('P0', { rows_loaded: 7 }), 'live', T0 + 50_000);
    store.addRun(mkRun('P199', { rows_loaded: 8 }), 'live', T0 + 50_001);
    store.addRun(mkRun('NEW'), 'live', T0 + 50_002);
    store.forget('P1');
    store.forget('P150');
    store.addGap(T0 + 50_003, T0 + 50_004, 'while compacting');
    await done;
    clearInterval(ticker);
    assert.ok(turns >= 10, `the event loop turned ${turns} times during the rewrite`);
    assert.equal(j.compacting, undefined);
    const size = statSync(j.file).size;
    assert.ok(size < grown, `rewritten: ${size} of ${grown} bytes`);
    assert.equal(existsSync(`${j.file}.tmp`), false);
    store.addRun(mkRun('AFTER'), 'live', T0 + 60_000);
    j.flush();
    const { store: again, report } = reload(dir, 20);
    assert.equal(report.setAside, undefined);
    assert.equal(report.truncatedTail, false);
    assert.deepEqual(view(again), view(store));
    assert.equal(again.get('P0')?.latest.run.result.rows_loaded, 7);
    assert.equal(again.has('P1'), false);
  });

  test('a crash in the middle leaves the old file loadable with every change; a failure removes the temporary file and is retried later', async () => {
    const dir = freshDir();
    let clock = T0 + 1e6;
    let failBig = false;
    const io = {
      writeSync(fd: number, buffer: Uint8Array, offset: number, length: number): number {
        // The rewrite writes whole chunks of 256 KB; appends of a run or two are small.
        if (failBig && length > 100_000) throw Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC' });
        return writeSync(fd, buffer, offset, length);
      },
    };
    const { store, j } = await compactingJournal(dir, { io, now: () => clock });
    const problems: string[] = [];
    j.onWriteProblem((p) => problems.push(p.message));
    for (let k = 0; k < 5; k++) await new Promise<void>((resolve) => setImmediate(resolve));
    store.addRun(mkRun('P0', { rows_loaded: 9 }), 'live', T0 + 50_000);
    store.addRun(mkRun('MID'), 'live', T0 + 50_001);
    // Killed now: the journal as it is on disk.
    assert.ok(existsSync(`${j.file}.tmp`), 'the rewrite is under way');
    const crashed = reload(freshDirWith(readFileSync(j.file)), 20);
    assert.equal(crashed.report.setAside, undefined);
    assert.deepEqual(view(crashed.store), view(store), 'the old file has everything, the changes made during the rewrite too');

    failBig = true;
    await j.compacting;
    assert.equal(existsSync(`${j.file}.tmp`), false, 'the incomplete temporary file is removed, never renamed');
    assert.equal(problems.length, 1, 'reported once');
    store.addRun(mkRun('P2'), 'live', T0 + 50_002);
    assert.equal(j.compacting, undefined, 'not retried at once');
    assert.deepEqual(view(reload(freshDirWith(readFileSync(j.file)), 20).store), view(store), 'the old file, appended to still');

    failBig = false;
    clock += 10_000;
    store.addRun(mkRun('P3'), 'live', T0 + 50_003);
    assert.notEqual(j.compacting, undefined, 'retried after a pause');
    await j.compacting;
    const { store: again } = reload(freshDirWith(readFileSync(j.file)), 20);
    assert.deepEqual(view(again), view(store));
  });

  test('Clear History and dispose while a rewrite runs: the cleared model, or the old file, and no temporary file', async () => {
    const cleared = freshDir();
    const a = await compactingJournal(cleared);
    for (let k = 0; k < 3; k++) await new Promise<void>((resolve) => setImmediate(resolve));
    a.store.forget(); // Clear History
    a.store.addRun(mkRun('FRESH'), 'live', T0 + 70_000);
    await a.j.compacting;
    assert.deepEqual(view(reload(freshDirWith(readFileSync(a.j.file)), 20).store), view(a.store));

    const disposed = freshDir();
    const b = await compactingJournal(disposed);
    await new Promise<void>((resolve) => setImmediate(resolve));
    b.store.addRun(mkRun('LAST'), 'live', T0 + 70_000);
    b.j.dispose();
    assert.equal(existsSync(`${b.j.file}.tmp`), false);
    assert.deepEqual(view(reload(disposed, 20).store), view(b.store));
  });
});

describe('historyIdentity', () => {
  test('names the server, db and prefix; Sentinel by master name; Cluster by its node set in any order', () => {
    assert.equal(historyIdentity(settingsFor(6379)), historyIdentity(settingsFor(6379, { username: 'someone' })));
    assert.notEqual(historyIdentity(settingsFor(6379)), historyIdentity(settingsFor(6379, { db: 1 })));
    assert.notEqual(historyIdentity(settingsFor(6379)), historyIdentity(settingsFor(6379, { prefix: 'other' })));
    assert.notEqual(historyIdentity(settingsFor(6379)), historyIdentity(settingsFor(6380)));
    assert.equal(
      historyIdentity(settingsFor(1, { sentinels: ['10.0.0.1:26379'], sentinelName: 'm' })),
      historyIdentity(settingsFor(1, { sentinels: ['10.0.0.2:26379', '10.0.0.3:26379'], sentinelName: 'm' })),
    );
    assert.equal(historyIdentity(settingsFor(1, { clusterNodes: ['a:1', 'b:2'] })), historyIdentity(settingsFor(1, { clusterNodes: ['b:2', 'a:1'] })));
    assert.match(historyFileName(historyIdentity(settingsFor(6379))), /^history-[0-9a-f]{24}\.ndjson$/);
  });
});

function freshDirWith(content: Buffer): string {
  const dir = freshDir();
  writeFileSync(join(dir, historyFileName(IDENTITY)), content);
  return dir;
}
