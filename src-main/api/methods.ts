/**
 * The method names of the API contract, without schemas: the preload bundles this file only
 * (a sandboxed preload must stay small and dependency free). contract.ts checks at compile
 * time that this list and the contract agree.
 */
export const API_METHODS = {
  vault: ['status', 'probe', 'create', 'unlock', 'lock', 'changePassphrase', 'verify', 'touch'],
  resources: ['types', 'counts', 'list', 'read', 'vread', 'history', 'create', 'update', 'delete', 'search'],
  import: ['start', 'report', 'sample'],
  export: ['start', 'report'],
  jobs: ['list', 'get', 'cancel'],
  terminology: ['import', 'report', 'list'],
  nlp: ['status', 'start', 'rerun', 'cancel', 'learning', 'relearn'],
  concepts: ['search'],
  settings: ['get', 'update', 'fhirEndpoint', 'newFhirToken'],
  review: ['queue', 'document', 'apply', 'setStatus', 'bulkAccept', 'reviewers', 'export', 'import', 'agreement'],
  chart: ['patient', 'note'],
  query: ['parameters', 'cohort', 'export', 'exportResult'],
  queries: ['list', 'save', 'delete'],
  sync: ['servers', 'saveServer', 'removeServer', 'test', 'push', 'pull', 'report', 'status', 'conflicts', 'conflict', 'resolve', 'discard', 'authorize', 'authorization'],
} as const;

export type ApiMethods = typeof API_METHODS;

/** The channel name for a method, shared by IPC, HTTP and the worker. */
export function channelName(domain: string, method: string): string {
  return `${domain}.${method}`;
}

/** Every channel, for transports that register handlers by name. */
export function allChannels(): string[] {
  return Object.entries(API_METHODS).flatMap(([domain, methods]) =>
    (methods as readonly string[]).map((m) => channelName(domain, m)),
  );
}
