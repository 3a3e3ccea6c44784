/**
 * Push and pull against @medplum/fhir-router served over HTTP (medplum-server.ts), through the
 * real transport (fhir-kit-client): round trip, id mapping and reference rewriting, incremental
 * push and pull, conflicts both ways, and a server without transactions. Then the modes: basic
 * authentication checked by the server, a batch-only server, the FHIR version check, a 409 answer
 * (through the fault proxy), and a pull dry run.
 */
import type { Observation, Patient, Resource } from '@medplum/fhirtypes';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { MemoryRepository } from '../../../src-main/fhir/memory-repository';
import { JobManager } from '../../../src-main/jobs/job-manager';
import { createSessionFromRepository } from '../../../src-main/services/vault-session';
import type { HearthEvent } from '../../../src-main/api/contract';
import { sameContent } from '../../../src-main/sync/content';
import { rewriteReferences } from '../../../src-main/sync/references';
import { startFaultProxy, type FaultProxy } from './fault-proxy';
import { startMedplumServer, type MedplumServer, MEDPLUM_LOAD_TIMEOUT_MS, preloadMedplum } from './medplum-server';
import { dataSet, localResources, newService, originCounts, pushedAndEmpty, seed, serverResources, SYNC_TYPES, unresolvedReferences } from './fixtures';

let server: MedplumServer | undefined;
let proxy: FaultProxy | undefined;
afterEach(async () => {
  await proxy?.close();
  await server?.close();
  server = proxy = undefined;
});

beforeAll(preloadMedplum, MEDPLUM_LOAD_TIMEOUT_MS);

describe('push and pull against Medplum over HTTP', () => {
  it('pushes everything once, maps ids, rewrites references, and pulls it back equal into another vault', async () => {
    server = await startMedplumServer();
    const repoA = new MemoryRepository();
    await seed(repoA, dataSet(6));
    const a = newService(repoA);
    await a.saveProfile({ name: 'medplum', baseUrl: server.baseUrl, auth: { kind: 'none' } });

    const connection = await a.testConnection('medplum');
    expect(connection).toMatchObject({ r4: true, transaction: true, batch: true, problems: [] });

    const dry = await a.push('medplum', { mode: 'changed', dryRun: true });
    expect(dry.planned).toBe(30);
    expect(server.requests).toHaveLength(1); // only the test connection: a dry run sends nothing

    const first = await a.push('medplum', { mode: 'changed' });
    expect(first).toMatchObject({ mode: 'transaction', planned: 30, created: 30, conflicts: 0, failed: [] });
    const onServer = await serverResources(server);
    expect(onServer).toHaveLength(30);
    expect([...originCounts(onServer).values()].every((n) => n === 1)).toBe(true);

    // Ids are the server's; every reference on the server points at a server resource.
    const serverKeys = new Set(onServer.map((r) => `${r.resourceType}/${r.id}`));
    const status = await a.status('medplum');
    expect(status.mapped).toBe(30);
    const map = await a.store.idMap('medplum');
    for (const r of onServer) {
      for (const ref of JSON.stringify(r).match(/"reference":"[^"]+"/g) ?? []) {
        expect(serverKeys.has(ref.slice('"reference":"'.length, -1))).toBe(true);
      }
    }
    // The cycle (p0 <-> p1) was closed by the fix-up pass.
    const p0 = onServer.find((r) => r.id === map.local('Patient', 'p0')!.serverId) as Patient;
    expect(p0.link?.[0]?.other.reference).toBe(`Patient/${map.local('Patient', 'p1')!.serverId}`);

    // Nothing changed: nothing to push.
    const again = await a.push('medplum', { mode: 'changed' });
    expect(again.planned).toBe(0);
    expect(await serverResources(server)).toHaveLength(30);

    // Pull into an empty second vault: the same content, references rewritten to its ids.
    const repoB = new MemoryRepository();
    const b = newService(repoB);
    await b.saveProfile({ name: 'medplum', baseUrl: server.baseUrl, auth: { kind: 'none' } });
    const pulled = await b.pull('medplum', { types: SYNC_TYPES, pageSize: 7 });
    expect(pulled).toMatchObject({ received: 30, created: 30, conflicts: 0, failed: [] });
    expect(pulled.pages).toBeGreaterThan(4); // paged through Bundle.link next
    const inB = await localResources(repoB);
    expect(inB).toHaveLength(30);
    for (const local of await localResources(repoA)) {
      const entry = map.local(local.resourceType, local.id!)!;
      const expected = rewriteReferences(local, (t) => {
        const m = map.local(t.resourceType, t.id);
        return m ? `${t.resourceType}/${m.serverId}` : undefined;
      });
      const copy = inB.find((r) => r.resourceType === local.resourceType && r.id === entry.serverId);
      expect(copy, `${local.resourceType}/${local.id}`).toBeDefined();
      expect(sameContent(copy!, expected)).toBe(true);
      expect(copy!.meta?.tag).toBeUndefined(); // the origin tag stays on the server
    }
    // A second pull finds nothing new.
    const second = await b.pull('medplum', { types: SYNC_TYPES });
    expect(second.created + second.updated).toBe(0);
    expect(await localResources(repoB)).toHaveLength(30);
  });

  it('pushes a local edit as an update with If-Match and pulls it into the other vault', async () => {
    server = await startMedplumServer();
    const { repoA, a, repoB, b } = await pushedAndEmpty(server, 3);
    await b.pull('m', { types: SYNC_TYPES });

    const obs = (await repoA.read('Observation', 'o1-0')) as Observation;
    await repoA.update({ ...obs, status: 'amended' });
    const pushed = await a.push('m', { mode: 'changed' });
    expect(pushed).toMatchObject({ planned: 1, updated: 1, created: 0 });
    const serverId = (await a.store.idMap('m')).local('Observation', 'o1-0')!.serverId;
    const put = server.requests.at(-1);
    expect(put).toEqual({ method: 'PUT', url: `/fhir/Observation/${serverId}`, status: 200 });
    expect(((await server.repo.readResource('Observation', serverId)) as Observation).status).toBe('amended');
    expect(await serverResources(server)).toHaveLength(15);

    const pulled = await b.pull('m', { types: SYNC_TYPES });
    expect(pulled).toMatchObject({ updated: 1, created: 0, conflicts: 0 });
    expect(((await repoB.read('Observation', serverId)) as Observation).status).toBe('amended');
  });

  it('puts a push over a moved server version into the conflict list and overwrites nothing', async () => {
    server = await startMedplumServer();
    const repo = new MemoryRepository();
    await seed(repo, dataSet(2));
    const a = newService(repo);
    await a.saveProfile({ name: 'm', baseUrl: server.baseUrl, auth: { kind: 'none' } });
    await a.push('m', { mode: 'changed' });
    const serverId = (await a.store.idMap('m')).local('Patient', 'p1')!.serverId;
    // Another client edits the server copy; then we edit ours.
    const theirs = (await server.repo.readResource('Patient', serverId)) as Patient;
    await server.repo.updateResource({ ...theirs, gender: 'other' });
    const ours = (await repo.read('Patient', 'p1')) as Patient;
    await repo.update({ ...ours, birthDate: '1999-09-09' });

    const report = await a.push('m', { mode: 'changed' });
    expect(report).toMatchObject({ planned: 1, conflicts: 1, updated: 0 });
    const conflicts = await a.conflicts('m');
    expect(conflicts).toHaveLength(1);
    expect(conflicts[0]).toMatchObject({ resourceType: 'Patient', localId: 'p1', serverId, kind: 'push-precondition' });
    expect((conflicts[0]!.local as Patient).birthDate).toBe('1999-09-09');
    expect((conflicts[0]!.server as Patient).gender).toBe('other');
    // The server keeps the other client's edit; the next push leaves the conflicted resource alone.
    expect(((await server.repo.readResource('Patient', serverId)) as Patient).birthDate).not.toBe('1999-09-09');
    expect((await a.push('m', { mode: 'changed' })).planned).toBe(0);
  });

  it('puts a pull over a local edit into the conflict list', async () => {
    server = await startMedplumServer();
    const { repoA, a, repoB, b } = await pushedAndEmpty(server, 2);
    await b.pull('m', { types: SYNC_TYPES });
    const serverId = (await a.store.idMap('m')).local('Condition', 'c0')!.serverId;
    // B edits its copy; A edits and pushes: B's pull sees both changed.
    const mine = await repoB.read('Condition', serverId);
    await repoB.update({ ...mine, recordedDate: '2020-01-01' } as Resource);
    const theirs = await repoA.read('Condition', 'c0');
    await repoA.update({ ...theirs, recordedDate: '2021-02-02' } as Resource);
    await a.push('m', { mode: 'changed' });

    const pulled = await b.pull('m', { types: SYNC_TYPES });
    expect(pulled.conflicts).toBe(1);
    const conflicts = await b.conflicts('m');
    expect(conflicts.map((c) => [c.kind, c.localId])).toEqual([['pull-both-changed', serverId]]);
    expect((await repoB.read('Condition', serverId) as { recordedDate?: string }).recordedDate).toBe('2020-01-01');
  });

  it('sends one request per resource to a server without transaction or batch', async () => {
    server = await startMedplumServer({ noTransactions: true });
    const repo = new MemoryRepository();
    await seed(repo, dataSet(3));
    const a = newService(repo);
    await a.saveProfile({ name: 'm', baseUrl: server.baseUrl, auth: { kind: 'none' } });
    const report = await a.push('m', { mode: 'changed' });
    expect(report).toMatchObject({ mode: 'single', planned: 15, created: 15, failed: [] });
    const onServer = await serverResources(server);
    expect(onServer).toHaveLength(15);
    expect(unresolvedReferences(onServer)).toEqual([]);
  });

  it('runs push and pull as jobs with progress, and "all" resends what is in step without duplicating', async () => {
    server = await startMedplumServer();
    const events: HearthEvent[] = [];
    const jobs = new JobManager({ onEvent: (e) => events.push(e) });
    const repo = new MemoryRepository();
    await seed(repo, dataSet(4));
    const a = newService(repo, { jobs });
    await a.saveProfile({ name: 'm', baseUrl: server.baseUrl, auth: { kind: 'none' }, chunkSize: 6 });
    // A dry run's job says so in its title (and so in its notification).
    const dry = a.startJob('m', { push: { mode: 'changed', dryRun: true } });
    expect(dry.title).toBe('Dry run: push to m');
    expect((await jobs.whenFinished(dry.id))?.status).toBe('succeeded');
    const dryPull = a.startJob('m', { pull: { dryRun: true } });
    expect(dryPull.title).toBe('Dry run: pull from m');
    expect((await jobs.whenFinished(dryPull.id))?.status).toBe('succeeded');
    expect(await serverResources(server)).toEqual([]);
    const job = a.startJob('m', { push: { mode: 'changed' } });
    expect(job.kind).toBe('sync');
    expect(job.title).toBe('Push to m');
    const done = await jobs.whenFinished(job.id);
    expect(done?.status).toBe('succeeded');
    expect(done?.progress).toMatchObject({ done: 20, total: 20 });
    expect(a.reports.get(job.id)).toMatchObject({ created: 20 });
    expect(events.some((e) => e.type === 'job' && e.job.id === job.id && e.job.status === 'running')).toBe(true);

    const all = await a.push('m', { mode: 'all' });
    expect(all).toMatchObject({ planned: 20, created: 0, failed: [] });
    expect(all.updated + all.unchanged).toBe(20);
    expect(await serverResources(server)).toHaveLength(20);

    const pullJob = a.startJob('m', { pull: { types: SYNC_TYPES } });
    expect((await jobs.whenFinished(pullJob.id))?.status).toBe('succeeded');
    // Our own resources come back as themselves: nothing new locally.
    expect(a.reports.get(pullJob.id)).toMatchObject({ created: 0, updated: 0, conflicts: 0 });
    expect(await localResources(repo)).toHaveLength(20);
  });

  it('serves the sync domain of a session: profiles without secrets, test, push and pull jobs, reports, status', async () => {
    server = await startMedplumServer({ bearer: 'session-token-1' });
    const repo = new MemoryRepository();
    await seed(repo, dataSet(2));
    const session = createSessionFromRepository(repo);
    try {
      const { sync, jobs } = session.services;
      const refused = await sync.saveServer({ name: 'plain', baseUrl: 'http://fhir.example.org/r4', auth: { kind: 'none' } });
      expect(refused.ok).toBe(false);
      const saved = await sync.saveServer({ name: 'm', baseUrl: server.baseUrl, auth: { kind: 'bearer', token: 'session-token-1' } });
      expect(saved.ok && saved.value.auth).toBe('bearer');
      const listed = await sync.servers({});
      expect(listed.ok && listed.value.map((p) => p.name)).toEqual(['m']);
      expect(JSON.stringify(listed)).not.toContain('session-token-1');
      const tested = await sync.test({ name: 'm' });
      expect(tested.ok && tested.value.r4).toBe(true);

      const started = await sync.push({ name: 'm', mode: 'changed', dryRun: false });
      if (!started.ok) throw new Error('push did not start');
      const state = await (async () => {
        for (;;) {
          const job = await jobs.get({ jobId: started.value.id });
          if (job.ok && ['succeeded', 'failed', 'cancelled'].includes(job.value.status)) return job.value;
          await new Promise((r) => setTimeout(r, 20));
        }
      })();
      expect(state.status).toBe('succeeded');
      const report = await sync.report({ jobId: started.value.id });
      expect(report.ok && report.value).toMatchObject({ created: 10, failed: [] });
      const status = await sync.status({ name: 'm' });
      expect(status.ok && status.value.mapped).toBe(10);
      const unknown = await sync.status({ name: 'nope' });
      expect(unknown.ok ? 0 : unknown.error.issue?.[0]?.code).toBe('not-found');
    } finally {
      await session.close();
    }
  });
});

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
