// What the orchestrator's commands share: the one way a command chooses its server (chooseAmong),
// and the role context keys that hide what the connected role cannot do (`when` clauses in the
// manifest).
import * as vscode from 'vscode';
import { Disposable } from '../../core/lifecycle';
import type { OrchestratorModel } from '../../core/orchestrator/model';
import type { OrchestratorAction } from '../../core/orchestrator/roles';
import { serverText } from '../words/orchestrator';
import { noConnectionText, noServerText as noServerWords } from '../words/orchestratorAdmin';
import type { OrchestratorServer, Orchestrators } from './orchestrators';
import type { OrchestratorUi, UiHolder } from './prompts';

/** A server with a model, the model's role allowing `action`. */
export interface Acting {
  readonly server: OrchestratorServer;
  readonly model: OrchestratorModel;
}

/** The servers whose connected role may do `action`. */
export function serversFor(orchestrators: Orchestrators, action: OrchestratorAction): Acting[] {
  return orchestrators.servers.flatMap((server) => (server.model?.can(action) ? [{ server, model: server.model }] : []));
}

/** The connection a command argument names (a node's `connection`, or its `server`'s), if any. */
export function connectionOf(arg: unknown): string | undefined {
  if (typeof arg !== 'object' || arg === null) return undefined;
  // An inbox row has `connection`; an Orchestrator view node names its connection `server`.
  const record = arg as { connection?: unknown; server?: unknown };
  if (typeof record.connection === 'string') return record.connection;
  if (typeof record.server === 'string') return record.server;
  const fromServer = (record.server as { endpoint?: { connection?: unknown } } | undefined)?.endpoint?.connection;
  return typeof fromServer === 'string' ? fromServer : undefined;
}

/**
 * The one of `candidates` a command argument names, the only one, or the user's pick; `none` says
 * why there is none (`named`: the connection the argument named, which is not a candidate). The
 * one home for choosing a server: the view's commands and the admin features both come here.
 */
export async function chooseAmong<T>(candidates: readonly T[], serverOf: (c: T) => OrchestratorServer, arg: unknown, pick: OrchestratorUi['pick'], none: (named: string | undefined) => void): Promise<T | undefined> {
  const named = typeof arg === 'string' ? arg : connectionOf(arg);
  if (named !== undefined) {
    const found = candidates.find((c) => serverOf(c).endpoint.connection === named);
    if (found === undefined) none(named);
    return found;
  }
  if (candidates.length === 0) {
    none(undefined);
    return undefined;
  }
  if (candidates.length === 1) return candidates[0];
  const items = candidates.map((c) => ({ label: serverText(serverOf(c).endpoint.connection), description: serverText(serverOf(c).endpoint.baseUrl.href), chosen: c }));
  return (await pick(items, { placeHolder: vscode.l10n.t('Which orchestrator?') }))?.chosen;
}

/** The server to act on, its connected role allowing `action` (chooseAmong). */
export function chooseServer(orchestrators: Orchestrators, prompts: UiHolder, action: OrchestratorAction, arg?: unknown): Promise<Acting | undefined> {
  const none = (named: string | undefined) => void prompts.ui.error(named !== undefined && !orchestrators.get(named) ? noConnectionText(named) : noServerText(orchestrators, action));
  return chooseAmong(serversFor(orchestrators, action), (c) => c.server, arg, (items, options) => prompts.ui.pick(items, options), none);
}

function noServerText(orchestrators: Orchestrators, action: OrchestratorAction): string {
  const servers = orchestrators.servers;
  return noServerWords(servers.length === 0 ? 'none' : servers.some((s) => s.model?.role.value !== undefined) ? 'connected' : 'notConnected', action);
}

/** Registers a table of command handlers: one disposable for them all. */
export function commandTable(table: Record<string, (arg?: unknown) => Promise<unknown>>): vscode.Disposable {
  return vscode.Disposable.from(...Object.entries(table).map(([id, handler]) => vscode.commands.registerCommand(id, handler)));
}

/** The context keys the manifest's `when` clauses read; `values` is what was set last (tests read it). */
export const ROLE_KEYS = {
  configured: 'tdtp.orchestrator.configured',
  connected: 'tdtp.orchestrator.connected',
  canSubmit: 'tdtp.orchestrator.canSubmit',
  canReview: 'tdtp.orchestrator.canReview',
  canEditSchedules: 'tdtp.orchestrator.canEditSchedules',
  canEditTokens: 'tdtp.orchestrator.canEditTokens',
} as const;

export type RoleKey = keyof typeof ROLE_KEYS;

/** Keeps the role context keys true to the connected roles of every server. */
export class RoleContext extends Disposable {
  private last: Record<RoleKey, boolean> | undefined;

  constructor(private readonly orchestrators: Orchestrators) {
    super();
    this.register(orchestrators.onDidChangeServers(() => this.update()));
    this.register(orchestrators.onDidChange(({ part }) => (part === 'role' ? this.update() : undefined)));
    this.update();
  }

  get values(): Readonly<Record<RoleKey, boolean>> {
    return this.last ?? this.compute();
  }

  private compute(): Record<RoleKey, boolean> {
    const servers = this.orchestrators.servers;
    const any = (action: OrchestratorAction) => servers.some((s) => s.model?.can(action) === true);
    return {
      configured: servers.length > 0,
      connected: servers.some((s) => s.model?.role.value !== undefined),
      canSubmit: any('submitRequest'),
      canReview: any('reviewRequest'),
      canEditSchedules: any('editSchedules'),
      canEditTokens: any('editTokens'),
    };
  }

  update(): void {
    const next = this.compute();
    for (const key of Object.keys(ROLE_KEYS) as RoleKey[]) {
      if (this.last?.[key] !== next[key]) void vscode.commands.executeCommand('setContext', ROLE_KEYS[key], next[key]);
    }
    this.last = next;
  }
}
