/**
 * The push plan from the last push's watermark (docs/sync.md "Push", step 1; push-plan.ts) and
 * one store transaction per chunk (step 5), against Hearth's own FHIR endpoint over a memory
 * repository (in process, over HTTP, fhir-kit-client): a push of changes reads only what changed,
 * finds local deletions from the store's index, keeps what a push left out of step (a refused
 * resource) in its backlog, and writes its bookkeeping once per chunk.
 */
import type { Condition, Patient, Resource } from '@medplum/fhirtypes';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { MemoryRepository } from '../../../src-main/fhir/memory-repository';
import { warmCapabilities } from '../../../src-main/fhir/rest/capability';
import type { ResourceRepository, WriteOp } from '../../../src-main/fhir/repository';
import { FhirKitTransport } from '../../../src-main/sync/fhir-kit-transport';
import { stateId } from '../../../src-main/sync/store';
import { TransportError, type SyncTransport } from '../../../src-main/sync/transport';
import type { ServerAuth } from '../../../src-main/sync/types';
import { startFhirServer, type FhirServer } from '../../../src-main/transport/fhir-server';
import { dataSet, localResources, newService, originCounts, seed, withWriteBatch } from './fixtures';

const TOKEN = 'plan-test-token-5d2c';
let http: FhirServer | undefined;
afterEach(async () => {
  await http?.close();
  http = undefined;
});
beforeAll(() => warmCapabilities(new MemoryRepository()), 120_000);

/** The local repository with its store transactions that wrote the sync state counted. */
function countingStateWrites(repo: ResourceRepository): { repo: ResourceRepository; stateWrites: () => number } {
  let n = 0;
  const writeBatch: ResourceRepository['writeBatch'] = async (ops, options) => {
    const results = await repo.writeBatch(ops, options);
    const isState = (op: WriteOp) => op.kind === 'update' && op.resource.resourceType === 'Basic' && op.resource.id?.startsWith('sync-state-');
    if (ops.some((op, i) => isState(op) && (results[i]?.status === 'created' || results[i]?.status === 'updated'))) n++;
    return results;
  };
  return { repo: withWriteBatch(repo, writeBatch), stateWrites: () => n };
}

describe('push plan from the last push', () => {
  it('reads only what changed since the last push, sends edits and deletions, and writes once per chunk', async () => {
    const serverRepo = new MemoryRepository();
    http = await startFhirServer({ repo: serverRepo, port: 0, token: TOKEN, warmCapabilities: false });
    const local = new MemoryRepository();
    await seed(local, dataSet(4)); // 20 resources, patients 0 and 1 in a cycle
    const { repo, stateWrites } = countingStateWrites(local);
    const sync = newService(repo);
    await sync.saveProfile({ name: 'hearth', baseUrl: http.baseUrl, auth: { kind: 'bearer', token: TOKEN }, chunkSize: 5 });

    const first = await sync.push('hearth', { mode: 'changed' });
    expect(first).toMatchObject({ planRead: 'full', planned: 20, created: 20, failed: [] });
    // The state's first version (written by the plan's barrier), the run with the first chunk's keys,
    // then one write per chunk (4 and the fix-up of the cycle; the last one also finishes the run).
    expect(stateWrites()).toBe(1 + 1 + 5);
    expect((await sync.status('hearth')).pendingPush).toBeUndefined();

    // Nothing changed: no resource read, nothing planned.
    const idle = await sync.push('hearth', { mode: 'changed', dryRun: true });
    expect(idle).toMatchObject({ planRead: 'since', planned: 0, planExamined: 0 });

    // One edit and one deletion: the plan reads the edited resource only.
    const p2 = (await local.read('Patient', 'p2')) as Patient;
    await local.update({ ...p2, gender: 'other' });
    await local.delete('Observation', 'o3-1');
    const dry = await sync.push('hearth', { mode: 'changed', dryRun: true });
    expect(dry.planRead).toBe('since');
    expect(dry.planExamined).toBe(1);
    expect(dry.plan).toEqual([
      { key: 'Patient/p2', action: 'update' },
      { key: 'Observation/o3-1', action: 'delete' },
    ]);
    const writesBefore = stateWrites();
    const second = await sync.push('hearth', { mode: 'changed' });
    expect(second).toMatchObject({ planned: 2, updated: 1, deleted: 1, failed: [] });
    // The run, the chunk, the end after the deletions (the barrier wrote nothing: the state had not changed).
    expect(stateWrites() - writesBefore).toBe(3);
    const onServer = await localResources(serverRepo);
    expect(onServer).toHaveLength(19);
    expect([...originCounts(onServer).values()].every((n) => n === 1)).toBe(true);
    expect(onServer.find((r) => r.resourceType === 'Patient' && (r as Patient).gender === 'other')).toBeDefined();
    expect((await sync.push('hearth', { mode: 'changed', dryRun: true })).planned).toBe(0);

    // A type-scoped push moves that type's watermark only.
    await local.update({ ...((await local.read('Condition', 'c0')) as Condition), clinicalStatus: { text: 'active' } });
    await local.update({ ...p2, gender: 'female' });
    expect(await sync.push('hearth', { mode: 'changed', types: ['Condition'] })).toMatchObject({ planRead: 'since', planned: 1, updated: 1 });
    expect((await sync.push('hearth', { mode: 'changed', dryRun: true })).plan).toEqual([{ key: 'Patient/p2', action: 'update' }]);
  }, 180_000);

  it('keeps a resource the server refused in the backlog: the next push sends it again though it did not change', async () => {
    const serverRepo = new MemoryRepository();
    http = await startFhirServer({ repo: serverRepo, port: 0, token: TOKEN, warmCapabilities: false });
    const local = new MemoryRepository();
    await seed(local, dataSet(2));
    let refuse = true;
    // The server refuses Condition/c1 once (a 422 in a transaction: the chunk is resent one request at a time).
    const transport = (baseUrl: string, auth: ServerAuth): SyncTransport => {
      const inner = new FhirKitTransport({ baseUrl, auth });
      const refused = (body: Resource): boolean => refuse && body.resourceType === 'Condition' && (body.meta?.tag ?? []).some((t) => t.code?.endsWith(':Condition/c1'));
      const unprocessable = (): TransportError => new TransportError('http', 'Unprocessable', 422);
      return {
        baseUrl: inner.baseUrl,
        capabilities: (signal) => inner.capabilities(signal),
        bundle: async (bundle, signal) => {
          if ((bundle.entry ?? []).some((e) => e.resource && refused(e.resource))) throw unprocessable();
          return inner.bundle(bundle, signal);
        },
        create: async (resource, ifNoneExist, signal) => {
          if (refused(resource)) throw unprocessable();
          return inner.create(resource, ifNoneExist, signal);
        },
        update: (resource, ifMatch, signal) => inner.update(resource, ifMatch, signal),
        read: (type, id, signal) => inner.read(type, id, signal),
        delete: (type, id, ifMatch, signal) => inner.delete(type, id, ifMatch, signal),
        search: (type, params, signal) => inner.search(type, params, signal),
        nextPage: (bundle, signal) => inner.nextPage(bundle, signal),
      };
    };
    const sync = newService(local, { transport });
    await sync.saveProfile({ name: 'hearth', baseUrl: http.baseUrl, auth: { kind: 'bearer', token: TOKEN }, chunkSize: 100 });
    const first = await sync.push('hearth', { mode: 'changed' });
    expect(first.created).toBe(9);
    expect(first.failed.map((f) => `${f.resourceType}/${f.id}`)).toEqual(['Condition/c1']);
    const state = await sync.store.state('hearth');
    expect(state.pushBacklog).toEqual(['Condition/c1']);
    expect(state.pushedThrough?.['*']).toBeDefined();
    expect((await local.read('Basic', stateId('hearth'))).id).toBe(stateId('hearth'));

    refuse = false;
    const again = await sync.push('hearth', { mode: 'changed', dryRun: true });
    expect(again).toMatchObject({ planRead: 'since', planned: 1, plan: [{ key: 'Condition/c1', action: 'create' }] });
    expect(await sync.push('hearth', { mode: 'changed' })).toMatchObject({ created: 1, failed: [] });
    expect((await sync.store.state('hearth')).pushBacklog).toBeUndefined();
    expect(await localResources(serverRepo)).toHaveLength(10);
  }, 180_000);
});

describe('pull sees server deletions', () => {
  it('deletes here what the server deleted, unless it changed here: then a pull-delete conflict', async () => {
    const serverRepo = new MemoryRepository();
    http = await startFhirServer({ repo: serverRepo, port: 0, token: TOKEN, warmCapabilities: false });
    const local = new MemoryRepository();
    await seed(local, dataSet(2));
    const sync = newService(local);
    await sync.saveProfile({ name: 'hearth', baseUrl: http.baseUrl, auth: { kind: 'bearer', token: TOKEN }, chunkSize: 100 });
    expect((await sync.push('hearth', { mode: 'changed' })).created).toBe(10);
    const serverId = async (type: string, id: string): Promise<string> => (await sync.store.idMap('hearth')).local(type, id)!.serverId;

    // Deleted on the server: one unchanged here, one edited here since the push. Never pulled yet: the whole history of the mapped types.
    await serverRepo.delete('Observation', await serverId('Observation', 'o0-0'));
    await serverRepo.delete('Condition', await serverId('Condition', 'c1'));
    const c1 = (await local.read('Condition', 'c1')) as Condition;
    await local.update({ ...c1, note: [{ text: 'edited here' }] });
    const dry = await sync.pull('hearth', { dryRun: true });
    expect(dry).toMatchObject({ deleted: 1, conflicts: 1 });
    expect(dry.plan).toContainEqual({ key: 'Observation/o0-0', action: 'delete' });
    const first = await sync.pull('hearth');
    expect(first).toMatchObject({ via: 'paging', deleted: 1, conflicts: 1, failed: [] });
    await expect(local.read('Observation', 'o0-0')).rejects.toThrow();
    expect((await sync.store.idMap('hearth')).local('Observation', 'o0-0')?.deleted).toBeDefined();
    const [conflict] = await sync.conflicts('hearth');
    expect(conflict).toMatchObject({ resourceType: 'Condition', localId: 'c1', kind: 'pull-delete' });
    expect(conflict!.server).toBeUndefined();
    expect(((await local.read('Condition', 'c1')) as Condition).note?.[0]?.text).toBe('edited here');

    // With a cursor: the history since it; a pull again changes nothing.
    await serverRepo.delete('Observation', await serverId('Observation', 'o1-1'));
    expect(await sync.pull('hearth')).toMatchObject({ deleted: 1, conflicts: 0 });
    await expect(local.read('Observation', 'o1-1')).rejects.toThrow();
    const quiet = await sync.pull('hearth');
    expect(quiet).toMatchObject({ conflicts: 0, created: 0, updated: 0 });
    expect(quiet.deleted ?? 0).toBe(0);
    // The next push sends nothing back (the pairs are history), and keeping ours recreates c1 on the server.
    expect((await sync.push('hearth', { mode: 'changed', dryRun: true })).planned).toBe(0);
    expect(await sync.resolveConflict('hearth', 'Condition', 'c1', { action: 'ours' })).toMatchObject({ outcome: 'resolved' });
    const onServer = await localResources(serverRepo);
    expect(onServer).toHaveLength(8);
    expect([...originCounts(onServer).values()].every((n) => n === 1)).toBe(true);
  }, 180_000);
  it('keeps a local edit made between the pull reading the copy and deleting it: the delete is conditional, a pull-delete conflict instead', async () => {
    const serverRepo = new MemoryRepository();
    http = await startFhirServer({ repo: serverRepo, port: 0, token: TOKEN, warmCapabilities: false });
    const local = new MemoryRepository();
    await seed(local, dataSet(1));
    // The edit lands exactly between the pull's read of Patient/p0 (unchanged then) and its delete:
    // the hook runs when the pull hands its deletions to the store, before the store sees them.
    let edits = 0;
    const racing = withWriteBatch(local, async (ops, options) => {
      if (ops.some((op) => op.kind === 'delete' && op.resourceType === 'Patient' && op.id === 'p0')) {
        const p0 = (await local.read('Patient', 'p0')) as Patient;
        await local.update({ ...p0, gender: 'unknown' });
        edits++;
      }
      return local.writeBatch(ops, options);
    });
    const sync = newService(racing);
    await sync.saveProfile({ name: 'hearth', baseUrl: http.baseUrl, auth: { kind: 'bearer', token: TOKEN } });
    expect((await sync.push('hearth', { mode: 'changed' })).created).toBe(5);
    const map = await sync.store.idMap('hearth');
    await serverRepo.delete('Patient', map.local('Patient', 'p0')!.serverId);
    await serverRepo.delete('Condition', map.local('Condition', 'c0')!.serverId);

    const report = await sync.pull('hearth');
    expect(edits).toBe(1);
    // Condition/c0 (not edited) is deleted here; Patient/p0 keeps the edit and becomes a conflict.
    expect(report).toMatchObject({ deleted: 1, conflicts: 1, failed: [] });
    await expect(local.read('Condition', 'c0')).rejects.toThrow();
    const p0 = (await local.read('Patient', 'p0')) as Patient;
    expect(p0.gender).toBe('unknown');
    const [conflict] = await sync.conflicts('hearth');
    expect(conflict).toMatchObject({ resourceType: 'Patient', localId: 'p0', kind: 'pull-delete' });
    expect(conflict!.local.meta?.versionId).toBe(p0.meta?.versionId);
    expect((await sync.store.idMap('hearth')).local('Patient', 'p0')?.deleted).toBeUndefined();
    // The store's versioned delete itself: a stale version deletes nothing.
    const [stale] = await local.writeBatch([{ kind: 'delete', resourceType: 'Patient', id: 'p0', ifMatch: 'W/"1"' }]);
    expect(stale?.status === 'failed' && stale.outcome.issue?.[0]?.code).toBe('conflict');
    const [fresh] = await local.writeBatch([{ kind: 'delete', resourceType: 'Patient', id: 'p0', ifMatch: `W/"${p0.meta?.versionId}"` }]);
    expect(fresh?.status).toBe('deleted');
  }, 180_000);
});
