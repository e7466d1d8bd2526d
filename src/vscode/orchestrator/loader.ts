// The orchestrator features cost nothing until an orchestrator is configured: their code is a
// bundle of its own (dist/lib/orchestrator.js, from feature.ts), required when the settings name
// an orchestrator — at activation, or when a setting changes — or when something asks for it (the
// test seam). Until then the API's jobs are empty and the views stay hidden (their `when` reads
// context keys that only the loaded features set).
import * as vscode from 'vscode';
import { Emitter } from '../../core/emitter';
import { Disposable } from '../../core/lifecycle';
import { namesOrchestrator } from '../../core/orchestrator/endpointSources';
import type { Config } from '../settings/config';
import type * as Feature from './feature';
import type { OrchestratorDeps, OrchestratorFeature } from './feature';
import { JOB_LOG_SCHEME } from './jobLogNames';
import type { OrchestratorServer, ServerJobsChange } from './orchestrators';

export class OrchestratorLoader extends Disposable {
  private feature: OrchestratorFeature | undefined;
  private readonly jobsChanged = this.register(new Emitter<ServerJobsChange>());
  /** The loaded orchestrators' job changes (none before they load). */
  readonly onDidChangeJobs = this.jobsChanged.event;
  /**
   * Until the features load, a job-log tab restored after a reload (its orchestrator since removed
   * from the settings) gets a sentence instead of an error; the features' own provider replaces it.
   */
  private placeholder: vscode.Disposable | undefined = vscode.workspace.registerTextDocumentContentProvider(JOB_LOG_SCHEME, {
    provideTextDocumentContent: () => vscode.l10n.t('No orchestrator is configured, so this job\'s log cannot be read. Set tdtp.orchestrator.url (or an "orchestrator" in a tdtp.connections entry), then open the log again.'),
  });

  constructor(
    private readonly context: vscode.ExtensionContext,
    private readonly deps: OrchestratorDeps,
    config: Config,
  ) {
    super();
    this.register({ dispose: () => this.placeholder?.dispose() });
    const named = () => namesOrchestrator(config.orchestratorSettings());
    if (named()) this.load();
    this.register(config.onDidChange((change) => change === 'orchestrator' && !this.feature && named() && this.load()));
  }

  get loaded(): boolean {
    return this.feature !== undefined;
  }

  /** The servers of the loaded features; none before they load. */
  get servers(): readonly OrchestratorServer[] {
    return this.feature?.orchestrators.servers ?? [];
  }

  /** Loads the features (once) and returns them. */
  load(): OrchestratorFeature {
    if (!this.feature) {
      this.placeholder?.dispose();
      this.placeholder = undefined;
      // The build points this require at dist/lib/orchestrator.js.
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      const { activateOrchestrator } = require('./feature') as typeof Feature;
      this.feature = activateOrchestrator(this.context, this.deps);
      this.register(this.feature.orchestrators.onDidChangeJobs((change) => this.jobsChanged.fire(change)));
    }
    return this.feature;
  }
}
