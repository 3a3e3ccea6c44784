import { promises as fs } from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import type { HearthEvent } from '../../../src-main/api/contract';
import type { ApiHost } from '../../../src-main/api/host';
import { createAppHost } from '../../../src-main/host/app-host';
import { startWebServer, type WebServer } from '../../../src-main/transport/http-server';
import * as fakeSessions from '../host/fake-session';

interface Reply {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
}

let server: WebServer;
let apiHost: ApiHost;
let root: string;
let rendererDir: string;

function send(options: { method?: string; path: string; headers?: Record<string, string>; body?: string | Buffer }): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = http.request(
      {
        host: '127.0.0.1',
        port: server.port,
        method: options.method ?? 'GET',
        path: options.path,
        headers: { host: `127.0.0.1:${server.port}`, ...options.headers },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') }));
      },
    );
    req.on('error', reject);
    if (options.body !== undefined) req.write(options.body);
    req.end();
  });
}

function api(channel: string, payload: unknown, headers: Record<string, string> = {}): Promise<Reply> {
  return send({
    method: 'POST',
    path: `/api/${channel}`,
    headers: { authorization: `Bearer ${server.token}`, 'content-type': 'application/json', ...headers },
    body: JSON.stringify(payload),
  });
}

beforeAll(async () => {
  root = await fs.mkdtemp(path.join(os.tmpdir(), 'hearth-web-'));
  rendererDir = path.join(root, 'renderer');
  await fs.mkdir(path.join(rendererDir, 'assets'), { recursive: true });
  await fs.writeFile(path.join(rendererDir, 'index.html'), '<!doctype html><title>Hearth</title>');
  await fs.writeFile(path.join(rendererDir, 'assets', 'app.js'), 'console.log(1)');
  await fs.writeFile(path.join(rendererDir, '.env'), 'SECRET=1');
  await fs.writeFile(path.join(root, 'secret.txt'), 'outside the root');
  await fs.symlink(path.join(root, 'secret.txt'), path.join(rendererDir, 'assets', 'link.txt'));
  apiHost = createAppHost({ configDir: path.join(root, 'config'), isolation: 'in-process', sessionFactories: async () => fakeSessions });
  server = await startWebServer({ configDir: path.join(root, 'config'), rendererDir, apiHost, maxBodyBytes: 1024 * 1024, wsAuthTimeoutMs: 500 });
});

afterAll(async () => {
  await server?.close();
  await apiHost?.close();
  await fs.rm(root, { recursive: true, force: true });
});

describe('web server: API', () => {
  it('prints a loopback URL with the token in the fragment', () => {
    expect(server.url).toBe(`http://127.0.0.1:${server.port}/#token=${server.token}`);
    expect(server.token).toMatch(/^[A-Za-z0-9_-]{43}$/);
  });

  it('answers a good call with the Result JSON', async () => {
    const reply = await api('settings.get', {});
    expect(reply.status).toBe(200);
    expect(reply.headers['content-type']).toContain('application/json');
    expect(reply.headers['x-content-type-options']).toBe('nosniff');
    expect(JSON.parse(reply.body)).toEqual({ ok: true, value: { autoLockMinutes: 15, theme: 'auto' } });
    const viaLocalhost = await api('vault.status', {}, { host: `localhost:${server.port}`, origin: `http://localhost:${server.port}` });
    expect(JSON.parse(viaLocalhost.body)).toMatchObject({ ok: true, value: { state: 'locked' } });
  });

  it('answers an invalid payload with an OperationOutcome value', async () => {
    const reply = await api('settings.update', { autoLockMinutes: -5 });
    expect(reply.status).toBe(200);
    const result = JSON.parse(reply.body);
    expect(result.ok).toBe(false);
    expect(result.error).toMatchObject({ resourceType: 'OperationOutcome', issue: [{ code: 'invalid', expression: ['autoLockMinutes'] }] });
    const locked = JSON.parse((await api('resources.counts', {})).body);
    expect(locked).toMatchObject({ ok: false, error: { issue: [{ diagnostics: 'The vault is locked' }] } });
    const notJson = await send({ method: 'POST', path: '/api/vault.status', headers: { authorization: `Bearer ${server.token}` }, body: '{oops' });
    expect(notJson.status).toBe(400);
    expect(JSON.parse(notJson.body)).toMatchObject({ ok: false, error: { resourceType: 'OperationOutcome' } });
  });

  it('refuses a missing or wrong token with 401', async () => {
    const missing = await send({ method: 'POST', path: '/api/vault.status', body: '{}' });
    expect(missing.status).toBe(401);
    expect(missing.headers['www-authenticate']).toBe('Bearer');
    const wrong = await api('vault.status', {}, { authorization: `Bearer ${'A'.repeat(43)}` });
    expect(wrong.status).toBe(401);
    const prefix = await api('vault.status', {}, { authorization: `Bearer ${server.token.slice(0, 20)}` });
    expect(prefix.status).toBe(401);
    const basic = await api('vault.status', {}, { authorization: `Basic ${server.token}` });
    expect(basic.status).toBe(401);
  });

  it('refuses a foreign Host (DNS rebinding) and a foreign Origin (CSRF) with 403', async () => {
    expect((await api('vault.status', {}, { host: `evil.example:${server.port}` })).status).toBe(403);
    expect((await api('vault.status', {}, { host: `127.0.0.1:${server.port + 1}` })).status).toBe(403);
    expect((await send({ path: '/', headers: { host: 'attacker.test' } })).status).toBe(403);
    expect((await api('vault.status', {}, { origin: 'http://evil.example' })).status).toBe(403);
    expect((await api('vault.status', {}, { origin: 'null' })).status).toBe(403);
    expect((await api('vault.status', {}, { origin: `https://127.0.0.1:${server.port}` })).status).toBe(403);
    expect((await api('vault.status', {}, { origin: `http://127.0.0.1:${server.port}` })).status).toBe(200);
  });

  it('answers 404 for an unknown channel, 405 for GET, 413 over the body limit', async () => {
    expect((await api('vault.explode', {})).status).toBe(404);
    expect((await api('constructor', {})).status).toBe(404);
    const get = await send({ path: '/api/vault.status', headers: { authorization: `Bearer ${server.token}` } });
    expect(get.status).toBe(405);
    const big = await api('import.start', { sources: [{ kind: 'text', name: 'a.json', text: 'x'.repeat(1024 * 1024 + 10) }] });
    expect(big.status).toBe(413);
    expect(JSON.parse(big.body)).toMatchObject({ ok: false, error: { issue: [{ code: 'too-costly' }] } });
  });
});

describe('web server: static files', () => {
  it('serves the renderer with the CSP and nosniff headers', async () => {
    const index = await send({ path: '/' });
    expect(index.status).toBe(200);
    expect(index.body).toContain('<title>Hearth</title>');
    expect(index.headers['content-type']).toBe('text/html; charset=utf-8');
    const csp = String(index.headers['content-security-policy']);
    expect(csp).toContain("default-src 'self'");
    expect(csp).toContain("script-src 'self';");
    expect(csp).toContain("frame-ancestors 'none'");
    expect(csp).toContain(`ws://127.0.0.1:${server.port}`);
    expect(index.headers['x-content-type-options']).toBe('nosniff');
    const script = await send({ path: '/assets/app.js?v=1' });
    expect(script.status).toBe(200);
    expect(script.headers['content-type']).toBe('text/javascript; charset=utf-8');
  });

  it('refuses traversal, dot-files and symlinks out of the root; never lists folders', async () => {
    for (const attempt of ['/../secret.txt', '/%2e%2e/secret.txt', '/assets/..%2f..%2fsecret.txt', '/assets/%5c..%5csecret.txt', '/.env', '/assets/link.txt', '/%00']) {
      const reply = await send({ path: attempt });
      expect([403, 404], attempt).toContain(reply.status);
      expect(reply.body).not.toContain('outside the root');
      expect(reply.body).not.toContain('SECRET');
    }
    const folder = await send({ path: '/assets/' });
    expect(folder.status).toBe(404);
    expect(folder.body).not.toContain('app.js');
    expect((await send({ path: '/nope.js' })).status).toBe(404);
    expect((await send({ path: '/favicon.ico' })).status).toBe(204);
    expect((await send({ method: 'DELETE', path: '/index.html' })).status).toBe(405);
  });
});

describe('web server: events over WebSocket', () => {
  const wsUrl = () => `ws://127.0.0.1:${server.port}/api/events`;

  function nextEvent(ws: WebSocket, trigger: () => Promise<unknown>): Promise<HearthEvent> {
    return new Promise((resolve, reject) => {
      // Bounded for a loaded machine (the event normally comes within milliseconds of the trigger).
      const timer = setTimeout(() => reject(new Error('no event')), 30_000);
      ws.once('message', (data) => {
        clearTimeout(timer);
        resolve(JSON.parse(data.toString()) as HearthEvent);
      });
      void trigger();
    });
  }

  function closed(ws: WebSocket): Promise<number> {
    return new Promise((resolve) => ws.once('close', (code) => resolve(code)));
  }

  it('authenticates with the token as a sub-protocol and pushes events', async () => {
    const ws = new WebSocket(wsUrl(), ['hearth.events', `hearth.token.${server.token}`]);
    await new Promise((resolve, reject) => {
      ws.once('open', resolve);
      ws.once('error', reject);
    });
    expect(ws.protocol).toBe('hearth.events');
    const event = await nextEvent(ws, () => api('settings.update', { theme: 'dark' }));
    expect(event).toEqual({ type: 'settings', settings: { autoLockMinutes: 15, theme: 'dark' } });
    ws.close();
  });

  it('authenticates with the token as the first message', async () => {
    const ws = new WebSocket(wsUrl());
    await new Promise((resolve) => ws.once('open', resolve));
    ws.send(JSON.stringify({ token: server.token }));
    // The server may read the token after our next API call: retry the trigger until an event arrives.
    let received: HearthEvent | undefined;
    ws.on('message', (data) => {
      received = JSON.parse(data.toString()) as HearthEvent;
    });
    for (let i = 0; i < 50 && !received; i++) {
      await api('settings.update', { theme: i % 2 ? 'light' : 'auto' });
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    expect(received).toMatchObject({ type: 'settings' });
    ws.close();
  });

  it('closes with 4401 on a wrong first message or silence; refuses a wrong protocol token, Host or Origin', async () => {
    const wrong = new WebSocket(wsUrl());
    await new Promise((resolve) => wrong.once('open', resolve));
    wrong.send(JSON.stringify({ token: 'nope' }));
    expect(await closed(wrong)).toBe(4401);

    const silent = new WebSocket(wsUrl());
    expect(await closed(silent)).toBe(4401);

    for (const [protocols, headers] of [
      [['hearth.events', 'hearth.token.wrong'], {}],
      [['hearth.events', `hearth.token.${server.token}`], { Origin: 'http://evil.example' }],
      [['hearth.events', `hearth.token.${server.token}`], { Host: `rebind.example:${server.port}` }],
    ] as const) {
      const refused = new WebSocket(wsUrl(), [...protocols], { headers: { ...headers } });
      const status = await new Promise<number>((resolve) => {
        refused.once('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0));
        refused.once('open', () => resolve(101));
        refused.once('error', () => resolve(-1));
      });
      expect([401, 403]).toContain(status);
      refused.terminate();
    }
  });
});
