/**
 * A custom CA bundle per server profile (docs/sync.md "Transport security"): hospital networks
 * often serve FHIR behind a certificate from their own CA. The bundle's certificates are trusted
 * in addition to the system's roots for that profile's requests only (the FHIR server, its
 * token and authorization endpoints); verification itself is never switched off, and TLS 1.2 is
 * the floor.
 */
import { createHash, X509Certificate } from 'node:crypto';
import { rootCertificates } from 'node:tls';
import { Agent } from 'undici';
import { fhirError } from '../fhir/outcome-error';
import { TransportError } from './transport';

const PEM_CERT = /-----BEGIN CERTIFICATE-----[A-Za-z0-9+/=\s]+?-----END CERTIFICATE-----/g;

export interface CaCertificate {
  subject: string;
  /** The subject's CN (absent when it has none). */
  commonName?: string;
  validTo: string;
  pem: string;
}

/** The field a CA bundle's refusals name (`issue.expression`), so the server form shows them there. */
const CA_FIELD = ['caBundle'];

/** The CN of an X509Certificate subject (`C=..\nCN=..`), if any. */
function commonNameOf(subject: string): string | undefined {
  for (const line of subject.split('\n')) if (line.startsWith('CN=')) return line.slice(3);
  return undefined;
}

/**
 * The certificates of a PEM bundle; 400 (on `caBundle`) when there is none, one does not parse or is
 * not a certificate, or a private key is in it (it does not belong here). With `now`, a certificate
 * past its end date is refused too (it could not verify anything); without, it is listed as it is.
 */
export function parseCaBundle(pem: string, now?: Date): CaCertificate[] {
  if (/PRIVATE KEY-----/.test(pem)) throw fhirError('security', 'The CA bundle holds a private key; give only the CA certificates', 400, CA_FIELD);
  const blocks = pem.match(PEM_CERT) ?? [];
  if (blocks.length === 0) throw fhirError('value', 'Not a PEM CA bundle: it holds no PEM certificate (-----BEGIN CERTIFICATE-----); a DER .cer file must be converted to PEM first', 400, CA_FIELD);
  return blocks.map((block, i) => {
    let cert: X509Certificate;
    try {
      cert = new X509Certificate(block);
    } catch {
      throw fhirError('value', `Certificate ${i + 1} of the CA bundle does not parse`, 400, CA_FIELD);
    }
    const commonName = commonNameOf(cert.subject);
    const validTo = new Date(cert.validTo);
    if (now && validTo.getTime() < now.getTime()) {
      throw fhirError('value', `Certificate ${i + 1} of the CA bundle (${commonName ?? 'no CN'}) expired on ${validTo.toISOString().slice(0, 10)}`, 400, CA_FIELD);
    }
    return { subject: cert.subject.replace(/\n/g, ', '), ...(commonName !== undefined ? { commonName } : {}), validTo: validTo.toISOString(), pem: block };
  });
}

// OpenSSL's codes for a server that speaks no TLS version this side allows (TLS 1.2 is the floor).
const OLD_PROTOCOL = /^ERR_SSL_(TLSV1_ALERT_PROTOCOL_VERSION|UNSUPPORTED_PROTOCOL|NO_PROTOCOLS_AVAILABLE|NO_SUPPORTED_VERSIONS_ENABLED)$/;
// Node's and OpenSSL's codes for a certificate that does not verify.
const UNTRUSTED = /^(DEPTH_ZERO_SELF_SIGNED_CERT|SELF_SIGNED_CERT_IN_CHAIN|UNABLE_TO_VERIFY_LEAF_SIGNATURE|UNABLE_TO_GET_ISSUER_CERT(_LOCALLY)?|CERT_[A-Z_]+|ERR_TLS_CERT_ALTNAME_INVALID)$/;

/**
 * A TransportError for a fetch failure whose cause is a TLS handshake refused for good (retrying
 * cannot help), saying why in words; undefined for any other cause. `what` names the request.
 */
export function tlsFailure(what: string, code: string | undefined): TransportError | undefined {
  if (code === undefined) return undefined;
  if (OLD_PROTOCOL.test(code)) return new TransportError('tls', `${what}: ${code}: the server offers no TLS 1.2 or newer, and Hearth refuses older TLS versions`);
  if (UNTRUSTED.test(code)) return new TransportError('tls', `${what}: ${code}: the server's certificate is not trusted (a hospital CA goes in the profile's CA bundle)`);
  return undefined;
}

/** The request option that routes a fetch through `dispatcher` (undici's RequestInit extension). */
export type TlsRequestOptions = { dispatcher: Agent };

// One agent per distinct bundle, reused across transports (keeps connections; bundles are few).
const agents = new Map<string, Agent>();

/** Request options trusting the bundle in addition to the system roots; undefined without a bundle. */
export function tlsOptions(caBundle: string | undefined): TlsRequestOptions | undefined {
  if (!caBundle) return undefined;
  const key = createHash('sha256').update(caBundle).digest('hex');
  let agent = agents.get(key);
  if (!agent) {
    const ca = [...rootCertificates, ...parseCaBundle(caBundle).map((c) => c.pem)];
    agent = new Agent({ connect: { ca, rejectUnauthorized: true, minVersion: 'TLSv1.2' } });
    agents.set(key, agent);
  }
  return { dispatcher: agent };
}

/** fetch with the profile's TLS options (token and authorization endpoints; fhir-kit takes the same options). */
export function fetchWithTls(caBundle: string | undefined): (url: string, init: RequestInit) => Promise<Response> {
  const options = tlsOptions(caBundle);
  return (url, init) => fetch(url, options ? Object.assign({}, init, options) : init);
}
