// One HTTP exchange with an orchestrator: the URL, the credentials, a timeout and the caller's
// AbortSignal, an answer read with a byte limit, and every failure turned into a problem fact.
// Node's own fetch: no dependency. The routes and their shapes are in client.ts.
import { problemOf, unreachable } from './problems';
import type { Answer, Credentials, OrchestratorProblem } from './types';

/** Per call, unless the caller says otherwise; the server's own limit per request is 60 s. */
export const DEFAULT_TIMEOUT_MS = 15_000;
/**
 * A JSON answer. /jobs carries each finished job's log (64 KiB, more once JSON-escaped): 100 jobs
 * (all v1.18.1 sends) are ~7 MiB, 500 (a later server's maximum) ~33 MiB (bench/orchestrator.ts).
 */
export const MAX_JSON_ANSWER_BYTES = 64 * 1024 * 1024;

export interface CallOptions {
  readonly signal?: AbortSignal;
  readonly timeoutMs?: number;
}

export interface Exchange {
  readonly method: 'GET' | 'POST' | 'PATCH' | 'DELETE';
  /** Path with its segments already encoded, and query. */
  readonly path: string;
  readonly body?: unknown;
  readonly maxBytes?: number;
}

export interface Received {
  readonly status: number;
  readonly bytes: Uint8Array;
  readonly headers: Headers;
}

export type FetchLike = (url: string, init: RequestInit) => Promise<Response>;

/** What a base URL may be: http or https, no user info, no query or fragment. */
export function orchestratorBaseUrl(text: string): URL | undefined {
  if (text.length > 2048) return undefined;
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return undefined;
  }
  if ((url.protocol !== 'http:' && url.protocol !== 'https:') || url.username || url.password || url.search || url.hash) return undefined;
  return url;
}

/** Header-safe: a CR, LF or any control character in a credential would split or forge a header. */
const HEADER_SAFE = /^[\x21-\x7e]{1,4096}$/;
// eslint-disable-next-line no-control-regex -- the point is to refuse control characters
const BASIC_SAFE = /^[^\x00-\x1f\x7f]{0,1024}$/;

/** The Authorization header for credentials, or undefined when they cannot be sent safely. */
export function authorization(credentials: Credentials): { header?: string } | undefined {
  switch (credentials.kind) {
    case 'none':
      return {};
    case 'token':
      return HEADER_SAFE.test(credentials.token) ? { header: `Bearer ${credentials.token}` } : undefined;
    case 'basic':
      if (!BASIC_SAFE.test(credentials.username) || !BASIC_SAFE.test(credentials.password) || credentials.username.includes(':')) return undefined;
      return { header: `Basic ${Buffer.from(`${credentials.username}:${credentials.password}`, 'utf8').toString('base64')}` };
  }
}

/** Reads at most `max` bytes of a body; undefined when it is longer (the rest is not read). */
async function readBounded(response: Response, max: number): Promise<Uint8Array | undefined> {
  const declared = Number(response.headers.get('content-length'));
  if (Number.isFinite(declared) && declared > max) {
    await response.body?.cancel().catch(() => undefined);
    return undefined;
  }
  if (!response.body) return new Uint8Array();
  const reader = response.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > max) {
      await reader.cancel().catch(() => undefined);
      return undefined;
    }
    chunks.push(value);
  }
  const out = new Uint8Array(size);
  let at = 0;
  for (const c of chunks) {
    out.set(c, at);
    at += c.byteLength;
  }
  return out;
}

export interface Transport {
  readonly baseUrl: URL;
  readonly credentials: Credentials;
  readonly timeoutMs?: number;
  readonly fetch?: FetchLike;
}

/**
 * One exchange. Resolves with the bytes of a 2xx answer, or a problem: unreachable, timeout,
 * aborted (the caller's signal), answerTooLarge, or what a non-2xx status and its body say.
 */
export async function exchange(transport: Transport, ex: Exchange, options: CallOptions = {}): Promise<Answer<Received>> {
  const auth = authorization(transport.credentials);
  if (!auth) return { ok: false, problem: { code: 'badCredentials' } };
  if (options.signal?.aborted) return { ok: false, problem: { code: 'aborted' } };
  const timeoutMs = options.timeoutMs ?? transport.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const controller = new AbortController();
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    controller.abort();
  }, timeoutMs);
  const onAbort = () => controller.abort();
  options.signal?.addEventListener('abort', onAbort, { once: true });
  const headers: Record<string, string> = { accept: 'application/json' };
  if (auth.header) headers.authorization = auth.header;
  if (ex.body !== undefined) headers['content-type'] = 'application/json';
  const base = transport.baseUrl.href.replace(/\/+$/, '');
  const failed = (problem: OrchestratorProblem): Answer<Received> => ({ ok: false, problem });
  try {
    const response = await (transport.fetch ?? fetch)(`${base}${ex.path}`, {
      method: ex.method,
      headers,
      body: ex.body === undefined ? undefined : JSON.stringify(ex.body),
      signal: controller.signal,
      // A redirect could carry the credentials elsewhere: the orchestrator never redirects.
      redirect: 'manual',
    });
    const maxBytes = ex.maxBytes ?? MAX_JSON_ANSWER_BYTES;
    const ok = response.status >= 200 && response.status < 300;
    // An error body is only ever a short text: read little of it.
    const bytes = await readBounded(response, ok ? maxBytes : 64 * 1024);
    if (!bytes) return ok ? failed({ code: 'answerTooLarge', limitBytes: maxBytes }) : failed(problemOf(response.status, ''));
    if (!ok) return failed(problemOf(response.status, new TextDecoder().decode(bytes)));
    return { ok: true, value: { status: response.status, bytes, headers: response.headers } };
  } catch (err) {
    if (timedOut) return failed({ code: 'timeout', afterMs: timeoutMs });
    if (options.signal?.aborted) return failed({ code: 'aborted' });
    return failed(unreachable(err));
  } finally {
    clearTimeout(timer);
    options.signal?.removeEventListener('abort', onAbort);
  }
}

/** The JSON of a 2xx answer shaped by `shape`, or malformedAnswer naming what was expected. */
export function decodeJson<T>(received: Received, what: string, shape: (value: unknown) => T | undefined): Answer<T> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(new TextDecoder().decode(received.bytes));
  } catch {
    return { ok: false, problem: { code: 'malformedAnswer', what } };
  }
  const value = shape(parsed);
  return value === undefined ? { ok: false, problem: { code: 'malformedAnswer', what } } : { ok: true, value };
}
