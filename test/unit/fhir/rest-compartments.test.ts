/**
 * Compartment search for every R4 compartment (search.html#compartments, compartmentdefinition.html)
 * through the REST handler over the memory repository: Encounter, RelatedPerson, Practitioner and
 * Device besides Patient, `{def}` (the focal resource itself), the `*` form over every member type,
 * the errors, and the CapabilityStatement's compartment list. The tables of compartments.ts are
 * checked against the spec's own CompartmentDefinition-*.json when ../shared is present.
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import type { Bundle, CapabilityStatement, Resource } from '@medplum/fhirtypes';
import { MemoryRepository } from '../../../src-main/fhir/memory-repository';
import { handleFhirRequest, type FhirResponse } from '../../../src-main/fhir/rest/handler';
import { compartmentMembers, compartmentParams, COMPARTMENT_URLS, type CompartmentType } from '../../../src-main/fhir/rest/compartments';
import { examplesDir } from './examples.shared';

const BASE = 'http://127.0.0.1:9/fhir';
let repo: MemoryRepository;
const get = (p: string, query = ''): Promise<FhirResponse> => handleFhirRequest(repo, { method: 'GET', path: p, query }, { baseUrl: BASE });
const ids = (response: FhirResponse) =>
  ((response.body as Bundle).entry ?? [])
    .filter((e) => e.search?.mode === 'match')
    .map((e) => `${e.resource!.resourceType}/${e.resource!.id!}`)
    .sort();

beforeAll(async () => {
  repo = new MemoryRepository();
  const resources: Resource[] = [
    { resourceType: 'Patient', id: 'p1' },
    { resourceType: 'Practitioner', id: 'dr1' },
    { resourceType: 'Practitioner', id: 'dr2' },
    { resourceType: 'RelatedPerson', id: 'rp1', patient: { reference: 'Patient/p1' } },
    { resourceType: 'Device', id: 'dev1' },
    { resourceType: 'Encounter', id: 'e1', status: 'finished', class: { code: 'AMB' }, subject: { reference: 'Patient/p1' }, participant: [{ individual: { reference: 'Practitioner/dr1' } }] },
    { resourceType: 'Encounter', id: 'e2', status: 'finished', class: { code: 'AMB' }, participant: [{ individual: { reference: 'RelatedPerson/rp1' } }] },
    { resourceType: 'Observation', id: 'o1', status: 'final', code: { text: 'a' }, encounter: { reference: 'Encounter/e1' }, performer: [{ reference: 'Practitioner/dr1' }] },
    { resourceType: 'Observation', id: 'o2', status: 'final', code: { text: 'b' }, encounter: { reference: 'Encounter/e1' }, device: { reference: 'Device/dev1' } },
    { resourceType: 'Observation', id: 'o3', status: 'final', code: { text: 'c' }, encounter: { reference: 'Encounter/e2' }, performer: [{ reference: 'RelatedPerson/rp1' }] },
    { resourceType: 'Observation', id: 'o4', status: 'final', code: { text: 'd' }, subject: { reference: 'Device/dev1' }, performer: [{ reference: 'Practitioner/dr2' }] },
    { resourceType: 'Condition', id: 'c1', subject: { reference: 'Patient/p1' }, encounter: { reference: 'Encounter/e1' }, asserter: { reference: 'Practitioner/dr1' } },
    { resourceType: 'MedicationAdministration', id: 'ma1', status: 'completed', medicationCodeableConcept: { text: 'x' }, subject: { reference: 'Patient/p1' }, effectiveDateTime: '2020-01-01', context: { reference: 'Encounter/e1' }, device: [{ reference: 'Device/dev1' }] },
  ];
  for (const r of resources) await repo.update(r);
});

describe('compartment search (search.html#compartments)', () => {
  it('Encounter/[id]/[type]: by the Encounter compartment parameters (encounter, context)', async () => {
    expect(ids(await get('/Encounter/e1/Observation'))).toEqual(['Observation/o1', 'Observation/o2']);
    expect(ids(await get('/Encounter/e1/Condition'))).toEqual(['Condition/c1']);
    expect(ids(await get('/Encounter/e1/MedicationAdministration'))).toEqual(['MedicationAdministration/ma1']);
    expect(ids(await get('/Encounter/e2/Observation'))).toEqual(['Observation/o3']);
    // Every search feature still applies inside the compartment.
    expect(ids(await get('/Encounter/e1/Observation', 'code:text=b'))).toEqual(['Observation/o2']);
  });

  it('{def}: the focal resource is in its own compartment (Encounter/e1/Encounter is e1 only)', async () => {
    expect(ids(await get('/Encounter/e1/Encounter'))).toEqual(['Encounter/e1']);
    expect(ids(await get('/Practitioner/dr1/Practitioner'))).toEqual(['Practitioner/dr1']);
  });

  it('Practitioner, RelatedPerson and Device compartments', async () => {
    expect(ids(await get('/Practitioner/dr1/Observation'))).toEqual(['Observation/o1']);
    expect(ids(await get('/Practitioner/dr1/Encounter'))).toEqual(['Encounter/e1']);
    expect(ids(await get('/RelatedPerson/rp1/Observation'))).toEqual(['Observation/o3']);
    expect(ids(await get('/RelatedPerson/rp1/Encounter'))).toEqual(['Encounter/e2']);
    // Device: Observation by subject or device.
    expect(ids(await get('/Device/dev1/Observation'))).toEqual(['Observation/o2', 'Observation/o4']);
    expect(ids(await get('/Device/dev1/MedicationAdministration'))).toEqual(['MedicationAdministration/ma1']);
  });

  it('[Compartment]/[id]/*: every member type, _type narrows, links stay in the compartment', async () => {
    expect(ids(await get('/Practitioner/dr1/*'))).toEqual(['Condition/c1', 'Encounter/e1', 'Observation/o1', 'Practitioner/dr1']);
    expect(ids(await get('/Encounter/e1/*', '_type=Observation,Condition'))).toEqual(['Condition/c1', 'Observation/o1', 'Observation/o2']);
    const page = await get('/Encounter/e1/*', '_count=2');
    expect((page.body as Bundle).total).toBe(5);
    expect((page.body as Bundle).link?.find((l) => l.relation === 'next')?.url).toBe(`${BASE}/Encounter/e1/*?_count=2&_offset=2`);
    const outside = await get('/Encounter/e1/*', '_type=Patient');
    expect(outside.status).toBe(400);
    expect(outside.body?.resourceType).toBe('OperationOutcome');
  });

  it('refuses a type outside the compartment, a non-compartment type and a bad id (400 OperationOutcome)', async () => {
    for (const [p, text] of [
      ['/Encounter/e1/Patient', 'not in the Encounter compartment'],
      ['/Organization/o/Observation', 'is not a compartment'],
      ['/Device/dev1/Condition', 'not in the Device compartment'],
    ] as const) {
      const response = await get(p);
      expect(response.status).toBe(400);
      expect(JSON.stringify(response.body)).toContain(text);
    }
    expect((await get('/Encounter/bad$id/*')).status).toBe(400);
    expect((await handleFhirRequest(repo, { method: 'POST', path: '/Encounter/e1/*', body: '{}' }, { baseUrl: BASE })).status).toBe(405);
  });

  it('the CapabilityStatement lists the five compartments (and XML among the formats: rest-xml.test.ts)', async () => {
    const statement = (await get('/metadata')).body as CapabilityStatement;
    expect(statement.rest?.[0]?.compartment).toEqual(Object.values(COMPARTMENT_URLS));
    expect(statement.format).toEqual(['application/fhir+json', 'json', 'application/fhir+xml', 'xml']);
  });
});

describe.skipIf(!existsSync(examplesDir))('compartment tables against the spec CompartmentDefinitions', () => {
  it('match CompartmentDefinition-{patient,encounter,relatedPerson,practitioner,device}.json', () => {
    const files: Record<CompartmentType, string> = {
      Patient: 'patient',
      Encounter: 'encounter',
      RelatedPerson: 'relatedPerson',
      Practitioner: 'practitioner',
      Device: 'device',
    };
    for (const [type, file] of Object.entries(files) as Array<[CompartmentType, string]>) {
      const definition = JSON.parse(readFileSync(path.join(examplesDir, `CompartmentDefinition-${file}.json`), 'utf8')) as {
        url: string;
        resource: Array<{ code: string; param?: string[] }>;
      };
      expect(definition.url).toBe(COMPARTMENT_URLS[type]);
      const expected = definition.resource.filter((r) => (r.param ?? []).length > 0);
      expect(compartmentMembers(type)).toEqual(expected.map((r) => r.code));
      for (const r of expected) expect([type, r.code, compartmentParams(type, r.code)]).toEqual([type, r.code, r.param]);
    }
  });
});
if (!existsSync(examplesDir)) console.warn(`rest-compartments: ${examplesDir} is absent; the table check against the spec is skipped`);
