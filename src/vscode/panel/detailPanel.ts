import { randomBytes } from 'node:crypto';
import * as vscode from 'vscode';

import { isDqWarning } from '../../core/dataQuality';
import { Disposable } from '../../core/lifecycle';
import { baselineRunsNeeded } from '../../core/alerts/baseline';
import { chartInstant, summarizeRuns } from '../../core/alerts/trend';
import type { HistoryItem, RunRecord } from '../../core/runs';
import { displayStatusOf } from '../../core/status';
import { inertText, truncate } from '../../core/text';
import type { FromWebview, HistoryRowView, JobsView, PanelLabels, PanelState, PersistedPanelState, RunView, ToWebview, TrendView, TtlView } from '../../webview/protocol';
import { isFromWebview } from '../../webview/protocol';
import { alertRows, momentText } from '../words/alerts';
import type { Config } from '../settings/config';
import { connectionText, countText, dateTimeText, dqText, durationText, finishedText, formatNumber, sourceText, statusText } from '../words/format';
import type { Viewer } from '../connections/viewer';
import { errorText, gapReasonText } from '../words/problems';
import type { Job } from '../../core/orchestrator/types';

export const PANEL_VIEW_TYPE = 'tdtp.pipelineDetails';

/** Whether the workspace has a pipeline file for a result name (the workspace feature answers). */
export interface PipelineConfigLookup {
  hasConfig(resultName: string): boolean;
  readonly onDidChange: vscode.Event<void>;
}

/** What the panel asks of the orchestrator links (vscode/orchestrator/links.ts). */
export interface PanelJobLinks {
  /** The newest jobs of the scenarios linked to the result, on the orchestrator of the connection. */
  recentJobs(connection: string, resultName: string, limit: number): readonly Job[];
  /** The panel's list of those jobs, worded; undefined when no scenario is linked to the result. */
  jobsView(connection: string, resultName: string, limit: number, nowMs: number): JobsView | undefined;
  touches(resultName: string, scenarios: ReadonlySet<string> | undefined): boolean;
  readonly onDidChangeRows: vscode.Event<{ readonly connection: string; readonly scenarios: ReadonlySet<string> | undefined }>;
  readonly onDidChange: vscode.Event<void>;
}

/** Jobs the panel lists: a screenful. */
const PANEL_JOBS = 10;

const panelKey = (connection: string, resultName: string) => `${connection}\u0000${resultName}`;

/** One detail panel per connection and result_name; revealed when already open; restored after a reload. */
export class DetailPanelManager extends Disposable implements vscode.WebviewPanelSerializer<PersistedPanelState> {
  private readonly panels = new Map<string, DetailPanel>();
  private jobLinks: PanelJobLinks | undefined;
  private readonly posted = this.register(new vscode.EventEmitter<PanelState>());
  /** A panel sent its webview a new state. */
  readonly onDidPostState = this.posted.event;

  constructor(
    private readonly extensionUri: vscode.Uri,
    private readonly viewer: Viewer,
    private readonly config: Config,
    private readonly log: vscode.LogOutputChannel,
    private readonly configFiles: PipelineConfigLookup,
  ) {
    super();
    this.register(configFiles.onDidChange(() => this.panels.forEach((p) => p.update())));
    this.register(
      viewer.onDidChange(({ connection, change }) => {
        for (const panel of this.panels.values()) {
          if (panel.connection === connection.name && (change.structural || change.pipelines.has(panel.resultName))) panel.update();
        }
      }),
    );
    this.register(vscode.window.registerWebviewPanelSerializer(PANEL_VIEW_TYPE, this));
    this.register(viewer.onDidChangeState((connection) => this.panels.forEach((p) => p.connection === connection.name && p.update())));
    this.register(viewer.onDidChangeConnections(() => this.panels.forEach((p) => p.update())));
    this.register(config.onDidChange((c) => (c === 'notifications' || c === 'alerts') && this.panels.forEach((p) => p.update())));
    this.register(viewer.onDidTurnLate(({ connection, resultName }) => this.panels.forEach((p) => p.connection === connection.name && p.resultName === resultName && p.update())));
    // Open panels close with the extension.
    this.register({ dispose: () => [...this.panels.values()].forEach((p) => p.panel.dispose()) });
  }

  /** Open panels list the recent jobs of their scenarios; a job's change updates only the panels it concerns. */
  setJobLinks(links: PanelJobLinks): void {
    this.jobLinks = links;
    this.register(links.onDidChange(() => this.panels.forEach((p) => p.update())));
    this.register(
      links.onDidChangeRows(({ connection, scenarios }) => {
        for (const panel of this.panels.values()) if (panel.connection === connection && (scenarios === undefined || links.touches(panel.resultName, scenarios) || links.recentJobs(connection, panel.resultName, PANEL_JOBS).some((j) => scenarios.has(j.scenario)))) panel.update();
      }),
    );
  }

  /** The state a panel last sent its webview (tests read the panel through this and the event). */
  stateOf(resultName: string, connectionName?: string): PanelState | undefined {
    const connection = connectionName ?? this.viewer.get(undefined)?.name;
    return connection === undefined ? undefined : this.panels.get(panelKey(connection, resultName))?.lastState;
  }

  /** A message to a panel as its webview would send it (tests: a webview's button cannot be clicked there). */
  async receive(resultName: string, connectionName: string, message: unknown): Promise<void> {
    await this.panels.get(panelKey(connectionName, resultName))?.receive(message);
  }

  /** Result names with an open panel (for tests and the API). */
  get openPanels(): string[] {
    return [...this.panels.values()].map((p) => p.resultName);
  }

  /** Opens (or reveals) the panel of a result_name; the first connection when none is named. */
  show(resultName: string, connectionName?: string): void {
    const connection = this.viewer.get(connectionName);
    if (!connection) return;
    const existing = this.panels.get(panelKey(connection.name, resultName));
    if (existing) {
      existing.panel.reveal();
      return;
    }
    const panel = vscode.window.createWebviewPanel(PANEL_VIEW_TYPE, inertText(resultName), vscode.ViewColumn.Active, this.webviewOptions());
    this.attach(connection.name, resultName, panel);
  }

  async deserializeWebviewPanel(panel: vscode.WebviewPanel, state: PersistedPanelState | undefined): Promise<void> {
    const resultName = typeof state?.resultName === 'string' ? state.resultName : undefined;
    const connection = typeof state?.connection === 'string' ? state.connection : this.viewer.get(undefined)?.name;
    if (!resultName || !connection || this.panels.has(panelKey(connection, resultName))) {
      panel.dispose();
      return;
    }
    panel.webview.options = this.webviewOptions();
    this.attach(connection, resultName, panel);
  }

  private webviewOptions(): vscode.WebviewPanelOptions & vscode.WebviewOptions {
    return {
      enableScripts: true,
      retainContextWhenHidden: false,
      localResourceRoots: [vscode.Uri.joinPath(this.extensionUri, 'media'), vscode.Uri.joinPath(this.extensionUri, 'dist', 'webview')],
    };
  }

  private attach(connection: string, resultName: string, panel: vscode.WebviewPanel): void {
    const key = panelKey(connection, resultName);
    const detail = new DetailPanel(connection, resultName, panel, this.extensionUri, this.viewer, this.config, this.log, this.configFiles, () => this.jobLinks, () => this.panels.delete(key), (state) => this.posted.fire(state));
    this.panels.set(key, detail);
  }

}

class DetailPanel extends Disposable {
  private ttl: TtlView = { kind: 'unknown' };
  private ready = false;
  lastState: PanelState | undefined;

  constructor(
    readonly connection: string,
    readonly resultName: string,
    readonly panel: vscode.WebviewPanel,
    extensionUri: vscode.Uri,
    private readonly viewer: Viewer,
    private readonly config: Config,
    private readonly log: vscode.LogOutputChannel,
    private readonly configFiles: PipelineConfigLookup,
    private readonly jobLinks: () => PanelJobLinks | undefined,
    onDisposed: () => void,
    private readonly onPosted: (state: PanelState) => void,
  ) {
    super();
    panel.title = inertText(viewer.multiple ? `${resultName} (${connection})` : resultName);
    panel.iconPath = vscode.Uri.joinPath(extensionUri, 'media', 'tdtp.svg');
    panel.webview.html = html(panel.webview, extensionUri);
    this.register(
      panel.webview.onDidReceiveMessage((message: unknown) => void this.receive(message)),
    );
    this.register(panel.onDidChangeViewState(() => panel.visible && this.update()));
    // The panel is the owner's handle: closing it disposes the rest.
    this.register(
      panel.onDidDispose(() => {
        this.dispose();
        onDisposed();
      }),
    );
  }

  async receive(message: unknown): Promise<void> {
    if (isFromWebview(message)) await this.onMessage(message);
  }

  private async onMessage(message: FromWebview): Promise<void> {
    switch (message.type) {
      case 'ready':
        this.ready = true;
        this.update();
        await this.refreshTtl();
        break;
      case 'poll':
        await this.post({ type: 'busy', busy: true });
        try {
          await vscode.commands.executeCommand('tdtp.pollNow', this.resultName, this.connection);
          await this.refreshTtl();
        } finally {
          await this.post({ type: 'busy', busy: false });
        }
        break;
      case 'copyJson':
        await vscode.commands.executeCommand('tdtp.copyEventJson', this.resultName, this.connection);
        break;
      case 'openConfig':
        await vscode.commands.executeCommand('tdtp.openPipelineConfig', this.resultName);
        break;
      case 'showJobLog': {
        // Only a job the panel lists: the message is the webview's word, not a command line.
        const listed = this.jobLinks()?.recentJobs(this.connection, this.resultName, PANEL_JOBS).some((j) => j.id === message.jobId);
        if (listed) await vscode.commands.executeCommand('tdtp.orchestrator.showJobLog', { server: this.connection, jobId: message.jobId });
        break;
      }
      case 'toggleMute': {
        const muted = this.config.notifications.muted.includes(this.resultName);
        await vscode.commands.executeCommand(muted ? 'tdtp.unmute' : 'tdtp.mute', this.resultName);
        break;
      }
    }
  }

  /** The TTL comes from a poll; the webview counts it down by itself. */
  private async refreshTtl(): Promise<void> {
    const connection = this.viewer.get(this.connection);
    if (connection?.state.kind !== 'connected') return;
    try {
      const result = await connection.poll(this.resultName);
      this.ttl = !result.found ? { kind: 'expired' } : result.ttlMs === undefined ? { kind: 'persistent' } : { kind: 'expires', ms: result.ttlMs, measuredAt: Date.now() };
      this.update();
    } catch (err) {
      this.log.warn(`Reading the TTL of ${this.resultName} failed: ${errorText(err)}`);
    }
  }

  update(): void {
    if (!this.ready || !this.panel.visible) return;
    const connection = this.viewer.get(this.connection);
    const snapshot = connection?.store.get(this.resultName);
    if (snapshot?.stateExpired) this.ttl = { kind: 'expired' };
    const where = this.viewer.multiple ? `${this.connection}: ` : '';
    const history = connection?.store.history(this.resultName) ?? [];
    const alerts = connection && this.viewer.alertsOf(connection, this.resultName);
    const now = Date.now();
    const state: PanelState = {
      resultName: this.resultName,
      connectionName: this.connection,
      connection: connection ? where + connectionText(connection.state, connection.endpoint) : vscode.l10n.t('The connection "{0}" is no longer configured.', this.connection),
      latest: snapshot && runView(snapshot.latest, now),
      history: history.map((item) => historyRow(item, now)),
      alerts: alerts ? alertRows(alerts) : [],
      trend: trendView(history, alerts?.due?.expectedAt, this.viewer.currentAlertSettings.unusual.minRuns),
      ttl: this.ttl,
      muted: this.config.notifications.muted.includes(this.resultName),
      hasConfig: this.configFiles.hasConfig(this.resultName),
      labels: labels(),
      jobs: this.jobLinks()?.jobsView(this.connection, this.resultName, PANEL_JOBS, now),
    };
    this.lastState = state;
    void this.post({ type: 'state', state });
    this.onPosted(state);
  }

  private post(message: ToWebview): Thenable<boolean> {
    return this.panel.webview.postMessage(message);
  }
}

/** A history row carries the start of its error; the latest run's is shown whole (as the model keeps it). */
const HISTORY_ROW_ERROR_CHARS = 2000;

function runView(record: RunRecord, nowMs: number, errorChars?: number): RunView {
  const r = record.run.result;
  const status = displayStatusOf(record);
  return {
    status,
    statusText: statusText(status, r.status),
    pipelineName: r.pipeline_name,
    startedAt: record.run.startedAt ? dateTimeText(record.run.startedAt.epochMs) : vscode.l10n.t('not known'),
    finishedAt: finishedText(record),
    finishedAtMs: chartInstant(record, nowMs),
    durationMs: r.duration_ms,
    durationText: durationText(r.duration_ms),
    rowsLoaded: r.rows_loaded,
    rowsExported: r.rows_exported,
    rowsLoadedText: formatNumber(r.rows_loaded),
    rowsExportedText: formatNumber(r.rows_exported),
    dqText: dqText(record.dq),
    dqWarning: isDqWarning(record.dq),
    packageUuid: r.package_uuid,
    error: r.error !== undefined && errorChars !== undefined ? truncate(r.error, errorChars) : r.error,
    sourceText: sourceText(record.source),
    note: record.run.resultNameMismatch ? vscode.l10n.t('the payload says result_name "{0}"', r.result_name) : undefined,
  };
}

function historyRow(item: HistoryItem, nowMs: number): HistoryRowView {
  if (item.kind === 'gap') return { kind: 'gap', text: vscode.l10n.t('Gap: {0} – {1}; events may have been lost', dateTimeText(item.from), dateTimeText(item.to)), reason: gapReasonText(item.reason) };
  return { kind: 'run', ...runView(item, nowMs, HISTORY_ROW_ERROR_CHARS) };
}

/**
 * Success rate, p50/p95 duration and the usual band over the runs kept, and when the next run is
 * due. "Usual" means what it means to the unusual-run rule: the band is drawn once there are as
 * many successful runs as that rule needs for a baseline (baselineRunsNeeded: tdtp.alerts.unusualMinRuns,
 * at least one; from one run the band is that run's duration, drawn as a line); before that the
 * panel says how many it takes, and neither the chart nor its key shows a band.
 */
function trendView(history: readonly HistoryItem[], nextExpectedAt: number | undefined, minRuns: number): TrendView {
  const runs = history.filter((h): h is RunRecord => h.kind === 'run').map((r) => ({ statusKind: r.run.statusKind, durationMs: r.run.result.duration_ms }));
  const s = summarizeRuns(runs);
  const successes = runs.filter((r) => r.statusKind === 'success').length;
  const needed = baselineRunsNeeded(minRuns);
  const t = vscode.l10n.t;
  const items: Array<[string, string]> = [];
  if (s.runs > 0) items.push([t('Success rate'), countText(s.runs, t('{0}% of {1} run|{0}% of {1} runs', formatNumber(Math.round(s.successRate * 100)), formatNumber(s.runs)))]);
  // Of a single run there is no median to tell: its duration is the latest run's, shown above.
  if (s.runs > 1) items.push([t('Duration p50 / p95'), `${durationText(s.p50DurationMs)} / ${durationText(s.p95DurationMs)}`]);
  const banded = successes >= needed && Number.isFinite(s.usualLowMs) && Number.isFinite(s.usualHighMs);
  const usualLabel = t('Usual duration (p25–p75 of successful runs)');
  if (banded) items.push([usualLabel, `${durationText(s.usualLowMs)} – ${durationText(s.usualHighMs)}`]);
  else if (s.runs > 0) items.push([usualLabel, countText(needed, t('shown after {0} successful run ({1} so far)|shown after {0} successful runs ({1} so far)', formatNumber(needed), formatNumber(successes)))]);
  if (nextExpectedAt !== undefined) items.push([t('Next run expected'), momentText(nextExpectedAt)]);
  return { items, ...(banded ? { usualLowMs: s.usualLowMs, usualHighMs: s.usualHighMs } : {}), language: vscode.env.language };
}

function labels(): PanelLabels {
  const t = vscode.l10n.t;
  return {
    latestRun: t('Latest run'),
    history: t('History'),
    charts: t('Charts'),
    duration: t('Duration'),
    rows: t('Rows'),
    rowsLoaded: t('Rows loaded'),
    rowsExported: t('Rows exported'),
    pipeline: t('Pipeline'),
    started: t('Started'),
    finished: t('Finished'),
    dataQuality: t('Data quality'),
    package: t('Package'),
    error: t('Error'),
    source: t('Source'),
    status: t('Status'),
    stateKey: t('State key'),
    expiresIn: t('expires in'),
    expired: t('expired'),
    noTtl: t('no expiry'),
    ttlUnknown: t('TTL not known (not connected)'),
    pollNow: t('Poll Now'),
    copyJson: t('Copy JSON'),
    openConfig: t('Open Pipeline Config'),
    mute: t('Mute'),
    unmute: t('Unmute'),
    noRuns: t('No run of this pipeline is known yet. Poll Now reads its state key.'),
    chartDuration: t('Duration per run'),
    chartRows: t('Rows loaded and exported per run'),
    usualBand: t('usual duration'),
    chartKeys: t('Chart keys'),
    // The duration axis's unit templates, {0} kept for the webview to fill: seconds as the panel's
    // durations write them ("{0}s"), the others as short.
    durationUnits: { ms: t('{0}ms', '{0}'), s: t('{0}s', '{0}'), m: t('{0}m', '{0}'), h: t('{0}h', '{0}') },
  };
}

/** Static HTML: no data in it. CSP allows only our stylesheet and the one nonce'd script. */
function html(webview: vscode.Webview, extensionUri: vscode.Uri): string {
  const nonce = randomBytes(16).toString('base64');
  const script = webview.asWebviewUri(vscode.Uri.joinPath(extensionUri, 'dist', 'webview', 'panel.js'));
  const style = webview.asWebviewUri(vscode.Uri.joinPath(extensionUri, 'media', 'panel.css'));
  // The chart library's own stylesheet, bundled by esbuild beside the script.
  const chartStyle = webview.asWebviewUri(vscode.Uri.joinPath(extensionUri, 'dist', 'webview', 'panel.css'));
  const csp = [`default-src 'none'`, `style-src ${webview.cspSource}`, `img-src ${webview.cspSource}`, `script-src 'nonce-${nonce}'`].join('; ');
  return `<!DOCTYPE html>
<html lang="${vscode.env.language}">
<head>
<meta charset="UTF-8">
<meta http-equiv="Content-Security-Policy" content="${csp}">
<meta name="viewport" content="width=device-width, initial-scale=1.0">
<link rel="stylesheet" href="${chartStyle}">
<link rel="stylesheet" href="${style}">
<title>TDTP</title>
</head>
<body>
<main id="root" aria-live="polite"></main>
<script nonce="${nonce}" src="${script}"></script>
</body>
</html>`;
}

