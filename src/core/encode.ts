// A result written back as JSON, in the framework's field order: "Copy Event JSON", export and the
// recorder's stream entries, without keeping the raw text of every run in memory.
import type { TdtpResult } from './decode';
import { KNOWN_FIELDS, isKnownField } from './decode';

const KNOWN_FIELD_INDEX: ReadonlyMap<string, number> = new Map(KNOWN_FIELDS.map((field, i) => [field, i]));

/**
 * The result as JSON in the framework's field order (Go struct order), unknown fields after.
 * Used for "Copy Event JSON" and export without keeping the raw text of every run in memory.
 */
export function encodeResult(result: TdtpResult): string {
  // A payload the framework wrote is in that order already (JSON.parse keeps it): one native call.
  if (inGoOrder(result)) return JSON.stringify(result);
  // Else field by field, as JSON.stringify writes an object's (a value it skips is skipped), so a
  // "__proto__" key from the wire stays a plain field.
  let out = '';
  for (const k of KNOWN_FIELDS) if (Object.hasOwn(result, k)) out = appendField(out, k, result[k]);
  for (const k of Object.keys(result)) if (!isKnownField(k)) out = appendField(out, k, result[k]);
  return `{${out}}`;
}

/** Whether the known fields come in Go struct order, each before any unknown one. */
function inGoOrder(result: TdtpResult): boolean {
  let last = -1;
  for (const key in result) {
    const at = KNOWN_FIELD_INDEX.get(key) ?? KNOWN_FIELDS.length;
    if (at < last) return false;
    last = at;
  }
  return true;
}

function appendField(out: string, key: string, value: unknown): string {
  const json = JSON.stringify(value);
  if (json === undefined) return out;
  return `${out}${out ? ',' : ''}${JSON.stringify(key)}:${json}`;
}
