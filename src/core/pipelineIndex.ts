import { Emitter } from './emitter';
import type { IDisposable } from './lifecycle';
import type { ParsedPipelineFile, PipelineDefinition, PipelineFileContent, PipelineFileProblem } from './pipelineFiles';
import { parsePipelineFile, publishesTo } from './pipelineFiles';

/** One definition and the file it is in (a file is named by whatever key the front end uses: a URI). */
export interface PipelineLocation {
  readonly file: string;
  readonly definition: PipelineDefinition;
}

export interface IndexProblem {
  readonly file: string;
  readonly problem: PipelineFileProblem;
}

/** A distinct Redis the workspace's pipelines publish to (for "connect there"). */
export interface WorkspaceEndpoint {
  readonly address: string;
  readonly db: number;
  /** Files naming it, for the offer's detail. */
  readonly files: readonly string[];
  /** Whether any of them writes a password (the value stays in the file). */
  readonly passwordInFile: boolean;
  /** The first definition that writes one, to read it from only when the user asks (readResultLogPassword). */
  readonly passwordAt?: { readonly file: string; readonly documentIndex: number };
}

export interface IndexOptions {
  /** Work this long at most before yielding to the event loop, so the host stays responsive. */
  readonly sliceMs?: number;
}

const DEFAULT_SLICE_MS = 8;

/**
 * The workspace's pipeline files, mapped from result_name to file and line. Vscode-free: the
 * front end finds files and feeds their text; the index parses them, in slices that yield to the
 * event loop, and fires once per batch.
 */
export class PipelineIndex implements IDisposable {
  private readonly files = new Map<string, ParsedPipelineFile>();
  private readonly changed = new Emitter<ReadonlySet<string>>();
  private readonly problemEmitter = new Emitter<IndexProblem>();
  private generation = 0;

  /** Files whose definitions changed (added, edited, removed). */
  readonly onDidChange = this.changed.event;
  /** A file (or one of its documents) that was skipped, and why: the front end logs it. */
  readonly onProblem = this.problemEmitter.event;

  /** Parses one file's text now and replaces what was known of it. */
  update(file: string, content: PipelineFileContent): void {
    if (this.store(file, parsePipelineFile(content))) this.changed.fire(new Set([file]));
  }

  remove(file: string): void {
    if (this.files.delete(file)) this.changed.fire(new Set([file]));
  }

  /**
   * Indexes many files: reads them a few at a time and parses between yields, so 2,000 files do
   * not block the host. A file that cannot be read is skipped (it may have been deleted meanwhile).
   * A later call to indexAll or clear makes an unfinished one stop.
   */
  async indexAll(files: readonly string[], read: (file: string) => Promise<PipelineFileContent>, options: IndexOptions = {}): Promise<{ indexed: number; skipped: number }> {
    const generation = ++this.generation;
    const sliceMs = options.sliceMs ?? DEFAULT_SLICE_MS;
    const touched = new Set<string>();
    let indexed = 0;
    let skipped = 0;
    let sliceStart = performance.now();
    const READ_AHEAD = 16;
    for (let start = 0; start < files.length; start += READ_AHEAD) {
      const batch = files.slice(start, start + READ_AHEAD);
      const texts = await Promise.all(batch.map((file) => read(file).then((text) => text, () => undefined)));
      if (generation !== this.generation) return { indexed, skipped };
      for (let i = 0; i < batch.length; i++) {
        const text = texts[i];
        if (text === undefined) {
          skipped++;
          continue;
        }
        if (this.store(batch[i], parsePipelineFile(text))) touched.add(batch[i]);
        indexed++;
        if (performance.now() - sliceStart >= sliceMs) {
          await yieldToEventLoop();
          if (generation !== this.generation) return { indexed, skipped };
          sliceStart = performance.now();
        }
      }
    }
    if (touched.size) this.changed.fire(touched);
    return { indexed, skipped };
  }

  clear(): void {
    this.generation++;
    if (this.files.size === 0) return;
    const all = new Set(this.files.keys());
    this.files.clear();
    this.changed.fire(all);
  }

  /** Every definition publishing to this result_name, files in a stable order. */
  locate(resultName: string): PipelineLocation[] {
    const out: PipelineLocation[] = [];
    for (const [file, parsed] of this.files) for (const definition of parsed.definitions) if (publishesTo(definition, resultName)) out.push({ file, definition });
    return out.sort((a, b) => (a.file < b.file ? -1 : a.file > b.file ? 1 : a.definition.documentIndex - b.definition.documentIndex));
  }

  definitionsIn(file: string): readonly PipelineDefinition[] {
    return this.files.get(file)?.definitions ?? [];
  }

  /** Documents skipped for their shape (`too-complex`): the front end tells the user, on the file. */
  skippedForShape(): IndexProblem[] {
    const out: IndexProblem[] = [];
    for (const [file, parsed] of this.files) for (const problem of parsed.problems) if (problem.code === 'too-complex') out.push({ file, problem });
    return out;
  }

  /** Files with at least one definition. */
  pipelineFiles(): string[] {
    return [...this.files].filter(([, parsed]) => parsed.definitions.length > 0).map(([file]) => file);
  }

  get definitionCount(): number {
    let n = 0;
    for (const parsed of this.files.values()) n += parsed.definitions.length;
    return n;
  }

  /** The distinct `address` + `db` pairs named by the files, in order of first appearance. */
  endpoints(): WorkspaceEndpoint[] {
    const byKey = new Map<string, { address: string; db: number; files: string[]; passwordInFile: boolean; passwordAt?: { file: string; documentIndex: number } }>();
    for (const [file, parsed] of this.files) {
      for (const d of parsed.definitions) {
        if (!d.address) continue;
        const db = d.db ?? 0;
        const key = `${d.address}\u0000${db}`;
        let endpoint = byKey.get(key);
        if (!endpoint) byKey.set(key, (endpoint = { address: d.address, db, files: [], passwordInFile: false }));
        if (!endpoint.files.includes(file)) endpoint.files.push(file);
        if (d.hasPassword && !endpoint.passwordInFile) {
          endpoint.passwordInFile = true;
          endpoint.passwordAt = { file, documentIndex: d.documentIndex };
        }
      }
    }
    return [...byKey.values()];
  }

  dispose(): void {
    this.generation++;
    this.changed.dispose();
    this.problemEmitter.dispose();
  }

  /** Whether what the index knows of the file changed (a YAML file without result_log changes nothing). */
  private store(file: string, parsed: ParsedPipelineFile): boolean {
    for (const problem of parsed.problems) this.problemEmitter.fire({ file, problem });
    // A file skipped for its shape is kept too: the user is told on the file until it changes.
    if (parsed.definitions.length === 0 && !parsed.problems.some((p) => p.code === 'too-complex')) return this.files.delete(file);
    this.files.set(file, parsed);
    return true;
  }
}

function yieldToEventLoop(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}
