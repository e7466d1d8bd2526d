// Real `tdtpcli --pipeline` runs (the framework's own program, built by scripts/setup-framework.sh)
// over SQLite sources, publishing to the tests' own redis-server: the core (watcher + store) and
// `tdtp-watch --json` (dist/, as built) must report exactly what the binary wrote to the state key.
import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import { spawn, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { afterEach, before, describe, test } from 'node:test';
import { isDqWarning } from '../../src/core/dataQuality';
import { describeDq } from '../../src/core/format';
import { parsePipelineFile, publishesTo } from '../../src/core/pipelineFiles';
import type { RunRecord } from '../../src/core/runs';
import type { PipelineSpec } from '../support/framework';
import { needsFramework, runTdtpcli, writePipeline } from '../support/framework';
import { useFrameworkFixture } from '../support/frameworkFixture';
import type { RecordedWatcher } from '../support/redisServer';
import { KEYS, LineReader, freePort, settingsFor, startRecordedWatcher } from '../support/redisServer';

const ROOT = resolve(__dirname, '../..');
const WATCH = join(ROOT, 'dist/tdtp-watch.js');
const ENV = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('TDTP_') && k !== 'FORCE_COLOR'));

interface WatchLine {
  type: string;
  source?: string;
  result_name?: string;
  status_kind?: string;
  dq?: RunRecord['dq'];
  event?: Record<string, unknown>;
  found?: boolean;
}

// Without the programs every test is reported as skipped, NOT RUN, with what to install (CI fails instead).
const framework = needsFramework();

describe('real tdtpcli pipelines against the viewer', () => {
  const fx = useFrameworkFixture(framework, { args: ['--notify-keyspace-events', 'Ex'] });
  const viewers: RecordedWatcher[] = [];
  const children: ChildProcess[] = [];

  before(() => {
    if (framework.skip) return;
    const build = spawnSync(process.execPath, ['scripts/build.mjs'], { cwd: ROOT, encoding: 'utf8' });
    assert.equal(build.status, 0, `the build failed:\n${build.stdout}\n${build.stderr}`);
  });

  afterEach(async () => {
    if (framework.skip) return;
    for (const v of viewers.splice(0)) v.dispose();
    for (const child of children.splice(0)) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    await fx.admin.flushall();
  });

  function spec(resultName: string, overrides: Partial<PipelineSpec> = {}): PipelineSpec {
    return { name: `viewer_${resultName.toLowerCase()}`, resultName, address: `127.0.0.1:${fx.server.port}`, sqlite: fx.sourceDb, output: fx.work.path(`${resultName}.tdtp.xml`), ...overrides };
  }

  /** tdtp-watch --json on the test server, resolved once it has loaded the existing states (it is subscribed then). */
  async function startWatch(db = 0): Promise<LineReader> {
    const child = spawn(process.execPath, [WATCH, '--port', String(fx.server.port), '--db', String(db), '--json'], { cwd: ROOT, env: ENV, stdio: ['ignore', 'pipe', 'pipe'] });
    children.push(child);
    const out = new LineReader(child.stdout!);
    await out.waitForLine((line) => line.includes('"type":"reconcile"') && line.includes('"source":"loaded"'), 10_000);
    return out;
  }

  async function watchRun(out: LineReader, resultName: string): Promise<WatchLine> {
    const line = await out.waitForLine((l) => {
      const parsed = JSON.parse(l) as WatchLine;
      return parsed.type === 'run' && parsed.result_name === resultName;
    }, 15_000);
    return JSON.parse(line) as WatchLine;
  }

  /**
   * Runs the pipeline with the core and tdtp-watch listening on `db`, and checks that both report
   * exactly the JSON the binary left in the state key. Returns what they saw.
   */
  async function runAndCompare(pipeline: PipelineSpec, args: string[] = []) {
    const db = pipeline.db ?? 0;
    const viewer = await startRecordedWatcher(settingsFor(fx.server.port, { db }));
    viewers.push(viewer);
    const watch = await startWatch(db);
    const arrived = viewer.nextRun(pipeline.resultName, 15_000, 'live');
    const file = writePipeline(fx.work, `${pipeline.resultName}.yaml`, pipeline);
    const cli = await runTdtpcli(fx.tools, file, fx.work.dir, args);
    const record = await arrived;
    const watched = await watchRun(watch, pipeline.resultName);
    const client = await fx.server.client(db);
    const raw = await client.get(KEYS.stateKey(pipeline.resultName));
    assert.ok(raw, `tdtpcli left no state key ${KEYS.stateKey(pipeline.resultName)} in db ${db}; its output:\n${cli.stdout}\n${cli.stderr}`);
    const published = JSON.parse(raw) as Record<string, unknown>;
    assert.deepEqual(record.run.result, published, 'the core reports what tdtpcli published');
    assert.deepEqual(watched.event, published, 'tdtp-watch --json reports what tdtpcli published');
    assert.equal(watched.source, 'live');
    assert.equal(watched.status_kind, record.run.statusKind);
    assert.deepEqual(watched.dq, record.dq);
    return { cli, record, published, watched, viewer, client, file };
  }

  test('a clean run: success, every row exported, nothing to warn about', framework, async () => {
    const { cli, record, published } = await runAndCompare(spec('CLEAN_V001'));
    assert.equal(cli.code, 0, cli.stdout + cli.stderr);
    assert.equal(published.status, 'success');
    assert.equal(published.pipeline_name, 'viewer_clean_v001');
    assert.equal(published.rows_loaded, 5);
    assert.equal(published.rows_exported, 5);
    assert.equal(published.error, undefined);
    assert.equal(record.run.statusKind, 'success');
    assert.equal(isDqWarning(record.dq), false);
    assert.ok(record.run.startedAt && record.run.finishedAt, 'real start and finish times');
  });

  test('rows dropped between load and export (a filtering transform) are a data-quality warning', framework, async () => {
    const { record, published } = await runAndCompare(spec('DROP_V001', { transform: 'SELECT * FROM customers WHERE active = 1' }));
    assert.equal(published.status, 'success');
    assert.equal(published.rows_loaded, 5);
    assert.equal(published.rows_exported, 3);
    assert.deepEqual(record.dq, { kind: 'dropped', rows: 2, percent: 40 });
    assert.equal(describeDq(record.dq), '2 rows dropped by validator/filter (40% of loaded)');
    // And in tdtp-watch's words for a person.
    const text = spawnSync(process.execPath, [WATCH, '--port', String(fx.server.port), '--poll', 'DROP_V001'], { cwd: ROOT, env: ENV, encoding: 'utf8' });
    assert.equal(text.status, 0, text.stderr);
    assert.match(text.stdout, /⚠ data quality: 2 rows dropped by validator\/filter \(40% of loaded\)/);
  });

  test('a failure at the source carries the framework’s own error text (bad SQL, missing file)', framework, async () => {
    const badSql = await runAndCompare(spec('BADSQL_V001', { query: 'SELECT id FROM no_such_table' }));
    assert.equal(badSql.cli.code, 1);
    assert.equal(badSql.published.status, 'failed');
    assert.match(String(badSql.published.error), /^failed to load sources: source 'customers': .*no such table: no_such_table/);
    assert.ok(badSql.cli.stderr.includes(String(badSql.published.error)), `tdtpcli's own message holds the published error:\n${badSql.cli.stderr}`);
    assert.equal(badSql.record.run.statusKind, 'failed');
    assert.equal(badSql.record.run.result.error, badSql.published.error);
    assert.equal(badSql.record.dq.kind, 'not-applicable');

    const missing = await runAndCompare(spec('MISSING_V001', { sqlite: fx.work.path('no-such-dir', 'gone.db') }));
    assert.equal(missing.published.status, 'failed');
    assert.match(String(missing.published.error), /source 'customers': failed to create adapter: .*unable to open database file/);
    assert.equal(missing.record.run.result.error, missing.published.error);
  });

  test('completed_with_errors: an encrypted output whose Mercury cannot be reached (no licence needed)', framework, async () => {
    // A loopback port nothing listens on: the framework writes an error packet and exits 0.
    const mercuryUrl = `http://127.0.0.1:${await freePort()}`;
    const { cli, record, published } = await runAndCompare(spec('ENC_V001', { mercuryUrl }));
    assert.equal(cli.code, 0, cli.stdout + cli.stderr);
    assert.equal(published.status, 'completed_with_errors');
    assert.match(String(published.error), /MERCURY_UNAVAILABLE/);
    assert.equal(record.run.statusKind, 'completed_with_errors');
    assert.equal(record.run.result.error, published.error);
    assert.equal(published.rows_loaded, 5);
    assert.equal(published.rows_exported, 0, 'nothing exported in the clear');
  });

  test('a short ttl: the state key expires, the core marks the state expired and a poll finds nothing', framework, async () => {
    const expiredChannel = '__keyevent@0__:expired';
    const listener = await fx.server.client();
    await listener.subscribe(expiredChannel);
    const expired = new Promise<void>((resolveExpiry) =>
      listener.on('message', (channel: string, key: string) => {
        if (channel === expiredChannel && key === KEYS.stateKey('SHORT_V001')) resolveExpiry();
      }),
    );
    const { viewer, client } = await runAndCompare(spec('SHORT_V001', { ttl: 3 }));
    const ttl = await client.pttl(KEYS.stateKey('SHORT_V001'));
    assert.ok(ttl > 0 && ttl <= 3000, `the state key's TTL is the pipeline's ttl: 3 s, was ${ttl} ms`);
    assert.equal(viewer.store.get('SHORT_V001')!.stateExpired, false);
    await expired;
    assert.deepEqual(await viewer.watcher.poll('SHORT_V001'), { found: false });
    assert.equal(viewer.store.get('SHORT_V001')!.stateExpired, true);
    assert.equal(viewer.store.get('SHORT_V001')!.runCount, 1, 'the run stays, marked expired');
    const poll = spawnSync(process.execPath, [WATCH, '--port', String(fx.server.port), '--poll', 'SHORT_V001', '--json'], { cwd: ROOT, env: ENV, encoding: 'utf8' });
    assert.equal(poll.status, 1);
    assert.deepEqual(JSON.parse(poll.stdout) as WatchLine, { type: 'poll', result_name: 'SHORT_V001', found: false });
  });

  test('a templated name: tdtpcli fills @variables into SQL and paths, but publishes name and result_log.name as written', framework, async () => {
    const templated = spec('NIGHTLY_{{REGION}}', { name: 'nightly-{{SYNC_TS}}', output: fx.work.path('nightly-{{SYNC_TS}}.tdtp.xml'), query: "SELECT id, name, city, active FROM customers WHERE city <> '@SKIP_CITY'" });
    const { published, file, record } = await runAndCompare(templated, ['@SYNC_TS=20261206', '@SKIP_CITY=Omsk']);
    // The framework at the pinned version does not substitute either name (pkg/etl/variables.go).
    assert.equal(published.pipeline_name, 'nightly-{{SYNC_TS}}');
    assert.equal(published.result_name, 'NIGHTLY_{{REGION}}');
    assert.equal(published.rows_loaded, 4, 'the @SKIP_CITY variable reached the SQL');
    assert.equal(record.run.resultName, 'NIGHTLY_{{REGION}}');
    assert.equal(record.run.resultNameMismatch, false);
    readFileSync(fx.work.path('nightly-20261206.tdtp.xml')); // and the {{SYNC_TS}} in the output path
    // The workspace index still ties this result to its file (the CodeLens and the tree row).
    const [definition] = parsePipelineFile(readFileSync(file, 'utf8')).definitions;
    assert.equal(definition.resultNameIsTemplate, true);
    assert.equal(definition.pipelineNameIsTemplate, true);
    assert.equal(publishesTo(definition, record.run.resultName), true);
  });

  test('a non-zero db: the state lands in result_log.db; a viewer of db 0 hears the event but finds no state', framework, async () => {
    const onDbZero = await startRecordedWatcher(settingsFor(fx.server.port));
    viewers.push(onDbZero);
    const heardOnDbZero = onDbZero.nextRun('DB7_V001', 15_000, 'live');
    const { published, client, viewer } = await runAndCompare(spec('DB7_V001', { db: 7 }));
    assert.equal(published.status, 'success');
    assert.equal(await client.exists(KEYS.stateKey('DB7_V001')), 1);
    assert.equal(await fx.admin.exists(KEYS.stateKey('DB7_V001')), 0, 'nothing in db 0');
    assert.equal((await viewer.watcher.poll('DB7_V001')).found, true, 'the viewer of db 7 finds the state');
    // Redis pub/sub has no databases: the PUBLISH reaches every subscriber, whatever db it chose.
    await heardOnDbZero;
    assert.deepEqual(await onDbZero.watcher.poll('DB7_V001'), { found: false });
    assert.equal(onDbZero.store.get('DB7_V001')!.stateExpired, true, 'to the viewer of db 0 the state is gone');
  });
});
