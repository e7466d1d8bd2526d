import * as vscode from 'vscode';
import { parseExpectations } from '../core/alerts/expectations';
import type { AlertSettings } from '../core/alerts/tracker';

/**
 * `tdtp.expectations` and `tdtp.alerts.*` as the core's AlertSettings. A value out of range is
 * reported and replaced by the manifest's default (read from the manifest, not repeated here).
 */
export function readAlertSettings(section: vscode.WorkspaceConfiguration): { settings: AlertSettings; problems: string[] } {
  const { expectations, problems } = parseExpectations(section.get<unknown>('expectations'));
  const number = (key: string, ok: (v: number) => boolean, expected: string): number => {
    const value = section.get<unknown>(key);
    if (typeof value === 'number' && ok(value)) return value;
    problems.push(`tdtp.${key}: expected ${expected}, got ${JSON.stringify(value)?.slice(0, 40)}; using the default`);
    return section.inspect<number>(key)?.defaultValue ?? NaN;
  };
  return {
    settings: {
      expectations,
      learnCadence: section.get<boolean>('alerts.learnCadence') === true,
      unusual: {
        factor: number('alerts.unusualFactor', (v) => Number.isFinite(v) && v > 1 && v <= 1000, 'a number above 1'),
        minRuns: number('alerts.unusualMinRuns', (v) => Number.isInteger(v) && v >= 1 && v <= 20, 'a whole number from 1 to 20'),
      },
      dqGrowthFactor: number('alerts.dataQualityGrowthFactor', (v) => Number.isFinite(v) && v > 1 && v <= 1000, 'a number above 1'),
    },
    problems,
  };
}
