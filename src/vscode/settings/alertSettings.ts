import * as vscode from 'vscode';
import { parseExpectations } from '../../core/alerts/expectations';
import type { AlertSettings } from '../../core/alerts/tracker';
import { gotOf } from '../../core/validate';
import { gotText } from '../words/actions';
import { expectationProblemText } from '../words/settings';

/**
 * `tdtp.expectations` and `tdtp.alerts.*` as the core's AlertSettings. A value out of range is
 * reported and replaced by the manifest's default (read from the manifest, not repeated here).
 * Problems come worded, for the log.
 */
export function readAlertSettings(section: vscode.WorkspaceConfiguration): { settings: AlertSettings; problems: string[] } {
  const parsed = parseExpectations(section.get<unknown>('expectations'));
  const { expectations } = parsed;
  const problems = parsed.problems.map(expectationProblemText);
  const number = (key: string, ok: (v: number) => boolean, expected: (setting: string, got: string) => string): number => {
    const value = section.get<unknown>(key);
    if (typeof value === 'number' && ok(value)) return value;
    problems.push(expected(`tdtp.${key}`, gotText(gotOf(value))));
    return section.inspect<number>(key)?.defaultValue ?? NaN;
  };
  const aboveOne = (setting: string, got: string) => vscode.l10n.t('{0}: expected a number above 1, got {1}; using the default', setting, got);
  return {
    settings: {
      expectations,
      learnCadence: section.get<boolean>('alerts.learnCadence') === true,
      unusual: {
        factor: number('alerts.unusualFactor', (v) => Number.isFinite(v) && v > 1 && v <= 1000, aboveOne),
        minRuns: number('alerts.unusualMinRuns', (v) => Number.isInteger(v) && v >= 1 && v <= 20, (setting, got) => vscode.l10n.t('{0}: expected a whole number from 1 to 20, got {1}; using the default', setting, got)),
      },
      dqGrowthFactor: number('alerts.dataQualityGrowthFactor', (v) => Number.isFinite(v) && v > 1 && v <= 1000, aboveOne),
    },
    problems,
  };
}
