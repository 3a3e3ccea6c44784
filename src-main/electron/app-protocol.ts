/**
 * The app:// protocol handler: serves the built renderer (out/renderer) with the CSP as a
 * response header. Only GET/HEAD on app://hearth/; traversal, dot-files and anything outside
 * the folder are refused (src-main/transport/static-files.ts).
 */
import { promises as fs } from 'node:fs';
import { CONTENT_SECURITY_POLICY } from '../transport/content-security-policy';
import { lookupStaticFile } from '../transport/static-files';
import { APP_HOST, APP_SCHEME } from './security';

export interface AppRequest {
  url: string;
  method: string;
}

const SECURITY_HEADERS = {
  'Content-Security-Policy': CONTENT_SECURITY_POLICY,
  'X-Content-Type-Options': 'nosniff',
  'Referrer-Policy': 'no-referrer',
  'Cross-Origin-Opener-Policy': 'same-origin',
};

function plain(status: number, text: string): Response {
  return new Response(text, { status, headers: { ...SECURITY_HEADERS, 'Content-Type': 'text/plain; charset=utf-8' } });
}

export function createAppProtocolHandler(rendererDir: string): (request: AppRequest) => Promise<Response> {
  return async (request) => {
    let url: URL;
    try {
      url = new URL(request.url);
    } catch {
      return plain(400, 'Bad request');
    }
    if (url.protocol !== `${APP_SCHEME}:` || url.host !== APP_HOST) return plain(404, 'Not found');
    if (request.method !== 'GET' && request.method !== 'HEAD') return plain(405, 'Method not allowed');
    // url.pathname keeps percent-escapes; lookupStaticFile decodes once and checks the result.
    const found = await lookupStaticFile(rendererDir, url.pathname);
    if (found.kind === 'refused') return plain(403, 'Forbidden');
    if (found.kind === 'missing') return plain(404, 'Not found');
    const body = request.method === 'HEAD' ? null : await fs.readFile(found.file);
    return new Response(body, { status: 200, headers: { ...SECURITY_HEADERS, 'Content-Type': found.contentType } });
  };
}
