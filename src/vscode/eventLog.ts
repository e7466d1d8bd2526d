import * as vscode from 'vscode';
import { describeDq, formatDuration, statusLabel } from '../core/format';
import { Disposable } from '../core/lifecycle';
import { displayStatusOf } from '../core/store';
import { logValue } from '../core/text';
import { Viewer } from './viewer';
import { problemText } from './problemText';

/**
 * One log line per event in the reference worker's spirit, plus every connection change and every
 * rejected message with its reason. The log is English like VS Code's own logs (it is pasted into bug reports).
 */
export class EventLog extends Disposable {
  constructor(viewer: Viewer, log: vscode.LogOutputChannel) {
    super();
    const tag = (name: string) => (viewer.multiple ? `[${logValue(name)}] ` : '');
    this.register(
      viewer.onDidAddRun(({ connection, record }) => {
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
      viewer.onDidReject(({ connection, message: m }) => log.warn(`${tag(connection.name)}Rejected message on ${logValue(m.source)}: ${logValue(m.reason)} (${m.rawBytes} bytes)`)),
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
            break;
        }
      }),
    );
    this.register(
      viewer.onDidReconcile(({ connection, report }) => {
        const gap = report.gap ? `; events between ${new Date(report.gap.from).toISOString()} and ${new Date(report.gap.to).toISOString()} may have been lost` : '';
        log.info(`${tag(connection.name)}${report.source === 'loaded' ? 'Loaded' : 'Reconciled'} ${report.keys} state keys in ${report.durationMs} ms: ${report.added} new, ${report.rejected} rejected, ${report.expired.length} expired${gap}`);
      }),
    );
  }
}
