/**
 * Pull through Bulk Data $export against a test server implementing the async pattern
 * (smart-server.ts): kick-off with Prefer: respond-async, 202 polling with X-Progress and
 * Retry-After, the manifest, NDJSON files that need the SMART token, DELETE when done or
 * cancelled; `_since` from the previous export's transactionTime; the same write path as paging
 * (conflicts); paging when bulk is off.
 */
import { generateKeyPairSync } from 'node:crypto';
import type { Observation, Patient } from '@medplum/fhirtypes';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MemoryRepository } from '../../../src-main/fhir/memory-repository';
import { offeredExport } from '../../../src-main/sync/bulk-pull';
import { FAST_RETRY, newService } from './fixtures';
import { startSmartServer, type SmartServer } from './smart-server';

const OLD = '2026-01-01T00:00:00.000Z';
const patient = (i: number): Patient => ({ resourceType: 'Patient', id: `p${i}`, meta: { versionId: '1', lastUpdated: OLD }, name: [{ family: `F${i}` }] });
const observation = (i: number): Observation => ({
  resourceType: 'Observation',
  id: `o${i}`,
  meta: { versionId: '1', lastUpdated: OLD },
  status: 'final',
  code: { text: 'weight' },
  subject: { reference: `Patient/p${i % 10}` },
  valueQuantity: { value: i, unit: 'kg' },
});

describe('Bulk Data $export pull', () => {
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-384' });
  let server: SmartServer;
  beforeAll(async () => {
    server = await startSmartServer({ bulk: true, bulkPolls: 2, backendClients: new Map([['bulk', publicKey]]) });
    for (let i = 0; i < 150; i++) server.resources.push(patient(i));
    for (let i = 0; i < 60; i++) server.resources.push(observation(i));
  });
  afterAll(() => server.close());

  // The first test pays for loading the validator: generous under a loaded machine.
  it('exports, polls, downloads with the token, then exports only what changed since', { timeout: 180_000 }, async () => {
    const repo = new MemoryRepository();
    // Retry-After: 1 s on the server, cut to 20 ms here (the cap is the retry policy's).
    const sync = newService(repo, { retry: { ...FAST_RETRY, maxRetryAfterMs: 20 } });
    await sync.saveProfile({
      name: 'bulk',
      baseUrl: server.baseUrl,
      auth: { kind: 'smart-backend', clientId: 'bulk', privateKey: privateKey.export({ format: 'pem', type: 'pkcs8' }).toString() },
      pullTypes: ['Observation', 'Patient'],
    });
    const messages: string[] = [];
    const first = await sync.pull('bulk', {}, undefined, (p) => messages.push(p.message ?? ''));
    expect(first).toMatchObject({ via: 'bulk-system', received: 210, created: 210, conflicts: 0, failed: [] });
    expect(server.bulkKickoffs).toEqual([{ query: '?_type=Observation%2CPatient', prefer: 'respond-async' }]);
    expect(messages.filter((m) => m.includes('% exported'))).toEqual(['Bulk export on the server: 30% exported', 'Bulk export on the server: 60% exported']);
    expect(server.bulkDeletes).toBe(1);
    expect(server.requests.filter((r) => r.path.includes('/bulk-files/')).map((r) => r.status)).toEqual([200, 200]);
    const local = await repo.read('Observation', 'o7');
    expect((local as Observation).subject?.reference).toBe('Patient/p7');
    const cursor = (await sync.status('bulk')).pullCursor;
    expect(cursor.Patient).toBe(cursor.Observation);

    // Two changes on the server, one of them also changed here: an update and a conflict, through _since.
    const now = new Date(Date.now() + 1000).toISOString();
    server.resources[3] = { ...patient(3), meta: { versionId: '2', lastUpdated: now }, name: [{ family: 'Changed' }] };
    server.resources[4] = { ...patient(4), meta: { versionId: '2', lastUpdated: now }, name: [{ family: 'Server' }] };
    await repo.update({ ...(await repo.read('Patient', 'p4')), name: [{ family: 'Local' }] } as Patient);
    const second = await sync.pull('bulk');
    expect(second).toMatchObject({ via: 'bulk-system', received: 2, updated: 1, conflicts: 1 });
    expect(server.bulkKickoffs[1]?.query).toContain(`_since=${encodeURIComponent(cursor.Patient!)}`);
    expect(((await repo.read('Patient', 'p3')) as Patient).name?.[0]?.family).toBe('Changed');
    expect((await sync.conflicts('bulk')).map((c) => `${c.kind} ${c.resourceType}/${c.localId}`)).toEqual(['pull-both-changed Patient/p4']);

    // Bulk off: the same server pages.
    expect((await sync.pull('bulk', { bulk: false })).via).toBe('paging');
  });

  it('DELETEs the export on the server when the pull is cancelled while it waits', async () => {
    const sync = newService(new MemoryRepository(), { retry: { ...FAST_RETRY, maxRetryAfterMs: 20 } });
    await sync.saveProfile({
      name: 'c',
      baseUrl: server.baseUrl,
      auth: { kind: 'smart-backend', clientId: 'bulk', privateKey: privateKey.export({ format: 'pem', type: 'pkcs8' }).toString() },
      pullTypes: ['Patient'],
    });
    const deletes = server.bulkDeletes;
    const controller = new AbortController();
    await expect(sync.pull('c', {}, controller.signal, (p) => p.message?.includes('% exported') && controller.abort())).rejects.toThrow();
    expect(server.bulkDeletes).toBe(deletes + 1);
  });

  it('reads what the CapabilityStatement offers: system, Patient, Group level or none', () => {
    const cs = (rest: object) => ({ resourceType: 'CapabilityStatement' as const, status: 'active' as const, date: '2026', kind: 'instance' as const, fhirVersion: '4.0.1' as const, format: ['json'], rest: [{ mode: 'server' as const, ...rest }] });
    expect(offeredExport(cs({ operation: [{ name: 'export', definition: 'http://hl7.org/fhir/uv/bulkdata/OperationDefinition/export' }] }))?.level).toBe('bulk-system');
    const patientLevel = cs({ resource: [{ type: 'Patient', operation: [{ name: 'export', definition: 'http://hl7.org/fhir/uv/bulkdata/OperationDefinition/patient-export' }] }] });
    expect(offeredExport(patientLevel)).toEqual({ level: 'bulk-patient', path: 'Patient/$export' });
    expect(offeredExport(patientLevel, 'g1')).toBeUndefined();
    const groupLevel = cs({ resource: [{ type: 'Group', operation: [{ name: 'group-export', definition: 'http://hl7.org/fhir/uv/bulkdata/OperationDefinition/group-export' }] }] });
    expect(offeredExport(groupLevel, 'g 1')).toEqual({ level: 'bulk-group', path: 'Group/g%201/$export' });
    expect(offeredExport(cs({ resource: [{ type: 'Patient' }] }))).toBeUndefined();
  });
});
