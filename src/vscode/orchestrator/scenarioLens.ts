// Above a scenario file's `orchestrator:` header, per orchestrator: *Run on Orchestrator*, the
// approval state (approved, not approved, changed since approval) and whether the file on disk is
// byte for byte what was approved (its SHA-256 against the approved hash), said before anyone
// approves; *Approve* and *Revoke* for admins, confirmed with the hash. The header's place follows
// unsaved edits; the hash is always of the file on disk (what the server would load).
import * as vscode from 'vscode';
import { Disposable } from '../../core/lifecycle';
import { approvalState } from '../../core/orchestrator/approvals';
import { mentionsOrchestrator } from '../../core/orchestrator/links';
import type { OrchestratorModel } from '../../core/orchestrator/model';
import type { ScenarioHeader } from '../../core/orchestrator/scenarioFile';
import { readScenarioHeader, scenarioSha256 } from '../../core/orchestrator/scenarioFile';
import { inertText } from '../../core/text';
import { approvalTitle, approvalTooltip, shortHash } from '../words/approval';
import { orchestratorProblemText, serverText } from '../words/orchestrator';
import { PIPELINE_FILE_SELECTOR } from '../workspace/codeLens';
import type { WorkspacePipelineFiles } from '../workspace/pipelineFiles';
import { readBounded } from './links';
import type { Orchestrators } from './orchestrators';
import type { UiHolder } from './prompts';
import { NOT_MODAL, confirmed } from './prompts';

/** The arguments of Approve and Revoke: the orchestrator's connection, the scenario, and the file (a URI) to compare with. */
export interface ApprovalArg {
  readonly server: string;
  readonly scenario: string;
  readonly file?: string;
}

function approvalArg(value: unknown): ApprovalArg | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  const { server, scenario, file } = value as Record<string, unknown>;
  if (typeof server !== 'string' || typeof scenario !== 'string') return undefined;
  return { server, scenario, file: typeof file === 'string' ? file : undefined };
}

export class ScenarioLens extends Disposable implements vscode.CodeLensProvider {
  private readonly changeEmitter = this.register(new vscode.EventEmitter<void>());
  readonly onDidChangeCodeLenses = this.changeEmitter.event;
  private readonly headers = new WeakMap<vscode.TextDocument, { version: number; header: ScenarioHeader | undefined }>();
  /** The SHA-256 of files on disk, by URI, with the mtime it was taken at. */
  private readonly hashes = new Map<string, { mtime: number; sha256: string | undefined }>();
  constructor(
    private readonly orchestrators: Orchestrators,
    private readonly files: WorkspacePipelineFiles,
    private readonly prompts: UiHolder,
  ) {
    super();
    const refresh = () => this.changeEmitter.fire();
    this.register(orchestrators.onDidChangeServers(refresh));
    this.register(orchestrators.onDidChange(({ part }) => (part === 'approvals' || part === 'scenarios' || part === 'role') && refresh()));
    this.register(vscode.workspace.onDidSaveTextDocument(refresh));
    this.register(vscode.workspace.onDidCloseTextDocument((d) => this.hashes.delete(d.uri.toString())));
    this.register(vscode.languages.registerCodeLensProvider(PIPELINE_FILE_SELECTOR, this));
    this.register(vscode.commands.registerCommand('tdtp.orchestrator.approveScenario', (arg: unknown) => this.approve(approvalArg(arg))));
    this.register(vscode.commands.registerCommand('tdtp.orchestrator.revokeApproval', (arg: unknown) => this.revoke(approvalArg(arg))));
  }

  private header(document: vscode.TextDocument): ScenarioHeader | undefined {
    const cached = this.headers.get(document);
    if (cached?.version === document.version) return cached.header;
    const text = document.getText();
    // Bounded before anything is parsed (a repository's huge YAML costs nothing), and only the header
    // is read: no hash (that is of the file on disk), no pipeline.
    const header = mentionsOrchestrator(text) ? readScenarioHeader(document.uri.fsPath, text) : undefined;
    this.headers.set(document, { version: document.version, header });
    return header;
  }

  /** The file's SHA-256 on disk, read again only when its mtime moved; undefined when too large or unreadable. */
  async diskSha256(uri: vscode.Uri): Promise<string | undefined> {
    const key = uri.toString();
    try {
      const { mtime } = await vscode.workspace.fs.stat(uri);
      const cached = this.hashes.get(key);
      if (cached?.mtime === mtime) return cached.sha256;
      const bytes = await readBounded(uri);
      const sha256 = bytes && scenarioSha256(bytes);
      this.hashes.set(key, { mtime, sha256 });
      return sha256;
    } catch {
      return undefined;
    }
  }

  async provideCodeLenses(document: vscode.TextDocument): Promise<vscode.CodeLens[]> {
    // Nothing from a workspace not trusted (the pipeline files are not read either).
    if (!this.files.active || document.uri.scheme !== 'file') return [];
    const header = this.header(document);
    if (!header) return [];
    const servers = this.orchestrators.servers.filter((s) => s.model);
    if (servers.length === 0) return [];
    const fileSha256 = await this.diskSha256(document.uri);
    const range = new vscode.Range(header.line, 0, header.line, 0);
    const lenses: vscode.CodeLens[] = [];
    const lens = (title: string, command = '', args?: unknown, tooltip?: string) => lenses.push(new vscode.CodeLens(range, { title, command, arguments: args === undefined ? undefined : [args], tooltip }));
    for (const server of servers) {
      const model = server.model!;
      const connection = server.endpoint.connection;
      const where = servers.length > 1 ? `${inertText(connection)}: ` : '';
      const known = model.scenarios.value.some((s) => s.name === header.name);
      const arg = { server: connection, scenario: header.name, file: document.uri.toString() };
      if (model.scenarios.loaded && !known) {
        lens(`$(warning) ${where}${vscode.l10n.t('Not loaded by the orchestrator')}`, '', undefined, vscode.l10n.t('The orchestrator reads scenario files when it starts: this one is not among its scenarios.'));
        continue;
      }
      if (model.can('run')) lens(`$(play) ${where}${vscode.l10n.t('Run on Orchestrator')}`, 'tdtp.orchestrator.runScenario', { server: connection, scenario: header.name });
      if (model.can('viewApproval')) {
        const answer = model.approvals.get(header.name);
        if (answer) {
          const state = approvalState(answer, fileSha256);
          const problem = !answer.ok && answer.problem.code !== 'notFound' ? `\n${orchestratorProblemText(answer.problem)}` : '';
          lens(where + approvalTitle(state, fileSha256), '', undefined, approvalTooltip(state, fileSha256, document.isDirty) + problem);
          if (model.can('approveScenario')) lens(`$(check) ${vscode.l10n.t('Approve')}`, 'tdtp.orchestrator.approveScenario', arg);
          if (model.can('revokeApproval') && (state.kind === 'approved' || state.kind === 'disabled')) lens(`$(close) ${vscode.l10n.t('Revoke')}`, 'tdtp.orchestrator.revokeApproval', arg);
        }
      } else if (fileSha256 !== undefined) {
        // Only admins may read approvals: the hash still tells what an admin would be asked to approve.
        lens(where + vscode.l10n.t('file SHA-256 {0}', shortHash(fileSha256)), '', undefined, vscode.l10n.t('SHA-256 of the file on disk: {0}', fileSha256));
      }
    }
    return lenses;
  }

  private model(arg: ApprovalArg | undefined): OrchestratorModel | undefined {
    const model = arg && this.orchestrators.get(arg.server)?.model;
    if (arg && !model) void this.prompts.ui.warn(vscode.l10n.t('The orchestrator of "{0}" is not connected: set its token or password first.', inertText(arg.server)), NOT_MODAL);
    return model;
  }

  /** Approves what the server loaded at its start, after a modal that shows the hash of the file on disk. */
  async approve(arg: ApprovalArg | undefined): Promise<boolean> {
    const model = this.model(arg);
    if (!arg || !model) return false;
    const fileSha256 = arg.file ? await this.diskSha256(vscode.Uri.parse(arg.file)) : undefined;
    const name = serverText(arg.scenario, 120);
    const approve = vscode.l10n.t('Approve');
    const detail = [vscode.l10n.t('The orchestrator approves the content it loaded when it started, not the file in the workspace.')];
    if (fileSha256) detail.push(vscode.l10n.t('SHA-256 of the file on disk: {0}', fileSha256));
    if (!(await confirmed(this.prompts.ui, vscode.l10n.t('Approve the scenario "{0}"?', name), approve, detail.join('\n')))) return false;
    const answer = await model.call((c, signal) => c.approve(arg.scenario, { signal }));
    if (!answer.ok) {
      void this.prompts.ui.error(orchestratorProblemText(answer.problem));
      return false;
    }
    await model.refreshApproval(arg.scenario);
    const approved = answer.value.sha256.toLowerCase();
    if (fileSha256 !== undefined && approved !== fileSha256) {
      void this.prompts.ui.warn(
        vscode.l10n.t('Approved "{0}" with SHA-256 {1}, but the file on disk has {2}: the orchestrator loaded another version. Restart it to load the file, then approve again.', name, serverText(approved, 80), fileSha256),
        NOT_MODAL,
      );
    } else {
      vscode.window.setStatusBarMessage(vscode.l10n.t('TDTP: "{0}" approved (SHA-256 {1}).', name, serverText(approved, 80)), 10_000);
    }
    return true;
  }

  async revoke(arg: ApprovalArg | undefined): Promise<boolean> {
    const model = this.model(arg);
    if (!arg || !model) return false;
    const name = serverText(arg.scenario, 120);
    const current = model.approvals.get(arg.scenario);
    const revoke = vscode.l10n.t('Revoke');
    const detail = current?.ok ? vscode.l10n.t('Approved SHA-256: {0}', serverText(current.value.sha256, 80)) : undefined;
    if (!(await confirmed(this.prompts.ui, vscode.l10n.t('Revoke the approval of "{0}"? The orchestrator will refuse to run it.', name), revoke, detail))) return false;
    const answer = await model.call((c, signal) => c.revokeApproval(arg.scenario, { signal }));
    if (!answer.ok) {
      void this.prompts.ui.error(orchestratorProblemText(answer.problem));
      return false;
    }
    await model.refreshApproval(arg.scenario);
    return true;
  }
}
