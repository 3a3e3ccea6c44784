/**
 * Web mode: the API over HTTP (`POST /api/<domain>.<method>`, bearer token) and the events over
 * a WebSocket at `/api/events` (the token is the first message, never in the URL). Every failure
 * becomes an OperationOutcome value; the socket reconnects with exponential backoff.
 */
import { createApi } from '../../../src-main/api/client';
import type { HearthEvent } from '../../../src-main/api/contract';
import type { Result } from '../../../src-main/api/result';
import { EventHub, parseHearthEvent } from './events';
import { errorMessage, failure, isResult } from './outcomes';
import type { ConnectionState, RendererClient } from './types';

/** The server's upload route and body type (src-main/transport/http-server.ts, request-body.ts). */
export const IMPORT_UPLOAD_CHANNEL = 'import.upload';
export const FILE_UPLOAD_CONTENT_TYPE = 'application/vnd.hearth.file-upload';

/** The subset of the WebSocket API the client uses (so tests can pass a fake). */
export interface SocketLike {
  readonly readyState: number;
  onopen: ((event: Event) => void) | null;
  onmessage: ((event: MessageEvent) => void) | null;
  onclose: ((event: { code: number }) => void) | null;
  onerror: ((event: Event) => void) | null;
  send(data: string): void;
  close(): void;
}

/** Close code the server uses for a missing or wrong token (src-main/transport/http-server.ts). */
export const UNAUTHORIZED_CLOSE_CODE = 4401;

export interface HttpClientOptions {
  /** Origin of the server, e.g. `http://127.0.0.1:4321` (the page's own origin in practice). */
  baseUrl: string;
  token: string;
  fetch?: typeof fetch;
  createSocket?: (url: string) => SocketLike;
  /** Backoff bounds for reconnecting the event socket. */
  reconnectDelayMs?: { initial: number; max: number };
  /** Set false to skip the event socket (tests of the call path). */
  events?: boolean;
}

export function createHttpClient(options: HttpClientOptions): RendererClient {
  const fetchImpl = options.fetch ?? globalThis.fetch.bind(globalThis);
  const base = options.baseUrl.replace(/\/+$/, '');

  const post = async (channel: string, contentType: string, requestBody: Blob | string): Promise<Result<unknown>> => {
    let response: Response;
    try {
      response = await fetchImpl(`${base}/api/${channel}`, {
        method: 'POST',
        headers: { 'Content-Type': contentType, Authorization: `Bearer ${options.token}` },
        body: requestBody,
      });
    } catch (error) {
      return failure('transient', `Cannot reach the Hearth service: ${errorMessage(error)}`);
    }
    let body: unknown;
    try {
      body = await response.json();
    } catch {
      return failure('exception', `The Hearth service answered ${response.status} without a readable result`);
    }
    if (isResult(body)) return body;
    if (response.status === 401) {
      return failure('login', 'This page is not authorised: open the address printed by `hearth serve` again');
    }
    if (response.status === 403) return failure('forbidden', 'The Hearth service refused this page (403)');
    return failure('exception', `Unexpected answer from the Hearth service (HTTP ${response.status})`);
  };

  const call = (channel: string, payload: unknown): Promise<Result<unknown>> =>
    post(channel, 'application/json', JSON.stringify(payload ?? {}));

  /**
   * One request: a manifest line (names and sizes), then the File objects themselves. A Blob of
   * Files is a list of references, so the browser streams them from disk; JSON-encoding their
   * text instead froze the page for tens of seconds at 40 MB (src-main/transport/request-body.ts).
   */
  const importFiles = async (files: readonly File[]): Promise<Result<{ jobId: string }>> => {
    const manifest = JSON.stringify({ files: files.map((file) => ({ name: file.name, size: file.size })) });
    const result = await post(IMPORT_UPLOAD_CHANNEL, FILE_UPLOAD_CONTENT_TYPE, new Blob([manifest, '\n', ...files]));
    if (!result.ok) return result;
    const jobId = (result.value as { jobId?: unknown } | null)?.jobId;
    return typeof jobId === 'string' ? { ok: true, value: { jobId } } : failure('exception', 'The Hearth service started no import job');
  };

  const events = new EventHub<HearthEvent>();
  const connection = new EventHub<ConnectionState>();
  let connectionState: ConnectionState = 'connecting';
  const setConnection = (state: ConnectionState): void => {
    if (state === connectionState) return;
    connectionState = state;
    connection.emit(state);
  };

  const delays = options.reconnectDelayMs ?? { initial: 500, max: 30_000 };
  let socket: SocketLike | null = null;
  let attempt = 0;
  let reconnectTimer: ReturnType<typeof setTimeout> | null = null;
  let closed = false;

  const socketUrl = (): string => `${base.replace(/^http/, 'ws')}/api/events`;
  const createSocket =
    options.createSocket ?? ((url: string): SocketLike => new WebSocket(url) as SocketLike);

  const scheduleReconnect = (): void => {
    if (closed || reconnectTimer) return;
    const delay = Math.min(delays.max, delays.initial * 2 ** attempt);
    attempt += 1;
    reconnectTimer = setTimeout(() => {
      reconnectTimer = null;
      connect();
    }, delay);
  };

  const connect = (): void => {
    if (closed) return;
    setConnection('connecting');
    let current: SocketLike;
    try {
      current = createSocket(socketUrl());
    } catch {
      setConnection('closed');
      scheduleReconnect();
      return;
    }
    socket = current;
    current.onopen = () => {
      current.send(JSON.stringify({ token: options.token }));
      attempt = 0;
      setConnection('open');
    };
    current.onmessage = (message) => {
      if (typeof message.data !== 'string') return;
      let parsed: unknown;
      try {
        parsed = JSON.parse(message.data);
      } catch {
        return;
      }
      const event = parseHearthEvent(parsed);
      if (event) events.emit(event);
    };
    current.onerror = () => {
      // onclose follows and schedules the reconnect.
    };
    current.onclose = (event) => {
      if (socket === current) socket = null;
      setConnection('closed');
      // A refused token will not become valid by retrying: wait for a reload with a new one.
      if (event.code === UNAUTHORIZED_CLOSE_CODE) return;
      scheduleReconnect();
    };
  };

  if (options.events !== false) connect();

  return {
    api: createApi(call),
    platform: 'web',
    importFiles,
    onEvent: (listener) => events.subscribe(listener),
    onConnectionChange: (listener) => connection.subscribe(listener),
    close: () => {
      closed = true;
      if (reconnectTimer) clearTimeout(reconnectTimer);
      reconnectTimer = null;
      socket?.close();
      socket = null;
    },
  };
}
