// The API of the TDTP Pipeline Viewer extension (tdtp.tdtp-pipeline-viewer), version 1.
// Copy this file into your extension and get the API with:
//   const api = await vscode.extensions.getExtension<TdtpViewerApi>('tdtp.tdtp-pipeline-viewer')?.activate();
// Add "extensionDependencies": ["tdtp.tdtp-pipeline-viewer"] to your package.json.
// Within version 1 fields are only ever added, never removed or changed.
import type { Event } from 'vscode';

export interface TdtpViewerApi {
  readonly version: 1;
  /** Every run that enters the model: live events, states loaded at connect or recovered, polls. */
  readonly onDidReceiveEvent: Event<PipelineEvent>;
  readonly onDidChangeConnection: Event<ConnectionInfo>;
  /** Every configured connection ("default" unless the setting tdtp.connections names them). */
  getConnections(): ConnectionInfo[];
  /** The latest run of every known pipeline, failures first; of one connection when named. */
  getPipelines(connection?: string): PipelineEvent[];
  /** The runs of one pipeline, newest first. */
  getHistory(resultName: string, connection?: string): PipelineEvent[];
  /** GETs the state key now; undefined when it does not exist (expired, or never written). */
  pollPipelineState(resultName: string, connection?: string): Promise<PolledState | undefined>;
  /** The orchestrator's jobs as last polled (newest first), of every connection's orchestrator or of one. */
  getJobs(connection?: string): OrchestratorJob[];
  /** A poll of a connection's orchestrator changed its jobs (never fired for a poll that changed nothing). */
  readonly onDidChangeJobs: Event<OrchestratorJobsChange>;
}

/** A job of the framework's orchestrator. Texts are the server's; its log is not included. */
export interface OrchestratorJob {
  /** The Redis connection whose orchestrator ran it. */
  readonly connection: string;
  readonly id: string;
  readonly scenario: string;
  readonly params: Readonly<Record<string, string>>;
  /** 'unknown': a status this version does not know (its text in statusText). */
  readonly status: 'pending' | 'running' | 'done' | 'failed' | 'cancelled' | 'unknown';
  readonly statusText: string;
  /** RFC 3339, as the server wrote it. */
  readonly startedAt: string | undefined;
  readonly finishedAt: string | undefined;
  readonly scheduleId: string | undefined;
  /** The token id of who ran it; undefined for schedules, pub/sub triggers and servers without tokens. */
  readonly submittedBy: string | undefined;
  readonly error: string | undefined;
  /** Who asked to stop or cancel it (with status 'running': it is stopping). */
  readonly cancelledBy: string | undefined;
  readonly runner: string | undefined;
}

export interface OrchestratorJobsChange {
  readonly connection: string;
  /** The whole list after the poll, newest first. */
  readonly jobs: readonly OrchestratorJob[];
  readonly added: readonly string[];
  readonly changed: readonly string[];
  readonly removed: readonly string[];
}

/** The JSON tdtpcli writes (Go PipelineResult); unknown fields of newer versions are kept. */
export interface TdtpResult {
  pipeline_name: string;
  result_name: string;
  status: string;
  package_uuid?: string;
  started_at: string;
  finished_at: string;
  duration_ms: number;
  rows_loaded: number;
  rows_exported: number;
  error?: string;
  [extra: string]: unknown;
}

export type StatusKind = 'success' | 'failed' | 'completed_with_errors' | 'unknown';

export type DqVerdict =
  | { readonly kind: 'ok'; readonly toleratedRows: number }
  | { readonly kind: 'dropped'; readonly rows: number; readonly percent: number }
  | { readonly kind: 'extra'; readonly rows: number; readonly percent: number }
  | { readonly kind: 'not-applicable' };

export interface PipelineEvent {
  readonly connection: string;
  readonly resultName: string;
  readonly event: TdtpResult;
  readonly statusKind: StatusKind;
  readonly dataQuality: DqVerdict;
  /** 'live' for a pub/sub event; 'loaded' / 'recovered' from state keys; 'polled'. */
  readonly source: 'live' | 'loaded' | 'recovered' | 'polled';
  readonly receivedAt: number;
}

export interface PolledState extends PipelineEvent {
  /** Remaining TTL of the state key in ms; undefined when the key has no expiry. */
  readonly ttlMs: number | undefined;
}

export interface ConnectionInfo {
  readonly name: string;
  readonly state: 'idle' | 'connecting' | 'connected' | 'reconnecting' | 'failed' | 'notConfigured';
  readonly endpoint: string | undefined;
  readonly problem?: string;
}
