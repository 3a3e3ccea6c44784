/**
 * A fault-injecting HTTP proxy for the sync tests: every request gets a fate from the scenario —
 * passed through, dropped before it reaches the server, dropped after the server handled it (the
 * answer is lost: the client cannot know it landed), a 500 or a 429 with Retry-After instead of
 * an answer, or an answer held back (slow). A scenario that returns a promise holds the request,
 * unforwarded, until the test settles its fate. Links in bodies are rewritten to the proxy's address.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export type Fate = 'pass' | 'drop-before' | 'drop-after' | 'error-500' | 'too-many' | { slowMs: number } | { status: number };

export interface FaultProxy {
  baseUrl: string;
  /** Requests seen, with their fate. */
  log: Array<{ n: number; method: string; url: string; fate: Fate }>;
  close(): Promise<void>;
}

const FORWARDED = ['content-type', 'accept', 'authorization', 'if-match', 'if-none-exist', 'if-none-match'];

async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

export async function startFaultProxy(
  targetBase: string,
  scenario: (n: number, method: string, url: string, body: string) => Fate | Promise<Fate>,
  hooks: { afterForward?: (n: number, method: string, url: string) => void } = {},
): Promise<FaultProxy> {
  const target = new URL(targetBase);
  const log: FaultProxy['log'] = [];
  let proxyBase = '';
  let n = 0;
  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const index = ++n;
    const method = req.method ?? 'GET';
    const url = req.url ?? '/';
    const body = await readBody(req);
    const fate = await scenario(index, method, url, body.toString('utf8'));
    log.push({ n: index, method, url, fate });
    if (fate === 'drop-before') {
      req.socket.destroy();
      return;
    }
    if (fate === 'error-500') {
      res.writeHead(500, { 'content-type': 'application/fhir+json' });
      res.end(JSON.stringify({ resourceType: 'OperationOutcome', issue: [{ severity: 'error', code: 'exception', diagnostics: 'injected' }] }));
      return;
    }
    if (fate === 'too-many') {
      res.writeHead(429, { 'content-type': 'application/fhir+json', 'retry-after': '1' });
      res.end(JSON.stringify({ resourceType: 'OperationOutcome', issue: [{ severity: 'error', code: 'throttled', diagnostics: 'injected' }] }));
      return;
    }
    if (typeof fate === 'object' && 'status' in fate) {
      res.writeHead(fate.status, { 'content-type': 'application/fhir+json' });
      res.end(JSON.stringify({ resourceType: 'OperationOutcome', issue: [{ severity: 'error', code: 'business-rule', diagnostics: 'injected refusal' }] }));
      return;
    }
    const headers: Record<string, string> = {};
    for (const name of FORWARDED) {
      const value = req.headers[name];
      if (typeof value === 'string') headers[name] = value;
    }
    const upstream = await fetch(`${target.origin}${url}`, { method, headers, ...(body.length > 0 ? { body } : {}) });
    const text = (await upstream.text()).split(targetBase).join(proxyBase);
    hooks.afterForward?.(index, method, url);
    if (fate === 'drop-after') {
      req.socket.destroy();
      return;
    }
    if (typeof fate === 'object' && 'slowMs' in fate) await new Promise((r) => setTimeout(r, fate.slowMs));
    const out: Record<string, string> = { 'content-type': upstream.headers.get('content-type') ?? 'application/fhir+json' };
    for (const name of ['etag', 'location', 'retry-after']) {
      const value = upstream.headers.get(name);
      if (value) out[name] = value.split(targetBase).join(proxyBase);
    }
    if (!res.destroyed) {
      res.writeHead(upstream.status, out);
      res.end(text);
    }
  };
  const server = createServer((req, res) => {
    handle(req, res).catch(() => req.socket.destroy());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  proxyBase = `http://127.0.0.1:${(server.address() as AddressInfo).port}${target.pathname}`;
  return {
    baseUrl: proxyBase,
    log,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((e) => (e ? reject(e) : resolve()));
      }),
  };
}
