import * as vscode from 'vscode';
import { countText, formatNumber } from '../words/format';
import type { AwaySummary } from '../../core/history/away';
import { hasNews, summarizeAway } from '../../core/history/away';
import { Disposable } from '../../core/lifecycle';
import { inertText } from '../../core/text';
import type { Viewer } from '../connections/viewer';
import type { WatchedConnection } from '../connections/watchedConnection';

/** How long the summary waits for connections that restored a history to load their state keys. */
const SETTLE_MS = 30_000;

export interface ShownAwaySummary {
  readonly message: string;
  readonly summaries: ReadonlyArray<{ readonly connection: string; readonly summary: AwaySummary }>;
}

/**
 * "While you were away": once, after activation, when connections restored a history from disk and
 * have read Redis since, ONE notification says what changed in the meantime (never a toast per
 * old run), with Show listing the pipelines concerned.
 */
export class AwayNotifier extends Disposable {
  private readonly waiting: Set<WatchedConnection>;
  private readonly collected: Array<{ connection: WatchedConnection; summary: AwaySummary }> = [];
  private timer: ReturnType<typeof setTimeout> | undefined;
  private readonly shownEmitter = this.register(new vscode.EventEmitter<ShownAwaySummary>());
  /** For tests and the log: what was shown. */
  readonly onDidShow = this.shownEmitter.event;

  constructor(
    private readonly viewer: Viewer,
    private readonly log: vscode.LogOutputChannel,
  ) {
    super();
    // Connections still loading their journal may restore a model: wait for them, then ask.
    this.waiting = new Set(viewer.connections.filter((c) => c.history?.mayHaveBaseline));
    if (this.waiting.size === 0) return;
    for (const connection of this.waiting) void connection.history?.loaded.then(() => !connection.history?.hasBaseline && this.settled(connection));
    this.register(
      viewer.onDidReconcile(({ connection, report }) => {
        if (report.source !== 'loaded' || !this.waiting.has(connection)) return;
        const baseline = connection.history?.takeBaselineOnce();
        if (baseline) this.collected.push({ connection, summary: summarizeAway(baseline, connection.store) });
        this.settled(connection);
      }),
    );
    // A connection that cannot connect says nothing about the time away.
    this.register(viewer.onDidChangeState((connection) => ['failed', 'notConfigured', 'idle'].includes(connection.state.kind) && this.settled(connection)));
    this.timer = setTimeout(() => this.show(), SETTLE_MS);
    this.register({ dispose: () => clearTimeout(this.timer) });
  }

  private settled(connection: WatchedConnection): void {
    if (!this.waiting.delete(connection)) return;
    if (this.waiting.size === 0) this.show();
  }

  private show(): void {
    clearTimeout(this.timer);
    this.waiting.clear();
    const news = this.collected.filter((c) => hasNews(c.summary));
    if (news.length === 0) return;
    const total = (pick: (s: AwaySummary) => readonly string[] | number) => news.reduce((n, c) => n + (typeof pick(c.summary) === 'number' ? (pick(c.summary) as number) : (pick(c.summary) as readonly string[]).length), 0);
    const parts = [
      [total((s) => s.failed), (n: number) => vscode.l10n.t('{0} failed', n)],
      [total((s) => s.recovered), (n: number) => vscode.l10n.t('{0} recovered', n)],
      [total((s) => s.dataQuality), (n: number) => countText(n, vscode.l10n.t('{0} with a data-quality warning|{0} with data-quality warnings', formatNumber(n)))],
      [total((s) => s.expired), (n: number) => countText(n, vscode.l10n.t('{0} state expired|{0} states expired', formatNumber(n)))],
      [total((s) => s.added), (n: number) => countText(n, vscode.l10n.t('{0} new pipeline|{0} new pipelines', formatNumber(n)))],
    ] as const;
    const said = parts.filter(([n]) => n > 0).map(([n, word]) => word(n));
    const runs = total((s) => s.runs);
    const message = said.length
      ? countText(runs, vscode.l10n.t('TDTP: while you were away, {0} run arrived: {1}.|TDTP: while you were away, {0} runs arrived: {1}.', formatNumber(runs), said.join(', ')))
      : countText(runs, vscode.l10n.t('TDTP: while you were away, {0} run arrived, all as before.|TDTP: while you were away, {0} runs arrived, all as before.', formatNumber(runs)));
    this.log.info(`While you were away: ${news.map((c) => `[${c.connection.name}] ${JSON.stringify(c.summary)}`).join(' ')}`);
    this.shownEmitter.fire({ message, summaries: news.map((c) => ({ connection: c.connection.name, summary: c.summary })) });
    const showButton = vscode.l10n.t('Show');
    void vscode.window.showInformationMessage(message, showButton).then((choice) => {
      if (choice === showButton) void this.pick(news);
    });
  }

  /** The pipelines concerned, worst first; picking one opens its details. */
  private async pick(news: ReadonlyArray<{ connection: WatchedConnection; summary: AwaySummary }>): Promise<void> {
    const items: Array<vscode.QuickPickItem & { resultName: string; connection: string }> = [];
    for (const { connection, summary } of news) {
      const what = new Map<string, string[]>();
      const note = (names: readonly string[], word: string) => names.forEach((name) => what.set(name, [...(what.get(name) ?? []), word]));
      note(summary.failed, vscode.l10n.t('failed'));
      note(summary.recovered, vscode.l10n.t('recovered'));
      note(summary.dataQuality, vscode.l10n.t('data-quality warning'));
      note(summary.expired, vscode.l10n.t('state expired'));
      note(summary.added, vscode.l10n.t('new'));
      for (const [name, words] of what) {
        items.push({ label: inertText(name), description: words.join(', '), detail: this.viewer.multiple ? inertText(connection.name) : undefined, resultName: name, connection: connection.name });
      }
    }
    const chosen = await vscode.window.showQuickPick(items, { title: vscode.l10n.t('TDTP: what changed while you were away'), matchOnDescription: true });
    if (chosen) void vscode.commands.executeCommand('tdtp.showDetails', chosen.resultName, chosen.connection);
  }
}
