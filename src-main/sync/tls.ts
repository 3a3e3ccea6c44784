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

const PEM_CERT = /-----BEGIN CERTIFICATE-----[A-Za-z0-9+/=\s]+?-----END CERTIFICATE-----/g;

export interface CaCertificate {
  subject: string;
  validTo: string;
  pem: string;
}

/** The certificates of a PEM bundle; 400 when there is none or one does not parse (a key is refused: it does not belong here). */
export function parseCaBundle(pem: string): CaCertificate[] {
  if (/PRIVATE KEY-----/.test(pem)) throw fhirError('security', 'The CA bundle holds a private key; give only the CA certificates', 400);
  const blocks = pem.match(PEM_CERT) ?? [];
  if (blocks.length === 0) throw fhirError('value', 'The CA bundle holds no PEM certificate (-----BEGIN CERTIFICATE-----)', 400);
  return blocks.map((block, i) => {
    try {
      const cert = new X509Certificate(block);
      return { subject: cert.subject.replace(/\n/g, ', '), validTo: new Date(cert.validTo).toISOString(), pem: block };
    } catch {
      throw fhirError('value', `Certificate ${i + 1} of the CA bundle does not parse`, 400);
    }
  });
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
