/**
 * The one behaviour suite every ResourceRepository must pass (memory and vault). Each
 * implementation's test file calls `repositoryContract` with a factory for a fresh, empty store.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Bundle, Observation, Patient, Resource } from '@medplum/fhirtypes';
import type { OperationOutcome } from '../../../src-main/api/result';
import { outcomeStatus } from '../../../src-main/api/result';
import { OperationOutcomeError } from '../../../src-main/fhir/outcome-error';
import type { ResourceRepository } from '../../../src-main/fhir/repository';

export interface RepositoryFixture {
  repo: ResourceRepository;
  close(): Promise<void>;
}

/**
 * Invalid bodies as a client could send them (JSON from anywhere): the cast is the point of the
 * test, since the repository must refuse what the type system would.
 */
function untyped(value: unknown): Resource {
  return value as Resource;
}

/** Runs `fn`, expecting an OperationOutcomeError; returns its outcome. */
export async function outcomeOf(fn: () => Promise<unknown>): Promise<OperationOutcome> {
  try {
    await fn();
  } catch (e) {
    if (e instanceof OperationOutcomeError) return e.outcome;
    throw e;
  }
  throw new Error('expected an OperationOutcomeError');
}

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function patient(family: string, extra: Partial<Patient> = {}): Patient {
  return { resourceType: 'Patient', name: [{ family }], ...extra };
}

export function repositoryContract(name: string, makeFixture: () => Promise<RepositoryFixture>): void {
  describe(`ResourceRepository contract: ${name}`, () => {
    let fixture: RepositoryFixture;
    let repo: ResourceRepository;
    beforeEach(async () => {
      fixture = await makeFixture();
      repo = fixture.repo;
    });
    afterEach(async () => {
      await fixture.close();
    });

    it('lists the R4 resource types', () => {
      const types = repo.types();
      expect(types).toContain('Patient');
      expect(types).toContain('Bundle');
      expect(types).not.toContain('DomainResource');
      expect(types).not.toContain('Resource');
      expect(types.length).toBeGreaterThan(140);
    });

    it('creates with a server-assigned id and store-assigned meta (http.html#create)', async () => {
      const before = Date.now();
      const created = await repo.create(
        patient('Smith', { id: 'client-chosen', meta: { versionId: '99', lastUpdated: '2001-01-01T00:00:00Z', tag: [{ code: 't' }] } }),
      );
      expect(created.id).toMatch(/^[0-9a-f-]{36}$/);
      expect(created.id).not.toBe('client-chosen');
      expect(created.meta?.versionId).toBe('1');
      expect(Date.parse(created.meta!.lastUpdated!)).toBeGreaterThanOrEqual(before - 1);
      expect(created.meta?.tag).toEqual([{ code: 't' }]);
      const read = (await repo.read('Patient', created.id!)) as Patient;
      expect(read).toEqual(created);
      expect(read.name?.[0]?.family).toBe('Smith');
    });

    it('answers 404 for an unknown id and refuses unknown types', async () => {
      const missing = await outcomeOf(() => repo.read('Patient', 'nope'));
      expect(missing.issue[0]?.code).toBe('not-found');
      expect(outcomeStatus(missing)).toBe(404);
      const unknownType = await outcomeOf(() => repo.read('Patientt', 'x'));
      expect(unknownType.issue[0]?.diagnostics).toContain('Unknown resource type');
    });

    it('updates, creates on update with a new id, and vreads every version (http.html#update, #vread)', async () => {
      const v1 = await repo.update(patient('A', { id: 'p1' }));
      expect(v1.meta?.versionId).toBe('1');
      await pause(3);
      const v2 = await repo.update(patient('B', { id: 'p1', meta: { versionId: '7' } }));
      expect(v2.meta?.versionId).toBe('2');
      expect(Date.parse(v2.meta!.lastUpdated!)).toBeGreaterThan(Date.parse(v1.meta!.lastUpdated!));
      expect(((await repo.vread('Patient', 'p1', '1')) as Patient).name?.[0]?.family).toBe('A');
      expect(((await repo.vread('Patient', 'p1', '2')) as Patient).name?.[0]?.family).toBe('B');
      expect(((await repo.read('Patient', 'p1')) as Patient).name?.[0]?.family).toBe('B');
      const noVersion = await outcomeOf(() => repo.vread('Patient', 'p1', '3'));
      expect(outcomeStatus(noVersion)).toBe(404);
    });

    it('honours ifMatch and answers 412 on a version conflict (http.html#concurrency)', async () => {
      await repo.update(patient('A', { id: 'p2' }));
      const ok = await repo.update(patient('B', { id: 'p2' }), { ifMatch: 'W/"1"' });
      expect(ok.meta?.versionId).toBe('2');
      const conflict = await outcomeOf(() => repo.update(patient('C', { id: 'p2' }), { ifMatch: '1' }));
      expect(conflict.issue[0]?.code).toBe('conflict');
      expect(outcomeStatus(conflict)).toBe(412);
      const absent = await outcomeOf(() => repo.update(patient('C', { id: 'never' }), { ifMatch: '1' }));
      expect(outcomeStatus(absent)).toBe(412);
      expect(((await repo.read('Patient', 'p2')) as Patient).name?.[0]?.family).toBe('B');
    });

    it('deletes: read answers 410, history keeps every version, deleting again is fine (http.html#delete)', async () => {
      await repo.update(patient('A', { id: 'd1' }));
      await repo.update(patient('B', { id: 'd1' }));
      const deleted = await repo.delete('Patient', 'd1');
      expect(deleted).toEqual({ resourceType: 'Patient', id: 'd1', versionId: '3' });
      const readGone = await outcomeOf(() => repo.read('Patient', 'd1'));
      expect(readGone.issue[0]?.code).toBe('deleted');
      expect(outcomeStatus(readGone)).toBe(410);
      expect(await repo.delete('Patient', 'd1')).toEqual({ resourceType: 'Patient', id: 'd1', versionId: '3' });
      expect(((await repo.vread('Patient', 'd1', '1')) as Patient).name?.[0]?.family).toBe('A');
      expect(outcomeStatus(await outcomeOf(() => repo.vread('Patient', 'd1', '3')))).toBe(410);
      expect(outcomeStatus(await outcomeOf(() => repo.delete('Patient', 'never-was')))).toBe(404);

      const history = await repo.history('Patient', 'd1');
      expect(history.type).toBe('history');
      expect(history.total).toBe(3);
      expect(history.entry?.map((e) => e.request?.method)).toEqual(['DELETE', 'PUT', 'PUT']);
      expect(history.entry?.[0]?.resource).toBeUndefined();
      expect(history.entry?.map((e) => e.response?.etag)).toEqual(['W/"3"', 'W/"2"', 'W/"1"']);
      expect(history.entry?.[2]?.response?.status).toBe('201 Created');
      expect(history.entry?.[1]?.resource?.meta?.versionId).toBe('2');

      const revived = await repo.update(patient('C', { id: 'd1' }));
      expect(revived.meta?.versionId).toBe('4');
      const revivedHistory = await repo.history('Patient', 'd1');
      expect(revivedHistory.entry?.map((e) => e.response?.status)).toEqual(['201 Created', '204 No Content', '200 OK', '201 Created']);
      expect(((await repo.read('Patient', 'd1')) as Patient).name?.[0]?.family).toBe('C');
    });

    it('records a POST in the history of a created resource', async () => {
      const created = await repo.create(patient('P'));
      const history = await repo.history('Patient', created.id!);
      expect(history.entry?.[0]?.request).toEqual({ method: 'POST', url: 'Patient' });
      expect(outcomeStatus(await outcomeOf(() => repo.history('Patient', 'nobody')))).toBe(404);
    });

    it('rejects invalid resources with FHIRPath expressions', async () => {
      const unknown = await outcomeOf(() => repo.create(untyped({ resourceType: 'Patinet' })));
      expect(unknown.issue[0]?.expression).toEqual(['Resource.resourceType']);
      const badId = await outcomeOf(() => repo.update(patient('X', { id: 'bad id!' })));
      expect(badId.issue[0]?.expression).toEqual(['Patient.id']);
      expect(outcomeStatus(badId)).toBe(400);
      const noId = await outcomeOf(() => repo.update(patient('X')));
      expect(noId.issue[0]?.expression).toEqual(['Patient.id']);
      const notObject = await outcomeOf(() => repo.create(untyped([])));
      expect(notObject.issue[0]?.code).toBe('structure');
      expect(await repo.counts()).toEqual([]);
    });

    it('counts current, non-deleted resources per type', async () => {
      await repo.update(patient('A', { id: 'c1' }));
      await repo.update(patient('B', { id: 'c2' }));
      await repo.update(patient('B2', { id: 'c2' }));
      await repo.update({ resourceType: 'Observation', id: 'o1', status: 'final', code: { text: 'x' } } as Observation);
      await repo.delete('Patient', 'c1');
      expect(await repo.counts()).toEqual([
        { resourceType: 'Observation', count: 1 },
        { resourceType: 'Patient', count: 1 },
      ]);
    });

    it('lists a page of current resources, newest first, with the total', async () => {
      for (const id of ['l1', 'l2', 'l3', 'l4']) {
        await repo.update(patient(id, { id }));
        await pause(3);
      }
      await repo.delete('Patient', 'l2');
      const first = await repo.list('Patient', { offset: 0, count: 2 });
      expect(first.total).toBe(3);
      expect(first.resources.map((r) => r.id)).toEqual(['l4', 'l3']);
      const second = await repo.list('Patient', { offset: 2, count: 2 });
      expect(second.resources.map((r) => r.id)).toEqual(['l1']);
      expect((await repo.list('Observation', { offset: 0, count: 5 })).total).toBe(0);
    });

    it('searches by _id, _lastUpdated, with paging links and _total (search.html)', async () => {
      const stamps: string[] = [];
      for (const id of ['s1', 's2', 's3', 's4', 's5']) {
        const saved = await repo.update(patient(id, { id }));
        stamps.push(saved.meta!.lastUpdated!);
        await pause(5);
      }
      const byId = await repo.search('Patient', new URLSearchParams('_id=s2,s4,zz'));
      expect(byId.type).toBe('searchset');
      expect(byId.total).toBe(2);
      expect(byId.entry?.map((e) => e.resource?.id)).toEqual(['s4', 's2']);
      expect(byId.entry?.[0]?.search?.mode).toBe('match');

      const since = await repo.search('Patient', [['_lastUpdated', `ge${stamps[2]}`]]);
      expect(since.entry?.map((e) => e.resource?.id)).toEqual(['s5', 's4', 's3']);
      const after = await repo.search('Patient', [['_lastUpdated', `gt${stamps[2]}`]]);
      expect(after.entry?.map((e) => e.resource?.id)).toEqual(['s5', 's4']);
      const before = await repo.search('Patient', [['_lastUpdated', `lt${stamps[1]}`]]);
      expect(before.entry?.map((e) => e.resource?.id)).toEqual(['s1']);
      const upTo = await repo.search('Patient', [['_lastUpdated', `le${stamps[1]}`]]);
      expect(upTo.entry?.map((e) => e.resource?.id)).toEqual(['s2', 's1']);
      const exact = await repo.search('Patient', [['_lastUpdated', `eq${stamps[3]}`]]);
      expect(exact.entry?.map((e) => e.resource?.id)).toEqual(['s4']);
      const window = await repo.search('Patient', [
        ['_lastUpdated', `ge${stamps[1]}`],
        ['_lastUpdated', `lt${stamps[3]}`],
      ]);
      expect(window.entry?.map((e) => e.resource?.id)).toEqual(['s3', 's2']);
      const wholeDay = await repo.search('Patient', [['_lastUpdated', stamps[0]!.slice(0, 10)]]);
      expect(wholeDay.total).toBeGreaterThanOrEqual(1);

      const page1 = await repo.search('Patient', new URLSearchParams('_count=2'));
      expect(page1.total).toBe(5);
      expect(page1.entry?.map((e) => e.resource?.id)).toEqual(['s5', 's4']);
      const next = page1.link?.find((l) => l.relation === 'next')?.url;
      expect(next).toBe('Patient?_count=2&_offset=2');
      expect(page1.link?.find((l) => l.relation === 'self')?.url).toBe('Patient?_count=2&_offset=0');
      const page3 = await repo.search('Patient', new URLSearchParams(next!.split('?')[1]!.replace('_offset=2', '_offset=4')));
      expect(page3.entry?.map((e) => e.resource?.id)).toEqual(['s1']);
      expect(page3.link?.find((l) => l.relation === 'next')).toBeUndefined();

      const noTotal = await repo.search('Patient', new URLSearchParams('_count=4&_total=none'));
      expect(noTotal.total).toBeUndefined();
      expect(noTotal.link?.find((l) => l.relation === 'next')?.url).toBe('Patient?_total=none&_count=4&_offset=4');
      const countOnly = await repo.search('Patient', new URLSearchParams('_count=0'));
      expect(countOnly.total).toBe(5);
      // json.html: no empty arrays, so no `entry` at all.
      expect(countOnly.entry).toBeUndefined();
    });

    it('refuses unsupported search parameters instead of ignoring them', async () => {
      const unsupported = await outcomeOf(() => repo.search('Patient', new URLSearchParams('colour=blue')));
      expect(unsupported.issue[0]?.code).toBe('not-supported');
      expect(unsupported.issue[0]?.diagnostics).toContain('Unsupported search parameter "colour"');
      const badDate = await outcomeOf(() => repo.search('Patient', new URLSearchParams('_lastUpdated=ge2020-13-01')));
      expect(outcomeStatus(badDate)).toBe(400);
      const badCount = await outcomeOf(() => repo.search('Patient', new URLSearchParams('_count=-1')));
      expect(badCount.issue[0]?.expression).toEqual(['_count']);
    });

    it('writes a batch in one transaction with per-op results, unchanged detection and atomic rollback', async () => {
      const results = await repo.writeBatch([
        { kind: 'create', resource: patient('New'), assignedId: 'assigned-1' },
        { kind: 'update', resource: patient('U1', { id: 'b1' }) },
        { kind: 'update', resource: patient('U2', { id: 'b1' }) },
        { kind: 'update', resource: untyped({ resourceType: 'Nope', id: 'x' }) },
        { kind: 'delete', resourceType: 'Patient', id: 'missing' },
      ]);
      expect(results.map((r) => r.status)).toEqual(['created', 'created', 'updated', 'failed', 'failed']);
      expect(((await repo.read('Patient', 'assigned-1')) as Patient).name?.[0]?.family).toBe('New');
      expect((await repo.read('Patient', 'b1')).meta?.versionId).toBe('2');

      const again = await repo.writeBatch([
        { kind: 'update', resource: patient('U2', { id: 'b1', meta: { versionId: '1', lastUpdated: '1999-01-01T00:00:00Z' } }), skipUnchanged: true },
        { kind: 'update', resource: patient('U3', { id: 'b1' }), skipUnchanged: true },
      ]);
      expect(again.map((r) => r.status)).toEqual(['unchanged', 'updated']);
      const unchanged = again[0];
      if (unchanged?.status === 'unchanged') expect(unchanged.resource.meta?.versionId).toBe('2');
      expect((await repo.read('Patient', 'b1')).meta?.versionId).toBe('3');

      const atomic = await repo.writeBatch(
        [
          { kind: 'update', resource: patient('T1', { id: 't1' }) },
          { kind: 'update', resource: patient('T2', { id: 'bad id' }) },
        ],
        { atomic: true },
      );
      expect(atomic.map((r) => r.status)).toEqual(['rolled-back', 'failed']);
      expect(outcomeStatus(await outcomeOf(() => repo.read('Patient', 't1')))).toBe(404);
      const history: Bundle = await repo.history('Patient', 'b1');
      expect(history.total).toBe(3);
    });

    it('keeps type and system history newest first, with _since and _count paging (http.html#history)', async () => {
      await repo.update(patient('One', { id: 'h1' }));
      await pause(5);
      const since = new Date().toISOString();
      await pause(5);
      await repo.update(patient('Two', { id: 'h1' }));
      await repo.create<Observation>({ resourceType: 'Observation', status: 'final', code: { text: 'x' } });
      await repo.delete('Patient', 'h1');

      const typeLevel = await repo.typeHistory('Patient');
      expect(typeLevel.type).toBe('history');
      expect(typeLevel.entry?.map((e) => e.request?.method)).toEqual(['DELETE', 'PUT', 'PUT']);
      expect(typeLevel.entry?.map((e) => e.response?.etag)).toEqual(['W/"3"', 'W/"2"', 'W/"1"']);
      expect(typeLevel.entry?.[2]?.response?.status).toBe('201 Created');
      expect(typeLevel.entry?.[1]?.response?.status).toBe('200 OK');

      const sinceLevel = await repo.typeHistory('Patient', { since });
      expect(sinceLevel.entry?.map((e) => e.response?.etag)).toEqual(['W/"3"', 'W/"2"']);

      const system = await repo.systemHistory({ count: 2 });
      expect(system.entry).toHaveLength(2);
      const next = system.link?.find((l) => l.relation === 'next')?.url;
      expect(next).toBe('_history?_count=2&_offset=2');
      const rest = await repo.systemHistory({ count: 2, offset: 2 });
      expect(rest.entry).toHaveLength(2);
      expect(rest.link?.some((l) => l.relation === 'next')).toBe(false);
      const types = [...(system.entry ?? []), ...(rest.entry ?? [])].map((e) => e.fullUrl?.split('/')[0]);
      expect(types.sort()).toEqual(['Observation', 'Patient', 'Patient', 'Patient']);

      expect(outcomeStatus(await outcomeOf(() => repo.typeHistory('Nope')))).toBe(404);
      expect(outcomeStatus(await outcomeOf(() => repo.systemHistory({ since: 'yesterday' })))).toBe(400);
    });

    it('scans a type page by page with a keyset, skipping deleted resources, with _since', async () => {
      // Two writes share an instant in one batch: the key still orders them (lastUpdated, then rid).
      await repo.writeBatch([
        { kind: 'update', resource: patient('A', { id: 's1' }) },
        { kind: 'update', resource: patient('B', { id: 's2' }) },
        { kind: 'update', resource: patient('C', { id: 's3' }) },
      ]);
      await repo.create<Observation>({ resourceType: 'Observation', status: 'final', code: { text: 'x' } });
      await pause(5);
      const since = new Date().toISOString();
      await pause(5);
      await repo.update(patient('D', { id: 's4' }));
      await repo.update(patient('E', { id: 's5' }));
      await repo.delete('Patient', 's3');

      const seen: string[] = [];
      let page = await repo.scan('Patient', { limit: 2 });
      let pages = 1;
      for (;;) {
        seen.push(...page.resources.map((r) => r.id ?? ''));
        if (!page.next) break;
        page = await repo.scan('Patient', { limit: 2, after: page.next });
        pages++;
      }
      expect([...seen].sort()).toEqual(['s1', 's2', 's4', 's5']);
      // Oldest first: the batch before the two later updates.
      expect(seen.slice(2)).toEqual(['s4', 's5']);
      expect(pages).toBeGreaterThanOrEqual(2);
      // A full page says where to go on; the page after the last row is empty and says nothing.
      expect(pages).toBe(3);
      expect(page.resources).toEqual([]);
      const first = await repo.scan('Patient', { limit: 1 });
      expect(first.resources[0]).toEqual(await repo.read('Patient', first.resources[0]!.id!));

      const recent = await repo.scan('Patient', { limit: 10, since });
      expect(recent.resources.map((r) => r.id)).toEqual(['s4', 's5']);
      expect(recent.next).toBeUndefined();
      expect((await repo.scan('Observation', { limit: 10 })).resources).toHaveLength(1);
      expect((await repo.scan('Encounter', { limit: 10 })).resources).toEqual([]);

      expect(outcomeStatus(await outcomeOf(() => repo.scan('Nope', { limit: 1 })))).toBe(404);
      expect(outcomeStatus(await outcomeOf(() => repo.scan('Patient', { limit: 0 })))).toBe(400);
      expect(outcomeStatus(await outcomeOf(() => repo.scan('Patient', { limit: 1, since: 'yesterday' })))).toBe(400);
    });
  });
}
