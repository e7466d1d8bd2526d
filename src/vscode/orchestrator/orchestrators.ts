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
  constructor(readonly endpoint: OrchestratorEndpoint) {}
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
  private generation = 0;
  private readonly modelListeners = new Map<Server, vscode.Disposable[]>();

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
        if (server && secretKindOf(server.endpoint) === kind) void this.connect(server, this.generation);
      }),
    );
    this.register(vscode.window.onDidChangeWindowState(() => this.tellLooking()));
    this.register({ dispose: () => this.disposeModels(this.list) });
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

  /** Builds the servers from the settings again (a setting changed). */
  rebuild(): void {
    const { endpoints, problems } = readEndpoints(this.config.orchestratorSettings());
    this.settingProblems = problems;
    for (const problem of problems) this.log.warn(`Orchestrator setting ${problem.setting}: ${problem.code}`);
    const old = this.list;
    this.generation++;
    this.list = endpoints.map((endpoint) => new Server(endpoint));
    this.disposeModels(old);
    this.serversChanged.fire();
    for (const server of this.list) void this.connect(server, this.generation);
  }

  /** Reads the server's secret and starts its model (again, after a secret changed). */
  async connect(server: Server, generation: number): Promise<void> {
    const credentials = await this.credentialsOf(server.endpoint);
    if (generation !== this.generation || !this.list.includes(server)) return;
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

  private async credentialsOf(endpoint: OrchestratorEndpoint): Promise<{ credentials: Credentials } | { state: CredentialsState }> {
    const kind = secretKindOf(endpoint);
    if (!kind) return { credentials: { kind: 'none' } };
    const scope = secretScope(endpoint.baseUrl);
    const stored = await this.passwords.getBound(endpoint.connection, kind);
    if (!stored) return { state: kind === 'orchestratorToken' ? 'missingToken' : 'missingPassword' };
    if (stored.endpoint !== scope) {
      // A workspace (trusted) pointed this connection's orchestrator elsewhere: its secret goes there only if the user says so.
      const send = await this.passwords.askElsewhere(endpoint.connection, kind, stored.endpoint, scope);
      if (!send) return { state: 'refused' };
      await this.passwords.rebind(stored.password, endpoint.connection, kind, stored.endpoint, scope);
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
