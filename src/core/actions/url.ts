import { truncate } from '../text';
import { expandTemplate, placeholdersIn } from './template';

export const ALLOWED_URL_SCHEMES: readonly string[] = ['http:', 'https:'];
const MAX_URL_CHARS = 32_768;

/**
 * A URL the extension must not open. values: `urlTooLong` [length, limit]; `urlInvalid` [url];
 * `urlScheme` [scheme, url]; `urlNoHost` [url]; `urlNotWeb` [template] (a template must start
 * with http:// or https:// itself); `urlPlaceholderInHost` [variable] (an event value cannot pick
 * the server); `urlDotSegment` [segment, url] (a value would climb the template's path).
 */
export interface UrlProblem {
  readonly code: 'urlTooLong' | 'urlInvalid' | 'urlScheme' | 'urlNoHost' | 'urlNotWeb' | 'urlPlaceholderInHost' | 'urlDotSegment';
  readonly values: readonly string[];
}

/** A problem for a URL the extension must not open, or undefined when it may. */
export function checkActionUrl(url: string): UrlProblem | undefined {
  if (url.length > MAX_URL_CHARS) return { code: 'urlTooLong', values: [String(url.length), String(MAX_URL_CHARS)] };
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return { code: 'urlInvalid', values: [truncate(url, 120)] };
  }
  if (!ALLOWED_URL_SCHEMES.includes(parsed.protocol)) return { code: 'urlScheme', values: [parsed.protocol, truncate(url, 120)] };
  if (parsed.hostname === '') return { code: 'urlNoHost', values: [truncate(url, 120)] };
  return undefined;
}

/** `.`, `..` and their percent-encoded spellings: WHATWG URL parsers (browsers) resolve them all. */
const DOT_SEGMENT = /^(?:\.|%2e){1,2}$/i;

/**
 * The URL an openUrl template gives for these values, exactly as it must be opened (pass the
 * string on; re-parsing it into a URI object can decode `%26` back into `&`).
 *
 * Each value is percent-encoded (encodeURIComponent), so it cannot end its query parameter
 * (`x&reporter=someone`), start a fragment or add a path segment (`../../x`). A value may not
 * stand in the scheme or the host, and one that would make a whole path segment `.` or `..` is
 * refused: no encoding keeps a browser from resolving those.
 */
export function expandUrl(template: string, vars: Readonly<Record<string, string | undefined>>): { ok: true; url: string } | { ok: false; problem: UrlProblem } {
  const scheme = /^https?:\/\//i.exec(template);
  if (!scheme) return { ok: false, problem: { code: 'urlNotWeb', values: [truncate(template, 80)] } };
  const rest = template.slice(scheme[0].length);
  const pathEnd = rest.search(/[?#]/);
  const [authority, ...segments] = (pathEnd < 0 ? rest : rest.slice(0, pathEnd)).split('/');
  const inHost = placeholdersIn(authority);
  if (inHost.length) return { ok: false, problem: { code: 'urlPlaceholderInHost', values: [inHost[0]] } };
  const url = expandTemplate(template, vars, 'url');
  const problem = checkActionUrl(url);
  if (problem) return { ok: false, problem };
  // Encoded values hold no "/", "?" or "#": the expanded path has the template's segments, in order.
  for (const segment of segments) {
    if (!placeholdersIn(segment).length) continue;
    const expanded = expandTemplate(segment, vars, 'url');
    if (DOT_SEGMENT.test(expanded)) return { ok: false, problem: { code: 'urlDotSegment', values: [expanded, truncate(url, 120)] } };
  }
  return { ok: true, url };
}
