import * as vscode from 'vscode';
import { Disposable } from '../../core/lifecycle';
import type { ParsedPipelineFile, PipelineFileContent, PipelineFileProblem } from '../../core/pipelineFiles';
import { MAX_PIPELINE_FILE_BYTES, parsePipelineFile } from '../../core/pipelineFiles';
import type { PipelineLocation } from '../../core/pipelineIndex';
import { PipelineIndex } from '../../core/pipelineIndex';

/** Where pipeline files are looked for, and what is never searched. */
const GLOB = '**/*.{yaml,yml}';
const EXCLUDE = '**/{node_modules,.git}/**';
const MAX_FILES = 10_000;
/** Typing in an open pipeline file re-parses it this long after the last keystroke. */
const EDIT_DEBOUNCE_MS = 300;

export interface PipelineFileLocation extends PipelineLocation {
  readonly uri: vscode.Uri;
}

/**
 * The workspace's pipeline files, kept current: found with workspace.findFiles at start, then
 * followed through a file watcher (creations, saves, deletions) and the open editors (unsaved
 * edits). Nothing is read in Restricted Mode: workspace files then offer nothing; indexing starts
 * when the folder is trusted.
 */
export class WorkspacePipelineFiles extends Disposable {
  readonly index = this.register(new PipelineIndex());
  private readonly changeEmitter = this.register(new vscode.EventEmitter<void>());
  private readonly pendingEdits = new Map<string, ReturnType<typeof setTimeout>>();
  /** The open documents' parses by version: CodeLens is asked again at every event, the text has not changed. */
  private readonly parses = new WeakMap<vscode.TextDocument, { version: number; parsed: ParsedPipelineFile }>();
  private started = false;
  private readyPromise: Promise<void> | undefined;

  /** The set of pipeline definitions changed. */
  readonly onDidChange = this.changeEmitter.event;

  constructor(private readonly log: vscode.LogOutputChannel) {
    super();
    this.register(this.index.onDidChange(() => this.changeEmitter.fire()));
    this.register(this.index.onProblem(({ file, problem }) => this.log.warn(`Pipeline file skipped: ${vscode.Uri.parse(file).fsPath}: ${describeProblem(problem)}`)));
    if (vscode.workspace.isTrusted) this.start();
    else this.register(vscode.workspace.onDidGrantWorkspaceTrust(() => this.start()));
  }

  /** Resolves when the first full index is done (at once in Restricted Mode, with nothing indexed). */
  get ready(): Promise<void> {
    return this.readyPromise ?? Promise.resolve();
  }

  get active(): boolean {
    return this.started;
  }

  /** Every definition publishing to this result_name (several files may). */
  locate(resultName: string): PipelineFileLocation[] {
    return this.index.locate(resultName).map((l) => ({ ...l, uri: vscode.Uri.parse(l.file) }));
  }

  hasConfig(resultName: string): boolean {
    return this.index.locate(resultName).length > 0;
  }

  /** An open document as it reads now (unsaved edits included), parsed once per version. */
  parsedDocument(document: vscode.TextDocument): ParsedPipelineFile {
    const cached = this.parses.get(document);
    if (cached?.version === document.version) return cached.parsed;
    const parsed = parsePipelineFile(document.getText());
    this.parses.set(document, { version: document.version, parsed });
    return parsed;
  }

  definitionsIn(uri: vscode.Uri): PipelineFileLocation[] {
    const file = uri.toString();
    return this.index.definitionsIn(file).map((definition) => ({ file, definition, uri }));
  }

  private start(): void {
    if (this.started) return;
    this.started = true;
    const watcher = this.register(vscode.workspace.createFileSystemWatcher(GLOB));
    for (const owned of [
      watcher.onDidCreate((uri) => this.reread(uri)),
      watcher.onDidChange((uri) => this.reread(uri)),
      watcher.onDidDelete((uri) => this.index.remove(uri.toString())),
      vscode.workspace.onDidChangeTextDocument((e) => this.scheduleEdit(e.document)),
      vscode.workspace.onDidOpenTextDocument((document) => isCandidate(document) && document.isDirty && this.scheduleEdit(document)),
      // Closing an editor with unsaved edits drops them: what counts again is the file on disk.
      vscode.workspace.onDidCloseTextDocument((document) => isCandidate(document) && this.reread(document.uri)),
      vscode.workspace.onDidChangeWorkspaceFolders(() => void this.indexAll()),
      { dispose: () => this.pendingEdits.forEach((timer) => clearTimeout(timer)) },
    ])
      this.register(owned);
    this.readyPromise = this.indexAll();
  }

  private async indexAll(): Promise<void> {
    const started = Date.now();
    try {
      const uris = await vscode.workspace.findFiles(GLOB, EXCLUDE, MAX_FILES);
      if (uris.length === MAX_FILES) this.log.warn(`More than ${MAX_FILES} YAML files in the workspace: only the first ${MAX_FILES} are looked at for pipelines.`);
      const { indexed, skipped } = await this.index.indexAll(
        uris.map((uri) => uri.toString()),
        (file) => this.read(vscode.Uri.parse(file)),
      );
      this.log.info(`Pipeline files: ${this.index.pipelineFiles().length} of ${indexed} YAML files publish to Redis (${this.index.definitionCount} result_log sections; ${skipped} unreadable) in ${Date.now() - started} ms.`);
    } catch (err) {
      this.log.error(`Looking for pipeline files failed: ${(err as Error).message}`);
    }
  }

  /** An open document's text (it may hold unsaved edits), otherwise the file's. */
  private async read(uri: vscode.Uri): Promise<PipelineFileContent> {
    const open = vscode.workspace.textDocuments.find((d) => d.uri.toString() === uri.toString());
    if (open) return open.getText();
    return readPipelineFile(uri);
  }

  private reread(uri: vscode.Uri): void {
    if (!isCandidateUri(uri)) return;
    this.read(uri).then(
      (text) => this.index.update(uri.toString(), text),
      () => this.index.remove(uri.toString()),
    );
  }

  private scheduleEdit(document: vscode.TextDocument): void {
    if (!this.started || !isCandidate(document)) return;
    const key = document.uri.toString();
    clearTimeout(this.pendingEdits.get(key));
    this.pendingEdits.set(
      key,
      setTimeout(() => {
        this.pendingEdits.delete(key);
        if (!document.isClosed) this.index.update(key, document.getText());
      }, EDIT_DEBOUNCE_MS),
    );
  }
}

/** A file's text, or only its size when it is too large to be a pipeline file (then it is not read). */
export async function readPipelineFile(uri: vscode.Uri): Promise<PipelineFileContent> {
  const { size } = await vscode.workspace.fs.stat(uri);
  if (size > MAX_PIPELINE_FILE_BYTES) return { bytes: size };
  return new TextDecoder().decode(await vscode.workspace.fs.readFile(uri));
}

function isCandidateUri(uri: vscode.Uri): boolean {
  return uri.scheme === 'file' && /\.ya?ml$/i.test(uri.path) && vscode.workspace.getWorkspaceFolder(uri) !== undefined;
}

function isCandidate(document: vscode.TextDocument): boolean {
  return isCandidateUri(document.uri);
}

/** For the log (English, like every log line). */
export function describeProblem(problem: PipelineFileProblem): string {
  switch (problem.code) {
    case 'too-large':
      return `${problem.bytes} bytes, over the ${problem.limit}-byte limit for a pipeline file`;
    case 'yaml-error':
      return `YAML error in document ${problem.documentIndex + 1} at line ${problem.line + 1}: ${problem.message}`;
    case 'missing-name':
      return `result_log of type redis without a name (document ${problem.documentIndex + 1}, line ${problem.line + 1})`;
    case 'too-complex':
      return `its anchors and merge keys (<<) need more than ${problem.limit} lookups to read (document ${problem.documentIndex + 1}, line ${problem.line + 1}); not read, so that it cannot stall VS Code`;
  }
}
