import { isPlainObject } from '../validate';
import { SAMPLE_VARS, placeholdersIn } from './template';
import type { UrlProblem } from './url';
import { expandUrl } from './url';

/*
 * Where a `${…}` may stand. An event value fills data; it never picks what runs: not the task
 * (`run.task` is never expanded), not the command (`run.command` is never expanded), not the
 * server a URL goes to, not a file, a shell line or a task handed to a command. Rules that put a
 * placeholder anywhere else are refused when settings are read, so nothing is decided per event.
 *
 * - openUrl: in the path (each value stays inside its segment), the query and the fragment;
 *   never in the scheme or the host (url.ts).
 * - command args: only as a value inside an object argument (`{ "title": "${pipeline_name}" }`),
 *   under no key that names what to run or where to write (FORBIDDEN_KEYS, at any depth), and
 *   never for the commands in FORBIDDEN_COMMANDS. A positional argument — a top-level string, or
 *   an item of a top-level array — is what commands such as `workbench.action.tasks.runTask`
 *   read as "which one", so it never holds a placeholder.
 */

/** Keys whose value a command takes as something to run, open or write; compared case-insensitively. */
export const FORBIDDEN_KEYS: readonly string[] = [
  'args', 'command', 'commands', 'cwd', 'dir', 'directory', 'file', 'filename', 'files', 'folder', 'path', 'program',
  'script', 'sequence', 'shell', 'shellargs', 'task', 'text', 'uri', 'url',
];

/** Command families that run or write whatever their arguments say; their arguments never hold placeholders. */
export const FORBIDDEN_COMMANDS: readonly RegExp[] = [/^workbench\.action\.terminal\./, /^workbench\.action\.tasks\./, /^tdtp\./, /^vscode\./, /^_/, /^workbench\.action\.executeCommand/];

/**
 * A placeholder where the event could choose what runs. values: `placeholderInCommand` [variable,
 * command]; `placeholderPositional` [variable, 1-based argument]; `placeholderUnderKey` [variable, key].
 */
export interface TemplatePlaceProblem {
  readonly code: 'placeholderInCommand' | 'placeholderPositional' | 'placeholderUnderKey';
  readonly values: readonly string[];
}

export function checkArgsTemplates(command: string, args: readonly unknown[]): TemplatePlaceProblem | undefined {
  const forbiddenCommand = FORBIDDEN_COMMANDS.some((re) => re.test(command)) ? command : undefined;
  for (let i = 0; i < args.length; i++) {
    const problem = checkValue(args[i], { argument: i + 1, inObject: false, forbiddenCommand });
    if (problem) return problem;
  }
  return undefined;
}

interface Place {
  readonly argument: number;
  /** false: a positional string (a top-level argument, or inside top-level arrays only). */
  readonly inObject: boolean;
  /** The nearest forbidden key above the value, if any. */
  readonly forbiddenKey?: string;
  readonly forbiddenCommand?: string;
}

function checkValue(value: unknown, place: Place): TemplatePlaceProblem | undefined {
  if (typeof value === 'string') {
    const found = placeholdersIn(value);
    if (!found.length) return undefined;
    if (place.forbiddenCommand !== undefined) return { code: 'placeholderInCommand', values: [found[0], place.forbiddenCommand] };
    if (!place.inObject) return { code: 'placeholderPositional', values: [found[0], String(place.argument)] };
    if (place.forbiddenKey !== undefined) return { code: 'placeholderUnderKey', values: [found[0], place.forbiddenKey] };
    return undefined;
  }
  if (Array.isArray(value)) {
    for (const item of value) {
      const problem = checkValue(item, place);
      if (problem) return problem;
    }
    return undefined;
  }
  if (!isPlainObject(value)) return undefined;
  for (const [key, item] of Object.entries(value)) {
    const forbiddenKey = FORBIDDEN_KEYS.includes(key.toLowerCase()) ? key : place.forbiddenKey;
    const problem = checkValue(item, { ...place, inObject: true, forbiddenKey });
    if (problem) return problem;
  }
  return undefined;
}

/** An openUrl template is tried with sample values when settings are read. */
export function checkUrlTemplate(template: string): UrlProblem | undefined {
  const expanded = expandUrl(template, SAMPLE_VARS);
  return expanded.ok ? undefined : expanded.problem;
}
