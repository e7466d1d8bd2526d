import type * as vscode from 'vscode';
import { describeDq, formatDuration, statusLabel } from '../../core/format';
import { Disposable } from '../../core/lifecycle';
import { STREAMS_PER_CONNECT } from '../../core/history/streams';
import { displayStatusOf } from '../../core/status';
import { logValue } from '../../core/text';
import type { Viewer } from '../connections/viewer';
import { problemText } from '../words/problems';
import { namedSettingProblemText } from '../words/settings';

/** Event and rejection lines written per second at most. */
const EVENT_LINES_PER_SECOND = 100;

/**
 * One log line per event in the reference worker's spirit, plus every connection change and every
 * rejected message with its reason. The log is English like VS Code's own logs (it is pasted into bug reports).
 */
export class EventLog extends Disposable {
  private logged = 0;
  private skipped = 0;
  private windowTimer: ReturnType<typeof setTimeout> | undefined;

  constructor(
    viewer: Viewer,
    private readonly log: vscode.LogOutputChannel,
  ) {
    super();
    this.register({ dispose: () => clearTimeout(this.windowTimer) });
    const tag = (name: string) => (viewer.multiple ? `[${logValue(name)}] ` : '');
    this.register(
      viewer.onDidAddRun(({ connection, record }) => {
        if (!this.admit()) return;
        const { run } = record;
        const r = run.result;
        const origin = record.source === 'live' ? '' : ` [${record.source}]`;
        const line = `${tag(connection.name)}${logValue(run.resultName)} (${logValue(r.pipeline_name)}): ${logValue(statusLabel(run))} in ${formatDuration(r.duration_ms)}, rows ${r.rows_loaded} → ${r.rows_exported}${origin}`;
        const status = displayStatusOf(record);
        if (status === 'failed') log.error(`${line}; error: ${logValue(r.error ?? 'unknown error')}`);
        else if (status === 'completed_with_errors') log.warn(`${line}; error: ${logValue(r.error ?? 'unknown error')}`);
        else if (status === 'unknown') log.warn(line);
        else if (status === 'dq_warning') log.warn(`${line}; data quality: ${describeDq(record.dq)}`);
        else log.info(line);
        if (run.resultNameMismatch) log.warn(`${tag(connection.name)}${logValue(run.resultName)}: the payload says result_name "${logValue(r.result_name)}"`);
      }),
    );
    this.register(
      viewer.onDidReject(({ connection, message: m }) => this.admit() && log.warn(`${tag(connection.name)}Rejected message on ${logValue(m.source)}: ${logValue(m.reason)} (${m.rawBytes} bytes)`)),
    );
    this.register(
      viewer.onDidChangeState((connection) => {
        const state = connection.state;
        const where = `${tag(connection.name)}`;
        switch (state.kind) {
          case 'connecting':
            log.info(`${where}Connecting to ${logValue(connection.endpoint ?? '')} (attempt ${state.attempt})`);
            break;
          case 'connected':
            log.info(`${where}Connected to ${logValue(connection.endpoint ?? '')}; subscribed`);
            break;
          case 'reconnecting':
            log.warn(`${where}${logValue(problemText(state.problem))} Retrying in ${Math.max(0, Math.round((state.retryAt - Date.now()) / 100) / 10)} s (attempt ${state.attempt}).`);
            break;
          case 'failed':
            log.error(`${where}${logValue(problemText(state.problem))} Not retrying until the settings change or you run "TDTP: Connect".`);
            break;
          case 'idle':
            log.info(`${where}Disconnected`);
            break;
          case 'notConfigured':
            for (const problem of state.problems) log.error(`${where}Setting rejected: ${logValue(namedSettingProblemText(problem))}`);
            break;
        }
      }),
    );
    this.register(
      viewer.onDidReconcile(({ connection, report }) => {
        const gap = report.gap ? `; events between ${new Date(report.gap.from).toISOString()} and ${new Date(report.gap.to).toISOString()} may have been lost` : '';
        const unread = report.streams?.unread ? ` (${report.streams.unread} streams not read: over ${STREAMS_PER_CONNECT} per connect, or new pipelines with no room under the limit)` : '';
        const overtaken = report.streams?.overtaken ? `; ${report.streams.overtaken} streams' runs came after newer live runs and were left out` : '';
        const streams = report.streams?.streams ? `; ${report.streams.added} runs from ${report.streams.streams} recorder streams${unread}, which cover the gap for ${report.streams.covered} pipelines${overtaken}` : '';
        log.info(`${tag(connection.name)}${report.source === 'loaded' ? 'Loaded' : 'Reconciled'} ${report.keys} state keys in ${report.durationMs} ms: ${report.added} new, ${report.rejected} rejected, ${report.expired.length} expired${gap}${streams}`);
      }),
    );
  }

  /**
   * A flood of events must not become a flood of log lines (each one crosses to the window):
   * past EVENT_LINES_PER_SECOND, events are counted and one line says how many were not logged.
   */
  private admit(): boolean {
    this.windowTimer ??= setTimeout(() => this.closeWindow(), 1000);
    if (this.logged < EVENT_LINES_PER_SECOND) {
      this.logged++;
      return true;
    }
    this.skipped++;
    return false;
  }

  private closeWindow(): void {
    this.windowTimer = undefined;
    if (this.skipped > 0) this.log.warn(`${this.skipped} more events in the last second not logged (more than ${EVENT_LINES_PER_SECOND} a second); the model and the view have them.`);
    this.logged = 0;
    this.skipped = 0;
  }
}
