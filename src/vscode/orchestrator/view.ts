// The Orchestrator view: per server a health line and the groups Jobs, Scenarios and Schedules
// (a server row only when more than one server is set). The model emits per part; this turns each
// event into a refresh of that group only, coalesced, and skipped while the view is hidden (one
// whole refresh when it shows again). Its visibility drives the models' polling speed.
import * as vscode from 'vscode';
import { Disposable } from '../../core/lifecycle';
import type { ModelPart, OrchestratorModel } from '../../core/orchestrator/model';
import { sortJobsForDisplay } from '../../core/orchestrator/jobs';
import type { Job } from '../../core/orchestrator/types';
import { orchestratorProblemText } from '../words/orchestrator';
import type { Group, OrchNode } from './items';
import { groupItem, healthItem, jobItem, messageItem, scenarioItem, scheduleItem, serverItem, settingProblemItem } from './items';
import type { OrchestratorServer, Orchestrators } from './orchestrators';
import type { PasswordStore } from '../connections/secrets';
import { OrchestratorCommands } from './commands';
import { JobLogProvider } from './jobLog';
import type { UiHolder } from './prompts';

export const ORCHESTRATOR_VIEW_ID = 'tdtp.orchestrator';
/** How often the elapsed time of running jobs is redrawn while the view shows. */
const TICK_MS = 5_000;
/** Events within this are one refresh. */
const COALESCE_MS = 50;

/** What the welcome views read (`tdtp.orchestrator.state`). */
export type ViewState = 'notConfigured' | 'badSettings' | 'missingToken' | 'missingPassword' | 'refused' | 'refusedPassword' | 'unreachable' | 'ok';

const key = (...parts: string[]): string => parts.map(encodeURIComponent).join('/');
/** The kind of a group's rows. */
const ROW_KIND = { jobs: 'job', scenarios: 'scenario', schedules: 'schedule' } as const satisfies Record<Group, OrchNode['kind']>;

export class OrchestratorTreeProvider extends Disposable implements vscode.TreeDataProvider<OrchNode> {
  private readonly changed = this.register(new vscode.EventEmitter<OrchNode | undefined>());
  readonly onDidChangeTreeData = this.changed.event;
  private readonly stateChanged = this.register(new vscode.EventEmitter<ViewState>());
  readonly onDidChangeState = this.stateChanged.event;
  private readonly nodes = new Map<string, OrchNode>();
  private readonly pending = new Set<OrchNode>();
  private whole = false;
  private flushTimer: ReturnType<typeof setTimeout> | undefined;
  private tickTimer: ReturnType<typeof setInterval> | undefined;
  private visible = false;
  private stale = false;
  private current: ViewState = 'notConfigured';
  /** Fired refreshes, for tests and the bench. */
  refreshes = 0;

  constructor(private readonly orchestrators: Orchestrators) {
    super();
    this.register(
      orchestrators.onDidChangeServers(() => {
        this.forgetGoneServers();
        this.refresh();
      }),
    );
    this.register(orchestrators.onDidChange(({ server, part }) => this.onPart(server, part)));
    this.register(
      orchestrators.onDidChangeJobs(({ server }) => {
        this.refresh(this.groupNode(server, 'jobs'));
        this.updateTicker();
      }),
    );
    this.register({
      dispose: () => {
        if (this.flushTimer) clearTimeout(this.flushTimer);
        if (this.tickTimer) clearInterval(this.tickTimer);
      },
    });
    this.current = this.computeState();
  }

  get state(): ViewState {
    return this.current;
  }

  setVisible(visible: boolean): void {
    this.visible = visible;
    if (visible && this.stale) this.refresh();
    this.updateTicker();
  }

  private onPart(server: OrchestratorServer, part: ModelPart): void {
    switch (part) {
      case 'health':
        return this.refresh(this.single() ? this.node({ kind: 'health', id: key('health', server.endpoint.connection), server: server.endpoint.connection }) : this.serverNode(server), true);
      case 'role':
        return this.refresh(this.single() ? undefined : this.serverNode(server));
      case 'scenarios':
      case 'approvals':
        return this.refresh(this.groupNode(server, 'scenarios'));
      case 'schedules':
        return this.refresh(this.groupNode(server, 'schedules'));
      case 'requests':
        return;
    }
  }

  /** Refreshes one node (undefined: the whole tree), coalesced; while hidden, only remembers. */
  refresh(node?: OrchNode, checkState = false): void {
    if (checkState || node === undefined) {
      const state = this.computeState();
      if (state !== this.current) {
        this.current = state;
        this.stateChanged.fire(state);
        node = undefined;
      }
    }
    if (!this.visible) {
      this.stale = true;
      return;
    }
    if (node === undefined) this.whole = true;
    else this.pending.add(node);
    this.flushTimer ??= setTimeout(() => this.flush(), COALESCE_MS);
  }

  private flush(): void {
    this.flushTimer = undefined;
    this.stale = false;
    if (this.whole) {
      this.refreshes++;
      this.changed.fire(undefined);
    } else for (const node of this.pending) {
      this.refreshes++;
      this.changed.fire(node);
    }
    this.whole = false;
    this.pending.clear();
  }

  /** Redraws running jobs' elapsed time while the view shows and a job runs. */
  private updateTicker(): void {
    const running = this.visible && this.orchestrators.servers.some((s) => s.model?.jobs.some((j) => j.status === 'running' || j.status === 'pending'));
    if (running && !this.tickTimer) {
      this.tickTimer = setInterval(() => {
        for (const server of this.orchestrators.servers) if (server.model?.jobs.some((j) => j.status === 'running')) this.refresh(this.groupNode(server, 'jobs'));
        this.updateTicker();
      }, TICK_MS);
    } else if (!running && this.tickTimer) {
      clearInterval(this.tickTimer);
      this.tickTimer = undefined;
    }
  }

  private single(): boolean {
    return this.orchestrators.servers.length === 1;
  }

  private computeState(): ViewState {
    const servers = this.orchestrators.servers;
    // Named but unusable: the view stays, its rows word what is wrong.
    if (servers.length === 0) return this.orchestrators.problems.length > 0 ? 'badSettings' : 'notConfigured';
    if (servers.length > 1) return 'ok';
    const server = servers[0];
    if (server.credentials === 'refused' && server.endpoint.auth === 'ldap') return 'refusedPassword';
    if (server.credentials === 'missingToken' || server.credentials === 'missingPassword' || server.credentials === 'refused') return server.credentials;
    const problem = server.model?.health.problem;
    if (problem && (problem.code === 'unreachable' || problem.code === 'timeout')) return 'unreachable';
    return 'ok';
  }

  /** The text the view shows above its rows (the worded problem when unreachable). */
  message(): string | undefined {
    if (this.current !== 'unreachable') return undefined;
    const problem = this.orchestrators.servers[0]?.model?.health.problem;
    return problem ? orchestratorProblemText(problem) : undefined;
  }

  /** One object per id, so a refresh can name the node the tree holds. */
  private node<T extends OrchNode>(fresh: T): T {
    const known = this.nodes.get(fresh.id);
    if (known) return known as T;
    this.nodes.set(fresh.id, fresh);
    return fresh;
  }

  /** The ids of the cached nodes (for tests). */
  cachedIds(): string[] {
    return [...this.nodes.keys()];
  }

  private forgetGoneServers(): void {
    for (const [id, node] of this.nodes) if (!this.orchestrators.get(node.server)) this.nodes.delete(id);
  }

  /** A group's rows now; its cached rows not among them (a job, scenario or schedule gone) leave the cache. */
  private listedIn(group: OrchNode & { kind: 'group' }, rows: OrchNode[]): OrchNode[] {
    const kind = ROW_KIND[group.group];
    const now = new Set(rows.map((n) => n.id));
    for (const [id, node] of this.nodes) if (node.kind === kind && node.server === group.server && !now.has(id)) this.nodes.delete(id);
    return rows;
  }

  private serverNode(server: OrchestratorServer): OrchNode {
    return this.node({ kind: 'server', id: key('server', server.endpoint.connection), server: server.endpoint.connection });
  }

  groupNode(server: OrchestratorServer, group: Group): OrchNode {
    return this.node({ kind: 'group', id: key('group', server.endpoint.connection, group), server: server.endpoint.connection, group });
  }

  jobNode(connection: string, jobId: string): OrchNode {
    return this.node({ kind: 'job', id: key('job', connection, jobId), server: connection, jobId });
  }

  getChildren(element?: OrchNode): OrchNode[] {
    const servers = this.orchestrators.servers;
    if (!element) {
      if (this.current !== 'ok' && this.current !== 'badSettings') return [];
      const problems = this.orchestrators.problems.map((problem, i) => this.node({ kind: 'setting', id: key('setting', String(i), problem.setting, problem.code), server: '', problem }));
      return [...problems, ...(servers.length === 1 ? this.serverChildren(servers[0]) : servers.map((s) => this.serverNode(s)))];
    }
    if (element.kind === 'setting') return [];
    const server = this.orchestrators.get(element.server);
    if (!server) return [];
    if (element.kind === 'server') return this.serverChildren(server);
    if (element.kind !== 'group' || !server.model) return [];
    const model = server.model;
    return this.listedIn(element, this.groupChildren(element.group, model, server.endpoint.connection));
  }

  private groupChildren(group: Group, model: OrchestratorModel, c: string): OrchNode[] {
    switch (group) {
      case 'jobs':
        return sortJobsForDisplay(model.jobs).map((job) => this.jobNode(c, job.id));
      case 'scenarios':
        return model.scenarios.value.map((s) => this.node({ kind: 'scenario', id: key('scenario', c, s.name), server: c, name: s.name }));
      case 'schedules':
        return model.schedules.value.map((s) => this.node({ kind: 'schedule', id: key('schedule', c, s.id), server: c, scheduleId: s.id }));
    }
  }

  private serverChildren(server: OrchestratorServer): OrchNode[] {
    const c = server.endpoint.connection;
    if (server.credentials !== 'ok' && server.credentials !== 'pending') return [this.node({ kind: 'message', id: key('credentials', c), server: c, what: 'credentials' })];
    const model = server.model;
    if (!model) return [];
    const rows: OrchNode[] = [this.node({ kind: 'health', id: key('health', c), server: c })];
    if (model.role.value === undefined) {
      if (model.role.problem) rows.push(this.node({ kind: 'message', id: key('role', c), server: c, what: 'role' }));
      return rows;
    }
    rows.push(this.groupNode(server, 'jobs'), this.groupNode(server, 'scenarios'));
    if (model.can('viewSchedules')) rows.push(this.groupNode(server, 'schedules'));
    return rows;
  }

  getParent(element: OrchNode): OrchNode | undefined {
    const server = this.orchestrators.get(element.server);
    if (!server || element.kind === 'server') return undefined;
    const top = this.single() ? undefined : this.serverNode(server);
    switch (element.kind) {
      case 'job':
        return this.groupNode(server, 'jobs');
      case 'scenario':
        return this.groupNode(server, 'scenarios');
      case 'schedule':
        return this.groupNode(server, 'schedules');
      default:
        return top;
    }
  }

  getTreeItem(element: OrchNode): vscode.TreeItem {
    const item = this.itemOf(element);
    item.id = element.id;
    return item;
  }

  private itemOf(element: OrchNode): vscode.TreeItem {
    if (element.kind === 'setting') return settingProblemItem(element.problem);
    const server = this.orchestrators.get(element.server);
    if (!server) return new vscode.TreeItem('');
    const model = server.model;
    const now = Date.now();
    switch (element.kind) {
      case 'server':
        return serverItem(server);
      case 'health':
        return healthItem(server);
      case 'group':
        return groupItem(server, element.group);
      case 'message':
        return messageItem(server, element.what);
      case 'job': {
        const job = model && jobById(model.jobs).get(element.jobId);
        return job && model ? jobItem(model, job, now, element) : new vscode.TreeItem('');
      }
      case 'scenario': {
        const scenario = model?.scenarios.value.find((s) => s.name === element.name);
        return scenario && model ? scenarioItem(model, scenario) : new vscode.TreeItem('');
      }
      case 'schedule': {
        const schedule = model?.schedules.value.find((s) => s.id === element.scheduleId);
        return schedule ? scheduleItem(server, schedule, now) : new vscode.TreeItem('');
      }
    }
  }
}

/** The view, its TreeView and the context keys its welcome views read. */
export class OrchestratorView extends Disposable {
  readonly tree: OrchestratorTreeProvider;
  readonly view: vscode.TreeView<OrchNode>;

  constructor(readonly orchestrators: Orchestrators) {
    super();
    this.tree = this.register(new OrchestratorTreeProvider(orchestrators));
    this.view = this.register(vscode.window.createTreeView(ORCHESTRATOR_VIEW_ID, { treeDataProvider: this.tree, showCollapseAll: true }));
    this.register(
      this.view.onDidChangeVisibility((e) => {
        this.tree.setVisible(e.visible);
        orchestrators.setVisible(e.visible);
      }),
    );
    this.register(this.tree.onDidChangeState(() => this.applyState()));
    this.register(orchestrators.onDidChange(({ part }) => part === 'health' && this.applyState()));
    this.tree.setVisible(this.view.visible);
    orchestrators.setVisible(this.view.visible);
    this.applyState();
  }

  private applyState(): void {
    void vscode.commands.executeCommand('setContext', 'tdtp.orchestrator.state', this.tree.state);
    this.view.message = this.tree.message();
  }
}

/** The Orchestrator view, its job log documents and its commands; owned by context.subscriptions. */
export function registerOrchestratorView(context: vscode.ExtensionContext, orchestrators: Orchestrators, passwords: PasswordStore, prompts: UiHolder): OrchestratorView {
  const view = new OrchestratorView(orchestrators);
  context.subscriptions.push(view, new JobLogProvider(orchestrators));
  new OrchestratorCommands(orchestrators, passwords, prompts).register(context);
  return view;
}

/** Each poll's list is a new frozen array: index it once, not once per row (500 rows: 125,000 comparisons). */
const indexes = new WeakMap<readonly Job[], ReadonlyMap<string, Job>>();
function jobById(jobs: readonly Job[]): ReadonlyMap<string, Job> {
  let index = indexes.get(jobs);
  if (!index) indexes.set(jobs, (index = new Map(jobs.map((j) => [j.id, j]))));
  return index;
}
