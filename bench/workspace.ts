// Section 8: indexing a large workspace's pipeline files (issue: 2,000 YAML files in ≤ 2 s without
// blocking the extension host). Files are written to a temporary folder and read back with
// fs.readFile, as the extension reads unopened files; the event loop's longest stall while
// indexing is what "without blocking" means.
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { PipelineIndex } from '../src/core/pipelineIndex';

export interface WorkspaceIndexFigures {
  readonly files: number;
  readonly definitions: number;
  /** Wall time of indexAll, ms. */
  readonly ms: number;
  /** The longest event-loop delay seen while it ran, ms. */
  readonly maxStallMs: number;
}

/** A realistic pipeline file: comments, a long SQL block scalar, nested sections, result_log at the end. */
function pipelineYaml(i: number): string {
  const columns = Array.from({ length: 25 }, (_, c) => `        col_${c}_${i}`).join(',\n');
  return `# Pipeline ${i}: extract and load, generated for the benchmark
name: "bench-extract-${i}-{{SYNC_TS}}"
description: "Incremental export number ${i}"
sources:
  - name: src_${i}
    type: mssql
    dsn: "sqlserver://sql-${i % 7}:1433?database=Bench"
    query: |
      SELECT
${columns}
      FROM table_${i}
      WHERE last_updated >= '{{LAST_SYNC}}'
workspace:
  type: sqlite
  mode: ":memory:"
transform:
  result_table: t_${i}
  sql: SELECT * FROM src_${i}
output:
  type: tdtp
  tdtp:
    format: xml
    compression: true
    destination: "s3://bench/${i}/{{SYNC_TS}}.tdtp.xml"
result_log:
  type: redis
  address: "redis-${i % 3}.internal:6379"
  name: "bench:group${i % 20}:pipeline${i}"   # the channel suffix
  db: ${i % 2}
  ttl: 86400
performance:
  batch_size: 5000
`;
}

/** YAML that is not a pipeline (mappings, compose files): must cost little. */
function otherYaml(i: number): string {
  return `# mapping ${i}\ntables:\n${Array.from({ length: 40 }, (_, c) => `  - { from: src_${c}, to: dst_${c}, key: id }`).join('\n')}\n`;
}

export async function measureWorkspaceIndex(fileCount: number): Promise<WorkspaceIndexFigures> {
  const dir = mkdtempSync(join(tmpdir(), 'tdtp-bench-ws-'));
  try {
    const files: string[] = [];
    for (let i = 0; i < fileCount; i++) {
      const sub = join(dir, `team${i % 40}`);
      if (i < 40) mkdirSync(sub, { recursive: true });
      const path = join(sub, `${i % 4 === 3 ? 'mapping' : 'pipeline'}_${i}.yaml`);
      writeFileSync(path, i % 4 === 3 ? otherYaml(i) : pipelineYaml(i));
      files.push(path);
    }
    const index = new PipelineIndex();
    const delay = monitorEventLoopDelay({ resolution: 1 });
    delay.enable();
    const started = performance.now();
    await index.indexAll(files, (file) => readFile(file, 'utf8'));
    const ms = performance.now() - started;
    delay.disable();
    const figures = { files: fileCount, definitions: index.definitionCount, ms, maxStallMs: delay.max / 1e6 };
    index.dispose();
    return figures;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
