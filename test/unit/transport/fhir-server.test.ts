/**
 * The local FHIR endpoint (src-main/transport/fhir-server.ts) over a real vault, driven by
 * fhir-kit-client: a FHIR client no one here wrote. Every interaction of http.html is exercised
 * through it; the transport's own guards (token, Host, body cap) are checked with plain fetch.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Client, type FhirResource, type PaginationParams } from 'fhir-kit-client';
import type { Bundle, CapabilityStatement, Observation, OperationOutcome, Patient, Resource } from '@medplum/fhirtypes';
import { fhirProjector } from '../../../src-main/fhir/fhir-projector';
import { createVaultRepository } from '../../../src-main/fhir/vault-repository';
import { startFhirServer, type FhirServer } from '../../../src-main/transport/fhir-server';
import { createVault, type Vault } from '../../../src-main/vault';

/** fhir-kit-client types every answer as a loose record; the server's answers are FHIR resources. */
function fhir<T extends Resource>(value: FhirResource): T {
  return value as Resource as T;
}

type PageBundle = PaginationParams['bundle'];

/** A searchset or history page as fhir-kit-client's paging wants it (links present, as the server always sends). */
function pageOf(value: FhirResource): PageBundle {
  const link = (value as { link?: unknown }).link;
  if (!Array.isArray(link)) throw new Error('the page has no links');
  return { ...value, link: link as PageBundle['link'] };
}

/** fhir-kit-client throws `{response: {status, data}}` for a non-2xx answer. */
async function failure(promise: Promise<unknown> | undefined): Promise<{ status: number; data: OperationOutcome }> {
  try {
    await promise;
  } catch (e) {
    const response = (e as { response?: { status: number; data: OperationOutcome } }).response;
    if (response) return response;
    throw e;
  }
  throw new Error('expected the request to fail');
}

let dir: string;
let vault: Vault;
let server: FhirServer;
let client: Client;

beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'hearth-fhir-server-'));
  vault = await createVault(path.join(dir, 'vault'), 'test passphrase', { projector: fhirProjector, kdfIterations: 1000, allowWeakKdfForTests: true });
  server = await startFhirServer({ repo: createVaultRepository(vault), maxBodyBytes: 256 * 1024 });
  client = new Client({ baseUrl: server.baseUrl, bearerToken: server.token });
});

afterAll(async () => {
  await server?.close();
  await vault?.close();
  await rm(dir, { recursive: true, force: true });
});

describe('FHIR endpoint through fhir-kit-client', () => {
  it('create, read, vread, update, patch, delete (then 410), instance history', async () => {
    const created = fhir<Patient>(await client.create({ resourceType: 'Patient', body: { resourceType: 'Patient', name: [{ family: 'Lovelace' }] } }));
    const id = created.id!;
    expect(created.meta?.versionId).toBe('1');
    expect(fhir<Patient>(await client.read({ resourceType: 'Patient', id })).name?.[0]?.family).toBe('Lovelace');

    const updated = fhir<Patient>(
      await client.update({ resourceType: 'Patient', id, body: { ...created, active: true }, options: { headers: { 'If-Match': 'W/"1"' } } }),
    );
    expect(updated.meta?.versionId).toBe('2');
    const stale = await failure(client.update({ resourceType: 'Patient', id, body: { ...created, active: false }, options: { headers: { 'If-Match': 'W/"1"' } } }));
    expect(stale.status).toBe(412);

    const patched = fhir<Patient>(await client.patch({ resourceType: 'Patient', id, jsonPatch: [{ op: 'replace', path: '/active', value: false }] }));
    expect(patched.active).toBe(false);
    expect(patched.meta?.versionId).toBe('3');
    expect(fhir<Patient>(await client.vread({ resourceType: 'Patient', id, version: '1' })).active).toBeUndefined();

    await client.delete({ resourceType: 'Patient', id });
    expect((await failure(client.read({ resourceType: 'Patient', id }))).status).toBe(410);
    const history = fhir<Bundle>(await client.history({ resourceType: 'Patient', id }));
    expect(history.entry?.map((e) => e.request?.method)).toEqual(['DELETE', 'PUT', 'PUT', 'POST']);
    expect((await failure(client.read({ resourceType: 'Patient', id: 'nobody' }))).data.resourceType).toBe('OperationOutcome');
  });

  it('type and system history with _since and _count, paging with nextPage', async () => {
    const since = new Date(Date.now() - 1).toISOString();
    for (const code of ['a', 'b', 'c']) {
      await client.create({ resourceType: 'Observation', body: { resourceType: 'Observation', status: 'final', code: { text: code } } });
    }
    const typeHistory = fhir<Bundle>(await client.typeHistory({ resourceType: 'Observation', options: {} }));
    expect(typeHistory.entry).toHaveLength(3);
    const firstPage = pageOf(await client.request(`_history?_since=${encodeURIComponent(since)}&_count=2`));
    expect(fhir<Bundle>(firstPage).entry).toHaveLength(2);
    const secondPage = pageOf((await client.nextPage({ bundle: firstPage }))!);
    expect(fhir<Bundle>(secondPage).entry).toHaveLength(1);
    expect(client.nextPage({ bundle: secondPage })).toBeUndefined();
    expect(fhir<Bundle>(await client.systemHistory()).entry!.length).toBeGreaterThanOrEqual(7);
  });

  it('search with paging through nextPage and prevPage, and POST _search', async () => {
    for (let i = 0; i < 5; i++) await client.update({ resourceType: 'Device', id: `d${i}`, body: { resourceType: 'Device', id: `d${i}` } });
    const seen: string[] = [];
    let page = pageOf(await client.search({ resourceType: 'Device', searchParams: { _count: 2 } }));
    expect(fhir<Bundle>(page).total).toBe(5);
    for (;;) {
      seen.push(...(fhir<Bundle>(page).entry ?? []).map((e) => e.resource!.id!));
      const next = client.nextPage({ bundle: page });
      if (!next) break;
      page = pageOf(await next);
    }
    expect(seen.sort()).toEqual(['d0', 'd1', 'd2', 'd3', 'd4']);
    const back = fhir<Bundle>((await client.prevPage({ bundle: page }))!);
    expect(back.entry).toHaveLength(2);
    const posted = fhir<Bundle>(await client.search({ resourceType: 'Device', searchParams: { _id: 'd1,d3' }, options: { postSearch: true } }));
    expect(posted.entry?.map((e) => e.resource?.id).sort()).toEqual(['d1', 'd3']);
    expect((await failure(client.search({ resourceType: 'Device', searchParams: { unknownParam: 'x' } }))).status).toBe(400);
  });

  it('batch and transaction (urn:uuid resolved; all or nothing)', async () => {
    const batch = fhir<Bundle>(
      await client.batch({
        body: {
          resourceType: 'Bundle',
          type: 'batch',
          entry: [
            { resource: { resourceType: 'Patient', id: 'batch1' }, request: { method: 'PUT', url: 'Patient/batch1' } },
            { request: { method: 'GET', url: 'Patient/none' } },
          ],
        },
      }),
    );
    expect(batch.entry?.map((e) => e.response?.status)).toEqual(['201 Created', '404 Not Found']);

    const transaction = fhir<Bundle>(
      await client.transaction({
        body: {
          resourceType: 'Bundle',
          type: 'transaction',
          entry: [
            { fullUrl: 'urn:uuid:6f1c1d4e-2222-4a8b-9c0d-000000000001', resource: { resourceType: 'Patient' }, request: { method: 'POST', url: 'Patient' } },
            {
              resource: { resourceType: 'Observation', status: 'final', code: { text: 'x' }, subject: { reference: 'urn:uuid:6f1c1d4e-2222-4a8b-9c0d-000000000001' } },
              request: { method: 'POST', url: 'Observation' },
            },
          ],
        },
      }),
    );
    const patientId = transaction.entry?.[0]?.resource?.id;
    expect((transaction.entry?.[1]?.resource as Observation).subject?.reference).toBe(`Patient/${patientId}`);

    const failed = await failure(
      client.transaction({
        body: {
          resourceType: 'Bundle',
          type: 'transaction',
          entry: [
            { resource: { resourceType: 'Patient', id: 'tx-never' }, request: { method: 'PUT', url: 'Patient/tx-never' } },
            { request: { method: 'DELETE', url: 'Patient/does-not-exist' } },
          ],
        },
      }),
    );
    expect(failed.status).toBe(404);
    expect((await failure(client.read({ resourceType: 'Patient', id: 'tx-never' }))).status).toBe(404);
  });

  it('conditional create, update and delete', async () => {
    const first = fhir<Patient>(await client.create({ resourceType: 'Patient', body: { resourceType: 'Patient' } }));
    const again = fhir<Patient>(
      await client.create({ resourceType: 'Patient', body: { resourceType: 'Patient' }, options: { headers: { 'If-None-Exist': `_id=${first.id!}` } } }),
    );
    expect(again.id).toBe(first.id);
    const updated = fhir<Patient>(await client.update({ resourceType: 'Patient', searchParams: { _id: first.id! }, body: { resourceType: 'Patient', active: true } }));
    expect(updated.id).toBe(first.id);
    expect(updated.meta?.versionId).toBe('2');
    await client.request(`Patient?_id=${first.id!}`, { method: 'DELETE' });
    expect((await failure(client.read({ resourceType: 'Patient', id: first.id! }))).status).toBe(410);
  });

  it('capabilities, $validate and $everything', async () => {
    const cs = fhir<CapabilityStatement>(await client.capabilityStatement());
    expect(cs.fhirVersion).toBe('4.0.1');
    expect(cs.rest?.[0]?.interaction?.map((i) => i.code)).toEqual(['transaction', 'batch', 'history-system', 'search-system']);
    const outcome = fhir<OperationOutcome>(await client.operation({ name: '$validate', resourceType: 'Patient', input: { resourceType: 'Patient', birthDate: 'not a date' } }));
    expect(outcome.issue?.some((i) => i.severity === 'error')).toBe(true);
    await client.update({ resourceType: 'Patient', id: 'ev', body: { resourceType: 'Patient', id: 'ev' } });
    const everything = fhir<Bundle>(await client.operation({ name: '$everything', resourceType: 'Patient', id: 'ev', method: 'GET' }));
    expect(everything.entry?.[0]?.resource?.id).toBe('ev');
  });
});

/** A raw HTTP request (fetch cannot send a wrong Host). */
function raw(options: { method?: string; path: string; headers?: Record<string, string>; body?: string | Buffer }): Promise<{ status: number; headers: http.IncomingHttpHeaders; body: string }> {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port: server.port, method: options.method ?? 'GET', path: options.path, headers: options.headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') }));
    });
    req.on('error', reject);
    if (options.body !== undefined) req.write(options.body);
    req.end();
  });
}

describe('FHIR endpoint guards', () => {
  const auth = () => ({ Authorization: `Bearer ${server.token}` });

  it('answers FHIR JSON with ETag and Last-Modified', async () => {
    await client.update({ resourceType: 'Patient', id: 'hdr', body: { resourceType: 'Patient', id: 'hdr' } });
    const res = await raw({ path: '/fhir/Patient/hdr', headers: auth() });
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toBe('application/fhir+json; charset=utf-8');
    expect(res.headers['etag']).toBe('W/"1"');
    expect(res.headers['last-modified']).toMatch(/GMT$/);
  });

  it('refuses a missing or wrong token (401), a foreign Host or Origin (403), paths outside /fhir (404)', async () => {
    expect((await raw({ path: '/fhir/metadata' })).status).toBe(401);
    expect((await raw({ path: '/fhir/metadata', headers: { Authorization: 'Bearer wrong' } })).headers['www-authenticate']).toBe('Bearer');
    expect((await raw({ path: '/fhir/metadata', headers: { ...auth(), Host: 'evil.example:80' } })).status).toBe(403);
    expect((await raw({ path: '/fhir/metadata', headers: { ...auth(), Origin: 'http://evil.example' } })).status).toBe(403);
    const outside = await raw({ path: '/other', headers: auth() });
    expect(outside.status).toBe(404);
    expect(JSON.parse(outside.body).resourceType).toBe('OperationOutcome');
  });

  it('bad input is a 4xx OperationOutcome: oversized body 413, malformed JSON 400, wrong content type 415, not UTF-8 400', async () => {
    const big = await raw({ method: 'POST', path: '/fhir/Patient', headers: { ...auth(), 'Content-Type': 'application/fhir+json' }, body: `{"resourceType":"Patient","text":"${'x'.repeat(300 * 1024)}"}` });
    expect(big.status).toBe(413);
    expect(JSON.parse(big.body).resourceType).toBe('OperationOutcome');
    const cases: Array<[Record<string, string>, string | Buffer, number]> = [
      [{ 'Content-Type': 'application/fhir+json' }, '{"resourceType":', 400],
      [{ 'Content-Type': 'text/plain' }, '{"resourceType":"Patient"}', 415],
      [{ 'Content-Type': 'application/fhir+json' }, Buffer.from([0x7b, 0xff, 0xfe, 0x7d]), 400],
    ];
    for (const [headers, body, status] of cases) {
      const res = await raw({ method: 'POST', path: '/fhir/Patient', headers: { ...auth(), ...headers }, body });
      expect(res.status).toBe(status);
      const parsed = JSON.parse(res.body) as OperationOutcome;
      expect(parsed.resourceType).toBe('OperationOutcome');
      expect(res.body).not.toMatch(/\.ts:\d+/);
    }
    expect((await raw({ path: '/fhir/Nope/1', headers: auth() })).status).toBe(404);
    expect((await raw({ path: '/fhir/Patient?_lastUpdated=whenever', headers: auth() })).status).toBe(400);
  });
});
