import { truncate } from '../text';

/**
 * A malformed glob. values: `globLoneBackslash` [glob]; `globReversedRange` [glob, range such as
 * "z-a"]; `globUnclosedBracket` [glob, 1-based position of the "["].
 */
export interface GlobProblem {
  readonly code: 'globLoneBackslash' | 'globReversedRange' | 'globUnclosedBracket';
  readonly values: readonly string[];
}

type GlobToken =
  | { readonly t: 'lit'; readonly c: string }
  | { readonly t: 'any' }
  | { readonly t: 'star' }
  | { readonly t: 'class'; readonly negate: boolean; readonly ranges: ReadonlyArray<readonly [number, number]> };

export type GlobMatcher = (text: string) => boolean;

/**
 * Compiles a glob: `*` any run of characters (`:` and `/` included), `?` one character, `[abc]`,
 * `[a-z]`, `[!abc]` or `[^abc]` one character of (not of) a set, `\x` the character x itself.
 * It matches the whole text, case-sensitively, by Unicode code point. Returns a problem for a
 * malformed glob. Matching takes O(text × pattern) steps at worst, never exponential (no
 * regular expression is built), so a hostile 1 MB pipeline_name cannot hang the extension host.
 */
export function compileGlob(pattern: string): GlobMatcher | GlobProblem {
  const shown = truncate(pattern, 80);
  const cps = Array.from(pattern);
  const tokens: GlobToken[] = [];
  for (let i = 0; i < cps.length; i++) {
    const c = cps[i];
    if (c === '\\') {
      if (i + 1 >= cps.length) return { code: 'globLoneBackslash', values: [shown] };
      tokens.push({ t: 'lit', c: cps[++i] });
    } else if (c === '*') {
      if (tokens.at(-1)?.t !== 'star') tokens.push({ t: 'star' });
    } else if (c === '?') {
      tokens.push({ t: 'any' });
    } else if (c === '[') {
      const start = i;
      let j = i + 1;
      let negate = false;
      if (cps[j] === '!' || cps[j] === '^') {
        negate = true;
        j++;
      }
      const ranges: Array<[number, number]> = [];
      let first = true;
      let closed = false;
      while (j < cps.length) {
        let ch = cps[j];
        if (ch === ']' && !first) {
          closed = true;
          break;
        }
        first = false;
        if (ch === '\\') {
          if (j + 1 >= cps.length) break;
          ch = cps[++j];
        }
        let hi = ch;
        if (cps[j + 1] === '-' && j + 2 < cps.length && cps[j + 2] !== ']') {
          j += 2;
          hi = cps[j];
          if (hi === '\\') {
            if (j + 1 >= cps.length) break;
            hi = cps[++j];
          }
        }
        const lo = ch.codePointAt(0)!;
        const top = hi.codePointAt(0)!;
        if (top < lo) return { code: 'globReversedRange', values: [shown, `${ch}-${hi}`] };
        ranges.push([lo, top]);
        j++;
      }
      if (!closed) return { code: 'globUnclosedBracket', values: [shown, String(start + 1)] };
      tokens.push({ t: 'class', negate, ranges });
      i = j;
    } else {
      tokens.push({ t: 'lit', c });
    }
  }
  return (text) => matchTokens(tokens, Array.from(text));
}

function matchOne(token: GlobToken, c: string): boolean {
  switch (token.t) {
    case 'lit':
      return token.c === c;
    case 'any':
      return true;
    case 'class': {
      const cp = c.codePointAt(0)!;
      const inside = token.ranges.some(([lo, hi]) => cp >= lo && cp <= hi);
      return inside !== token.negate;
    }
    default:
      return false;
  }
}

/** Greedy match with backtracking to the last star only: O(n·m). */
function matchTokens(tokens: readonly GlobToken[], text: readonly string[]): boolean {
  let p = 0;
  let s = 0;
  let starP = -1;
  let starS = 0;
  while (s < text.length) {
    const token = tokens[p];
    if (token !== undefined && token.t === 'star') {
      starP = p++;
      starS = s;
    } else if (token !== undefined && matchOne(token, text[s])) {
      p++;
      s++;
    } else if (starP >= 0) {
      p = starP + 1;
      s = ++starS;
    } else return false;
  }
  while (tokens[p]?.t === 'star') p++;
  return p === tokens.length;
}
