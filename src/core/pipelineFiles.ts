import type * as Yaml from 'yaml';
import type { Document, Node, Pair, YAMLMap } from 'yaml';

let yamlModule: typeof Yaml | undefined;
/** The parser is loaded on first use: a workspace whose YAML never mentions result_log never pays for it. */
function yaml(): typeof Yaml {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  yamlModule ??= require('yaml') as typeof Yaml;
  return yamlModule;
}

/**
 * What a pipeline YAML (the file `tdtpcli --pipeline` runs) says about where its result goes.
 * Read the way the framework reads it (Go `yaml.v3` into `etl.PipelineConfig`): `result_log.type`
 * must be exactly `redis`; `address` and `name` are required; `db` defaults to 0, `ttl` to 3600.
 */

/** A zero-based place in a file (lines and UTF-16 columns, as editors count them). */
export interface SourcePosition {
  readonly line: number;
  readonly column: number;
}

export interface PipelineDefinition {
  /** Which YAML document of the file (0 for a file with one). */
  readonly documentIndex: number;
  /** `result_log.name`: the channel suffix the run publishes to. */
  readonly resultName: string;
  /** The name holds `{{VAR}}` placeholders that tdtpcli fills in per run. */
  readonly resultNameIsTemplate: boolean;
  /** The pipeline's own top-level `name:` (undefined when it has none). */
  readonly pipelineName: string | undefined;
  /** `name: "travel-extract-sales-{{SYNC_TS}}"`: each run's pipeline_name differs, so match through the result name. */
  readonly pipelineNameIsTemplate: boolean;
  /** `result_log.address` ("host:port") as written, undefined when absent or not a string. */
  readonly address: string | undefined;
  /** `result_log.db` when written as an integer; undefined means the framework's default (0). */
  readonly db: number | undefined;
  /** `result_log.ttl` in seconds when written as an integer; undefined means the default (3600). */
  readonly ttl: number | undefined;
  /** Whether `result_log.password` is a non-empty value. The value itself is not kept (see readResultLogPassword). */
  readonly hasPassword: boolean;
  /** The `result_log:` key. */
  readonly resultLogAt: SourcePosition;
  /** The `name:` key inside result_log (where diagnostics go). */
  readonly resultNameAt: SourcePosition;
}

/** Why a file or one of its documents was not indexed: a code and values; the front ends word it. */
export type PipelineFileProblem =
  | { readonly code: 'too-large'; readonly bytes: number; readonly limit: number }
  | { readonly code: 'yaml-error'; readonly documentIndex: number; readonly line: number; readonly message: string }
  | { readonly code: 'missing-name'; readonly documentIndex: number; readonly line: number };

export interface ParsedPipelineFile {
  readonly definitions: readonly PipelineDefinition[];
  readonly problems: readonly PipelineFileProblem[];
}

/** A pipeline file is a page of YAML; anything far larger is not one and is not parsed. */
export const MAX_PIPELINE_FILE_BYTES = 512 * 1024;
/** Names and addresses longer than this are cut (they are shown and used as keys). */
export const MAX_NAME_CHARS = 512;
/** A parser message is bounded before it reaches a log line. */
const MAX_MESSAGE_CHARS = 200;

const TEMPLATE = /\{\{[^{}]*\}\}/;
/** A cheap test before parsing: a file that never says `result_log` cannot publish. */
const MENTIONS_RESULT_LOG = /^[ \t]*["']?result_log["']?[ \t]*:/m;

export function parsePipelineFile(text: string): ParsedPipelineFile {
  const bytes = Buffer.byteLength(text, 'utf8');
  if (bytes > MAX_PIPELINE_FILE_BYTES) return { definitions: [], problems: [{ code: 'too-large', bytes, limit: MAX_PIPELINE_FILE_BYTES }] };
  if (!MENTIONS_RESULT_LOG.test(text)) return { definitions: [], problems: [] };
  const lineCounter = new (yaml().LineCounter)();
  const parsed = yaml().parseAllDocuments(text, { lineCounter, merge: true, prettyErrors: false });
  const documents = Array.isArray(parsed) ? parsed : [];
  const definitions: PipelineDefinition[] = [];
  const problems: PipelineFileProblem[] = [];
  const at = (offset: number): SourcePosition => {
    const { line, col } = lineCounter.linePos(offset);
    return { line: line - 1, column: col - 1 };
  };
  documents.forEach((doc, documentIndex) => {
    if (doc.errors.length > 0) {
      const error = doc.errors[0];
      problems.push({ code: 'yaml-error', documentIndex, line: at(error.pos[0]).line, message: oneLine(error.message, MAX_MESSAGE_CHARS) });
      return;
    }
    const root = resolve(doc, doc.contents);
    if (!yaml().isMap(root)) return;
    const resultLogPair = findPair(doc, root, 'result_log');
    const resultLog = resultLogPair && resolve(doc, resultLogPair.value as Node | null);
    if (!resultLogPair || !yaml().isMap(resultLog)) return;
    if (stringValue(doc, findPair(doc, resultLog, 'type')) !== 'redis') return;
    const resultLogAt = at(keyOffset(resultLogPair));
    const namePair = findPair(doc, resultLog, 'name');
    const resultName = stringValue(doc, namePair);
    if (!namePair || resultName === undefined || resultName === '') {
      problems.push({ code: 'missing-name', documentIndex, line: resultLogAt.line });
      return;
    }
    const pipelineName = stringValue(doc, findPair(doc, root, 'name'));
    const password = stringValue(doc, findPair(doc, resultLog, 'password'));
    definitions.push({
      documentIndex,
      resultName: bounded(resultName),
      resultNameIsTemplate: TEMPLATE.test(resultName),
      pipelineName: pipelineName === undefined ? undefined : bounded(pipelineName),
      pipelineNameIsTemplate: pipelineName !== undefined && TEMPLATE.test(pipelineName),
      address: optionalBounded(stringValue(doc, findPair(doc, resultLog, 'address'))),
      db: integerValue(doc, findPair(doc, resultLog, 'db')),
      ttl: integerValue(doc, findPair(doc, resultLog, 'ttl')),
      hasPassword: password !== undefined && password !== '',
      resultLogAt,
      // The name may come from a merged anchor elsewhere in the file: then the result_log key is the place.
      resultNameAt: isWithin(namePair, resultLog) ? at(keyOffset(namePair)) : resultLogAt,
    });
  });
  return { definitions, problems };
}

/**
 * The `result_log.password` of one definition, read again from the file's text only when the user
 * asks to keep it in secret storage: the index never holds it.
 */
export function readResultLogPassword(text: string, documentIndex: number): string | undefined {
  if (Buffer.byteLength(text, 'utf8') > MAX_PIPELINE_FILE_BYTES) return undefined;
  const parsed = yaml().parseAllDocuments(text, { merge: true });
  const doc = Array.isArray(parsed) ? parsed[documentIndex] : undefined;
  if (!doc || doc.errors.length) return undefined;
  const root = resolve(doc, doc.contents);
  const resultLog = yaml().isMap(root) ? resolve(doc, findPair(doc, root, 'result_log')?.value as Node | null) : undefined;
  const password = yaml().isMap(resultLog) ? stringValue(doc, findPair(doc, resultLog, 'password')) : undefined;
  return password === '' ? undefined : password;
}

/** Does a definition publish to this result_name? Templates match any filling of their placeholders. */
export function publishesTo(definition: PipelineDefinition, resultName: string): boolean {
  if (!definition.resultNameIsTemplate) return definition.resultName === resultName;
  return templatePattern(definition.resultName).test(resultName);
}

const patterns = new Map<string, RegExp>();
function templatePattern(template: string): RegExp {
  let pattern = patterns.get(template);
  if (!pattern) {
    const source = template
      .split(/\{\{[^{}]*\}\}/)
      .map((part) => part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'))
      .join('.+');
    pattern = new RegExp(`^${source}$`, 's');
    if (patterns.size > 1000) patterns.clear();
    patterns.set(template, pattern);
  }
  return pattern;
}

type Resolved = Node | null | undefined;

/** Follows an alias (`*defaults`) to the node its anchor names; no expansion, so no alias bombs. */
function resolve(doc: Document, node: Resolved): Resolved {
  for (let hops = 0; yaml().isAlias(node) && hops < 16; hops++) node = node.resolve(doc) as Resolved;
  return yaml().isAlias(node) ? undefined : node;
}

/** A key of a map, looking into `<<: *anchor` merges as yaml.v3 does (the map's own keys win). */
function findPair(doc: Document, map: YAMLMap, key: string, depth = 0): Pair | undefined {
  let merged: Pair | undefined;
  for (const pair of map.items) {
    const k = yaml().isScalar(pair.key) ? pair.key.value : pair.key;
    if (k === key) return pair;
    // With merge keys on, yaml gives `<<` as a symbol; accept the plain string too.
    const isMerge = k === '<<' || (typeof k === 'symbol' && k.description === '<<');
    if (isMerge && merged === undefined && depth < 8) {
      const value = resolve(doc, pair.value as Node | null);
      const sources = yaml().isSeq(value) ? value.items.map((item) => resolve(doc, item as Node)) : [value];
      for (const source of sources) {
        if (yaml().isMap(source)) merged ??= findPair(doc, source, key, depth + 1);
      }
    }
  }
  return merged;
}

function stringValue(doc: Document, pair: Pair | undefined): string | undefined {
  const value = pair && resolve(doc, pair.value as Node | null);
  if (!yaml().isScalar(value)) return undefined;
  // yaml.v3 reads an unquoted `name: 1234` into a Go string as "1234": so do we.
  if (typeof value.value === 'string') return value.value;
  if (typeof value.value === 'number' || typeof value.value === 'boolean') return value.source ?? String(value.value);
  return undefined;
}

function integerValue(doc: Document, pair: Pair | undefined): number | undefined {
  const value = pair && resolve(doc, pair.value as Node | null);
  return yaml().isScalar(value) && typeof value.value === 'number' && Number.isSafeInteger(value.value) ? value.value : undefined;
}

function keyOffset(pair: Pair): number {
  const key = pair.key as Node | null;
  return key?.range?.[0] ?? 0;
}

function isWithin(pair: Pair, map: YAMLMap): boolean {
  return map.items.includes(pair);
}

function bounded(text: string): string {
  return text.length > MAX_NAME_CHARS ? text.slice(0, MAX_NAME_CHARS) : text;
}

function optionalBounded(text: string | undefined): string | undefined {
  return text === undefined ? undefined : bounded(text);
}

function oneLine(text: string, max: number): string {
  const line = text.split(/\r?\n/, 1)[0];
  return line.length > max ? `${line.slice(0, max)}…` : line;
}
