// The requests inbox (view tdtp.orchestratorRequests): the pending run requests of every connected
// orchestrator — all of them for an admin, a consumer's own otherwise (the server decides, the
// model holds its answer) — with their count as the view's badge. Rows carry `reviewable` when the
// role may test, approve and reject them; the manifest's menus match on it.
import * as vscode from 'vscode';
import { Emitter } from '../../core/emitter';
import { Disposable } from '../../core/lifecycle';
import type { OrchestratorProblem, RunRequest } from '../../core/orchestrator/types';
import { ageText, dateTimeText } from '../words/format';
import { orchestratorProblemHeadline, orchestratorProblemText, serverText } from '../words/orchestrator';
import { paramsText } from '../words/orchestratorAdmin';
import type { Orchestrators } from './orchestrators';

export const REQUESTS_VIEW_ID = 'tdtp.orchestratorRequests';

export type RequestsNode =
  | { readonly kind: 'request'; readonly connection: string; readonly request: RunRequest; readonly reviewable: boolean }
  | { readonly kind: 'problem'; readonly connection: string; readonly problem: OrchestratorProblem };

export class RequestsTree extends Disposable implements vscode.TreeDataProvider<RequestsNode> {
  private readonly changed = this.register(new Emitter<RequestsNode | undefined>());
  readonly onDidChangeTreeData = this.changed.event;

  constructor(private readonly orchestrators: Orchestrators) {
    super();
  }

  refresh(): void {
    this.changed.fire(undefined);
  }

  /** Every pending request shown, server by server. */
  nodes(): RequestsNode[] {
    const out: RequestsNode[] = [];
    for (const server of this.orchestrators.servers) {
      const model = server.model;
      if (!model || model.role.value === undefined) continue;
      const connection = server.endpoint.connection;
      if (model.requests.problem) out.push({ kind: 'problem', connection, problem: model.requests.problem });
      const reviewable = model.can('reviewRequest');
      for (const request of model.requests.value) if (request.status === 'pending') out.push({ kind: 'request', connection, request, reviewable });
    }
    return out;
  }

  /** What the badge counts: the pending requests. */
  get pendingCount(): number {
    return this.nodes().filter((n) => n.kind === 'request').length;
  }

  getChildren(node?: RequestsNode): RequestsNode[] {
    return node ? [] : this.nodes();
  }

  getTreeItem(node: RequestsNode): vscode.TreeItem {
    const many = this.orchestrators.servers.length > 1;
    if (node.kind === 'problem') {
      const item = new vscode.TreeItem(orchestratorProblemHeadline(node.problem));
      item.id = `${node.connection}/problem`;
      item.description = many ? serverText(node.connection, 40) : undefined;
      item.tooltip = orchestratorProblemText(node.problem);
      item.iconPath = new vscode.ThemeIcon('warning', new vscode.ThemeColor('problemsWarningIcon.foreground'));
      item.contextValue = 'orchRequestsProblem';
      return item;
    }
    const r = node.request;
    const label = r.title !== undefined && r.title !== '' ? serverText(r.title, 80) : serverText(r.scenario, 80);
    const item = new vscode.TreeItem(label);
    item.id = `${node.connection}/${r.id}`;
    const parts = [r.title ? serverText(r.scenario, 60) : undefined, serverText(r.submitterName, 40), r.createdAt ? ageText(r.createdAt.epochMs) : undefined, many ? serverText(node.connection, 40) : undefined];
    item.description = parts.filter((p) => p !== undefined && p !== '').join(' · ');
    item.tooltip = [
      vscode.l10n.t('Request {0}', serverText(r.id, 60)),
      vscode.l10n.t('Scenario: {0}', serverText(r.scenario, 80)),
      vscode.l10n.t('Parameters: {0}', paramsText(r.params)),
      vscode.l10n.t('Submitted by {0}', serverText(r.submitterName, 60)),
      r.createdAt ? vscode.l10n.t('Submitted at {0}', dateTimeText(r.createdAt.epochMs)) : undefined,
    ]
      .filter((line) => line !== undefined)
      .join('\n');
    item.iconPath = new vscode.ThemeIcon('inbox');
    item.accessibilityInformation = { label: vscode.l10n.t('Pending request {0} for {1} from {2}', label, serverText(r.scenario, 80), serverText(r.submitterName, 40)) };
    item.contextValue = node.reviewable ? 'orchRequest pending reviewable' : 'orchRequest pending';
    return item;
  }
}

/** The view, its badge, and the refreshes that follow the models. */
export class RequestsView extends Disposable {
  readonly tree: RequestsTree;
  readonly view: vscode.TreeView<RequestsNode>;

  constructor(private readonly orchestrators: Orchestrators) {
    super();
    this.tree = this.register(new RequestsTree(orchestrators));
    this.view = this.register(vscode.window.createTreeView(REQUESTS_VIEW_ID, { treeDataProvider: this.tree, showCollapseAll: false }));
    this.register(orchestrators.onDidChangeServers(() => this.update()));
    this.register(orchestrators.onDidChange(({ part }) => (part === 'requests' || part === 'role' ? this.update() : undefined)));
    // Someone looking at the inbox is someone looking at the orchestrator: poll at the faster rate.
    this.register(this.view.onDidChangeVisibility(({ visible }) => visible && this.refreshAll()));
    this.update();
  }

  /** The badge as the view shows it now (tests read it). */
  get badge(): vscode.ViewBadge | undefined {
    return this.view.badge;
  }

  private update(): void {
    this.tree.refresh();
    const count = this.tree.pendingCount;
    this.view.badge = count > 0 ? { value: count, tooltip: vscode.l10n.t('{0} pending requests', count) } : undefined;
  }

  /** Asks every server for its pending requests again. */
  async refreshAll(): Promise<void> {
    await Promise.all(this.orchestrators.servers.map((s) => s.model?.refreshRequests()));
  }
}
