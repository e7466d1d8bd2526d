import type * as vscode from 'vscode';
import type { AwayBaseline } from '../../core/history/away';
import { takeBaseline } from '../../core/history/away';
import { historyIdentity } from '../../core/history/identity';
import type { LoadReport } from '../../core/history/journal';
import { HistoryJournal, eraseAllHistory, eraseHistoryOf } from '../../core/history/journal';
import type { ConnectionSettings } from '../../core/settings';
import type { PipelineStore } from '../../core/store';

/** Where journals live and whether they are kept: shared by every connection's history. */
export interface JournalPlace {
  /** `context.globalStorageUri`: per machine (the remote one in Remote/code-server), not per workspace. */
  readonly dir: string;
  /** `tdtp.history.persist`. */
  persist(): boolean;
  readonly log: vscode.LogOutputChannel;
}

/**
 * One connection's persisted history: the journal of the server its settings point at. It fills
 * the store from disk as soon as the settings are known (before any connection), and keeps what
 * the model looked like then, for the "while you were away" summary after the first reconcile.
 */
export class ConnectionJournal implements vscode.Disposable {
  private journal: HistoryJournal | undefined;
  private identity: string | undefined;
  private settings: ConnectionSettings | undefined;
  /** When the viewer was last connected to this server, until the first connect of this session. */
  private resumeFrom: number | undefined;
  private baselineValue: AwayBaseline | undefined;
  private lastLoadValue: LoadReport | undefined;

  constructor(
    private readonly connectionName: string,
    private readonly store: PipelineStore,
    private readonly place: JournalPlace,
  ) {}

  /**
   * Opens the journal of the server `settings` name, unless it is open already, and loads it in
   * slices (the extension host is never blocked long; the tree fills as it goes); the store must be
   * empty when the server changes. Resolves, once loaded, with the start of the gap to mark at the
   * first connect (the time the window was closed), if there is one.
   */
  attach(settings: ConnectionSettings): Promise<number | undefined> {
    this.settings = settings;
    if (!this.place.persist()) return Promise.resolve(undefined);
    const identity = historyIdentity(settings);
    if (this.journal && identity === this.identity) return this.loaded.then(() => this.resumeFrom);
    this.detach();
    this.identity = identity;
    let journal: HistoryJournal;
    try {
      journal = HistoryJournal.start(this.store, { dir: this.place.dir, identity });
    } catch (err) {
      // A journal never stops the viewer: without it, the viewer works as before.
      this.place.log.error(`[${this.connectionName}] The persisted history cannot be used: ${(err as Error).message}`);
      return Promise.resolve(undefined);
    }
    this.journal = journal;
    this.loadingNow = true;
    this.loading = journal.ready.then((report) => {
      if (this.journal !== journal) return;
      this.loadingNow = false;
      this.lastLoadValue = report;
      journal.onWriteProblem((p) => this.place.log.error(`[${this.connectionName}] The history could not be saved to ${p.file}: ${p.message}`));
      this.logLoad(report);
      const restored = report.pipelines > 0;
      this.resumeFrom = restored ? report.lastSeen : undefined;
      this.baselineValue = restored ? takeBaseline(this.store) : undefined;
    });
    return this.loading.then(() => this.resumeFrom);
  }

  private loading: Promise<void> = Promise.resolve();
  private loadingNow = false;

  /** Resolves once the journal attached last has loaded. */
  get loaded(): Promise<void> {
    return this.loading;
  }

  /** A journal is being loaded, or what it restored waits for the first reconcile: a "while you were away" may follow. */
  get mayHaveBaseline(): boolean {
    return this.baselineValue !== undefined || this.loadingNow;
  }

  /** The journal's file while one is open. */
  get file(): string | undefined {
    return this.journal?.file;
  }

  /** What the last load found (for the log and tests). */
  get lastLoad(): LoadReport | undefined {
    return this.lastLoadValue;
  }

  /** Writes pending changes now (they are written within a quarter of a second anyway). */
  flush(): void {
    this.journal?.flush();
  }

  /** The model as it was restored, until `takeBaselineOnce` hands it out. */
  takeBaselineOnce(): AwayBaseline | undefined {
    const baseline = this.baselineValue;
    this.baselineValue = undefined;
    return baseline;
  }

  get hasBaseline(): boolean {
    return this.baselineValue !== undefined;
  }

  /** Connected or not; the first connect ends the gap since the window was closed. */
  setLive(live: boolean): void {
    this.journal?.setLive(live);
    if (live) this.resumeFrom = undefined;
  }

  /** Closes the journal (its server is no longer the one watched); the store is left alone. */
  detach(): void {
    this.journal?.dispose();
    this.journal = undefined;
    this.identity = undefined;
    this.loadingNow = false;
  }

  /** After Clear History: the file is rewritten at once, so nothing cleared stays on disk. */
  compact(): void {
    this.journal?.compact();
  }

  /** `tdtp.history.persist` changed: off deletes the journal, on starts one from the model. */
  applyPersistSetting(): void {
    if (!this.place.persist()) {
      if (this.journal) this.journal.erase();
      // The other servers' journals (connections watched before) go too: nothing stays on disk.
      eraseAllHistory(this.place.dir);
      this.journal = undefined;
      this.identity = undefined;
      this.baselineValue = undefined;
      return;
    }
    if (this.journal || !this.settings) return;
    // An older file (another window kept writing) is older than the model: start from the model.
    this.identity = historyIdentity(this.settings);
    eraseHistoryOf(this.place.dir, this.identity);
    this.journal = new HistoryJournal(this.store, { dir: this.place.dir, identity: this.identity });
  }

  private logLoad(report: LoadReport): void {
    const tag = `[${this.connectionName}]`;
    if (report.readOnly) this.place.log.info(`${tag} Another window (or connection) keeps the history of this server in ${report.file}; this one reads it and writes nothing.`);
    if (report.setAside) {
      const why = report.setAside.reason === 'lines' ? `${report.setAside.badLines} damaged lines` : report.setAside.reason === 'header' ? 'it is not a history file of this server' : `it cannot be read (${report.setAside.detail})`;
      this.place.log.warn(`${tag} The persisted history ${report.file} was set aside as ${report.setAside.path} (${why}); ${report.runs} runs of ${report.pipelines} pipelines restored.`);
    } else if (report.pipelines > 0) {
      this.place.log.info(`${tag} Restored ${report.runs} runs of ${report.pipelines} pipelines from ${report.file} in ${report.durationMs} ms${report.truncatedTail ? ' (its last, cut-off record was dropped)' : ''}${report.compacted ? '; it had grown past twice the model and was rewritten' : ''}.`);
    }
  }

  dispose(): void {
    this.detach();
  }
}

/** Persistence turned off at start-up: nothing stays on disk. */
export function eraseJournalsIfOff(place: JournalPlace): void {
  if (!place.persist()) eraseAllHistory(place.dir);
}
