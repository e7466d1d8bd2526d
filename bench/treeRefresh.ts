// Section 13a: a refresh of the Pipelines tree with 5,000 pipelines (issue 20: ≤ 20 ms). What VS Code
// asks of the provider on a root refresh: getChildren() of the root and getTreeItem() of every row.
// Measured in a child process of its own, with a working stand-in for the vscode module
// (bench/vscodeStub.ts); the store is filled through decodeMessage and addRun with realistic payloads.
import { fork } from 'node:child_process';
import { benchProcess } from './benchProcess';
import { installVscodeStub } from './vscodeStub';
import { PREFIX, payloadPool } from './payloads';

export interface TreeRefreshFigures {
  /** One root refresh (getChildren + getTreeItem per row), ms, per round. */
  readonly refreshMs: number[];
  /** The same in CPU time of the process (user + system), ms: what a busy machine does not stretch. */
  readonly cpuMs: number[];
  readonly rows: number;
  /** The rows as VS Code would send them to the window (JSON), bytes. */
  readonly itemBytes: number;
}

export function measureTreeRefresh(pipelines: number, runsPerPipeline: number, rounds: number): Promise<TreeRefreshFigures> {
  return new Promise((resolve, reject) => {
    const self = benchProcess('treeRefresh');
    const child = fork(self.file, ['--child', String(pipelines), String(runsPerPipeline), String(rounds)], { execArgv: self.execArgv, stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    child.once('message', (m: TreeRefreshFigures | { error: string }) => ('error' in m ? reject(new Error(m.error)) : resolve(m)));
    child.once('exit', (code) => code !== 0 && reject(new Error(`tree refresh child exited with ${code}`)));
  });
}

async function child(pipelines: number, runsPerPipeline: number, rounds: number): Promise<TreeRefreshFigures> {
  installVscodeStub();
  /* eslint-disable @typescript-eslint/no-require-imports, @typescript-eslint/consistent-type-imports -- loaded after the vscode stub is installed */
  const { PipelinesTreeProvider } = require('../src/vscode/tree/provider') as typeof import('../src/vscode/tree/provider');
  const { PipelineStore } = require('../src/core/store') as typeof import('../src/core/store');
  const { decodeMessage } = require('../src/core/decode') as typeof import('../src/core/decode');
  const { KeySpace } = require('../src/core/keySpace') as typeof import('../src/core/keySpace');
  /* eslint-enable @typescript-eslint/no-require-imports, @typescript-eslint/consistent-type-imports */
  const store = new PipelineStore({ coalesceMs: 0 });
  const keys = new KeySpace(PREFIX);
  for (const e of payloadPool(pipelines, pipelines * runsPerPipeline)) {
    const outcome = decodeMessage(keys, e.channel, e.json);
    if (outcome.kind === 'run') store.addRun(outcome.run, 'live');
  }
  const none = () => ({ dispose() {} });
  const connection = { name: 'default', store };
  const viewer = { connections: [connection], multiple: false, onDidChange: none, onDidChangeConnections: none, onDidChangeState: none, onDidTurnLate: none, latenessOf: () => undefined, alertsOf: () => undefined };
  const config = { onDidChange: none, notifications: { muted: [] as string[] } };
  const tree = new PipelinesTreeProvider(viewer as never, config as never);
  tree.setVisible(true);
  const refresh = () => tree.getChildren().map((node) => tree.getTreeItem(node));
  for (let i = 0; i < 3; i++) refresh();
  const refreshMs: number[] = [];
  const cpuMs: number[] = [];
  let items: unknown[] = [];
  for (let i = 0; i < rounds; i++) {
    const t0 = performance.now();
    const cpu0 = process.cpuUsage();
    items = refresh();
    const cpu = process.cpuUsage(cpu0);
    refreshMs.push(performance.now() - t0);
    cpuMs.push((cpu.user + cpu.system) / 1000);
  }
  tree.dispose();
  return { refreshMs, cpuMs, rows: items.length, itemBytes: Buffer.byteLength(JSON.stringify(items)) };
}

if (process.argv[2] === '--child') {
  const [pipelines, runs, rounds] = process.argv.slice(3).map(Number);
  child(pipelines, runs, rounds).then(
    (figures) => process.send!(figures, () => process.exit(0)),
    (err) => process.send!({ error: String(err?.stack ?? err) }, () => process.exit(1)),
  );
}
