// A scenario's parameters checked before sending, as the server checks them (Scenario.ValidateParams,
// scenario.go): a missing or empty value takes the default, unless required; a non-empty value must
// match the pattern anchored as `^(?:pattern)$` with Go's regexp (RE2).
//
// JavaScript's RegExp is not RE2. Where the two read the same text differently this translates
// (Go's `.` excludes only \n, JS's also \r, U+2028, U+2029 → `[^\n]`; Go's `\s` is [\t\n\f\r ],
// JS's adds Unicode spaces → that class), and what it cannot take faithfully or safely it refuses
// to check here (`unchecked`: the server, which is linear-time, still checks):
// - RE2 syntax JS lacks or reads otherwise: inline flags `(?i)`, `(?P<n>…)`, `[[:alpha:]]`, `\Q…\E`,
//   `\x{…}`, `\A`, `\z`, `\pL`, a bare `{`; lookaround and backreferences (which RE2 refuses too);
// - backtracking risk: JS backtracks, RE2 does not, so a quantified group that holds a quantifier
//   or an alternation (`(a+)+`, `(a|aa)*`), many quantifiers, or a long value could hang the
//   extension host.
import { MAX_TEXT_CHARS } from './normalize';
import type { ParamDef, Params } from './types';

/** Longer patterns are not checked here. */
export const MAX_PATTERN_CHARS = 512;
/** Longer values are not checked here (the backtracking bound); the server checks them. */
export const MAX_CHECKED_VALUE_CHARS = 1024;
/** More quantifiers than this in one pattern: not checked here. */
const MAX_QUANTIFIERS = 4;
/** A counted repeat up to this is no backtracking risk. */
const SMALL_REPEAT = 10;
/** Go's regexp refuses repeat counts above this (syntax.ErrInvalidRepeatSize). */
const GO_MAX_REPEAT = 1000;

export type UncheckedReason = 'patternTooLong' | 'patternUnsupported' | 'patternMayBacktrack' | 'valueTooLong';

export type CompiledPattern =
  | { readonly ok: true; readonly regex: RegExp }
  /** The server's Go regexp refuses it too: every run of the scenario is refused (422). */
  | { readonly ok: false; readonly invalid: true }
  | { readonly ok: false; readonly invalid: false; readonly reason: UncheckedReason };

const JS_DOT = '[^\\n]';
const GO_SPACE = '\\t\\n\\f\\r ';
/** Escapes that mean the same in Go and in a JS `u` regex (letters; punctuation escapes are literal in both). */
const SAME_ESCAPES = new Set(['d', 'D', 'w', 'W', 'b', 'B', 'n', 't', 'r', 'f', 'v']);

/** Go's pattern as a JS source of the same meaning, or why not. Pure scanning: no regex runs on the pattern. */
function translate(pattern: string): { source: string } | { invalid: true } | { reason: UncheckedReason } {
  let out = '';
  let inClass = false;
  let quantifiers = 0;
  // Per open group: whether it holds a quantifier or an alternation (quantified, it can backtrack exponentially).
  const groups: boolean[] = [];
  let lastGroupHadQuantifier = false;
  let i = 0;
  /**
   * Counts a quantifier; a repeating one (`*`, `+`, `{n,}`, `{n,m}` with a large m) marks the
   * enclosing group, and may not repeat a marked group. `?` and small counts cannot blow up.
   */
  const quantified = (repeats: boolean, justClosedGroup: boolean): boolean => {
    quantifiers++;
    if (!repeats) return true;
    if (justClosedGroup) return false;
    if (groups.length > 0) groups[groups.length - 1] = true;
    return true;
  };
  while (i < pattern.length) {
    const c = pattern[i];
    const justClosedGroup = lastGroupHadQuantifier;
    lastGroupHadQuantifier = false;
    if (c === '\\') {
      const e = pattern[i + 1];
      if (e === undefined) return { invalid: true };
      if (e === 's') out += inClass ? GO_SPACE : `[${GO_SPACE}]`;
      else if (e === 'S') {
        if (inClass) return { reason: 'patternUnsupported' };
        out += `[^${GO_SPACE}]`;
      } else if (e === 'x' && /^[0-9A-Fa-f]{2}$/.test(pattern.slice(i + 2, i + 4))) {
        out += pattern.slice(i, i + 4);
        i += 4;
        continue;
      } else if ((e === 'p' || e === 'P') && pattern[i + 2] === '{') {
        const end = pattern.indexOf('}', i + 3);
        if (end < 0 || !/^[A-Za-z_]{1,40}$/.test(pattern.slice(i + 3, end))) return { reason: 'patternUnsupported' };
        out += pattern.slice(i, end + 1);
        i = end + 1;
        continue;
      } else if (SAME_ESCAPES.has(e) || /[^A-Za-z0-9]/.test(e)) out += `\\${e}`;
      else if (/[1-9]/.test(e)) return { invalid: true }; // a backreference: RE2 has none
      else return { reason: 'patternUnsupported' };
      i += 2;
      continue;
    }
    if (inClass) {
      if (c === '[' && pattern[i + 1] === ':') return { reason: 'patternUnsupported' };
      if (c === ']') inClass = false;
      out += c;
      i++;
      continue;
    }
    switch (c) {
      case '[':
        inClass = true;
        out += c;
        if (pattern[i + 1] === '^') {
          out += '^';
          i++;
        }
        // A leading `]` is a literal in Go's class, an empty class in JS.
        if (pattern[i + 1] === ']') {
          out += '\\]';
          i++;
        }
        i++;
        continue;
      case '(':
        if (pattern[i + 1] === '?') {
          if (pattern[i + 2] !== ':') return pattern[i + 2] === '=' || pattern[i + 2] === '!' ? { invalid: true } : { reason: 'patternUnsupported' };
          out += '(?:';
          i += 3;
        } else {
          out += '(';
          i++;
        }
        groups.push(false);
        continue;
      case ')': {
        if (groups.length === 0) return { invalid: true };
        lastGroupHadQuantifier = groups.pop() ?? false;
        // A group holding a quantified group holds a quantifier too.
        if (lastGroupHadQuantifier && groups.length > 0) groups[groups.length - 1] = true;
        out += ')';
        i++;
        continue;
      }
      case '|':
        // Overlapping branches under a quantifier (`(a|aa)+`) backtrack exponentially too.
        if (groups.length > 0) groups[groups.length - 1] = true;
        out += c;
        i++;
        continue;
      case '.':
        out += JS_DOT;
        i++;
        continue;
      case '*':
      case '+':
      case '?': {
        if (!quantified(c !== '?', justClosedGroup)) return { reason: 'patternMayBacktrack' };
        out += c;
        i++;
        // Go's lazy form `*?` reads the same in JS.
        if (pattern[i] === '?') {
          out += '?';
          i++;
        }
        continue;
      }
      case '{': {
        const m = /^\{(\d+)(,(\d*))?\}/.exec(pattern.slice(i, i + 24));
        if (!m) return { reason: 'patternUnsupported' }; // a literal `{` in Go, a syntax error in a JS `u` regex
        if (Number(m[1]) > GO_MAX_REPEAT || (m[3] !== undefined && m[3] !== '' && Number(m[3]) > GO_MAX_REPEAT)) return { invalid: true };
        const repeats = m[2] !== undefined && (m[3] === '' || Number(m[3]) > SMALL_REPEAT);
        if (!quantified(repeats || Number(m[1]) > SMALL_REPEAT, justClosedGroup)) return { reason: 'patternMayBacktrack' };
        out += m[0];
        i += m[0].length;
        continue;
      }
      default:
        out += c;
        i++;
    }
  }
  if (inClass || groups.length > 0) return { invalid: true };
  if (quantifiers > MAX_QUANTIFIERS) return { reason: 'patternMayBacktrack' };
  return { source: out };
}

/** Compiles a server pattern as the server anchors it, or says why it is not checked here. */
export function compileParamPattern(pattern: string): CompiledPattern {
  if (pattern.length > MAX_PATTERN_CHARS) return { ok: false, invalid: false, reason: 'patternTooLong' };
  const translated = translate(pattern);
  if ('invalid' in translated) return { ok: false, invalid: true };
  if ('reason' in translated) return { ok: false, invalid: false, reason: translated.reason };
  try {
    return { ok: true, regex: new RegExp(`^(?:${translated.source})$`, 'u') };
  } catch {
    // What JS refuses that the scan let through: not known to be wrong for Go.
    return { ok: false, invalid: false, reason: 'patternUnsupported' };
  }
}

export type PatternCheck = { readonly kind: 'match' } | { readonly kind: 'mismatch' } | { readonly kind: 'invalidPattern' } | { readonly kind: 'unchecked'; readonly reason: UncheckedReason };

export function checkPattern(pattern: string, value: string): PatternCheck {
  const compiled = compileParamPattern(pattern);
  if (!compiled.ok) return compiled.invalid ? { kind: 'invalidPattern' } : { kind: 'unchecked', reason: compiled.reason };
  if (value.length > MAX_CHECKED_VALUE_CHARS) return { kind: 'unchecked', reason: 'valueTooLong' };
  return compiled.regex.test(value) ? { kind: 'match' } : { kind: 'mismatch' };
}

export type ParamProblem =
  | { readonly param: string; readonly code: 'required' }
  | { readonly param: string; readonly code: 'mismatch'; readonly pattern: string }
  | { readonly param: string; readonly code: 'invalidPattern'; readonly pattern: string }
  | { readonly param: string; readonly code: 'valueTooLong'; readonly max: number };

export interface ParamsCheck {
  /** What the server would run with: declared params only (it drops the rest), defaults filled in. */
  readonly resolved: Params;
  /** Every problem (the server stops at its first). */
  readonly problems: readonly ParamProblem[];
  /** Params whose pattern is not checked here, with why: the server still checks them. */
  readonly unchecked: ReadonlyArray<{ readonly param: string; readonly reason: UncheckedReason }>;
}

/** The server's ValidateParams, before sending. */
export function checkParams(defs: readonly ParamDef[], provided: Params): ParamsCheck {
  const resolved: Record<string, string> = Object.create(null) as Record<string, string>;
  const problems: ParamProblem[] = [];
  const unchecked: Array<{ param: string; reason: UncheckedReason }> = [];
  for (const def of defs) {
    let value = Object.prototype.hasOwnProperty.call(provided, def.name) ? provided[def.name] : '';
    if (value === '') {
      if (def.required) {
        problems.push({ param: def.name, code: 'required' });
        continue;
      }
      value = def.default;
    }
    if (value.length > MAX_TEXT_CHARS) {
      problems.push({ param: def.name, code: 'valueTooLong', max: MAX_TEXT_CHARS });
      continue;
    }
    if (def.pattern !== '' && value !== '') {
      const check = checkPattern(def.pattern, value);
      if (check.kind === 'mismatch') problems.push({ param: def.name, code: 'mismatch', pattern: def.pattern });
      else if (check.kind === 'invalidPattern') problems.push({ param: def.name, code: 'invalidPattern', pattern: def.pattern });
      else if (check.kind === 'unchecked') unchecked.push({ param: def.name, reason: check.reason });
    }
    resolved[def.name] = value;
  }
  return { resolved, problems, unchecked };
}
