/**
 * The web mode's file upload (POST /api/import.upload): a manifest line, then the files' bytes,
 * decoded file by file as they arrive and handed to `import.start` as text sources.
 */
import { promises as fs } from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { ApiHost } from '../../../src-main/api/host';
import { ok, type Result } from '../../../src-main/api/result';
import { IMPORT_UPLOAD_CHANNEL, startWebServer, type WebServer } from '../../../src-main/transport/http-server';
import { FILE_UPLOAD_CONTENT_TYPE } from '../../../src-main/transport/request-body';
import * as rendererClient from '../../../src-renderer/src/api/http-client';

const LIMIT = 64 * 1024;

let server: WebServer;
let root: string;
const dispatched: Array<{ channel: string; payload: unknown }> = [];

const apiHost: ApiHost = {
  dispatch: async (channel: string, payload: unknown): Promise<Result<unknown>> => {
    dispatched.push({ channel, payload });
    return ok({ jobId: 'job-1' });
  },
  onEvent: () => () => undefined,
  close: async () => undefined,
};

interface Reply {
  status: number;
  body: string;
}

/**
 * Sends `parts` as separate writes (chunked unless a Content-Length is given), so a file, or a
 * character, may straddle two chunks.
 */
function upload(parts: Buffer[], headers: Record<string, string> = {}): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = http.request(
      {
        host: '127.0.0.1',
        port: server.port,
        method: 'POST',
        path: `/api/${IMPORT_UPLOAD_CHANNEL}`,
        headers: {
          host: `127.0.0.1:${server.port}`,
          authorization: `Bearer ${server.token}`,
          'content-type': FILE_UPLOAD_CONTENT_TYPE,
          ...headers,
        },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }));
      },
    );
    // The server may answer (400/413) and close before the whole body is out.
    req.on('error', (error: NodeJS.ErrnoException) => (error.code === 'EPIPE' || error.code === 'ECONNRESET' ? undefined : reject(error)));
    for (const part of parts) req.write(part);
    req.end();
  });
}

function manifestLine(files: Array<{ name: string; size: number }>): Buffer {
  return Buffer.from(`${JSON.stringify({ files })}\n`);
}

beforeAll(async () => {
  root = await fs.mkdtemp(path.join(os.tmpdir(), 'hearth-upload-'));
  await fs.writeFile(path.join(root, 'index.html'), '<!doctype html><title>Hearth</title>');
  server = await startWebServer({ configDir: path.join(root, 'config'), rendererDir: root, apiHost, maxBodyBytes: LIMIT });
});

afterAll(async () => {
  await server?.close();
  await fs.rm(root, { recursive: true, force: true });
});

beforeEach(() => {
  dispatched.length = 0;
});

describe('web server: file upload', () => {
  it('starts one import with every file, decoded as UTF-8 even when a character straddles two chunks', async () => {
    const first = Buffer.from('\uFEFF{"resourceType":"Patient","name":[{"family":"Müller-日本"}]}', 'utf8');
    const empty = Buffer.alloc(0);
    const third = Buffer.from('{"resourceType":"Patient","id":"a"}\n{"resourceType":"Patient","id":"b"}\n', 'utf8');
    const manifest = manifestLine([
      { name: 'first.json', size: first.length },
      { name: 'empty.ndjson', size: 0 },
      { name: 'third.ndjson', size: third.length },
    ]);
    const splitInsideUmlaut = first.indexOf(Buffer.from('ü')) + 1;
    const reply = await upload([
      manifest.subarray(0, 10),
      Buffer.concat([manifest.subarray(10), first.subarray(0, splitInsideUmlaut)]),
      Buffer.concat([first.subarray(splitInsideUmlaut), empty, third.subarray(0, 5)]),
      third.subarray(5),
    ]);
    expect(reply.status).toBe(200);
    expect(JSON.parse(reply.body)).toEqual({ ok: true, value: { jobId: 'job-1' } });
    expect(dispatched).toEqual([
      {
        channel: 'import.start',
        payload: {
          sources: [
            // The BOM goes, as Blob.text() drops it in the browser.
            { kind: 'text', name: 'first.json', text: '{"resourceType":"Patient","name":[{"family":"Müller-日本"}]}' },
            { kind: 'text', name: 'empty.ndjson', text: '' },
            { kind: 'text', name: 'third.ndjson', text: third.toString('utf8') },
          ],
        },
      },
    ]);
  });

  it('refuses a body that does not match its manifest with 400 and starts nothing', async () => {
    const body = Buffer.from('{"resourceType":"Patient"}');
    const short = await upload([manifestLine([{ name: 'a.json', size: body.length + 5 }]), body]);
    expect(short.status).toBe(400);
    expect(JSON.parse(short.body)).toMatchObject({ ok: false, error: { issue: [{ code: 'invalid' }] } });
    const long = await upload([manifestLine([{ name: 'a.json', size: body.length - 1 }]), body]);
    expect(long.status).toBe(400);
    const noManifest = await upload([body]);
    expect(noManifest.status).toBe(400);
    const noFiles = await upload([manifestLine([])]);
    expect(noFiles.status).toBe(400);
    const badSize = await upload([Buffer.from('{"files":[{"name":"a.json","size":-1}]}\n')]);
    expect(badSize.status).toBe(400);
    const noName = await upload([Buffer.from('{"files":[{"name":"","size":0}]}\n')]);
    expect(noName.status).toBe(400);
    const manifest = manifestLine([{ name: 'a.json', size: body.length }]);
    const wrongLength = await upload([manifest, body], { 'content-length': String(manifest.length + body.length + 1) });
    expect(wrongLength.status).toBe(400);
    expect(dispatched).toEqual([]);
  });

  it('refuses an upload over the limit with 413, declared or not', async () => {
    const big = Buffer.alloc(LIMIT, 0x20);
    const parts = [manifestLine([{ name: 'big.json', size: big.length }]), big];
    const declared = await upload(parts, { 'content-length': String(parts[0]!.length + big.length) });
    expect(declared.status).toBe(413);
    // Chunked (no Content-Length): the manifest's sizes already say it is too large.
    const chunked = await upload(parts);
    expect(chunked.status).toBe(413);
    expect(JSON.parse(chunked.body)).toMatchObject({ ok: false, error: { issue: [{ code: 'too-costly' }] } });
    expect(dispatched).toEqual([]);
  });

  it('needs the token and its own content type', async () => {
    const body = Buffer.from('{}');
    const parts = [manifestLine([{ name: 'a.json', size: body.length }]), body];
    expect((await upload(parts, { authorization: 'Bearer wrong' })).status).toBe(401);
    expect((await upload(parts, { 'content-type': 'application/json' })).status).toBe(415);
    expect((await upload(parts, { origin: 'http://evil.example' })).status).toBe(403);
    expect(dispatched).toEqual([]);
  });

  it('speaks the same route and content type as the renderer client', () => {
    expect(rendererClient.IMPORT_UPLOAD_CHANNEL).toBe(IMPORT_UPLOAD_CHANNEL);
    expect(rendererClient.FILE_UPLOAD_CONTENT_TYPE).toBe(FILE_UPLOAD_CONTENT_TYPE);
  });
});
