/** The session services' entry points (the app host's SessionFactories and the CLI use these). */
export { createSessionFromRepository, createVaultSession, openVaultSession, type VaultSessionOptions } from './vault-session';
export { createSessionServices, parseSearchQuery } from './session-services';
export { toOutcome } from './errors';
export type { SessionServices, VaultSession } from './session-types';
