/**
 * System-level search (search.html#searchcontexts, #_type) through the REST handler over the
 * memory repository: `_type` lists, parameters common to the listed types, the merged order
 * (lastUpdated newest first, then type and id), paging links followed to the end, and the errors.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import type { Bundle, OperationOutcome, Resource } from '@medplum/fhirtypes';
import { MemoryRepository } from '../../../src-main/fhir/memory-repository';
import { handleFhirRequest, type FhirResponse } from '../../../src-main/fhir/rest/handler';

const BASE = 'http://127.0.0.1:9/fhir';
let repo: MemoryRepository;
const get = (query: string, headers: Record<string, string> = {}): Promise<FhirResponse> =>
  handleFhirRequest(repo, { method: 'GET', path: '/', query, headers }, { baseUrl: BASE });

const keysOf = (bundle: Bundle) => (bundle.entry ?? []).filter((e) => e.search?.mode === 'match').map((e) => `${e.resource!.resourceType}/${e.resource!.id!}`);

/** The order the engine promises: lastUpdated newest first, then type, then id. */
function expectedOrder(resources: Resource[]): string[] {
  return [...resources]
    .sort(
      (a, b) =>
        Date.parse(b.meta!.lastUpdated!) - Date.parse(a.meta!.lastUpdated!) ||
        a.resourceType.localeCompare(b.resourceType) ||
        (a.id! < b.id! ? -1 : a.id! > b.id! ? 1 : 0),
    )
    .map((r) => `${r.resourceType}/${r.id!}`);
}

const stored: Resource[] = [];

beforeAll(async () => {
  repo = new MemoryRepository();
  for (let i = 0; i < 4; i++) {
    stored.push(await repo.update({ resourceType: 'Patient', id: `p${i}`, gender: i % 2 ? 'male' : 'female', meta: { tag: [{ system: 'urn:t', code: i < 2 ? 'a' : 'b' }] } }));
    stored.push(
      await repo.update({ resourceType: 'Observation', id: `o${i}`, status: 'final', code: { text: 'x' }, meta: { tag: [{ system: 'urn:t', code: 'a' }] } }),
    );
    stored.push(await repo.update({ resourceType: 'Practitioner', id: `d${i}`, gender: 'female' }));
  }
});

describe('system-level search (search.html#searchcontexts)', () => {
  it('_type=A,B searches both types, merged in the engine order', async () => {
    const response = await get('_type=Patient,Observation&_count=100');
    expect(response.status).toBe(200);
    const bundle = response.body as Bundle;
    expect(bundle.type).toBe('searchset');
    expect(bundle.total).toBe(8);
    expect(keysOf(bundle)).toEqual(expectedOrder(stored.filter((r) => r.resourceType !== 'Practitioner')));
    expect(bundle.entry?.[0]?.fullUrl).toMatch(/^http:\/\/127\.0\.0\.1:9\/fhir\/(Patient|Observation)\//);
  });

  it('a parameter common to the listed types filters each (gender on Patient and Practitioner)', async () => {
    const bundle = (await get('_type=Patient,Practitioner&gender=female')).body as Bundle;
    const expected = stored.filter((r) => (r.resourceType === 'Patient' || r.resourceType === 'Practitioner') && (r as { gender?: string }).gender === 'female');
    expect(keysOf(bundle)).toEqual(expectedOrder(expected));
  });

  it('without _type: every type, with the _ parameters (_tag, _id, _lastUpdated)', async () => {
    const tagged = (await get('_tag=urn:t|a&_count=50')).body as Bundle;
    expect(keysOf(tagged)).toEqual(expectedOrder(stored.filter((r) => r.meta?.tag?.some((t) => t.code === 'a'))));
    const byId = (await get('_id=p1,o2,d3')).body as Bundle;
    expect(keysOf(byId).sort()).toEqual(['Observation/o2', 'Patient/p1', 'Practitioner/d3']);
    const all = (await get('_count=100')).body as Bundle;
    expect(all.total).toBe(12);
    expect(keysOf(all)).toEqual(expectedOrder(stored));
  });

  it('pages with _count and _offset; next/previous links lead through every match once', async () => {
    const seen: string[] = [];
    let url: string | undefined = `${BASE}?_type=Patient,Observation,Practitioner&_count=5`;
    let pages = 0;
    while (url) {
      const query = new URL(url).search;
      const bundle = (await get(query)).body as Bundle;
      seen.push(...keysOf(bundle));
      if (pages > 0) expect(bundle.link?.some((l) => l.relation === 'previous')).toBe(true);
      url = bundle.link?.find((l) => l.relation === 'next')?.url;
      pages++;
    }
    expect(pages).toBe(3);
    expect(seen).toEqual(expectedOrder(stored));
  });

  it('_summary=count gives the total and no entries', async () => {
    const bundle = (await get('_type=Patient,Observation&_summary=count')).body as Bundle;
    expect(bundle.total).toBe(8);
    expect(bundle.entry ?? []).toEqual([]);
  });

  it('refuses a parameter not common to every listed type, an unknown type, _sort, _include and deep paging (400)', async () => {
    for (const query of [
      '_type=Patient,Observation&gender=female',
      'gender=female',
      '_type=Patient,Nonsense',
      '_type=Patient&_sort=_id',
      '_type=Patient&_include=Patient:organization',
      '_type=Patient&nonsense=1',
      '_type=Patient&_offset=990&_count=20',
    ]) {
      const response = await get(query);
      expect(response.status, query).toBe(400);
      expect((response.body as OperationOutcome).resourceType).toBe('OperationOutcome');
    }
    // Lenient handling turns an unknown parameter into a warning entry.
    const lenient = (await get('_type=Patient&nonsense=1', { Prefer: 'handling=lenient' })).body as Bundle;
    expect(keysOf(lenient)).toHaveLength(4);
    expect(lenient.entry?.some((e) => e.search?.mode === 'outcome')).toBe(true);
  });

  it('POST [base]/_search takes a form body', async () => {
    const response = await handleFhirRequest(
      repo,
      { method: 'POST', path: '/_search', headers: { 'Content-Type': 'application/x-www-form-urlencoded' }, body: '_type=Practitioner&_count=2' },
      { baseUrl: BASE },
    );
    expect(response.status).toBe(200);
    expect(keysOf(response.body as Bundle)).toHaveLength(2);
  });
});
