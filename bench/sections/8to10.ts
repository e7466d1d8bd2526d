// Sections 8-10 of the bench: the workspace's pipeline files, the alert rules and the detail panel,
// and the history that survives restarts (journal, shared streams, recorder).
import type Redis from 'ioredis';
import type { ConnectionSettings } from '../../src/core/settings';
import { measureWorkspaceIndex } from '../workspace';
import { measureHostilePipelineFiles } from '../hostileYaml';
import { measureAlertRules } from '../alerts';
import { chromiumPath, measurePanelRender } from '../panelRender';
import { measureActivation, measureFloodJournal, measureGrowth, measureJournal, measureStreams } from '../history';
import { measureRecorderCeiling } from '../recorder';
import { NAMES, QUICK, log } from '../harness';
import { addRow, addTextRow, fmtMB, fmtMs, fmtX, notes, rows, stat } from '../report';

// ---------------------------------------------------------------------------------------------
// 8: the workspace's pipeline files (bench/workspace.ts, bench/hostileYaml.ts)

export async function measureWorkspace(): Promise<void> {
  const files = 2_000;
  const rounds = QUICK ? 2 : 5;
  log(`8 workspace index: ${files.toLocaleString('en-US')} YAML files, ${rounds} round(s)`);
  const results = [];
  for (let r = 0; r < rounds; r++) results.push(await measureWorkspaceIndex(files));
  addRow('8a', `Index ${files.toLocaleString('en-US')} YAML files (¾ pipelines, ¼ other YAML) from disk`, stat(results.map((x) => x.ms)), fmtMs, { text: '≤ 2,000 ms', ok: (m) => m <= 2000 });
  addRow('8b', '… the longest event-loop stall while indexing (the host stays responsive)', stat(results.map((x) => x.maxStallMs)), fmtMs, { text: '≤ 50 ms', ok: (m) => m <= 50 });
  addTextRow('8c', '… pipelines found', results[0].definitions.toLocaleString('en-US'));
  for (const row of measureHostilePipelineFiles(rounds)) addRow(row.id, row.what, stat(row.ms), (v) => fmtMs(v, 2));
}

// ---------------------------------------------------------------------------------------------
// 9: the alert rules (bench/alerts.ts) and the detail panel (bench/panelRender.ts)

export function measureAlerts(): void {
  const events = QUICK ? 50_000 : 200_000;
  const rounds = QUICK ? 3 : 7;
  log(`9 alert rules: ${events.toLocaleString('en-US')} events over ${NAMES.toLocaleString('en-US')} pipelines, ${rounds} rounds each way`);
  const f = measureAlertRules(events, NAMES, rounds);
  const us = (v: number) => `${v.toFixed(2)} µs`;
  addRow('9a', 'In-process decode + store, CPU per event, without the alert rules', stat(f.withoutUs), us);
  addRow('9b', '… with them (AlertTracker.observe + the on-change policy for every run)', stat(f.withUs), us);
  const ratio = stat(f.withoutUs).median / stat(f.withUs).median;
  rows.push({ id: '9r', what: 'Ingest with the rules ÷ without (by CPU per event)', median: fmtX(ratio), min: '', max: '', target: '≥ 0.90×', verdict: ratio >= 0.9 ? 'pass' : 'miss' });
  addRow('9c', `One lateness check over ${f.pipelines.toLocaleString('en-US')} pipelines (the once-a-second timer)`, f.checkLateUs, us);
}

export async function measurePanel(): Promise<void> {
  if (!chromiumPath()) {
    notes.push('Chromium is not installed: row 9d was skipped (apt-get install chromium).');
    return;
  }
  const rounds = QUICK ? 3 : 7;
  log(`9d detail panel first render: 1,000 runs in Chromium, ${rounds} round(s)`);
  const f = await measurePanelRender(1000, rounds);
  addRow('9d', 'Detail panel, first render with 1,000 runs: render() in Chromium (DOM, two uPlot charts, history table)', stat(f.renderMs), fmtMs, { text: '≤ 100 ms', ok: (m) => m <= 100 });
  addRow('9e', '… state posted → second animation frame (layout and paint included)', stat(f.frameMs), fmtMs);
}

// ---------------------------------------------------------------------------------------------
// 10: the history that survives restarts (bench/history.ts, bench/recorder.ts)

export async function measureHistoryJournal(): Promise<void> {
  const events = QUICK ? 50_000 : 200_000;
  const rounds = QUICK ? 3 : 7;
  const pipelines = QUICK ? 200 : 1000;
  log(`10 persisted history: ${events.toLocaleString('en-US')} events each way, a journal of ${pipelines} pipelines × 100 runs, ${rounds} rounds`);
  const f = measureJournal(events, pipelines, 100, rounds);
  const us = (v: number) => `${v.toFixed(2)} µs`;
  addRow('10a', 'In-process decode + store, CPU per event, persistence off', stat(f.withoutUs), us);
  addRow('10b', '… persistence on (the journal appends every change; flushes included)', stat(f.withUs), us);
  const ratio = stat(f.withoutUs).median / stat(f.withUs).median;
  rows.push({ id: '10r', what: 'Ingest with persistence ÷ without (by CPU per event)', median: fmtX(ratio), min: '', max: '', target: '≥ 0.90×', verdict: ratio >= 0.9 ? 'pass' : 'miss' });
  addRow('10c', `Loading ${pipelines.toLocaleString('en-US')} pipelines × 100 runs from disk (activation)`, stat(f.loadMs), (v) => fmtMs(v), QUICK ? undefined : { text: '≤ 200 ms', ok: (v) => v <= 200 });
  addTextRow('10d', 'Journal bytes per 100,000 runs: compacted / as appended', `${fmtMB(f.bytesPer100k)} / ${fmtMB(f.appendBytesPer100k)}`);
  const [ap, ar] = QUICK ? [1000, 100] : [5000, 100];
  log(`10m activation: a journal of ${ap} pipelines × ${ar} runs loaded in slices`);
  const a = await measureActivation(ap, ar);
  const size = `${ap.toLocaleString('en-US')} × ${ar} runs, ${fmtMB(a.fileBytes)}`;
  addRow('10m', `Activation (${size}): longest block of the event loop while loading`, stat([a.longestBlockMs]), fmtMs, { text: '≤ 50 ms', ok: (v) => v <= 50 });
  addRow('10n', '… until the first pipelines are in the model (the tree can show them)', stat([a.firstRowsMs]), fmtMs, { text: '≤ 500 ms', ok: (v) => v <= 500 });
  addRow('10o', '… until all of it is loaded', stat([a.allMs]), fmtMs, { text: '≤ 3 s', ok: (v) => v <= 3000 });
  addTextRow('10m2', '… garbage collection during the load: pauses (young / whole heap), total, longest', `${a.gc.pauses} (${a.gc.minor} / ${a.gc.major}), ${fmtMs(a.gc.totalMs)}, ${fmtMs(a.gc.longestMs)}`);
  addRow('10m3', `… a rewrite of that model while recording (a run added every turn): longest block (it took ${fmtMs(a.compactMs)})`, stat([a.compactLongestBlockMs]), fmtMs, { text: '≤ 50 ms', ok: (v) => v <= 50 });
  const g = measureGrowth(200, 100, QUICK ? 10 : 30);
  rows.push({ id: '10p', what: `Journal size ÷ the model compacted, worst over ${g.sessions} sessions each appending a fifth of it`, median: fmtX(g.worstRatio), min: '', max: '', target: '≤ 2.1×', verdict: g.worstRatio <= 2.1 ? 'pass' : 'miss' });
  const floodNames = QUICK ? 50_000 : 200_000;
  log(`10q flood: ${floodNames.toLocaleString('en-US')} distinct names at the 5,000-pipeline limit, with and without the journal`);
  const fl = await measureFloodJournal(floodNames, 5000);
  const floodRatio = fl.withoutUs / fl.withUs;
  addTextRow('10q', `Flood of ${floodNames.toLocaleString('en-US')} distinct names (2 KB errors) at the limit: CPU per event without / with the journal; bytes written; file after`, `${fl.withoutUs.toFixed(2)} µs / ${fl.withUs.toFixed(2)} µs (${fmtX(floodRatio)}); ${fmtMB(fl.writtenBytes)}; ${fmtMB(fl.fileBytes)}`);
}

export async function measureHistoryStreams(settings: ConnectionSettings, admin: Redis): Promise<void> {
  const streams = QUICK ? 200 : 1000;
  const rounds = QUICK ? 2 : 5;
  log(`10 shared history: ${streams} streams × 100 entries, MAXLEN ~ 50 for the recorder rounds, ${rounds} rounds`);
  const f = await measureStreams(settings, admin, streams, 100, 50, rounds);
  addRow('10e', `Recorder: ${(streams * 100).toLocaleString('en-US')} runs into ${streams} streams (XADD MAXLEN ~ 50: trimming), runs/s`, stat(f.recorderRunsPerS), (v) => `${Math.round(v).toLocaleString('en-US')} runs/s`, { text: '≥ 20,000 runs/s', ok: (v) => v >= 20_000 });
  addRow('10f', `Viewer connect: read ${streams.toLocaleString('en-US')} streams × 100 entries (${f.runsRead.toLocaleString('en-US')} runs)`, stat(f.connectMs), (v) => fmtMs(v), QUICK ? undefined : { text: '≤ 500 ms', ok: (v) => v <= 500 });
}

/** 10g-10r: the recorder against a bare client's pipelined XADDs of the same entries (bench/recorder.ts). */
export async function measureRecorderRows(settings: ConnectionSettings, admin: Redis): Promise<void> {
  const streams = QUICK ? 200 : 1000;
  const rounds = QUICK ? 2 : 5;
  log(`10g recorder vs bare XADD: ${streams} streams × 100 runs, MAXLEN ~ 50, ${rounds} alternating rounds`);
  const f = await measureRecorderCeiling(settings, admin, streams, 100, 50, rounds);
  const perS = (v: number) => `${Math.round(v).toLocaleString('en-US')} runs/s`;
  const us = (v: number) => `${v.toFixed(1)} µs`;
  addRow('10g', `Recorder: ${f.runs.toLocaleString('en-US')} runs as they finish, into ${streams} streams (XADD MAXLEN ~ 50), runs/s`, stat(f.recorderRunsPerS), perS);
  addRow('10h', '… a bare ioredis client, pipelined XADDs of the same entries (IDs and JSON made beforehand), runs/s', stat(f.bareRunsPerS), perS);
  const ratio = stat(f.recorderRunsPerS).median / stat(f.bareRunsPerS).median;
  rows.push({ id: '10r2', what: 'Recorder ÷ bare client (by runs/s)', median: fmtX(ratio), min: '', max: '', target: '≥ 0.80×', verdict: ratio >= 0.8 ? 'pass' : 'miss' });
  addRow('10i', 'Where the time goes, CPU per run of this process: the recorder (store, ID, JSON, client)', stat(f.recorderCpuUs), us);
  addRow('10j', '… the bare client (client only)', stat(f.bareCpuUs), us);
  addRow('10k', '… making one of the bare client’s entries beforehand: its stream ID, key and payload text (the recorder makes the ID and key inside its time)', f.entryCpuUs, us);
}
