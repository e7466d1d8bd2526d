import * as vscode from 'vscode';
import { DqTolerance, DqVerdict, assessDataQuality } from '../core/dataQuality';
import type { StatusKind, TdtpResult } from '../core/decode';
import { PipelineStore, RunRecord, RunSource } from '../core/store';
import { PollResult } from '../core/watcher';
import { ViewerSession, ViewerState } from './session';

/**
 * The API `activate()` returns to other extensions (`vscode.extensions.getExtension(
 * 'tdtp.tdtp-pipeline-viewer').exports`). Versioned: fields are only ever added within a version.
 * A copy for other extensions is in `api/tdtp-pipeline-viewer.d.ts`.
 */
export interface TdtpViewerApi {
  readonly version: 1;
  /** Every run that enters the model: live events, states loaded at connect or recovered, polls. */
  readonly onDidReceiveEvent: vscode.Event<PipelineEvent>;
  readonly onDidChangeConnection: vscode.Event<ConnectionInfo>;
  getConnection(): ConnectionInfo;
  /** The latest run of every known pipeline, failures first. */
  getPipelines(): PipelineEvent[];
  /** The runs of one pipeline, newest first (gap markers left out). */
  getHistory(resultName: string): PipelineEvent[];
  /** GETs the state key now; `undefined` when it does not exist (expired or never written). */
  pollPipelineState(resultName: string): Promise<PolledState | undefined>;
}

export interface PipelineEvent {
  readonly resultName: string;
  /** The JSON as the framework wrote it (unknown fields included). */
  readonly event: TdtpResult;
  readonly statusKind: StatusKind;
  readonly dataQuality: DqVerdict;
  /** `live` for a pub/sub event; `loaded`/`recovered` from state keys; `polled`. */
  readonly source: RunSource;
  readonly receivedAt: number;
}

export interface PolledState extends PipelineEvent {
  /** Remaining TTL of the state key in ms; undefined when the key has no expiry. */
  readonly ttlMs: number | undefined;
}

export interface ConnectionInfo {
  readonly state: ViewerState['kind'];
  readonly endpoint: string | undefined;
  /** What is wrong, when the state is `reconnecting`, `failed` or `notConfigured`. */
  readonly problem?: string;
}

export function toPipelineEvent(record: RunRecord): PipelineEvent {
  return {
    resultName: record.run.resultName,
    event: record.run.result,
    statusKind: record.run.statusKind,
    dataQuality: record.dq,
    source: record.source,
    receivedAt: record.receivedAt,
  };
}

export function connectionInfo(session: ViewerSession): ConnectionInfo {
  const state = session.state;
  const problem = state.kind === 'failed' || state.kind === 'reconnecting' ? state.problem.message : state.kind === 'notConfigured' ? state.problems.join('; ') : undefined;
  return { state: state.kind, endpoint: session.endpoint, problem };
}

/** A poll's answer for callers: the decoded state, undefined when absent; a bad payload throws its reason. */
export function polledState(resultName: string, result: PollResult, tolerance: DqTolerance): PolledState | undefined {
  if (!result.found) return undefined;
  if (result.outcome.kind === 'rejected') throw new Error(vscode.l10n.t('The state key of {0} holds a payload that cannot be decoded: {1}', resultName, result.outcome.rejected.reason));
  const run = result.outcome.run;
  return { resultName, event: run.result, statusKind: run.statusKind, dataQuality: assessDataQuality(run, tolerance), source: 'polled', receivedAt: Date.now(), ttlMs: result.ttlMs };
}

export class ApiEvents implements vscode.Disposable {
  private readonly events = new vscode.EventEmitter<PipelineEvent>();
  private readonly connection = new vscode.EventEmitter<ConnectionInfo>();
  private readonly disposables: vscode.Disposable[] = [this.events, this.connection];
  readonly onDidReceiveEvent = this.events.event;
  readonly onDidChangeConnection = this.connection.event;

  constructor(store: PipelineStore, session: ViewerSession) {
    const runs = store.onDidAddRun((record) => this.events.fire(toPipelineEvent(record)));
    this.disposables.push({ dispose: () => runs.dispose() }, session.onDidChangeState(() => this.connection.fire(connectionInfo(session))));
  }

  dispose(): void {
    for (const d of this.disposables) d.dispose();
  }
}
