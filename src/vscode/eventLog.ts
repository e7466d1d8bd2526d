import * as vscode from 'vscode';
import { isDqWarning } from '../core/dataQuality';
import { describeDq, formatDuration, sanitizeForTerminal, statusLabel } from '../core/format';
import { PipelineStore } from '../core/store';
import { ViewerSession } from './session';

/**
 * One log line per event in the reference worker's spirit, plus every connection change and every
 * rejected message with its reason. The log is English like VS Code's own logs (it is pasted into bug reports).
 */
export class EventLog implements vscode.Disposable {
  private readonly disposables: vscode.Disposable[] = [];

  constructor(store: PipelineStore, session: ViewerSession, log: vscode.LogOutputChannel) {
    const runs = store.onDidAddRun((record) => {
      const { run } = record;
      const r = run.result;
      const origin = record.source === 'live' ? '' : ` [${record.source}]`;
      const line = `${sanitizeForTerminal(run.resultName)} (${sanitizeForTerminal(r.pipeline_name)}): ${sanitizeForTerminal(statusLabel(run))} in ${formatDuration(r.duration_ms)}, rows ${r.rows_loaded} → ${r.rows_exported}${origin}`;
      if (run.statusKind === 'failed') log.error(`${line}; error: ${sanitizeForTerminal(r.error ?? 'unknown error')}`);
      else if (run.statusKind === 'completed_with_errors') log.warn(`${line}; error: ${sanitizeForTerminal(r.error ?? 'unknown error')}`);
      else if (run.statusKind === 'unknown') log.warn(line);
      else if (isDqWarning(record.dq)) log.warn(`${line}; data quality: ${describeDq(record.dq)}`);
      else log.info(line);
      if (run.resultNameMismatch) log.warn(`${sanitizeForTerminal(run.resultName)}: the payload says result_name "${sanitizeForTerminal(r.result_name)}"`);
    });
    const rejected = store.onDidReject((m) => log.warn(`Rejected message on ${sanitizeForTerminal(m.source)}: ${sanitizeForTerminal(m.reason)} (${m.rawBytes} bytes)`));
    this.disposables.push(
      { dispose: () => runs.dispose() },
      { dispose: () => rejected.dispose() },
      session.onDidChangeState((state) => {
        switch (state.kind) {
          case 'connecting':
            log.info(`Connecting to ${session.endpoint} (attempt ${state.attempt})`);
            break;
          case 'connected':
            log.info(`Connected to ${session.endpoint}; subscribed`);
            break;
          case 'reconnecting':
            log.warn(`${state.problem.message} Retrying in ${Math.max(0, Math.round((state.retryAt - Date.now()) / 100) / 10)} s (attempt ${state.attempt}).`);
            break;
          case 'failed':
            log.error(`${state.problem.message} Not retrying until the settings change or you run "TDTP: Connect".`);
            break;
          case 'idle':
            log.info('Disconnected');
            break;
          case 'notConfigured':
            break;
        }
      }),
      session.onDidReconcile((report) => {
        const gap = report.gap ? `; events between ${new Date(report.gap.from).toISOString()} and ${new Date(report.gap.to).toISOString()} may have been lost` : '';
        log.info(`${report.source === 'loaded' ? 'Loaded' : 'Reconciled'} ${report.keys} state keys in ${report.durationMs} ms: ${report.added} new, ${report.rejected} rejected, ${report.expired.length} expired${gap}`);
      }),
    );
  }

  dispose(): void {
    for (const d of this.disposables) d.dispose();
  }
}
