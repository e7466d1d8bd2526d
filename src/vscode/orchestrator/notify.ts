// Which orchestrator changes toast, told to the NotificationController (its storm summary and
// wording): a job that failed or was stopped — transitions only, never what the first poll
// loaded, under tdtp.notifications.policy — and, for admins, a new pending run request. Muted
// like a pipeline: by the scenario's name, or by any result name its file publishes to.
import * as vscode from 'vscode';
import { firstLine } from '../../core/format';
import { Disposable } from '../../core/lifecycle';
import type { JobNoticeKind } from '../../core/orchestrator/notices';
import { inertText } from '../../core/text';
import { JobNoticeTracker, RequestNoticeTracker } from '../../core/orchestrator/notices';
import type { Job, RunRequest } from '../../core/orchestrator/types';
import type { NotificationController } from '../notify/notifications';
import type { Config } from '../settings/config';
import type { OrchestratorLinks } from './links';
import type { OrchestratorServer, Orchestrators } from './orchestrators';

export class OrchestratorNotices extends Disposable {
  private readonly jobs = new WeakMap<OrchestratorServer, { model: unknown; tracker: JobNoticeTracker }>();
  private readonly requests = new WeakMap<OrchestratorServer, { model: unknown; tracker: RequestNoticeTracker }>();

  constructor(
    orchestrators: Orchestrators,
    private readonly links: OrchestratorLinks,
    private readonly notifications: NotificationController,
    private readonly config: Config,
  ) {
    super();
    this.register(
      orchestrators.onDidChangeJobs(({ server, change }) => {
        const notices = this.trackerOf(this.jobs, server, () => new JobNoticeTracker()).update(change.jobs, change, this.config.notifications.policy);
        const settings = this.config.notifications;
        for (const notice of notices) {
          // Failures follow the pipelines' switch; a stop is someone's act and always said.
          if (notice.kind === 'jobFailed' && !settings.failed) continue;
          if (this.muted(notice.job)) continue;
          const job = notice.job;
          this.notifications.offerOrchestrator({ ...notice, connection: server.endpoint.connection, present: (where) => this.present(where, job.scenario, jobToast(notice.kind, job), job.id, server.endpoint.connection) });
        }
      }),
    );
    this.register(
      orchestrators.onDidChange(({ server, part }) => {
        const model = server.model;
        if (part !== 'requests' || !model?.requests.loaded || model.requests.problem) return;
        const fresh = this.trackerOf(this.requests, server, () => new RequestNoticeTracker()).update(model.requests.value);
        // Admins review; a consumer sees only their own requests, nothing to be told.
        if (!model.can('reviewRequest')) return;
        for (const request of fresh) {
          if (this.muted({ scenario: request.scenario })) continue;
          this.notifications.offerOrchestrator({ kind: 'request', connection: server.endpoint.connection, request, present: (where) => this.present(where, request.scenario, requestToast(request)) });
        }
      }),
    );
  }

  /** A tracker per server and model: a new model (credentials changed) starts over, its first load silent. */
  private trackerOf<T>(map: WeakMap<OrchestratorServer, { model: unknown; tracker: T }>, server: OrchestratorServer, make: () => T): T {
    const known = map.get(server);
    if (known && known.model === server.model) return known.tracker;
    const tracker = make();
    map.set(server, { model: server.model, tracker });
    return tracker;
  }

  /** Shows the toast (its action: the job's log, or the requests); Mute mutes the scenario. Returns what it showed. */
  private present(where: string, scenario: string, toast: Toast, jobId?: string, connection?: string): string {
    const mute = vscode.l10n.t('Mute');
    const message = inertText(where + toast.message);
    toast.present(message, toast.action, mute).then((choice) => {
      if (choice === mute) void this.config.setMuted(scenario, true);
      else if (choice === toast.action && jobId === undefined) void vscode.commands.executeCommand('tdtp.orchestratorRequests.focus');
      else if (choice === toast.action) void vscode.commands.executeCommand('tdtp.orchestrator.showJobLog', { server: connection, jobId });
    });
    return message;
  }

  private muted(job: Pick<Job, 'scenario'>): boolean {
    const muted = this.config.notifications.muted;
    if (muted.length === 0) return false;
    return muted.includes(job.scenario) || this.links.resultNamesOf(job.scenario, 'resultLog').some((l) => muted.includes(l.resultName));
  }
}

interface Toast {
  readonly message: string;
  readonly action: string;
  readonly present: (message: string, ...items: string[]) => Thenable<string | undefined>;
}

function jobToast(kind: JobNoticeKind, job: Job): Toast {
  const name = job.scenario;
  return kind === 'jobFailed'
    ? { message: vscode.l10n.t('TDTP: the orchestrator job of {0} failed: {1}', name, firstLine(job.error ?? '', 300) || vscode.l10n.t('unknown error')), action: vscode.l10n.t('Show Log'), present: vscode.window.showErrorMessage }
    : { message: vscode.l10n.t('TDTP: the orchestrator job of {0} was stopped by {1}.', name, job.cancelledBy || '?'), action: vscode.l10n.t('Show Log'), present: vscode.window.showWarningMessage };
}

function requestToast(r: RunRequest): Toast {
  const message = vscode.l10n.t('TDTP: a new run request for {0} from {1} waits for review.', r.scenario, r.submitterName || r.submitterId) + (r.title ? ` ${firstLine(r.title, 200)}` : '');
  return { message, action: vscode.l10n.t('Show Requests'), present: vscode.window.showWarningMessage };
}
