/**
 * Conditional read (http.html#cread) and the `_summary` / `_elements` shapes
 * (search.html#_summary, #elements) on read, vread and search, through the REST handler over the
 * memory repository.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import type { Bundle, CapabilityStatement, Observation, OperationOutcome, Patient, Resource } from '@medplum/fhirtypes';
import { MemoryRepository } from '../../../src-main/fhir/memory-repository';
import { handleFhirRequest, type FhirResponse } from '../../../src-main/fhir/rest/handler';

const BASE = 'http://127.0.0.1:9/fhir';
const SUBSETTED = { system: 'http://terminology.hl7.org/CodeSystem/v3-ObservationValue', code: 'SUBSETTED' };

let repo: MemoryRepository;
let patient: Patient;
let observation: Observation;
const get = (path: string, query = '', headers: Record<string, string> = {}): Promise<FhirResponse> =>
  handleFhirRequest(repo, { method: 'GET', path, query, headers }, { baseUrl: BASE });

const keys = (r: Resource | undefined) => Object.keys(r ?? {}).sort();
const isSubsetted = (r: Resource | undefined) => (r?.meta?.tag ?? []).some((t) => t.system === SUBSETTED.system && t.code === SUBSETTED.code);

beforeAll(async () => {
  repo = new MemoryRepository();
  patient = await repo.create<Patient>({
    resourceType: 'Patient',
    text: { status: 'generated', div: '<div xmlns="http://www.w3.org/1999/xhtml">Ada</div>' },
    active: true,
    name: [{ family: 'Lovelace' }],
    gender: 'female',
    birthDate: '1815-12-10',
    deceasedDateTime: '1852-11-27',
    maritalStatus: { text: 'married' },
    communication: [{ language: { text: 'English' } }],
  });
  observation = await repo.create<Observation>({
    resourceType: 'Observation',
    text: { status: 'generated', div: '<div xmlns="http://www.w3.org/1999/xhtml">HR</div>' },
    status: 'final',
    code: { text: 'heart rate' },
    subject: { reference: `Patient/${patient.id}` },
    valueQuantity: { value: 60, unit: '/min' },
    note: [{ text: 'resting' }],
  });
});

describe('conditional read (http.html#cread)', () => {
  it('If-None-Match: the current ETag (or *) is 304, another is 200', async () => {
    expect((await get(`/Patient/${patient.id}`, '', { 'If-None-Match': 'W/"1"' })).status).toBe(304);
    expect((await get(`/Patient/${patient.id}`, '', { 'If-None-Match': '*' })).status).toBe(304);
    const other = await get(`/Patient/${patient.id}`, '', { 'If-None-Match': 'W/"7"' });
    expect(other.status).toBe(200);
    expect(other.body).toEqual(patient);
  });

  it('If-Modified-Since: at or after the last update is 304 (with ETag), before it is 200', async () => {
    const updatedMs = Date.parse(patient.meta!.lastUpdated!);
    const same = await get(`/Patient/${patient.id}`, '', { 'If-Modified-Since': new Date(updatedMs).toUTCString() });
    expect(same.status).toBe(304);
    expect(same.body).toBeUndefined();
    expect(same.headers['ETag']).toBe('W/"1"');
    expect((await get(`/Patient/${patient.id}`, '', { 'If-Modified-Since': new Date(updatedMs + 60_000).toUTCString() })).status).toBe(304);
    expect((await get(`/Patient/${patient.id}`, '', { 'If-Modified-Since': new Date(updatedMs - 2_000).toUTCString() })).status).toBe(200);
    // An unreadable date is ignored (RFC 7232 §3.3), and If-None-Match wins over If-Modified-Since.
    expect((await get(`/Patient/${patient.id}`, '', { 'If-Modified-Since': 'yesterday' })).status).toBe(200);
    const both = await get(`/Patient/${patient.id}`, '', { 'If-None-Match': 'W/"9"', 'If-Modified-Since': new Date(updatedMs + 60_000).toUTCString() });
    expect(both.status).toBe(200);
  });
});

describe('_summary and _elements on read and vread (search.html#_summary)', () => {
  it('_summary=true keeps the isSummary elements only, tagged SUBSETTED', async () => {
    const response = await get(`/Patient/${patient.id}`, '_summary=true');
    expect(response.status).toBe(200);
    // maritalStatus, communication and text are not summary elements of Patient.
    expect(keys(response.body)).toEqual(['active', 'birthDate', 'deceasedDateTime', 'gender', 'id', 'meta', 'name', 'resourceType']);
    expect(isSubsetted(response.body)).toBe(true);
    const obs = await get(`/Observation/${observation.id}/_history/1`, '_summary=true');
    expect(keys(obs.body)).toEqual(['code', 'id', 'meta', 'resourceType', 'status', 'subject', 'valueQuantity']);
  });

  it('_summary=text keeps text, id, meta and the mandatory elements; data drops text; false is whole', async () => {
    const text = await get(`/Observation/${observation.id}`, '_summary=text');
    expect(keys(text.body)).toEqual(['code', 'id', 'meta', 'resourceType', 'status', 'text']);
    expect(isSubsetted(text.body)).toBe(true);
    const data = await get(`/Patient/${patient.id}`, '_summary=data');
    expect(keys(data.body)).toEqual(keys(patient).filter((k) => k !== 'text'));
    expect(isSubsetted(data.body)).toBe(true);
    const whole = await get(`/Patient/${patient.id}`, '_summary=false');
    expect(whole.body).toEqual(patient);
  });

  it('_elements keeps the listed elements, id and the mandatory ones', async () => {
    const response = await get(`/Observation/${observation.id}`, '_elements=value[x],note');
    expect(keys(response.body)).toEqual(['code', 'id', 'meta', 'note', 'resourceType', 'status', 'valueQuantity']);
    expect(isSubsetted(response.body)).toBe(true);
    // The stored resource is untouched.
    expect((await get(`/Observation/${observation.id}`)).body).toEqual(observation);
  });

  it('refuses _summary=count, bad values and other parameters on a read (400)', async () => {
    for (const query of ['_summary=count', '_summary=maybe', '_elements=Name', 'name=x']) {
      const response = await get(`/Patient/${patient.id}`, query);
      expect(response.status, query).toBe(400);
      expect((response.body as OperationOutcome).resourceType).toBe('OperationOutcome');
    }
  });
});

describe('_summary in search (search.html#_summary)', () => {
  it('_summary=true and text shape every match, _summary=count has no entries', async () => {
    const summary = (await get('/Patient', `_id=${patient.id}&_summary=true`)).body as Bundle;
    expect(keys(summary.entry?.[0]?.resource)).toEqual(['active', 'birthDate', 'deceasedDateTime', 'gender', 'id', 'meta', 'name', 'resourceType']);
    expect(summary.link?.[0]?.url).toContain('_summary=true');
    const text = (await get('/Observation', `_id=${observation.id}&_summary=text`)).body as Bundle;
    expect(keys(text.entry?.[0]?.resource)).toEqual(['code', 'id', 'meta', 'resourceType', 'status', 'text']);
    const count = (await get('/Patient', '_summary=count')).body as Bundle;
    expect(count.total).toBe(1);
    expect(count.entry ?? []).toEqual([]);
  });
});

describe('CapabilityStatement tells what was added', () => {
  it('conditional read, FHIRPath Patch and system search are declared', async () => {
    const response = await get('/metadata');
    const statement = response.body as CapabilityStatement;
    expect(statement.patchFormat).toEqual(['application/json-patch+json', 'application/fhir+json']);
    const rest = statement.rest?.[0];
    expect(rest?.interaction?.map((i) => i.code)).toContain('search-system');
    expect(rest?.resource?.find((r) => r.type === 'Patient')?.conditionalRead).toBe('full-support');
  }, 60_000);
});
