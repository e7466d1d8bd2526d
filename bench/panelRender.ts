/// <reference lib="dom" />
// Section 9d: the detail panel's first render with 1,000 runs (issue 14: ≤ 100 ms), measured where
// it runs: in Chromium (playwright-core with Debian's chromium), with the production bundle of the
// webview's script and stylesheets, under the same nonce-only CSP the extension serves. Each round
// is a fresh page; the figure is the script's own measure of render() (DOM, charts, history table)
// and, beside it, the time to the second animation frame after the state arrived (layout and paint).
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import * as esbuild from 'esbuild';
import { chromium } from 'playwright-core';
import type { HistoryRowView, PanelLabels, PanelState } from '../src/webview/protocol';

const ROOT = resolve(__dirname, '..');

export interface PanelRenderFigures {
  /** render() as the webview measured it, ms, per round. */
  readonly renderMs: number[];
  /** State posted → second animation frame, ms, per round. */
  readonly frameMs: number[];
  readonly runs: number;
}

/** Debian's chromium, or TDTP_CHROMIUM (as the code-server harness reads it). */
export function chromiumPath(): string | undefined {
  const path = process.env.TDTP_CHROMIUM || '/usr/bin/chromium';
  return existsSync(path) ? path : undefined;
}

export async function measurePanelRender(runs: number, rounds: number, screenshot?: string): Promise<PanelRenderFigures> {
  const executablePath = chromiumPath();
  if (!executablePath) throw new Error('no Chromium (apt-get install chromium, or set TDTP_CHROMIUM)');
  const out = mkdtempSync(join(tmpdir(), 'tdtp-panel-bench-'));
  try {
    await esbuild.build({ entryPoints: { panel: join(ROOT, 'src/webview/panel.ts') }, outdir: out, bundle: true, minify: true, platform: 'browser', target: 'es2022', format: 'iife', logLevel: 'silent' });
    const script = readFileSync(join(out, 'panel.js'), 'utf8');
    const styles = [readFileSync(join(out, 'panel.css'), 'utf8'), readFileSync(join(ROOT, 'media/panel.css'), 'utf8')];
    const browser = await chromium.launch({ executablePath, args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'] });
    const state = panelState(runs);
    const renderMs: number[] = [];
    const frameMs: number[] = [];
    try {
      for (let round = 0; round <= rounds; round++) {
        const page = await browser.newPage({ viewport: { width: 1000, height: 900 } });
        const nonce = 'bench0nonce0bench0nonce';
        await page.setContent(
          `<!DOCTYPE html><html><head><meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'nonce-${nonce}'; script-src 'nonce-${nonce}'">` +
            styles.map((css) => `<style nonce="${nonce}">${css}</style>`).join('') +
            `</head><body><main id="root"></main>` +
            `<script nonce="${nonce}">window.acquireVsCodeApi = () => ({ postMessage() {}, getState() { return undefined; }, setState() {} });</script>` +
            `<script nonce="${nonce}">${script.replace(/<\/script/gi, '<\\/script')}</script></body></html>`,
        );
        const frame = await page.evaluate(
          (s) =>
            new Promise<number>((done) => {
              const t0 = performance.now();
              window.postMessage({ type: 'state', state: s }, '*');
              requestAnimationFrame(() => requestAnimationFrame(() => done(performance.now() - t0)));
            }),
          state,
        );
        const rendered = Number(await page.getAttribute('#root', 'data-render-ms'));
        const canvases = await page.locator('.uplot canvas').count();
        if (canvases !== 2) throw new Error(`expected two charts, found ${canvases}`);
        if (screenshot && round === rounds) await page.screenshot({ path: screenshot, fullPage: false });
        await page.close();
        if (round === 0) continue; // warm-up (the browser's own first-page costs)
        renderMs.push(rendered);
        frameMs.push(frame);
      }
    } finally {
      await browser.close();
    }
    return { renderMs, frameMs, runs };
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
}

/** A panel's state as the extension sends it: `runs` runs a minute apart, a few failures and drops. */
function panelState(runs: number): PanelState {
  const start = Date.UTC(2026, 0, 5, 9, 0, 0);
  const history: HistoryRowView[] = [];
  for (let i = runs - 1; i >= 0; i--) {
    const failed = i % 37 === 0;
    const loaded = 15_000 + ((i * 7919) % 900);
    const exported = failed ? 0 : i % 11 === 0 ? loaded - 30 : loaded;
    const duration = 1_500 + ((i * 104_729) % 700);
    const at = start + i * 60_000;
    history.push({
      kind: 'run',
      status: failed ? 'failed' : exported !== loaded ? 'dq_warning' : 'success',
      statusText: failed ? 'failed' : exported !== loaded ? 'data-quality warning' : 'success',
      pipelineName: 'erp_mask_sync',
      startedAt: new Date(at - duration).toLocaleString('en'),
      finishedAt: new Date(at).toLocaleString('en'),
      finishedAtMs: at,
      durationMs: duration,
      durationText: `${(duration / 1000).toFixed(2)}s`,
      rowsLoaded: loaded,
      rowsExported: exported,
      rowsLoadedText: loaded.toLocaleString('en'),
      rowsExportedText: exported.toLocaleString('en'),
      dqWarning: !failed && exported !== loaded,
      ...(failed ? { error: 'source "erp_db": dial tcp 10.0.3.17:5432: connect: connection refused' } : {}),
      sourceText: 'received live',
    });
  }
  const latest = history[0].kind === 'run' ? history[0] : undefined;
  return {
    resultName: 'MASK_V001',
    connectionName: 'default',
    connection: 'connected to 127.0.0.1:6379/0',
    latest,
    history,
    ttl: { kind: 'persistent' },
    muted: false,
    hasConfig: false,
    labels: Object.fromEntries(LABEL_KEYS.map((k) => [k, k])) as unknown as PanelLabels,
    alerts: [['Next run expected', '10:15']],
    trend: { items: [['Success rate', '97% of 1000 runs']], usualLowMs: 1_700, usualHighMs: 2_000, language: 'en' },
  };
}

const LABEL_KEYS: ReadonlyArray<keyof PanelLabels> = [
  'latestRun', 'history', 'charts', 'duration', 'rows', 'rowsLoaded', 'rowsExported', 'pipeline', 'started', 'finished', 'dataQuality', 'package', 'error', 'source', 'status',
  'stateKey', 'expiresIn', 'expired', 'noTtl', 'ttlUnknown', 'pollNow', 'copyJson', 'openConfig', 'mute', 'unmute', 'noRuns', 'chartDuration', 'chartRows', 'usualBand', 'chartKeys',
];
