/**
 * FHIRPath Patch (fhirpatch.html) through the REST handler's PATCH (http.html#patch) over the
 * memory repository: the five operation types, the examples' shapes (value[x] and part-built
 * values), 400 for a malformed Parameters, 422 for an operation that cannot apply, in a
 * transaction too.
 */
import { beforeEach, describe, expect, it } from 'vitest';
import type { Bundle, OperationOutcome, Parameters, ParametersParameter, Patient } from '@medplum/fhirtypes';
import { MemoryRepository } from '../../../src-main/fhir/memory-repository';
import { handleFhirRequest, type FhirResponse } from '../../../src-main/fhir/rest/handler';

const BASE = 'http://127.0.0.1:9/fhir';
let repo: MemoryRepository;

const patchRequest = (path: string, body: unknown, headers: Record<string, string> = {}): Promise<FhirResponse> =>
  handleFhirRequest(
    repo,
    { method: 'PATCH', path, headers: { 'Content-Type': 'application/fhir+json', ...headers }, body: JSON.stringify(body) },
    { baseUrl: BASE },
  );

function operation(type: string, path: string, rest: ParametersParameter[] = []): ParametersParameter {
  return { name: 'operation', part: [{ name: 'type', valueCode: type }, { name: 'path', valueString: path }, ...rest] };
}

const patchOf = (...parameter: ParametersParameter[]): Parameters => ({ resourceType: 'Parameters', parameter });

function issueOf(response: FhirResponse) {
  expect(response.body?.resourceType).toBe('OperationOutcome');
  return (response.body as OperationOutcome).issue?.[0];
}

beforeEach(async () => {
  repo = new MemoryRepository();
  await repo.update<Patient>({
    resourceType: 'Patient',
    id: 'p1',
    active: true,
    birthDate: '1970-01-01',
    deceasedBoolean: false,
    name: [{ family: 'Ada', given: ['A', 'B', 'C'] }],
    identifier: [
      { system: 'urn:a', value: '1' },
      { system: 'urn:b', value: '2' },
    ],
  });
});

describe('FHIRPath Patch (fhirpatch.html)', () => {
  it('add: a single element, an item to a list, a new list, a complex value from parts', async () => {
    const response = await patchRequest(
      '/Patient/p1',
      patchOf(
        operation('add', 'Patient', [{ name: 'name', valueString: 'gender' }, { name: 'value', valueCode: 'female' }]),
        operation('add', 'Patient.name[0]', [{ name: 'name', valueString: 'given' }, { name: 'value', valueString: 'D' }]),
        operation('add', 'Patient', [
          { name: 'name', valueString: 'telecom' },
          { name: 'value', valueContactPoint: { system: 'phone', value: '555' } },
        ]),
        operation('add', 'Patient', [
          { name: 'name', valueString: 'contact' },
          { name: 'value', part: [{ name: 'gender', valueCode: 'male' }, { name: 'name', valueHumanName: { family: 'Babbage' } }] },
        ]),
      ),
    );
    expect(response.status, JSON.stringify(response.body)).toBe(200);
    const patient = response.body as Patient;
    expect(patient.gender).toBe('female');
    expect(patient.name?.[0]?.given).toEqual(['A', 'B', 'C', 'D']);
    // telecom and contact repeat in R4: added as lists.
    expect(patient.telecom).toEqual([{ system: 'phone', value: '555' }]);
    expect(patient.contact).toEqual([{ gender: 'male', name: { family: 'Babbage' } }]);
    expect(patient.meta?.versionId).toBe('2');
    expect(await repo.read('Patient', 'p1')).toEqual(patient);
  });

  it('insert, move, replace and delete by index, by where() and on a choice element', async () => {
    const response = await patchRequest(
      '/Patient/p1',
      patchOf(
        operation('insert', 'Patient.identifier', [{ name: 'index', valueInteger: 1 }, { name: 'value', valueIdentifier: { system: 'urn:c', value: '3' } }]),
        operation('move', 'Patient.name[0].given', [{ name: 'source', valueInteger: 2 }, { name: 'destination', valueInteger: 0 }]),
        operation('replace', "Patient.identifier.where(system='urn:b').value", [{ name: 'value', valueString: '22' }]),
        operation('replace', 'Patient.birthDate', [{ name: 'value', valueDate: '1971-02-02' }]),
        operation('delete', 'Patient.name[0].given[1]'),
        operation('delete', 'Patient.deceased'),
        operation('delete', 'Patient.active'),
        // Deleting what is not there is not an error.
        operation('delete', 'Patient.maritalStatus'),
      ),
    );
    expect(response.status, JSON.stringify(response.body)).toBe(200);
    const patient = response.body as Patient;
    expect(patient.identifier).toEqual([
      { system: 'urn:a', value: '1' },
      { system: 'urn:c', value: '3' },
      { system: 'urn:b', value: '22' },
    ]);
    expect(patient.name?.[0]?.given).toEqual(['C', 'B']);
    expect(patient.birthDate).toBe('1971-02-02');
    expect(patient).not.toHaveProperty('deceasedBoolean');
    expect(patient).not.toHaveProperty('active');
  });

  it('refuses a malformed Parameters with 400', async () => {
    const cases: unknown[] = [
      { resourceType: 'Patient' },
      patchOf({ name: 'op', part: [] }),
      patchOf(operation('frobnicate', 'Patient.active')),
      patchOf({ name: 'operation', part: [{ name: 'type', valueCode: 'delete' }] }),
      patchOf(operation('add', 'Patient', [{ name: 'value', valueBoolean: true }])),
      patchOf(operation('replace', 'Patient.active')),
      patchOf(operation('insert', 'Patient.identifier', [{ name: 'index', valueInteger: -1 }, { name: 'value', valueString: 'x' }])),
      patchOf(operation('delete', 'Patient.name[0.given(')),
    ];
    for (const body of cases) {
      const response = await patchRequest('/Patient/p1', body);
      expect(response.status, JSON.stringify(body)).toBe(400);
      expect(issueOf(response)?.severity).toBe('error');
    }
    expect((await repo.read('Patient', 'p1')).meta?.versionId).toBe('1');
  });

  it('answers 422 for an operation that cannot apply, and stores nothing (all or nothing)', async () => {
    const cases: Parameters[] = [
      patchOf(operation('replace', 'Patient.identifier', [{ name: 'value', valueIdentifier: { value: 'x' } }])),
      patchOf(operation('delete', 'Patient.identifier')),
      patchOf(operation('replace', 'Patient.gender', [{ name: 'value', valueCode: 'male' }])),
      patchOf(operation('insert', 'Patient.identifier', [{ name: 'index', valueInteger: 5 }, { name: 'value', valueIdentifier: { value: 'x' } }])),
      patchOf(operation('move', 'Patient.identifier', [{ name: 'source', valueInteger: 0 }, { name: 'destination', valueInteger: 2 }])),
      patchOf(operation('add', 'Patient', [{ name: 'name', valueString: 'active' }, { name: 'value', valueBoolean: false }])),
      patchOf(operation('delete', 'Patient.active'), operation('replace', 'Patient.gender', [{ name: 'value', valueCode: 'male' }])),
      patchOf(operation('replace', 'Patient.id', [{ name: 'value', valueId: 'other' }])),
    ];
    for (const body of cases) {
      const response = await patchRequest('/Patient/p1', body);
      expect(response.status, JSON.stringify(body)).toBe(422);
    }
    const stored = await repo.read('Patient', 'p1');
    expect(stored.meta?.versionId).toBe('1');
    expect((stored as Patient).active).toBe(true);
  });

  it('a patched resource must still be valid (400), honours If-Match (412), and other media types are 415', async () => {
    const invalid = await patchRequest('/Patient/p1', patchOf(operation('replace', 'Patient.birthDate', [{ name: 'value', valueString: 'not a date' }])));
    expect(invalid.status).toBe(400);
    const stale = await patchRequest('/Patient/p1', patchOf(operation('delete', 'Patient.active')), { 'If-Match': 'W/"9"' });
    expect(stale.status).toBe(412);
    const xml = await patchRequest('/Patient/p1', patchOf(operation('delete', 'Patient.active')), { 'Content-Type': 'application/xml-patch+xml' });
    expect(xml.status).toBe(415);
  });

  it('works as a transaction entry (the Parameters as entry.resource)', async () => {
    const bundle: Bundle = {
      resourceType: 'Bundle',
      type: 'transaction',
      entry: [{ resource: patchOf(operation('replace', 'Patient.active', [{ name: 'value', valueBoolean: false }])), request: { method: 'PATCH', url: 'Patient/p1' } }],
    };
    const response = await handleFhirRequest(
      repo,
      { method: 'POST', path: '/', headers: { 'Content-Type': 'application/fhir+json' }, body: JSON.stringify(bundle) },
      { baseUrl: BASE },
    );
    expect(response.status, JSON.stringify(response.body)).toBe(200);
    expect(((await repo.read('Patient', 'p1')) as Patient).active).toBe(false);
  });
});
