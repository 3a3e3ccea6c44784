// @vitest-environment jsdom
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { HearthEvent } from '../../../src-main/api/contract';
import { describeOutcome } from '../../../src-main/api/result';
import {
  createHttpClient,
  FILE_UPLOAD_CONTENT_TYPE,
  IMPORT_UPLOAD_CHANNEL,
  type SocketLike,
  UNAUTHORIZED_CLOSE_CODE,
} from '../../../src-renderer/src/api/http-client';
import { createElectronClient, findPreloadBridge } from '../../../src-renderer/src/api/electron-client';
import { takeTokenFromUrl } from '../../../src-renderer/src/api/token';

interface RecordedRequest {
  url: string;
  init: RequestInit | undefined;
}

function jsonResponse(status: number, body: unknown): Response {
  return new Response(JSON.stringify(body), { status, headers: { 'Content-Type': 'application/json' } });
}

function fakeFetch(answer: (request: RecordedRequest) => Response | Promise<Response>) {
  const requests: RecordedRequest[] = [];
  const fetchImpl = (async (input: RequestInfo | URL, init?: RequestInit) => {
    const request = { url: String(input), init };
    requests.push(request);
    return answer(request);
  }) as typeof fetch;
  return { fetchImpl, requests };
}

class FakeSocket implements SocketLike {
  static instances: FakeSocket[] = [];
  readyState = 0;
  sent: string[] = [];
  onopen: ((event: Event) => void) | null = null;
  onmessage: ((event: MessageEvent) => void) | null = null;
  onclose: ((event: { code: number }) => void) | null = null;
  onerror: ((event: Event) => void) | null = null;
  closed = false;
  constructor(readonly url: string) {
    FakeSocket.instances.push(this);
  }
  send(data: string): void {
    this.sent.push(data);
  }
  close(): void {
    this.closed = true;
  }
  open(): void {
    this.readyState = 1;
    this.onopen?.(new Event('open'));
  }
  receive(data: string): void {
    this.onmessage?.(new MessageEvent('message', { data }));
  }
  drop(code = 1006): void {
    this.onclose?.({ code });
  }
}

afterEach(() => {
  FakeSocket.instances = [];
  vi.useRealTimers();
});

describe('HTTP client (web mode)', () => {
  it('POSTs the payload to /api/<channel> with the bearer token and returns the Result', async () => {
    const { fetchImpl, requests } = fakeFetch(() => jsonResponse(200, { ok: true, value: { path: '/v', isVault: true } }));
    const client = createHttpClient({ baseUrl: 'http://127.0.0.1:4321/', token: 'tok-123', fetch: fetchImpl, events: false });
    const result = await client.api.vault.probe({ path: '/v' });
    expect(result).toEqual({ ok: true, value: { path: '/v', isVault: true } });
    expect(requests).toHaveLength(1);
    expect(requests[0]!.url).toBe('http://127.0.0.1:4321/api/vault.probe');
    expect(requests[0]!.init?.method).toBe('POST');
    expect(new Headers(requests[0]!.init?.headers).get('Authorization')).toBe('Bearer tok-123');
    expect(JSON.parse(String(requests[0]!.init?.body))).toEqual({ path: '/v' });
  });

  it('passes error Results through unchanged', async () => {
    const outcome = { resourceType: 'OperationOutcome', issue: [{ severity: 'error', code: 'security', diagnostics: 'Wrong passphrase' }] };
    const { fetchImpl } = fakeFetch(() => jsonResponse(200, { ok: false, error: outcome }));
    const client = createHttpClient({ baseUrl: 'http://h', token: 't', fetch: fetchImpl, events: false });
    const result = await client.api.vault.unlock({ path: '/v', passphrase: 'x' });
    expect(result.ok).toBe(false);
    if (!result.ok) expect(describeOutcome(result.error)).toBe('Wrong passphrase');
  });

  it('turns a network failure into an OperationOutcome value instead of rejecting', async () => {
    const { fetchImpl } = fakeFetch(() => {
      throw new TypeError('Failed to fetch');
    });
    const client = createHttpClient({ baseUrl: 'http://h', token: 't', fetch: fetchImpl, events: false });
    const result = await client.api.resources.counts({});
    expect(result.ok).toBe(false);
    if (!result.ok) {
      expect(result.error.resourceType).toBe('OperationOutcome');
      expect(result.error.issue?.[0]?.code).toBe('transient');
      expect(describeOutcome(result.error)).toContain('Failed to fetch');
    }
  });

  it('turns non-Result answers into outcomes (401 without a body, HTML error pages)', async () => {
    const { fetchImpl } = fakeFetch((request) =>
      request.url.endsWith('vault.status') ? new Response('', { status: 401 }) : new Response('<html>oops</html>', { status: 500 }),
    );
    const client = createHttpClient({ baseUrl: 'http://h', token: 't', fetch: fetchImpl, events: false });
    const unauthorised = await client.api.vault.status({});
    expect(unauthorised.ok).toBe(false);
    const broken = await client.api.vault.status({});
    expect(broken.ok).toBe(false);
    const html = await client.api.settings.get({});
    expect(html.ok).toBe(false);
    if (!html.ok) expect(describeOutcome(html.error)).toContain('500');
  });

  it('streams chosen files as one upload: a manifest line, then the File objects, never their text in JSON', async () => {
    const { fetchImpl, requests } = fakeFetch(() => jsonResponse(200, { ok: true, value: { jobId: 'job-9' } }));
    const client = createHttpClient({ baseUrl: 'http://127.0.0.1:4321', token: 'tok-123', fetch: fetchImpl, events: false });
    const files = [
      new File(['{"resourceType":"Patient","name":[{"family":"Müller"}]}'], 'one.json'),
      new File(['{"resourceType":"Patient"}\n'], 'two.ndjson'),
    ];
    const result = await client.importFiles!(files);
    expect(result).toEqual({ ok: true, value: { jobId: 'job-9' } });
    const request = requests[0]!;
    expect(request.url).toBe(`http://127.0.0.1:4321/api/${IMPORT_UPLOAD_CHANNEL}`);
    const headers = new Headers(request.init?.headers);
    expect(headers.get('Authorization')).toBe('Bearer tok-123');
    expect(headers.get('Content-Type')).toBe(FILE_UPLOAD_CONTENT_TYPE);
    const body = request.init?.body;
    expect(body).toBeInstanceOf(Blob);
    const bytes = new Uint8Array(await (body as Blob).arrayBuffer());
    const newline = bytes.indexOf(0x0a);
    const utf8 = (part: Uint8Array): string => new TextDecoder().decode(part);
    const manifest = JSON.parse(utf8(bytes.subarray(0, newline))) as { files: Array<{ name: string; size: number }> };
    expect(manifest).toEqual({ files: [{ name: 'one.json', size: files[0]!.size }, { name: 'two.ndjson', size: files[1]!.size }] });
    // The sizes are byte counts: "ü" takes two, so the first file is one byte longer than its text.
    expect(files[0]!.size).toBe('{"resourceType":"Patient","name":[{"family":"Müller"}]}'.length + 1);
    expect(utf8(bytes.subarray(newline + 1))).toBe('{"resourceType":"Patient","name":[{"family":"Müller"}]}{"resourceType":"Patient"}\n');
  });

  it('reports an upload refused by the server, or answered without a job, as an outcome', async () => {
    const refusal = { ok: false, error: { resourceType: 'OperationOutcome', issue: [{ severity: 'error', code: 'too-costly', diagnostics: 'The request body is larger than 512 MiB' }] } };
    const { fetchImpl } = fakeFetch((request) => (request.url.includes('first') ? jsonResponse(413, refusal) : jsonResponse(200, { ok: true, value: {} })));
    const refusing = createHttpClient({ baseUrl: 'http://h/first', token: 't', fetch: fetchImpl, events: false });
    const refused = await refusing.importFiles!([new File(['{}'], 'a.json')]);
    expect(refused.ok).toBe(false);
    if (!refused.ok) expect(describeOutcome(refused.error)).toContain('512 MiB');
    const odd = await createHttpClient({ baseUrl: 'http://h', token: 't', fetch: fetchImpl, events: false }).importFiles!([new File(['{}'], 'a.json')]);
    expect(odd.ok).toBe(false);
  });

  it('authenticates the event socket with a first message and delivers valid events only', () => {
    const { fetchImpl } = fakeFetch(() => jsonResponse(200, { ok: true, value: null }));
    const client = createHttpClient({
      baseUrl: 'http://127.0.0.1:4321',
      token: 'secret-token',
      fetch: fetchImpl,
      createSocket: (url) => new FakeSocket(url),
    });
    const received: HearthEvent[] = [];
    client.onEvent((event) => received.push(event));
    const socket = FakeSocket.instances[0]!;
    expect(socket.url).toBe('ws://127.0.0.1:4321/api/events');
    expect(socket.url).not.toContain('secret-token');
    socket.open();
    expect(socket.sent).toEqual([JSON.stringify({ token: 'secret-token' })]);
    const event: HearthEvent = { type: 'settings', settings: { autoLockMinutes: 5, theme: 'dark' } };
    socket.receive(JSON.stringify(event));
    socket.receive('not json');
    socket.receive(JSON.stringify({ type: 'other' }));
    socket.receive(JSON.stringify({ type: 'vault' }));
    expect(received).toEqual([event]);
    client.close();
    expect(socket.closed).toBe(true);
  });

  it('reconnects with growing delays, and stops on a refused token', () => {
    vi.useFakeTimers();
    const states: string[] = [];
    const client = createHttpClient({
      baseUrl: 'http://h',
      token: 't',
      fetch: fakeFetch(() => jsonResponse(200, { ok: true, value: null })).fetchImpl,
      createSocket: (url) => new FakeSocket(url),
      reconnectDelayMs: { initial: 100, max: 1000 },
    });
    client.onConnectionChange((state) => states.push(state));
    FakeSocket.instances[0]!.drop();
    vi.advanceTimersByTime(99);
    expect(FakeSocket.instances).toHaveLength(1);
    vi.advanceTimersByTime(1);
    expect(FakeSocket.instances).toHaveLength(2);
    FakeSocket.instances[1]!.drop();
    vi.advanceTimersByTime(199);
    expect(FakeSocket.instances).toHaveLength(2);
    vi.advanceTimersByTime(1);
    expect(FakeSocket.instances).toHaveLength(3);
    FakeSocket.instances[2]!.open();
    expect(states).toContain('open');
    FakeSocket.instances[2]!.drop(UNAUTHORIZED_CLOSE_CODE);
    vi.advanceTimersByTime(60_000);
    expect(FakeSocket.instances).toHaveLength(3);
    client.close();
  });
});

describe('Electron client', () => {
  it('calls the named preload function and turns a thrown error into an outcome', async () => {
    const calls: unknown[] = [];
    const bridge = {
      platform: 'electron' as const,
      onEvent: () => () => undefined,
      vault: {
        status: async (input: unknown) => {
          calls.push(input);
          return { ok: true, value: { state: 'locked', vault: null, recentVaults: [] } };
        },
        lock: async () => {
          throw new Error('IPC channel closed');
        },
      },
    };
    const found = findPreloadBridge({ hearth: bridge });
    expect(found).not.toBeNull();
    expect(findPreloadBridge({})).toBeNull();
    const client = createElectronClient(found!);
    expect(client.platform).toBe('electron');
    expect(client.pickFolder).toBeUndefined();
    const status = await client.api.vault.status({});
    expect(status.ok).toBe(true);
    expect(calls).toEqual([{}]);
    const locked = await client.api.vault.lock({});
    expect(locked.ok).toBe(false);
    if (!locked.ok) expect(describeOutcome(locked.error)).toContain('IPC channel closed');
    const missing = await client.api.resources.counts({});
    expect(missing.ok).toBe(false);
  });
});

describe('web token', () => {
  it('takes the token from the fragment, stores it for the tab and cleans the address bar', () => {
    const store = new Map<string, string>();
    const replaced: string[] = [];
    const env = {
      location: { hash: '#token=abc-DEF_123', pathname: '/', search: '' },
      history: { state: null, replaceState: (_state: unknown, _title: string, url?: string | URL | null) => replaced.push(String(url)) },
      storage: { getItem: (key: string) => store.get(key) ?? null, setItem: (key: string, value: string) => void store.set(key, value) },
    };
    expect(takeTokenFromUrl(env)).toBe('abc-DEF_123');
    expect(replaced).toEqual(['/#/']);
    // After a reload the fragment is gone: the token comes from sessionStorage.
    expect(takeTokenFromUrl({ ...env, location: { hash: '#/resources', pathname: '/', search: '' } })).toBe('abc-DEF_123');
    expect(replaced).toHaveLength(1);
  });
});
