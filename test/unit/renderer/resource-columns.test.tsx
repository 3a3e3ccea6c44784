// @vitest-environment jsdom
import type { Resource } from '@medplum/fhirtypes';
import { describe, expect, it } from 'vitest';
import { formatDateTime, formatPeriod, narrativeText } from '../../../src-renderer/src/lib/fhir-format';
import { columnsFor, resourceSummary } from '../../../src-renderer/src/lib/resource-columns';

function row(resource: Resource): Record<string, string> {
  return Object.fromEntries(columnsFor(resource.resourceType).map((column) => [column.label, column.value(resource)]));
}

describe('resource table columns', () => {
  it('shows a Patient by official name, gender, birth date and id', () => {
    const patient: Resource = {
      resourceType: 'Patient',
      id: 'p1',
      name: [
        { use: 'nickname', given: ['Bob'] },
        { use: 'official', prefix: ['Mr.'], given: ['Robert', 'J'], family: 'Smith' },
      ],
      gender: 'male',
      birthDate: '1970-03-04',
    };
    expect(row(patient)).toEqual({ Name: 'Mr. Robert J Smith', Gender: 'male', 'Birth date': '1970-03-04', Id: 'p1' });
  });

  it('shows an Observation value[x] with its unit, or its components', () => {
    const weight: Resource = {
      resourceType: 'Observation',
      status: 'final',
      code: { coding: [{ system: 'http://loinc.org', code: '29463-7', display: 'Body weight' }] },
      valueQuantity: { value: 72.30000001, unit: 'kg' },
      effectiveDateTime: '2019-02-12T14:32:11-05:00',
      subject: { reference: 'Patient/p1' },
    };
    expect(row(weight)).toEqual({ Code: 'Body weight', Value: '72.3 kg', Effective: '2019-02-12 14:32', Subject: 'Patient/p1' });
    const pressure: Resource = {
      resourceType: 'Observation',
      status: 'final',
      code: { text: 'Blood pressure' },
      component: [
        { code: { text: 'Systolic' }, valueQuantity: { value: 120, unit: 'mm[Hg]' } },
        { code: { text: 'Diastolic' }, valueQuantity: { value: 80, unit: 'mm[Hg]' } },
      ],
      effectivePeriod: { start: '2020-01-01', end: '2020-01-02' },
    };
    expect(row(pressure).Value).toBe('Systolic: 120 mm[Hg]; Diastolic: 80 mm[Hg]');
    expect(row(pressure).Effective).toBe('2020-01-01 → 2020-01-02');
    const coded: Resource = { resourceType: 'Observation', status: 'final', code: { text: 'Smoking' }, valueCodeableConcept: { text: 'Never smoker' } };
    expect(row(coded).Value).toBe('Never smoker');
  });

  it('shows Condition, Encounter, MedicationRequest, Immunization and DiagnosticReport columns', () => {
    expect(
      row({
        resourceType: 'Condition',
        code: { coding: [{ code: '44054006' }] },
        clinicalStatus: { coding: [{ code: 'active' }] },
        onsetDateTime: '2001-05-06T10:00:00Z',
        subject: { reference: 'Patient/p1', display: 'Robert Smith' },
      }),
    ).toEqual({ Code: '44054006', 'Clinical status': 'active', Onset: '2001-05-06 10:00', Subject: 'Robert Smith' });
    expect(
      row({
        resourceType: 'Encounter',
        status: 'finished',
        class: { code: 'AMB', display: 'ambulatory' },
        type: [{ text: 'Check-up' }, { text: 'Flu shot' }],
        period: { start: '2020-01-01T09:00:00Z', end: '2020-01-01T09:30:00Z' },
        subject: { reference: 'Patient/p1' },
      }),
    ).toEqual({ Class: 'ambulatory', Type: 'Check-up, Flu shot', Period: '2020-01-01 09:00 → 2020-01-01 09:30', Subject: 'Patient/p1' });
    expect(
      row({
        resourceType: 'MedicationRequest',
        status: 'active',
        intent: 'order',
        medicationCodeableConcept: { coding: [{ display: 'Amoxicillin 250 MG' }] },
        authoredOn: '2021-07-08',
        subject: { reference: 'Patient/p1' },
      }),
    ).toEqual({ Medication: 'Amoxicillin 250 MG', Status: 'active', 'Authored on': '2021-07-08', Subject: 'Patient/p1' });
    expect(
      row({ resourceType: 'Immunization', status: 'completed', vaccineCode: { text: 'Influenza' }, patient: { reference: 'Patient/p1' }, occurrenceDateTime: '2019-10-01' }),
    ).toEqual({ Vaccine: 'Influenza', Status: 'completed', Date: '2019-10-01', Patient: 'Patient/p1' });
    expect(row({ resourceType: 'DiagnosticReport', status: 'final', code: { text: 'Lipid panel' } })).toEqual({
      Code: 'Lipid panel',
      Status: 'final',
      Effective: '',
      Subject: '',
    });
  });

  it('falls back to id, a text summary and lastUpdated for other types', () => {
    const organization: Resource = {
      resourceType: 'Organization',
      id: 'o1',
      name: 'General Hospital',
      meta: { lastUpdated: '2026-01-02T03:04:05.678Z' },
    };
    expect(row(organization)).toEqual({ Id: 'o1', Summary: 'General Hospital', 'Last updated': '2026-01-02 03:04' });
    const withNarrative: Resource = {
      resourceType: 'Claim',
      id: 'c1',
      text: { status: 'generated', div: '<div xmlns="http://www.w3.org/1999/xhtml"><p>Claim &amp; invoice</p></div>' },
    } as Resource;
    expect(resourceSummary(withNarrative)).toBe('Claim & invoice');
  });
});

describe('FHIR formatting helpers', () => {
  it('shortens dates without changing their time zone', () => {
    expect(formatDateTime('2019-02-12T14:32:11-05:00')).toBe('2019-02-12 14:32');
    expect(formatDateTime('2019-02')).toBe('2019-02');
    expect(formatDateTime(undefined)).toBe('');
    expect(formatPeriod({ start: '2020-01-01' })).toBe('2020-01-01 →');
  });

  it('turns narrative XHTML into bounded text', () => {
    expect(narrativeText('<div><b>A</b>  &lt;b&gt;</div>')).toBe('A <b>');
    expect(narrativeText(`<div>${'x'.repeat(500)}</div>`, 10)).toHaveLength(10);
  });
});
