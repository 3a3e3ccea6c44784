/**
 * Faults between Hearth and the server (fault-proxy.ts in front of Medplum over HTTP): dropped
 * connections before and after the server handled a request, 500s, 429 with Retry-After, slow
 * answers past the timeout. After every scenario both sides are counted: the server holds each
 * local resource exactly once (one per origin tag), the vault is unchanged, and a pull through the
 * same faults into a second vault gets every resource once.
 */
import type { Resource } from '@medplum/fhirtypes';
import { afterEach, describe, expect, it } from 'vitest';
import { MemoryRepository } from '../../../src-main/fhir/memory-repository';
import { FhirKitTransport } from '../../../src-main/sync/fhir-kit-transport';
import type { ServerAuth } from '../../../src-main/sync/types';
import { dataSet, localResources, newService, originCounts, seed, SYNC_TYPES } from './fixtures';
import { startFaultProxy, type Fate, type FaultProxy } from './fault-proxy';
import { startMedplumServer, type MedplumServer } from './medplum-server';

const PATIENTS = 5;
const TOTAL = PATIENTS * 5;
let server: MedplumServer | undefined;
let proxy: FaultProxy | undefined;
afterEach(async () => {
  await proxy?.close();
  await server?.close();
  proxy = server = undefined;
});

async function serverResources(s: MedplumServer): Promise<Resource[]> {
  const out: Resource[] = [];
  for (const type of SYNC_TYPES) out.push(...(await s.all(type)));
  return out;
}

const scenarios: Array<{ name: string; fate: (n: number, method: string) => Fate; timeoutMs?: number; noTransactions?: boolean }> = [
  { name: 'connections dropped before and after the server handled them', fate: (n) => (n % 3 === 0 ? 'drop-after' : n % 4 === 0 ? 'drop-before' : 'pass') },
  { name: '500s', fate: (n) => (n % 2 === 0 ? 'error-500' : 'pass') },
  { name: '429 with Retry-After', fate: (n) => (n === 2 || n === 5 ? 'too-many' : 'pass') },
  { name: 'slow answers past the timeout', fate: (n) => (n % 3 === 0 ? { slowMs: 900 } : 'pass'), timeoutMs: 300 },
  { name: 'dropped answers with one request per resource', fate: (n, method) => (method !== 'GET' && n % 4 === 0 ? 'drop-after' : 'pass'), noTransactions: true },
];

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
});
