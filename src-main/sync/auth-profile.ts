/**
 * SMART credentials of a server profile at rest (docs/sync.md "Authentication"): the Backend
 * Services private key is sealed like the other secrets (secrets.ts); App Launch tokens (access +
 * refresh) are sealed under their own binding once the user authorized. The non-secret settings
 * (client id, scope, endpoints, key id, algorithm) are listed with the profile.
 */
import { fhirError } from '../fhir/outcome-error';
import { algFor, DEFAULT_BACKEND_SCOPE, loadPrivateKey } from './auth-smart';
import { DEFAULT_LAUNCH_SCOPE } from './auth-launch';
import type { SealedSecret, SecretBox } from './secrets';
import { profileId, type StoredProfile } from './store';
import type { ServerAuth, ServerProfile, SmartBackendAuth, SmartLaunchAuth } from './types';
import { checkServerUrl } from './url-policy';

/** Tokens of an App Launch authorization, sealed as one JSON secret. */
export interface LaunchTokens {
  accessToken: string;
  refreshToken?: string;
  /** Epoch ms after which the access token is renewed. */
  renewAt: number;
  scope?: string;
}

/** The AAD binding of a profile's App Launch tokens (different from its key's: one cannot stand in for the other). */
export const tokensBinding = (name: string): string => `${profileId(name)}:tokens`;

function optionalEndpoint(raw: string | undefined, what: string): string | undefined {
  if (raw === undefined) return undefined;
  try {
    return checkServerUrl(raw);
  } catch {
    throw fhirError('security', `The ${what} is refused: https only, or http on this machine`, 400);
  }
}

/** The profile fields of a SMART auth: `smart` settings, the sealed key (backend) or the kept tokens (launch, same client). */
export async function smartProfileFields(
  name: string,
  auth: SmartBackendAuth | SmartLaunchAuth,
  existing: StoredProfile | undefined,
  baseUrl: string,
  secrets: SecretBox,
): Promise<Pick<StoredProfile, 'smart' | 'secret' | 'tokens' | 'authorizedAt'>> {
  if (auth.clientId.trim() === '') throw fhirError('value', 'The SMART client id is empty', 400);
  const binding = profileId(name);
  if (auth.kind === 'smart-backend') {
    const key = loadPrivateKey(auth.privateKey);
    const alg = algFor(key, auth.alg);
    const tokenUrl = optionalEndpoint(auth.tokenUrl, 'token endpoint');
    return {
      smart: { clientId: auth.clientId, scope: auth.scope ?? DEFAULT_BACKEND_SCOPE, alg, ...(auth.keyId ? { keyId: auth.keyId } : {}), ...(tokenUrl ? { tokenUrl } : {}) },
      secret: await secrets.seal(auth.privateKey, binding),
    };
  }
  const tokenUrl = optionalEndpoint(auth.tokenUrl, 'token endpoint');
  const authorizeUrl = optionalEndpoint(auth.authorizeUrl, 'authorization endpoint');
  const smart: NonNullable<ServerProfile['smart']> = {
    clientId: auth.clientId,
    scope: auth.scope ?? DEFAULT_LAUNCH_SCOPE,
    ...(tokenUrl ? { tokenUrl } : {}),
    ...(authorizeUrl ? { authorizeUrl } : {}),
  };
  // The tokens stay valid for the same client, scope and server; anything else needs a new authorization.
  const same = existing?.auth === 'smart-launch' && existing.baseUrl === baseUrl && existing.smart?.clientId === smart.clientId && existing.smart.scope === smart.scope;
  return { smart, ...(same && existing.tokens ? { tokens: existing.tokens } : {}), ...(same && existing.authorizedAt ? { authorizedAt: existing.authorizedAt } : {}) };
}

/** The clear SMART credentials of a stored profile (only in memory, while requests are made). */
export async function openSmartAuth(profile: StoredProfile, secrets: SecretBox): Promise<ServerAuth> {
  const smart = profile.smart;
  if (!smart) throw fhirError('security', `The server profile "${profile.name}" has lost its SMART settings; save it again`, 400);
  if (profile.auth === 'smart-backend') {
    if (!profile.secret) throw fhirError('security', `The server profile "${profile.name}" has lost its private key; save it again`, 400);
    const privateKey = await secrets.open(profile.secret, profileId(profile.name));
    return {
      kind: 'smart-backend',
      clientId: smart.clientId,
      privateKey,
      scope: smart.scope,
      ...(smart.keyId ? { keyId: smart.keyId } : {}),
      ...(smart.alg ? { alg: smart.alg } : {}),
      ...(smart.tokenUrl ? { tokenUrl: smart.tokenUrl } : {}),
    };
  }
  return {
    kind: 'smart-launch',
    clientId: smart.clientId,
    scope: smart.scope,
    ...(smart.tokenUrl ? { tokenUrl: smart.tokenUrl } : {}),
    ...(smart.authorizeUrl ? { authorizeUrl: smart.authorizeUrl } : {}),
  };
}

export async function sealTokens(tokens: LaunchTokens, name: string, secrets: SecretBox): Promise<SealedSecret> {
  return secrets.seal(JSON.stringify(tokens), tokensBinding(name));
}

export async function openTokens(profile: StoredProfile, secrets: SecretBox): Promise<LaunchTokens | undefined> {
  if (!profile.tokens) return undefined;
  return JSON.parse(await secrets.open(profile.tokens, tokensBinding(profile.name))) as LaunchTokens;
}
