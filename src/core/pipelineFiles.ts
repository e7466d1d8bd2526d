import type * as Yaml from 'yaml';
import type { Document, Node, Pair, YAMLMap } from 'yaml';

let yamlModule: typeof Yaml | undefined;
/** The parser is loaded on first use: a workspace whose YAML never mentions result_log never pays for it. */
export function yaml(): typeof Yaml {
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
  | { readonly code: 'missing-name'; readonly documentIndex: number; readonly line: number }
  /** Its anchors and merge keys (`<<`) need more than `limit` lookups to read: a shape made to cost time. */
  | { readonly code: 'too-complex'; readonly documentIndex: number; readonly line: number; readonly limit: number };

export interface ParsedPipelineFile {
  readonly definitions: readonly PipelineDefinition[];
  readonly problems: readonly PipelineFileProblem[];
  /** Map entries and merge sources looked at to read it (each document within MAX_LOOKUP_STEPS): the work the tests bound. */
  readonly steps: number;
}

/** A pipeline file is a page of YAML; anything far larger is not one and is not parsed. */
export const MAX_PIPELINE_FILE_BYTES = 512 * 1024;
/**
 * Map entries and merge sources one document may cost to read: a pipeline file needs a few dozen.
 * With each map searched once per key, only a file made for it (thousands of merge sources) gets
 * here; it is skipped with `too-complex` rather than read for seconds on the extension host.
 */
export const MAX_LOOKUP_STEPS = 10_000;
/** Merges of merges are followed this deep (a pipeline's shared defaults are one or two levels). */
const MAX_MERGE_DEPTH = 32;
/** Names and addresses longer than this are cut (they are shown and used as keys). */
export const MAX_NAME_CHARS = 512;
/** A parser message is bounded before it reaches a log line. */
const MAX_MESSAGE_CHARS = 200;

const TEMPLATE = /\{\{[^{}]*\}\}/;
/** A cheap test before parsing: a file that never says `result_log` cannot publish. */
const MENTIONS_RESULT_LOG = /^[ \t]*["']?result_log["']?[ \t]*:/m;

/**
 * How the text is parsed. The parser's own duplicate-key check compares each key with every earlier
 * one of its map (quadratic: a 500 KB map of distinct keys took most of a minute), so it is off and the
 * reader checks the keys it reads (DocumentReader.findPair). Aliases are never expanded: the
 * parser's `maxAliasCount` bounds only `toJS`, which is never called here.
 */
const PARSE_OPTIONS = { merge: true, uniqueKeys: false, prettyErrors: false } as const;

/**
 * What a front end gives the index for a file: its text, or only its size when that is over
 * MAX_PIPELINE_FILE_BYTES (such a file is not read at all: a repository's 2 GB `.yaml` costs nothing).
 */
export type PipelineFileContent = string | { readonly bytes: number };

export function parsePipelineFile(content: PipelineFileContent): ParsedPipelineFile {
  const bytes = typeof content === 'string' ? Buffer.byteLength(content, 'utf8') : content.bytes;
  if (bytes > MAX_PIPELINE_FILE_BYTES || typeof content !== 'string') return { definitions: [], problems: [{ code: 'too-large', bytes, limit: MAX_PIPELINE_FILE_BYTES }], steps: 0 };
  const text = content;
  if (!MENTIONS_RESULT_LOG.test(text)) return { definitions: [], problems: [], steps: 0 };
  const lineCounter = new (yaml().LineCounter)();
  const parsed = yaml().parseAllDocuments(text, { ...PARSE_OPTIONS, lineCounter });
  const documents = Array.isArray(parsed) ? parsed : [];
  const definitions: PipelineDefinition[] = [];
  const problems: PipelineFileProblem[] = [];
  let steps = 0;
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
    const reader = new DocumentReader(doc);
    try {
      const read = readDefinition(reader, documentIndex, at);
      if (read && 'problem' in read) problems.push(read.problem);
      else if (read) definitions.push(read.definition);
    } catch (err) {
      if (!(err instanceof ReadStopped)) throw err;
      problems.push(err.problem(documentIndex, at));
    } finally {
      steps += reader.steps;
    }
  });
  return { definitions, problems, steps };
}

/** One document's definition, a problem with it, or undefined when it does not publish to Redis. */
function readDefinition(reader: DocumentReader, documentIndex: number, at: (offset: number) => SourcePosition): { definition: PipelineDefinition } | { problem: PipelineFileProblem } | undefined {
  const root = reader.root();
  if (!yaml().isMap(root)) return undefined;
  const resultLogPair = reader.findPair(root, 'result_log');
  const resultLog = resultLogPair && reader.resolve(resultLogPair.value as Node | null);
  if (!resultLogPair || !yaml().isMap(resultLog)) return undefined;
  reader.placeOfProblems = keyOffset(resultLogPair);
  if (reader.stringValue(reader.findPair(resultLog, 'type')) !== 'redis') return undefined;
  const resultLogAt = at(keyOffset(resultLogPair));
  const namePair = reader.findPair(resultLog, 'name');
  const resultName = reader.stringValue(namePair);
  if (!namePair || resultName === undefined || resultName === '') return { problem: { code: 'missing-name', documentIndex, line: resultLogAt.line } };
  const pipelineName = reader.stringValue(reader.findPair(root, 'name'));
  const password = reader.stringValue(reader.findPair(resultLog, 'password'));
  const definition: PipelineDefinition = {
    documentIndex,
    resultName: bounded(resultName),
    resultNameIsTemplate: TEMPLATE.test(resultName),
    pipelineName: pipelineName === undefined ? undefined : bounded(pipelineName),
    pipelineNameIsTemplate: pipelineName !== undefined && TEMPLATE.test(pipelineName),
    address: optionalBounded(reader.stringValue(reader.findPair(resultLog, 'address'))),
    db: reader.integerValue(reader.findPair(resultLog, 'db')),
    ttl: reader.integerValue(reader.findPair(resultLog, 'ttl')),
    hasPassword: password !== undefined && password !== '',
    resultLogAt,
    // The name may come from a merged anchor elsewhere in the file: then the result_log key is the place.
    resultNameAt: resultLog.items.includes(namePair) ? at(keyOffset(namePair)) : resultLogAt,
  };
  return { definition };
}

/**
 * The `result_log.password` of one definition, read again from the file's text only when the user
 * asks to keep it in secret storage: the index never holds it.
 */
export function readResultLogPassword(text: string, documentIndex: number): string | undefined {
  if (Buffer.byteLength(text, 'utf8') > MAX_PIPELINE_FILE_BYTES) return undefined;
  const parsed = yaml().parseAllDocuments(text, PARSE_OPTIONS);
  const doc = Array.isArray(parsed) ? parsed[documentIndex] : undefined;
  if (!doc || doc.errors.length) return undefined;
  const reader = new DocumentReader(doc);
  try {
    const root = reader.root();
    const resultLog = yaml().isMap(root) ? reader.resolve(reader.findPair(root, 'result_log')?.value as Node | null) : undefined;
    const password = yaml().isMap(resultLog) ? reader.stringValue(reader.findPair(resultLog, 'password')) : undefined;
    return password === '' ? undefined : password;
  } catch (err) {
    if (err instanceof ReadStopped) return undefined;
    throw err;
  }
}

/** Does a definition publish to this result_name? Templates match any filling of their placeholders. */
export function publishesTo(definition: PipelineDefinition, resultName: string): boolean {
  if (!definition.resultNameIsTemplate) return definition.resultName === resultName;
  return fillsTemplate(templateParts(definition.resultName), resultName);
}

/**
 * Whether `name` is `parts` joined by one or more characters each (what tdtpcli puts for a
 * placeholder). Matched left to right, each part at its first place after the one before: linear
 * in the name. (A regular expression `^a.+.+.+…b$` backtracks exponentially in the placeholders:
 * a file's `{{A}}{{B}}…` template took seconds per event, minutes with twelve.)
 */
function fillsTemplate(parts: readonly string[], name: string): boolean {
  const first = parts[0];
  const last = parts[parts.length - 1];
  if (!name.startsWith(first)) return false;
  let end = first.length;
  for (let i = 1; i < parts.length - 1; i++) {
    const at = name.indexOf(parts[i], end + 1);
    if (at < end + 1) return false;
    end = at + parts[i].length;
  }
  return name.length - last.length >= end + 1 && name.endsWith(last);
}

const partsByTemplate = new Map<string, readonly string[]>();
function templateParts(template: string): readonly string[] {
  let parts = partsByTemplate.get(template);
  if (!parts) {
    parts = template.split(/\{\{[^{}]*\}\}/);
    if (partsByTemplate.size > 1000) partsByTemplate.clear();
    partsByTemplate.set(template, parts);
  }
  return parts;
}

type Resolved = Node | null | undefined;

/** Why reading a document stopped: too much work, or a key twice in one map (yaml.v3 refuses that file). */
class ReadStopped {
  constructor(
    private readonly reason: { readonly code: 'too-complex' } | { readonly code: 'duplicate-key'; readonly key: string },
    private readonly offset: number,
  ) {}

  problem(documentIndex: number, at: (offset: number) => SourcePosition): PipelineFileProblem {
    const line = at(this.offset).line;
    return this.reason.code === 'too-complex'
      ? { code: 'too-complex', documentIndex, line, limit: MAX_LOOKUP_STEPS }
      : { code: 'yaml-error', documentIndex, line, message: oneLine(`Map keys must be unique: "${this.reason.key}"`, MAX_MESSAGE_CHARS) };
  }
}

/**
 * Reads keys of one document as yaml.v3 does, with bounded work: each alias is resolved through a
 * table built in one walk of the document (the library's own `resolve` walks the whole document for
 * every alias), and a key lookup searches each map once, however many merge lists name it. Every
 * map entry and merge source looked at is a step; past MAX_LOOKUP_STEPS it stops (ReadStopped).
 */
class DocumentReader {
  steps = 0;
  /** Where a `too-complex` is reported: the document's start, then its result_log key. */
  placeOfProblems: number;
  private aliasTargets: Map<unknown, Node> | undefined;

  constructor(private readonly doc: Document) {
    this.placeOfProblems = (doc.contents as Node | null)?.range?.[0] ?? 0;
  }

  root(): Resolved {
    return this.resolve(this.doc.contents as Node | null);
  }

  /** Follows an alias (`*defaults`) to the node its anchor names: the last one before it, in document order. */
  resolve(node: Resolved): Resolved {
    if (!yaml().isAlias(node)) return node;
    this.aliasTargets ??= aliasTargets(this.doc);
    return this.aliasTargets.get(node);
  }

  /**
   * A key of a map, looking into `<<: *anchor` merges as yaml.v3 does: the map's own keys win, then
   * each merge source in order, depth first. A map already searched (named again by another merge,
   * or a cycle) is not searched again: what it holds was already looked at with a higher priority.
   */
  findPair(map: YAMLMap, key: string): Pair | undefined {
    const searched = new Set<YAMLMap>();
    const pending: Array<{ map: YAMLMap; depth: number }> = [{ map, depth: 0 }];
    for (let next = pending.pop(); next; next = pending.pop()) {
      if (searched.has(next.map)) continue;
      searched.add(next.map);
      let found: Pair | undefined;
      const merges: Pair[] = [];
      for (const pair of next.map.items) {
        this.step();
        const k = yaml().isScalar(pair.key) ? pair.key.value : pair.key;
        if (k === key) {
          if (found) throw new ReadStopped({ code: 'duplicate-key', key }, keyOffset(pair));
          found = pair;
        }
        // With merge keys on, yaml gives `<<` as a symbol; the plain string is accepted too.
        if (k === '<<' || (typeof k === 'symbol' && k.description === '<<')) merges.push(pair);
      }
      if (found) return found;
      const sources: YAMLMap[] = [];
      for (const merge of merges) {
        const value = this.resolve(merge.value as Node | null);
        for (const item of yaml().isSeq(value) ? value.items : [value]) {
          this.step();
          const source = this.resolve(item as Node | null);
          if (yaml().isMap(source) && !searched.has(source)) sources.push(source);
        }
      }
      if (sources.length && next.depth >= MAX_MERGE_DEPTH) throw new ReadStopped({ code: 'too-complex' }, this.placeOfProblems);
      for (let i = sources.length - 1; i >= 0; i--) pending.push({ map: sources[i], depth: next.depth + 1 });
    }
    return undefined;
  }

  stringValue(pair: Pair | undefined): string | undefined {
    const value = pair && this.resolve(pair.value as Node | null);
    if (!yaml().isScalar(value)) return undefined;
    // yaml.v3 reads an unquoted `name: 1234` into a Go string as "1234": so do we.
    if (typeof value.value === 'string') return value.value;
    if (typeof value.value === 'number' || typeof value.value === 'boolean') return value.source ?? String(value.value);
    return undefined;
  }

  integerValue(pair: Pair | undefined): number | undefined {
    const value = pair && this.resolve(pair.value as Node | null);
    return yaml().isScalar(value) && typeof value.value === 'number' && Number.isSafeInteger(value.value) ? value.value : undefined;
  }

  private step(): void {
    if (++this.steps > MAX_LOOKUP_STEPS) throw new ReadStopped({ code: 'too-complex' }, this.placeOfProblems);
  }
}

/**
 * Each alias of the document and the node it names, from one walk in document order (a node before
 * its children, a key before its value), without recursion: nesting depth costs no stack.
 */
function aliasTargets(doc: Document): Map<unknown, Node> {
  const anchors = new Map<string, Node>();
  const targets = new Map<unknown, Node>();
  const pending: unknown[] = [doc.contents];
  while (pending.length) {
    const node = pending.pop();
    if (yaml().isPair(node)) {
      pending.push(node.value, node.key);
    } else if (yaml().isAlias(node)) {
      const target = anchors.get(node.source);
      if (target) targets.set(node, target);
    } else if (yaml().isNode(node)) {
      if (node.anchor) anchors.set(node.anchor, node);
      if (yaml().isCollection(node)) for (let i = node.items.length - 1; i >= 0; i--) pending.push(node.items[i]);
    }
  }
  return targets;
}

function keyOffset(pair: Pair): number {
  const key = pair.key as Node | null;
  return key?.range?.[0] ?? 0;
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
