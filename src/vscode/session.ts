import * as vscode from 'vscode';
import { ConnectionState } from '../core/connection';
import { DisposableStore } from '../core/emitter';
import { ConnectionProblem } from '../core/problems';
import { describeEndpoint, parseConnectionSettings, SettingProblem } from '../core/settings';
import { PipelineStore } from '../core/store';
import { PipelineWatcher, PollResult, ReconcileReport } from '../core/watcher';
import { Config, SETTING_NAMES } from './config';
import { PasswordStore } from './secrets';

/** What the views show about the connection: the core's state, or settings that cannot work. */
export type ViewerState = ConnectionState | { readonly kind: 'notConfigured'; readonly problems: readonly string[] };

/**
 * Owns the watcher for the current settings. The store outlives reconnects (views subscribe to it
 * once); it is cleared only when the settings point at another server or prefix.
 */
export class ViewerSession implements vscode.Disposable {
  private watcher: PipelineWatcher | undefined;
  private watcherListeners = new DisposableStore();
  private stateValue: ViewerState = { kind: 'idle' };
  private endpointKey: string | undefined;
  private readonly stateEmitter = new vscode.EventEmitter<ViewerState>();
  private readonly reconcileEmitter = new vscode.EventEmitter<ReconcileReport>();
  private readonly disposables: vscode.Disposable[] = [];
  /** Serialises (re)connects: settings and password changes can arrive together. */
  private connecting: Promise<void> = Promise.resolve();

  readonly onDidChangeState = this.stateEmitter.event;
  readonly onDidReconcile = this.reconcileEmitter.event;

  constructor(
    readonly store: PipelineStore,
    private readonly config: Config,
    private readonly passwords: PasswordStore,
    private readonly log: vscode.LogOutputChannel,
  ) {
    this.disposables.push(
      this.stateEmitter,
      this.reconcileEmitter,
      config.onDidChange((change) => {
        if (change === 'connection' && this.stateValue.kind !== 'idle') {
          log.info('Connection settings changed; reconnecting.');
          void this.connect();
        }
      }),
      passwords.onDidChange(() => {
        if (this.stateValue.kind !== 'idle') {
          log.info('The Redis password changed; reconnecting.');
          void this.connect();
        }
      }),
    );
  }

  get state(): ViewerState {
    return this.stateValue;
  }

  get endpoint(): string | undefined {
    return this.watcher?.connection.endpoint;
  }

  get lastReconcile(): ReconcileReport | undefined {
    return this.watcher?.lastReconcile;
  }

  /** (Re)connects with the current settings and password. */
  connect(): Promise<void> {
    this.connecting = this.connecting.then(() => this.connectNow());
    return this.connecting;
  }

  private async connectNow(): Promise<void> {
    const password = await this.passwords.get();
    const { input, problems: fileProblems } = this.config.connectionInput(password);
    const parsed = parseConnectionSettings(input);
    const problems: SettingProblem[] = [...fileProblems, ...(parsed.ok ? [] : parsed.problems)];
    this.disposeWatcher();
    if (!parsed.ok || problems.length) {
      const messages = problems.map((p) => `${SETTING_NAMES[p.setting] ?? p.setting}: ${p.message}`);
      for (const message of messages) this.log.error(`Setting rejected: ${message}`);
      this.setState({ kind: 'notConfigured', problems: messages });
      return;
    }
    const settings = parsed.settings;
    const key = `${describeEndpoint(settings)}|${settings.prefix}`;
    if (this.endpointKey !== undefined && this.endpointKey !== key) {
      this.log.info(`Now watching ${describeEndpoint(settings)}; the pipelines of the previous server are cleared.`);
      this.store.clear();
    }
    this.endpointKey = key;
    const watcher = new PipelineWatcher(settings, this.store);
    this.watcher = watcher;
    this.watcherListeners.add(watcher.onDidChangeState((state) => this.setState(state)));
    this.watcherListeners.add(watcher.connection.onWarning((message) => this.log.warn(message)));
    this.watcherListeners.add(watcher.onReconcileFailed((message) => this.log.error(message)));
    this.watcherListeners.add(watcher.onDidReconcile((report) => this.reconcileEmitter.fire(report)));
    watcher.start();
  }

  /** Reconnect now if waiting for a retry, or connect if idle/failed. */
  retry(): Promise<void> {
    if (this.watcher && (this.stateValue.kind === 'reconnecting')) {
      this.watcher.connection.retryNow();
      return Promise.resolve();
    }
    return this.connect();
  }

  disconnect(): void {
    this.disposeWatcher();
    this.setState({ kind: 'idle' });
  }

  async refresh(): Promise<ReconcileReport> {
    if (!this.watcher) throw new Error(vscode.l10n.t('Not connected to Redis.'));
    return this.watcher.refresh();
  }

  async poll(resultName: string): Promise<PollResult> {
    if (!this.watcher) throw new Error(vscode.l10n.t('Not connected to Redis.'));
    return this.watcher.poll(resultName);
  }

  /** Tolerance and history size apply to the live model without reconnecting. */
  applyModelSettings(): void {
    this.store.setHistorySize(this.config.historySize);
    const { tolerance, problem } = this.config.tolerance;
    if (problem) this.log.error(`Setting rejected: tdtp.dataQuality: ${problem}; using 0.`);
    this.store.setTolerance(tolerance);
  }

  private disposeWatcher(): void {
    this.watcherListeners.dispose();
    this.watcherListeners = new DisposableStore();
    this.watcher?.dispose();
    this.watcher = undefined;
  }

  private setState(state: ViewerState): void {
    this.stateValue = state;
    this.stateEmitter.fire(state);
  }

  dispose(): void {
    this.disposeWatcher();
    for (const d of this.disposables) d.dispose();
  }
}

export function problemOf(state: ViewerState): ConnectionProblem | undefined {
  return state.kind === 'failed' || state.kind === 'reconnecting' ? state.problem : undefined;
}
