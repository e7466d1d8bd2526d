import { isDqWarning } from '../dataQuality';
import type { RunRecord } from '../runs';
import { withItem } from './list';
import type { AlertTransition } from './tracker';

/**
 * Which runs deserve a toast. *On change* (the default): the first failure, a recovery, a
 * data-quality verdict that changed or a dropped share far beyond the usual; further failures
 * only update the count on the pipeline's node. *Every event*: every failure, completed-with-
 * errors and data-quality warning, as before. In both, a recovery toasts, an unusual run toasts
 * when the user asked for it, and a success when the user asked for every success.
 */
export type NotificationPolicy = 'onChange' | 'everyEvent';

export type NoticeKind = 'failed' | 'completed_with_errors' | 'dq_warning' | 'success' | 'recovered' | 'unusual';

export interface NoticeSwitches {
  readonly failed: boolean;
  readonly completedWithErrors: boolean;
  readonly dataQuality: boolean;
  readonly success: boolean;
  readonly recovered: boolean;
  readonly unusual: boolean;
}

/** The toasts a run deserves, most important first (the front end shows the first). */
export function noticesFor(record: RunRecord, transitions: readonly AlertTransition[], policy: NotificationPolicy, on: NoticeSwitches): readonly NoticeKind[] {
  // The common case, a steady run with nothing to say, allocates nothing.
  if (transitions.length === 0 && policy === 'onChange' && !(on.success && record.run.statusKind === 'success')) return NO_NOTICES;
  // Made at the first notice: most runs with transitions (a failure that goes on, an unusual run
  // nobody asked to hear about) deserve none.
  let notices: NoticeKind[] | undefined;
  const status = record.run.statusKind;
  const failureNews = policy === 'everyEvent' || has(transitions, 'firstFailure');
  if (status === 'failed' && on.failed && failureNews) notices = withItem<NoticeKind>(notices, 'failed');
  if (status === 'completed_with_errors' && on.completedWithErrors && failureNews) notices = withItem<NoticeKind>(notices, 'completed_with_errors');
  if (status === 'success') {
    const recovered = has(transitions, 'recovered') && on.recovered;
    if (recovered) notices = withItem<NoticeKind>(notices, 'recovered');
    const dqNews = policy === 'everyEvent' ? isDqWarning(record.dq) : has(transitions, 'dqChanged') || has(transitions, 'dqGrew');
    if (dqNews && on.dataQuality) notices = withItem<NoticeKind>(notices, 'dq_warning');
    if (has(transitions, 'unusual') && on.unusual) notices = withItem<NoticeKind>(notices, 'unusual');
    if (on.success && !isDqWarning(record.dq) && !recovered) notices = withItem<NoticeKind>(notices, 'success');
  }
  return notices ?? NO_NOTICES;
}

/** A module function, not a closure in noticesFor: nothing is made per call on the common path. */
function has(transitions: readonly AlertTransition[], kind: AlertTransition['kind']): boolean {
  // An index, not for…of, which makes an iterator unless the optimiser removes it.
  for (let i = 0; i < transitions.length; i++) if (transitions[i].kind === kind) return true;
  return false;
}

const NO_NOTICES: readonly NoticeKind[] = Object.freeze([]);
