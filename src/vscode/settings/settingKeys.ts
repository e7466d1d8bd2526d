// vscode-free on purpose: test/unit/settingKeys.test.ts checks these lists against package.json.
import type { ConnectionSettingsInput } from '../../core/settings';

/** How a connection field is read: as it is, as text (empty = unset), a PEM file's content, or a list (empty = unset). */
export type FieldKind = 'value' | 'text' | 'pem' | 'list';

export interface ConnectionField {
  /** The core's name for it. */
  readonly input: keyof ConnectionSettingsInput;
  /** The name under `tdtp.redis.` and in a `tdtp.connections` entry. */
  readonly setting: string;
  readonly kind: FieldKind;
  /** With a URL set, only a value the user wrote counts (the manifest default must not override the URL). */
  readonly urlOverridable?: true;
  /** Setting it means the user said where to connect (no longer the reference worker's default). */
  readonly saysWhere?: true;
}

/**
 * Every connection setting, once: `tdtp.redis.<setting>` and the same field of a
 * `tdtp.connections` entry. Passwords are never settings (SecretStorage).
 */
export const CONNECTION_FIELDS: readonly ConnectionField[] = [
  { input: 'url', setting: 'url', kind: 'text', saysWhere: true },
  { input: 'host', setting: 'host', kind: 'value', urlOverridable: true, saysWhere: true },
  { input: 'port', setting: 'port', kind: 'value', urlOverridable: true, saysWhere: true },
  { input: 'db', setting: 'db', kind: 'value', urlOverridable: true },
  { input: 'username', setting: 'username', kind: 'text' },
  { input: 'tls', setting: 'tls', kind: 'value', urlOverridable: true },
  { input: 'tlsCa', setting: 'tlsCaFile', kind: 'pem' },
  { input: 'tlsCert', setting: 'tlsCertFile', kind: 'pem' },
  { input: 'tlsKey', setting: 'tlsKeyFile', kind: 'pem' },
  { input: 'tlsServerName', setting: 'tlsServerName', kind: 'text' },
  { input: 'tlsRejectUnauthorized', setting: 'tlsRejectUnauthorized', kind: 'value' },
  { input: 'prefix', setting: 'keyPrefix', kind: 'value' },
  { input: 'sentinels', setting: 'sentinels', kind: 'list', saysWhere: true },
  { input: 'sentinelName', setting: 'sentinelName', kind: 'text' },
  { input: 'sentinelUsername', setting: 'sentinelUsername', kind: 'text' },
  { input: 'sentinelTls', setting: 'sentinelTls', kind: 'value' },
  { input: 'clusterNodes', setting: 'clusterNodes', kind: 'list', saysWhere: true },
];

/** Fields of the core's input that are not settings, with the name a message uses for them. */
export const NON_SETTING_NAMES: Partial<Record<keyof ConnectionSettingsInput, string>> = {
  password: 'TDTP: Set Redis Password',
  sentinelPassword: 'TDTP: Set Redis Password (Sentinel)',
};

/** Sections whose change means a new connection. */
export const CONNECTION_SECTIONS = ['tdtp.redis', 'tdtp.connections'] as const;

/** Sections of the workspace features (pipeline files, the tdtpcli to run). */
export const WORKSPACE_SECTIONS = ['tdtp.workspace', 'tdtp.cli'] as const;

/** Sections that say where the orchestrators are (a `tdtp.connections` entry may name one). */
export const ORCHESTRATOR_SECTIONS = ['tdtp.orchestrator', 'tdtp.connections'] as const;

/** Sections of the Pipelines view's own settings (grouping by namespace). */
export const TREE_SECTIONS = ['tdtp.tree'] as const;

/** Keys under `tdtp.` of the notification switches. */
export const NOTIFICATION_KEYS = {
  failed: 'notifications.failed',
  completedWithErrors: 'notifications.completedWithErrors',
  dataQuality: 'notifications.dataQuality',
  success: 'notifications.success',
  recovered: 'notifications.recovered',
  late: 'notifications.late',
  unusual: 'notifications.unusual',
  policy: 'notifications.policy',
  muted: 'notifications.muted',
} as const;

/** Sections of the alert rules: stated cadences and the unusual-run thresholds. */
export const ALERT_SECTIONS = ['tdtp.expectations', 'tdtp.alerts'] as const;

/** Keys under `tdtp.` of the model: history length and persistence, the data-quality tolerance and the bounds. */
export const MODEL_KEYS = {
  historySize: 'history.size',
  historyPersist: 'history.persist',
  toleranceRows: 'dataQuality.toleranceRows',
  tolerancePercent: 'dataQuality.tolerancePercent',
  maxPipelines: 'limits.maxPipelines',
  errorChars: 'limits.errorChars',
} as const;

/**
 * Read from user settings (or the manifest default) only while the workspace is untrusted: a
 * cloned repository must not mute failure toasts or raise memory use.
 */
export const USER_ONLY_WHEN_UNTRUSTED: readonly string[] = [...Object.values(NOTIFICATION_KEYS), ...Object.values(MODEL_KEYS)];
