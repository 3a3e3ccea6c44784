/**
 * SMART credentials of a server profile at rest (docs/sync.md "Authentication"): the Backend
 * Services private key is sealed like the other secrets (secrets.ts); App Launch tokens (access +
 * refresh) are sealed under their own binding once the user authorized. The non-secret settings
 * (client id, scope, endpoints, key id, algorithm) are listed with the profile.
 */
import { readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { fhirError, OperationOutcomeError } from '../fhir/outcome-error';
import { algFor, DEFAULT_BACKEND_SCOPE, loadPrivateKey } from './auth-smart';
import { DEFAULT_LAUNCH_SCOPE } from './auth-launch';
import type { SealedSecret, SecretBox } from './secrets';
import { profileId, type StoredProfile } from './store';
import type { ServerAuth, ServerProfile, SmartBackendAuthInput, SmartLaunchAuth } from './types';
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

function optionalEndpoint(raw: string | undefined, what: string, field: string): string | undefined {
  if (raw === undefined) return undefined;
  try {
    return checkServerUrl(raw);
  } catch {
    throw fhirError('security', `The ${what} is refused: https only, or http on this machine`, 400, [field]);
  }
}

/** The largest key file read (the contract's bound on a pasted key). */
const MAX_KEY_FILE_BYTES = 32_768;

/** A key file picked in the desktop app: read here, so the key never passes through the renderer. Errors name the file, never its content. */
async function readKeyFile(file: string): Promise<string> {
  const field = ['auth.privateKeyFile'];
  const name = path.basename(file);
  if (!path.isAbsolute(file)) throw fhirError('value', 'The key file must be given by its absolute path', 400, field);
  try {
    const info = await stat(file);
    if (!info.isFile()) throw fhirError('value', `${name} is not a file`, 400, field);
    if (info.size > MAX_KEY_FILE_BYTES) throw fhirError('value', `${name} is larger than a private key (${MAX_KEY_FILE_BYTES} bytes at most)`, 400, field);
    return await readFile(file, 'utf8');
  } catch (e) {
    if (e instanceof OperationOutcomeError) throw e;
    throw fhirError('not-found', `The key file ${name} cannot be read (${(e as { code?: string }).code ?? 'error'})`, 400, field);
  }
}

/** A value refused by `check` is reported on the form field it came from (`issue.expression`), so a form can show it there. */
export function atField<T>(field: string, check: () => T): T {
  try {
    return check();
  } catch (e) {
    const issue = e instanceof OperationOutcomeError ? e.outcome.issue?.[0] : undefined;
    if (issue && !issue.expression) throw fhirError(issue.code, issue.diagnostics ?? 'Refused', 400, [field]);
    throw e;
  }
}

/**
 * The profile fields of a SMART auth: `smart` settings, the sealed key (backend: as given, read
 * from `privateKeyFile`, or kept from the backend profile being edited when neither is given) or
 * the kept tokens (launch, same client).
 */
export async function smartProfileFields(
  name: string,
  auth: SmartBackendAuthInput | SmartLaunchAuth,
  existing: StoredProfile | undefined,
  baseUrl: string,
  secrets: SecretBox,
): Promise<Pick<StoredProfile, 'smart' | 'secret' | 'tokens' | 'authorizedAt'>> {
  if (auth.clientId.trim() === '') throw fhirError('value', 'The SMART client id is empty', 400, ['auth.clientId']);
  const binding = profileId(name);
  if (auth.kind === 'smart-backend') {
    if (auth.privateKey !== undefined && auth.privateKeyFile !== undefined) {
      throw fhirError('value', 'Give the private key as text or as a file, not both', 400, ['auth.privateKeyFile']);
    }
    const kept = existing?.auth === 'smart-backend' ? existing.secret : undefined;
    const given = auth.privateKey ?? (auth.privateKeyFile !== undefined ? await readKeyFile(auth.privateKeyFile) : undefined);
    let text: string;
    if (given !== undefined) text = given;
    // The kept key is opened only to check the algorithm against it; it stays sealed as it was.
    else if (kept) text = await secrets.open(kept, binding);
    else throw fhirError('required', 'A SMART Backend Services profile needs its private key', 400, ['auth.privateKey']);
    const field = auth.privateKeyFile !== undefined ? 'auth.privateKeyFile' : 'auth.privateKey';
    const alg = atField(field, () => algFor(loadPrivateKey(text), auth.alg));
    const tokenUrl = optionalEndpoint(auth.tokenUrl, 'token endpoint', 'auth.tokenUrl');
    return {
      smart: { clientId: auth.clientId, scope: auth.scope ?? DEFAULT_BACKEND_SCOPE, alg, ...(auth.keyId ? { keyId: auth.keyId } : {}), ...(tokenUrl ? { tokenUrl } : {}) },
      secret: given === undefined && kept ? kept : await secrets.seal(text, binding),
    };
  }
  const tokenUrl = optionalEndpoint(auth.tokenUrl, 'token endpoint', 'auth.tokenUrl');
  const authorizeUrl = optionalEndpoint(auth.authorizeUrl, 'authorization endpoint', 'auth.authorizeUrl');
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
