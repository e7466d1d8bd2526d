import * as vscode from 'vscode';
import type { DqTolerance } from '../core/dataQuality';
import { checkTolerance } from '../core/dataQuality';
import { ConnectionSettingsInput, SettingProblem, readPem as readPemFile } from '../core/settings';
import { DEFAULT_CONNECTION } from './secrets';
import type { ConnectionProfile, ConnectionSecrets } from './watchedConnection';

/** Settings whose change means a new connection. */
const CONNECTION_KEYS = ['tdtp.redis', 'tdtp.connections'];
const NOTIFICATION_KEYS = ['tdtp.notifications'];
const MODEL_KEYS = ['tdtp.history', 'tdtp.dataQuality'];
const WORKSPACE_KEYS = ['tdtp.workspace', 'tdtp.cli'];

export interface NotificationSettings {
  readonly failed: boolean;
  readonly completedWithErrors: boolean;
  readonly dataQuality: boolean;
  readonly success: boolean;
  readonly muted: readonly string[];
}

export type ConfigChange = 'connection' | 'notifications' | 'model' | 'workspace';

/** What a connection setting is called in the Settings UI, for messages. */
export const SETTING_NAMES: Partial<Record<keyof ConnectionSettingsInput, string>> = {
  url: 'tdtp.redis.url',
  host: 'tdtp.redis.host',
  port: 'tdtp.redis.port',
  db: 'tdtp.redis.db',
  username: 'tdtp.redis.username',
  tls: 'tdtp.redis.tls',
  tlsCa: 'tdtp.redis.tlsCaFile',
  tlsCert: 'tdtp.redis.tlsCertFile',
  tlsKey: 'tdtp.redis.tlsKeyFile',
  tlsServerName: 'tdtp.redis.tlsServerName',
  tlsRejectUnauthorized: 'tdtp.redis.tlsRejectUnauthorized',
  prefix: 'tdtp.redis.keyPrefix',
  sentinels: 'tdtp.redis.sentinels',
  sentinelName: 'tdtp.redis.sentinelName',
  sentinelUsername: 'tdtp.redis.sentinelUsername',
  sentinelPassword: 'TDTP: Set Redis Password (Sentinel)',
  sentinelTls: 'tdtp.redis.sentinelTls',
  clusterNodes: 'tdtp.redis.clusterNodes',
};

/**
 * The one typed view of `tdtp.*` settings. Defaults live in package.json only: values are read
 * with `get()` without fallbacks, so the manifest is the single source of truth.
 */
export class Config implements vscode.Disposable {
  private readonly emitter = new vscode.EventEmitter<ConfigChange>();
  readonly onDidChange = this.emitter.event;
  private readonly listener: vscode.Disposable;

  constructor() {
    this.listener = vscode.workspace.onDidChangeConfiguration((e) => {
      if (CONNECTION_KEYS.some((k) => e.affectsConfiguration(k))) this.emitter.fire('connection');
      if (NOTIFICATION_KEYS.some((k) => e.affectsConfiguration(k))) {
        this.notificationsCache = undefined;
        this.emitter.fire('notifications');
      }
      if (MODEL_KEYS.some((k) => e.affectsConfiguration(k))) this.emitter.fire('model');
      if (WORKSPACE_KEYS.some((k) => e.affectsConfiguration(k))) this.emitter.fire('workspace');
    });
  }

  private get section(): vscode.WorkspaceConfiguration {
    return vscode.workspace.getConfiguration('tdtp');
  }

  get autoConnect(): boolean {
    return this.section.get<boolean>('autoConnect') === true;
  }

  /** True when the user set where to connect; otherwise the reference worker's default is tried. */
  get connectionConfigured(): boolean {
    return ['redis.url', 'redis.host', 'redis.port', 'redis.sentinels', 'redis.clusterNodes', 'connections'].some((key) => {
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
        profiles: [{ name: DEFAULT_CONNECTION, read: (secrets) => this.defaultConnectionInput(secrets), usesSentinel: Array.isArray(sentinels) && sentinels.length > 0 }],
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
      profiles.push({ name, read: (secrets) => namedConnectionInput(entry as Record<string, unknown>, index, secrets), usesSentinel: Array.isArray(sentinels) && sentinels.length > 0 });
    });
    return { profiles, problems };
  }

  private defaultConnectionInput({ password, sentinelPassword }: ConnectionSecrets): ReturnType<ConnectionProfile['read']> {
    const s = this.section;
    const problems: SettingProblem[] = [];
    const input: ConnectionSettingsInput = {
      url: s.get<string>('redis.url') || undefined,
      host: this.explicitOrUrl('redis.host'),
      port: this.explicitOrUrl('redis.port'),
      db: this.explicitOrUrl('redis.db'),
      username: s.get<string>('redis.username') || undefined,
      password,
      tls: this.explicitOrUrl('redis.tls'),
      tlsCa: readPem(s.get<string>('redis.tlsCaFile'), 'tlsCa', problems),
      tlsCert: readPem(s.get<string>('redis.tlsCertFile'), 'tlsCert', problems),
      tlsKey: readPem(s.get<string>('redis.tlsKeyFile'), 'tlsKey', problems),
      tlsServerName: s.get<string>('redis.tlsServerName') || undefined,
      tlsRejectUnauthorized: s.get<boolean>('redis.tlsRejectUnauthorized'),
      prefix: s.get<string>('redis.keyPrefix'),
      sentinels: nonEmptyList(s.get('redis.sentinels')),
      sentinelName: s.get<string>('redis.sentinelName') || undefined,
      sentinelUsername: s.get<string>('redis.sentinelUsername') || undefined,
      sentinelPassword,
      clusterNodes: nonEmptyList(s.get('redis.clusterNodes')),
    };
    return { input, problems, settingName: (setting) => SETTING_NAMES[setting] ?? `tdtp.redis.${setting}` };
  }

  /**
   * With a URL set, a field's manifest default must not override what the URL says: only values
   * the user set count then. Without a URL, the default applies.
   */
  private explicitOrUrl(key: string): unknown {
    const s = this.section;
    if (!s.get<string>('redis.url')) return s.get(key);
    const inspected = s.inspect(key);
    return inspected?.workspaceFolderValue ?? inspected?.workspaceValue ?? inspected?.globalValue;
  }

  get historySize(): number {
    return this.section.get<number>('history.size') as number;
  }

  get tolerance(): { tolerance: DqTolerance; problem?: string } {
    const tolerance = {
      absoluteRows: Number(this.section.get('dataQuality.toleranceRows')),
      percent: Number(this.section.get('dataQuality.tolerancePercent')),
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
    const s = this.section;
    return {
      failed: s.get<boolean>('notifications.failed') === true,
      completedWithErrors: s.get<boolean>('notifications.completedWithErrors') === true,
      dataQuality: s.get<boolean>('notifications.dataQuality') === true,
      success: s.get<boolean>('notifications.success') === true,
      muted: (s.get<unknown[]>('notifications.muted') ?? []).filter((v): v is string => typeof v === 'string'),
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

  async setMuted(resultName: string, muted: boolean): Promise<void> {
    const current = new Set(this.notifications.muted);
    if (muted) current.add(resultName);
    else current.delete(resultName);
    await this.section.update('notifications.muted', [...current].sort(), vscode.ConfigurationTarget.Global);
  }

  dispose(): void {
    this.listener.dispose();
    this.emitter.dispose();
  }
}

/** A `tdtp.connections` entry: the same fields as `tdtp.redis.*`; unset fields take the core's defaults. */
function namedConnectionInput(entry: Record<string, unknown>, index: number, { password, sentinelPassword }: ConnectionSecrets): ReturnType<ConnectionProfile['read']> {
  const problems: SettingProblem[] = [];
  const text = (key: string) => (typeof entry[key] === 'string' && entry[key] !== '' ? (entry[key] as string) : undefined);
  const input: ConnectionSettingsInput = {
    url: text('url'),
    host: entry.host,
    port: entry.port,
    db: entry.db,
    username: text('username'),
    password,
    tls: entry.tls,
    tlsCa: readPem(text('tlsCaFile'), 'tlsCa', problems),
    tlsCert: readPem(text('tlsCertFile'), 'tlsCert', problems),
    tlsKey: readPem(text('tlsKeyFile'), 'tlsKey', problems),
    tlsServerName: text('tlsServerName'),
    tlsRejectUnauthorized: entry.tlsRejectUnauthorized,
    prefix: entry.keyPrefix,
    sentinels: nonEmptyList(entry.sentinels),
    sentinelName: text('sentinelName'),
    sentinelUsername: text('sentinelUsername'),
    sentinelPassword,
    clusterNodes: nonEmptyList(entry.clusterNodes),
  };
  const field = (setting: keyof ConnectionSettingsInput) => (SETTING_NAMES[setting] ?? setting).replace(/^tdtp\.redis\./, '');
  return { input, problems, settingName: (setting) => `tdtp.connections[${index}].${field(setting)}` };
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
  problems.push({ setting, message: vscode.l10n.t('cannot read the file "{0}" ({1})', trimmed, read.errno) });
  return undefined;
}
