/**
 * The server form's model (docs/sync.md "Profiles"): its fields, their checks before anything is
 * sent (the same rules the service applies: name, https or loopback http, what each sign-in needs),
 * the `sync.saveServer` input, and the service's refusals put back on the fields they name.
 */
import type { InputOf } from '../../../src-main/api/contract';
import type { OperationOutcome } from '../../../src-main/api/result';
import type { AuthKind, CaSummary, ServerProfile, SmartAlg } from '../../../src-main/sync/types';

export type FieldName = 'name' | 'baseUrl' | 'user' | 'secret' | 'clientId' | 'scope' | 'key' | 'keyId' | 'tokenUrl' | 'authorizeUrl' | 'chunkSize' | 'ca';
export type FieldErrors = Partial<Record<FieldName, string>>;

/** The private key of a backend profile: pasted text (web), a picked file's path (desktop), or none (keep the stored one). */
export type KeySource = { kind: 'none' } | { kind: 'text'; text: string } | { kind: 'file'; path: string };

/**
 * The custom CA bundle (hospital networks): keep what the profile has (or none), a PEM file's
 * content read in the page (certificates are not secret; the service parses and stores the text),
 * or remove the stored one.
 */
export type CaSource = { kind: 'keep' } | { kind: 'pem'; pem: string; fileName: string } | { kind: 'remove' };

/** The largest CA bundle sent (the contract's bound). */
export const MAX_CA_BYTES = 1_000_000;

export interface ServerFormValues {
  name: string;
  baseUrl: string;
  auth: AuthKind;
  user: string;
  /** Basic password or bearer token. */
  secret: string;
  clientId: string;
  scope: string;
  key: KeySource;
  keyId: string;
  /** '' = from the key (RS384 for RSA, ES384 for P-384). */
  alg: SmartAlg | '';
  tokenUrl: string;
  authorizeUrl: string;
  chunkSize: number;
  ca: CaSource;
}

/** The scopes the service asks for when none is given (auth-smart.ts, auth-launch.ts). */
export const DEFAULT_SCOPES: Record<'smart-backend' | 'smart-launch', string> = {
  'smart-backend': 'system/*.read system/*.write',
  'smart-launch': 'openid fhirUser offline_access user/*.read user/*.write',
};

export function initialValues(existing: ServerProfile | undefined): ServerFormValues {
  const smart = existing?.smart;
  return {
    name: existing?.name ?? '',
    baseUrl: existing?.baseUrl ?? '',
    auth: existing?.auth ?? 'none',
    user: existing?.user ?? '',
    secret: '',
    clientId: smart?.clientId ?? '',
    scope: smart?.scope ?? '',
    key: { kind: 'none' },
    keyId: smart?.keyId ?? '',
    alg: smart?.alg ?? '',
    tokenUrl: smart?.tokenUrl ?? '',
    authorizeUrl: smart?.authorizeUrl ?? '',
    chunkSize: existing?.chunkSize ?? 100,
    ca: { kind: 'keep' },
  };
}

const NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;

function isLoopback(hostname: string): boolean {
  const host = hostname.replace(/^\[|\]$/g, '').toLowerCase();
  return host === 'localhost' || host === '::1' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(host);
}

/** Why an address is refused (https only, or http on this machine; no credentials), or undefined. */
export function addressProblem(text: string, options: { base: boolean }): string | undefined {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return 'Not a URL (https://…)';
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') return 'The address must start with https://';
  if (url.protocol === 'http:' && !isLoopback(url.hostname)) return 'Plain http only to this computer (localhost); use https';
  if (url.username || url.password) return 'No credentials in the address: use the sign-in settings';
  if (url.hash || (options.base && url.search)) return options.base ? 'A base address has no query or fragment' : 'An endpoint has no fragment';
  return undefined;
}

/** Whether saving this form needs a new private key: a new backend profile, or one that was another kind. */
export function needsKey(values: ServerFormValues, existing: ServerProfile | undefined): boolean {
  return values.auth === 'smart-backend' && existing?.auth !== 'smart-backend';
}

/** The problems of the form, per field (empty: it may be sent). */
export function validate(values: ServerFormValues, existing: ServerProfile | undefined): FieldErrors {
  const errors: FieldErrors = {};
  const name = values.name.trim();
  if (name === '') errors.name = 'A name is required';
  else if (!NAME.test(name)) errors.name = '1 to 64 letters, digits, dot, dash or underscore, starting with a letter or digit';
  const base = values.baseUrl.trim();
  if (base === '') errors.baseUrl = 'The server’s base address is required';
  else {
    const problem = addressProblem(base, { base: true });
    if (problem) errors.baseUrl = problem;
  }
  if (values.auth === 'basic') {
    if (values.user.trim() === '') errors.user = 'A user name is required';
    else if (values.user.includes(':')) errors.user = 'A basic-auth user name cannot contain ":"';
  }
  if ((values.auth === 'basic' || values.auth === 'bearer') && values.secret === '') {
    errors.secret = values.auth === 'basic' ? 'The password is required' : 'The token is required';
  }
  if (values.auth === 'smart-backend' || values.auth === 'smart-launch') {
    if (values.clientId.trim() === '') errors.clientId = 'The client id the server registered for Hearth is required';
    const token = values.tokenUrl.trim();
    const tokenProblem = token === '' ? undefined : addressProblem(token, { base: false });
    if (tokenProblem) errors.tokenUrl = tokenProblem;
  }
  if (values.auth === 'smart-backend') {
    if (values.key.kind === 'text' && values.key.text.trim() === '') errors.key = 'Paste the private key (PEM or JWK)';
    else if (values.key.kind === 'text' && !/-----BEGIN [A-Z ]*PRIVATE KEY-----/.test(values.key.text) && !values.key.text.trim().startsWith('{')) {
      errors.key = 'Not a PEM private key (-----BEGIN … PRIVATE KEY-----) nor a JWK ({…})';
    } else if (values.key.kind === 'none' && needsKey(values, existing)) errors.key = 'The private key is required';
  }
  if (values.auth === 'smart-launch') {
    const authorize = values.authorizeUrl.trim();
    const problem = authorize === '' ? undefined : addressProblem(authorize, { base: false });
    if (problem) errors.authorizeUrl = problem;
  }
  if (!Number.isInteger(values.chunkSize) || values.chunkSize < 1 || values.chunkSize > 1000) errors.chunkSize = '1 to 1000 resources';
  const ca = caProblem(values.ca);
  if (ca) errors.ca = ca;
  return errors;
}

/** "custom CA: <CN>, expires <date>" (or "expired <date>") of one certificate of a profile's bundle. */
export function caLabel(cert: CaSummary, now: Date = new Date()): string {
  const date = cert.validTo.slice(0, 10);
  const expired = Date.parse(cert.validTo) < now.getTime();
  return `custom CA: ${cert.commonName ?? cert.subject}, ${expired ? 'expired' : 'expires'} ${date}`;
}

/** Why a chosen CA file cannot be a PEM CA bundle (the service parses it as X.509 when saved), or undefined. */
export function caProblem(ca: CaSource): string | undefined {
  if (ca.kind !== 'pem') return undefined;
  if (ca.pem.length > MAX_CA_BYTES) return `${ca.fileName} is larger than a CA bundle (1 MB at most)`;
  if (/PRIVATE KEY-----/.test(ca.pem)) return `${ca.fileName} holds a private key: give only the CA certificates`;
  if (!ca.pem.includes('-----BEGIN CERTIFICATE-----')) return `${ca.fileName} is not a PEM CA bundle (-----BEGIN CERTIFICATE-----); convert a DER .cer file to PEM first`;
  return undefined;
}

/** The `sync.saveServer` input of a valid form (secrets only for the kind chosen; empty optional fields left out). */
export function toSaveInput(values: ServerFormValues): InputOf<'sync', 'saveServer'> {
  const opt = <K extends string>(key: K, text: string): Partial<Record<K, string>> => (text.trim() === '' ? {} : ({ [key]: text.trim() } as Record<K, string>));
  const ca = values.ca.kind === 'pem' ? { caBundle: values.ca.pem } : values.ca.kind === 'remove' ? { caBundle: null } : {};
  const common = { name: values.name.trim(), baseUrl: values.baseUrl.trim(), chunkSize: values.chunkSize, ...ca };
  switch (values.auth) {
    case 'none':
      return { ...common, auth: { kind: 'none' } };
    case 'basic':
      return { ...common, auth: { kind: 'basic', user: values.user.trim(), password: values.secret } };
    case 'bearer':
      return { ...common, auth: { kind: 'bearer', token: values.secret } };
    case 'smart-backend': {
      const key = values.key.kind === 'text' ? { privateKey: values.key.text } : values.key.kind === 'file' ? { privateKeyFile: values.key.path } : {};
      return {
        ...common,
        auth: {
          kind: 'smart-backend',
          clientId: values.clientId.trim(),
          ...key,
          ...opt('scope', values.scope),
          ...opt('tokenUrl', values.tokenUrl),
          ...opt('keyId', values.keyId),
          ...(values.alg ? { alg: values.alg } : {}),
        },
      };
    }
    case 'smart-launch':
      return {
        ...common,
        auth: { kind: 'smart-launch', clientId: values.clientId.trim(), ...opt('scope', values.scope), ...opt('authorizeUrl', values.authorizeUrl), ...opt('tokenUrl', values.tokenUrl) },
      };
  }
}

const FIELD_OF: Record<string, FieldName> = {
  name: 'name',
  baseUrl: 'baseUrl',
  'auth.user': 'user',
  'auth.password': 'secret',
  'auth.token': 'secret',
  'auth.clientId': 'clientId',
  'auth.scope': 'scope',
  'auth.privateKey': 'key',
  'auth.privateKeyFile': 'key',
  'auth.keyId': 'keyId',
  'auth.alg': 'key',
  'auth.tokenUrl': 'tokenUrl',
  'auth.authorizeUrl': 'authorizeUrl',
  chunkSize: 'chunkSize',
  caBundle: 'ca',
};

/** The service's refusal split into the fields its issues name (`issue.expression`) and the rest (shown above the buttons). */
export function fieldErrorsOf(outcome: OperationOutcome): { fields: FieldErrors; other: OperationOutcome | undefined } {
  const fields: FieldErrors = {};
  const rest: NonNullable<OperationOutcome['issue']> = [];
  for (const issue of outcome.issue ?? []) {
    const field = (issue.expression ?? []).map((e) => FIELD_OF[e]).find((f) => f !== undefined);
    const text = (issue.diagnostics ?? issue.details?.text ?? issue.code).replace(/^[a-z]+\.[A-Za-z]+: /, '').replace(/ \(at [^)]*\)$/, '');
    if (field && fields[field] === undefined) fields[field] = text;
    else if (!field) rest.push(issue);
  }
  return { fields, other: rest.length > 0 ? { ...outcome, issue: rest } : undefined };
}
