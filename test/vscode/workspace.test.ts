import * as assert from 'node:assert/strict';
import { readFileSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type Redis from 'ioredis';
import { after, before, describe, it } from 'mocha';
import * as vscode from 'vscode';
import type { TdtpResult } from '../../src/core/decode';
import { KeySpace } from '../../src/core/keySpace';
import { publishResult } from '../../src/core/publish';
import type { DetailPanelManager } from '../../src/vscode/panel/detailPanel';
import type { PasswordStore } from '../../src/vscode/connections/secrets';
import type { NamespaceNode, TreeNode } from '../../src/vscode/tree/nodes';
import type { PipelinesTreeProvider } from '../../src/vscode/tree/provider';
import type { Viewer } from '../../src/vscode/connections/viewer';
import type { WorkspaceFeatures } from '../../src/vscode/workspace';
import type { RedisServer } from '../support/redisServer';
import { startRedis } from '../support/redisServer';
import { buildResult } from '../support/builders';
import { runPipelineCommand } from './runPipeline';
import { useExtension } from './harness';
import { nextEvent, untilEvent } from './waitFor';

interface Testing {
  viewer: Viewer;
  panels: DetailPanelManager;
  passwords: PasswordStore;
  workspace: WorkspaceFeatures;
  tree: PipelinesTreeProvider;
}

const keys = new KeySpace('tdtp:pipeline');
/** The repository: the suite is bundled to out/test/vscode/index.js. */
const ROOT = join(__dirname, '..', '..', '..');

/** A run finishing now; a failed run exported nothing. */
function result(resultName: string, status: string, extra: Partial<TdtpResult> = {}): TdtpResult {
  return buildResult(resultName, { status, ...(status === 'failed' ? { rows_exported: 0 } : {}), ...extra }, new Date());
}

describe('Pipeline files in the workspace (CodeLens, Problems, Open Pipeline Config, tasks)', function () {
  const ext = useExtension();
  let redis: RedisServer;
  let admin: Redis;
  let t: Testing;
  let folder: vscode.Uri;
  const file = (relative: string) => vscode.Uri.joinPath(folder, relative);
  const config = () => vscode.workspace.getConfiguration('tdtp');

  /** The store of the one connection has a run of this name matching `check`. */
  const stored = (name: string, check: (status: string) => boolean) =>
    untilEvent(`a run of ${name} in the store`, () => {
      const latest = t.viewer.connections[0].store.get(name)?.latest;
      return latest && check(latest.run.result.status) ? latest : undefined;
    }, [t.viewer.onDidChange]);

  async function lensTitles(uri: vscode.Uri): Promise<string[]> {
    const lenses = (await vscode.commands.executeCommand<vscode.CodeLens[]>('vscode.executeCodeLensProvider', uri)) ?? [];
    return lenses.map((l) => l.command?.title ?? '');
  }

  const diagnosticsOf = (uri: vscode.Uri) => vscode.languages.getDiagnostics(uri).filter((d) => d.source === 'TDTP');
  const diagnosticsChanged = (uri: vscode.Uri, check: (d: vscode.Diagnostic[]) => boolean, what: string) =>
    untilEvent(what, () => (check(diagnosticsOf(uri)) ? diagnosticsOf(uri) : undefined), [vscode.languages.onDidChangeDiagnostics as never]);

  before(async () => {
    redis = await startRedis();
    admin = await redis.client();
    t = ext.testing;
    // Connect from the pipeline files writes these to the workspace (cli.* are machine settings: never there).
    for (const key of ['redis.port', 'redis.host', 'redis.db']) ext.settings.track(key, vscode.ConfigurationTarget.Workspace);
    folder = vscode.workspace.workspaceFolders![0].uri;
    await ext.settings.update('redis.port', redis.port, vscode.ConfigurationTarget.Global);
    await untilEvent('connected', () => (t.viewer.connections[0]?.state.kind === 'connected' ? true : undefined), [t.viewer.onDidChangeState]);
    await t.workspace.files.ready;
  });

  after(async () => {
    await t?.passwords.clear();
    await redis?.dispose();
  });

  it('finds the pipeline files, maps result names to them, and skips what does not parse', () => {
    const files = t.workspace.files;
    assert.deepEqual(files.locate('MASK_V001').map((l) => vscode.workspace.asRelativePath(l.uri)), ['pipelines/erp/mask_sync.yaml']);
    assert.deepEqual(files.locate('WS_SHARED').map((l) => vscode.workspace.asRelativePath(l.uri)), ['ws/shared_a.yaml', 'ws/shared_b.yaml']);
    assert.equal(files.locate('BROKEN_ONE').length, 0, 'the broken fixture is skipped');
    assert.equal(files.locate('NOT_INDEXED').length, 0);
  });

  it('read them with the YAML parser from its own file in the installed extension, dist/lib/yaml.js', () => {
    const extension = vscode.extensions.getExtension('tdtp.tdtp-pipeline-viewer')!;
    const lib = join(realpathSync(extension.extensionPath), 'dist', 'lib', 'yaml.js');
    assert.ok(require.cache[lib], `${lib} is loaded (loaded from dist/lib: ${Object.keys(require.cache).filter((f) => f.includes(join('dist', 'lib'))).join(', ') || 'none'})`);
  });

  it('above result_log: "no run seen yet" until a run arrives, then its status, age, rows and data-quality mark; a click opens the panel', async () => {
    const uri = file('ws/lens.yaml');
    await vscode.window.showTextDocument(uri);
    assert.ok((await lensTitles(uri)).some((title) => /no run seen yet/.test(title)));
    await publishResult(admin, keys, result('WS_LENS', 'success', { rows_loaded: 15000, rows_exported: 14990 }), 600);
    await stored('WS_LENS', (s) => s === 'success');
    const lenses = (await vscode.commands.executeCommand<vscode.CodeLens[]>('vscode.executeCodeLensProvider', uri)) ?? [];
    const status = lenses.find((l) => l.command?.command === 'tdtp.showDetails');
    assert.ok(status, `a status lens: ${lenses.map((l) => l.command?.title).join(' | ')}`);
    assert.equal(status.range.start.line, readFileSync(uri.fsPath, 'utf8').split('\n').indexOf('result_log:'), 'above result_log');
    assert.match(status.command!.title, /^\$\(pass\) success, data-quality warning · just now · 15,000 → 14,990 rows · DQ ⚠ 10 dropped$/);
    assert.ok(lenses.some((l) => l.command?.command === 'tdtp.runPipeline'), 'a Run Pipeline lens');
    await vscode.commands.executeCommand(status.command!.command, ...(status.command!.arguments ?? []));
    assert.ok(t.panels.openPanels.includes('WS_LENS'), 'the detail panel opened');
  });

  it('a failed run puts an error on the result_log.name line (first line of the error, the time); recovery clears it; a data-quality warning is a warning', async () => {
    const uri = file('ws/lens.yaml');
    const nameLine = readFileSync(uri.fsPath, 'utf8').split('\n').findIndex((l) => l.includes('name: WS_LENS'));
    await publishResult(admin, keys, result('WS_LENS', 'failed', { error: 'connection reset by peer [details](command:evil)\nsecond line' }), 600);
    const failed = await diagnosticsChanged(uri, (d) => d.length === 1 && d[0].severity === vscode.DiagnosticSeverity.Error, 'an error diagnostic');
    assert.equal(failed[0].range.start.line, nameLine);
    assert.match(failed[0].message, /^The latest run failed \(.+\): connection reset by peer \[details\]\u200b\(command:evil\)$/, 'the first line only, made inert');
    assert.equal(failed[0].code, 'failed');

    await publishResult(admin, keys, result('WS_LENS', 'success'), 600);
    await diagnosticsChanged(uri, (d) => d.length === 0, 'the diagnostic cleared on recovery');

    await publishResult(admin, keys, result('WS_LENS', 'success', { rows_exported: 100 }), 600);
    const dq = await diagnosticsChanged(uri, (d) => d.length === 1, 'a data-quality diagnostic');
    assert.equal(dq[0].severity, vscode.DiagnosticSeverity.Warning);

    await ext.settings.update('workspace.problems', false, vscode.ConfigurationTarget.Global);
    await diagnosticsChanged(uri, (d) => d.length === 0, 'the setting turns Problems off');
    await ext.settings.update('workspace.problems', undefined, vscode.ConfigurationTarget.Global);
    await diagnosticsChanged(uri, (d) => d.length === 1, 'and on again');
  });

  it('a pipeline file shaped to cost time (a merge bomb) is read in bounded work; an event still reaches the tree and its CodeLens at once', async () => {
    const uri = file('ws/merge_bomb.yaml');
    const [bomb] = t.workspace.files.locate('WS_BOMB');
    assert.equal(bomb?.definition.ttl, 600, 'indexed at start, read through ten levels of merges');
    await vscode.window.showTextDocument(uri);
    assert.ok((await lensTitles(uri)).some((title) => /no run seen yet/.test(title)), 'the open file parsed for its CodeLens');
    const inTree = untilEvent('WS_BOMB in the tree', () => (t.tree.getChildren().some((n) => n.kind === 'pipeline' && n.resultName === 'WS_BOMB') ? true : undefined), [t.tree.onDidChangeTreeData as never, t.viewer.onDidChange], 10_000);
    await publishResult(admin, keys, result('WS_BOMB', 'failed', { error: 'boom' }), 600);
    await inTree;
    const titles = await lensTitles(uri);
    assert.ok(titles.some((title) => /^\$\(error\) failed · just now/.test(title)), titles.join(' | '));
  });

  it('a file needing more lookups than the budget is skipped, with a warning in Problems at its result_log', async () => {
    const uri = file('ws/too_complex.yaml');
    assert.equal(t.workspace.files.locate('WS_TOO_COMPLEX').length, 0, 'not indexed');
    const [warning] = await diagnosticsChanged(uri, (d) => d.some((x) => x.code === 'too-complex'), 'a too-complex warning');
    assert.equal(warning.severity, vscode.DiagnosticSeverity.Warning);
    assert.equal(warning.range.start.line, 1, 'at result_log');
    assert.match(warning.message, /^TDTP does not read this pipeline: its anchors and merge keys \(<<\) need more than 10,000 lookups/);
    await vscode.window.showTextDocument(uri);
    assert.deepEqual(await lensTitles(uri), [], 'no CodeLens for it');
  });

  it('the hover on result_log lists the last runs', async () => {
    const uri = file('ws/lens.yaml');
    const line = readFileSync(uri.fsPath, 'utf8').split('\n').indexOf('result_log:');
    const hovers = (await vscode.commands.executeCommand<vscode.Hover[]>('vscode.executeHoverProvider', uri, new vscode.Position(line, 3))) ?? [];
    const text = hovers.flatMap((h) => h.contents.map((c) => (typeof c === 'string' ? c : c.value))).join('\n');
    assert.match(text, /TDTP result/);
    assert.equal((text.match(/^- /gm) ?? []).length, 4, `four runs so far:\n${text}`);
    assert.doesNotMatch(text, /\]\(command:evil\)/, 'the error text is escaped, never a link');
  });

  it('Open Pipeline Config opens the file at result_log.name; several files are all offered', async () => {
    const editor = await vscode.commands.executeCommand<vscode.TextEditor>('tdtp.openPipelineConfig', 'MASK_V001');
    assert.equal(vscode.workspace.asRelativePath(editor.document.uri), 'pipelines/erp/mask_sync.yaml');
    assert.match(editor.document.lineAt(editor.selection.active.line).text, /^\s+name: MASK_V001/);

    let settled = false;
    const opened = Promise.resolve(vscode.commands.executeCommand<vscode.TextEditor>('tdtp.openPipelineConfig', 'WS_SHARED')).finally(() => (settled = true));
    // Accept the first entry of the quick pick once it is up (each command round-trip lets it open).
    for (let i = 0; i < 200 && !settled; i++) await vscode.commands.executeCommand('workbench.action.acceptSelectedQuickOpenItem');
    const shared = await opened;
    assert.ok(shared, 'a file was chosen from the pick');
    assert.match(vscode.workspace.asRelativePath(shared.document.uri), /^ws\/shared_[ab]\.yaml$/);
  });

  it('follows creations, unsaved edits and deletions', async () => {
    const files = t.workspace.files;
    const path = join(folder.fsPath, 'ws', 'created.yaml');
    const located = (name: string, present: boolean) => untilEvent(`${name} ${present ? 'indexed' : 'gone'}`, () => ((files.locate(name).length > 0) === present ? true : undefined), [files.onDidChange]);
    writeFileSync(path, 'name: created\nresult_log:\n  type: redis\n  name: WS_CREATED\n');
    await located('WS_CREATED', true);
    const editor = await vscode.window.showTextDocument(vscode.Uri.file(path));
    const at = editor.document.getText().indexOf('WS_CREATED');
    await editor.edit((b) => b.replace(new vscode.Range(editor.document.positionAt(at), editor.document.positionAt(at + 'WS_CREATED'.length)), 'WS_EDITED'));
    await located('WS_EDITED', true);
    assert.equal(files.locate('WS_CREATED').length, 0, 'the unsaved edit counts');
    await vscode.commands.executeCommand('workbench.action.revertAndCloseActiveEditor');
    rmSync(path);
    await located('WS_CREATED', false);
    await located('WS_EDITED', false);
  });

  it('the tdtp task provider offers one process task per pipeline file: tdtp.cli.path, tdtp.cli.args, --pipeline <file>', async () => {
    await ext.settings.update('cli.args', ['--verbose'], vscode.ConfigurationTarget.Global);
    const tasks = await vscode.tasks.fetchTasks({ type: 'tdtp' });
    const run = tasks.find((task) => task.definition.pipeline === 'ws/run_me.yaml');
    assert.ok(run, `tasks: ${tasks.map((task) => task.definition.pipeline).join(', ')}`);
    const execution = run.execution as vscode.ProcessExecution;
    assert.equal(execution.process, 'tdtpcli', 'the manifest default');
    assert.deepEqual(execution.args, ['--verbose', '--pipeline', file('ws/run_me.yaml').fsPath]);
    assert.ok(!tasks.some((task) => String(task.definition.pipeline).includes('broken')), 'no task for a file that does not parse');
  });

  it('Run Pipeline runs the configured command; it publishes with tdtp-emit and the CodeLens shows the new run', async () => {
    const uri = file('ws/run_me.yaml');
    await ext.settings.update('cli.path', process.execPath, vscode.ConfigurationTarget.Global);
    await ext.settings.update('cli.args', [join(ROOT, 'test', 'support', 'fake-tdtpcli.mjs'), join(ROOT, 'dist', 'tdtp-emit.js'), String(redis.port)], vscode.ConfigurationTarget.Global);
    await vscode.window.showTextDocument(uri);
    const { ended } = await runPipelineCommand(uri);
    await stored('WS_RUN', (s) => s === 'success');
    assert.equal(await ended, 0);
    const titles = await lensTitles(uri);
    assert.ok(titles.some((title) => /^\$\(pass-filled\) success · just now · 777 → 777 rows · DQ ✓$/.test(title)), titles.join(' | '));
  });

  it('groups the tree by the namespaces of result names, with counts and the worst status on each group', async () => {
    await publishResult(admin, keys, result('travel:sales:extract', 'failed', { error: 'timeout' }), 600);
    await publishResult(admin, keys, result('travel:sales:load', 'success'), 600);
    await publishResult(admin, keys, result('travel:customers:load', 'success', { rows_exported: 14000 }), 600);
    await stored('travel:customers:load', (s) => s === 'success');
    await ext.settings.update('tree.groupByNamespace', true, vscode.ConfigurationTarget.Global);
    try {
      const travel = await untilEvent('a travel namespace at the root', () => t.tree.getChildren().find((n): n is NamespaceNode => n.kind === 'namespace' && n.path === 'travel'), [t.tree.onDidChangeTreeData as never, vscode.workspace.onDidChangeConfiguration as never]);
      const item = t.tree.getTreeItem(travel);
      assert.equal(item.label, 'travel');
      assert.equal(item.description, '3');
      assert.equal((item.iconPath as vscode.ThemeIcon).id, 'error', 'the worst status below it: failed');
      const children = t.tree.getChildren(travel) as TreeNode[];
      assert.deepEqual(children.map((n) => (n.kind === 'namespace' ? n.path : n.kind)), ['travel:customers', 'travel:sales']);
      const customers = t.tree.getTreeItem(children[0]);
      assert.equal((customers.iconPath as vscode.ThemeIcon).id, 'pass', 'a data-quality warning');
      const sales = t.tree.getChildren(children[1]).map((n) => (n.kind === 'pipeline' ? n.resultName : n.kind));
      assert.deepEqual(sales, ['travel:sales:extract', 'travel:sales:load']);
      assert.equal(t.tree.getParent(t.tree.getChildren(children[1])[0])?.kind, 'namespace');
      assert.ok(t.tree.getChildren().some((n) => n.kind === 'pipeline' && n.resultName === 'WS_LENS'), 'names without a separator stay at the top');
    } finally {
      await ext.settings.update('tree.groupByNamespace', undefined, vscode.ConfigurationTarget.Global);
    }
    await untilEvent('the flat list again', () => (t.tree.getChildren().every((n) => n.kind !== 'namespace') ? true : undefined), [t.tree.onDidChangeTreeData as never, vscode.workspace.onDidChangeConfiguration as never]);
  });

  it('the status lens says "late" when the alert rules expect a run that has not come', async () => {
    const path = join(folder.fsPath, 'ws', 'late.yaml');
    writeFileSync(path, 'name: late\nresult_log:\n  type: redis\n  name: WS_LATE\n');
    await ext.settings.update('expectations', [{ resultName: 'WS_LATE', every: '@every 2s' }], vscode.ConfigurationTarget.Global);
    try {
      await untilEvent('late.yaml indexed', () => (t.workspace.files.locate('WS_LATE').length ? true : undefined), [t.workspace.files.onDidChange]);
      await publishResult(admin, keys, result('WS_LATE', 'success'), 600);
      await stored('WS_LATE', (s) => s === 'success');
      // The CodeLens command needs the document open (an unopened one is an "Illegal argument").
      await vscode.window.showTextDocument(vscode.Uri.file(path));
      assert.ok(!(await lensTitles(vscode.Uri.file(path))).some((title) => /late by/.test(title)), 'on time at first');
      await nextEvent('WS_LATE to turn late', t.viewer.onDidTurnLate, (l) => l.resultName === 'WS_LATE', 10_000);
      const titles = await lensTitles(vscode.Uri.file(path));
      assert.ok(titles.some((title) => /^\$\(pass-filled\) success · .* · DQ ✓ · ⏰ late by \d+ s$/.test(title)), titles.join(' | '));
    } finally {
      await ext.settings.update('expectations', undefined, vscode.ConfigurationTarget.Global);
      rmSync(path);
    }
  });

  it('connects to the Redis a pipeline file names, keeping its password in secret storage, not in settings', async () => {
    await admin.config('SET', 'requirepass', 'pw-from-file');
    const path = join(folder.fsPath, 'ws', 'connect.yaml');
    writeFileSync(path, `name: connect\nresult_log:\n  type: redis\n  address: "127.0.0.1:${redis.port}"\n  password: "pw-from-file"\n  db: 0\n  name: WS_CONNECT\n`);
    try {
      await untilEvent('the file indexed', () => (t.workspace.files.locate('WS_CONNECT').length ? true : undefined), [t.workspace.files.onDidChange]);
      await ext.settings.update('redis.port', undefined, vscode.ConfigurationTarget.Global);
      const ok = await vscode.commands.executeCommand<boolean>('tdtp.connectFromWorkspace', { address: `127.0.0.1:${redis.port}`, db: 0, password: 'fromFile' });
      assert.equal(ok, true);
      assert.equal(await t.passwords.get(), 'pw-from-file', 'the password is in secret storage');
      assert.equal(config().inspect('redis.port')?.workspaceValue, redis.port);
      assert.equal(config().inspect('redis.host')?.workspaceValue, '127.0.0.1');
      const settingsFile = join(folder.fsPath, '.vscode', 'settings.json');
      assert.doesNotMatch(readFileSync(settingsFile, 'utf8'), /pw-from-file/, 'never in settings');
      await untilEvent('connected with the file\'s password', () => (t.viewer.connections[0].state.kind === 'connected' && t.viewer.connections[0].endpoint?.includes(`:${redis.port}`) ? true : undefined), [t.viewer.onDidChangeState]);
    } finally {
      rmSync(path);
      await admin.config('SET', 'requirepass', '');
    }
  });

  it('connecting from the files asks before replacing a password the user stored, and binds the file\'s to the file\'s server', async () => {
    const path = join(folder.fsPath, 'ws', 'connect_again.yaml');
    const address = `127.0.0.1:${redis.port}`;
    writeFileSync(path, `name: connect_again\nresult_log:\n  type: redis\n  address: "${address}"\n  password: "pw-from-file"\n  name: WS_CONNECT_AGAIN\n`);
    const ask = t.workspace.askReplacePassword;
    const askElsewhere = t.passwords.askElsewhere;
    // Kept, the user's password is for another server: held back from this one (no modal left open).
    t.passwords.askElsewhere = async () => false;
    const asked: Array<Array<string | undefined>> = [];
    let answer: 'replace' | 'keep' | undefined = 'keep';
    t.workspace.askReplacePassword = async (savedFor, fileFor) => {
      asked.push([savedFor, fileFor]);
      return answer;
    };
    const connect = () => vscode.commands.executeCommand<boolean>('tdtp.connectFromWorkspace', { address, db: 0, password: 'fromFile' });
    try {
      await untilEvent('the file indexed', () => (t.workspace.files.locate('WS_CONNECT_AGAIN').length ? true : undefined), [t.workspace.files.onDidChange]);
      const mine = { password: 'mine', endpoint: 'redis://10.9.9.9:6379' };
      await t.passwords.set(mine.password, 'default', 'redis', mine.endpoint);
      assert.equal(await connect(), true, 'Keep Mine connects without the file\'s password');
      assert.deepEqual(asked, [[mine.endpoint, `redis://${address}`]], 'asked, naming both servers');
      assert.deepEqual(await t.passwords.getBound(), mine, 'the user\'s password is kept');
      answer = undefined;
      assert.equal(await connect(), false, 'a dismissed question cancels');
      assert.deepEqual(await t.passwords.getBound(), mine);
      answer = 'replace';
      assert.equal(await connect(), true);
      assert.deepEqual(await t.passwords.getBound(), { password: 'pw-from-file', endpoint: `redis://${address}` }, 'bound to the server the file names');
      assert.equal(asked.length, 3);
    } finally {
      t.workspace.askReplacePassword = ask;
      t.passwords.askElsewhere = askElsewhere;
      await t.passwords.clear();
      rmSync(path);
    }
  });
});
