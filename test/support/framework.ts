// The TDTP framework's own programs, as scripts/setup-framework.sh builds them into .framework-tools/:
// where they are, whether they match the version test/framework/go.mod pins, and running real
// `tdtpcli --pipeline` files written by the tests over SQLite sources the tests make.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';

/** The repository: found upwards, as this file also runs bundled (ring 2: out/test/vscode/index.js). */
const ROOT = (() => {
  for (let dir = __dirname; ; dir = dirname(dir)) {
    if (existsSync(join(dir, 'test/framework/go.mod'))) return dir;
    if (dirname(dir) === dir) throw new Error(`no test/framework/go.mod above ${__dirname}`);
  }
})();
export const FRAMEWORK_MODULE = 'github.com/ruslano69/tdtp-framework';
const GO_MOD = join(ROOT, 'test/framework/go.mod');
const TOOLS_DIR = process.env.FRAMEWORK_TOOLS_DIR ?? join(ROOT, '.framework-tools');

/** The framework version the viewer is tested against: the require line of test/framework/go.mod. */
export function pinnedFrameworkVersion(): string {
  const escaped = FRAMEWORK_MODULE.replace(/[.]/g, '\\.');
  const match = new RegExp(`^\\s*(?:require\\s+)?${escaped}\\s+(v\\S+)`, 'm').exec(readFileSync(GO_MOD, 'utf8'));
  if (!match) throw new Error(`${GO_MOD} has no require line for ${FRAMEWORK_MODULE}`);
  return match[1];
}

export interface FrameworkTools {
  readonly version: string;
  readonly tdtpcli: string;
  readonly orchestrator: string;
  /** Prints the JSON names of pkg/resultlog/event.PipelineResult, one a line. */
  readonly resultlogFields: string;
  /** `sqlite-seed FILE < statements.sql` */
  readonly sqliteSeed: string;
}

export type FrameworkAvailability = { readonly ok: true; readonly tools: FrameworkTools } | { readonly ok: false; readonly reason: string };

let availability: FrameworkAvailability | undefined;

/** The built programs if they are there and of the pinned version; else why not. */
export function frameworkAvailability(): FrameworkAvailability {
  if (availability) return availability;
  const version = pinnedFrameworkVersion();
  const bin = (name: string) => join(TOOLS_DIR, 'bin', process.platform === 'win32' ? `${name}.exe` : name);
  const tools: FrameworkTools = { version, tdtpcli: bin('tdtpcli'), orchestrator: bin('orchestrator'), resultlogFields: bin('resultlog-fields'), sqliteSeed: bin('sqlite-seed') };
  const marker = join(TOOLS_DIR, '.setup-marker');
  const built = existsSync(marker) ? /^framework=(.*)$/m.exec(readFileSync(marker, 'utf8'))?.[1] : undefined;
  const missing = [tools.tdtpcli, tools.orchestrator, tools.resultlogFields, tools.sqliteSeed].filter((path) => !existsSync(path));
  if (built !== version || missing.length) {
    const what = built === undefined ? `nothing is built in ${TOOLS_DIR}` : built !== version ? `${TOOLS_DIR} holds ${built}, not the pinned ${version}` : `missing: ${missing.join(', ')}`;
    availability = { ok: false, reason: `the TDTP framework's programs (${FRAMEWORK_MODULE} ${version}) are not installed: ${what}. Install Go >= 1.25 and run: bash scripts/setup-framework.sh` };
  } else {
    availability = { ok: true, tools };
  }
  return availability;
}

let warned = false;

/**
 * Options for each test that needs the programs (`test(title, needsFramework(), …)`; a suite's
 * hooks return early when `skip` is set). Without the programs every such test is skipped, loudly:
 * a banner on stderr, and `NOT RUN: …` with what to install as each test's skip reason, so the
 * closing count shows them. In CI (CI=true) they run and fail instead: CI never goes green without
 * the real framework.
 */
export function needsFramework(): { skip: string | false } {
  const found = frameworkAvailability();
  if (found.ok || process.env.CI === 'true') return { skip: false };
  if (!warned) {
    warned = true;
    process.stderr.write(`\n!!! NOT RUN: tests against the real TDTP framework — ${found.reason}\n\n`);
  }
  return { skip: `NOT RUN: ${found.reason}` };
}

/** The programs, or an error saying how to install them (for a suite's `before`). */
export function requireFramework(): FrameworkTools {
  const found = frameworkAvailability();
  if (!found.ok) throw new Error(found.reason);
  return found.tools;
}

/** A folder for one test file's pipelines, sources and outputs; `dispose()` removes it. */
export interface Workdir {
  readonly dir: string;
  path(...parts: string[]): string;
  dispose(): void;
}

export function makeWorkdir(prefix = 'tdtp-framework-'): Workdir {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  return { dir, path: (...parts) => join(dir, ...parts), dispose: () => rmSync(dir, { recursive: true, force: true }) };
}

/** Writes a SQLite file by running `sql` with the framework's own pure-Go driver. */
export function seedSqlite(tools: FrameworkTools, file: string, sql: string): void {
  const result = spawnSync(tools.sqliteSeed, [file], { input: sql, encoding: 'utf8' });
  if (result.status !== 0) throw new Error(`sqlite-seed ${file} failed (${result.status}): ${result.stderr}`);
}

/** A small dataset: `customers` (5 rows, 2 of them inactive) and `orders` (4 rows). */
export const SAMPLE_SQL = `
CREATE TABLE customers (id INTEGER PRIMARY KEY, name TEXT NOT NULL, city TEXT, active INTEGER NOT NULL);
INSERT INTO customers VALUES (1, 'Анна', 'Москва', 1), (2, 'Boris', 'Kazan', 0), (3, 'Clara', 'Perm', 1), (4, 'Dmitri', 'Omsk', 0), (5, 'Eva', 'Tver', 1);
CREATE TABLE orders (id INTEGER PRIMARY KEY, customer_id INTEGER NOT NULL, amount REAL NOT NULL);
INSERT INTO orders VALUES (1, 1, 10.5), (2, 3, 99.0), (3, 3, 5.25), (4, 5, 42.0);
`;

export interface PipelineSpec {
  /** The pipeline's own `name:`. */
  name: string;
  /** `result_log.name`. */
  resultName: string;
  /** `result_log.address`, "host:port". */
  address: string;
  db?: number;
  ttl?: number;
  password?: string;
  /** The SQLite file the one source reads. */
  sqlite: string;
  /** The source's query (default: every customer). */
  query?: string;
  /** The transform's SQL over the workspace table `customers` (default: all of it). */
  transform?: string;
  /** Where the TDTP output goes. */
  output: string;
  /**
   * Encrypt the output through xZMercury at this URL. The community floor allows it in the YAML;
   * an unreachable Mercury gives `completed_with_errors` (the framework writes an error packet).
   */
  mercuryUrl?: string;
}

/** A `tdtpcli --pipeline` file, in the shape of the framework's examples (loader: pkg/etl/config.go). */
export function pipelineYaml(spec: PipelineSpec): string {
  const q = (text: string) => JSON.stringify(text);
  const lines = [
    `name: ${q(spec.name)}`,
    'description: "written by the TDTP Pipeline Viewer tests"',
    'sources:',
    '  - name: customers',
    '    type: sqlite',
    `    dsn: ${q(spec.sqlite)}`,
    `    query: ${q(spec.query ?? 'SELECT id, name, city, active FROM customers')}`,
    'workspace:',
    '  type: sqlite',
    '  mode: ":memory:"',
    'transform:',
    '  result_table: result',
    `  sql: ${q(spec.transform ?? 'SELECT * FROM customers')}`,
    'output:',
    '  type: tdtp',
    '  tdtp:',
    '    format: xml',
    `    destination: ${q(spec.output)}`,
    ...(spec.mercuryUrl ? ['    encryption: true'] : []),
    ...(spec.mercuryUrl ? ['security:', `  mercury_url: ${q(spec.mercuryUrl)}`, '  recipient_resource: viewer-tests', '  mercury_timeout_ms: 2000'] : []),
    'result_log:',
    '  type: redis',
    `  address: ${q(spec.address)}`,
    `  name: ${q(spec.resultName)}`,
    ...(spec.db !== undefined ? [`  db: ${spec.db}`] : []),
    ...(spec.ttl !== undefined ? [`  ttl: ${spec.ttl}`] : []),
    ...(spec.password !== undefined ? [`  password: ${q(spec.password)}`] : []),
    '',
  ];
  return lines.join('\n');
}

export interface TdtpcliRun {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/**
 * Runs `tdtpcli --pipeline FILE [args]` in `cwd` (a folder without a config.yaml, so the community
 * floor applies, no licence) and resolves when it exits; killed after `timeoutMs`.
 */
export function runTdtpcli(tools: FrameworkTools, pipelineFile: string, cwd: string, args: string[] = [], timeoutMs = 30_000): Promise<TdtpcliRun> {
  return new Promise((resolveRun, reject) => {
    const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('TDTP_') && !k.startsWith('MERCURY_')));
    const child = spawn(tools.tdtpcli, ['--pipeline', pipelineFile, ...args], { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`tdtpcli --pipeline ${pipelineFile} did not finish in ${timeoutMs} ms:\n${stdout}\n${stderr}`));
    }, timeoutMs);
    child.once('error', (err) => (clearTimeout(timer), reject(err)));
    child.once('close', (code) => (clearTimeout(timer), resolveRun({ code, stdout, stderr })));
  });
}

/** Writes a pipeline file into the work folder and returns its path. */
export function writePipeline(work: Workdir, file: string, spec: PipelineSpec): string {
  const path = work.path(file);
  writeFileSync(path, pipelineYaml(spec));
  return path;
}
