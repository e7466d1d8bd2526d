import * as vscode from 'vscode';
import { DqTolerance, DqVerdict, assessDataQuality } from '../core/dataQuality';
import type { StatusKind, TdtpResult } from '../core/decode';
import { RunRecord, RunSource } from '../core/store';
import { PollResult } from '../core/watcher';
import { ViewerSession, ViewerState } from './session';
import { Viewer } from './viewer';

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
  /** Every configured connection ("default" unless `tdtp.connections` names them). */
  getConnections(): ConnectionInfo[];
  /** The latest run of every known pipeline, failures first; of one connection when named. */
  getPipelines(connection?: string): PipelineEvent[];
  /** The runs of one pipeline, newest first (gap markers left out). */
  getHistory(resultName: string, connection?: string): PipelineEvent[];
  /** GETs the state key now; `undefined` when it does not exist (expired or never written). */
  pollPipelineState(resultName: string, connection?: string): Promise<PolledState | undefined>;
}

export interface PipelineEvent {
  /** The connection's name. */
  readonly connection: string;
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
  readonly name: string;
  readonly state: ViewerState['kind'];
  readonly endpoint: string | undefined;
  /** What is wrong, when the state is `reconnecting`, `failed` or `notConfigured`. */
  readonly problem?: string;
}

export function toPipelineEvent(connection: string, record: RunRecord): PipelineEvent {
  return {
    connection,
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
  return { name: session.name, state: state.kind, endpoint: session.endpoint, problem };
}

/** A poll's answer for callers: the decoded state, undefined when absent; a bad payload throws its reason. */
export function polledState(connection: string, resultName: string, result: PollResult, tolerance: DqTolerance): PolledState | undefined {
  if (!result.found) return undefined;
  if (result.outcome.kind === 'rejected') throw new Error(vscode.l10n.t('The state key of {0} holds a payload that cannot be decoded: {1}', resultName, result.outcome.rejected.reason));
  const run = result.outcome.run;
  return { connection, resultName, event: run.result, statusKind: run.statusKind, dataQuality: assessDataQuality(run, tolerance), source: 'polled', receivedAt: Date.now(), ttlMs: result.ttlMs };
}

/** Finds a connection by name (the first when none is given), or throws a clear error. */
export function sessionOrThrow(viewer: Viewer, connection: string | undefined): ViewerSession {
  const session = viewer.get(connection);
  if (!session) throw new Error(vscode.l10n.t('No TDTP connection is named "{0}". Known: {1}', connection ?? '', viewer.sessions.map((s) => s.name).join(', ')));
  return session;
}

export function createApi(viewer: Viewer, tolerance: () => DqTolerance, disposables: vscode.Disposable[]): TdtpViewerApi {
  const events = new vscode.EventEmitter<PipelineEvent>();
  const connections = new vscode.EventEmitter<ConnectionInfo>();
  disposables.push(
    events,
    connections,
    viewer.onDidAddRun(({ session, record }) => events.fire(toPipelineEvent(session.name, record))),
    viewer.onDidChangeState((session) => connections.fire(connectionInfo(session))),
  );
  const scope = (connection: string | undefined) => (connection === undefined ? viewer.sessions : [sessionOrThrow(viewer, connection)]);
  return {
    version: 1,
    onDidReceiveEvent: events.event,
    onDidChangeConnection: connections.event,
    getConnections: () => viewer.sessions.map(connectionInfo),
    getPipelines: (connection) => scope(connection).flatMap((s) => s.store.list().map((p) => toPipelineEvent(s.name, p.latest))),
    getHistory: (resultName, connection) =>
      scope(connection).flatMap((s) => s.store.history(resultName).flatMap((item) => (item.kind === 'run' ? [toPipelineEvent(s.name, item)] : []))),
    pollPipelineState: async (resultName, connection) => {
      const session = sessionOrThrow(viewer, connection);
      return polledState(session.name, resultName, await session.poll(resultName), tolerance());
    },
  };
}
