// The workspace's links between scenarios and pipeline rows (core/orchestrator/links.ts), kept
// current from the pipeline-file index and the pubsub.yaml files, and the jobs of a row's
// scenarios on the orchestrator of the row's connection. The tree, the panel, the notifications
// and the API read it; it owns only its watcher and its events.
import * as vscode from 'vscode';
import { Emitter } from '../../core/emitter';
import { Disposable } from '../../core/lifecycle';
import type { LinkVia, ScenarioLink, ScenarioSource, Subscription } from '../../core/orchestrator/links';
import { LinkTable, ReadOrder, activeJobsOf, inExcludedFolder, jobsOfScenarios, mentionsOrchestrator, parsePubsubFile, scenariosTouched } from '../../core/orchestrator/links';
import { readScenarioHeader } from '../../core/orchestrator/scenarioFile';
import type { Job } from '../../core/orchestrator/types';
import type { PipelineDefinition } from '../../core/pipelineFiles';
import { MAX_PIPELINE_FILE_BYTES } from '../../core/pipelineFiles';
import type { WorkspacePipelineFiles } from '../workspace/pipelineFiles';
import type { OrchestratorServer, Orchestrators } from './orchestrators';
import { jobsView } from './panelJobs';
import type { JobsView } from '../../webview/protocol';

const PUBSUB_GLOB = '**/pubsub.{yaml,yml}';
const EXCLUDE = '**/{node_modules,.git}/**';
/** A workspace has one or two of them; more are not looked at (the search's and the watcher's bound). */
const MAX_PUBSUB_FILES = 20;
/** Files change in bursts (a checkout, a generator): one rebuild of the table for a burst. */
const REBUILD_DELAY_MS = 100;

/** Jobs of these scenarios changed on the orchestrator of this connection (undefined: maybe all). */
export interface RowsChange {
  readonly connection: string;
  readonly scenarios: ReadonlySet<string> | undefined;
}

export class OrchestratorLinks extends Disposable {
  private readonly changed = this.register(new Emitter<void>());
  private readonly rowsChanged = this.register(new Emitter<RowsChange>());
  /** The links changed (a scenario file or pubsub.yaml was added, edited or removed). */
  readonly onDidChange = this.changed.event;
  /** The rows of these scenarios may show something else (a job started, ended, or the server changed). */
  readonly onDidChangeRows = this.rowsChanged.event;

  private readonly scenarios = new Map<string, ScenarioSource>();
  private readonly subscriptions = new Map<string, readonly Subscription[]>();
  private tableValue = new LinkTable([], []);
  private readonly lastJobs = new Map<OrchestratorServer, readonly Job[]>();
  /** Reads of one file can land out of order: an older one never overwrites a newer one. */
  private readonly reads = new ReadOrder();
  private rebuildTimer: ReturnType<typeof setTimeout> | undefined;
  private pubsubStarted = false;
  private pubsubRefused = false;
  private disposed = false;

  constructor(
    private readonly files: WorkspacePipelineFiles,
    private readonly orchestrators: Orchestrators,
    private readonly log: vscode.LogOutputChannel,
  ) {
    super();
    this.register(files.index.onDidChange((changedFiles) => void this.rereadScenarios([...changedFiles])));
    void this.rereadScenarios(files.index.pipelineFiles());
    this.register(
      orchestrators.onDidChangeJobs(({ server, change }) => {
        const scenarios = scenariosTouched(this.lastJobs.get(server) ?? [], change.jobs, change);
        this.lastJobs.set(server, change.jobs);
        if (scenarios.size) this.rowsChanged.fire({ connection: server.endpoint.connection, scenarios });
      }),
    );
    this.register(
      orchestrators.onDidChangeServers(() => {
        for (const server of [...this.lastJobs.keys()]) if (!orchestrators.servers.includes(server)) this.lastJobs.delete(server);
        for (const server of orchestrators.servers) this.rowsChanged.fire({ connection: server.endpoint.connection, scenarios: undefined });
      }),
    );
    if (vscode.workspace.isTrusted) this.startPubsub();
    else this.register(vscode.workspace.onDidGrantWorkspaceTrust(() => this.startPubsub()));
  }

  get table(): LinkTable {
    return this.tableValue;
  }

  /** The scenarios linked to a result name (publishers, then those it triggers). */
  scenariosOf(resultName: string, via?: LinkVia): ScenarioLink[] {
    return this.tableValue.scenariosOf(resultName, via);
  }

  resultNamesOf(scenario: string, via?: LinkVia): ScenarioLink[] {
    return this.tableValue.resultNamesOf(scenario, via);
  }

  /** The orchestrator of a Redis connection (one per connection), when it has a model. */
  serverOf(connection: string): OrchestratorServer | undefined {
    return this.orchestrators.get(connection);
  }

  /** Active jobs of the scenarios that publish to the row. */
  runningJobs(connection: string, resultName: string): Job[] {
    const jobs = this.serverOf(connection)?.model?.jobs;
    if (!jobs?.length) return [];
    const names = new Set(this.scenariosOf(resultName, 'resultLog').map((l) => l.scenario));
    return names.size ? activeJobsOf(jobs, names) : [];
  }

  /** The newest jobs of every scenario linked to the row, newest first. */
  recentJobs(connection: string, resultName: string, limit: number, via?: LinkVia): Job[] {
    const jobs = this.serverOf(connection)?.model?.jobs;
    if (!jobs?.length) return [];
    const names = new Set(this.scenariosOf(resultName, via).map((l) => l.scenario));
    return names.size ? jobsOfScenarios(jobs, names, limit) : [];
  }

  /** The detail panel's list of the row's recent jobs, worded; undefined when no scenario is linked. */
  jobsView(connection: string, resultName: string, limit: number, nowMs: number): JobsView | undefined {
    return this.scenariosOf(resultName).length === 0 ? undefined : jobsView(this.recentJobs(connection, resultName, limit), nowMs);
  }

  /**
   * The newest job of a scenario publishing to the row: the one a run's event most likely came
   * from (the event can arrive before the poll sees the job end, so a running one counts).
   */
  latestJob(connection: string, resultName: string): Job | undefined {
    return this.recentJobs(connection, resultName, 1, 'resultLog')[0];
  }

  /** Whether a row publishes a result of any of the scenarios (of any scenario when undefined): a rows change concerns it. */
  touches(resultName: string, scenarios: ReadonlySet<string> | undefined): boolean {
    return scenarios ? this.tableValue.publishedBy(resultName, scenarios) : this.tableValue.scenariosOf(resultName, 'resultLog').length > 0;
  }

  private scheduleRebuild(): void {
    if (this.disposed) return;
    this.rebuildTimer ??= setTimeout(() => {
      this.rebuildTimer = undefined;
      if (!this.disposed) this.rebuild();
    }, REBUILD_DELAY_MS);
  }

  private rebuild(): void {
    const subs = [...this.subscriptions].flatMap(([file, list]) => list.map((subscription) => ({ file, subscription })));
    this.tableValue = new LinkTable(this.scenarios.values(), subs);
    this.changed.fire();
    for (const server of this.orchestrators.servers) this.rowsChanged.fire({ connection: server.endpoint.connection, scenarios: undefined });
  }

  private async rereadScenarios(files: readonly string[]): Promise<void> {
    let touched = false;
    for (const file of files) {
      const latest = this.reads.begin(`scenario ${file}`);
      const definitions = this.files.index.definitionsIn(file);
      const source = definitions.length ? await this.readScenario(file, definitions) : undefined;
      if (!latest()) continue;
      if (source) {
        const was = this.scenarios.get(file);
        if (was?.scenario !== source.scenario || was.definition?.resultName !== source.definition?.resultName) touched = true;
        this.scenarios.set(file, source);
      } else if (this.scenarios.delete(file)) touched = true;
    }
    if (touched) this.scheduleRebuild();
  }

  private async readScenario(file: string, definitions: readonly PipelineDefinition[]): Promise<ScenarioSource | undefined> {
    const uri = vscode.Uri.parse(file);
    const bytes = await readBounded(uri).catch(() => undefined);
    if (!bytes) return undefined;
    const text = new TextDecoder().decode(bytes);
    const header = mentionsOrchestrator(text) ? readScenarioHeader(uri.fsPath, text) : undefined;
    return header && { file, scenario: header.name, definition: definitions.find((d) => d.documentIndex === 0) };
  }

  override dispose(): void {
    this.disposed = true;
    clearTimeout(this.rebuildTimer);
    super.dispose();
  }

  private startPubsub(): void {
    if (this.pubsubStarted) return;
    this.pubsubStarted = true;
    const watcher = this.register(vscode.workspace.createFileSystemWatcher(PUBSUB_GLOB));
    this.register(watcher.onDidCreate((uri) => void this.readPubsub(uri)));
    this.register(watcher.onDidChange((uri) => void this.readPubsub(uri)));
    this.register(
      watcher.onDidDelete((uri) => {
        const key = uri.toString();
        this.reads.forget(`pubsub ${key}`);
        if (this.subscriptions.delete(key)) this.scheduleRebuild();
      }),
    );
    void vscode.workspace.findFiles(PUBSUB_GLOB, EXCLUDE, MAX_PUBSUB_FILES).then(
      (uris) => Promise.all(uris.map((uri) => this.readPubsub(uri))),
      (err: unknown) => this.log.warn(`Looking for pubsub.yaml failed: ${(err as Error).message}`),
    );
  }

  /** A pubsub.yaml found or changed. The watcher has no bounds of its own: they are applied here. */
  private async readPubsub(uri: vscode.Uri): Promise<void> {
    const folder = vscode.workspace.getWorkspaceFolder(uri);
    if (folder === undefined || inExcludedFolder(vscode.workspace.asRelativePath(uri, false))) return;
    const key = uri.toString();
    if (!this.subscriptions.has(key)) {
      if (this.subscriptions.size >= MAX_PUBSUB_FILES) {
        if (!this.pubsubRefused) this.log.warn(`More than ${MAX_PUBSUB_FILES} pubsub.yaml files: ${uri.fsPath} and later ones are not read`);
        this.pubsubRefused = true;
        return;
      }
      // Its place is taken now: a burst of new files cannot all pass the count while they are read.
      this.subscriptions.set(key, []);
    }
    const latest = this.reads.begin(`pubsub ${key}`);
    const bytes = await readBounded(uri).catch(() => undefined);
    if (this.disposed || !latest()) return;
    const parsed = bytes ? parsePubsubFile(new TextDecoder().decode(bytes)) : undefined;
    if (parsed?.problems.length) this.log.warn(`pubsub.yaml skipped: ${uri.fsPath}: ${parsed.problems[0].code}`);
    this.subscriptions.set(key, parsed?.subscriptions ?? []);
    this.scheduleRebuild();
  }
}

/** A file's bytes, or undefined when it is larger than a pipeline file may be (then it is not read). */
export async function readBounded(uri: vscode.Uri): Promise<Uint8Array | undefined> {
  const { size } = await vscode.workspace.fs.stat(uri);
  if (size > MAX_PIPELINE_FILE_BYTES) return undefined;
  return vscode.workspace.fs.readFile(uri);
}
