import * as vscode from 'vscode';
import { isDqWarning } from '../core/dataQuality';
import { describeDq, formatDuration, statusLabel } from '../core/format';
import { logValue } from '../core/text';
import { Viewer } from './viewer';

/**
 * One log line per event in the reference worker's spirit, plus every connection change and every
 * rejected message with its reason. The log is English like VS Code's own logs (it is pasted into bug reports).
 */
export class EventLog implements vscode.Disposable {
  private readonly disposables: vscode.Disposable[] = [];

  constructor(viewer: Viewer, log: vscode.LogOutputChannel) {
    const tag = (name: string) => (viewer.multiple ? `[${logValue(name)}] ` : '');
    this.disposables.push(
      viewer.onDidAddRun(({ session, record }) => {
        const { run } = record;
        const r = run.result;
        const origin = record.source === 'live' ? '' : ` [${record.source}]`;
        const line = `${tag(session.name)}${logValue(run.resultName)} (${logValue(r.pipeline_name)}): ${logValue(statusLabel(run))} in ${formatDuration(r.duration_ms)}, rows ${r.rows_loaded} → ${r.rows_exported}${origin}`;
        if (run.statusKind === 'failed') log.error(`${line}; error: ${logValue(r.error ?? 'unknown error')}`);
        else if (run.statusKind === 'completed_with_errors') log.warn(`${line}; error: ${logValue(r.error ?? 'unknown error')}`);
        else if (run.statusKind === 'unknown') log.warn(line);
        else if (isDqWarning(record.dq)) log.warn(`${line}; data quality: ${describeDq(record.dq)}`);
        else log.info(line);
        if (run.resultNameMismatch) log.warn(`${tag(session.name)}${logValue(run.resultName)}: the payload says result_name "${logValue(r.result_name)}"`);
      }),
      viewer.onDidReject(({ session, message: m }) => log.warn(`${tag(session.name)}Rejected message on ${logValue(m.source)}: ${logValue(m.reason)} (${m.rawBytes} bytes)`)),
      viewer.onDidChangeState((session) => {
        const state = session.state;
        const where = `${tag(session.name)}`;
        switch (state.kind) {
          case 'connecting':
            log.info(`${where}Connecting to ${logValue(session.endpoint ?? '')} (attempt ${state.attempt})`);
            break;
          case 'connected':
            log.info(`${where}Connected to ${logValue(session.endpoint ?? '')}; subscribed`);
            break;
          case 'reconnecting':
            log.warn(`${where}${logValue(state.problem.message)} Retrying in ${Math.max(0, Math.round((state.retryAt - Date.now()) / 100) / 10)} s (attempt ${state.attempt}).`);
            break;
          case 'failed':
            log.error(`${where}${logValue(state.problem.message)} Not retrying until the settings change or you run "TDTP: Connect".`);
            break;
          case 'idle':
            log.info(`${where}Disconnected`);
            break;
          case 'notConfigured':
            break;
        }
      }),
      viewer.onDidReconcile(({ session, report }) => {
        const gap = report.gap ? `; events between ${new Date(report.gap.from).toISOString()} and ${new Date(report.gap.to).toISOString()} may have been lost` : '';
        log.info(`${tag(session.name)}${report.source === 'loaded' ? 'Loaded' : 'Reconciled'} ${report.keys} state keys in ${report.durationMs} ms: ${report.added} new, ${report.rejected} rejected, ${report.expired.length} expired${gap}`);
      }),
    );
  }

  dispose(): void {
    for (const d of this.disposables) d.dispose();
  }
}
