// What the always-loaded extension knows of the orchestrator settings: their fields, and whether
// any names an orchestrator (which loads the orchestrator's own bundle). A leaf: endpointSettings.ts
// reads and checks them there.
export const ENDPOINT_FIELDS = ['url', 'auth', 'username', 'timeZone'] as const;
export type EndpointField = (typeof ENDPOINT_FIELDS)[number];

export type RawEndpoint = Partial<Record<EndpointField, unknown>>;

/** One connection's orchestrator settings as written (Config.orchestratorSettings). */
export interface OrchestratorSource {
  readonly connection: string;
  /** An object of ENDPOINT_FIELDS when well-formed; anything a settings file may hold otherwise. */
  readonly raw: unknown;
  /** Its name in messages: `tdtp.orchestrator` or `tdtp.connections[i].orchestrator`. */
  readonly setting: string;
}

/** Whether the settings name an orchestrator at all (a URL, or a value that is not even an object). */
export function namesOrchestrator(sources: readonly OrchestratorSource[]): boolean {
  return sources.some(({ raw }) => typeof raw !== 'object' || raw === null || Array.isArray(raw) || (typeof (raw as RawEndpoint).url === 'string' && (raw as RawEndpoint).url !== ''));
}

