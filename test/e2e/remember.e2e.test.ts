// Ring 3: the history of a pipeline, as a person sees it in the tree, is the same before and after a
// page reload (code-server starts a new extension host, which fills the tree from its journal).
import * as assert from 'node:assert/strict';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { RedisServer } from '../support/redisServer';
import { startRedis, pollUntil } from '../support/redisServer';
import type { Workbench } from './pages/workbench';
import type { Session } from './session';
import { emit, openSession } from './session';

/** Distinct row counts make each run's row recognisable: 10,001→10,001 … 10,006→10,006. */
const RUNS = [10_001, 10_002, 10_003, 10_004, 10_005, 10_006];

async function emitRun(redis: RedisServer, rows: number): Promise<void> {
  await emit(redis, ['--result', 'REMEMBER_E2E', '--pipeline', 'erp_nightly', '--rows-loaded', String(rows), '--rows-exported', String(rows)]);
}

/** Runs of REMEMBER_E2E in the extension's journal (its global storage in the profile). */
function journalRuns(userDataDir: string): number {
  const dir = join(userDataDir, 'User', 'globalStorage', 'tdtp.tdtp-pipeline-viewer');
  if (!existsSync(dir)) return 0;
  let n = 0;
  for (const name of readdirSync(dir).filter((f) => /^history-[0-9a-f]+\.ndjson$/.test(f))) {
    n += readFileSync(join(dir, name), 'utf8').split('\n').filter((line) => line.startsWith('{"o":"r","n":"REMEMBER_E2E"')).length;
  }
  return n;
}

/** The run rows under the pipeline, by their row counts, top to bottom. */
async function runRows(workbench: Workbench): Promise<number[]> {
  const texts = await workbench.tree.runs.allTextContents();
  return texts.map((t) => /10,00(\d)→/.exec(t)).filter((m): m is RegExpExecArray => m !== null).map((m) => 10_000 + Number(m[1]));
}

async function openAndExpand(workbench: Workbench): Promise<void> {
  const { activityBar, tree } = workbench;
  await activityBar.waitForWorkbench();
  await activityBar.tdtpIcon.waitFor({ timeout: 60_000 });
  // After a reload the workbench restores the open view: clicking its icon again would close it.
  if (!(await activityBar.tdtpIsOpen())) await activityBar.tdtpIcon.click();
  const row = tree.pipeline('REMEMBER_E2E');
  try {
    await row.waitFor({ timeout: 15_000 });
  } catch {
    // The workbench restored the view just after we looked, so our click closed it: open it again.
    await activityBar.tdtpIcon.click();
    await row.waitFor({ timeout: 45_000 });
  }
  await tree.expand(row);
  await tree.runs.first().waitFor({ timeout: 30_000 });
}

describe('what a person sees after a page reload', () => {
  let redis: RedisServer;
  let session: Session;

  before(async () => {
    redis = await startRedis();
    session = await openSession(redis);
  });

  after(async () => {
    await session?.close();
    await redis?.dispose();
  });

  it('the six runs of a pipeline in the tree are the same six after the page is reloaded', async () => {
    const { page, workbench } = session;
    await workbench.step('remember', async () => {
      await emitRun(redis, RUNS[0]);
      await openAndExpand(workbench);
      for (const rows of RUNS.slice(1)) await emitRun(redis, rows);
      await workbench.tree.waitForRuns(6, undefined, 30_000);
      const before = await runRows(workbench);
      assert.deepEqual(before, [...RUNS].reverse(), 'newest first, all six');

      // The journal is written within a quarter of a second: wait until it holds the six, then go away.
      await pollUntil(() => (journalRuns(session.userDataDir) >= RUNS.length ? true : undefined), 10_000, 'the six runs in the journal');
      await page.reload();
      await openAndExpand(workbench);
      await workbench.tree.waitForRuns(6, /10,00\d→/, 60_000);
      assert.deepEqual(await runRows(workbench), before, 'the same runs, in the same order, after the reload');
      const gapRows = await workbench.tree.runs.filter({ hasText: /^Gap|Gap:/ }).count();
      assert.ok(gapRows <= 1, 'at most one gap marker: the moment the page was away');
      await workbench.screenshot('remember-after-reload');
    });
  });
});
