/**
 * Faults between Hearth and the server (fault-proxy.ts in front of Medplum over HTTP): dropped
 * connections before and after the server handled a request, 500s, 429 with Retry-After, slow
 * answers past the timeout. After every scenario both sides are counted: the server holds each
 * local resource exactly once (one per origin tag), the vault is unchanged, and a pull through the
 * same faults into a second vault gets every resource once.
 */
import type { Resource } from '@medplum/fhirtypes';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { MemoryRepository } from '../../../src-main/fhir/memory-repository';
import { FhirKitTransport } from '../../../src-main/sync/fhir-kit-transport';
import type { ServerAuth } from '../../../src-main/sync/types';
import { dataSet, localResources, newService, originCounts, seed, serverResources, SYNC_TYPES } from './fixtures';
import { startFaultProxy, type Fate, type FaultProxy } from './fault-proxy';
import { startMedplumServer, type MedplumServer, MEDPLUM_LOAD_TIMEOUT_MS, preloadMedplum } from './medplum-server';

const PATIENTS = 5;
const TOTAL = PATIENTS * 5;
let server: MedplumServer | undefined;
let proxy: FaultProxy | undefined;
afterEach(async () => {
  await proxy?.close();
  await server?.close();
  proxy = server = undefined;
});

const scenarios: Array<{ name: string; fate: (n: number, method: string) => Fate; timeoutMs?: number; noTransactions?: boolean }> = [
  { name: 'connections dropped before and after the server handled them', fate: (n) => (n % 3 === 0 ? 'drop-after' : n % 4 === 0 ? 'drop-before' : 'pass') },
  { name: '500s', fate: (n) => (n % 2 === 0 ? 'error-500' : 'pass') },
  { name: '429 with Retry-After', fate: (n) => (n === 2 || n === 5 ? 'too-many' : 'pass') },
  { name: 'slow answers past the timeout', fate: (n) => (n % 3 === 0 ? { slowMs: 900 } : 'pass'), timeoutMs: 300 },
  { name: 'dropped answers with one request per resource', fate: (n, method) => (method !== 'GET' && n % 4 === 0 ? 'drop-after' : 'pass'), noTransactions: true },
];

beforeAll(preloadMedplum, MEDPLUM_LOAD_TIMEOUT_MS);

describe('sync under injected faults', () => {
  for (const scenario of scenarios) {
    it(`nothing lost, nothing duplicated: ${scenario.name}`, async () => {
      server = await startMedplumServer({ ...(scenario.noTransactions ? { noTransactions: true } : {}) });
      proxy = await startFaultProxy(server.baseUrl, scenario.fate);
      const transport = (baseUrl: string, auth: ServerAuth) =>
        new FhirKitTransport({ baseUrl, auth, timeoutMs: scenario.timeoutMs ?? 5000 });
      const repoA = new MemoryRepository();
      await seed(repoA, dataSet(PATIENTS));
      const a = newService(repoA, { transport });
      await a.saveProfile({ name: 'm', baseUrl: proxy.baseUrl, auth: { kind: 'none' }, chunkSize: 5 });

      const report = await a.push('m', { mode: 'changed' });
      expect(report.failed).toEqual([]);
      expect(report.conflicts).toBe(0);
      expect(report.retries).toBeGreaterThan(0);
      // A write met a fault (not only reads).
      expect(proxy.log.some((l) => l.fate !== 'pass' && l.method !== 'GET')).toBe(true);
      const onServer = await serverResources(server);
      const origins = originCounts(onServer);
      expect(onServer).toHaveLength(TOTAL);
      expect(origins.size).toBe(TOTAL);
      expect([...origins.values()].every((count) => count === 1)).toBe(true);
      expect(await localResources(repoA)).toHaveLength(TOTAL);
      expect((await a.status('m')).mapped).toBe(TOTAL);
      expect((await a.status('m')).pendingPush).toBeUndefined();
      // Nothing left to push.
      expect((await a.push('m', { mode: 'changed' })).planned).toBe(0);
      expect(await serverResources(server)).toHaveLength(TOTAL);

      const repoB = new MemoryRepository();
      const b = newService(repoB, { transport });
      await b.saveProfile({ name: 'm', baseUrl: proxy.baseUrl, auth: { kind: 'none' } });
      const pulled = await b.pull('m', { types: SYNC_TYPES, pageSize: 4 });
      expect(pulled.failed).toEqual([]);
      expect(await localResources(repoB)).toHaveLength(TOTAL);
      expect(pulled.created).toBe(TOTAL);
    });
  }

  it('reports a refused resource (422) once, never retried, and pushes the rest', async () => {
    server = await startMedplumServer();
    // Any request carrying patient p2's family name is refused: its Bundle, then its own POST.
    let refuse = true;
    proxy = await startFaultProxy(server.baseUrl, (_n, method, _url, body) => (refuse && method === 'POST' && body.includes('Family2') ? { status: 422 } : 'pass'));
    const repoA = new MemoryRepository();
    await seed(repoA, dataSet(PATIENTS));
    const a = newService(repoA);
    await a.saveProfile({ name: 'm', baseUrl: proxy.baseUrl, auth: { kind: 'none' }, chunkSize: 5 });
    const report = await a.push('m', { mode: 'changed' });
    expect(report.failed.map((f) => [f.resourceType, f.id, f.status])).toEqual([['Patient', 'p2', 422]]);
    expect(report.failed[0]!.outcome.issue?.[0]?.diagnostics).toBe('injected refusal');
    expect(report.retries).toBe(0);
    const single = proxy.log.filter((l) => l.url === '/fhir/Patient' && typeof l.fate === 'object');
    expect(single).toHaveLength(1); // the resource's own request, not retried
    // Everything else is there once; the refused patient stays planned for the next push.
    const onServer = await serverResources(server);
    expect(onServer).toHaveLength(TOTAL - 1);
    expect([...originCounts(onServer).values()].every((count) => count === 1)).toBe(true);
    // The refused patient and the resources that refer to it (sent with a dangling reference) stay planned.
    const replan = (await a.push('m', { mode: 'changed', dryRun: true })).plan?.map((p) => p.key).sort();
    expect(replan).toEqual(['Condition/c2', 'Encounter/e2', 'Observation/o2-0', 'Observation/o2-1', 'Patient/p2']);
    // Once the server takes it, the next push creates it and repairs the references.
    refuse = false;
    const second = await a.push('m', { mode: 'changed' });
    expect(second).toMatchObject({ planned: 5, created: 1, failed: [] });
    const all = await serverResources(server);
    expect(all).toHaveLength(TOTAL);
    const keys = new Set(all.map((r) => `${r.resourceType}/${r.id}`));
    for (const r of all) for (const ref of JSON.stringify(r).match(/"reference":"[^"]+"/g) ?? []) expect(keys.has(ref.slice(13, -1))).toBe(true);
    expect((await a.push('m', { mode: 'changed', dryRun: true })).planned).toBe(0);
  });
});
