import * as vscode from 'vscode';
import { RejectedMessage } from '../core/decode';
import { PipelineStore, RunRecord, StatusCounts, StoreChange } from '../core/store';
import { ReconcileReport } from '../core/watcher';
import { Config } from './config';
import { PasswordStore } from './secrets';
import { ViewerSession, ViewerState } from './session';

export interface SessionRun {
  readonly session: ViewerSession;
  readonly record: RunRecord;
}

export interface SessionChange {
  readonly session: ViewerSession;
  readonly change: StoreChange;
}

/**
 * All watched connections. One "default" connection from `tdtp.redis.*`, or one per
 * `tdtp.connections` entry. Views listen here once and learn which connection an event is about.
 */
export class Viewer implements vscode.Disposable {
  private sessionList: ViewerSession[] = [];
  private readonly perSession = new Map<ViewerSession, vscode.Disposable[]>();
  private readonly sessionsEmitter = new vscode.EventEmitter<void>();
  private readonly stateEmitter = new vscode.EventEmitter<ViewerSession>();
  private readonly changeEmitter = new vscode.EventEmitter<SessionChange>();
  private readonly runEmitter = new vscode.EventEmitter<SessionRun>();
  private readonly rejectEmitter = new vscode.EventEmitter<{ session: ViewerSession; message: RejectedMessage }>();
  private readonly reconcileEmitter = new vscode.EventEmitter<{ session: ViewerSession; report: ReconcileReport }>();
  private readonly disposables: vscode.Disposable[] = [];

  /** Connections were added or removed. */
  readonly onDidChangeSessions = this.sessionsEmitter.event;
  readonly onDidChangeState = this.stateEmitter.event;
  /** Coalesced store changes (see PipelineStore.onDidChange). */
  readonly onDidChange = this.changeEmitter.event;
  /** Every run added to any store. */
  readonly onDidAddRun = this.runEmitter.event;
  readonly onDidReject = this.rejectEmitter.event;
  readonly onDidReconcile = this.reconcileEmitter.event;

  constructor(
    private readonly config: Config,
    private readonly passwords: PasswordStore,
    private readonly log: vscode.LogOutputChannel,
  ) {
    this.disposables.push(
      this.sessionsEmitter,
      this.stateEmitter,
      this.changeEmitter,
      this.runEmitter,
      this.rejectEmitter,
      this.reconcileEmitter,
      config.onDidChange((change) => {
        if (change === 'connection') this.sync('Connection settings changed');
        if (change === 'model') this.applyModelSettings();
      }),
      passwords.onDidChange((name) => this.get(name)?.reconnectIfActive('The Redis password changed')),
    );
    this.sync(undefined);
  }

  get sessions(): readonly ViewerSession[] {
    return this.sessionList;
  }

  /** More than one connection: views name the connection of everything they show. */
  get multiple(): boolean {
    return this.sessionList.length > 1;
  }

  get(name: string | undefined): ViewerSession | undefined {
    return name === undefined ? this.sessionList[0] : this.sessionList.find((s) => s.name === name);
  }

  connectAll(): Promise<unknown> {
    return Promise.all(this.sessionList.map((s) => s.connect()));
  }

  counts(): StatusCounts {
    const total: StatusCounts = { success: 0, failed: 0, completed_with_errors: 0, dq_warning: 0, unknown: 0, total: 0 };
    for (const session of this.sessionList) {
      const c = session.store.counts();
      for (const key of Object.keys(total) as Array<keyof StatusCounts>) total[key] += c[key];
    }
    return total;
  }

  /** Re-reads the list of connections: new ones are created, removed ones closed, the rest reconnect. */
  private sync(reason: string | undefined): void {
    const { profiles, problems } = this.config.connectionProfiles();
    for (const problem of problems) this.log.error(`Setting rejected: ${problem}`);
    const wanted = new Map(profiles.map((p) => [p.name, p]));
    let structural = false;
    for (const session of [...this.sessionList]) {
      const profile = wanted.get(session.name);
      if (!profile) {
        this.remove(session);
        structural = true;
      } else {
        session.setProfile(profile);
        if (reason) session.reconnectIfActive(reason);
      }
    }
    for (const profile of profiles) {
      if (this.get(profile.name)?.name === profile.name) continue;
      const session = this.add(new ViewerSession(profile, this.passwords, this.log, this.newStore()));
      structural = true;
      // A connection added while the others are live connects too; at start-up, activate() decides.
      if (reason && this.config.autoConnect) void session.connect();
    }
    // Keep the settings' order.
    this.sessionList.sort((a, b) => profiles.findIndex((p) => p.name === a.name) - profiles.findIndex((p) => p.name === b.name));
    if (structural) this.sessionsEmitter.fire();
  }

  private newStore(): PipelineStore {
    const { tolerance, problem } = this.config.tolerance;
    if (problem) this.log.error(`Setting rejected: tdtp.dataQuality: ${problem}; using 0.`);
    return new PipelineStore({ historySize: this.config.historySize, tolerance });
  }

  private applyModelSettings(): void {
    const { tolerance, problem } = this.config.tolerance;
    if (problem) this.log.error(`Setting rejected: tdtp.dataQuality: ${problem}; using 0.`);
    for (const session of this.sessionList) {
      session.store.setHistorySize(this.config.historySize);
      session.store.setTolerance(tolerance);
    }
  }

  private add(session: ViewerSession): ViewerSession {
    const { store } = session;
    const storeChange = store.onDidChange((change) => this.changeEmitter.fire({ session, change }));
    const storeRun = store.onDidAddRun((record) => this.runEmitter.fire({ session, record }));
    const storeReject = store.onDidReject((message) => this.rejectEmitter.fire({ session, message }));
    this.perSession.set(session, [
      { dispose: () => storeChange.dispose() },
      { dispose: () => storeRun.dispose() },
      { dispose: () => storeReject.dispose() },
      session.onDidChangeState(() => this.stateEmitter.fire(session)),
      session.onDidReconcile((report) => this.reconcileEmitter.fire({ session, report })),
    ]);
    this.sessionList.push(session);
    return session;
  }

  private remove(session: ViewerSession): void {
    this.sessionList = this.sessionList.filter((s) => s !== session);
    for (const d of this.perSession.get(session) ?? []) d.dispose();
    this.perSession.delete(session);
    this.log.info(`[${session.name}] Connection removed from the settings.`);
    session.dispose();
  }

  dispose(): void {
    for (const session of [...this.sessionList]) {
      for (const d of this.perSession.get(session) ?? []) d.dispose();
      session.dispose();
    }
    this.sessionList = [];
    for (const d of this.disposables) d.dispose();
  }
}

export type { ViewerState };
