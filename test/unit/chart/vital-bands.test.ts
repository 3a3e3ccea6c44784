/**
 * Vital signs against a reference band (issue 6 §3): an Observation's own referenceRange wins;
 * without one, a LOINC vital sign gets the documented typical adult band for its unit, and points
 * outside it are flagged (chart.ts DEFAULT_VITAL_BANDS).
 */
import { describe, expect, it } from 'vitest';
import type { Observation } from '@medplum/fhirtypes';
import { defaultVitalBand, observationSeries } from '../../../src-main/chart/chart';

function vital(id: string, code: string, value: number, unit: string, extra: Partial<Observation> = {}): Observation {
  return {
    resourceType: 'Observation',
    id,
    status: 'final',
    category: [{ coding: [{ system: 'http://terminology.hl7.org/CodeSystem/observation-category', code: 'vital-signs' }] }],
    code: { coding: [{ system: 'http://loinc.org', code }] },
    effectiveDateTime: `2024-01-0${id.slice(-1)}T10:00:00Z`,
    valueQuantity: { value, unit, system: 'http://unitsofmeasure.org', code: unit },
    ...extra,
  };
}

describe('vital sign bands', () => {
  it('draws the typical adult band for a vital sign without a range, and flags the points outside it', () => {
    const [heart] = observationSeries([vital('h1', '8867-4', 72, '/min'), vital('h2', '8867-4', 118, '/min')]);
    expect(heart).toMatchObject({ code: '8867-4', low: 60, high: 100, band: 'default' });
    expect(heart!.points.map((p) => p.outOfRange)).toEqual([false, true]);
    // The points keep no range of their own: the band is the series'.
    expect(heart!.points[0]!.low).toBeUndefined();
  });

  it('uses the Observation’s own referenceRange when there is one', () => {
    const [heart] = observationSeries([vital('h1', '8867-4', 72, '/min', { referenceRange: [{ low: { value: 50 }, high: { value: 70 } }] })]);
    expect(heart).toMatchObject({ low: 50, high: 70 });
    expect(heart!.band).toBeUndefined();
    expect(heart!.points[0]!.outOfRange).toBe(true);
  });

  it('knows blood pressure components, temperature by unit, and nothing for other codes or units', () => {
    const bp: Observation = {
      ...vital('b1', '85354-9', 0, 'mm[Hg]'),
      valueQuantity: undefined,
      component: [
        { code: { coding: [{ system: 'http://loinc.org', code: '8480-6' }] }, valueQuantity: { value: 142, unit: 'mm[Hg]' } },
        { code: { coding: [{ system: 'http://loinc.org', code: '8462-4' }] }, valueQuantity: { value: 78, unit: 'mm[Hg]' } },
      ],
    };
    const series = observationSeries([bp]);
    expect(series.find((s) => s.code === '8480-6')).toMatchObject({ low: 90, high: 120, band: 'default', points: [{ outOfRange: true }] });
    expect(series.find((s) => s.code === '8462-4')).toMatchObject({ low: 60, high: 80, points: [{ outOfRange: false }] });
    expect(defaultVitalBand('http://loinc.org', '8310-5', 'Cel')).toEqual({ low: 36.1, high: 37.2 });
    expect(defaultVitalBand('http://loinc.org', '8310-5', '[degF]')).toEqual({ low: 97, high: 99 });
    expect(defaultVitalBand('http://loinc.org', '8310-5', 'K')).toBeUndefined();
    expect(defaultVitalBand('http://loinc.org', '29463-7', 'kg')).toBeUndefined();
    expect(defaultVitalBand('http://snomed.info/sct', '8867-4', '/min')).toBeUndefined();
  });
});
