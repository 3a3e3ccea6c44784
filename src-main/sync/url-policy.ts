/**
 * Where Hearth may send a vault's data (docs/sync.md "Transport security"): https only, except
 * plain http to a loopback address (a server on this machine; tests). Certificates are verified
 * by Node's TLS (TLS 1.2 or later is Node's floor), never disabled.
 */
import { isIP } from 'node:net';
import { fhirError } from '../fhir/outcome-error';

function isLoopback(hostname: string): boolean {
  const host = hostname.replace(/^\[|\]$/g, '').toLowerCase();
  if (host === 'localhost') return true;
  if (isIP(host) === 4) return host.startsWith('127.');
  if (isIP(host) === 6) return host === '::1' || host === '0:0:0:0:0:0:0:1';
  return false;
}

/** The base URL without a trailing slash; throws a 400 OperationOutcomeError when it is refused. */
export function checkServerUrl(raw: string): string {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw fhirError('value', 'The server address is not a URL', 400);
  }
  if (url.username || url.password) throw fhirError('value', 'Put credentials in the authentication settings, not in the address', 400);
  if (url.search || url.hash) throw fhirError('value', 'The server base address has no query or fragment', 400);
  if (url.protocol === 'http:' && !isLoopback(url.hostname)) {
    throw fhirError('security', 'Plain http is refused except to this machine (loopback); use https', 400);
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') throw fhirError('value', 'The server address must start with https://', 400);
  return url.toString().replace(/\/+$/, '');
}
