/**
 * The web mode: the same renderer and API as the Electron app, served to a browser on this
 * machine only (127.0.0.1). Every API call carries the per-run token (Authorization: Bearer);
 * Host and Origin are checked against DNS rebinding and cross-site requests; events go out on
 * a WebSocket at /api/events that authenticates with the token before receiving anything.
 *
 * API:    POST /api/<domain>.<method>, JSON body → 200 with the Result JSON (errors are values).
 *         401 bad/missing token, 403 foreign Host/Origin, 404 unknown channel, 405 not POST,
 *         413 body over the limit, 400 body not JSON.
 * Upload: POST /api/import.upload, Content-Type application/vnd.hearth.file-upload: a manifest
 *         line then the files' bytes (request-body.ts, readFileUpload) → 200 with the Result of
 *         `import.start` for those files. The browser streams the files from disk this way
 *         instead of JSON-encoding their text in the page. 400 body not as its manifest says,
 *         415 another content type; 401/403/405/413 as above.
 * Events: WebSocket /api/events. Authenticate either by offering the sub-protocols
 *         ["hearth.events", "hearth.token.<TOKEN>"] (the server selects "hearth.events"), or by
 *         sending `{"token":"<TOKEN>"}` as the first message within 10 s. Then every HearthEvent
 *         arrives as one JSON text message. A bad token closes with code 4401.
 */
import { createReadStream } from 'node:fs';
import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type WebSocket } from 'ws';
import { resolveChannel } from '../api/dispatch';
import type { ApiHost } from '../api/host';
import { err, outcome, type OperationOutcome, type Result } from '../api/result';
import { createAppHost } from '../host/app-host';
import { contentSecurityPolicy } from './content-security-policy';
import {
  bearerToken,
  EVENTS_PROTOCOL,
  isAllowedHost,
  isAllowedOrigin,
  newToken,
  tokenFromProtocols,
  tokensEqual,
} from './request-guards';
import { FILE_UPLOAD_CONTENT_TYPE, readBody, readFileUpload } from './request-body';
import { lookupStaticFile } from './static-files';

export interface WebServerOptions {
  /** 0 or absent: any free port. */
  port?: number;
  /** Loopback only: the web mode is never reachable from another machine. */
  host?: '127.0.0.1';
  /** Settings folder for the app host this server creates (ignored when apiHost is given). */
  configDir: string;
  /** The built renderer (out/renderer). */
  rendererDir: string;
  /** Default: 32 fresh random bytes, base64url. */
  token?: string;
  /** Default: a new app host with worker isolation, closed with the server. */
  apiHost?: ApiHost;
  /** Request body limit (default 512 MiB). */
  maxBodyBytes?: number;
  /** How long a WebSocket may stay unauthenticated (default 10 s). */
  wsAuthTimeoutMs?: number;
}

export interface WebServer {
  /** `http://127.0.0.1:PORT/#token=TOKEN`: the fragment never reaches a server log or a Referer. */
  url: string;
  port: number;
  token: string;
  close(): Promise<void>;
}

export const DEFAULT_MAX_BODY_BYTES = 512 * 1024 * 1024;
const EVENTS_PATH = '/api/events';
const API_PREFIX = '/api/';
/** Not a contract channel: a transport-level way into `import.start` (see the header). */
export const IMPORT_UPLOAD_CHANNEL = 'import.upload';
/** Close code for a WebSocket whose token is missing or wrong (4000-4999: application codes). */
export const WS_UNAUTHORIZED = 4401;

const COMMON_HEADERS: Record<string, string> = {
  'X-Content-Type-Options': 'nosniff',
  'Referrer-Policy': 'no-referrer',
  'X-Frame-Options': 'DENY',
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Resource-Policy': 'same-origin',
};

export async function startWebServer(options: WebServerOptions): Promise<WebServer> {
  const token = options.token ?? newToken();
  const maxBodyBytes = options.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES;
  const ownsHost = !options.apiHost;
  const apiHost = options.apiHost ?? createAppHost({ configDir: options.configDir, isolation: 'worker' });
  const bindHost = options.host ?? '127.0.0.1';
  let port = 0;
  let csp = contentSecurityPolicy();

  const server = http.createServer((req, res) => {
    handleRequest(req, res).catch(() => {
      if (!res.headersSent) sendJson(res, 500, err(outcome('exception', 'Internal server error', { status: 500 })));
      else res.destroy();
    });
  });

  async function handleRequest(req: IncomingMessage, res: ServerResponse): Promise<void> {
    if (!isAllowedHost(req.headers.host, port)) return sendText(res, 403, 'Forbidden host');
    const pathname = pathOf(req.url);
    if (pathname === undefined) return sendText(res, 400, 'Bad request');
    if (pathname.startsWith(API_PREFIX)) return handleApi(req, res, pathname.slice(API_PREFIX.length));
    return handleStatic(req, res, pathname);
  }

  async function handleApi(req: IncomingMessage, res: ServerResponse, channel: string): Promise<void> {
    if (!isAllowedOrigin(headerValue(req.headers.origin), port)) {
      return sendJson(res, 403, err(outcome('forbidden', 'Cross-origin requests are refused', { status: 403 })));
    }
    if (!tokensEqual(token, bearerToken(headerValue(req.headers.authorization)))) {
      res.setHeader('WWW-Authenticate', 'Bearer');
      return sendJson(res, 401, err(outcome('login', 'Missing or wrong access token', { status: 401 })));
    }
    if (req.method !== 'POST') {
      res.setHeader('Allow', 'POST');
      return sendJson(res, 405, err(outcome('not-supported', 'Use POST', { status: 405 })));
    }
    if (channel === IMPORT_UPLOAD_CHANNEL) return handleImportUpload(req, res);
    if (!resolveChannel(channel)) {
      return sendJson(res, 404, err(outcome('not-supported', `Unknown API method "${channel}"`, { status: 404 })));
    }
    const body = await readBody(req, maxBodyBytes);
    if (body.kind === 'too-large') {
      res.setHeader('Connection', 'close');
      sendJson(res, 413, err(tooLarge(maxBodyBytes)));
      return;
    }
    if (body.kind === 'aborted') return;
    let payload: unknown = {};
    if (body.bytes.length > 0) {
      let text: string;
      try {
        text = body.bytes.toString('utf8');
      } catch {
        // Longer than the engine's longest string (just under 512 MiB of text).
        return sendJson(res, 413, err(tooLarge(maxBodyBytes)));
      }
      try {
        payload = JSON.parse(text);
      } catch {
        return sendJson(res, 400, err(outcome('invalid', 'The request body is not valid JSON', { status: 400 })));
      }
    }
    const result = await apiHost.dispatch(channel, payload);
    sendJson(res, 200, result);
  }

  /** Files streamed by the Import screen become the text sources of one import job. */
  async function handleImportUpload(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const contentType = headerValue(req.headers['content-type'])?.split(';')[0]?.trim().toLowerCase();
    if (contentType !== FILE_UPLOAD_CONTENT_TYPE) {
      req.resume();
      res.setHeader('Connection', 'close');
      return sendJson(res, 415, err(outcome('not-supported', `Send the files as ${FILE_UPLOAD_CONTENT_TYPE}`, { status: 415 })));
    }
    const upload = await readFileUpload(req, maxBodyBytes);
    if (upload.kind === 'aborted') return;
    if (upload.kind === 'too-large') {
      res.setHeader('Connection', 'close');
      return sendJson(res, 413, err(tooLarge(maxBodyBytes)));
    }
    if (upload.kind === 'invalid') {
      res.setHeader('Connection', 'close');
      return sendJson(res, 400, err(outcome('invalid', upload.message, { status: 400 })));
    }
    const sources = upload.files.map((file) => ({ kind: 'text' as const, name: file.name, text: file.text }));
    sendJson(res, 200, await apiHost.dispatch('import.start', { sources }));
  }

  async function handleStatic(req: IncomingMessage, res: ServerResponse, pathname: string): Promise<void> {
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.setHeader('Allow', 'GET, HEAD');
      return sendText(res, 405, 'Method not allowed');
    }
    const found = await lookupStaticFile(options.rendererDir, pathname);
    if (found.kind === 'refused') return sendText(res, 403, 'Forbidden');
    if (found.kind === 'missing') {
      // Browsers ask for /favicon.ico on their own; without one the answer is "nothing", not an error.
      if (pathname === '/favicon.ico') return void res.writeHead(204, COMMON_HEADERS).end();
      return sendText(res, 404, 'Not found');
    }
    res.writeHead(200, {
      ...COMMON_HEADERS,
      'Content-Security-Policy': csp,
      'Content-Type': found.contentType,
      // index.html must be re-read after a rebuild; hashed assets could be cached, but the app is local.
      'Cache-Control': 'no-cache',
    });
    if (req.method === 'HEAD') return void res.end();
    await new Promise<void>((resolve) => {
      const stream = createReadStream(found.file);
      stream.on('error', () => {
        res.destroy();
        resolve();
      });
      stream.on('end', resolve);
      stream.pipe(res);
    });
  }

  function sendJson(res: ServerResponse, status: number, result: Result<unknown>): void {
    const text = JSON.stringify(result);
    res.writeHead(status, {
      ...COMMON_HEADERS,
      'Content-Type': 'application/json; charset=utf-8',
      'Cache-Control': 'no-store',
      'Content-Length': Buffer.byteLength(text),
    });
    res.end(text);
  }

  function sendText(res: ServerResponse, status: number, text: string): void {
    res.writeHead(status, {
      ...COMMON_HEADERS,
      'Content-Type': 'text/plain; charset=utf-8',
      'Cache-Control': 'no-store',
      'Content-Length': Buffer.byteLength(text),
    });
    res.end(text);
  }

  // ---- Events over WebSocket -------------------------------------------------------------
  const wss = new WebSocketServer({
    noServer: true,
    maxPayload: 64 * 1024,
    handleProtocols: (protocols) => (protocols.has(EVENTS_PROTOCOL) ? EVENTS_PROTOCOL : false),
  });
  const authTimeoutMs = options.wsAuthTimeoutMs ?? 10_000;

  server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    const refuse = (status: number, reason: string) => {
      socket.end(`HTTP/1.1 ${status} ${reason}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
    };
    if (!isAllowedHost(req.headers.host, port)) return refuse(403, 'Forbidden');
    if (pathOf(req.url) !== EVENTS_PATH) return refuse(404, 'Not Found');
    if (!isAllowedOrigin(headerValue(req.headers.origin), port)) return refuse(403, 'Forbidden');
    const offered = (headerValue(req.headers['sec-websocket-protocol']) ?? '').split(',').map((p) => p.trim());
    const protocolToken = tokenFromProtocols(offered);
    if (protocolToken !== undefined && !tokensEqual(token, protocolToken)) return refuse(401, 'Unauthorized');
    wss.handleUpgrade(req, socket, head, (ws) => acceptEvents(ws, protocolToken !== undefined));
  });

  function acceptEvents(ws: WebSocket, authenticated: boolean): void {
    let unsubscribe: (() => void) | null = null;
    const subscribe = () => {
      unsubscribe = apiHost.onEvent((event) => {
        if (ws.readyState === ws.OPEN) ws.send(JSON.stringify(event));
      });
    };
    ws.on('close', () => unsubscribe?.());
    ws.on('error', () => ws.terminate());
    if (authenticated) return subscribe();
    const timer = setTimeout(() => ws.close(WS_UNAUTHORIZED, 'Authentication timed out'), authTimeoutMs);
    ws.once('message', (data, isBinary) => {
      clearTimeout(timer);
      const given = isBinary ? undefined : tokenFromMessage(data.toString());
      if (!tokensEqual(token, given)) return ws.close(WS_UNAUTHORIZED, 'Unauthorized');
      subscribe();
    });
    ws.on('close', () => clearTimeout(timer));
  }

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, bindHost, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address();
  if (!address || typeof address === 'string') throw new Error('The web server did not bind a TCP port');
  port = address.port;
  csp = contentSecurityPolicy([`ws://127.0.0.1:${port}`, `ws://localhost:${port}`]);

  let closing: Promise<void> | null = null;
  return {
    url: `http://127.0.0.1:${port}/#token=${token}`,
    port,
    token,
    close() {
      closing ??= (async () => {
        for (const client of wss.clients) client.terminate();
        await new Promise<void>((resolve) => wss.close(() => resolve()));
        const closed = new Promise<void>((resolve) => server.close(() => resolve()));
        server.closeAllConnections();
        await closed;
        if (ownsHost) await apiHost.close();
      })();
      return closing;
    },
  };
}

function pathOf(url: string | undefined): string | undefined {
  if (!url || !url.startsWith('/')) return undefined;
  const end = url.search(/[?#]/);
  return end === -1 ? url : url.slice(0, end);
}

function headerValue(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}

function tokenFromMessage(text: string): string | undefined {
  try {
    const message = JSON.parse(text) as unknown;
    if (typeof message === 'object' && message !== null && typeof (message as { token?: unknown }).token === 'string') {
      return (message as { token: string }).token;
    }
  } catch {
    // Not JSON: not a token message.
  }
  return undefined;
}

function tooLarge(limit: number): OperationOutcome {
  return outcome('too-costly', `The request body is larger than ${Math.round(limit / (1024 * 1024))} MiB`, { status: 413 });
}
