import * as vscode from 'vscode';
import type { AlertSettings, AlertTransition, Lateness, PipelineAlerts } from '../../core/alerts/tracker';
import { AlertTracker } from '../../core/alerts/tracker';
import type { RejectedMessage } from '../../core/decode';
import type { StatusCounts } from '../../core/storeTypes';
import { PipelineStore } from '../../core/store';
import type { StoreChange } from '../../core/changeBatch';
import type { RunRecord } from '../../core/runs';
import { Disposable, DisposableStore } from '../../core/lifecycle';
import type { ReconcileReport } from '../../core/watcher';
import type { Config } from '../settings/config';
import type { JournalPlace } from './journal';
import { ConnectionJournal } from './journal';
import type { PasswordStore } from './secrets';
import type { WatchedConnectionState } from '../../core/connection';
import { WatchedConnection } from './watchedConnection';

export interface ConnectionRun {
  readonly connection: WatchedConnection;
  readonly record: RunRecord;
  /** What the run changed about its pipeline (first failure, recovery, …), from the alert rules. */
  readonly transitions: readonly AlertTransition[];
}

export interface LatePipeline {
  readonly connection: WatchedConnection;
  readonly resultName: string;
  readonly late: Lateness;
  /** When it was found late: the `now` of the check (tests pass their own). */
  readonly at: number;
}

/** Lateness is checked this often: cheap (one comparison per pipeline), and fine enough for cadences of seconds. */
const LATENESS_CHECK_MS = 1000;

export interface ConnectionChange {
  readonly connection: WatchedConnection;
  readonly change: StoreChange;
}

/**
 * All watched connections. One "default" connection from `tdtp.redis.*`, or one per
 * `tdtp.connections` entry. Views listen here once and learn which connection an event is about.
 */
export class Viewer extends Disposable {
  private list: WatchedConnection[] = [];
  private readonly perConnection = new Map<WatchedConnection, DisposableStore>();
  private readonly connectionsEmitter = this.register(new vscode.EventEmitter<void>());
  private readonly stateEmitter = this.register(new vscode.EventEmitter<WatchedConnection>());
  private readonly changeEmitter = this.register(new vscode.EventEmitter<ConnectionChange>());
  private readonly runEmitter = this.register(new vscode.EventEmitter<ConnectionRun>());
  private readonly rejectEmitter = this.register(new vscode.EventEmitter<{ connection: WatchedConnection; message: RejectedMessage }>());
  private readonly reconcileEmitter = this.register(new vscode.EventEmitter<{ connection: WatchedConnection; report: ReconcileReport }>());
  private readonly lateEmitter = this.register(new vscode.EventEmitter<LatePipeline>());
  /** The alert rules' memory of each connection's pipelines. */
  private readonly trackers = new Map<WatchedConnection, AlertTracker>();
  private alertSettings: AlertSettings;

  /** Connections were added or removed. */
  readonly onDidChangeConnections = this.connectionsEmitter.event;
  readonly onDidChangeState = this.stateEmitter.event;
  /** Coalesced store changes (see PipelineStore.onDidChange). */
  readonly onDidChange = this.changeEmitter.event;
  /** Every run added to any store. */
  readonly onDidAddRun = this.runEmitter.event;
  readonly onDidReject = this.rejectEmitter.event;
  readonly onDidReconcile = this.reconcileEmitter.event;
  /** A pipeline turned late (once, until its next run arrives). */
  readonly onDidTurnLate = this.lateEmitter.event;

  constructor(
    private readonly config: Config,
    private readonly passwords: PasswordStore,
    private readonly log: vscode.LogOutputChannel,
    /** Where the persisted history lives; undefined: kept in memory only. */
    private readonly journalPlace?: JournalPlace,
  ) {
    super();
    this.register(
      config.onDidChange((change) => {
        if (change === 'connection') this.sync('Connection settings changed');
        if (change === 'model') this.applyModelSettings();
        if (change === 'alerts') this.applyAlertSettings();
      }),
    );
    this.alertSettings = this.readAlertSettings();
    const timer = setInterval(() => this.checkLateness(Date.now()), LATENESS_CHECK_MS);
    this.register({ dispose: () => clearInterval(timer) });
    this.register(passwords.onDidChange(({ connection, kind }) => (kind === 'redis' || kind === 'sentinel') && this.get(connection)?.reconnectIfActive('The Redis password changed')));
    this.sync(undefined);
  }

  get connections(): readonly WatchedConnection[] {
    return this.list;
  }

  /** More than one connection: views name the connection of everything they show. */
  get multiple(): boolean {
    return this.list.length > 1;
  }

  get(name: string | undefined): WatchedConnection | undefined {
    return name === undefined ? this.list[0] : this.list.find((s) => s.name === name);
  }

  connectAll(): Promise<unknown> {
    return Promise.all(this.list.map((s) => s.connect()));
  }

  counts(): StatusCounts {
    const total: StatusCounts = { success: 0, failed: 0, completed_with_errors: 0, dq_warning: 0, unknown: 0, total: 0 };
    for (const connection of this.list) {
      const c = connection.store.counts();
      for (const key of Object.keys(total) as Array<keyof StatusCounts>) total[key] += c[key];
    }
    return total;
  }

  /** What the alert rules know about a pipeline: failures in a row, lateness, an unusual latest run. */
  alertsOf(connection: WatchedConnection, resultName: string): PipelineAlerts | undefined {
    return this.trackers.get(connection)?.get(resultName);
  }

  /** The alert settings as last read (once per change): views take these, parsing them again costs. */
  get currentAlertSettings(): AlertSettings {
    return this.alertSettings;
  }

  /** Whether a pipeline of the connection is late now; undefined when none of its pipelines is (nothing to ask). */
  latenessOf(connection: WatchedConnection): ((resultName: string) => boolean) | undefined {
    const tracker = this.trackers.get(connection);
    if (!tracker || tracker.lateCount() === 0) return undefined;
    return (resultName) => tracker.isLate(resultName);
  }

  /** Pipelines late now, over every connection. */
  lateCount(): number {
    let n = 0;
    for (const tracker of this.trackers.values()) n += tracker.lateCount();
    return n;
  }

  /** The timer's work, public so tests can run it at a time of their choosing. */
  checkLateness(now: number): void {
    for (const connection of this.list) {
      const tracker = this.trackers.get(connection);
      // Until Redis has been read once, a pipeline known only from the persisted history may well
      // have run meanwhile: its runs are on their way (state keys, streams), so it is not late yet.
      if (!tracker || !connection.lastReconcile) continue;
      const { store } = connection;
      // A cleared store (the settings point at another server) leaves nothing to be late.
      tracker.retain((name) => store.has(name));
      for (const { resultName, late } of tracker.checkLate(now, (name) => store.get(name)?.stateExpired === true)) this.lateEmitter.fire({ connection, resultName, late, at: now });
    }
  }

  private readAlertSettings(): AlertSettings {
    const { settings, problems } = this.config.alerts;
    for (const problem of problems) this.log.error(`Setting rejected: ${problem}`);
    return settings;
  }

  private applyAlertSettings(): void {
    this.alertSettings = this.readAlertSettings();
    for (const tracker of this.trackers.values()) tracker.setSettings(this.alertSettings);
  }

  /** Re-reads the list of connections: new ones are created, removed ones closed, the rest reconnect. */
  private sync(reason: string | undefined): void {
    const { profiles, problems } = this.config.connectionProfiles();
    for (const problem of problems) this.log.error(`Setting rejected: ${problem}`);
    const wanted = new Map(profiles.map((p) => [p.name, p]));
    let structural = false;
    for (const connection of [...this.list]) {
      const profile = wanted.get(connection.name);
      if (!profile) {
        this.remove(connection);
        structural = true;
      } else {
        connection.setProfile(profile);
        if (reason) connection.reconnectIfActive(reason);
      }
    }
    for (const profile of profiles) {
      if (this.get(profile.name)?.name === profile.name) continue;
      const store = this.newStore();
      const history = this.journalPlace && new ConnectionJournal(profile.name, store, this.journalPlace);
      const connection = this.add(new WatchedConnection(profile, this.passwords, this.log, store, history));
      structural = true;
      // A connection added while the others are live connects too; at start-up, activate() decides.
      if (reason && this.config.autoConnect) void connection.connect();
    }
    // Keep the settings' order.
    this.list.sort((a, b) => profiles.findIndex((p) => p.name === a.name) - profiles.findIndex((p) => p.name === b.name));
    if (structural) this.connectionsEmitter.fire();
  }

  private newStore(): PipelineStore {
    const { tolerance, problem } = this.config.tolerance;
    if (problem) this.log.error(`Setting rejected: tdtp.dataQuality: ${problem}; using 0.`);
    return new PipelineStore({ historySize: this.config.historySize, tolerance, limits: this.config.limits });
  }

  private applyModelSettings(): void {
    const { tolerance, problem } = this.config.tolerance;
    if (problem) this.log.error(`Setting rejected: tdtp.dataQuality: ${problem}; using 0.`);
    for (const connection of this.list) {
      connection.store.setHistorySize(this.config.historySize);
      connection.store.setTolerance(tolerance);
      connection.store.setLimits(this.config.limits);
      connection.history?.applyPersistSetting();
    }
  }

  private add(connection: WatchedConnection): WatchedConnection {
    const { store } = connection;
    const listeners = new DisposableStore();
    const tracker = new AlertTracker(this.alertSettings);
    this.trackers.set(connection, tracker);
    listeners.add(store.onDidChange((change) => this.changeEmitter.fire({ connection, change })));
    // The rules see each run before anyone listening here does, so every listener gets its transitions.
    listeners.add(store.onDidAddRun((record) => this.runEmitter.fire({ connection, record, transitions: tracker.observe(record) })));
    // The rules' memory comes back with the persisted history (restored before this connection was
    // added, or when it moves to another server): a pipeline failing or silent before a restart still
    // is, and its next success is a recovery. Restored runs only teach; their transitions are old news.
    seedFromStore(tracker, store);
    listeners.add(store.onDidRestoreRun((record) => void tracker.observe(record)));
    listeners.add(store.onDidMutate((m) => m.kind === 'forget' && (m.resultName === undefined ? tracker.clear() : tracker.forget(m.resultName))));
    listeners.add(store.onDidReject((message) => this.rejectEmitter.fire({ connection, message })));
    listeners.add(connection.onDidChangeState(() => this.stateEmitter.fire(connection)));
    listeners.add(connection.onDidReconcile((report) => this.reconcileEmitter.fire({ connection, report })));
    this.perConnection.set(connection, listeners);
    this.list.push(connection);
    return connection;
  }

  private remove(connection: WatchedConnection): void {
    this.list = this.list.filter((s) => s !== connection);
    this.perConnection.get(connection)?.dispose();
    this.perConnection.delete(connection);
    this.trackers.delete(connection);
    this.log.info(`[${connection.name}] Connection removed from the settings.`);
    connection.dispose();
  }

  override dispose(): void {
    for (const connection of [...this.list]) {
      this.perConnection.get(connection)?.dispose();
      connection.dispose();
    }
    this.perConnection.clear();
    this.list = [];
    super.dispose();
  }
}

export type { WatchedConnectionState };

/** Teaches a new tracker every run the store already holds, oldest first per pipeline. */
function seedFromStore(tracker: AlertTracker, store: PipelineStore): void {
  for (const { resultName } of store.list()) {
    const items = store.history(resultName);
    for (let i = items.length - 1; i >= 0; i--) {
      const item = items[i];
      if (item.kind === 'run') tracker.observe(item);
    }
  }
}
