/// <reference lib="dom" />
// The detail panel's script. Runs in the webview; builds the DOM with textContent only, never innerHTML.
import type { ChartsHandle } from './charts';
import { renderCharts } from './charts';
import type { FromWebview, HistoryRowView, JobsView, PanelState, PersistedPanelState, RunView, ToWebview, TtlView } from './protocol';

interface VsCodeApi {
  postMessage(message: FromWebview): void;
  getState(): PersistedPanelState | undefined;
  setState(state: PersistedPanelState): void;
}
declare function acquireVsCodeApi(): VsCodeApi;

const vscode = acquireVsCodeApi();
const root = document.getElementById('root') as HTMLElement;
let current: PanelState | undefined;
let ttlTimer: number | undefined;
let charts: ChartsHandle | undefined;

window.addEventListener('message', (event: MessageEvent<ToWebview>) => {
  const message = event.data;
  if (message?.type === 'state') {
    current = message.state;
    vscode.setState({ resultName: message.state.resultName, connection: message.state.connectionName });
    render(message.state);
  } else if (message?.type === 'busy') {
    document.body.classList.toggle('busy', message.busy);
  }
});
vscode.postMessage({ type: 'ready' });

function el<K extends keyof HTMLElementTagNameMap>(tag: K, className?: string, text?: string): HTMLElementTagNameMap[K] {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined) node.textContent = text;
  return node;
}

function render(state: PanelState): void {
  const L = state.labels;
  const started = performance.now();
  charts?.dispose();
  charts = undefined;
  root.replaceChildren();

  const header = el('header');
  const title = el('h1', undefined, state.resultName);
  header.append(title);
  if (state.latest) header.append(badge(state.latest));
  const actions = el('div', 'actions');
  actions.append(
    button(L.pollNow, 'poll', () => vscode.postMessage({ type: 'poll' })),
    button(L.copyJson, 'copy', () => vscode.postMessage({ type: 'copyJson' })),
    button(state.muted ? L.unmute : L.mute, 'mute', () => vscode.postMessage({ type: 'toggleMute' })),
  );
  if (state.hasConfig) actions.append(button(L.openConfig, 'openConfig', () => vscode.postMessage({ type: 'openConfig' })));
  header.append(actions);
  root.append(header);
  root.append(el('p', 'connection', state.connection));

  const latest = el('section', 'latest');
  latest.append(el('h2', undefined, L.latestRun));
  if (state.latest) {
    latest.append(details(state.latest, L));
    if (state.alerts.length) latest.append(pairs(state.alerts, 'alerts'));
    const ttl = el('p', 'ttl');
    ttl.id = 'ttl';
    latest.append(ttl);
    startTtl(state.ttl, ttl);
    if (state.latest.error) {
      latest.append(el('h3', undefined, L.error));
      latest.append(el('pre', 'error', state.latest.error));
    }
  } else {
    latest.append(el('p', 'empty', L.noRuns));
  }
  root.append(latest);

  const runs = state.history.filter((h): h is Extract<HistoryRowView, { kind: 'run' }> => h.kind === 'run');
  // From one run on: a single run is a point in its minute; the usual band waits for its baseline.
  if (runs.length > 0) {
    const section = el('section', 'charts');
    section.append(el('h2', undefined, L.charts));
    section.append(pairs(state.trend.items, 'trend'));
    root.append(section);
    charts = renderCharts(section, runs, state.trend, L);
  }

  // Without any run or gap there is no history to show: "no run known yet" above says it.
  if (state.history.length) {
    const history = el('section', 'history');
    history.append(el('h2', undefined, `${L.history} (${runs.length})`));
    history.append(historyTable(state.history, L));
    root.append(history);
  }
  if (state.jobs) root.append(jobsSection(state.jobs));
  // How long the first render took, for the benchmark (bench/panelRender.ts reads it).
  root.dataset.renderMs = (performance.now() - started).toFixed(1);
}

/** [label, text] pairs from the extension, as a definition list. */
function pairs(items: ReadonlyArray<readonly [string, string]>, className: string): HTMLElement {
  const dl = el('dl', className);
  for (const [label, value] of items) dl.append(el('dt', undefined, label), el('dd', undefined, value));
  return dl;
}

function badge(run: RunView): HTMLElement {
  const b = el('span', `badge status-${run.status}`, run.statusText);
  b.setAttribute('role', 'status');
  return b;
}

function button(label: string, id: string, onClick: () => void): HTMLButtonElement {
  const b = el('button', undefined, label);
  b.id = `btn-${id}`;
  b.type = 'button';
  b.addEventListener('click', onClick);
  return b;
}

function details(run: RunView, L: PanelState['labels']): HTMLElement {
  const dl = el('dl');
  const rows: Array<[string, string, string?]> = [
    [L.pipeline, run.pipelineName],
    [L.started, run.startedAt],
    [L.finished, run.finishedAt],
    [L.duration, run.durationText],
    [L.rowsLoaded, run.rowsLoadedText],
    [L.rowsExported, run.rowsExportedText],
  ];
  if (run.dqText) rows.push([L.dataQuality, run.dqText, run.dqWarning ? 'warn' : undefined]);
  if (run.packageUuid) rows.push([L.package, run.packageUuid]);
  rows.push([L.source, run.sourceText]);
  if (run.note) rows.push(['', run.note, 'warn']);
  for (const [label, value, cls] of rows) {
    dl.append(el('dt', undefined, label), el('dd', cls, value));
  }
  return dl;
}

function startTtl(ttl: TtlView, target: HTMLElement): void {
  if (ttlTimer !== undefined) window.clearInterval(ttlTimer);
  ttlTimer = undefined;
  const L = current!.labels;
  const show = () => {
    switch (ttl.kind) {
      case 'unknown':
        target.textContent = `${L.stateKey}: ${L.ttlUnknown}`;
        return;
      case 'persistent':
        target.textContent = `${L.stateKey}: ${L.noTtl}`;
        return;
      case 'expired':
        target.textContent = `${L.stateKey}: ${L.expired}`;
        target.className = 'ttl expired';
        return;
      case 'expires': {
        const left = ttl.ms - (Date.now() - ttl.measuredAt);
        if (left <= 0) {
          target.textContent = `${L.stateKey}: ${L.expired}`;
          target.className = 'ttl expired';
          if (ttlTimer !== undefined) window.clearInterval(ttlTimer);
          return;
        }
        target.textContent = `${L.stateKey}: ${L.expiresIn} ${clock(left)}`;
      }
    }
  };
  show();
  if (ttl.kind === 'expires') ttlTimer = window.setInterval(show, 1000);
}

function clock(ms: number): string {
  const total = Math.ceil(ms / 1000);
  const h = Math.floor(total / 3600);
  const m = Math.floor((total % 3600) / 60);
  const s = total % 60;
  const pad = (n: number) => String(n).padStart(2, '0');
  return h > 0 ? `${h}:${pad(m)}:${pad(s)}` : `${m}:${pad(s)}`;
}

/** The linked scenarios' recent jobs, each with a button that opens its log. */
function jobsSection(jobs: JobsView): HTMLElement {
  const section = el('section', 'jobs');
  section.append(el('h2', undefined, jobs.title));
  if (!jobs.rows.length) {
    section.append(el('p', 'empty', jobs.empty));
    return section;
  }
  const table = el('table');
  const head = el('tr');
  for (const h of [...jobs.columns, '']) head.append(el('th', undefined, h));
  table.append(el('thead'));
  table.tHead!.append(head);
  const body = el('tbody');
  for (const row of jobs.rows) {
    const tr = el('tr', `job-${row.status}`);
    const status = el('td');
    status.append(el('span', `dot job-${row.status}`), document.createTextNode(row.statusText));
    const open = el('td');
    const b = button(jobs.showLog, `log-${row.id}`, () => vscode.postMessage({ type: 'showJobLog', jobId: row.id }));
    open.append(b);
    tr.append(el('td', undefined, row.scenario), status, el('td', undefined, row.started), el('td', 'num', row.duration), open);
    body.append(tr);
  }
  table.append(body);
  section.append(table);
  return section;
}

function historyTable(history: readonly HistoryRowView[], L: PanelState['labels']): HTMLElement {
  const table = el('table');
  const head = el('tr');
  for (const h of [L.finished, L.status, L.duration, L.rowsLoaded, L.rowsExported, L.dataQuality, L.source]) head.append(el('th', undefined, h));
  table.append(el('thead'));
  table.tHead!.append(head);
  const body = el('tbody');
  for (const row of history) {
    const tr = el('tr');
    if (row.kind === 'gap') {
      tr.className = 'gap';
      const td = el('td', undefined, row.text);
      td.colSpan = 7;
      td.title = row.reason;
      tr.append(td);
    } else {
      tr.className = `status-${row.status}`;
      const status = el('td');
      status.append(el('span', `dot status-${row.status}`), document.createTextNode(row.statusText));
      tr.append(el('td', undefined, row.finishedAt), status, el('td', 'num', row.durationText), el('td', 'num', row.rowsLoadedText), el('td', 'num', row.rowsExportedText), el('td', row.dqWarning ? 'warn' : undefined, row.dqText ?? ''), el('td', undefined, row.sourceText));
      if (row.error) tr.title = row.error;
    }
    body.append(tr);
  }
  table.append(body);
  return table;
}
