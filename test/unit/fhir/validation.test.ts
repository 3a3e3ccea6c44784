/**
 * Structural validation (validation.html#structure) on its own and on the write path: a table of
 * deliberately broken resources, each refused with the right code at the right FHIRPath location.
 */
import { describe, expect, it } from 'vitest';
import type { Resource } from '@medplum/fhirtypes';
import { MemoryRepository } from '../../../src-main/fhir/memory-repository';
import { OperationOutcomeError } from '../../../src-main/fhir/outcome-error';
import { assertValidResource, validateResource, writeProblems } from '../../../src-main/fhir/validation';
import { runImport } from '../../../src-main/io/importer';
import { BROKEN_CASES } from './validation.cases';

/** A body as a client could send it: the cast is the point, the validator must refuse it. */
function untyped(value: unknown): Resource {
  return value as Resource;
}

function located(issues: readonly { code: string; expression?: string[] }[]): string[] {
  return issues.map((i) => `${i.code} @ ${i.expression?.[0] ?? '(none)'}`);
}

describe('structural validation: broken resources', () => {
  it('has at least 100 cases with distinct names', () => {
    expect(BROKEN_CASES.length).toBeGreaterThanOrEqual(100);
    expect(new Set(BROKEN_CASES.map((c) => c.name)).size).toBe(BROKEN_CASES.length);
  });

  for (const broken of BROKEN_CASES) {
    it(`refuses: ${broken.name}`, () => {
      const problems = writeProblems(structuredClone(broken.resource));
      expect(problems.length, 'refused').toBeGreaterThan(0);
      expect(located(problems)).toContain(`${broken.code} @ ${broken.expression}`);
      for (const problem of problems) expect(problem.severity).toBe('error');
    });
  }

  it('each broken resource is valid once its one fault is undone (the fault is what is reported)', () => {
    // The base resources the table starts from are themselves valid.
    const bases: Resource[] = [
      { resourceType: 'Patient' },
      { resourceType: 'Observation', status: 'final', code: { text: 'heart rate' } },
      { resourceType: 'Encounter', status: 'finished', class: { system: 'http://terminology.hl7.org/CodeSystem/v3-ActCode', code: 'AMB' } },
    ];
    for (const base of bases) expect(located(writeProblems(base))).toEqual([]);
  });
});

describe('structural validation: valid resources', () => {
  const valid: Resource[] = [
    {
      resourceType: 'Patient',
      id: 'p1',
      meta: { profile: ['http://example.org/StructureDefinition/p'], tag: [{ system: 'http://example.org/t', code: 't' }] },
      text: { status: 'generated', div: '<div xmlns="http://www.w3.org/1999/xhtml">Ann</div>' },
      identifier: [{ use: 'official', system: 'http://example.org/mrn', value: '12345' }],
      active: true,
      name: [{ use: 'official', family: 'Chalmers', given: ['Peter', 'James'] }],
      _birthDate: { extension: [{ url: 'http://hl7.org/fhir/StructureDefinition/patient-birthTime', valueDateTime: '1974-12-25T14:35:45-05:00' }] },
      birthDate: '1974-12-25',
      gender: 'male',
      deceasedBoolean: false,
      telecom: [{ system: 'phone', value: '(03) 5555 6473', use: 'work' }],
      managingOrganization: { reference: 'Organization/1' },
      generalPractitioner: [{ reference: 'urn:uuid:2ea4e1a4-6b11-4ae4-8c5b-3f8c3f9d2b7e' }, { reference: 'http://example.org/fhir/Practitioner/9' }],
      contact: [{ name: { family: 'du Marché' }, gender: 'female' }],
    } as Resource,
    {
      resourceType: 'Observation',
      status: 'final',
      code: { coding: [{ system: 'http://loinc.org', code: '8867-4' }] },
      subject: { reference: '#p' },
      contained: [{ resourceType: 'Patient', id: 'p' }],
      effectivePeriod: { start: '2020-01-01T10:00:00Z', end: '2020-01-01T11:00:00.123+02:00' },
      valueQuantity: { value: 72.5, unit: 'beats/minute', system: 'http://unitsofmeasure.org', code: '/min' },
      component: [{ code: { text: 'x' }, valueTime: '23:59:60' }],
    } as Resource,
    // A CodeableConcept bound to a required value set passes with one coding from it among others.
    {
      resourceType: 'Condition',
      subject: { reference: 'Patient/p1/_history/2' },
      clinicalStatus: {
        coding: [
          { system: 'http://example.org/local', code: 'x' },
          { system: 'http://terminology.hl7.org/CodeSystem/condition-clinical', code: 'active' },
        ],
      },
    } as Resource,
    // base64Binary may contain whitespace (datatypes.html#base64Binary).
    { resourceType: 'Binary', contentType: 'text/plain', data: 'aGVs\nbG8g d29y bGQ=' } as Resource,
    // A conditional reference, as a transaction may carry (http.html#trefs).
    { resourceType: 'Observation', status: 'final', code: { text: 'x' }, subject: { reference: 'Patient?identifier=http://example.org/mrn|1' } } as Resource,
  ];
  it('accepts well-formed resources of several kinds', () => {
    for (const resource of valid) expect(located(writeProblems(resource)), resource.resourceType).toEqual([]);
  });
});

describe('validateResource ($validate)', () => {
  it('answers an all-OK outcome for a valid resource', () => {
    const outcome = validateResource({ resourceType: 'Patient', gender: 'other' });
    expect(outcome.issue).toEqual([{ severity: 'information', code: 'informational', diagnostics: 'No issues detected during validation' }]);
  });

  it('lists every problem, errors and warnings, each with its location', () => {
    const outcome = validateResource({
      resourceType: 'Patient',
      gender: 'x',
      birthDate: '2020-13-01',
      nickname: 'B',
      managingOrganization: { reference: 'Patient/1' },
    });
    expect(located(outcome.issue).sort()).toEqual(
      ['code-invalid @ Patient.gender', 'value @ Patient.birthDate', 'structure @ Patient.nickname', 'structure @ Patient.managingOrganization'].sort(),
    );
    const warning = outcome.issue.find((i) => i.expression?.[0] === 'Patient.managingOrganization');
    expect(warning?.severity).toBe('warning');
    // Messages never repeat the values sent (they could be PHI).
    expect(JSON.stringify(outcome)).not.toContain('2020-13-01');
    expect(JSON.stringify(outcome)).not.toContain('"x"');
  });

  it('reports envelope problems without looking further', () => {
    expect(located(validateResource({ resourceType: 'Nope', foo: 1 }).issue)).toEqual(['value @ Resource.resourceType']);
  });

  it('a wrong reference target type is a warning: it does not refuse a write', () => {
    expect(writeProblems({ resourceType: 'Patient', managingOrganization: { reference: 'Patient/1' } })).toEqual([]);
  });
});

describe('validation on the write path', () => {
  it('create, update and writeBatch refuse a broken resource with every problem located', async () => {
    const repo = new MemoryRepository();
    const broken = untyped({ resourceType: 'Patient', gender: 'M', birthDate: '1980-02-30' });
    for (const write of [() => repo.create(broken), () => repo.update({ ...broken, id: 'p' })]) {
      const error = await write().then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(error).toBeInstanceOf(OperationOutcomeError);
      expect(located((error as OperationOutcomeError).outcome.issue).sort()).toEqual(['code-invalid @ Patient.gender', 'value @ Patient.birthDate']);
    }
    const [outcome] = await repo.writeBatch([{ kind: 'update', resource: { ...broken, id: 'q' } }]);
    expect(outcome?.status).toBe('failed');
    expect(await repo.counts()).toEqual([]);
  });

  it('assertValidResource throws a 400 OperationOutcomeError', () => {
    expect(() => assertValidResource({ resourceType: 'Observation' })).toThrow(OperationOutcomeError);
    try {
      assertValidResource({ resourceType: 'Observation' });
    } catch (e) {
      const outcome = (e as OperationOutcomeError).outcome as { status?: number; issue: { code: string; expression?: string[] }[] };
      expect(outcome.status).toBe(400);
      expect(located(outcome.issue)).toEqual(['required @ Observation.status', 'required @ Observation.code']);
    }
  });

  it('import reports a structurally broken record with its line and location, and stores the good ones', async () => {
    const lines = [
      JSON.stringify({ resourceType: 'Patient', id: 'good', gender: 'female' }),
      JSON.stringify({ resourceType: 'Observation', id: 'bad', status: 'final', code: { text: 'x' }, valueQuantity: { value: '1' } }),
      JSON.stringify({ resourceType: 'Patient', id: 'good2' }),
    ];
    const repo = new MemoryRepository();
    const result = await runImport({ repository: repo, sources: [{ kind: 'text', name: 'mixed.ndjson', text: lines.join('\n') }] });
    expect(result.errors.map((e) => [e.line, e.outcome.issue[0]?.code, e.outcome.issue[0]?.expression?.[0]])).toEqual([
      [2, 'structure', 'Observation.value.ofType(Quantity).value'],
    ]);
    expect(await repo.counts()).toEqual([{ resourceType: 'Patient', count: 2 }]);
  });
});
