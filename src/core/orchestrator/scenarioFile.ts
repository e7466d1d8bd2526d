// A scenario file in the workspace, read as the orchestrator reads it (scenario.go, v1.18.1): the
// `orchestrator:` header of its first YAML document (yaml.v3 decodes only the first), its name
// defaulting to the file's base name; the SHA-256 of its raw bytes (the approval hash the server
// compares); and its `result_log.name`, which ties the scenario to a pipeline row. The file is
// hostile: its size is bounded, aliases are bounded, every field's type is checked.
import { createHash } from 'node:crypto';
import type * as Yaml from 'yaml';
import { MAX_PIPELINE_FILE_BYTES, parsePipelineFile } from '../pipelineFiles';
import { truncate } from '../text';
import { MAX_ENTRIES, MAX_NAME_CHARS, MAX_TEXT_CHARS } from './normalize';
import type { ParamDef } from './types';

let yamlModule: typeof Yaml | undefined;
/** Loaded on first use, as pipelineFiles.ts does. */
function yaml(): typeof Yaml {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  yamlModule ??= require('yaml') as typeof Yaml;
  return yamlModule;
}

/** Aliases resolved when reading the header (a billion-laughs file stops here). */
const MAX_ALIAS_COUNT = 50;

export interface ScenarioHeader {
  readonly name: string;
  /** Whether the name came from the file name (the header has none). */
  readonly nameFromFile: boolean;
  readonly description: string;
  readonly params: readonly ParamDef[];
  readonly permissions: readonly string[];
  /** Empty: the server's default runner (`tdtpcli`). */
  readonly runner: string;
  /** Where the `orchestrator:` key is (0-based), for a CodeLens. */
  readonly line: number;
}

export type ScenarioFileProblem =
  | { readonly code: 'tooLarge'; readonly bytes: number; readonly limit: number }
  | { readonly code: 'yamlError'; readonly line: number }
  | { readonly code: 'notHeader' };

export interface ScenarioFile {
  /** Hex SHA-256 of the bytes as given: compare with an approval's `sha256`. */
  readonly sha256: string;
  /** Undefined when the first document has no `orchestrator:` map (not a scenario, or a broken one). */
  readonly header: ScenarioHeader | undefined;
  /** `result_log.name` of the first document when it logs to Redis (may hold `{{.param}}`). */
  readonly resultName: string | undefined;
  readonly resultNameIsTemplate: boolean;
  readonly problems: readonly ScenarioFileProblem[];
}

/** The approval hash of a file: SHA-256 of its raw bytes (read them from disk: an editor's text may have lost a BOM). */
export function scenarioSha256(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

/** The name the server gives a scenario without `name:`: the file's base name without its extension. */
export function scenarioNameFromPath(path: string): string {
  const base = path.split(/[\\/]/).pop() ?? path;
  const dot = base.lastIndexOf('.');
  return dot > 0 ? base.slice(0, dot) : base;
}

/** A scalar as yaml.v3 decodes it into a Go string: its text (numbers and booleans included). */
function text(value: unknown, max: number): string | undefined {
  if (typeof value === 'string') return truncate(value, max);
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  return undefined;
}

function paramDefs(value: unknown): ParamDef[] {
  if (!Array.isArray(value)) return [];
  const out: ParamDef[] = [];
  for (const item of value.slice(0, MAX_ENTRIES)) {
    if (item === null || typeof item !== 'object' || Array.isArray(item)) continue;
    const p = item as Record<string, unknown>;
    const name = text(p.name, MAX_NAME_CHARS);
    if (!name) continue;
    out.push({
      name,
      required: p.required === true,
      default: text(p.default, MAX_TEXT_CHARS) ?? '',
      pattern: text(p.pattern, MAX_TEXT_CHARS) ?? '',
    });
  }
  return out;
}

/**
 * Reads a scenario file. `path` gives the default name; `bytes` are the file's raw bytes (the
 * hash is of them), decoded as UTF-8 for the YAML.
 */
export function readScenarioFile(path: string, bytes: Uint8Array): ScenarioFile {
  const sha256 = scenarioSha256(bytes);
  if (bytes.byteLength > MAX_PIPELINE_FILE_BYTES) {
    return { sha256, header: undefined, resultName: undefined, resultNameIsTemplate: false, problems: [{ code: 'tooLarge', bytes: bytes.byteLength, limit: MAX_PIPELINE_FILE_BYTES }] };
  }
  const source = new TextDecoder().decode(bytes);
  const problems: ScenarioFileProblem[] = [];
  const header = readHeader(path, source, problems);
  const definition = parsePipelineFile(source).definitions.find((d) => d.documentIndex === 0);
  return {
    sha256,
    header,
    resultName: definition?.resultName,
    resultNameIsTemplate: definition?.resultNameIsTemplate ?? false,
    problems,
  };
}

/**
 * The `orchestrator:` header of a file's text alone, for a CodeLens asked on every edit: the first
 * document only, no hash, no pipeline read. Undefined when the text is over the size bound or has
 * no header.
 */
export function readScenarioHeader(path: string, source: string): ScenarioHeader | undefined {
  // A string of more characters than the bound has more bytes too: no need to count them.
  if (source.length > MAX_PIPELINE_FILE_BYTES || Buffer.byteLength(source, 'utf8') > MAX_PIPELINE_FILE_BYTES) return undefined;
  return readHeader(path, source, []);
}

/**
 * The first YAML document of the text: the parser's tokens are taken up to the end of the first
 * document, so what follows it is not parsed (yaml.v3 decodes only the first too).
 */
function firstDocument(source: string, lineCounter: Yaml.LineCounter): Yaml.Document.Parsed | undefined {
  const { Composer, Parser } = yaml();
  // uniqueKeys off: the parser's duplicate-key check is quadratic in a map's keys (pipelineFiles.ts).
  const composer = new Composer({ merge: true, uniqueKeys: false });
  const docs: Yaml.Document.Parsed[] = [];
  for (const token of new Parser(lineCounter.addNewLine).parse(source)) {
    docs.push(...composer.next(token));
    if (token.type === 'document') break;
  }
  docs.push(...composer.end());
  return docs[0];
}

function readHeader(path: string, source: string, problems: ScenarioFileProblem[]): ScenarioHeader | undefined {
  const lineCounter = new (yaml().LineCounter)();
  const doc = firstDocument(source, lineCounter);
  if (!doc) return undefined;
  if (doc.errors.length > 0) {
    problems.push({ code: 'yamlError', line: lineCounter.linePos(doc.errors[0].pos[0]).line - 1 });
    return undefined;
  }
  if (!yaml().isMap(doc.contents)) return undefined;
  const pair = doc.contents.items.find((p) => yaml().isScalar(p.key) && p.key.value === 'orchestrator');
  if (!pair) return undefined;
  let value: unknown;
  try {
    value = yaml().isNode(pair.value) ? pair.value.toJS(doc, { maxAliasCount: MAX_ALIAS_COUNT }) : undefined;
  } catch {
    // Too many aliases, or an alias to nothing.
    problems.push({ code: 'notHeader' });
    return undefined;
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    problems.push({ code: 'notHeader' });
    return undefined;
  }
  const h = value as Record<string, unknown>;
  const named = text(h.name, MAX_NAME_CHARS);
  const keyOffset = yaml().isNode(pair.key) && pair.key.range ? pair.key.range[0] : 0;
  return {
    name: named || truncate(scenarioNameFromPath(path), MAX_NAME_CHARS),
    nameFromFile: !named,
    description: text(h.description, MAX_TEXT_CHARS) ?? '',
    params: paramDefs(h.params),
    permissions: Array.isArray(h.permissions) ? h.permissions.slice(0, MAX_ENTRIES).flatMap((p) => (typeof p === 'string' ? [truncate(p, MAX_NAME_CHARS)] : [])) : [],
    runner: text(h.runner, MAX_NAME_CHARS) ?? '',
    line: lineCounter.linePos(keyOffset).line - 1,
  };
}
