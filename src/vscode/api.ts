import * as vscode from 'vscode';
import type { DqVerdict } from '../core/dataQuality';
import type { StatusKind, TdtpResult } from '../core/decode';
import { DisposableStore } from '../core/lifecycle';
import type { RunRecord, RunSource } from '../core/runs';
import type { PollResult } from '../core/watcher';
import type { Viewer } from './connections/viewer';
import type { WatchedConnectionState } from '../core/connection';
import type { WatchedConnection } from './connections/watchedConnection';
import type { Job } from '../core/orchestrator/types';
import type { Orchestrators } from './orchestrator/orchestrators';
import { errorText, problemText } from './words/problems';
import { namedSettingProblemText } from './words/settings';

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
  /** The orchestrator's jobs as last polled (newest first), of every connection's orchestrator or of one. */
  getJobs(connection?: string): OrchestratorJob[];
  /** A poll of a connection's orchestrator changed its jobs (never fired for a poll that changed nothing). */
  readonly onDidChangeJobs: vscode.Event<OrchestratorJobsChange>;
}

/** A job of the framework's orchestrator. Texts are the server's (bounded); its log is not included. */
export interface OrchestratorJob {
  /** The Redis connection whose orchestrator ran it. */
  readonly connection: string;
  readonly id: string;
  readonly scenario: string;
  readonly params: Readonly<Record<string, string>>;
  /** `unknown`: a status this version does not know (its text in `statusText`). */
  readonly status: 'pending' | 'running' | 'done' | 'failed' | 'cancelled' | 'unknown';
  readonly statusText: string;
  /** RFC 3339, as the server wrote it. */
  readonly startedAt: string | undefined;
  readonly finishedAt: string | undefined;
  readonly scheduleId: string | undefined;
  /** The token id of who ran it; undefined for schedules, pub/sub triggers and servers without tokens. */
  readonly submittedBy: string | undefined;
  readonly error: string | undefined;
  /** Who asked to stop or cancel it (with status `running`: it is stopping). */
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
  readonly state: WatchedConnectionState['kind'];
  readonly endpoint: string | undefined;
  /** What is wrong, when the state is `reconnecting`, `failed` or `notConfigured`. */
  readonly problem?: string;
}

/**
 * What other extensions receive is a deep, frozen copy: they can keep it, but can never change the
 * model's runs through it.
 */
function frozenCopy<T>(value: T): T {
  return deepFreeze(structuredClone(value));
}

function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const child of Object.values(value)) deepFreeze(child);
  }
  return value;
}

export function toPipelineEvent(connection: string, record: RunRecord): PipelineEvent {
  return frozenCopy({
    connection,
    resultName: record.run.resultName,
    event: record.run.result,
    statusKind: record.run.statusKind,
    dataQuality: record.dq,
    source: record.source,
    receivedAt: record.receivedAt,
  });
}

export function toOrchestratorJob(connection: string, job: Job): OrchestratorJob {
  return deepFreeze({
    connection,
    id: job.id,
    scenario: job.scenario,
    params: { ...job.params },
    status: job.status,
    statusText: job.statusText,
    startedAt: job.startedAt?.text,
    finishedAt: job.finishedAt?.text,
    scheduleId: job.scheduleId,
    submittedBy: job.submittedBy,
    error: job.error,
    cancelledBy: job.cancelledBy,
    runner: job.runner,
  });
}

export function connectionInfo(connection: WatchedConnection): ConnectionInfo {
  const state = connection.state;
  const problem = state.kind === 'failed' || state.kind === 'reconnecting' ? problemText(state.problem) : state.kind === 'notConfigured' ? state.problems.map(namedSettingProblemText).join('; ') : undefined;
  return Object.freeze({ name: connection.name, state: state.kind, endpoint: connection.endpoint, problem });
}

/** GETs a state key now: the decoded state, undefined when absent; a bad payload throws its reason. */
export async function pollState(connection: WatchedConnection, resultName: string): Promise<PolledState | undefined> {
  let result: PollResult;
  try {
    result = await connection.poll(resultName);
  } catch (err) {
    // Callers get the words, not the core's codes.
    throw new Error(errorText(err));
  }
  if (!result.found) return undefined;
  if (result.outcome.kind === 'rejected') throw new Error(vscode.l10n.t('The state key of {0} holds a payload that cannot be decoded: {1}', resultName, result.outcome.rejected.reason));
  const run = result.outcome.run;
  // The verdict comes from the connection's store, which knows the tolerance.
  const dataQuality = connection.store.assess(run);
  return frozenCopy({ connection: connection.name, resultName, event: run.result, statusKind: run.statusKind, dataQuality, source: 'polled' as const, receivedAt: Date.now(), ttlMs: result.ttlMs });
}

/** Finds a connection by name (the first when none is given), or throws a clear error. */
export function connectionOrThrow(viewer: Viewer, name: string | undefined): WatchedConnection {
  const connection = viewer.get(name);
  if (!connection) throw new Error(vscode.l10n.t('No TDTP connection is named "{0}". Known: {1}', name ?? '', viewer.connections.map((c) => c.name).join(', ')));
  return connection;
}

/**
 * An emitter's event that counts its listeners, so that what would be fired is built (copied) only
 * while another extension listens: the model's hot paths stay free otherwise.
 */
function countedEvent<T>(emitter: vscode.EventEmitter<T>): { event: vscode.Event<T>; listening(): boolean } {
  let listeners = 0;
  const event: vscode.Event<T> = (listener, thisArgs, disposables) => {
    listeners++;
    const subscription = emitter.event(listener, thisArgs);
    let counted = true;
    const handle = {
      dispose: () => {
        if (counted) listeners--;
        counted = false;
        subscription.dispose();
      },
    };
    if (Array.isArray(disposables)) disposables.push(handle);
    return handle;
  };
  return { event, listening: () => listeners > 0 };
}

/** The API and what disposes its listeners (the extension's subscriptions own it). */
export function createApi(viewer: Viewer, orchestrators: Pick<Orchestrators, 'servers' | 'onDidChangeJobs'>): { api: TdtpViewerApi; disposable: vscode.Disposable } {
  const owned = new DisposableStore();
  const events = owned.add(new vscode.EventEmitter<PipelineEvent>());
  const connections = owned.add(new vscode.EventEmitter<ConnectionInfo>());
  const jobs = owned.add(new vscode.EventEmitter<OrchestratorJobsChange>());
  const onDidChangeJobs = countedEvent(jobs);
  owned.add(
    orchestrators.onDidChangeJobs(({ server, change }) => {
      // Up to 500 jobs a poll: copied only for a listener.
      if (!onDidChangeJobs.listening()) return;
      const connection = server.endpoint.connection;
      jobs.fire(deepFreeze({ connection, jobs: change.jobs.map((job) => toOrchestratorJob(connection, job)), added: [...change.added], changed: [...change.changed], removed: [...change.removed] }));
    }),
  );
  const serversOf = (name: string | undefined) => orchestrators.servers.filter((s) => name === undefined || s.endpoint.connection === name);
  const onDidReceiveEvent = countedEvent(events);
  owned.add(viewer.onDidAddRun(({ connection, record }) => onDidReceiveEvent.listening() && events.fire(toPipelineEvent(connection.name, record))));
  owned.add(viewer.onDidChangeState((connection) => connections.fire(connectionInfo(connection))));
  const scope = (name: string | undefined) => (name === undefined ? viewer.connections : [connectionOrThrow(viewer, name)]);
  const api: TdtpViewerApi = {
    version: 1,
    onDidReceiveEvent: onDidReceiveEvent.event,
    onDidChangeConnection: connections.event,
    getConnections: () => viewer.connections.map(connectionInfo),
    getPipelines: (name) => scope(name).flatMap((c) => c.store.list().map((p) => toPipelineEvent(c.name, p.latest))),
    getHistory: (resultName, name) => scope(name).flatMap((c) => c.store.history(resultName).flatMap((item) => (item.kind === 'run' ? [toPipelineEvent(c.name, item)] : []))),
    pollPipelineState: (resultName, name) => pollState(connectionOrThrow(viewer, name), resultName),
    getJobs: (name) => serversOf(name).flatMap((s) => (s.model?.jobs ?? []).map((job) => toOrchestratorJob(s.endpoint.connection, job))),
    onDidChangeJobs: onDidChangeJobs.event,
  };
  return { api, disposable: owned };
}
