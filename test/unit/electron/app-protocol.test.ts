import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAppProtocolHandler } from '../../../src-main/electron/app-protocol';
import { CONTENT_SECURITY_POLICY } from '../../../src-main/electron/security';

let root: string;
let handler: ReturnType<typeof createAppProtocolHandler>;

beforeAll(async () => {
  root = await fs.mkdtemp(path.join(os.tmpdir(), 'hearth-app-protocol-'));
  await fs.mkdir(path.join(root, 'renderer', 'assets'), { recursive: true });
  await fs.writeFile(path.join(root, 'renderer', 'index.html'), '<!doctype html><title>Hearth</title>');
  await fs.writeFile(path.join(root, 'renderer', 'assets', 'app.css'), 'body{}');
  await fs.writeFile(path.join(root, 'secret.txt'), 'outside');
  handler = createAppProtocolHandler(path.join(root, 'renderer'));
});

afterAll(() => fs.rm(root, { recursive: true, force: true }));

describe('app:// protocol handler', () => {
  it('serves the renderer with the CSP header', async () => {
    const index = await handler({ url: 'app://hearth/index.html', method: 'GET' });
    expect(index.status).toBe(200);
    expect(index.headers.get('content-security-policy')).toBe(CONTENT_SECURITY_POLICY);
    expect(index.headers.get('x-content-type-options')).toBe('nosniff');
    expect(index.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(await index.text()).toContain('<title>Hearth</title>');
    const root = await handler({ url: 'app://hearth/', method: 'GET' });
    expect(root.status).toBe(200);
    const css = await handler({ url: 'app://hearth/assets/app.css', method: 'GET' });
    expect(css.headers.get('content-type')).toBe('text/css; charset=utf-8');
  });

  it('refuses traversal, other hosts, folders and writes', async () => {
    for (const url of ['app://hearth/%2e%2e/secret.txt', 'app://hearth/assets/..%2f..%2fsecret.txt', 'app://hearth/assets/%5c..%5csecret.txt']) {
      const reply = await handler({ url, method: 'GET' });
      expect([403, 404], url).toContain(reply.status);
      expect(await reply.text()).not.toContain('outside');
    }
    expect((await handler({ url: 'app://elsewhere/index.html', method: 'GET' })).status).toBe(404);
    expect((await handler({ url: 'app://hearth/assets/', method: 'GET' })).status).toBe(404);
    expect((await handler({ url: 'app://hearth/index.html', method: 'POST' })).status).toBe(405);
  });
});
