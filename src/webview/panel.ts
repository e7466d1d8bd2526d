/// <reference lib="dom" />
// The detail panel's script. Runs in the webview; builds the DOM with textContent only, never innerHTML.
import type { FromWebview, HistoryRowView, PanelState, PersistedPanelState, RunView, ToWebview, TtlView } from './protocol';

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

function svg<K extends keyof SVGElementTagNameMap>(tag: K, attrs: Record<string, string | number>): SVGElementTagNameMap[K] {
  const node = document.createElementNS('http://www.w3.org/2000/svg', tag);
  for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, String(v));
  return node;
}

function render(state: PanelState): void {
  const L = state.labels;
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
  if (runs.length > 1) {
    const charts = el('section', 'charts');
    charts.append(el('h2', undefined, L.charts));
    charts.append(durationChart(runs.slice(0, 60).reverse(), L.chartDuration));
    charts.append(rowsChart(runs.slice(0, 60).reverse(), L.chartRows, L.rowsLoaded, L.rowsExported));
    root.append(charts);
  }

  const history = el('section', 'history');
  history.append(el('h2', undefined, `${L.history} (${runs.length})`));
  history.append(historyTable(state.history, L));
  root.append(history);
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

const WIDTH = 600;
const HEIGHT = 140;
const PAD = 28;

function durationChart(runs: RunView[], title: string): HTMLElement {
  const figure = el('figure');
  figure.append(el('figcaption', undefined, title));
  const chart = svg('svg', { viewBox: `0 0 ${WIDTH} ${HEIGHT}`, role: 'img', 'aria-label': title, class: 'chart' });
  const max = Math.max(1, ...runs.map((r) => r.durationMs));
  const step = (WIDTH - PAD) / runs.length;
  runs.forEach((run, i) => {
    const h = ((HEIGHT - 20) * run.durationMs) / max;
    const bar = svg('rect', { x: PAD + i * step + 1, y: HEIGHT - 10 - h, width: Math.max(1, step - 2), height: Math.max(1, h), class: `bar status-${run.status}` });
    const tip = svg('title', {});
    tip.textContent = `${run.finishedAt}: ${run.durationText} (${run.statusText})`;
    bar.append(tip);
    chart.append(bar);
  });
  chart.append(axisLabel(max >= 1000 ? `${(max / 1000).toFixed(1)}s` : `${max}ms`));
  figure.append(chart);
  return figure;
}

function rowsChart(runs: RunView[], title: string, loadedLabel: string, exportedLabel: string): HTMLElement {
  const figure = el('figure');
  figure.append(el('figcaption', undefined, title));
  const chart = svg('svg', { viewBox: `0 0 ${WIDTH} ${HEIGHT}`, role: 'img', 'aria-label': title, class: 'chart' });
  const max = Math.max(1, ...runs.flatMap((r) => [r.rowsLoaded, r.rowsExported]));
  const step = runs.length > 1 ? (WIDTH - PAD - 10) / (runs.length - 1) : 0;
  const y = (v: number) => HEIGHT - 10 - ((HEIGHT - 20) * v) / max;
  const line = (pick: (r: RunView) => number, cls: string) =>
    svg('polyline', { points: runs.map((r, i) => `${PAD + 5 + i * step},${y(pick(r))}`).join(' '), class: `line ${cls}`, fill: 'none' });
  chart.append(line((r) => r.rowsLoaded, 'loaded'), line((r) => r.rowsExported, 'exported'));
  runs.forEach((run, i) => {
    const dot = svg('circle', { cx: PAD + 5 + i * step, cy: y(run.rowsExported), r: 3, class: `point status-${run.status}` });
    const tip = svg('title', {});
    tip.textContent = `${run.finishedAt}: ${run.rowsLoadedText} → ${run.rowsExportedText}${run.dqText ? ` — ${run.dqText}` : ''}`;
    dot.append(tip);
    chart.append(dot);
  });
  chart.append(axisLabel(String(max)));
  figure.append(chart);
  const legend = el('p', 'legend');
  legend.append(el('span', 'key loaded', loadedLabel), el('span', 'key exported', exportedLabel));
  figure.append(legend);
  return figure;
}

function axisLabel(text: string): SVGTextElement {
  const label = svg('text', { x: 2, y: 12, class: 'axis' });
  label.textContent = text;
  return label;
}
