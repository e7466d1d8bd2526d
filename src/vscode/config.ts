import { readFileSync } from 'node:fs';
import * as vscode from 'vscode';
import type { DqTolerance } from '../core/dataQuality';
import { checkTolerance } from '../core/dataQuality';
import { ConnectionSettingsInput, SettingProblem } from '../core/settings';

/** Settings whose change means a new connection. */
const CONNECTION_KEYS = ['tdtp.redis'];
const NOTIFICATION_KEYS = ['tdtp.notifications'];
const MODEL_KEYS = ['tdtp.history', 'tdtp.dataQuality'];

export interface NotificationSettings {
  readonly failed: boolean;
  readonly completedWithErrors: boolean;
  readonly dataQuality: boolean;
  readonly success: boolean;
  readonly muted: readonly string[];
}

export type ConfigChange = 'connection' | 'notifications' | 'model';

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
      if (NOTIFICATION_KEYS.some((k) => e.affectsConfiguration(k))) this.emitter.fire('notifications');
      if (MODEL_KEYS.some((k) => e.affectsConfiguration(k))) this.emitter.fire('model');
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
    return ['redis.url', 'redis.host', 'redis.port'].some((key) => {
      const inspected = this.section.inspect(key);
      return inspected?.globalValue !== undefined || inspected?.workspaceValue !== undefined || inspected?.workspaceFolderValue !== undefined;
    });
  }

  /** Connection settings as loose input for the core's validator; TLS files are read here. */
  connectionInput(password: string | undefined): { input: ConnectionSettingsInput; problems: SettingProblem[] } {
    const s = this.section;
    const problems: SettingProblem[] = [];
    const readPem = (key: 'tlsCaFile' | 'tlsCertFile' | 'tlsKeyFile', setting: keyof ConnectionSettingsInput): string | undefined => {
      const path = s.get<string>(`redis.${key}`)?.trim();
      if (!path) return undefined;
      try {
        return readFileSync(expandHome(path), 'utf8');
      } catch (err) {
        problems.push({ setting, message: vscode.l10n.t('cannot read the file "{0}" ({1})', path, (err as NodeJS.ErrnoException).code ?? String(err)) });
        return undefined;
      }
    };
    const input: ConnectionSettingsInput = {
      url: s.get<string>('redis.url') || undefined,
      host: this.explicitOrUrl('redis.host'),
      port: this.explicitOrUrl('redis.port'),
      db: this.explicitOrUrl('redis.db'),
      username: s.get<string>('redis.username') || undefined,
      password,
      tls: this.explicitOrUrl('redis.tls'),
      tlsCa: readPem('tlsCaFile', 'tlsCa'),
      tlsCert: readPem('tlsCertFile', 'tlsCert'),
      tlsKey: readPem('tlsKeyFile', 'tlsKey'),
      tlsServerName: s.get<string>('redis.tlsServerName') || undefined,
      tlsRejectUnauthorized: s.get<boolean>('redis.tlsRejectUnauthorized'),
      prefix: s.get<string>('redis.keyPrefix'),
    };
    return { input, problems };
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

  get notifications(): NotificationSettings {
    const s = this.section;
    return {
      failed: s.get<boolean>('notifications.failed') === true,
      completedWithErrors: s.get<boolean>('notifications.completedWithErrors') === true,
      dataQuality: s.get<boolean>('notifications.dataQuality') === true,
      success: s.get<boolean>('notifications.success') === true,
      muted: (s.get<unknown[]>('notifications.muted') ?? []).filter((v): v is string => typeof v === 'string'),
    };
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

function expandHome(path: string): string {
  return path.startsWith('~/') ? `${process.env.HOME ?? ''}${path.slice(1)}` : path;
}
