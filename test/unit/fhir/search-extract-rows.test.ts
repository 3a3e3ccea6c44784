/**
 * The row kinds of the extraction/storage contract (src-main/fhir/search/extract.ts): composite
 * components with their group (search.html#composite), `:identifier` and `:of-type` token rows
 * (search.html#modifiers), UCUM canonical quantities (search/ucum.ts) and the full text for
 * `_text`/`_content` (search/full-text.ts); and the compiler's subset boundary.
 */
import { describe, expect, it, vi } from 'vitest';
import type { Observation, Patient, Resource } from '@medplum/fhirtypes';
import { extractIndexRows, type IndexRows } from '../../../src-main/fhir/search/extract';
import { canonicalQuantity } from '../../../src-main/fhir/search/ucum';
import { contentText, narrativeText, xhtmlToText } from '../../../src-main/fhir/search/full-text';
import { compileExpression } from '../../../src-main/fhir/search/compiled/compile';

const UCUM = 'http://unitsofmeasure.org';
const LOINC = 'http://loinc.org';

const bloodPressure: Observation = {
  resourceType: 'Observation',
  id: 'bp',
  status: 'final',
  code: { coding: [{ system: LOINC, code: '85354-9', display: 'Blood pressure panel' }] },
  subject: { reference: 'Patient/p1', identifier: { system: 'urn:mrn', value: 'M1' } },
  identifier: [{ system: 'urn:lab', value: 'L-7', type: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/v2-0203', code: 'FILL' }] } }],
  component: [
    { code: { coding: [{ system: LOINC, code: '8480-6' }] }, valueQuantity: { value: 120, unit: 'mmHg', system: UCUM, code: 'mm[Hg]' } },
    { code: { coding: [{ system: LOINC, code: '8462-4' }] }, valueQuantity: { value: 80, unit: 'mmHg', system: UCUM, code: 'mm[Hg]' } },
    { code: { coding: [{ system: LOINC, code: '8867-4' }] } },
  ],
};

function byParam<K extends keyof Omit<IndexRows, 'text'>>(rows: IndexRows, kind: K, param: string): IndexRows[K] {
  return (rows[kind] as Array<{ param: string }>).filter((row) => row.param === param) as IndexRows[K];
}

describe('composite rows (search.html#composite)', () => {
  const rows = extractIndexRows(bloodPressure);

  it('gives each component of each element its rows, grouped by the element', () => {
    const codes = byParam(rows, 'token', 'component-code-value-quantity$0').map((r) => [r.group, r.code]);
    const values = byParam(rows, 'quantity', 'component-code-value-quantity$1').map((r) => [r.group, r.value]);
    expect(codes).toEqual([
      [0, '8480-6'],
      [1, '8462-4'],
    ]);
    expect(values).toEqual([
      [0, 120],
      [1, 80],
    ]);
  });

  it('numbers the elements of several branches in order (Observation | Observation.component)', () => {
    const codes = byParam(rows, 'token', 'combo-code-value-quantity$0').map((r) => [r.group, r.code]);
    // The Observation itself has no value: only its components carry both components.
    expect(codes).toEqual([
      [1, '8480-6'],
      [2, '8462-4'],
    ]);
  });

  it('gives no rows to an element that lacks a component', () => {
    const groups = new Set(byParam(rows, 'token', 'component-code-value-concept$0').map((r) => r.group));
    expect(groups.size).toBe(0);
    expect(byParam(rows, 'token', 'component-code-value-quantity$0').some((r) => r.code === '8867-4')).toBe(false);
  });

  it('keeps the rows of plain parameters without a group', () => {
    expect(byParam(rows, 'token', 'code').every((r) => r.group === undefined)).toBe(true);
  });
});

describe(':identifier and :of-type rows (search.html#modifiers)', () => {
  const rows = extractIndexRows(bloodPressure);

  it('indexes Reference.identifier of reference parameters as p:identifier', () => {
    expect(byParam(rows, 'token', 'subject:identifier')).toEqual([{ param: 'subject:identifier', system: 'urn:mrn', code: 'M1', display: null }]);
    expect(byParam(rows, 'token', 'patient:identifier')).toHaveLength(1);
  });

  it('indexes Identifier.type codings as p:of-type with code <type>|<value>', () => {
    expect(byParam(rows, 'token', 'identifier:of-type')).toEqual([
      { param: 'identifier:of-type', system: 'http://terminology.hl7.org/CodeSystem/v2-0203', code: 'FILL|L-7', display: null },
    ]);
  });
});

describe('UCUM canonical quantities', () => {
  it('converts to base units with the exponents in the code', () => {
    // 5 mg/dL = 0.005 g per 1e-4 m3
    expect(canonicalQuantity(5, 'mg/dL')).toEqual({ value: 50, code: 'g.m-3' });
    expect(canonicalQuantity(2, 'kg')).toEqual({ value: 2000, code: 'g' });
    expect(canonicalQuantity(50, '%')).toEqual({ value: 0.5, code: '1' });
    expect(canonicalQuantity(3, '10*3/uL')).toEqual({ value: 3e12, code: 'm-3' });
  });

  it('keeps the mole as a dimension: substance concentrations never equal counts', () => {
    expect(canonicalQuantity(140, 'mmol/L')).toEqual({ value: 140, code: 'm-3.mol' });
    expect(canonicalQuantity(140000, 'umol/L')).toEqual({ value: 140, code: 'm-3.mol' });
    expect(canonicalQuantity(140, 'mmol/L')?.code).not.toBe(canonicalQuantity(140, '10*3/uL')?.code);
  });

  it('converts units with an offset per value (Celsius to kelvin)', () => {
    expect(canonicalQuantity(37, 'Cel')).toEqual({ value: 310.15, code: 'K' });
    expect(canonicalQuantity(0, 'Cel')).toEqual({ value: 273.15, code: 'K' });
  });

  it('gives nothing for a unit that is not UCUM, and prints nothing about it', () => {
    const log = vi.spyOn(console, 'log');
    expect(canonicalQuantity(1, 'not a unit')).toBeNull();
    expect(canonicalQuantity(1, 'mg//dL')).toBeNull();
    expect(log).not.toHaveBeenCalled();
    log.mockRestore();
  });

  it('fills canonValue/canonCode on UCUM quantity rows only', () => {
    const observation: Observation = {
      resourceType: 'Observation',
      status: 'final',
      code: { text: 'glucose' },
      valueQuantity: { value: 90, unit: 'mg/dL', system: UCUM, code: 'mg/dL' },
      referenceRange: [{ low: { value: 70, unit: 'mg/dL' } }],
    };
    const [row] = byParam(extractIndexRows(observation), 'quantity', 'value-quantity');
    expect(row).toMatchObject({ value: 90, code: 'mg/dL', canonValue: 900, canonCode: 'g.m-3' });
    const mmHg = byParam(extractIndexRows(bloodPressure), 'quantity', 'component-value-quantity');
    expect(mmHg.map((r) => r.canonCode)).toEqual(['g.m-1.s-2', 'g.m-1.s-2']);
    const money = extractIndexRows({ resourceType: 'Invoice', status: 'issued', totalNet: { value: 10, currency: 'EUR' } } as Resource);
    expect(byParam(money, 'quantity', 'totalnet')).toEqual([
      { param: 'totalnet', value: 10, system: 'urn:iso:std:iso:4217', code: 'EUR', unit: null, canonValue: null, canonCode: null },
    ]);
  });
});

describe('full text (search.html#_text, #_content)', () => {
  const patient: Patient = {
    resourceType: 'Patient',
    id: 'p1',
    text: { status: 'generated', div: '<div xmlns="http://www.w3.org/1999/xhtml"><p>Jos&#233; <b>Garc&iacute;a</b> &amp; family&#x21;</p><!-- note --></div>' },
    identifier: [{ system: 'urn:mrn', value: 'MRN-1' }],
    name: [{ family: 'García', given: ['José', 'Luis'] }],
    gender: 'male',
    birthDate: '1970-01-01',
    managingOrganization: { reference: 'Organization/o1', display: 'General Hospital' },
    contained: [{ resourceType: 'Organization', id: 'o2', name: 'Contained Clinic' }],
    extension: [{ url: 'http://example.org/note', valueString: 'likes tea' }],
  };

  it('narrative: the div without tags and comments, entities decoded, whitespace collapsed', () => {
    expect(narrativeText(patient)).toBe('José García & family!');
    expect(xhtmlToText('<div>a&lt;b&gt;c&quot;&nbsp;d</div>')).toBe('a<b>c" d');
    expect(narrativeText({ resourceType: 'Patient' })).toBe('');
  });

  it('content: string and markdown values only, contained resources and extensions included', () => {
    const lines = contentText(patient).split('\n');
    expect(lines).toEqual(expect.arrayContaining(['MRN-1', 'García', 'José', 'Luis', 'General Hospital', 'Contained Clinic', 'likes tea']));
    // Not ids, codes, dates, URLs or references, nor the narrative.
    for (const excluded of ['p1', 'o2', 'male', '1970-01-01', 'urn:mrn', 'Organization/o1', 'http://example.org/note', 'generated']) {
      expect(lines).not.toContain(excluded);
    }
    expect(lines.some((line) => line.includes('<p>'))).toBe(false);
  });

  it('is part of the index rows', () => {
    const rows = extractIndexRows(patient);
    // Folded for the index (search/text-query.ts foldText): no accents or case, other characters a space.
    expect(rows.text?.narrative).toBe('jose garcia family ');
    expect(rows.text?.content).toContain('contained clinic');
  });
});

describe('compiled FHIRPath subset', () => {
  const observation = { resourceType: 'Observation', valueQuantity: { value: 1 }, subject: { reference: 'Group/g' }, focus: [{ reference: 'Patient/1' }] };

  it('resolves choice elements by type, as the R4 model does', () => {
    const compiled = compileExpression('(Observation.value as Quantity) | Observation.value.ofType(string)', 'Observation');
    expect(compiled.evaluate?.(observation, observation)).toEqual([{ value: 1 }]);
    expect(compiled.elements).toEqual(['value']);
  });

  it('reads resolve() is T from the reference text', () => {
    const compiled = compileExpression('Observation.subject.where(resolve() is Patient) | Observation.focus.where(resolve() is Patient)', 'Observation');
    expect(compiled.evaluate?.(observation, observation)).toEqual([{ reference: 'Patient/1' }]);
  });

  it('fails on `as` over several items, as the fhirpath library does', () => {
    const compiled = compileExpression('(Group.characteristic.value as boolean)', 'Group');
    const one = { resourceType: 'Group', characteristic: [{ valueBoolean: true }] };
    const two = { resourceType: 'Group', characteristic: [{ valueBoolean: true }, { valueBoolean: false }] };
    expect(compiled.evaluate?.(one, one)).toEqual([true]);
    expect(() => compiled.evaluate?.(two, two)).toThrow();
  });

  it('refuses what it does not model, so the fhirpath library evaluates it', () => {
    expect(compileExpression('Observation.value.as(Quantity).value > 5', 'Observation').evaluate).toBeUndefined();
    expect(compileExpression('Observation.nonexistent', 'Observation').evaluate).toBeUndefined();
    expect(compileExpression('Bundle.entry[0].resource.name', 'Bundle').evaluate).toBeUndefined();
    expect(compileExpression("Observation.code.coding.where(code.startsWith('8'))", 'Observation').evaluate).toBeUndefined();
  });
});
