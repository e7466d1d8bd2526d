// Where an orchestrator is and how to prove who we are, read from settings (`tdtp.orchestrator.*`
// for the default connection, an `orchestrator` object in a `tdtp.connections` entry otherwise).
// Problems are facts (the setting's name and what is wrong); the front end words them.
import { isTimeZone } from '../cron';
import type { EndpointField, OrchestratorSource, RawEndpoint } from './endpointSources';
import { orchestratorBaseUrl } from './http';

/** `token`: a bearer token (the default); `ldap`: HTTP Basic per request; `none`: a server run with --no-auth. */
export type AuthMode = 'token' | 'ldap' | 'none';
export const AUTH_MODES: readonly AuthMode[] = ['token', 'ldap', 'none'];

export interface OrchestratorEndpoint {
  /** The Redis connection it belongs to (`default`, or a `tdtp.connections` name). */
  readonly connection: string;
  readonly baseUrl: URL;
  readonly auth: AuthMode;
  /** The LDAP user name (auth `ldap`); empty otherwise. */
  readonly username: string;
  /** The zone the server reads cron in; empty: this machine's. */
  readonly timeZone: string;
}


export type EndpointProblem =
  | { readonly code: 'notUrl'; readonly setting: string; readonly value: string }
  | { readonly code: 'notAuthMode'; readonly setting: string; readonly value: string }
  | { readonly code: 'notTimeZone'; readonly setting: string; readonly value: string }
  | { readonly code: 'ldapNeedsUser'; readonly setting: string }
  | { readonly code: 'notObject'; readonly setting: string };


const text = (value: unknown): string => (typeof value === 'string' ? value.trim() : '');
/** Settings text shown back in a message: bounded. */
const shown = (value: unknown): string => (typeof value === 'string' ? value : JSON.stringify(value) ?? '').slice(0, 200);

/** The endpoint, or undefined when no URL is set (the orchestrator is optional) or it is unusable. */
export function readEndpoint(connection: string, raw: RawEndpoint, settingName: (field: EndpointField) => string): { endpoint: OrchestratorEndpoint | undefined; problems: EndpointProblem[] } {
  const problems: EndpointProblem[] = [];
  const urlText = text(raw.url);
  if (urlText === '') return { endpoint: undefined, problems };
  const baseUrl = orchestratorBaseUrl(urlText);
  if (!baseUrl) problems.push({ code: 'notUrl', setting: settingName('url'), value: shown(raw.url) });
  const authText = text(raw.auth) || 'token';
  const auth = (AUTH_MODES as readonly string[]).includes(authText) ? (authText as AuthMode) : undefined;
  if (!auth) problems.push({ code: 'notAuthMode', setting: settingName('auth'), value: shown(raw.auth) });
  const username = text(raw.username);
  if (auth === 'ldap' && username === '') problems.push({ code: 'ldapNeedsUser', setting: settingName('username') });
  const timeZone = text(raw.timeZone);
  if (timeZone !== '' && !isTimeZone(timeZone)) problems.push({ code: 'notTimeZone', setting: settingName('timeZone'), value: shown(raw.timeZone) });
  if (!baseUrl || !auth || problems.length > 0) return { endpoint: undefined, problems };
  return { endpoint: { connection, baseUrl, auth, username: auth === 'ldap' ? username : '', timeZone }, problems };
}

/** Every configured orchestrator, and what is wrong with the settings of the others. */
export function readEndpoints(sources: readonly OrchestratorSource[]): { endpoints: OrchestratorEndpoint[]; problems: EndpointProblem[] } {
  const endpoints: OrchestratorEndpoint[] = [];
  const problems: EndpointProblem[] = [];
  for (const { connection, raw, setting } of sources) {
    if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
      problems.push({ code: 'notObject', setting });
      continue;
    }
    const read = readEndpoint(connection, raw as RawEndpoint, (f) => `${setting}.${f}`);
    if (read.endpoint) endpoints.push(read.endpoint);
    problems.push(...read.problems);
  }
  return { endpoints, problems };
}

/** The zone the server reads cron in: the endpoint's setting, or this machine's. */
export function cronZone(endpoint: Pick<OrchestratorEndpoint, 'timeZone'>): string {
  return endpoint.timeZone || Intl.DateTimeFormat().resolvedOptions().timeZone || 'UTC';
}

/** What a secret is bound to: the URL without a trailing slash (scheme, host, port and path). */
export function secretScope(baseUrl: URL): string {
  return baseUrl.href.replace(/\/+$/, '');
}
