// One rule for "enough runs for a baseline" (src/core/alerts/baseline.ts): the unusual-run rule
// and the detail panel's usual band agree on it, whatever tdtp.alerts.unusualMinRuns says.
import * as assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { baselineRunsNeeded } from '../../src/core/alerts/baseline';
import { findUnusual } from '../../src/core/alerts/unusual';

const root = join(__dirname, '..', '..');
const source = (file: string) => readFileSync(join(root, file), 'utf8');

describe('the runs a baseline needs', () => {
  test('the setting, and at least one', () => {
    assert.equal(baselineRunsNeeded(1), 1);
    assert.equal(baselineRunsNeeded(5), 5);
    assert.equal(baselineRunsNeeded(20), 20);
    assert.equal(baselineRunsNeeded(0), 1);
    assert.equal(baselineRunsNeeded(-3), 1);
    assert.equal(baselineRunsNeeded(2.5), 3);
    assert.equal(baselineRunsNeeded(Number.NaN), 1);
  });

  test('the unusual-run rule judges from exactly that many successful runs on (1 to 20, the setting\'s range)', () => {
    const slow = { rows_loaded: 100, rows_exported: 100, duration_ms: 100_000 };
    const median = { rows_loaded: 100, rows_exported: 100, duration_ms: 1_000 };
    for (let minRuns = 1; minRuns <= 20; minRuns++) {
      for (let runs = 0; runs <= 21; runs++) {
        const judged = findUnusual(slow, { runs, median }, { factor: 3, minRuns }).length > 0;
        assert.equal(judged, runs >= baselineRunsNeeded(minRuns), `minRuns ${minRuns}, ${runs} run(s)`);
      }
    }
  });

  test('the detail panel draws its band by the same count (no rule of its own)', () => {
    const panel = source('src/vscode/panel/detailPanel.ts');
    assert.match(panel, /baselineRunsNeeded\(/);
    assert.doesNotMatch(panel, /Math\.max\(\s*\d+\s*,\s*minRuns\s*\)/);
  });
});

describe('the alert settings are parsed once per change', () => {
  test('only the Viewer reads Config.alerts (it parses every expectation); the panel takes the Viewer\'s copy', () => {
    const dir = join(root, 'src', 'vscode');
    const readers = readdirSync(dir, { recursive: true, encoding: 'utf8' })
      .filter((f) => f.endsWith('.ts') && /\.alerts\b(?!\.)|\.alerts\.settings\b/.test(readFileSync(join(dir, f), 'utf8').replace(/\/\/.*|\/\*[\s\S]*?\*\/|'[^'\n]*'|`[^`]*`/g, '')))
      .filter((f) => f !== join('settings', 'config.ts'));
    assert.deepEqual(readers, [join('connections', 'viewer.ts')]);
    assert.match(source('src/vscode/panel/detailPanel.ts'), /viewer\.currentAlertSettings\b/);
  });
});
