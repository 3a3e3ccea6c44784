/**
 * Conflict resolution, push scopes and deletions against @medplum/fhir-router over HTTP
 * (medplum-server.ts): keep ours, take theirs and merge each leave both sides equal and the
 * conflict closed; a side that moved meanwhile refreshes the conflict and overwrites nothing;
 * local deletions reach the server with If-Match; saved-query and reviewed-notes scopes push what
 * they match plus the unsynced resources it refers to.
 */
import type { DocumentReference, Patient, Resource } from '@medplum/fhirtypes';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MemoryRepository } from '../../../src-main/fhir/memory-repository';
import { saveQuery } from '../../../src-main/query/saved';
import { emptyRecord, recordToBasic } from '../../../src-main/review/record';
import { sameContent } from '../../../src-main/sync/content';
import { diffResources } from '../../../src-main/sync/diff';
import type { SyncService } from '../../../src-main/sync/service';
import { startMedplumServer, type MedplumServer } from './medplum-server';
import { dataSet, newService, originCounts, seed } from './fixtures';

let server: MedplumServer;
beforeAll(async () => {
  server = await startMedplumServer();
});
afterAll(async () => {
  await server.close();
});

let profiles = 0;
/** A vault with `patients` of the data set pushed to the shared server under a fresh profile (its own origin key). */
async function pushed(patients: number): Promise<{ repo: MemoryRepository; a: SyncService; name: string }> {
  const repo = new MemoryRepository();
  await seed(repo, dataSet(patients));
  const a = newService(repo);
  const name = `m${++profiles}`;
  await a.saveProfile({ name, baseUrl: server.baseUrl, auth: { kind: 'none' } });
  await a.push(name, { mode: 'changed' });
  return { repo, a, name };
}

/** Another client edits the server copy of Patient/p1; then we edit ours; the push conflicts. */
async function conflicted(): Promise<{ repo: MemoryRepository; a: SyncService; name: string; serverId: string }> {
  const v = await pushed(2);
  const serverId = (await v.a.store.idMap(v.name)).local('Patient', 'p1')!.serverId;
  const theirs = (await server.repo.readResource('Patient', serverId)) as Patient;
  await server.repo.updateResource({ ...theirs, gender: 'other' });
  const ours = (await v.repo.read('Patient', 'p1')) as Patient;
  await v.repo.update({ ...ours, birthDate: '1999-09-09' });
  const report = await v.a.push(v.name, { mode: 'changed' });
  expect(report.conflicts).toBe(1);
  return { ...v, serverId };
}

const serverPatient = async (id: string): Promise<Patient> => (await server.repo.readResource('Patient', id)) as Patient;

describe('field-level diff', () => {
  it('lists added, removed and changed JSON paths, server meta and the origin tag aside', () => {
    const ours: Patient = { resourceType: 'Patient', id: 'a', meta: { versionId: '1' }, name: [{ family: 'X', given: ['A', 'B'] }], gender: 'male', active: true };
    const theirs: Patient = { resourceType: 'Patient', id: 'b', meta: { versionId: '7', lastUpdated: '2026-01-01T00:00:00Z' }, name: [{ family: 'X', given: ['A'] }], gender: 'female', birthDate: '2000-01-01' };
    expect(diffResources(ours, theirs)).toEqual([
      { path: 'active', kind: 'removed', ours: true },
      { path: 'birthDate', kind: 'added', theirs: '2000-01-01' },
      { path: 'gender', kind: 'changed', ours: 'male', theirs: 'female' },
      { path: 'name[0].given[1]', kind: 'removed', ours: 'B' },
    ]);
    expect(diffResources(ours, { ...ours, id: 'zzz', meta: { versionId: '9' } })).toEqual([]);
  });
});

describe('conflict resolution against Medplum', () => {
  it('shows both sides in local form with their diff, and "keep ours" sends ours with If-Match', async () => {
    const { a, name, serverId } = await conflicted();
    const detail = await a.conflictDetail(name, 'Patient', 'p1');
    // Theirs is in local form: its link points at our local Patient/p0, so only real edits differ.
    expect(detail.theirs?.id).toBe('p1');
    expect(detail.diff.map((d) => [d.path, d.kind])).toEqual([
      ['birthDate', 'changed'],
      ['gender', 'changed'],
    ]);
    const result = await a.resolveConflict(name, 'Patient', 'p1', { action: 'ours' });
    expect(result).toMatchObject({ outcome: 'resolved', action: 'ours' });
    const onServer = await serverPatient(serverId);
    expect(onServer.birthDate).toBe('1999-09-09');
    expect(onServer.gender).toBe('female');
    expect(server.requests.at(-1)).toMatchObject({ method: 'PUT', status: 200 });
    expect(await a.conflicts(name)).toEqual([]);
    expect((await a.push(name, { mode: 'changed' })).planned).toBe(0);
  });

  it('"take theirs" stores the server version here as a new version; the next pull finds nothing new', async () => {
    const { repo, a, name, serverId } = await conflicted();
    const before = await repo.read('Patient', 'p1');
    const result = await a.resolveConflict(name, 'Patient', 'p1', { action: 'theirs' });
    expect(result.outcome).toBe('resolved');
    const here = (await repo.read('Patient', 'p1')) as Patient;
    expect(here.gender).toBe('other');
    expect(here.birthDate).not.toBe('1999-09-09');
    expect(here.link?.[0]?.other.reference).toBe('Patient/p0');
    expect(here.meta?.versionId).not.toBe(before.meta?.versionId);
    expect((await serverPatient(serverId)).gender).toBe('other');
    expect(await a.conflicts(name)).toEqual([]);
    expect((await a.push(name, { mode: 'changed' })).planned).toBe(0);
    // The shared server holds other tests' patients too: those are created; ours are in step.
    const pulled = await a.pull(name, { types: ['Patient'] });
    expect(pulled).toMatchObject({ updated: 0, conflicts: 0 });
    expect((await repo.read('Patient', 'p1')).meta?.versionId).toBe(here.meta?.versionId);
  });

  it('"merge" validates the merged resource, stores it here and pushes it; an invalid one changes nothing', async () => {
    const { repo, a, name, serverId } = await conflicted();
    const detail = await a.conflictDetail(name, 'Patient', 'p1');
    const invalid: Resource = Object.assign(structuredClone(detail.ours!), { gender: 'sometimes' });
    await expect(a.resolveConflict(name, 'Patient', 'p1', { action: 'merge', resource: invalid })).rejects.toThrow();
    expect(await a.conflicts(name)).toHaveLength(1);
    expect((await repo.read('Patient', 'p1')).meta?.versionId).toBe(detail.ours!.meta?.versionId);

    const merged: Patient = { ...(detail.ours as Patient), gender: 'other' };
    const result = await a.resolveConflict(name, 'Patient', 'p1', { action: 'merge', resource: merged });
    expect(result.outcome).toBe('resolved');
    const here = (await repo.read('Patient', 'p1')) as Patient;
    const there = await serverPatient(serverId);
    expect([here.birthDate, here.gender]).toEqual(['1999-09-09', 'other']);
    expect([there.birthDate, there.gender]).toEqual(['1999-09-09', 'other']);
    expect(await a.conflicts(name)).toEqual([]);
    expect((await a.push(name, { mode: 'changed' })).planned).toBe(0);
  });

  it('refreshes the conflict, writing nothing, when the server moved again before the resolution', async () => {
    const { repo, a, name, serverId } = await conflicted();
    const moved = await serverPatient(serverId);
    await server.repo.updateResource({ ...moved, birthDate: '1901-01-01' });
    const localBefore = await repo.read('Patient', 'p1');
    const result = await a.resolveConflict(name, 'Patient', 'p1', { action: 'ours' });
    expect(result.outcome).toBe('refreshed');
    expect((result.conflict?.server as Patient).birthDate).toBe('1901-01-01');
    expect((await serverPatient(serverId)).birthDate).toBe('1901-01-01');
    expect((await repo.read('Patient', 'p1')).meta?.versionId).toBe(localBefore.meta?.versionId);
    const [open] = await a.conflicts(name);
    expect((open!.server as Patient).birthDate).toBe('1901-01-01');
    // Decided again on what is there now: it goes through.
    expect((await a.resolveConflict(name, 'Patient', 'p1', { action: 'ours' })).outcome).toBe('resolved');
    expect((await serverPatient(serverId)).birthDate).toBe('1999-09-09');
  });

  it('refuses an unknown conflict with not-found', async () => {
    const { a, name } = await pushed(1);
    await expect(a.resolveConflict(name, 'Patient', 'p0', { action: 'ours' })).rejects.toMatchObject({ outcome: { issue: [{ code: 'not-found' }] } });
  });
});

describe('deletions', () => {
  it('sends a local deletion as DELETE with If-Match, marks the map entry, and counts 404/410 as done', async () => {
    const { repo, a, name } = await pushed(2);
    const map = await a.store.idMap(name);
    const obs = map.local('Observation', 'o0-0')!.serverId;
    const cond = map.local('Condition', 'c1')!.serverId;
    await repo.delete('Observation', 'o0-0');
    await repo.delete('Condition', 'c1');
    // The server lost Condition c1 already: its 404/410 counts as done.
    await server.repo.deleteResource('Condition', cond);

    const dry = await a.push(name, { mode: 'changed', dryRun: true });
    expect(dry.plan).toEqual([
      { key: 'Condition/c1', action: 'delete' },
      { key: 'Observation/o0-0', action: 'delete' },
    ]);
    const report = await a.push(name, { mode: 'changed' });
    expect(report).toMatchObject({ planned: 2, deleted: 2, conflicts: 0, failed: [] });
    expect(server.requests.filter((r) => r.method === 'DELETE').map((r) => r.url)).toContain(`/fhir/Observation/${obs}`);
    await expect(server.repo.readResource('Observation', obs)).rejects.toThrow();
    const after = await a.store.all();
    const entries = after.maps.get(name)!.filter((e) => e.deleted);
    expect(entries.map((e) => `${e.resourceType}/${e.localId}`).sort()).toEqual(['Condition/c1', 'Observation/o0-0']);
    expect((await a.status(name)).mapped).toBe(8);
    expect((await a.push(name, { mode: 'changed' })).planned).toBe(0);
  });

  it('turns a deletion over a moved server version into a conflict; "keep ours" then deletes it there', async () => {
    const { repo, a, name } = await pushed(1);
    const serverId = (await a.store.idMap(name)).local('Condition', 'c0')!.serverId;
    const theirs = await server.repo.readResource('Condition', serverId);
    await server.repo.updateResource({ ...theirs, recordedDate: '2022-02-02' } as Resource);
    await repo.delete('Condition', 'c0');
    const report = await a.push(name, { mode: 'changed' });
    expect(report).toMatchObject({ conflicts: 1, failed: [] });
    expect(report.deleted ?? 0).toBe(0);
    await server.repo.readResource('Condition', serverId); // still there
    const detail = await a.conflictDetail(name, 'Condition', 'c0');
    expect(detail.conflict).toMatchObject({ kind: 'push-delete', localDeleted: true });
    expect(detail.ours).toBeUndefined();
    expect(detail.diff.some((d) => d.path === 'recordedDate' && d.kind === 'added')).toBe(true);
    expect((await a.resolveConflict(name, 'Condition', 'c0', { action: 'ours' })).outcome).toBe('resolved');
    await expect(server.repo.readResource('Condition', serverId)).rejects.toThrow();
    expect(await a.conflicts(name)).toEqual([]);
    expect((await a.push(name, { mode: 'changed' })).planned).toBe(0);
  });

  it('"take theirs" on a deletion conflict brings the server version back here', async () => {
    const { repo, a, name, serverId } = await (async () => {
      const v = await pushed(1);
      const id = (await v.a.store.idMap(v.name)).local('Condition', 'c0')!.serverId;
      const theirs = await server.repo.readResource('Condition', id);
      await server.repo.updateResource({ ...theirs, recordedDate: '2023-03-03' } as Resource);
      await v.repo.delete('Condition', 'c0');
      await v.a.push(v.name, { mode: 'changed' });
      return { ...v, serverId: id };
    })();
    expect((await a.resolveConflict(name, 'Condition', 'c0', { action: 'theirs' })).outcome).toBe('resolved');
    const back = await repo.read('Condition', 'c0');
    expect((back as { recordedDate?: string }).recordedDate).toBe('2023-03-03');
    expect(sameContent(back, { ...(await server.repo.readResource('Condition', serverId)), subject: { reference: 'Patient/p0' }, encounter: { reference: 'Encounter/e0' } } as Resource)).toBe(true);
    expect((await a.push(name, { mode: 'changed' })).planned).toBe(0);
  });
});

describe('push scopes', () => {
  it('pushes what a saved query matches and the unsynced resources it refers to, nothing else', async () => {
    const repo = new MemoryRepository();
    await seed(repo, dataSet(3));
    const a = newService(repo);
    const name = `m${++profiles}`;
    await a.saveProfile({ name, baseUrl: server.baseUrl, auth: { kind: 'none' } });
    const saved = await saveQuery(repo, { name: 'heart rate', query: 'Observation?code=http://loinc.org|8867-4&subject=Patient/p2' });
    const dry = await a.push(name, { mode: 'changed', query: saved.id, dryRun: true });
    // o2-1, its patient p2 and its encounter e2 (p2 refers to no one: the p0<->p1 cycle is elsewhere).
    expect(dry.plan?.map((p) => p.key).sort()).toEqual(['Encounter/e2', 'Observation/o2-1', 'Patient/p2']);
    const report = await a.push(name, { mode: 'changed', query: saved.id });
    expect(report).toMatchObject({ planned: 3, created: 3, failed: [] });
    expect((await a.status(name)).mapped).toBe(3);
    await expect(a.push(name, { mode: 'changed', query: 'no-such-query' })).rejects.toMatchObject({ outcome: { issue: [{ code: 'not-found' }] } });
  });

  it('pushes only notes whose review is done, with their patient; deletions are left to whole-type pushes', async () => {
    const repo = new MemoryRepository();
    await seed(repo, dataSet(2));
    const note = (id: string, patient: string): DocumentReference => ({
      resourceType: 'DocumentReference',
      id,
      status: 'current',
      subject: { reference: `Patient/${patient}` },
      content: [{ attachment: { contentType: 'text/plain', data: Buffer.from(`note ${id}`).toString('base64') } }],
    });
    await seed(repo, [note('n1', 'p0'), note('n2', 'p1')]);
    await seed(repo, [recordToBasic({ ...emptyRecord('n1', 'alice'), status: 'done' }), recordToBasic({ ...emptyRecord('n2', 'alice'), status: 'in-progress' })]);
    const a = newService(repo);
    const name = `m${++profiles}`;
    await a.saveProfile({ name, baseUrl: server.baseUrl, auth: { kind: 'none' } });
    const report = await a.push(name, { mode: 'changed', reviewedOnly: true });
    // n1 and Patient/p0, which links to p1 (the cycle): p1 too.
    expect(report).toMatchObject({ planned: 3, created: 3, failed: [] });
    const keys = [...(await a.store.idMap(name)).entries()].map((e) => `${e.resourceType}/${e.localId}`).sort();
    expect(keys).toEqual(['DocumentReference/n1', 'Patient/p0', 'Patient/p1']);
    await repo.delete('DocumentReference', 'n1');
    expect((await a.push(name, { mode: 'changed', reviewedOnly: true })).planned).toBe(0);
    expect((await a.push(name, { mode: 'changed', types: ['DocumentReference'], dryRun: true })).plan).toEqual([
      { key: 'DocumentReference/n2', action: 'create' },
      { key: 'DocumentReference/n1', action: 'delete' },
    ]);
  });

  it('forgets an interrupted push on discard; the next push plans afresh and creates nothing twice', async () => {
    const repo = new MemoryRepository();
    await seed(repo, dataSet(2));
    const a = newService(repo);
    const name = `m${++profiles}`;
    await a.saveProfile({ name, baseUrl: server.baseUrl, auth: { kind: 'none' }, chunkSize: 3 });
    const stop = new AbortController();
    await expect(a.push(name, { mode: 'changed' }, stop.signal, () => stop.abort())).rejects.toThrow();
    expect((await a.status(name)).pendingPush).toMatchObject({ mode: 'changed' });
    expect(await a.discardPendingPush(name)).toEqual({ discarded: true });
    expect((await a.status(name)).pendingPush).toBeUndefined();
    expect(await a.discardPendingPush(name)).toEqual({ discarded: false });
    // The next push is the one asked for (Patients only), not the forgotten run over every type.
    // In step: mapped with a local version (a patient of the p0<->p1 cycle may wait for its fix-up, version '').
    const inStep = async (type?: string): Promise<number> => [...(await a.store.idMap(name)).entries()].filter((e) => e.localVersion !== '' && (!type || e.resourceType === type)).length;
    const patientsBefore = await inStep('Patient');
    const othersBefore = (await inStep()) - patientsBefore;
    const report = await a.push(name, { mode: 'changed', types: ['Patient'] });
    expect(report.planned).toBe(2 - patientsBefore);
    expect(await inStep('Patient')).toBe(2);
    expect((await inStep()) - 2).toBe(othersBefore);
    const before = await inStep();
    const rest = await a.push(name, { mode: 'changed' });
    expect(rest.planned).toBe(10 - before);
    expect(rest.failed).toEqual([]);
    const key = (await a.listProfiles())[0]!.originKey;
    const all = [...(await server.all('Patient')), ...(await server.all('Observation')), ...(await server.all('Encounter')), ...(await server.all('Condition'))];
    const mine = [...originCounts(all).entries()].filter(([code]) => code.startsWith(key));
    expect(mine).toHaveLength(10);
    expect(mine.every(([, n]) => n === 1)).toBe(true);
  });
});
