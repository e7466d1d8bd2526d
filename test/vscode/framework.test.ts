// Ring 2 with the real framework: Run Pipeline runs the installed tdtpcli (tdtp.cli.path) on a
// pipeline file in the workspace; its result reaches the viewer through the suite's own Redis and
// the CodeLens, the tree row and the Problems entry follow what the binary published.
import * as assert from 'node:assert/strict';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type Redis from 'ioredis';
import { after, before, describe, it } from 'mocha';
import * as vscode from 'vscode';
import { KeySpace } from '../../src/core/keySpace';
import type { PipelinesTreeProvider } from '../../src/vscode/tree/provider';
import type { Viewer } from '../../src/vscode/connections/viewer';
import type { WorkspaceFeatures } from '../../src/vscode/workspace';
import type { FrameworkTools, Workdir } from '../support/framework';
import { SAMPLE_SQL, needsFramework, makeWorkdir, pipelineYaml, requireFramework, seedSqlite } from '../support/framework';
import type { RedisServer } from '../support/redisServer';
import { startRedis } from '../support/redisServer';
import { runPipelineCommand } from './runPipeline';
import { useExtension } from './harness';
import { untilEvent } from './waitFor';

interface Testing {
  viewer: Viewer;
  workspace: WorkspaceFeatures;
  tree: PipelinesTreeProvider;
}

const keys = new KeySpace('tdtp:pipeline');
const RESULT = 'FW_REAL_V001';
const framework = needsFramework();
if (framework.skip) console.log(`\n!!! ${framework.skip}\n`);

(framework.skip ? describe.skip : describe)('The real tdtpcli through Run Pipeline (CodeLens, tree row, Problems)', function () {
  const ext = useExtension();
  let tools: FrameworkTools;
  let redis: RedisServer;
  let admin: Redis;
  let work: Workdir;
  let t: Testing;
  let pipelineFile: string;

  /** Writes the pipeline into the workspace (the suite's Redis port is known only now). */
  function writeFile(query: string): void {
    writeFileSync(pipelineFile, pipelineYaml({ name: 'framework_ring2', resultName: RESULT, address: `127.0.0.1:${redis.port}`, sqlite: work.path('shop.db'), query, transform: 'SELECT * FROM customers WHERE active = 1', output: work.path('out.tdtp.xml') }));
  }

  /** Runs the file through the command as a click on the lens would; resolves with tdtpcli's exit code. */
  const runPipeline = async (uri: vscode.Uri) => (await runPipelineCommand(uri)).ended;

  const latest = () => t.viewer.connections[0].store.get(RESULT)?.latest;
  const lensTitles = async (uri: vscode.Uri) => ((await vscode.commands.executeCommand<vscode.CodeLens[]>('vscode.executeCodeLensProvider', uri)) ?? []).map((l) => l.command?.title ?? '');
  const diagnosticsOf = (uri: vscode.Uri) => vscode.languages.getDiagnostics(uri).filter((d) => d.source === 'TDTP');

  /** The run the viewer holds is the JSON tdtpcli left in the state key. */
  async function assertViewerHasStateKey(): Promise<void> {
    const raw = await admin.get(keys.stateKey(RESULT));
    assert.ok(raw, 'tdtpcli wrote the state key');
    assert.deepEqual(latest()?.run.result, JSON.parse(raw));
  }

  function treeRow(): vscode.TreeItem {
    const node = t.tree.getChildren().find((n) => n.kind === 'pipeline' && n.resultName === RESULT);
    assert.ok(node, 'a tree row for the pipeline');
    return t.tree.getTreeItem(node);
  }

  before(async () => {
    tools = requireFramework();
    redis = await startRedis();
    admin = await redis.client();
    work = makeWorkdir('tdtp-ring2-framework-');
    seedSqlite(tools, work.path('shop.db'), SAMPLE_SQL);
    t = ext.testing;
    await ext.settings.update('redis.port', redis.port, vscode.ConfigurationTarget.Global);
    await ext.settings.update('cli.path', tools.tdtpcli, vscode.ConfigurationTarget.Global);
    await ext.settings.update('cli.args', [], vscode.ConfigurationTarget.Global);
    await untilEvent('connected', () => (t.viewer.connections[0]?.state.kind === 'connected' ? true : undefined), [t.viewer.onDidChangeState]);
    const folder = vscode.workspace.workspaceFolders![0].uri.fsPath;
    // framework/ exists from the start (scripts/test-vscode.mjs): the watcher already watches it.
    mkdirSync(join(folder, 'framework'), { recursive: true });
    pipelineFile = join(folder, 'framework', 'real_pipeline.yaml');
    writeFile('SELECT id, name, city, active FROM customers');
    await untilEvent('the pipeline file indexed', () => (t.workspace.files.locate(RESULT).length ? true : undefined), [t.workspace.files.onDidChange]);
  });

  after(async () => {
    if (pipelineFile) rmSync(pipelineFile, { force: true });
    work?.dispose();
    await redis?.dispose();
  });

  it('a real run: the lens shows its status and rows, the tree row its pipeline and rows, Problems a data-quality warning', async () => {
    const uri = vscode.Uri.file(pipelineFile);
    await vscode.window.showTextDocument(uri);
    assert.ok((await lensTitles(uri)).some((title) => /no run seen yet/.test(title)), 'no run before');
    assert.equal(await runPipeline(uri), 0, 'tdtpcli succeeded');
    await untilEvent('the run in the store', () => (latest()?.run.result.status === 'success' ? true : undefined), [t.viewer.onDidChange]);
    await assertViewerHasStateKey();
    const titles = await lensTitles(uri);
    assert.ok(titles.some((title) => /^\$\(pass\) success, data-quality warning · just now · 5 → 3 rows · DQ ⚠ 2 dropped$/.test(title)), titles.join(' | '));
    const row = treeRow();
    assert.match(String(row.description), /^framework_ring2 · .+ · 5→3 · /);
    assert.equal((row.iconPath as vscode.ThemeIcon).id, 'pass', 'success with a data-quality warning');
    const problems = await untilEvent('a data-quality warning in Problems', () => (diagnosticsOf(uri).length === 1 ? diagnosticsOf(uri) : undefined), [vscode.languages.onDidChangeDiagnostics as never]);
    assert.equal(problems[0].severity, vscode.DiagnosticSeverity.Warning);
    const nameLine = readFileSync(pipelineFile, 'utf8').split('\n').findIndex((l) => l.includes(`name: "${RESULT}"`));
    assert.equal(problems[0].range.start.line, nameLine, 'on the result_log.name line');
  });

  it('a failing run: tdtpcli exits 1, Problems has the framework’s own error, the lens and the tree row say failed', async () => {
    const uri = vscode.Uri.file(pipelineFile);
    writeFile('SELECT id FROM no_such_table');
    assert.notEqual(await runPipeline(uri), 0, 'tdtpcli failed');
    await untilEvent('the failure in the store', () => (latest()?.run.result.status === 'failed' ? true : undefined), [t.viewer.onDidChange]);
    await assertViewerHasStateKey();
    const problems = await untilEvent('an error in Problems', () => (diagnosticsOf(uri).some((d) => d.severity === vscode.DiagnosticSeverity.Error) ? diagnosticsOf(uri) : undefined), [vscode.languages.onDidChangeDiagnostics as never]);
    assert.match(problems[0].message, /^The latest run failed \(.+\): failed to load sources: source 'customers': .*no such table: no_such_table/);
    assert.ok((await lensTitles(uri)).some((title) => /^\$\(error\) failed/.test(title)), (await lensTitles(uri)).join(' | '));
    assert.equal((treeRow().iconPath as vscode.ThemeIcon).id, 'error');
  });
});
