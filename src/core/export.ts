import { KNOWN_FIELDS } from './decode';
import type { DqVerdict } from './dataQuality';
import type { HistoryItem, RunRecord, RunSource } from './runs';

/**
 * Exporting runs as CSV or JSON. The columns are the wire contract's fields, in the framework's
 * order, then what the viewer knows about the run: its data-quality verdict, how it arrived and when.
 *
 * - `result_name` is the payload's own field (as on the wire); the model keys runs by the channel's
 *   suffix, which is the same value unless the producer disagrees with itself.
 * - Unknown fields a newer framework may add are not exported: every row has the same columns.
 * - `package_uuid` and `error` are empty (CSV) or `null` (JSON) when the wire omitted them.
 * - `dq_rows` is how many rows loaded and exported differ by (always ≥ 0; `data_quality` says in
 *   which direction and whether it is within the tolerance). Empty/`null` when not applicable
 *   (failed runs).
 * - `received_at` is ISO 8601 in UTC; empty/`null` if the record's time is not a valid date.
 */
export const EXPORT_COLUMNS = [
  ...KNOWN_FIELDS,
  'data_quality',
  'dq_rows',
  'source',
  'received_at',
] as const;

export type ExportColumn = (typeof EXPORT_COLUMNS)[number];

export interface ExportRow {
  readonly pipeline_name: string;
  readonly result_name: string;
  /** The status text as received (an unknown status stays as written). */
  readonly status: string;
  readonly package_uuid: string | null;
  /** RFC 3339 text as received, Go's zero time included. */
  readonly started_at: string;
  readonly finished_at: string;
  readonly duration_ms: number;
  readonly rows_loaded: number;
  readonly rows_exported: number;
  readonly error: string | null;
  readonly data_quality: DqVerdict['kind'];
  readonly dq_rows: number | null;
  readonly source: RunSource;
  readonly received_at: string | null;
}

/** How many rows the data-quality verdict judged; `undefined` when it does not apply (failed runs). */
export function dqRows(verdict: DqVerdict): number | undefined {
  switch (verdict.kind) {
    case 'ok':
      return verdict.toleratedRows;
    case 'dropped':
    case 'extra':
      return verdict.rows;
    default:
      return undefined;
  }
}

/** One exported row for a run. Gap markers have no row (see `toExportRows`). */
export function toExportRow(record: RunRecord): ExportRow {
  const r = record.run.result;
  return {
    pipeline_name: r.pipeline_name,
    result_name: r.result_name,
    status: r.status,
    package_uuid: typeof r.package_uuid === 'string' ? r.package_uuid : null,
    started_at: r.started_at,
    finished_at: r.finished_at,
    duration_ms: r.duration_ms,
    rows_loaded: r.rows_loaded,
    rows_exported: r.rows_exported,
    error: typeof r.error === 'string' ? r.error : null,
    data_quality: record.dq.kind,
    dq_rows: dqRows(record.dq) ?? null,
    source: record.source,
    received_at: isoOrNull(record.receivedAt),
  };
}

/** Rows for the runs among `items`, in the order given; gap markers are skipped. */
export function toExportRows(items: Iterable<HistoryItem>): ExportRow[] {
  const rows: ExportRow[] = [];
  for (const item of items) if (item.kind === 'run') rows.push(toExportRow(item));
  return rows;
}

export interface CsvOptions {
  /**
   * Start with a UTF-8 byte order mark. Excel needs it to read UTF-8 (Cyrillic pipeline names)
   * correctly; most other tools do not want it. Default false.
   */
  readonly bom?: boolean;
}

/**
 * RFC 4180 CSV: a header row, CRLF after every record, a field quoted when it holds a comma, a
 * quote, CR or LF (quotes doubled), and also `;` or TAB, which Excel with a `;` list separator (the
 * Russian default) and LibreOffice split on. Text cells starting with `=`, `+`, `-`, `@`, TAB or CR
 * get a leading apostrophe so a spreadsheet shows them as text instead of evaluating a formula from
 * the wire (CSV injection). A spreadsheet that splits on `;` or TAB, or on a line break inside a
 * quoted field, starts a cell in the middle of ours, where no quote protects it: text right after
 * those characters that would start a formula gets an apostrophe too. Numeric columns are written as
 * plain numbers.
 */
export function toCsv(items: Iterable<HistoryItem>, options: CsvOptions = {}): string {
  const lines: string[] = [EXPORT_COLUMNS.join(',')];
  for (const row of toExportRows(items)) lines.push(EXPORT_COLUMNS.map((column) => csvCell(row[column])).join(','));
  return `${options.bom ? '\uFEFF' : ''}${lines.join('\r\n')}\r\n`;
}

/** The same rows as a pretty-printed JSON array of objects (no injection guard: JSON is data). */
export function toJson(items: Iterable<HistoryItem>): string {
  return `${JSON.stringify(toExportRows(items), null, 2)}\n`;
}

/** Characters that make a spreadsheet treat a cell as a formula (OWASP "CSV Injection"). */
const FORMULA_START = /^[=+\-@\t\r]/;
/** Where another reader's cell may begin inside ours (after optional quotes it would strip). */
const FORMULA_AFTER_SEPARATOR = /([;\t\r\n]"*)(?=[=+\-@])/g;
const NEEDS_QUOTES = /[",;\t\r\n]/;

/** One CSV field. Exported for tests and for callers that write their own columns. */
export function csvCell(value: string | number | null | undefined): string {
  if (value === null || value === undefined) return '';
  if (typeof value === 'number') return Number.isFinite(value) ? String(value) : '';
  const text = (FORMULA_START.test(value) ? `'${value}` : value).replace(FORMULA_AFTER_SEPARATOR, "$1'");
  return NEEDS_QUOTES.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

function isoOrNull(ms: number): string | null {
  // toISOString throws a RangeError for NaN and for times beyond ±8.64e15 ms.
  const date = new Date(ms);
  return Number.isNaN(date.getTime()) ? null : date.toISOString();
}
