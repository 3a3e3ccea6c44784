/**
 * The intersection plan (search/sql-query.ts choosePlan, docs/search.md "Plans"): two string filters
 * that each match more than a hundred and fewer than DRIVER_LIMIT patients are answered from the
 * intersection of their index ranges. The page, its order and the total must be what the filters say.
 */
import type { Bundle, Patient } from '@medplum/fhirtypes';
import { describe, expect, it } from 'vitest';
import { MemoryRepository } from '../../../src-main/fhir/memory-repository';

// 150 Alpha and 120 Xan, 15 both: too few for the trial walk to fill a page of 20.
const PATIENTS = 600;
const family = (i: number) => (i < 150 ? 'Alpha' : 'Beta');
const given = (i: number) => (i >= 135 && i < 255 ? 'Xan' : 'Yul');
const id = (i: number) => `p${String(i).padStart(4, '0')}`;

describe('search: intersection of two filters', () => {
  it('pages, orders and counts family + given as the filters say (search.html#string, #combining)', async () => {
    const repo = new MemoryRepository();
    const patients: Patient[] = Array.from({ length: PATIENTS }, (_, i) => ({ resourceType: 'Patient', id: id(i), name: [{ family: family(i), given: [given(i)] }] }));
    await repo.writeBatch(patients.map((resource) => ({ kind: 'update' as const, resource })));
    const expected = patients.filter((_, i) => family(i) === 'Alpha' && given(i) === 'Xan').map((p) => p.id);
    // Both filters are over the trial's probe (more than 100) and under DRIVER_LIMIT.
    expect(patients.filter((_, i) => family(i) === 'Alpha').length).toBeGreaterThan(100);
    expect(patients.filter((_, i) => given(i) === 'Xan').length).toBeGreaterThan(100);
    const ids = (bundle: Bundle) => (bundle.entry ?? []).map((e) => e.resource?.id);
    expect(expected).toHaveLength(15);
    const first = await repo.search('Patient', new URLSearchParams('family=Alpha&given=Xan&_count=20'));
    expect(first.total).toBe(expected.length);
    // One write, one instant: the default order is then the order of storing (rid).
    expect(ids(first)).toEqual(expected);
    const second = await repo.search('Patient', new URLSearchParams('given=Xan&family=alp&_count=10&_offset=10'));
    expect(ids(second)).toEqual(expected.slice(10));
    const none = await repo.search('Patient', new URLSearchParams('family=Beta&given=Xan&given=Yul&_count=20'));
    expect(none.total ?? 0).toBe(0);
  });
});
