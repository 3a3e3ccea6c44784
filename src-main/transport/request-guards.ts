/**
 * The web server's gatekeeping, as pure functions: Host and Origin checks against DNS
 * rebinding and cross-site requests, and a constant-time token comparison.
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

/** 32 random bytes, base64url: the per-run secret of the web mode. */
export function newToken(): string {
  return randomBytes(32).toString('base64url');
}

/** Compares in constant time, whatever the lengths (both sides are hashed first). */
export function tokensEqual(expected: string, given: string | undefined | null): boolean {
  if (typeof given !== 'string' || given.length === 0) return false;
  const a = createHash('sha256').update(expected).digest();
  const b = createHash('sha256').update(given).digest();
  return timingSafeEqual(a, b);
}

/** The token from `Authorization: Bearer <token>`, if that is what the header holds. */
export function bearerToken(header: string | undefined): string | undefined {
  if (!header) return undefined;
  const match = /^Bearer ([A-Za-z0-9_-]+)$/.exec(header.trim());
  return match?.[1];
}

/** A browser reaching us through a rebinding name sends its own name in Host: only ours pass. */
export function isAllowedHost(host: string | undefined, port: number): boolean {
  return host === `127.0.0.1:${port}` || host === `localhost:${port}`;
}

/** No Origin (same-origin GET, non-browser clients) is fine; a present Origin must be ours. */
export function isAllowedOrigin(origin: string | undefined, port: number): boolean {
  if (origin === undefined) return true;
  return origin === `http://127.0.0.1:${port}` || origin === `http://localhost:${port}`;
}

/** The WebSocket sub-protocol value that carries the token: `hearth.token.<TOKEN>`. */
export const TOKEN_PROTOCOL_PREFIX = 'hearth.token.';
/** The sub-protocol the server selects (never the token itself, so it is not echoed back). */
export const EVENTS_PROTOCOL = 'hearth.events';

/** The token from a Sec-WebSocket-Protocol list, if one entry carries it. */
export function tokenFromProtocols(protocols: Iterable<string>): string | undefined {
  for (const protocol of protocols) {
    if (protocol.startsWith(TOKEN_PROTOCOL_PREFIX)) return protocol.slice(TOKEN_PROTOCOL_PREFIX.length);
  }
  return undefined;
}
