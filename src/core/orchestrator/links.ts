// What ties a scenario of the orchestrator to a pipeline row the viewer shows: a scenario file in
// the workspace publishes to its `result_log.name` (the row's result_name), and a `pubsub.yaml`
// subscription runs a scenario when a result arrives. A Redis event carries no job id, so these
// files are the only link (the notes' "Behaviour worth knowing"). Files are hostile: bounded in
// size and entries, read without the parser's quadratic duplicate-key check.
import type { PipelineDefinition } from '../pipelineFiles';
import { MAX_PIPELINE_FILE_BYTES, publishesTo, yaml } from '../pipelineFiles';
import { truncate } from '../text';
import { isActive } from './jobs';
import { MAX_ENTRIES, MAX_NAME_CHARS } from './normalize';
import type { Job, Params } from './types';

/** A file that is a scenario: its name (as the server names it) and where its first document publishes. */
export interface ScenarioSource {
  /** The front end's key for the file (a URI). */
  readonly file: string;
  readonly scenario: string;
  /** The first document's result_log (the one the scenario's run publishes to), if it logs to Redis. */
  readonly definition: PipelineDefinition | undefined;
}

/** One `subscriptions:` entry of a pubsub.yaml. */
export interface Subscription {
  readonly resultName: string;
  readonly scenario: string;
  /** Default `[success]`, as the server reads it. */
  readonly onStatus: readonly string[];
  readonly params: Params;
}

export type PubsubProblem = { readonly code: 'tooLarge'; readonly bytes: number; readonly limit: number } | { readonly code: 'yamlError' } | { readonly code: 'notSubscriptions' };

/** How a scenario relates to a result: it publishes it, or a subscription runs it when the result arrives. */
export type LinkVia = 'resultLog' | 'pubsub';

export interface ScenarioLink {
  readonly scenario: string;
  readonly via: LinkVia;
  /** The file that says so. */
  readonly file: string;
  /** The result name as written (a scenario's may hold `{{.param}}`). */
  readonly resultName: string;
}

/** Entry keys read per subscription list: a file is a page of YAML. */
const MAX_SUBSCRIPTIONS = MAX_ENTRIES;
const MAX_ALIAS_COUNT = 50;

/** Reads a pubsub.yaml (`subscriptions: [{result_name, scenario, on_status, params}]`). */
export function parsePubsubFile(text: string): { subscriptions: Subscription[]; problems: PubsubProblem[] } {
  const bytes = Buffer.byteLength(text, 'utf8');
  if (bytes > MAX_PIPELINE_FILE_BYTES) return { subscriptions: [], problems: [{ code: 'tooLarge', bytes, limit: MAX_PIPELINE_FILE_BYTES }] };
  let value: unknown;
  try {
    // uniqueKeys off: the parser's own check compares every key with every earlier one (quadratic).
    const doc = yaml().parseDocument(text, { uniqueKeys: false, merge: true, prettyErrors: false });
    if (doc.errors.length > 0) return { subscriptions: [], problems: [{ code: 'yamlError' }] };
    value = doc.toJS({ maxAliasCount: MAX_ALIAS_COUNT });
  } catch {
    return { subscriptions: [], problems: [{ code: 'yamlError' }] };
  }
  const list = value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>).subscriptions : undefined;
  if (!Array.isArray(list)) return { subscriptions: [], problems: [{ code: 'notSubscriptions' }] };
  const subscriptions: Subscription[] = [];
  for (const item of list.slice(0, MAX_SUBSCRIPTIONS)) {
    if (item === null || typeof item !== 'object' || Array.isArray(item)) continue;
    const s = item as Record<string, unknown>;
    if (typeof s.result_name !== 'string' || typeof s.scenario !== 'string' || !s.result_name || !s.scenario) continue;
    const onStatus = Array.isArray(s.on_status) ? s.on_status.slice(0, MAX_ENTRIES).flatMap((v) => (typeof v === 'string' ? [truncate(v, MAX_NAME_CHARS)] : [])) : [];
    subscriptions.push({
      resultName: truncate(s.result_name, MAX_NAME_CHARS),
      scenario: truncate(s.scenario, MAX_NAME_CHARS),
      onStatus: onStatus.length ? onStatus : ['success'],
      params: paramsOf(s.params),
    });
  }
  return { subscriptions, problems: [] };
}

function paramsOf(value: unknown): Params {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return {};
  const out: Record<string, string> = {};
  let n = 0;
  for (const [key, v] of Object.entries(value as Record<string, unknown>)) {
    if (n++ >= MAX_ENTRIES) break;
    if (typeof v === 'string' && key.length <= MAX_NAME_CHARS) out[key] = truncate(v, MAX_NAME_CHARS);
  }
  return out;
}

/** The links of the workspace's scenario files and subscriptions, both ways. Immutable: rebuilt on change. */
export class LinkTable {
  private readonly byScenario = new Map<string, ScenarioLink[]>();
  private readonly exact = new Map<string, ScenarioLink[]>();
  /** Templated result names (`{{.param}}`): matched by publishesTo, linear in the name. */
  private readonly templated: Array<{ readonly definition: PipelineDefinition; readonly link: ScenarioLink }> = [];

  constructor(scenarios: Iterable<ScenarioSource>, subscriptions: Iterable<{ readonly file: string; readonly subscription: Subscription }>) {
    for (const source of scenarios) {
      const d = source.definition;
      if (!d) continue;
      const link: ScenarioLink = { scenario: source.scenario, via: 'resultLog', file: source.file, resultName: d.resultName };
      this.add(link, d);
    }
    for (const { file, subscription } of subscriptions) this.add({ scenario: subscription.scenario, via: 'pubsub', file, resultName: subscription.resultName });
  }

  private add(link: ScenarioLink, definition?: PipelineDefinition): void {
    push(this.byScenario, link.scenario, link);
    if (definition?.resultNameIsTemplate) this.templated.push({ definition, link });
    else push(this.exact, link.resultName, link);
  }

  get size(): number {
    return this.byScenario.size;
  }

  /** The scenarios linked to a result name (its publishers, and those it triggers), in file order. */
  scenariosOf(resultName: string, via?: LinkVia): ScenarioLink[] {
    const out = [...(this.exact.get(resultName) ?? [])];
    for (const { definition, link } of this.templated) if (publishesTo(definition, resultName)) out.push(link);
    return via ? out.filter((l) => l.via === via) : out;
  }

  /** The result names a scenario is linked to (as written: a template stays one). */
  resultNamesOf(scenario: string, via?: LinkVia): ScenarioLink[] {
    const links = this.byScenario.get(scenario) ?? [];
    return via ? links.filter((l) => l.via === via) : [...links];
  }

  /** Whether any of `scenarios` publishes to the result name. */
  publishedBy(resultName: string, scenarios: ReadonlySet<string>): boolean {
    return this.scenariosOf(resultName, 'resultLog').some((l) => scenarios.has(l.scenario));
  }
}

function push<K, V>(map: Map<K, V[]>, key: K, value: V): void {
  const list = map.get(key);
  if (list) list.push(value);
  else map.set(key, [value]);
}

/** The jobs of some scenarios in the server's order (newest first), at most `limit`. */
export function jobsOfScenarios(jobs: readonly Job[], scenarios: ReadonlySet<string>, limit = Infinity): Job[] {
  const out: Job[] = [];
  for (const job of jobs) {
    if (out.length >= limit) break;
    if (scenarios.has(job.scenario)) out.push(job);
  }
  return out;
}

/** The active (pending or running) jobs of some scenarios. */
export function activeJobsOf(jobs: readonly Job[], scenarios: ReadonlySet<string>): Job[] {
  return jobs.filter((job) => isActive(job) && scenarios.has(job.scenario));
}

/** The scenarios a refresh touched: those of the jobs added, changed or removed (removed: from the list before). */
export function scenariosTouched(previous: readonly Job[], next: readonly Job[], ids: { readonly added: readonly string[]; readonly changed: readonly string[]; readonly removed: readonly string[] }): Set<string> {
  const wanted = new Set([...ids.added, ...ids.changed, ...ids.removed]);
  const out = new Set<string>();
  for (const list of [previous, next]) for (const job of list) if (wanted.has(job.id)) out.add(job.scenario);
  return out;
}

/** A cheap test before reading a file as a scenario: a top-level `orchestrator:` key (linear, no backtracking). */
const ORCHESTRATOR_KEY = /^orchestrator[ \t]*:/m;
export function mentionsOrchestrator(text: string): boolean {
  return ORCHESTRATOR_KEY.test(text);
}

const EXCLUDED_FOLDERS: readonly string[] = ['node_modules', '.git'];
/** Whether a path lies in a folder the workspace's pubsub.yaml search leaves out (node_modules, .git). */
export function inExcludedFolder(path: string): boolean {
  return path.split(/[\\/]/).some((segment) => EXCLUDED_FOLDERS.includes(segment));
}

/**
 * The order of reads of one file (a key): reads await the disk and can land out of order, so a
 * read asks, when it lands, whether it is still the latest begun; an older one is dropped.
 */
export class ReadOrder {
  private readonly latest = new Map<string, number>();
  private next = 0;

  /** A read (or a delete) of the key begins; the answer tells whether it is still the latest. */
  begin(key: string): () => boolean {
    const mine = ++this.next;
    this.latest.set(key, mine);
    return () => this.latest.get(key) === mine;
  }

  /** The file is gone: every read of it still under way is dropped when it lands. */
  forget(key: string): void {
    this.latest.delete(key);
  }
}
