/**
 * The transport-free FHIR REST handler (src-main/fhir/rest/handler.ts) over the memory repository:
 * every interaction of http.html and every error path answers with the right status and an
 * OperationOutcome, never a thrown error.
 */
import { beforeEach, describe, expect, it } from 'vitest';
import type { Bundle, CapabilityStatement, OperationOutcome, Patient, Resource } from '@medplum/fhirtypes';
import { MemoryRepository } from '../../../src-main/fhir/memory-repository';
import { handleFhirRequest, type FhirRequest, type FhirResponse } from '../../../src-main/fhir/rest/handler';

const BASE = 'http://127.0.0.1:9/fhir';
const JSON_HEADERS = { 'Content-Type': 'application/fhir+json' };

let repo: MemoryRepository;
const call = (request: FhirRequest): Promise<FhirResponse> => handleFhirRequest(repo, request, { baseUrl: BASE });
const post = (path: string, body: unknown, headers: Record<string, string> = {}) =>
  call({ method: 'POST', path, headers: { ...JSON_HEADERS, ...headers }, body: JSON.stringify(body) });
const put = (path: string, body: unknown, headers: Record<string, string> = {}) =>
  call({ method: 'PUT', path, headers: { ...JSON_HEADERS, ...headers }, body: JSON.stringify(body) });
const get = (path: string, query = '', headers: Record<string, string> = {}) => call({ method: 'GET', path, query, headers });

function issueOf(response: FhirResponse) {
  expect(response.body?.resourceType).toBe('OperationOutcome');
  return (response.body as OperationOutcome).issue?.[0];
}

beforeEach(() => {
  repo = new MemoryRepository();
});

describe('FHIR REST handler: instance interactions (http.html)', () => {
  it('creates with a server id, Location, ETag and Last-Modified; reads, vreads and answers If-None-Match with 304', async () => {
    const created = await post('/Patient', { resourceType: 'Patient', id: 'ignored', name: [{ family: 'Ada' }] });
    expect(created.status).toBe(201);
    const patient = created.body as Patient;
    expect(patient.id).not.toBe('ignored');
    expect(created.headers['Location']).toBe(`${BASE}/Patient/${patient.id}/_history/1`);
    expect(created.headers['ETag']).toBe('W/"1"');
    expect(new Date(created.headers['Last-Modified']!).getTime()).toBe(Math.floor(Date.parse(patient.meta!.lastUpdated!) / 1000) * 1000);

    const read = await get(`/Patient/${patient.id}`);
    expect(read.status).toBe(200);
    expect(read.body).toEqual(patient);
    expect((await get(`/Patient/${patient.id}`, '', { 'If-None-Match': 'W/"1"' })).status).toBe(304);
    expect((await get(`/Patient/${patient.id}/_history/1`)).body).toEqual(patient);
    expect((await get(`/Patient/${patient.id}/_history/7`)).status).toBe(404);
  });

  it('updates, creates by update (201), and refuses a stale If-Match with 412', async () => {
    const first = await put('/Patient/p1', { resourceType: 'Patient', id: 'p1' });
    expect(first.status).toBe(201);
    const second = await put('/Patient/p1', { resourceType: 'Patient', id: 'p1', active: true }, { 'If-Match': 'W/"1"' });
    expect(second.status).toBe(200);
    expect(second.headers['ETag']).toBe('W/"2"');
    const stale = await put('/Patient/p1', { resourceType: 'Patient', id: 'p1', active: false }, { 'If-Match': 'W/"1"' });
    expect(stale.status).toBe(412);
    expect(issueOf(stale)?.code).toBe('conflict');
    expect((await put('/Patient/p1', { resourceType: 'Patient', id: 'other' })).status).toBe(400);
    expect((await put('/Patient/p1', { resourceType: 'Patient' })).status).toBe(400);
    expect((await put('/Patient/p1', { resourceType: 'Observation', id: 'p1' })).status).toBe(400);
  });

  it('patches with JSON Patch; a failed test is 422, a non-patch content type 415, a stale If-Match 412', async () => {
    await put('/Patient/p1', { resourceType: 'Patient', id: 'p1', name: [{ family: 'Old' }] });
    const patch = (ops: unknown, headers: Record<string, string> = {}) =>
      call({ method: 'PATCH', path: '/Patient/p1', headers: { 'Content-Type': 'application/json-patch+json', ...headers }, body: JSON.stringify(ops) });
    const ok = await patch([
      { op: 'test', path: '/name/0/family', value: 'Old' },
      { op: 'replace', path: '/name/0/family', value: 'New' },
      { op: 'add', path: '/active', value: true },
    ]);
    expect(ok.status).toBe(200);
    expect((ok.body as Patient).name?.[0]?.family).toBe('New');
    expect((ok.body as Patient).active).toBe(true);
    expect(ok.headers['ETag']).toBe('W/"2"');
    expect((await patch([{ op: 'test', path: '/active', value: false }])).status).toBe(422);
    expect((await patch([{ op: 'remove', path: '/birthDate' }])).status).toBe(422);
    expect((await patch([{ op: 'replace', path: '/id', value: 'x' }])).status).toBe(422);
    expect((await patch({ op: 'add' })).status).toBe(400);
    expect((await patch([{ op: 'add', path: '/__proto__/polluted', value: 1 }])).status).toBe(400);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect((await patch([{ op: 'add', path: '/active', value: false }], { 'If-Match': 'W/"1"' })).status).toBe(412);
    const wrongType = await call({ method: 'PATCH', path: '/Patient/p1', headers: { 'Content-Type': 'text/plain' }, body: '[]' });
    expect(wrongType.status).toBe(415);
    // FHIR JSON is FHIRPath Patch: an array is not a Parameters resource.
    expect((await call({ method: 'PATCH', path: '/Patient/p1', headers: JSON_HEADERS, body: '[]' })).status).toBe(400);
  });

  it('deletes (204); a later read is 410 Gone and the history keeps every version', async () => {
    await put('/Patient/p1', { resourceType: 'Patient', id: 'p1' });
    const deleted = await call({ method: 'DELETE', path: '/Patient/p1' });
    expect(deleted.status).toBe(204);
    expect(deleted.body).toBeUndefined();
    expect((await get('/Patient/p1')).status).toBe(410);
    const history = (await get('/Patient/p1/_history')).body as Bundle;
    expect(history.entry?.map((e) => e.request?.method)).toEqual(['DELETE', 'PUT']);
    expect((await call({ method: 'DELETE', path: '/Patient/never' })).status).toBe(404);
  });

  it('honours Prefer: return=minimal and return=OperationOutcome', async () => {
    const minimal = await post('/Patient', { resourceType: 'Patient' }, { Prefer: 'return=minimal' });
    expect(minimal.status).toBe(201);
    expect(minimal.body).toBeUndefined();
    expect(minimal.headers['Location']).toMatch(/\/Patient\/[^/]+\/_history\/1$/);
    const oo = await post('/Patient', { resourceType: 'Patient' }, { Prefer: 'return=OperationOutcome' });
    expect(issueOf(oo)?.severity).toBe('information');
  });
});

describe('FHIR REST handler: history, search and conditional interactions', () => {
  it('pages history at instance, type and system level with _since and _count', async () => {
    await put('/Patient/p1', { resourceType: 'Patient', id: 'p1' });
    await new Promise((r) => setTimeout(r, 5));
    const since = new Date().toISOString();
    await new Promise((r) => setTimeout(r, 5));
    await put('/Patient/p1', { resourceType: 'Patient', id: 'p1', active: true });
    await put('/Observation/o1', { resourceType: 'Observation', id: 'o1', status: 'final', code: { text: 'x' } });

    const instance = (await get('/Patient/p1/_history', `_since=${encodeURIComponent(since)}`)).body as Bundle;
    expect(instance.entry?.map((e) => e.response?.etag)).toEqual(['W/"2"']);
    const type = (await get('/Patient/_history', '_count=1')).body as Bundle;
    expect(type.entry).toHaveLength(1);
    const next = type.link?.find((l) => l.relation === 'next')?.url;
    expect(next).toBe(`${BASE}/Patient/_history?_count=1&_offset=1`);
    const system = (await get('/_history', `_since=${encodeURIComponent(since)}`)).body as Bundle;
    expect(system.entry?.map((e) => e.fullUrl)).toEqual([`${BASE}/Observation/o1`, `${BASE}/Patient/p1`]);
    expect((await get('/_history', '_since=notadate')).status).toBe(400);
    expect((await get('/_history', '_sort=x')).status).toBe(400);
  });

  it('searches by GET and POST _search with absolute paging links; an unknown parameter is 400', async () => {
    for (const id of ['a', 'b', 'c']) await put(`/Patient/${id}`, { resourceType: 'Patient', id });
    const page = (await get('/Patient', '_count=2')).body as Bundle;
    expect(page.total).toBe(3);
    expect(page.entry).toHaveLength(2);
    expect(page.link?.find((l) => l.relation === 'next')?.url).toBe(`${BASE}/Patient?_count=2&_offset=2`);
    const viaPost = await call({ method: 'POST', path: '/Patient/_search', headers: { 'Content-Type': 'application/x-www-form-urlencoded' }, body: '_id=a,b' });
    expect((viaPost.body as Bundle).total).toBe(2);
    const bad = await get('/Patient', 'no-such-param=1');
    expect(bad.status).toBe(400);
    const lenient = await get('/Patient', 'no-such-param=1', { Prefer: 'handling=lenient' });
    expect(lenient.status).toBe(200);
    expect((lenient.body as Bundle).entry?.some((e) => e.search?.mode === 'outcome')).toBe(true);
    expect((await get('/Patient', '_count=abc')).status).toBe(400);
  });

  it('conditional create (If-None-Exist), update and delete: none, one and several matches', async () => {
    const first = await post('/Patient', { resourceType: 'Patient', active: true });
    const id = (first.body as Patient).id!;
    const again = await post('/Patient', { resourceType: 'Patient' }, { 'If-None-Exist': `_id=${id}` });
    expect(again.status).toBe(200);
    expect((again.body as Patient).id).toBe(id);
    expect((await post('/Patient', { resourceType: 'Patient' }, { 'If-None-Exist': '_id=nobody' })).status).toBe(201);
    expect((await post('/Patient', { resourceType: 'Patient' }, { 'If-None-Exist': '_lastUpdated=ge2000-01-01' })).status).toBe(412);

    const updated = await call({ method: 'PUT', path: '/Patient', query: `_id=${id}`, headers: JSON_HEADERS, body: JSON.stringify({ resourceType: 'Patient', active: false }) });
    expect(updated.status).toBe(200);
    expect((updated.body as Patient).id).toBe(id);
    const createdByUpdate = await call({ method: 'PUT', path: '/Patient', query: '_id=fresh', headers: JSON_HEADERS, body: JSON.stringify({ resourceType: 'Patient' }) });
    expect(createdByUpdate.status).toBe(201);
    expect((await call({ method: 'PUT', path: '/Patient', query: '_lastUpdated=ge2000-01-01', headers: JSON_HEADERS, body: '{"resourceType":"Patient"}' })).status).toBe(412);

    expect((await call({ method: 'DELETE', path: '/Patient', query: '_lastUpdated=ge2000-01-01' })).status).toBe(412);
    expect((await call({ method: 'DELETE', path: '/Patient', query: `_id=${id}` })).status).toBe(204);
    expect((await get(`/Patient/${id}`)).status).toBe(410);
    expect((await call({ method: 'DELETE', path: '/Patient', query: '_id=nobody' })).status).toBe(204);
    expect((await call({ method: 'DELETE', path: '/Patient' })).status).toBe(400);
  });
});

describe('FHIR REST handler: Bundles (http.html#transaction)', () => {
  it('resolves conditional operations by identifier through the search engine', async () => {
    const identifier = [{ system: 'urn:mrn', value: '42' }];
    expect((await post('/Patient', { resourceType: 'Patient', identifier })).status).toBe(201);
    const again = await post('/Patient', { resourceType: 'Patient', identifier }, { 'If-None-Exist': 'identifier=urn:mrn|42' });
    expect(again.status).toBe(200);
    const response = await post('/', {
      resourceType: 'Bundle',
      type: 'transaction',
      entry: [
        {
          resource: { resourceType: 'Observation', status: 'final', code: { text: 'x' }, subject: { reference: 'Patient?identifier=urn:mrn|42' } },
          request: { method: 'POST', url: 'Observation' },
        },
        { resource: { resourceType: 'Patient', identifier, active: true }, request: { method: 'PUT', url: 'Patient?identifier=urn:mrn|42' } },
      ],
    });
    expect(response.status).toBe(200);
    const bundle = response.body as Bundle;
    const patientId = bundle.entry?.[1]?.resource?.id;
    expect(bundle.entry?.[1]?.response?.status).toBe('200 OK');
    expect((bundle.entry?.[0]?.resource as Resource & { subject?: { reference?: string } }).subject?.reference).toBe(`Patient/${patientId}`);
  });

  it('concurrent conditional creates of the same identifier store one resource', async () => {
    const body = { resourceType: 'Patient', identifier: [{ system: 'urn:mrn', value: 'race' }] };
    const answers = await Promise.all(Array.from({ length: 5 }, () => post('/Patient', body, { 'If-None-Exist': 'identifier=urn:mrn|race' })));
    expect(answers.map((a) => a.status).sort()).toEqual([200, 200, 200, 200, 201]);
    expect(((await get('/Patient', 'identifier=urn:mrn|race')).body as Bundle).total).toBe(1);
  });

  it('runs a transaction: urn:uuid and conditional references resolved, results in entry order', async () => {
    await put('/Organization/org1', { resourceType: 'Organization', id: 'org1', name: 'Clinic' });
    const response = await post('/', {
      resourceType: 'Bundle',
      type: 'transaction',
      entry: [
        { fullUrl: 'urn:uuid:0d4f6c2a-1111-4c1e-9b1a-000000000001', resource: { resourceType: 'Patient', managingOrganization: { reference: 'Organization?_id=org1' } }, request: { method: 'POST', url: 'Patient' } },
        {
          resource: { resourceType: 'Observation', status: 'final', code: { text: 'x' }, subject: { reference: 'urn:uuid:0d4f6c2a-1111-4c1e-9b1a-000000000001' } },
          request: { method: 'POST', url: 'Observation' },
        },
        { request: { method: 'GET', url: 'Organization/org1' } },
        { resource: { resourceType: 'Organization', id: 'org1', name: 'Renamed' }, request: { method: 'PUT', url: 'Organization/org1', ifMatch: 'W/"1"' } },
      ],
    });
    expect(response.status).toBe(200);
    const bundle = response.body as Bundle;
    expect(bundle.type).toBe('transaction-response');
    expect(bundle.entry?.map((e) => e.response?.status)).toEqual(['201 Created', '201 Created', '200 OK', '200 OK']);
    const patientId = (bundle.entry?.[0]?.resource as Patient).id!;
    expect((bundle.entry?.[0]?.resource as Patient).managingOrganization?.reference).toBe('Organization/org1');
    const observation = bundle.entry?.[1]?.resource as Resource & { subject?: { reference?: string } };
    expect(observation.subject?.reference).toBe(`Patient/${patientId}`);
    expect(bundle.entry?.[0]?.response?.location).toBe(`${BASE}/Patient/${patientId}/_history/1`);
  });

  it('stores nothing when one transaction entry fails, and names the entry', async () => {
    const response = await post('/', {
      resourceType: 'Bundle',
      type: 'transaction',
      entry: [
        { resource: { resourceType: 'Patient', id: 'keep-out' }, request: { method: 'PUT', url: 'Patient/keep-out' } },
        { resource: { resourceType: 'Patient', id: 'x' }, request: { method: 'PUT', url: 'Patient/x', ifMatch: 'W/"9"' } },
      ],
    });
    expect(response.status).toBe(412);
    expect(issueOf(response)?.expression).toContain('Bundle.entry[1]');
    expect((await get('/Patient/keep-out')).status).toBe(404);
    const unresolved = await post('/', {
      resourceType: 'Bundle',
      type: 'transaction',
      entry: [{ resource: { resourceType: 'Patient', managingOrganization: { reference: 'Organization?_id=nope' } }, request: { method: 'POST', url: 'Patient' } }],
    });
    expect(unresolved.status).toBe(404);
    expect((await get('/Patient')).body).toMatchObject({ total: 0 });
  });

  it('runs a batch entry by entry: a failing entry does not stop the others', async () => {
    const response = await post('/', {
      resourceType: 'Bundle',
      type: 'batch',
      entry: [
        { resource: { resourceType: 'Patient', id: 'b1' }, request: { method: 'PUT', url: 'Patient/b1' } },
        { request: { method: 'GET', url: 'Patient/missing' } },
        { resource: { resourceType: 'Patient' }, request: { method: 'POST', url: 'Patient' } },
        { request: { method: 'DELETE', url: 'Patient/b1' } },
      ],
    });
    const bundle = response.body as Bundle;
    expect(bundle.type).toBe('batch-response');
    expect(bundle.entry?.map((e) => e.response?.status)).toEqual(['201 Created', '404 Not Found', '201 Created', '204 No Content']);
    expect(bundle.entry?.[1]?.response?.outcome?.resourceType).toBe('OperationOutcome');
    expect((await post('/', { resourceType: 'Bundle', type: 'collection' })).status).toBe(400);
  });
});

describe('FHIR REST handler: operations and capabilities', () => {
  it('$validate answers 200 with the issues; $everything returns the patient and says what it could not search', async () => {
    const valid = await post('/Patient/$validate', { resourceType: 'Patient', gender: 'female' });
    expect(valid.status).toBe(200);
    expect(issueOf(valid)?.severity).toBe('information');
    const invalid = await post('/Patient/$validate', { resourceType: 'Patient', gender: 'nonsense' });
    expect((invalid.body as OperationOutcome).issue?.some((i) => i.severity === 'error')).toBe(true);
    const wrapped = await post('/Patient/$validate', { resourceType: 'Parameters', parameter: [{ name: 'resource', resource: { resourceType: 'Patient', id: 'bad id!' } }] });
    expect((wrapped.body as OperationOutcome).issue?.some((i) => i.severity === 'error')).toBe(true);

    await put('/Patient/p1', { resourceType: 'Patient', id: 'p1' });
    await put('/Patient/p2', { resourceType: 'Patient', id: 'p2' });
    await put('/Observation/o1', { resourceType: 'Observation', id: 'o1', status: 'final', code: { text: 'x' }, subject: { reference: 'Patient/p1' } });
    await put('/Observation/o2', { resourceType: 'Observation', id: 'o2', status: 'final', code: { text: 'x' }, subject: { reference: 'Patient/p2' } });
    const everything = (await get('/Patient/p1/$everything')).body as Bundle;
    expect(everything.entry?.[0]?.resource?.id).toBe('p1');
    const ids = everything.entry?.filter((e) => e.search?.mode === 'match').map((e) => `${e.resource?.resourceType}/${e.resource?.id}`);
    expect(ids).toEqual(['Patient/p1', 'Observation/o1']);
    const outcomes = everything.entry?.filter((e) => e.search?.mode === 'outcome') ?? [];
    const matched = everything.entry?.filter((e) => e.search?.mode === 'match') ?? [];
    expect(matched.length + outcomes.length).toBe(everything.entry?.length);
    expect((await get('/Patient/none/$everything')).status).toBe(404);
  });

  it('searches the Patient compartment (search.html#compartments), one or several linking parameters', async () => {
    const obs = (id: string, extra: Record<string, unknown>) =>
      put(`/Observation/${id}`, { resourceType: 'Observation', id, status: 'final', code: { text: 'x' }, ...extra });
    await put('/Patient/p1', { resourceType: 'Patient', id: 'p1' });
    await obs('o1', { subject: { reference: 'Patient/p1' } });
    await obs('o2', { performer: [{ reference: 'Patient/p1' }] });
    await obs('o3', { subject: { reference: 'Patient/p1' }, performer: [{ reference: 'Patient/p1' }] });
    await obs('o4', { subject: { reference: 'Patient/other' } });
    await put('/Encounter/e1', { resourceType: 'Encounter', id: 'e1', status: 'finished', class: { code: 'AMB' }, subject: { reference: 'Patient/p1' } });
    await put('/Encounter/e2', { resourceType: 'Encounter', id: 'e2', status: 'finished', class: { code: 'AMB' }, subject: { reference: 'Patient/p2' } });

    const encounters = (await get('/Patient/p1/Encounter')).body as Bundle;
    expect(encounters.entry?.map((e) => e.resource?.id)).toEqual(['e1']);
    const observations = (await get('/Patient/p1/Observation', '_count=2')).body as Bundle;
    expect(observations.total).toBe(3);
    expect(observations.entry).toHaveLength(2);
    const next = observations.link?.find((l) => l.relation === 'next')?.url;
    expect(next).toBe(`${BASE}/Patient/p1/Observation?_count=2&_offset=2`);
    const rest = (await get('/Patient/p1/Observation', '_count=2&_offset=2')).body as Bundle;
    const ids = [...(observations.entry ?? []), ...(rest.entry ?? [])].map((e) => e.resource?.id).sort();
    expect(ids).toEqual(['o1', 'o2', 'o3']);
    expect((await get('/Patient/p1/Observation', '_id=o2')).body).toMatchObject({ total: 1 });
    // One query (subject OR performer): sorting, totals and paging as in any search.
    const sorted = (await get('/Patient/p1/Observation', '_sort=-_id&_count=2')).body as Bundle;
    expect(sorted.entry?.map((e) => e.resource?.id)).toEqual(['o3', 'o2']);
    expect(sorted.link?.find((l) => l.relation === 'next')?.url).toBe(`${BASE}/Patient/p1/Observation?_sort=-_id&_count=2&_offset=2`);
    expect((await get('/Patient/p1/Observation', 'code:text=x&_total=accurate')).body).toMatchObject({ total: 3 });
    expect((await get('/Patient/p1/Device')).status).toBe(400);
  });

  it('GET /metadata is a CapabilityStatement listing what the engine does', async () => {
    const response = await get('/metadata');
    const cs = response.body as CapabilityStatement;
    expect(cs.resourceType).toBe('CapabilityStatement');
    expect(cs.fhirVersion).toBe('4.0.1');
    const patient = cs.rest?.[0]?.resource?.find((r) => r.type === 'Patient');
    expect(patient?.interaction?.map((i) => i.code)).toContain('patch');
    const names = patient?.searchParam?.map((p) => p.name) ?? [];
    expect(names).toContain('_id');
    expect(names).toContain('_lastUpdated');
    // Every listed parameter is accepted by the engine (the statement tells the truth).
    for (const name of names.slice(0, 40)) {
      const param = patient!.searchParam!.find((p) => p.name === name)!;
      const value = param.type === 'date' ? '2020-01-01' : param.type === 'reference' ? 'Patient/a' : param.type === 'number' || param.type === 'quantity' ? '1' : 'a';
      expect((await get('/Patient', `${name}=${encodeURIComponent(value)}`)).status, name).toBe(200);
    }
  }, 60_000);
});

describe('FHIR REST handler: bad input is a 4xx with an OperationOutcome', () => {
  it.each([
    ['malformed JSON', { method: 'POST', path: '/Patient', headers: JSON_HEADERS, body: '{"resourceType":' }, 400],
    ['no body', { method: 'POST', path: '/Patient', headers: JSON_HEADERS }, 400],
    ['a JSON array body', { method: 'POST', path: '/Patient', headers: JSON_HEADERS, body: '[]' }, 400],
    ['a wrong content type', { method: 'POST', path: '/Patient', headers: { 'Content-Type': 'text/plain' }, body: '{"resourceType":"Patient"}' }, 415],
    ['an unknown type', { method: 'GET', path: '/Nonsense/1' }, 404],
    ['an unknown id', { method: 'GET', path: '/Patient/unknown' }, 404],
    ['a malformed id', { method: 'GET', path: '/Patient/bad%20id' }, 400],
    ['a bad parameter value', { method: 'GET', path: '/Patient', query: '_lastUpdated=yesterday' }, 400],
    ['an unknown _format (XML is supported: rest-xml.test.ts)', { method: 'GET', path: '/Patient', query: '_format=text/turtle' }, 406],
    ['an Accept of only unknown formats', { method: 'GET', path: '/metadata', headers: { Accept: 'text/turtle, application/rdf+xml' } }, 406],
    ['malformed XML', { method: 'POST', path: '/Patient', headers: { 'Content-Type': 'application/fhir+xml' }, body: '<Patient xmlns="http://hl7.org/fhir">' }, 400],
    ['a wrong method', { method: 'POST', path: '/metadata' }, 405],
    ['an unknown path', { method: 'GET', path: '/Patient/1/_history/1/extra' }, 404],
    ['broken percent-encoding', { method: 'GET', path: '/Patient/%E0%A4%A' }, 400],
    ['an invalid resource', { method: 'POST', path: '/Patient', headers: JSON_HEADERS, body: '{"resourceType":"Patient","gender":"nonsense"}' }, 400],
    ['a transaction whose entry is not an array', { method: 'POST', path: '/', headers: JSON_HEADERS, body: '{"resourceType":"Bundle","type":"transaction","entry":"x"}' }, 400],
    ['a batch with a null entry', { method: 'POST', path: '/', headers: JSON_HEADERS, body: '{"resourceType":"Bundle","type":"batch","entry":[null]}' }, 400],
    ['a transaction entry whose fullUrl is a number', {
      method: 'POST', path: '/', headers: JSON_HEADERS,
      body: '{"resourceType":"Bundle","type":"transaction","entry":[{"fullUrl":7,"resource":{"resourceType":"Patient"},"request":{"method":"POST","url":"Patient"}}]}',
    }, 400],
    ['a batch entry whose resource is a string', {
      method: 'POST', path: '/', headers: JSON_HEADERS,
      body: '{"resourceType":"Bundle","type":"batch","entry":[{"resource":"x","request":{"method":"POST","url":"Patient"}}]}',
    }, 400],
  ] satisfies Array<[string, FhirRequest, number]>)('%s', async (_name, request, status) => {
    const response = await call(request);
    expect(response.status).toBe(status);
    expect(response.body?.resourceType).toBe('OperationOutcome');
    expect(JSON.stringify(response.body)).not.toMatch(/at .*\.ts:\d+/);
  });

  it('a 405 carries an Allow header', async () => {
    const response = await call({ method: 'PUT', path: '/_history' });
    expect(response.status).toBe(405);
    expect(response.headers['Allow']).toBe('GET');
  });
});
