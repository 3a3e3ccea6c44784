/**
 * Search behaviour (https://hl7.org/fhir/R4/search.html) every repository must show, per
 * parameter type, modifier and prefix, on a small hand-made corpus. search-memory.test.ts and
 * search-vault.test.ts run it against both stores.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Bundle, Resource } from '@medplum/fhirtypes';
import type { ResourceRepository } from '../../../src-main/fhir/repository';
import { outcomeOf, type RepositoryFixture } from './repository.contract';

/** The corpus: ids are fixed so expectations can name them. */
export const SEARCH_CORPUS: Resource[] = [
  {
    resourceType: 'Patient',
    id: 'p1',
    meta: { tag: [{ system: 'http://example.org/tags', code: 'study-a' }], profile: ['http://example.org/StructureDefinition/p'], source: 'http://example.org/source/a' },
    name: [{ family: 'Müller', given: ['Anna', 'Maria'] }],
    gender: 'female',
    birthDate: '1970-02-03',
    active: true,
    identifier: [{ system: 'http://hospital.example/mrn', value: 'MRN-1' }],
    telecom: [{ system: 'phone', value: '555-0101' }],
    address: [{ city: 'Zürich', postalCode: '8001', country: 'CH' }],
    generalPractitioner: [{ reference: 'Practitioner/dr1' }],
  },
  {
    resourceType: 'Patient',
    id: 'p2',
    meta: { security: [{ system: 'http://terminology.hl7.org/CodeSystem/v3-Confidentiality', code: 'R' }] },
    name: [{ family: 'Smith', given: ['John'] }],
    gender: 'male',
    birthDate: '1980',
    active: false,
    identifier: [{ system: 'http://hospital.example/mrn', value: 'MRN-2' }, { value: 'NOSYS' }],
    address: [{ city: 'Boston', postalCode: '02115', country: 'US' }],
  },
  {
    resourceType: 'Patient',
    id: 'p3',
    name: [{ family: 'Smythe', given: ['Jane'] }],
    gender: 'female',
    birthDate: '1980-06-15',
    deceasedDateTime: '2021-03-04T05:06:07Z',
  },
  { resourceType: 'Patient', id: 'p4', name: [{ text: 'Nameless Person' }] },
  { resourceType: 'Practitioner', id: 'dr1', name: [{ family: 'House' }] },
  {
    resourceType: 'Observation',
    id: 'o1',
    status: 'final',
    code: { coding: [{ system: 'http://loinc.org', code: '29463-7', display: 'Body weight' }], text: 'Weight' },
    subject: { reference: 'Patient/p1' },
    effectiveDateTime: '2020-05-01T10:00:00Z',
    valueQuantity: { value: 70.5, unit: 'kg', system: 'http://unitsofmeasure.org', code: 'kg' },
  },
  {
    resourceType: 'Observation',
    id: 'o2',
    status: 'final',
    code: { coding: [{ system: 'http://loinc.org', code: '29463-7', display: 'Body weight' }] },
    subject: { reference: 'Patient/p2' },
    effectivePeriod: { start: '2020-06-01', end: '2020-06-30' },
    valueQuantity: { value: 100, unit: 'kg', system: 'http://unitsofmeasure.org', code: 'kg' },
  },
  {
    resourceType: 'Observation',
    id: 'o3',
    status: 'preliminary',
    code: { coding: [{ system: 'http://loinc.org', code: '8867-4', display: 'Heart rate' }] },
    subject: { reference: 'http://other.example/fhir/Patient/p1' },
    effectiveDateTime: '2021-01-01',
    valueQuantity: { value: 72, unit: 'beats/minute', system: 'http://unitsofmeasure.org', code: '/min' },
  },
  {
    resourceType: 'Observation',
    id: 'o4',
    status: 'final',
    code: { text: 'Free text only' },
    subject: { reference: 'Patient/p3' },
    valueString: 'negative',
  },
  {
    resourceType: 'RiskAssessment',
    id: 'r1',
    status: 'final',
    subject: { reference: 'Patient/p1' },
    prediction: [{ probabilityDecimal: 0.25 }, { probabilityDecimal: 0.8 }],
  },
  {
    resourceType: 'RiskAssessment',
    id: 'r2',
    status: 'final',
    subject: { reference: 'Patient/p2' },
    prediction: [{ probabilityDecimal: 100 }],
  },
  { resourceType: 'ValueSet', id: 'vs1', status: 'active', url: 'http://example.org/fhir/ValueSet/colours' },
  { resourceType: 'ValueSet', id: 'vs2', status: 'active', url: 'http://example.org/fhir/ValueSet/colours/warm' },
];

function ids(bundle: Bundle): string[] {
  return (bundle.entry ?? []).filter((e) => e.search?.mode === 'match').map((e) => e.resource?.id ?? '');
}

export function searchSuite(name: string, makeFixture: () => Promise<RepositoryFixture>): void {
  describe(`search behaviour: ${name}`, () => {
    let fixture: RepositoryFixture;
    let repo: ResourceRepository;
    /** Ids matching `Type?query`, sorted (order is tested separately). */
    const find = async (type: string, query: string): Promise<string[]> => ids(await repo.search(type, new URLSearchParams(query))).sort();

    beforeAll(async () => {
      fixture = await makeFixture();
      repo = fixture.repo;
      const outcomes = await repo.writeBatch(SEARCH_CORPUS.map((resource) => ({ kind: 'update', resource })));
      expect(outcomes.every((o) => o.status === 'created')).toBe(true);
    });
    afterAll(async () => {
      await fixture.close();
    });

    it('string: starts-with ignoring case and accents, :exact, :contains, HumanName and Address parts (search.html#string)', async () => {
      expect(await find('Patient', 'family=mul')).toEqual(['p1']);
      expect(await find('Patient', 'family=MÜLLER')).toEqual(['p1']);
      expect(await find('Patient', 'family=sm')).toEqual(['p2', 'p3']);
      expect(await find('Patient', 'family:exact=Smith')).toEqual(['p2']);
      expect(await find('Patient', 'family:exact=smith')).toEqual([]);
      expect(await find('Patient', 'family:contains=yth')).toEqual(['p3']);
      expect(await find('Patient', 'name=maria')).toEqual(['p1']);
      expect(await find('Patient', 'name=nameless')).toEqual(['p4']);
      expect(await find('Patient', 'address-city=zurich')).toEqual(['p1']);
      expect(await find('Patient', 'address=bost')).toEqual(['p2']);
      // A literal % or _ is not a wildcard.
      expect(await find('Patient', 'family:contains=%')).toEqual([]);
    });

    it('token: code, system|code, |code, system|, :not, :text, booleans, identifiers (search.html#token)', async () => {
      expect(await find('Observation', 'code=29463-7')).toEqual(['o1', 'o2']);
      expect(await find('Observation', 'code=http://loinc.org|8867-4')).toEqual(['o3']);
      expect(await find('Observation', 'code=http://snomed.info/sct|8867-4')).toEqual([]);
      expect(await find('Observation', 'code=http://loinc.org|')).toEqual(['o1', 'o2', 'o3']);
      expect(await find('Patient', 'identifier=|NOSYS')).toEqual(['p2']);
      expect(await find('Patient', 'identifier=|MRN-1')).toEqual([]);
      expect(await find('Patient', 'identifier=http://hospital.example/mrn|MRN-1')).toEqual(['p1']);
      expect(await find('Patient', 'gender=female')).toEqual(['p1', 'p3']);
      expect(await find('Patient', 'gender:not=female')).toEqual(['p2', 'p4']);
      expect(await find('Patient', 'active=true')).toEqual(['p1']);
      expect(await find('Patient', 'active=false')).toEqual(['p2']);
      expect(await find('Patient', 'phone=555-0101')).toEqual(['p1']);
      expect(await find('Observation', 'code:text=weight')).toEqual(['o1', 'o2']);
      expect(await find('Observation', 'code:text=free')).toEqual(['o4']);
      expect(await find('Observation', 'code:text=rate')).toEqual(['o3']);
    });

    it('reference: Type/id, id, absolute URL, :[type], and resolve() narrowed parameters (search.html#reference)', async () => {
      // o3's absolute URL names a patient on another server: only its URL matches it.
      expect(await find('Observation', 'subject=Patient/p1')).toEqual(['o1']);
      expect(await find('Observation', 'subject=p2')).toEqual(['o2']);
      expect(await find('Observation', 'subject:Patient=p3')).toEqual(['o4']);
      expect(await find('Observation', 'subject:Group=p3')).toEqual([]);
      expect(await find('Observation', 'subject=http://other.example/fhir/Patient/p1')).toEqual(['o3']);
      // `patient` is `subject.where(resolve() is Patient)`: read from the reference's text.
      expect(await find('Observation', 'patient=p1')).toEqual(['o1']);
      expect(await find('Observation', 'patient=http://other.example/fhir/Patient/p1')).toEqual(['o3']);
      expect(await find('Patient', 'general-practitioner=Practitioner/dr1')).toEqual(['p1']);
    });

    it('chained parameters over several levels, with and without a type (search.html#chaining)', async () => {
      expect(await find('Observation', 'subject.name=müller')).toEqual(['o1']);
      expect(await find('Observation', 'subject:Patient.family=smith')).toEqual(['o2']);
      expect(await find('Observation', 'subject.gender=female')).toEqual(['o1', 'o4']);
      expect(await find('Observation', 'patient.general-practitioner.name=house')).toEqual(['o1']);
      expect(await find('Observation', 'subject:Patient.general-practitioner:Practitioner.family=hou,nobody')).toEqual(['o1']);
      expect(await find('Observation', 'subject.birthdate=1980&code=29463-7')).toEqual(['o2']);
      expect(await find('RiskAssessment', 'subject.identifier=http://hospital.example/mrn|MRN-2')).toEqual(['r2']);
    });

    it('reverse chaining with _has, nested too (search.html#has)', async () => {
      expect(await find('Patient', '_has:Observation:patient:code=29463-7')).toEqual(['p1', 'p2']);
      expect(await find('Patient', '_has:Observation:subject:status=preliminary')).toEqual([]);
      expect(await find('Patient', '_has:RiskAssessment:subject:probability=gt0.5')).toEqual(['p1', 'p2']);
      expect(await find('Patient', '_has:RiskAssessment:subject:probability=gt0.5&gender=male')).toEqual(['p2']);
      expect(await find('Practitioner', '_has:Patient:general-practitioner:_has:Observation:patient:code=29463-7')).toEqual(['dr1']);
      expect(await find('Practitioner', '_has:Patient:general-practitioner:_has:Observation:patient:code=8867-4')).toEqual([]);
    });

    it('_include and _revinclude, with :iterate (search.html#include)', async () => {
      const entries = async (type: string, query: string) => {
        const bundle = await repo.search(type, new URLSearchParams(query));
        return (bundle.entry ?? []).map((e) => `${e.search?.mode ?? ''}:${e.resource?.resourceType ?? ''}/${e.resource?.id ?? ''}`).sort();
      };
      expect(await entries('Observation', '_id=o1,o2&_include=Observation:subject')).toEqual([
        'include:Patient/p1',
        'include:Patient/p2',
        'match:Observation/o1',
        'match:Observation/o2',
      ]);
      expect(await entries('Observation', '_id=o1&_include=Observation:subject:Group')).toEqual(['match:Observation/o1']);
      expect(await entries('Observation', '_id=o1&_include=Observation:subject&_include:iterate=Patient:general-practitioner')).toEqual([
        'include:Patient/p1',
        'include:Practitioner/dr1',
        'match:Observation/o1',
      ]);
      expect(await entries('Observation', '_id=o1&_include=Observation:subject&_include=Patient:general-practitioner')).toEqual([
        'include:Patient/p1',
        'match:Observation/o1',
      ]);
      expect(await entries('Patient', '_id=p2&_revinclude=Observation:subject&_revinclude=RiskAssessment:subject')).toEqual([
        'include:Observation/o2',
        'include:RiskAssessment/r2',
        'match:Patient/p2',
      ]);
      expect(await entries('Practitioner', '_id=dr1&_revinclude=Patient:general-practitioner&_revinclude:iterate=Observation:patient')).toEqual([
        'include:Observation/o1',
        'include:Patient/p1',
        'match:Practitioner/dr1',
      ]);
      const bad = await outcomeOf(() => repo.search('Observation', new URLSearchParams('_include=Observation:status')));
      expect(bad.issue[0]?.code).toBe('not-supported');
      const malformed = await outcomeOf(() => repo.search('Observation', new URLSearchParams('_include=subject')));
      expect(malformed.issue[0]?.code).toBe('invalid');
    });

    it('date: prefixes eq ne gt lt ge le sa eb ap over precision ranges and periods (search.html#date)', async () => {
      expect(await find('Patient', 'birthdate=1980')).toEqual(['p2', 'p3']);
      expect(await find('Patient', 'birthdate=1980-06')).toEqual(['p3']);
      // p2's whole-year birth date is not inside June 1980.
      expect(await find('Patient', 'birthdate=eq1980-06-15')).toEqual(['p3']);
      expect(await find('Patient', 'birthdate=ne1980')).toEqual(['p1']);
      expect(await find('Patient', 'birthdate=lt1975')).toEqual(['p1']);
      expect(await find('Patient', 'birthdate=gt1980-03')).toEqual(['p2', 'p3']);
      // ge = gt or eq: p2's "1980" reaches no later than 1980-12-31 and is not inside that day.
      expect(await find('Patient', 'birthdate=ge1980-12-31')).toEqual([]);
      expect(await find('Patient', 'birthdate=ge1980')).toEqual(['p2', 'p3']);
      // le = lt or eq: p2's "1980" starts before 1980-06-15 (the range below it intersects p2).
      expect(await find('Patient', 'birthdate=le1980-06-15')).toEqual(['p1', 'p2', 'p3']);
      expect(await find('Patient', 'birthdate=le1979')).toEqual(['p1']);
      expect(await find('Patient', 'birthdate=le1970-02-03')).toEqual(['p1']);
      expect(await find('Patient', 'birthdate=sa1970-02-03')).toEqual(['p2', 'p3']);
      expect(await find('Patient', 'birthdate=eb1980-06-15')).toEqual(['p1']);
      expect(await find('Patient', 'birthdate=ap1970-02-01')).toEqual(['p1']);
      expect(await find('Observation', 'date=2020-06-15')).toEqual([]);
      expect(await find('Observation', 'date=2020-06')).toEqual(['o2']);
      expect(await find('Observation', 'date=ge2020-06-15')).toEqual(['o2', 'o3']);
      expect(await find('Observation', 'date=lt2020-06-15')).toEqual(['o1', 'o2']);
      expect(await find('Patient', 'death-date=2021-03-04T05:06:07Z')).toEqual(['p3']);
      expect(await find('Patient', 'death-date=2021-03-04T06:06:07%2B01:00')).toEqual(['p3']);
    });

    it('number: implicit precision for eq, and the comparison prefixes (search.html#number)', async () => {
      expect(await find('RiskAssessment', 'probability=0.25')).toEqual(['r1']);
      expect(await find('RiskAssessment', 'probability=0.3')).toEqual(['r1']);
      expect(await find('RiskAssessment', 'probability=0.30')).toEqual([]);
      expect(await find('RiskAssessment', 'probability=100')).toEqual(['r2']);
      expect(await find('RiskAssessment', 'probability=1e2')).toEqual(['r2']);
      expect(await find('RiskAssessment', 'probability=gt0.5')).toEqual(['r1', 'r2']);
      expect(await find('RiskAssessment', 'probability=lt0.5')).toEqual(['r1']);
      expect(await find('RiskAssessment', 'probability=ge100')).toEqual(['r2']);
      expect(await find('RiskAssessment', 'probability=le0.25')).toEqual(['r1']);
      expect(await find('RiskAssessment', 'probability=ne100')).toEqual(['r1']);
      expect(await find('RiskAssessment', 'probability=ap95')).toEqual(['r2']);
    });

    it('quantity: number|system|code, number||unit, prefixes (search.html#quantity)', async () => {
      expect(await find('Observation', 'value-quantity=70.5|http://unitsofmeasure.org|kg')).toEqual(['o1']);
      expect(await find('Observation', 'value-quantity=gt70|http://unitsofmeasure.org|kg')).toEqual(['o1', 'o2']);
      expect(await find('Observation', 'value-quantity=gt70||kg')).toEqual(['o1', 'o2']);
      expect(await find('Observation', 'value-quantity=72||beats/minute')).toEqual(['o3']);
      expect(await find('Observation', 'value-quantity=le72')).toEqual(['o1', 'o3']);
      expect(await find('Observation', 'value-quantity=100|http://other|kg')).toEqual([]);
    });

    it('uri: exact, :below, :above (search.html#uri)', async () => {
      expect(await find('ValueSet', 'url=http://example.org/fhir/ValueSet/colours')).toEqual(['vs1']);
      expect(await find('ValueSet', 'url:below=http://example.org/fhir/ValueSet/colours')).toEqual(['vs1', 'vs2']);
      expect(await find('ValueSet', 'url:above=http://example.org/fhir/ValueSet/colours/warm/red')).toEqual(['vs1', 'vs2']);
    });

    it(':missing, OR by comma, AND by repetition, escaped commas (search.html#combining)', async () => {
      expect(await find('Patient', 'birthdate:missing=true')).toEqual(['p4']);
      expect(await find('Patient', 'birthdate:missing=false')).toEqual(['p1', 'p2', 'p3']);
      expect(await find('Patient', 'family=mul,smy')).toEqual(['p1', 'p3']);
      expect(await find('Patient', 'gender=female&birthdate=1980')).toEqual(['p3']);
      expect(await find('Patient', 'family=s&family=smi')).toEqual(['p2']);
      expect(await find('Patient', 'family:exact=Smith\\,Jr')).toEqual([]);
    });

    it('_tag, _profile, _security, _source, _id and _lastUpdated together (search.html#all)', async () => {
      expect(await find('Patient', '_tag=http://example.org/tags|study-a')).toEqual(['p1']);
      expect(await find('Patient', '_profile=http://example.org/StructureDefinition/p')).toEqual(['p1']);
      expect(await find('Patient', '_security=R')).toEqual(['p2']);
      expect(await find('Patient', '_source=http://example.org/source/a')).toEqual(['p1']);
      expect(await find('Patient', '_id=p1,p2&gender=male')).toEqual(['p2']);
      expect(await find('Patient', '_lastUpdated=gt2000-01-01&family=smy')).toEqual(['p3']);
    });

    it('_sort on several keys, descending too, and stable pages with _total (search.html#sort, #paging)', async () => {
      const order = async (query: string) => ids(await repo.search('Patient', new URLSearchParams(query)));
      expect(await order('_sort=family')).toEqual(['p4', 'p1', 'p2', 'p3']);
      expect(await order('_sort=-family')).toEqual(['p3', 'p2', 'p1', 'p4']);
      expect(await order('_sort=gender,-birthdate')).toEqual(['p4', 'p3', 'p1', 'p2']);
      expect(await order('_sort=-_id')).toEqual(['p4', 'p3', 'p2', 'p1']);
      const first = await repo.search('Patient', new URLSearchParams('_sort=_id&_count=3&gender=female,male'));
      expect(ids(first)).toEqual(['p1', 'p2', 'p3']);
      expect(first.total).toBe(3);
      expect(first.link?.find((l) => l.relation === 'next')).toBeUndefined();
      const page = await repo.search('Patient', new URLSearchParams('_sort=_id&_count=2&_offset=2'));
      expect(ids(page)).toEqual(['p3', 'p4']);
      expect(page.link?.find((l) => l.relation === 'previous')?.url).toBe('Patient?_sort=_id&_count=2&_offset=0');
      expect(page.link?.find((l) => l.relation === 'self')?.url).toBe('Patient?_sort=_id&_count=2&_offset=2');
      const estimate = await repo.search('Patient', new URLSearchParams('gender=female&_total=none'));
      expect(estimate.total).toBeUndefined();
    });

    it('_summary=count, _summary=data and _elements (search.html#summary, #elements)', async () => {
      const count = await repo.search('Patient', new URLSearchParams('gender=female&_summary=count'));
      expect(count.total).toBe(2);
      expect(count.entry ?? []).toEqual([]);
      const subset = await repo.search('Patient', new URLSearchParams('_id=p3&_elements=gender,deceased[x]'));
      const only = subset.entry?.[0]?.resource as Record<string, unknown> & Resource;
      expect(Object.keys(only).sort()).toEqual(['deceasedDateTime', 'gender', 'id', 'meta', 'resourceType']);
      expect(only.meta?.tag?.some((t) => t.code === 'SUBSETTED')).toBe(true);
    });

    it('follows updates and deletions: only the current version is searched', async () => {
      await repo.update({ resourceType: 'Practitioner', id: 'dr2', name: [{ family: 'Before' }] });
      expect(await find('Practitioner', 'family=before')).toEqual(['dr2']);
      await repo.update({ resourceType: 'Practitioner', id: 'dr2', name: [{ family: 'After' }] });
      expect(await find('Practitioner', 'family=before')).toEqual([]);
      expect(await find('Practitioner', 'family=after')).toEqual(['dr2']);
      await repo.delete('Practitioner', 'dr2');
      expect(await find('Practitioner', 'family=after')).toEqual([]);
      await repo.update({ resourceType: 'Practitioner', id: 'dr2', name: [{ family: 'Again' }] });
      expect(await find('Practitioner', 'family=again')).toEqual(['dr2']);
      await repo.delete('Practitioner', 'dr2');
    });

    it('refuses unknown and unsupported parameters, bad values and bad modifiers; lenient handling warns', async () => {
      const unknown = await outcomeOf(() => repo.search('Patient', new URLSearchParams('colour=red')));
      expect(unknown.issue[0]?.code).toBe('not-supported');
      const chained = await outcomeOf(() => repo.search('Observation', new URLSearchParams('subject.colour=x')));
      expect(chained.issue[0]?.code).toBe('not-supported');
      const notReference = await outcomeOf(() => repo.search('Observation', new URLSearchParams('status.name=x')));
      expect(notReference.issue[0]?.code).toBe('not-supported');
      const badHas = await outcomeOf(() => repo.search('Patient', new URLSearchParams('_has:Nothing:patient:code=1')));
      expect(badHas.issue[0]?.code).toBe('invalid');
      const hasNotReference = await outcomeOf(() => repo.search('Patient', new URLSearchParams('_has:Observation:code:status=final')));
      expect(hasNotReference.issue[0]?.code).toBe('not-supported');
      const badDate = await outcomeOf(() => repo.search('Patient', new URLSearchParams('birthdate=gt1980-13')));
      expect(badDate.issue[0]?.code).toBe('invalid');
      expect(badDate.issue[0]?.expression).toEqual(['birthdate']);
      const badNumber = await outcomeOf(() => repo.search('RiskAssessment', new URLSearchParams('probability=lots')));
      expect(badNumber.issue[0]?.code).toBe('invalid');
      const badModifier = await outcomeOf(() => repo.search('Patient', new URLSearchParams('birthdate:exact=1980')));
      expect(badModifier.issue[0]?.code).toBe('invalid');
      const badMissing = await outcomeOf(() => repo.search('Patient', new URLSearchParams('gender:missing=maybe')));
      expect(badMissing.issue[0]?.code).toBe('invalid');
      const badSort = await outcomeOf(() => repo.search('Patient', new URLSearchParams('_sort=colour')));
      expect(badSort.issue[0]?.code).toBe('not-supported');
      const lenient = await repo.search('Patient', new URLSearchParams('colour=red&gender=male'), { handling: 'lenient' });
      expect(ids(lenient)).toEqual(['p2']);
      const warning = lenient.entry?.find((e) => e.search?.mode === 'outcome')?.resource;
      expect(warning?.resourceType).toBe('OperationOutcome');
      expect(JSON.stringify(warning)).toContain('colour');
    });
  });
}
