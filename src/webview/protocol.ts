/**
 * The typed messages between the detail panel and the extension. Both sides import this file;
 * the webview gets data only through these messages and renders it as text.
 */
export type DisplayStatusName = 'success' | 'failed' | 'completed_with_errors' | 'dq_warning' | 'unknown';

export interface RunView {
  readonly status: DisplayStatusName;
  readonly statusText: string;
  readonly pipelineName: string;
  readonly startedAt: string;
  readonly finishedAt: string;
  /**
   * Where it sits on the charts' time axis: when it finished (or was received, for runs that never
   * started), but no later than now plus the skew allowance (chartInstant); `finishedAt` is the claim.
   */
  readonly finishedAtMs: number;
  readonly durationMs: number;
  readonly durationText: string;
  readonly rowsLoaded: number;
  readonly rowsExported: number;
  readonly rowsLoadedText: string;
  readonly rowsExportedText: string;
  readonly dqText?: string;
  readonly dqWarning: boolean;
  readonly packageUuid?: string;
  readonly error?: string;
  readonly sourceText: string;
  readonly note?: string;
}

export type HistoryRowView = ({ readonly kind: 'run' } & RunView) | { readonly kind: 'gap'; readonly text: string; readonly reason: string };

export type TtlView =
  | { readonly kind: 'unknown' }
  /** Counts down in the webview from `ms` measured at `measuredAt` (epoch ms). */
  | { readonly kind: 'expires'; readonly ms: number; readonly measuredAt: number }
  | { readonly kind: 'persistent' }
  | { readonly kind: 'expired' };

export interface PanelState {
  readonly resultName: string;
  /** The connection's name, kept for restoring the panel after a reload. */
  readonly connectionName: string;
  readonly connection: string;
  readonly latest?: RunView;
  readonly history: readonly HistoryRowView[];
  readonly ttl: TtlView;
  readonly muted: boolean;
  /** The workspace has a pipeline file publishing to this result name (Open Pipeline Config). */
  readonly hasConfig: boolean;
  readonly labels: PanelLabels;
  /** What the alert rules say about the pipeline (failing, late, next run, cadence, unusual), as [label, text]. */
  readonly alerts: ReadonlyArray<readonly [string, string]>;
  readonly trend: TrendView;
  /** The recent orchestrator jobs of the scenarios linked to this result; absent without a link. */
  readonly jobs?: JobsView;
}

/** The jobs of the linked scenarios on the connection's orchestrator, worded by the extension. */
export interface JobsView {
  readonly title: string;
  /** Column heads: scenario, status, started, duration. */
  readonly columns: readonly [string, string, string, string];
  readonly showLog: string;
  /** Said when no job of the scenarios is in the server's recent list. */
  readonly empty: string;
  readonly rows: readonly JobRowView[];
}

export interface JobRowView {
  readonly id: string;
  readonly scenario: string;
  /** pending | running | done | failed | cancelled | unknown: a class name. */
  readonly status: string;
  readonly statusText: string;
  readonly started: string;
  readonly duration: string;
}

/** The charts' summary of the runs shown, worded by the extension. */
export interface TrendView {
  /** [label, text] pairs: success rate, p50 and p95 duration, the usual band, the next run. */
  readonly items: ReadonlyArray<readonly [string, string]>;
  /** The usual duration band (p25–p75 of the successful runs), ms; absent without successful runs. */
  readonly usualLowMs?: number;
  readonly usualHighMs?: number;
  /** The UI language, for the time axis. */
  readonly language: string;
}

/** Localized words for the webview (it has no l10n of its own). */
export interface PanelLabels {
  readonly latestRun: string;
  readonly history: string;
  readonly charts: string;
  readonly duration: string;
  readonly rows: string;
  readonly rowsLoaded: string;
  readonly rowsExported: string;
  readonly pipeline: string;
  readonly started: string;
  readonly finished: string;
  readonly dataQuality: string;
  readonly package: string;
  readonly error: string;
  readonly source: string;
  readonly status: string;
  readonly stateKey: string;
  readonly expiresIn: string;
  readonly expired: string;
  readonly noTtl: string;
  readonly ttlUnknown: string;
  readonly pollNow: string;
  readonly copyJson: string;
  readonly mute: string;
  readonly unmute: string;
  readonly openConfig: string;
  readonly noRuns: string;
  readonly chartDuration: string;
  readonly chartRows: string;
  readonly usualBand: string;
  readonly chartKeys: string;
  /** How the duration axis writes its units, each a template with {0} for the number. */
  readonly durationUnits: DurationUnits;
}

/** Unit templates for durations on an axis ('{0}ms', '{0}s', '{0}m', '{0}h' in English). */
export interface DurationUnits {
  readonly ms: string;
  readonly s: string;
  readonly m: string;
  readonly h: string;
}

export type ToWebview = { readonly type: 'state'; readonly state: PanelState } | { readonly type: 'busy'; readonly busy: boolean };

export type FromWebview =
  | { readonly type: 'ready' }
  | { readonly type: 'poll' }
  | { readonly type: 'copyJson' }
  | { readonly type: 'toggleMute' }
  | { readonly type: 'openConfig' }
  | { readonly type: 'showJobLog'; readonly jobId: string };

/** What `setState` keeps in the webview, so the serializer can restore the panel after a reload. */
export interface PersistedPanelState {
  readonly resultName: string;
  readonly connection?: string;
}

export function isFromWebview(value: unknown): value is FromWebview {
  if (typeof value !== 'object' || value === null) return false;
  const type = (value as { type?: unknown }).type;
  if (type === 'showJobLog') {
    const jobId = (value as { jobId?: unknown }).jobId;
    return typeof jobId === 'string' && jobId.length > 0 && jobId.length <= 200;
  }
  return type === 'ready' || type === 'poll' || type === 'copyJson' || type === 'toggleMute' || type === 'openConfig';
}
