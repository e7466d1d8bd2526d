// The bench's report: statistics, rows of figures with their targets, formatting, the Markdown
// table, and `--write-report` (the generated section of BENCHMARKS.md).
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, release, totalmem } from 'node:os';
import { join } from 'node:path';
import { ONLY, QUICK, ROOT, log } from './harness';

export interface Stat {
  median: number;
  min: number;
  max: number;
  n: number;
}

export function stat(values: number[]): Stat {
  const sorted = [...values].sort((a, b) => a - b);
  const n = sorted.length;
  const median = n === 0 ? NaN : n % 2 ? sorted[(n - 1) / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2;
  return { median, min: sorted[0] ?? NaN, max: sorted[n - 1] ?? NaN, n };
}

export function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[rank];
}

// ---------------------------------------------------------------------------------------------
// Rows of the table

export type Verdict = 'pass' | 'miss' | 'info';

export interface Row {
  id: string;
  what: string;
  median: string;
  min: string;
  max: string;
  target: string;
  verdict: Verdict;
}

export const rows: Row[] = [];
export const notes: string[] = [];

export function fmtRate(v: number): string {
  return Number.isFinite(v) ? `${Math.round(v).toLocaleString('en-US')} ev/s` : 'n/a';
}
export function fmtMs(v: number, digits = 1): string {
  return Number.isFinite(v) ? `${v.toFixed(digits)} ms` : 'n/a';
}
export function fmtMB(bytes: number): string {
  return Number.isFinite(bytes) ? `${(bytes / 1024 / 1024).toFixed(1)} MB` : 'n/a';
}
export function fmtKB(bytes: number): string {
  return Number.isFinite(bytes) ? `${(bytes / 1024).toFixed(1)} KB` : 'n/a';
}
export function fmtX(v: number): string {
  return Number.isFinite(v) ? `${v.toFixed(2)}×` : 'n/a';
}
export function fmtPct(v: number): string {
  return Number.isFinite(v) ? `${v >= 0 ? '+' : ''}${v.toFixed(1)} %` : 'n/a';
}

export function addRow(id: string, what: string, s: Stat | number, fmt: (v: number) => string, target?: { text: string; ok: (median: number) => boolean }): void {
  const st = typeof s === 'number' ? { median: s, min: NaN, max: NaN, n: 1 } : s;
  const single = typeof s === 'number' || st.n <= 1;
  rows.push({
    id,
    what,
    median: fmt(st.median),
    min: single ? '' : fmt(st.min),
    max: single ? '' : fmt(st.max),
    target: target?.text ?? '',
    verdict: !target ? 'info' : Number.isFinite(st.median) && target.ok(st.median) ? 'pass' : 'miss',
  });
}

export function addTextRow(id: string, what: string, value: string, target = '', verdict: Verdict = 'info'): void {
  rows.push({ id, what, median: value, min: '', max: '', target, verdict });
}

export function renderTable(): string {
  const head = ['#', 'Measurement', 'Median', 'Min', 'Max', 'Target', ''];
  const mark = (v: Verdict) => (v === 'pass' ? 'met' : v === 'miss' ? '**MISSED**' : '');
  const lines = [`| ${head.join(' | ')} |`, `|${head.map(() => '---').join('|')}|`];
  for (const r of rows) lines.push(`| ${r.id} | ${r.what} | ${r.median} | ${r.min} | ${r.max} | ${r.target} | ${mark(r.verdict)} |`);
  return lines.join('\n');
}

// ---------------------------------------------------------------------------------------------
// The report

function machine(): string {
  const cpu = cpus();
  const redisVersion = ((spawnSync('redis-server', ['--version'], { encoding: 'utf8' }).stdout ?? '').match(/v=([\d.]+)/) ?? [])[1] ?? 'not installed';
  const ioredis = JSON.parse(readFileSync(join(ROOT, 'node_modules', 'ioredis', 'package.json'), 'utf8')).version;
  const git = (spawnSync('git', ['-C', ROOT, 'rev-parse', '--short', 'HEAD'], { encoding: 'utf8' }).stdout ?? '').trim() || '?';
  const dirty = (spawnSync('git', ['-C', ROOT, 'status', '--porcelain'], { encoding: 'utf8' }).stdout ?? '').trim() ? ' (uncommitted changes)' : '';
  return [
    `- CPU: ${cpu[0]?.model ?? '?'} × ${cpu.length} cores; RAM ${(totalmem() / 1024 ** 3).toFixed(1)} GB; Linux ${release()}`,
    `- Node ${process.version}, redis-server ${redisVersion}, ioredis ${ioredis}; commit ${git}${dirty}`,
  ].join('\n');
}

/** The whole report: when and where it ran, the table and the notes. */
export function composeReport(seconds: number, loadBefore: number[]): string {
  const mode = QUICK ? 'quick (`--quick`: small rounds; indicative only)' : 'full';
  return [
    `Run: ${new Date().toISOString().replace(/\.\d+Z$/, 'Z')}, mode ${mode}, ${seconds} s${ONLY.size ? `, only: ${[...ONLY].join(',')}` : ''}`,
    machine(),
    `- Load average (1 min) at start ${loadBefore[0].toFixed(2)}, at end ${loadavg()[0].toFixed(2)}: other work on this machine disturbs the figures (the min/max columns show how much).`,
    '',
    renderTable(),
    ...(notes.length ? ['', ...notes.map((n) => `- Note: ${n}`)] : []),
  ].join('\n');
}

export function writeReport(section: string): void {
  const file = join(ROOT, 'BENCHMARKS.md');
  const begin = '<!-- bench:results:begin (written by `npm run bench -- --write-report`; do not edit by hand) -->';
  const end = '<!-- bench:results:end -->';
  const block = `${begin}\n${section}\n${end}`;
  const text = existsSync(file) ? readFileSync(file, 'utf8') : '# Benchmarks\n\n';
  const from = text.indexOf('<!-- bench:results:begin');
  const to = text.indexOf(end);
  const next = from >= 0 && to > from ? text.slice(0, from) + block + text.slice(to + end.length) : `${text.trimEnd()}\n\n## Latest results\n\n${block}\n`;
  writeFileSync(file, next);
  log('BENCHMARKS.md updated');
}
