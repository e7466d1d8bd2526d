// The orchestrators the settings name, one per connection, each an OrchestratorModel with its
// credentials from SecretStorage (bound to the URL they were saved for). Owns the models: the
// views, commands and notifications only listen. Tells each model whether someone looks (the
// Orchestrator view visible and the window focused) so that polling costs nothing otherwise.
import * as vscode from 'vscode';
import { Emitter } from '../../core/emitter';
import { Disposable } from '../../core/lifecycle';
import { OrchestratorClient } from '../../core/orchestrator/client';
import type { EndpointProblem, OrchestratorEndpoint } from '../../core/orchestrator/endpointSettings';
import { readEndpoints, secretScope } from '../../core/orchestrator/endpointSettings';
import type { ModelPart } from '../../core/orchestrator/model';
import { OrchestratorModel } from '../../core/orchestrator/model';
import type { JobsChange, PollFailure } from '../../core/orchestrator/poller';
import type { Credentials } from '../../core/orchestrator/types';
import type { PasswordStore, SecretKind } from '../connections/secrets';
import type { Config } from '../settings/config';

/** Why a server has no model: its secret is missing, or the user would not send it to a new URL. */
export type CredentialsState = 'ok' | 'missingToken' | 'missingPassword' | 'refused';

export interface OrchestratorServer {
  readonly endpoint: OrchestratorEndpoint;
  /** Undefined until credentials are known, or without them. */
  readonly model: OrchestratorModel | undefined;
  readonly credentials: CredentialsState | 'pending';
}

export interface ServerPartChange {
  readonly server: OrchestratorServer;
  readonly part: ModelPart;
}

export interface ServerJobsChange {
  readonly server: OrchestratorServer;
  readonly change: JobsChange;
}

export interface ServerJobsFailure {
  readonly server: OrchestratorServer;
  readonly failure: PollFailure;
}

/** The secret an endpoint's auth mode needs. */
export function secretKindOf(endpoint: OrchestratorEndpoint): SecretKind | undefined {
  return endpoint.auth === 'token' ? 'orchestratorToken' : endpoint.auth === 'ldap' ? 'orchestratorPassword' : undefined;
}

class Server implements OrchestratorServer {
  model: OrchestratorModel | undefined;
  credentials: CredentialsState | 'pending' = 'pending';
  /** Bumped by each connect (and when the server goes): a connect that finishes after a newer one started is dropped. */
  connects = 0;
  constructor(readonly endpoint: OrchestratorEndpoint) {}
}

/** Whether two endpoints are the same server with the same credentials (its model can stay). */
function sameEndpoint(a: OrchestratorEndpoint, b: OrchestratorEndpoint): boolean {
  return a.connection === b.connection && a.baseUrl.href === b.baseUrl.href && a.auth === b.auth && a.username === b.username && a.timeZone === b.timeZone;
}

export class Orchestrators extends Disposable {
  private readonly serversChanged = this.register(new Emitter<void>());
  private readonly partChanged = this.register(new Emitter<ServerPartChange>());
  private readonly jobsChanged = this.register(new Emitter<ServerJobsChange>());
  private readonly jobsFailed = this.register(new Emitter<ServerJobsFailure>());
  /** The list of servers, or one's credentials state, changed. */
  readonly onDidChangeServers = this.serversChanged.event;
  readonly onDidChange = this.partChanged.event;
  readonly onDidChangeJobs = this.jobsChanged.event;
  readonly onDidFailJobs = this.jobsFailed.event;

  private list: Server[] = [];
  private settingProblems: EndpointProblem[] = [];
  private visible = false;
  private disposed = false;
  private readonly modelListeners = new Map<Server, vscode.Disposable[]>();
  /** Connects under way (whenSettled). */
  private readonly connecting = new Set<Promise<void>>();

  constructor(
    private readonly config: Config,
    private readonly passwords: PasswordStore,
    private readonly log: vscode.LogOutputChannel,
  ) {
    super();
    this.register(config.onDidChange((change) => change === 'orchestrator' && this.rebuild()));
    this.register(
      passwords.onDidChange(({ connection, kind }) => {
        const server = this.list.find((s) => s.endpoint.connection === connection);
        if (server && secretKindOf(server.endpoint) === kind) void this.connect(server);
      }),
    );
    this.register(vscode.window.onDidChangeWindowState(() => this.tellLooking()));
    this.register({
      dispose: () => {
        // A connect still awaiting a secret or an answer checks this and builds nothing.
        this.disposed = true;
        this.disposeModels(this.list);
      },
    });
    this.rebuild();
  }

  get servers(): readonly OrchestratorServer[] {
    return this.list;
  }

  /** Problems with the orchestrator settings, as facts. */
  get problems(): readonly EndpointProblem[] {
    return this.settingProblems;
  }

  get(connection: string): OrchestratorServer | undefined {
    return this.list.find((s) => s.endpoint.connection === connection);
  }

  /** The Orchestrator view's visibility (with the window's focus: whether someone looks). */
  setVisible(visible: boolean): void {
    this.visible = visible;
    this.tellLooking();
  }

  private tellLooking(): void {
    for (const server of this.list) server.model?.setLooking(this.visible, vscode.window.state.focused);
  }

  /** Builds the servers from the settings again (a setting changed): an unchanged server keeps its model; a changed or removed one is disposed. */
  rebuild(): void {
    const { endpoints, problems } = readEndpoints(this.config.orchestratorSettings());
    this.settingProblems = problems;
    for (const problem of problems) this.log.warn(`Orchestrator setting ${problem.setting}: ${problem.code}`);
    const old = this.list;
    const fresh: Server[] = [];
    this.list = endpoints.map((endpoint) => {
      const kept = old.find((s) => sameEndpoint(s.endpoint, endpoint));
      if (kept) return kept;
      const server = new Server(endpoint);
      fresh.push(server);
      return server;
    });
    const gone = old.filter((s) => !this.list.includes(s));
    for (const server of gone) server.connects++;
    this.disposeModels(gone);
    this.serversChanged.fire();
    for (const server of fresh) void this.connect(server);
  }

  /** Resolves when no connect is under way (for tests: a connect that would be dropped has been). */
  async whenSettled(): Promise<void> {
    while (this.connecting.size > 0) await Promise.all(this.connecting);
  }

  /** Reads the server's secret and starts its model (again, after a secret changed); only the latest connect of a server counts. */
  connect(server: Server): Promise<void> {
    const run = this.connectNow(server).finally(() => this.connecting.delete(run));
    this.connecting.add(run);
    return run;
  }

  private async connectNow(server: Server): Promise<void> {
    const attempt = ++server.connects;
    const current = () => !this.disposed && attempt === server.connects && this.list.includes(server);
    const credentials = await this.credentialsOf(server.endpoint);
    // Superseded (a newer connect, the server gone, or this owner disposed): what it read is not used.
    if (!current() || credentials === undefined) return;
    this.disposeModels([server]);
    if ('state' in credentials) {
      server.credentials = credentials.state;
      this.serversChanged.fire();
      return;
    }
    const model = new OrchestratorModel({ client: new OrchestratorClient({ baseUrl: server.endpoint.baseUrl, credentials: credentials.credentials }) });
    server.model = model;
    server.credentials = 'ok';
    this.modelListeners.set(server, [
      model.onDidChange((part) => this.partChanged.fire({ server, part })),
      model.onDidChangeJobs((change) => this.jobsChanged.fire({ server, change })),
      model.onDidFailJobs((failure) => this.jobsFailed.fire({ server, failure })),
    ]);
    model.setLooking(this.visible, vscode.window.state.focused);
    model.start();
    this.serversChanged.fire();
  }

  /** The credentials to send, why there are none, or undefined when the secret changed meanwhile (the connect that change starts decides). */
  private async credentialsOf(endpoint: OrchestratorEndpoint): Promise<{ credentials: Credentials } | { state: CredentialsState } | undefined> {
    const kind = secretKindOf(endpoint);
    if (!kind) return { credentials: { kind: 'none' } };
    const scope = secretScope(endpoint.baseUrl);
    const stored = await this.passwords.getBound(endpoint.connection, kind);
    if (!stored) return { state: kind === 'orchestratorToken' ? 'missingToken' : 'missingPassword' };
    if (stored.endpoint !== scope) {
      // A workspace (trusted) pointed this connection's orchestrator elsewhere: its secret goes there only if the user says so.
      const send = await this.passwords.askElsewhere(endpoint.connection, kind, stored.endpoint, scope);
      if (!send) return { state: 'refused' };
      // False: the secret was cleared or replaced while the user answered; the old one is not sent.
      if (!(await this.passwords.rebind(stored.password, endpoint.connection, kind, stored.endpoint, scope))) return undefined;
    }
    const secret = stored.password;
    return { credentials: kind === 'orchestratorToken' ? { kind: 'token', token: secret } : { kind: 'basic', username: endpoint.username, password: secret } };
  }

  private disposeModels(servers: readonly Server[]): void {
    for (const server of servers) {
      for (const listener of this.modelListeners.get(server) ?? []) listener.dispose();
      this.modelListeners.delete(server);
      server.model?.dispose();
      server.model = undefined;
    }
  }
}
