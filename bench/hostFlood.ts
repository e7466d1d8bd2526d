// Section 11e-11g: the flood in the real extension host (issue 20). Runs the ring-2 flood test
// (test/vscode/flood.test.ts: 200,000 distinct names at 20,000/s into the extension inside
// code-server) and reads the figures it writes: resident memory of the extension host before, at
// its highest and after, and the longest wait for a poll. Packages the VSIX first (dist/ and the
// .vsix of the working tree are rebuilt). Takes 2-3 minutes: part of the full bench only.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface HostFloodFigures {
  readonly events: number;
  readonly rate: number;
  readonly publishMs: number;
  readonly polls: number;
  readonly longestWaitMs: number;
  readonly rssBeforeBytes: number;
  readonly rssMaxBytes: number;
  readonly rssAfterBytes: number;
  readonly reconnects: number;
  /** Flood events that reached the model (runs and rejections); fewer than sent when Redis dropped the subscriber. */
  readonly received: number;
  readonly pipelines: number;
  readonly evicted: number;
  /** Messages of new names the flood guard left unread (absent in figures from before it). */
  readonly unread?: number;
  readonly rejected: number;
  /** Whether the test's own assertions held. */
  readonly passed: boolean;
}

export function measureHostFlood(root: string): HostFloodFigures {
  const dir = mkdtempSync(join(tmpdir(), 'tdtp-host-flood-'));
  try {
    const pack = spawnSync('npm', ['run', '--silent', 'package'], { cwd: root, encoding: 'utf8' });
    if (pack.status !== 0) throw new Error(`packaging failed: ${pack.stderr}`);
    const figuresFile = join(dir, 'figures.json');
    const run = spawnSync(process.execPath, ['scripts/test-vscode.mjs'], {
      cwd: root,
      encoding: 'utf8',
      env: { ...process.env, TDTP_GREP: 'Flood in the extension host', TDTP_FLOOD_FIGURES: figuresFile },
      timeout: 600_000,
    });
    let figures: Omit<HostFloodFigures, 'passed'>;
    try {
      figures = JSON.parse(readFileSync(figuresFile, 'utf8'));
    } catch {
      throw new Error(`the flood test wrote no figures:\n${(run.stdout ?? '').slice(-2000)}${(run.stderr ?? '').slice(-2000)}`);
    }
    return { ...figures, passed: run.status === 0 };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
