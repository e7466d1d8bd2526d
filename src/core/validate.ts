import { truncate } from './text';

/*
 * Checking values that come from settings (hand-edited JSON: any shape at all). A problem is a
 * fact — where, a code, the values a sentence needs — and each front end words it: the extension
 * through vscode.l10n, the terminal tools in English. The core never writes the sentence.
 */

/** What a wrong value was, for "expected X, got Y": its kind, and for text, numbers and booleans the value itself, shortened. */
export interface Got {
  readonly kind: 'nothing' | 'null' | 'array' | 'object' | 'text' | 'number' | 'boolean' | 'other';
  /** `"MASK_*"` (JSON-quoted, at most 40 characters), `5`, `true`, or the JavaScript type for `other`. */
  readonly shown?: string;
}

export function gotOf(value: unknown): Got {
  if (value === undefined) return { kind: 'nothing' };
  if (value === null) return { kind: 'null' };
  if (Array.isArray(value)) return { kind: 'array' };
  switch (typeof value) {
    case 'string':
      return { kind: 'text', shown: JSON.stringify(truncate(value, 40)) };
    case 'number':
      return { kind: 'number', shown: String(value) };
    case 'boolean':
      return { kind: 'boolean', shown: String(value) };
    case 'object':
      return { kind: 'object' };
    default:
      return { kind: 'other', shown: typeof value };
  }
}

/**
 * One problem with a setting. `at` is where (`tdtp.actions[2].when.status[1]`); `values` are the
 * parameters of the code's sentence, in order; `got` is the wrong value, when the sentence shows it.
 */
export interface Problem<C extends string = string> {
  readonly at: string;
  readonly code: C;
  readonly values: readonly string[];
  readonly got?: Got;
}

/** A field named in settings that the schema does not know. values: [field, the allowed fields joined by ", "]. */
export type CommonCode = 'unknownField';

/** Where a value sits inside a setting; each step returns a new path. */
export class Path {
  private constructor(private readonly text: string) {}

  static of(root: string): Path {
    return new Path(root);
  }

  field(name: string): Path {
    return new Path(`${this.text}.${name}`);
  }

  item(index: number): Path {
    return new Path(`${this.text}[${index}]`);
  }

  toString(): string {
    return this.text;
  }
}

/** The problems found so far, in the order found. */
export class Problems<C extends string> {
  readonly list: Array<Problem<C | CommonCode>> = [];

  get count(): number {
    return this.list.length;
  }

  add(at: Path, code: C | CommonCode, values: ReadonlyArray<string | number> = []): void {
    this.list.push({ at: String(at), code, values: values.map(String) });
  }

  /** A problem that shows the wrong value ("expected …, got the number 5"). */
  wrong(at: Path, code: C, value: unknown, values: ReadonlyArray<string | number> = []): void {
    this.list.push({ at: String(at), code, values: values.map(String), got: gotOf(value) });
  }

  /** One `unknownField` problem per key of `obj` outside `allowed`. */
  unknownFields(obj: Record<string, unknown>, allowed: readonly string[], at: Path): void {
    for (const key of Object.keys(obj)) if (!allowed.includes(key)) this.add(at.field(truncate(key, 60)), 'unknownField', [truncate(key, 60), allowed.join(', ')]);
  }
}

/** A JSON object as settings hold it (not an array, not a class instance). */
export function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return false;
  const proto: unknown = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}
