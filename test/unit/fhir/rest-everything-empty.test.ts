/**
 * Type-level `Patient/$everything` (patient-operation-everything.html) with its paging, and Bundles
 * without entries: json.html allows no empty arrays, so a searchset or history with nothing in it
 * has no `entry` at all.
 */
import { describe, expect, it } from 'vitest';
import type { Bundle, Observation, OperationOutcome, Patient } from '@medplum/fhirtypes';
import { MemoryRepository } from '../../../src-main/fhir/memory-repository';
import { handleFhirRequest } from '../../../src-main/fhir/rest/handler';

const BASE = 'http://127.0.0.1:9/fhir';

async function vault(patients: number) {
  const repo = new MemoryRepository();
  for (let i = 0; i < patients; i++) {
    const id = `p${i}`;
    await repo.update<Patient>({ resourceType: 'Patient', id, name: [{ family: `F${i}` }] });
    await repo.update<Observation>({ resourceType: 'Observation', id: `o${i}`, status: 'final', code: { text: 'x' }, subject: { reference: `Patient/${id}` } });
  }
  const get = (path: string, query = '') => handleFhirRequest(repo, { method: 'GET', path, query }, { baseUrl: BASE });
  return { repo, get };
}

const ids = (bundle: Bundle | undefined) => (bundle?.entry ?? []).map((e) => `${e.resource?.resourceType}/${e.resource?.id}`).sort();

describe('GET Patient/$everything (type level)', () => {
  it('pages over all patients, _count patients a page, each with its compartment', async () => {
    const { get } = await vault(3);
    const first = await get('/Patient/$everything', '_count=2');
    expect(first.status).toBe(200);
    const bundle = first.body as Bundle;
    expect(bundle.type).toBe('searchset');
    expect(ids(bundle)).toEqual(['Observation/o0', 'Observation/o1', 'Patient/p0', 'Patient/p1']);
    const next = bundle.link?.find((l) => l.relation === 'next')?.url;
    expect(next).toBe(`${BASE}/Patient/$everything?_count=2&_offset=2`);

    const second = (await get('/Patient/$everything', '_count=2&_offset=2')).body as Bundle;
    expect(ids(second)).toEqual(['Observation/o2', 'Patient/p2']);
    expect(second.link?.some((l) => l.relation === 'next')).toBe(false);
    expect(second.link?.find((l) => l.relation === 'previous')?.url).toBe(`${BASE}/Patient/$everything?_count=2&_offset=0`);

  });

  it('refuses parameters it does not support with a 400 OperationOutcome, and other methods with 405', async () => {
    const { get, repo } = await vault(1);
    const refused = await get('/Patient/$everything', '_since=2020-01-01');
    expect(refused.status).toBe(400);
    expect((refused.body as OperationOutcome).issue[0]).toMatchObject({ code: 'not-supported', expression: ['_since'] });
    expect((await get('/Patient/$everything', '_count=many')).status).toBe(400);
    expect((await handleFhirRequest(repo, { method: 'DELETE', path: '/Patient/$everything' }, { baseUrl: BASE })).status).toBe(405);
  });
});

describe('Bundles with no entries (json.html: no empty arrays)', () => {
  it('leave `entry` out of searchsets, histories and an empty $everything page', async () => {
    const { get } = await vault(1);
    const noMatch = (await get('/Patient', 'name=nobody')).body as Bundle;
    expect(noMatch).toMatchObject({ type: 'searchset', total: 0 });
    expect('entry' in noMatch).toBe(false);
    const countOnly = (await get('/Patient', '_summary=count')).body as Bundle;
    expect('entry' in countOnly).toBe(false);
    const history = (await get('/Encounter/_history')).body as Bundle;
    expect(history.type).toBe('history');
    expect('entry' in history).toBe(false);
    // Without _count: 10 patients a page (here the only one, and no next page).
    const all = (await get('/Patient/$everything')).body as Bundle;
    expect(ids(all)).toEqual(['Observation/o0', 'Patient/p0']);
    expect(all.link?.some((l) => l.relation === 'next')).toBe(false);
    const pastTheEnd = (await get('/Patient/$everything', '_offset=5')).body as Bundle;
    expect('entry' in pastTheEnd).toBe(false);
    // A page with entries keeps them.
    expect(((await get('/Patient')).body as Bundle).entry).toHaveLength(1);
  });
});
