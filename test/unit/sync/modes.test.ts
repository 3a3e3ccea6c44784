/**
 * What push-pull.test.ts leaves out (issue 7 §1–2), against @medplum/fhir-router over HTTP: basic
 * authentication reaching the server (and a wrong password refused once, not retried), a server that
 * offers batch but not transaction, the FHIR version check, a 409 answer, and a pull dry run that reports what would change and writes
 * nothing.
 */
import type { Resource } from '@medplum/fhirtypes';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { MemoryRepository } from '../../../src-main/fhir/memory-repository';
import { dataSet, localResources, newService, originCounts, pushedAndEmpty, seed, serverResources, SYNC_TYPES, unresolvedReferences } from './fixtures';
import { startFaultProxy, type FaultProxy } from './fault-proxy';
import { MEDPLUM_LOAD_TIMEOUT_MS, preloadMedplum, startMedplumServer, type MedplumServer } from './medplum-server';

let server: MedplumServer | undefined;
let proxy: FaultProxy | undefined;
afterEach(async () => {
  await proxy?.close();
  await server?.close();
  server = proxy = undefined;
});
beforeAll(preloadMedplum, MEDPLUM_LOAD_TIMEOUT_MS);

describe('sync modes against Medplum over HTTP', () => {
  it('sends basic credentials the server checks; a wrong password is refused once, never retried', async () => {
    server = await startMedplumServer({ basic: 'ann:s3cret pass' });
    const repo = new MemoryRepository();
    await seed(repo, dataSet(2));
    const a = newService(repo);
    await a.saveProfile({ name: 'm', baseUrl: server.baseUrl, auth: { kind: 'basic', user: 'ann', password: 's3cret pass' } });
    expect(await a.testConnection('m')).toMatchObject({ r4: true, problems: [] });
    expect(await a.push('m', { mode: 'changed' })).toMatchObject({ planned: 10, created: 10, failed: [] });
    expect(await serverResources(server)).toHaveLength(10);

    await a.saveProfile({ name: 'wrong', baseUrl: server.baseUrl, auth: { kind: 'basic', user: 'ann', password: 'guess' } });
    const before = server.requests.length;
    await expect(a.push('wrong', { mode: 'all' })).rejects.toMatchObject({ outcome: { issue: [expect.objectContaining({ severity: 'error' })] } });
    // One /metadata refused with 401: not retried.
    expect(server.requests.slice(before).map((r) => r.status)).toEqual([401]);
  });

  it('uses batch Bundles where the server offers batch but not transaction: everything once, references resolved', async () => {
    server = await startMedplumServer({ batchOnly: true });
    const repo = new MemoryRepository();
    await seed(repo, dataSet(3));
    const a = newService(repo);
    await a.saveProfile({ name: 'm', baseUrl: server.baseUrl, auth: { kind: 'none' }, chunkSize: 4 });
    expect(await a.testConnection('m')).toMatchObject({ transaction: false, batch: true });
    const report = await a.push('m', { mode: 'changed' });
    expect(report).toMatchObject({ mode: 'batch', planned: 15, created: 15, failed: [] });
    const onServer = await serverResources(server);
    expect(onServer).toHaveLength(15);
    expect([...originCounts(onServer).values()].every((n) => n === 1)).toBe(true);
    expect(unresolvedReferences(onServer)).toEqual([]);
    // No transaction Bundle was accepted (none was sent, or it would be a 400 here).
    expect(server.requests.filter((r) => r.method === 'POST' && r.status === 400)).toEqual([]);
    expect((await a.push('m', { mode: 'changed' })).planned).toBe(0);
  });

  it('checks the FHIR version in the CapabilityStatement: Test connection names the problem, a push to a non-R4 server sends nothing', async () => {
    server = await startMedplumServer({ fhirVersion: '3.0.2' });
    const repo = new MemoryRepository();
    await seed(repo, dataSet(1));
    const a = newService(repo);
    await a.saveProfile({ name: 'stu3', baseUrl: server.baseUrl, auth: { kind: 'none' } });
    const report = await a.testConnection('stu3');
    expect(report).toMatchObject({ fhirVersion: '3.0.2', r4: false });
    expect(report.problems.join(' ')).toMatch(/4\.0/);
    await expect(a.push('stu3', { mode: 'changed' })).rejects.toThrow();
    expect(server.requests.filter((r) => r.method !== 'GET')).toEqual([]);
    expect(await serverResources(server)).toEqual([]);
  });

  it('an update answered 409 goes to the conflict queue: not retried, nothing overwritten', async () => {
    server = await startMedplumServer({ noTransactions: true });
    // Every PUT (an update) is answered 409 by the proxy, as a server does on a version clash.
    proxy = await startFaultProxy(server.baseUrl, (_n, method) => (method === 'PUT' ? { status: 409 } : 'pass'));
    const repo = new MemoryRepository();
    await seed(repo, dataSet(1));
    const a = newService(repo);
    await a.saveProfile({ name: 'm', baseUrl: proxy.baseUrl, auth: { kind: 'none' } });
    expect(await a.push('m', { mode: 'changed' })).toMatchObject({ created: 5, conflicts: 0 });
    const patient = await repo.read('Patient', 'p0');
    await repo.update({ ...patient, birthDate: '1999-09-09' } as Resource);
    const before = proxy.log.length;
    const report = await a.push('m', { mode: 'changed' });
    expect(report).toMatchObject({ planned: 1, updated: 0, conflicts: 1, failed: [] });
    expect(proxy.log.slice(before).filter((l) => l.method === 'PUT')).toHaveLength(1);
    expect((await a.conflicts('m')).map((c) => [c.resourceType, c.localId])).toEqual([['Patient', 'p0']]);
    expect((await server.all('Patient')).map((p) => (p as { birthDate?: string }).birthDate)).not.toContain('1999-09-09');
  });

  it('a pull dry run reports what would change and writes nothing; the real pull then does it', async () => {
    server = await startMedplumServer();
    const { repoB, b } = await pushedAndEmpty(server, 2);
    const dry = await b.pull('m', { dryRun: true, types: SYNC_TYPES });
    expect(dry).toMatchObject({ dryRun: true, received: 10, created: 10, updated: 0, conflicts: 0, failed: [] });
    expect(await localResources(repoB)).toEqual([]);
    expect((await b.status('m')).mapped).toBe(0);

    const real = await b.pull('m', { types: SYNC_TYPES });
    expect(real).toMatchObject({ dryRun: false, received: 10, created: 10 });
    expect(await localResources(repoB)).toHaveLength(10);
  });
});
