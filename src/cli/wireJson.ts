/**
 * Whether a payload's bytes are, byte for byte, the UTF-8 of `JSON.stringify(parsed)`, where
 * `parsed` is what JSON.parse made of them: then --json can write the bytes as they came instead
 * of stringifying the run again. Conservative: false whenever unsure, and the caller stringifies.
 *
 * True only for one flat object (no nested object or array) with:
 * - no whitespace outside strings;
 * - keys without a backslash and not starting with a digit (an integer-like key moves to the
 *   front of a JS object), and as many keys on the wire as the object has (a duplicate key
 *   collapses into one);
 * - strings whose escapes are only \" \\ \b \f \n \r \t (JSON.stringify writes \/ as /, and a
 *   \u escape as the character itself); other bytes are as they came (valid UTF-8, checked by
 *   the decoder, never holds a lone surrogate, which JSON.stringify would escape);
 * - numbers that are integers of at most 15 digits, never -0 (exact in a double, so written back
 *   the same; 1.0, 1e3, 0.5 and -0 are not);
 * - true, false and null.
 */
export function isStringifyForm(wire: Uint8Array, parsed: object): boolean {
  const n = wire.length;
  if (n < 2 || wire[0] !== OPEN || wire[n - 1] !== CLOSE) return false;
  let i = 1;
  let keys = 0;
  if (wire[i] === CLOSE) return n === 2 && Object.keys(parsed).length === 0;
  for (;;) {
    // A key.
    if (wire[i] !== QUOTE) return false;
    i++;
    const first = wire[i];
    if (first >= DIGIT_0 && first <= DIGIT_9) return false;
    for (;;) {
      if (i >= n) return false;
      const b = wire[i++];
      if (b === QUOTE) break;
      if (b === BACKSLASH || b < 0x20) return false;
    }
    keys++;
    if (wire[i++] !== COLON) return false;
    // Its value.
    const v = wire[i];
    if (v === QUOTE) {
      i++;
      for (;;) {
        if (i >= n) return false;
        const b = wire[i++];
        if (b === QUOTE) break;
        if (b < 0x20) return false;
        if (b === BACKSLASH) {
          const e = wire[i++];
          if (e !== QUOTE && e !== BACKSLASH && e !== 0x62 && e !== 0x66 && e !== 0x6e && e !== 0x72 && e !== 0x74) return false;
        }
      }
    } else if (v === MINUS || (v >= DIGIT_0 && v <= DIGIT_9)) {
      if (v === MINUS) i++;
      const start = i;
      if (wire[i] === DIGIT_0) {
        if (v === MINUS) return false;
        i++;
      } else {
        while (i < n && wire[i] >= DIGIT_0 && wire[i] <= DIGIT_9) i++;
        if (i === start || i - start > 15) return false;
      }
    } else if (v === 0x74) {
      if (!literal(wire, i, TRUE)) return false;
      i += 4;
    } else if (v === 0x66) {
      if (!literal(wire, i, FALSE)) return false;
      i += 5;
    } else if (v === 0x6e) {
      if (!literal(wire, i, NULL)) return false;
      i += 4;
    } else return false;
    const next = wire[i++];
    if (next === COMMA) continue;
    if (next !== CLOSE || i !== n) return false;
    return keys === Object.keys(parsed).length;
  }
}

const OPEN = 0x7b;
const CLOSE = 0x7d;
const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const COLON = 0x3a;
const COMMA = 0x2c;
const MINUS = 0x2d;
const DIGIT_0 = 0x30;
const DIGIT_9 = 0x39;
const TRUE = [0x74, 0x72, 0x75, 0x65];
const FALSE = [0x66, 0x61, 0x6c, 0x73, 0x65];
const NULL = [0x6e, 0x75, 0x6c, 0x6c];

function literal(wire: Uint8Array, at: number, word: readonly number[]): boolean {
  for (let k = 0; k < word.length; k++) if (wire[at + k] !== word[k]) return false;
  return true;
}
