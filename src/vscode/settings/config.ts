import * as vscode from 'vscode';
import type { DqTolerance } from '../../core/dataQuality';
import { checkTolerance } from '../../core/dataQuality';
import type { ConnectionSettingsInput, SettingProblem } from '../../core/settings';
import { settingProblem } from '../../core/settings';
import { readPem as readPemFile } from '../../core/pem';
import type { NotificationPolicy } from '../../core/alerts/policy';
import type { AlertSettings } from '../../core/alerts/tracker';
import type { StoreLimits } from '../../core/storeLimits';
import { Disposable } from '../../core/lifecycle';
import type { OrchestratorSource } from '../../core/orchestrator/endpointSources';
import { ENDPOINT_FIELDS } from '../../core/orchestrator/endpointSources';
import { readAlertSettings } from './alertSettings';
import { DEFAULT_CONNECTION } from '../connections/secrets';
import type { ConnectionField } from './settingKeys';
import { ALERT_SECTIONS, CONNECTION_FIELDS, CONNECTION_SECTIONS, MODEL_KEYS, NON_SETTING_NAMES, NOTIFICATION_KEYS, ORCHESTRATOR_SECTIONS, TREE_SECTIONS, USER_ONLY_WHEN_UNTRUSTED, WORKSPACE_SECTIONS } from './settingKeys';
import type { ConnectionProfile, ConnectionSecrets } from '../connections/watchedConnection';

export interface NotificationSettings {
  readonly failed: boolean;
  readonly completedWithErrors: boolean;
  readonly dataQuality: boolean;
  readonly success: boolean;
  readonly recovered: boolean;
  readonly late: boolean;
  readonly unusual: boolean;
  /** "onChange": the first failure, a recovery, a changed verdict; "everyEvent": every one. */
  readonly policy: NotificationPolicy;
  readonly muted: readonly string[];
}

export type ConfigChange = 'connection' | 'notifications' | 'model' | 'workspace' | 'tree' | 'alerts' | 'orchestrator';

const NOTIFICATION_SECTIONS = sectionsOf(Object.values(NOTIFICATION_KEYS));
const MODEL_SECTIONS = sectionsOf(Object.values(MODEL_KEYS));

/** What a connection setting is called in the Settings UI, for messages. */
export function settingName(input: keyof ConnectionSettingsInput): string {
  const field = CONNECTION_FIELDS.find((f) => f.input === input);
  return field ? `tdtp.redis.${field.setting}` : (NON_SETTING_NAMES[input] ?? input);
}

/**
 * The one typed view of `tdtp.*` settings. Defaults live in package.json only: values are read
 * with `get()` without fallbacks, so the manifest is the single source of truth.
 */
export class Config extends Disposable {
  private readonly emitter = this.register(new vscode.EventEmitter<ConfigChange>());
  readonly onDidChange = this.emitter.event;

  constructor() {
    super();
    const affects = (sections: readonly string[]) => (e: vscode.ConfigurationChangeEvent) => sections.some((k) => e.affectsConfiguration(k));
    this.register(
      vscode.workspace.onDidChangeConfiguration((e) => {
        if (affects(CONNECTION_SECTIONS)(e)) this.emitter.fire('connection');
        if (affects(NOTIFICATION_SECTIONS)(e)) this.notificationsChanged();
        if (affects(MODEL_SECTIONS)(e)) this.emitter.fire('model');
        if (affects(WORKSPACE_SECTIONS)(e)) this.emitter.fire('workspace');
        if (affects(TREE_SECTIONS)(e)) this.emitter.fire('tree');
        if (affects(ALERT_SECTIONS)(e)) this.emitter.fire('alerts');
        if (affects(ORCHESTRATOR_SECTIONS)(e)) this.emitter.fire('orchestrator');
      }),
    );
    // Granting trust makes the workspace's own notification and model settings count.
    this.register(
      vscode.workspace.onDidGrantWorkspaceTrust(() => {
        this.notificationsChanged();
        this.emitter.fire('model');
      }),
    );
  }

  private notificationsChanged(): void {
    this.notificationsCache = undefined;
    this.emitter.fire('notifications');
  }

  /**
   * A setting's value. In an untrusted workspace the keys in USER_ONLY_WHEN_UNTRUSTED take the
   * user's value or the manifest default, never the workspace's.
   */
  private value<T>(key: string): T | undefined {
    const section = this.section;
    if (vscode.workspace.isTrusted || !USER_ONLY_WHEN_UNTRUSTED.includes(key)) return section.get<T>(key);
    const inspected = section.inspect<T>(key);
    return inspected?.globalValue ?? inspected?.defaultValue;
  }

  private get section(): vscode.WorkspaceConfiguration {
    return vscode.workspace.getConfiguration('tdtp');
  }

  get autoConnect(): boolean {
    return this.section.get<boolean>('autoConnect') === true;
  }

  /** True when the user set where to connect; otherwise the reference worker's default is tried. */
  get connectionConfigured(): boolean {
    const keys = [...CONNECTION_FIELDS.filter((f) => f.saysWhere).map((f) => `redis.${f.setting}`), 'connections'];
    return keys.some((key) => {
      const inspected = this.section.inspect(key);
      return inspected?.globalValue !== undefined || inspected?.workspaceValue !== undefined || inspected?.workspaceFolderValue !== undefined;
    });
  }

  /**
   * The connections to watch: the `tdtp.connections` entries when there are any, otherwise one
   * "default" connection made from the `tdtp.redis.*` settings. Problems with the list itself
   * (a missing or repeated name) are returned for the log.
   */
  connectionProfiles(): { profiles: ConnectionProfile[]; problems: string[] } {
    const list = this.section.get<unknown>('connections');
    if (!Array.isArray(list) || list.length === 0) {
      const sentinels = this.section.get<unknown[]>('redis.sentinels');
      return {
        profiles: [
          {
            name: DEFAULT_CONNECTION,
            read: (secrets) => this.defaultConnectionInput(secrets),
            usesSentinel: Array.isArray(sentinels) && sentinels.length > 0,
            fromWorkspace: () => CONNECTION_FIELDS.some((f) => this.setInWorkspace(`redis.${f.setting}`)),
          },
        ],
        problems: [],
      };
    }
    const profiles: ConnectionProfile[] = [];
    const problems: string[] = [];
    const seen = new Set<string>();
    list.forEach((entry: unknown, index) => {
      const name = typeof entry === 'object' && entry !== null ? (entry as { name?: unknown }).name : undefined;
      if (typeof name !== 'string' || name.trim() === '') {
        problems.push(vscode.l10n.t('tdtp.connections[{0}]: every connection needs a "name"', index));
        return;
      }
      if (seen.has(name)) {
        problems.push(vscode.l10n.t('tdtp.connections[{0}]: the name "{1}" is used twice', index, name));
        return;
      }
      seen.add(name);
      const sentinels = (entry as { sentinels?: unknown }).sentinels;
      profiles.push({ name, read: (secrets) => namedConnectionInput(entry as Record<string, unknown>, index, secrets), usesSentinel: Array.isArray(sentinels) && sentinels.length > 0, fromWorkspace: () => this.setInWorkspace('connections') });
    });
    return { profiles, problems };
  }

  /**
   * Where each orchestrator is configured, as written: `tdtp.orchestrator.*` for the default
   * connection, or each `tdtp.connections` entry's `orchestrator` value. endpointSettings.ts reads
   * and checks them (in the orchestrator's own bundle); none is fine (the orchestrator is optional).
   */
  orchestratorSettings(): OrchestratorSource[] {
    const list = this.section.get<unknown>('connections');
    if (!Array.isArray(list) || list.length === 0) {
      return [{ connection: DEFAULT_CONNECTION, raw: Object.fromEntries(ENDPOINT_FIELDS.map((f) => [f, this.section.get(`orchestrator.${f}`)])), setting: 'tdtp.orchestrator' }];
    }
    const sources: OrchestratorSource[] = [];
    // The names connectionProfiles accepts: the first entry of a name only (a later duplicate is refused there).
    const seen = new Set<string>();
    list.forEach((entry: unknown, index) => {
      const { name, orchestrator } = (typeof entry === 'object' && entry !== null ? entry : {}) as { name?: unknown; orchestrator?: unknown };
      if (typeof name !== 'string' || name.trim() === '' || seen.has(name)) return;
      seen.add(name);
      if (orchestrator !== undefined) sources.push({ connection: name, raw: orchestrator, setting: `tdtp.connections[${index}].orchestrator` });
    });
    return sources;
  }

  private defaultConnectionInput({ password, sentinelPassword }: ConnectionSecrets): ReturnType<ConnectionProfile['read']> {
    const problems: SettingProblem[] = [];
    const hasUrl = Boolean(this.section.get<string>('redis.url'));
    const raw = (field: ConnectionField) => (hasUrl && field.urlOverridable ? this.explicitValue(`redis.${field.setting}`) : this.section.get(`redis.${field.setting}`));
    const input = { ...readFields(raw, problems), password, sentinelPassword };
    return { input, problems, settingName };
  }

  /** Whether a trusted workspace's (or folder's) settings give this key a value (Restricted Mode ignores them). */
  private setInWorkspace(key: string): boolean {
    const inspected = this.section.inspect(key);
    return vscode.workspace.isTrusted && (inspected?.workspaceValue !== undefined || inspected?.workspaceFolderValue !== undefined);
  }

  /**
   * With a URL set, a field's manifest default must not override what the URL says: only values
   * the user set count then.
   */
  private explicitValue(key: string): unknown {
    const inspected = this.section.inspect(key);
    return inspected?.workspaceFolderValue ?? inspected?.workspaceValue ?? inspected?.globalValue;
  }

  get historySize(): number {
    return this.value<number>(MODEL_KEYS.historySize) as number;
  }

  /**
   * A setting application-scoped in the manifest: the user's value or the default, never a
   * workspace's (VS Code ignores those too; read so here as well, whatever the VS Code version).
   */
  private userValue<T>(key: string): T | undefined {
    const inspected = this.section.inspect<T>(key);
    return inspected?.globalValue ?? inspected?.defaultValue;
  }

  /** Application-scoped: a repository cannot raise the bounds that keep the extension host's memory in check (or lower them to hide pipelines). */
  get limits(): StoreLimits {
    return { maxPipelines: this.userValue<number>(MODEL_KEYS.maxPipelines) as number, errorChars: this.userValue<number>(MODEL_KEYS.errorChars) as number };
  }

  /**
   * Whether runs are kept on disk across reloads and restarts. Application-scoped: off deletes the
   * journals of every server for every window, which a repository's settings must not do.
   */
  get historyPersist(): boolean {
    return this.userValue<boolean>(MODEL_KEYS.historyPersist) === true;
  }

  get tolerance(): { tolerance: DqTolerance; problem?: string } {
    const tolerance = {
      absoluteRows: Number(this.value(MODEL_KEYS.toleranceRows)),
      percent: Number(this.value(MODEL_KEYS.tolerancePercent)),
    };
    const problem = checkTolerance(tolerance);
    return problem ? { tolerance: { absoluteRows: 0, percent: 0 }, problem } : { tolerance };
  }

  /** Read for every live event and every tree item: cached until the settings change. */
  private notificationsCache: NotificationSettings | undefined;

  get notifications(): NotificationSettings {
    this.notificationsCache ??= this.readNotifications();
    return this.notificationsCache;
  }

  private readNotifications(): NotificationSettings {
    const on = (key: string) => this.value<boolean>(key) === true;
    const muted = this.value<unknown>(NOTIFICATION_KEYS.muted);
    return {
      failed: on(NOTIFICATION_KEYS.failed),
      completedWithErrors: on(NOTIFICATION_KEYS.completedWithErrors),
      dataQuality: on(NOTIFICATION_KEYS.dataQuality),
      success: on(NOTIFICATION_KEYS.success),
      recovered: on(NOTIFICATION_KEYS.recovered),
      late: on(NOTIFICATION_KEYS.late),
      unusual: on(NOTIFICATION_KEYS.unusual),
      policy: this.value<string>(NOTIFICATION_KEYS.policy) === 'everyEvent' ? 'everyEvent' : 'onChange',
      muted: (Array.isArray(muted) ? muted : []).filter((v): v is string => typeof v === 'string'),
    };
  }

  /** Whether failing pipelines are listed in the Problems panel on their files. */
  get workspaceProblems(): boolean {
    return this.section.get<boolean>('workspace.problems') === true;
  }

  /** Whether the tree groups result names by their `:`-separated segments. */
  get groupByNamespace(): boolean {
    return this.section.get<boolean>('tree.groupByNamespace') === true;
  }

  /**
   * The program the `tdtp` task runs and the arguments put before `--pipeline <file>`. Machine-scoped
   * in the manifest: only the user's own settings can name a program to run.
   */
  get cli(): { path: string; args: string[] } {
    const path = this.section.get<string>('cli.path');
    const args = this.section.get<unknown[]>('cli.args');
    return { path: typeof path === 'string' ? path.trim() : '', args: Array.isArray(args) ? args.filter((a): a is string => typeof a === 'string') : [] };
  }

  async setGroupByNamespace(value: boolean): Promise<void> {
    await this.section.update('tree.groupByNamespace', value, vscode.ConfigurationTarget.Global);
  }

  /** The alert rules: cadences, unusual-run thresholds. Problems name the setting, for the log. */
  get alerts(): { settings: AlertSettings; problems: string[] } {
    return readAlertSettings(this.section);
  }

  async setMuted(resultName: string, muted: boolean): Promise<void> {
    const current = new Set(this.notifications.muted);
    if (muted) current.add(resultName);
    else current.delete(resultName);
    await this.section.update(NOTIFICATION_KEYS.muted, [...current].sort(), vscode.ConfigurationTarget.Global);
  }

}

/** A `tdtp.connections` entry: the same fields as `tdtp.redis.*`; unset fields take the core's defaults. */
export function namedConnectionInput(entry: Record<string, unknown>, index: number, { password, sentinelPassword }: ConnectionSecrets): ReturnType<ConnectionProfile['read']> {
  const problems: SettingProblem[] = [];
  const input = { ...readFields((field) => entry[field.setting], problems), password, sentinelPassword };
  const field = (setting: keyof ConnectionSettingsInput) => settingName(setting).replace(/^tdtp\.redis\./, '');
  return { input, problems, settingName: (setting) => `tdtp.connections[${index}].${field(setting)}` };
}

/** The core's input from each field's raw value, read as its kind says. */
function readFields(raw: (field: ConnectionField) => unknown, problems: SettingProblem[]): ConnectionSettingsInput {
  const input: Record<string, unknown> = {};
  for (const field of CONNECTION_FIELDS) {
    const value = raw(field);
    const text = typeof value === 'string' && value !== '' ? value : undefined;
    switch (field.kind) {
      case 'value':
        input[field.input] = value;
        break;
      case 'text':
        input[field.input] = text;
        break;
      case 'pem':
        input[field.input] = readPem(text, field.input, problems);
        break;
      case 'list':
        input[field.input] = nonEmptyList(value);
        break;
    }
  }
  return input as ConnectionSettingsInput;
}

/** The `tdtp.` sections a list of keys lives in (`notifications.failed` → `tdtp.notifications`). */
function sectionsOf(keys: readonly string[]): string[] {
  return [...new Set(keys.map((k) => `tdtp.${k.split('.')[0]}`))];
}

/** An empty list from the manifest default means "not this mode". */
function nonEmptyList(value: unknown): unknown {
  return Array.isArray(value) && value.length === 0 ? undefined : value;
}

function readPem(path: string | undefined, setting: keyof ConnectionSettingsInput, problems: SettingProblem[]): string | undefined {
  const trimmed = path?.trim();
  if (!trimmed) return undefined;
  const read = readPemFile(trimmed);
  if (read.ok) return read.pem;
  problems.push(settingProblem(setting, 'unreadableFile', [trimmed, read.errno]));
  return undefined;
}
