/// <reference lib="dom" />
// The detail panel's charts, drawn by uPlot (bundled by esbuild: no CDN). uPlot draws on a canvas
// and sets element styles through the CSSOM only, which the panel's nonce-only CSP allows; its
// stylesheet is bundled into dist/webview/panel.css. Data is numbers; every word on hover comes
// from the extension, already localized, and is set with textContent.
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';
import { DURATION_STEPS_MS, TIME_STEPS_MS, WHOLE_STEPS, countTickLabels, durationTickLabels, flatRange, timeTickLabels, timeWindow } from './axes';
import type { DisplayStatusName, PanelLabels, RunView, TrendView } from './protocol';

const STATUSES: readonly DisplayStatusName[] = ['success', 'dq_warning', 'completed_with_errors', 'failed', 'unknown'];
const HEIGHT = 170;

/** The y axis is as wide as its longest label (12 px digits, about 7 px each) plus its ticks; at least 64 px, so the two charts' time axes line up. */
function yAxisWidth(_u: uPlot, values: string[] | null): number {
  const longest = Math.max(1, ...(values ?? []).map((v) => v.length));
  return Math.max(64, Math.ceil(longest * 7) + 20);
}

/** Theme colours: the same CSS variables the panel's stylesheet uses, read when the charts are drawn. */
function colours(): { status: Record<DisplayStatusName, string>; loaded: string; exported: string; axis: string; grid: string; band: string; bandEdge: string } {
  const css = getComputedStyle(document.documentElement);
  const v = (name: string, fallback: string) => css.getPropertyValue(name).trim() || fallback;
  return {
    status: {
      success: v('--vscode-charts-green', '#388a34'),
      failed: v('--vscode-charts-red', '#e51400'),
      completed_with_errors: v('--vscode-charts-orange', '#d18616'),
      dq_warning: v('--vscode-charts-yellow', '#bf8803'),
      unknown: v('--vscode-charts-purple', '#652d90'),
    },
    loaded: v('--vscode-charts-blue', '#1a85ff'),
    exported: v('--vscode-charts-green', '#388a34'),
    axis: v('--vscode-descriptionForeground', '#717171'),
    grid: v('--vscode-editorWidget-border', 'rgba(128,128,128,0.25)'),
    band: 'rgba(128,128,128,0.18)',
    // The band's edges: they keep a band of equal runs (no height) visible as a line.
    bandEdge: 'rgba(128,128,128,0.5)',
  };
}

export interface ChartsHandle {
  dispose(): void;
}

/**
 * Two charts on one real time axis (oldest left): the duration of each run as a point in its
 * status colour over the usual band, and rows loaded against rows exported. Hover, or focus a
 * chart and use ←/→/Home/End, to read a run out; the history table below is the same data as a table.
 */
export function renderCharts(target: HTMLElement, newestFirst: readonly RunView[], trend: TrendView, L: PanelLabels): ChartsHandle {
  const runs = [...newestFirst].sort((a, b) => a.finishedAtMs - b.finishedAtMs);
  const c = colours();
  const xs = runs.map((r) => r.finishedAtMs);
  const width = () => Math.max(280, Math.min(760, target.clientWidth || 600));
  // The x axis: at least a minute wide, steps of a second and more, labels that differ (axes.ts).
  // Its tick labels are also written out as text (the canvas has none): for screen readers, and
  // for the browser tests to read the time axis.
  const window_ = timeWindow(xs[0], xs[xs.length - 1]);
  const scales = (): uPlot.Scales => ({
    x: { time: true, range: () => window_ },
    y: { range: (_u, min, max) => flatRange(min, max) ?? uPlot.rangeNum(min, max, 0.1, true) },
  });
  // The y axis steps as its values are counted: durations as a clock does (1m 30s, never 4.17m),
  // rows in whole numbers. Its labels are written out as text too.
  const axes = (valueSteps: readonly number[], valueTexts: (ticks: number[], step: number) => string[], ticksOut: (texts: string[]) => void, valuesOut: (texts: string[]) => void): uPlot.Axis[] => [
    {
      stroke: c.axis,
      // Labels with a date in them are wider than a time of day.
      space: (_u, _i, min, max) => (max - min >= 86_400_000 ? 120 : 90),
      incrs: [...TIME_STEPS_MS],
      grid: { stroke: c.grid, width: 1 },
      ticks: { stroke: c.grid, width: 1 },
      values: (_u, splits, _i, _space, step) => {
        const texts = timeTickLabels(splits, step, trend.language);
        ticksOut(texts);
        return texts;
      },
    },
    {
      stroke: c.axis,
      incrs: [...valueSteps],
      grid: { stroke: c.grid, width: 1 },
      ticks: { stroke: c.grid, width: 1 },
      values: (_u, splits, _i, _space, step) => {
        const texts = valueTexts(splits, step);
        valuesOut(texts);
        return texts;
      },
      size: yAxisWidth,
    },
  ];
  // Points shrink as runs crowd the axis (7 px for up to about a hundred, 3 px for a thousand), so
  // the band behind them and the failures among them stay visible.
  const dot = Math.max(3, Math.min(7, Math.floor(width() / Math.max(1, runs.length) + 2)));
  const points = (colour: string, size: number): uPlot.Series => ({ stroke: colour, fill: colour, width: 0, paths: () => null, points: { show: true, size, stroke: colour, fill: colour } });

  // Duration: one series per status (null where a run has another), the usual band behind them.
  const durationData: uPlot.AlignedData = [xs, ...STATUSES.map((s) => runs.map((r) => (r.status === s ? r.durationMs : null)))];
  // Runs that did not simply succeed keep a size that can be seen among many.
  const durationSeries: uPlot.Series[] = [{}, ...STATUSES.map((s) => ({ label: s, ...points(c.status[s], s === 'success' ? dot : Math.max(dot, 5)) }))];
  const bands: uPlot.Band[] = [];
  if (trend.usualLowMs !== undefined && trend.usualHighMs !== undefined) {
    const hi = durationData.length;
    (durationData as unknown as Array<ArrayLike<number | null>>).push(xs.map(() => trend.usualHighMs!), xs.map(() => trend.usualLowMs!));
    durationSeries.push({ label: 'p75', stroke: c.bandEdge, width: 1, points: { show: false } }, { label: 'p25', stroke: c.bandEdge, width: 1, points: { show: false } });
    bands.push({ series: [hi, hi + 1], fill: c.band });
  }
  const rowsData: uPlot.AlignedData = [xs, runs.map((r) => r.rowsLoaded), runs.map((r) => r.rowsExported)];
  const rowsSeries: uPlot.Series[] = [{}, { label: L.rowsLoaded, stroke: c.loaded, width: 2, points: { show: true, size: 5 } }, { label: L.rowsExported, stroke: c.exported, width: 2, dash: [4, 3], points: { show: true, size: 5 } }];

  const plots: uPlot[] = [];
  type TicksOut = (texts: string[]) => void;
  const figure = (title: string, keys: Array<[string, string]>, options: (ticksOut: TicksOut, valuesOut: TicksOut) => Omit<uPlot.Options, 'width' | 'height'>, data: uPlot.AlignedData): void => {
    const fig = document.createElement('figure');
    fig.className = 'chart-figure';
    fig.tabIndex = 0;
    const caption = document.createElement('figcaption');
    caption.textContent = title;
    fig.append(caption);
    const legend = document.createElement('p');
    legend.className = 'legend';
    legend.setAttribute('aria-label', L.chartKeys);
    for (const [text, colour] of keys) {
      const key = document.createElement('span');
      key.className = 'key';
      const swatch = document.createElement('span');
      swatch.className = 'swatch';
      swatch.style.background = colour;
      key.append(swatch, document.createTextNode(text));
      legend.append(key);
    }
    const canvasBox = document.createElement('div');
    canvasBox.className = 'chart';
    canvasBox.setAttribute('aria-hidden', 'true');
    const readout = document.createElement('p');
    readout.className = 'readout';
    readout.setAttribute('aria-live', 'polite');
    const ticks = document.createElement('p');
    ticks.className = 'axis-ticks time-ticks';
    const values = document.createElement('p');
    values.className = 'axis-ticks value-ticks';
    fig.append(legend, canvasBox, ticks, values, readout);
    target.append(fig);
    const show = (idx: number | null | undefined) => {
      const run = idx === null || idx === undefined ? undefined : runs[idx];
      readout.textContent = run ? `${run.finishedAt} · ${run.statusText} · ${run.durationText} · ${run.rowsLoadedText} → ${run.rowsExportedText}${run.dqText ? ` · ${run.dqText}` : ''}` : '';
    };
    const plot = new uPlot(
      {
        ...options(
          (texts) => (ticks.textContent = texts.join(' · ')),
          (texts) => (values.textContent = texts.join(' · ')),
        ),
        width: width(),
        height: HEIGHT,
        // Room on the right for the half of the last time label that passes the plot's edge.
        padding: [null, 48, null, null],
        ms: 1,
        legend: { show: false },
        cursor: { points: { show: false }, drag: { x: false, y: false } },
        hooks: { setCursor: [(u) => show(u.cursor.idx)] },
      },
      data,
      canvasBox,
    );
    plots.push(plot);
    // The keyboard walks the runs; the read-out says each one.
    let at = runs.length - 1;
    fig.addEventListener('keydown', (event) => {
      const step: Record<string, number> = { ArrowLeft: -1, ArrowRight: 1, Home: -Infinity, End: Infinity };
      if (!(event.key in step)) return;
      event.preventDefault();
      at = Math.max(0, Math.min(runs.length - 1, at + step[event.key]));
      plot.setCursor({ left: plot.valToPos(xs[at], 'x'), top: HEIGHT / 3 });
      show(at);
    });
    fig.addEventListener('focus', () => show(at));
  };

  const statusKeys = STATUSES.filter((s) => runs.some((r) => r.status === s)).map((s): [string, string] => [runs.find((r) => r.status === s)!.statusText, c.status[s]]);
  if (bands.length) statusKeys.push([L.usualBand, c.band]);
  figure(L.chartDuration, statusKeys, (ticksOut, valuesOut) => ({ scales: scales(), series: durationSeries, axes: axes(DURATION_STEPS_MS, (ticks, step) => durationTickLabels(ticks, step, { units: L.durationUnits, language: trend.language }), ticksOut, valuesOut), bands }), durationData);
  figure(L.chartRows, [[L.rowsLoaded, c.loaded], [L.rowsExported, c.exported]], (ticksOut, valuesOut) => ({ scales: scales(), series: rowsSeries, axes: axes(WHOLE_STEPS, countTickLabels, ticksOut, valuesOut) }), rowsData);

  const onResize = () => {
    for (const plot of plots) plot.setSize({ width: width(), height: HEIGHT });
  };
  window.addEventListener('resize', onResize);
  return {
    dispose() {
      window.removeEventListener('resize', onResize);
      for (const plot of plots) plot.destroy();
    },
  };
}
