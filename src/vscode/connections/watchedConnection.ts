import * as vscode from 'vscode';
import type { WatchedConnectionState } from '../../core/connection';
import { Disposable, DisposableStore } from '../../core/lifecycle';
import type { ConnectionProblem } from '../../core/problems';
import type { ConnectionSettingsInput, SettingProblem } from '../../core/settings';
import { parseConnectionSettings, settingProblem } from '../../core/settings';
import { describeEndpoint, passwordScope } from '../../core/endpoint';
import type { PipelineStore } from '../../core/store';
import { logValue } from '../../core/text';
import type { PollResult, ReconcileReport } from '../../core/watcher';
import { PipelineWatcher } from '../../core/watcher';
import type { ConnectionJournal } from './journal';
import type { PasswordStore, SecretKind } from './secrets';
import { problemText, warningText } from '../words/problems';

/** What the views show about a connection: the core's state, or settings that cannot work. */

export interface ConnectionSecrets {
  readonly password?: string;
  readonly sentinelPassword?: string;
}

/** Where one named connection's settings come from (user settings, or a `tdtp.connections` entry). */
export interface ConnectionProfile {
  readonly name: string;
  /** Reads the current settings; the password comes from SecretStorage. */
  read(secrets: ConnectionSecrets): { input: ConnectionSettingsInput; problems: SettingProblem[]; settingName(setting: keyof ConnectionSettingsInput): string };
  /** Whether it uses Sentinel (then a second password, the sentinels' own, may be set). */
  readonly usesSentinel: boolean;
  /** Whether workspace or folder settings (of a trusted workspace) shape where it connects: not the user's own say. */
  fromWorkspace?(): boolean;
}

/**
 * One named connection: its watcher and its own store. The store outlives reconnects (views
 * subscribe to it once); it is cleared only when the settings point at another server or prefix.
 */
export class WatchedConnection extends Disposable {
  readonly store: PipelineStore;
  private watcher: PipelineWatcher | undefined;
  private watcherListeners = new DisposableStore();
  private stateValue: WatchedConnectionState = { kind: 'idle' };
  private endpointKey: string | undefined;
  private readonly stateEmitter = this.register(new vscode.EventEmitter<WatchedConnectionState>());
  private readonly reconcileEmitter = this.register(new vscode.EventEmitter<ReconcileReport>());
  private closed = false;
  /** Serialises (re)connects: settings and password changes can arrive together. */
  private connecting: Promise<void> = Promise.resolve();

  readonly onDidChangeState = this.stateEmitter.event;
  readonly onDidReconcile = this.reconcileEmitter.event;

  constructor(
    private profile: ConnectionProfile,
    private readonly passwords: PasswordStore,
    private readonly log: vscode.LogOutputChannel,
    store: PipelineStore,
    /** The persisted history; undefined where there is no storage. */
    readonly history?: ConnectionJournal,
  ) {
    super();
    // Disposed newest first: the watcher, the journal, the store, then the emitters.
    this.store = store;
    this.register({ dispose: () => this.store.dispose() });
    // The journal is written last, after the watcher has stopped changing the store.
    if (history) this.register(history);
    this.register({ dispose: () => this.disposeWatcher() });
    this.register({ dispose: () => (this.closed = true) });
    this.restore();
  }

  /** Fills the store from disk at once: the settings name the server, no password is needed for that. */
  private restore(): void {
    if (!this.history) return;
    const { input, problems } = this.profile.read({});
    const parsed = parseConnectionSettings(input);
    if (parsed.ok && problems.length === 0) void this.history.attach(parsed.settings);
  }

  get name(): string {
    return this.profile.name;
  }

  get usesSentinel(): boolean {
    return this.profile.usesSentinel;
  }

  get state(): WatchedConnectionState {
    return this.stateValue;
  }

  get endpoint(): string | undefined {
    return this.watcher?.connection.endpoint;
  }

  get lastReconcile(): ReconcileReport | undefined {
    return this.watcher?.lastReconcile;
  }

  /** New settings for the same name (a changed `tdtp.connections` entry). */
  setProfile(profile: ConnectionProfile): void {
    this.profile = profile;
  }

  /** (Re)connects with the current settings and password. */
  connect(): Promise<void> {
    this.connecting = this.connecting.then(() => this.connectNow(false));
    return this.connecting;
  }

  /**
   * After a settings or password change: reconnects if it is meant to be connected and what it
   * connects with changed (an edit to another `tdtp.connections` entry leaves this one alone).
   */
  reconnectIfActive(reason: string): void {
    if (this.stateValue.kind === 'idle') return;
    this.connecting = this.connecting.then(() => this.connectNow(true, reason));
  }

  /** Where this connection's passwords go now (see passwordScope); undefined while its settings cannot work. */
  passwordScope(): string | undefined {
    const parsed = parseConnectionSettings(this.profile.read({}).input);
    return parsed.ok ? passwordScope(parsed.settings) : undefined;
  }

  /** Questions open about sending a password elsewhere, one per kind and move (the connection does not wait for them). */
  private readonly asking = new Set<string>();

  /**
   * The stored password of `kind` if it may go to `scope`: the endpoint it was saved for. For
   * another endpoint it is held back (a problem of the settings) and the user is asked, without
   * waiting: if they agree it is bound there and the connection retried. A password stored without
   * an endpoint is bound to the first endpoint it connects to when the user's own settings name it;
   * where a workspace's settings point the connection, it is held back and asked about the same way.
   */
  private async boundSecret(kind: SecretKind, scope: string | undefined): Promise<{ password?: string; unbound?: boolean; refused?: SettingProblem }> {
    const stored = await this.passwords.getBound(this.name, kind);
    if (!stored || scope === undefined || stored.endpoint === scope) return { password: stored?.password };
    if (stored.endpoint === undefined && !this.profile.fromWorkspace?.()) return { password: stored.password, unbound: true };
    const savedFor = stored.endpoint;
    this.log.warn(
      savedFor === undefined
        ? `[${this.name}] The stored ${kind} password was saved for no server, and the workspace settings point the connection at ${logValue(scope)}; not sent there unless you agree.`
        : `[${this.name}] The stored ${kind} password was saved for ${logValue(savedFor)}; not sent to ${logValue(scope)} unless you agree.`,
    );
    const question = JSON.stringify([kind, savedFor, scope]);
    if (!this.asking.has(question)) {
      this.asking.add(question);
      void Promise.resolve(this.passwords.askElsewhere(this.name, kind, savedFor, scope))
        .then(async (send) => {
          if (send && (await this.passwords.rebind(stored.password, this.name, kind, savedFor, scope))) {
            this.log.info(`[${this.name}] The stored ${kind} password is now bound to ${logValue(scope)}.`);
            await this.connect();
          }
        })
        .finally(() => this.asking.delete(question));
    }
    const setting = kind === 'sentinel' ? 'sentinelPassword' : 'password';
    return { refused: savedFor === undefined ? settingProblem(setting, 'passwordUnbound', [scope]) : settingProblem(setting, 'passwordElsewhere', [savedFor, scope]) };
  }

  /** What the last connect used (settings and secrets): an unchanged one needs no reconnect. */
  private connectedWith: string | undefined;

  private async connectNow(onlyIfChanged: boolean, reason?: string): Promise<void> {
    const scope = this.passwordScope();
    const [redis, sentinel] = await Promise.all([this.boundSecret('redis', scope), this.boundSecret('sentinel', scope)]);
    const { input, problems: readProblems, settingName } = this.profile.read({ password: redis.password, sentinelPassword: sentinel.password });
    for (const refused of [redis.refused, sentinel.refused]) if (refused) readProblems.push(refused);
    const fingerprint = JSON.stringify([input, readProblems]);
    if (onlyIfChanged && fingerprint === this.connectedWith) return;
    this.connectedWith = fingerprint;
    if (reason) this.log.info(`[${this.name}] ${reason}; reconnecting.`);
    const parsed = parseConnectionSettings(input);
    const problems: SettingProblem[] = [...readProblems, ...(parsed.ok ? [] : parsed.problems)];
    this.disposeWatcher();
    if (!parsed.ok || problems.length) {
      this.setState({ kind: 'notConfigured', problems: problems.map((problem) => ({ setting: settingName(problem.setting), problem })) });
      return;
    }
    const settings = parsed.settings;
    const key = `${describeEndpoint(settings)}|${settings.prefix}`;
    if (this.endpointKey !== undefined && this.endpointKey !== key) {
      this.log.info(`[${this.name}] Now watching ${describeEndpoint(settings)}; the pipelines of the previous server are cleared.`);
      // The previous server's journal keeps its history; this one's is loaded by attach().
      this.history?.detach();
      this.store.clear();
    }
    this.endpointKey = key;
    // The journal loads in slices first: the watcher starts on the restored model.
    const resumedFrom = await this.history?.attach(settings);
    if (this.closed) return;
    const watcher = new PipelineWatcher(settings, this.store, {}, { guardFloods: true, readStreams: true, resumedFrom });
    this.watcher = watcher;
    this.watcherListeners.add(
      watcher.onDidChangeState((state) => {
        this.history?.setLive(state.kind === 'connected');
        this.setState(state);
      }),
    );
    this.watcherListeners.add(watcher.connection.onWarning((warning) => this.log.warn(`[${this.name}] ${warningText(warning)}`)));
    this.watcherListeners.add(watcher.onReconcileFailed((problem) => this.log.error(`[${this.name}] ${vscode.l10n.t('Reading the state keys failed: {0}', problemText(problem))}`)));
    let streamsWarned = false;
    this.watcherListeners.add(
      watcher.onDidReconcile((report) => {
        if (report.streams?.problem && !streamsWarned) {
          streamsWarned = true;
          this.log.warn(`[${this.name}] The recorders' streams (${settings.prefix}:*:runs) cannot be read, so gaps are marked as without them: ${logValue(report.streams.problem)}`);
        }
        this.reconcileEmitter.fire(report);
      }),
    );
    const unbound = (['redis', 'sentinel'] as const).filter((kind) => (kind === 'redis' ? redis : sentinel).unbound);
    if (unbound.length && scope !== undefined) {
      const bind = watcher.onDidChangeState((state) => {
        if (state.kind !== 'connected') return;
        bind.dispose();
        for (const kind of unbound) void this.passwords.rebind((kind === 'redis' ? redis : sentinel).password ?? '', this.name, kind, undefined, scope);
      });
      this.watcherListeners.add(bind);
    }
    watcher.start();
  }


  /** Reconnect now if waiting for a retry, or connect if idle/failed. */
  retry(): Promise<void> {
    if (this.watcher && this.stateValue.kind === 'reconnecting') {
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

  private disposeWatcher(): void {
    this.history?.setLive(false);
    this.watcherListeners.dispose();
    this.watcherListeners = new DisposableStore();
    this.watcher?.dispose();
    this.watcher = undefined;
  }

  private setState(state: WatchedConnectionState): void {
    this.stateValue = state;
    this.stateEmitter.fire(state);
  }

}

export function problemOf(state: WatchedConnectionState): ConnectionProblem | undefined {
  return state.kind === 'failed' || state.kind === 'reconnecting' ? state.problem : undefined;
}

/**
 * The view's welcome content follows the most useful of several connections: any connected one
 * shows the tree, and a problem is worth more than a connection the user disconnected.
 */
const WELCOME_ORDER: readonly WatchedConnectionState['kind'][] = ['connected', 'connecting', 'reconnecting', 'failed', 'notConfigured', 'idle'];
/** The status bar speaks for all with the worst: one connection down is worth showing. */
const SEVERITY_ORDER: readonly WatchedConnectionState['kind'][] = ['connected', 'idle', 'connecting', 'reconnecting', 'notConfigured', 'failed'];

export function bestState(states: readonly WatchedConnectionState[]): WatchedConnectionState {
  const rank = (s: WatchedConnectionState) => WELCOME_ORDER.indexOf(s.kind);
  return states.reduce<WatchedConnectionState>((best, s) => (rank(s) < rank(best) ? s : best), states[0] ?? { kind: 'idle' });
}

export function worstState(states: readonly WatchedConnectionState[]): WatchedConnectionState {
  const rank = (s: WatchedConnectionState) => SEVERITY_ORDER.indexOf(s.kind);
  return states.reduce<WatchedConnectionState>((worst, s) => (rank(s) > rank(worst) ? s : worst), states[0] ?? { kind: 'idle' });
}
