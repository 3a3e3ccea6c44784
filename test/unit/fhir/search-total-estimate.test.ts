/**
 * search.html#_total: `estimate` samples the type (search/sql-query.ts estimatedTotal) and must
 * land near the exact count on a known corpus; `accurate` stays exact.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import type { Resource } from '@medplum/fhirtypes';
import { MemoryRepository } from '../../../src-main/fhir/memory-repository';
import { ESTIMATE_SAMPLE } from '../../../src-main/fhir/search/sql-query';

/** Deterministic pseudo-random numbers in [0, 1) (mulberry32), so the corpus is the same every run. */
function seeded(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const OBSERVATIONS = 6 * ESTIMATE_SAMPLE;

describe('_total=estimate (search.html#_total)', () => {
  const repo = new MemoryRepository();
  const exact = { common: 0, rare: 0, heavy: 0, periodic: 0 };

  beforeAll(async () => {
    const random = seeded(7);
    const resources: Resource[] = [];
    for (let i = 0; i < OBSERVATIONS; i++) {
      const r = random();
      // About 30% "common", 2% "rare"; values spread 0-100.
      const code = r < 0.3 ? 'common' : r < 0.32 ? 'rare' : 'other';
      const value = Math.floor(random() * 100);
      if (code === 'common') exact.common++;
      if (code === 'rare') exact.rare++;
      if (value >= 60) exact.heavy++;
      // A pattern with a period (4 in every 10 resources): an evenly stepped sample could alias with it.
      const periodic = i % 10 < 4;
      if (periodic) exact.periodic++;
      resources.push({
        resourceType: 'Observation',
        id: `o${i}`,
        status: periodic ? 'preliminary' : 'final',
        code: { coding: [{ system: 'urn:test', code }] },
        valueQuantity: { value, unit: 'kg' },
      });
      // Other types interleave in rid order: the sample must skip their rids.
      if (i % 10 === 0) resources.push({ resourceType: 'Patient', id: `p${i}` });
    }
    const outcomes = await repo.writeBatch(resources.map((resource) => ({ kind: 'update', resource })));
    expect(outcomes.every((o) => o.status === 'created')).toBe(true);
  }, 120_000);

  const total = async (query: string): Promise<number | undefined> => (await repo.search('Observation', new URLSearchParams(query))).total;

  it('accurate is exact', async () => {
    expect(await total('code=common&_total=accurate')).toBe(exact.common);
    expect(await total('value-quantity=ge60&_total=accurate')).toBe(exact.heavy);
    expect(await total('_total=accurate')).toBe(OBSERVATIONS);
  });

  it('the default total is exact or absent, never another number', async () => {
    expect([exact.common, undefined]).toContain(await total('code=common'));
    expect([exact.heavy, undefined]).toContain(await total('value-quantity=ge60'));
    expect(await total('')).toBe(OBSERVATIONS);
  });

  it('estimate is within 15% on common filters, and the page is the same as with accurate', async () => {
    const common = (await total('code=common&_total=estimate')) ?? -1;
    expect(Math.abs(common - exact.common) / exact.common).toBeLessThan(0.15);
    const heavy = (await total('value-quantity=ge60&_total=estimate')) ?? -1;
    expect(Math.abs(heavy - exact.heavy) / exact.heavy).toBeLessThan(0.15);
    const both = (await total('value-quantity=ge60&code:not=common&_total=estimate')) ?? -1;
    const exactBoth = (await total('value-quantity=ge60&code:not=common')) ?? -1;
    expect(Math.abs(both - exactBoth) / exactBoth).toBeLessThan(0.15);
    const periodic = (await total('status=preliminary&_total=estimate')) ?? -1;
    expect(Math.abs(periodic - exact.periodic) / exact.periodic).toBeLessThan(0.15);
    // The estimate is not the exact figure by accident: it is a sample's share times the type's count.
    expect(await total('_total=estimate')).toBe(OBSERVATIONS);
    const pageIds = async (q: string) => ((await repo.search('Observation', new URLSearchParams(q))).entry ?? []).map((e) => e.resource?.id);
    expect(await pageIds('code=common&_total=estimate&_count=7&_offset=3')).toEqual(await pageIds('code=common&_count=7&_offset=3'));
  });

  it('estimate of a rare code stays within an absolute bound; paging links come from the extra row', async () => {
    const rare = (await total('code=rare&_total=estimate')) ?? -1;
    // ~2% of 6,000: a sample of ~1,000 sees ~20 of them; 3 standard deviations ≈ 0.013 × 6,000.
    expect(Math.abs(rare - exact.rare)).toBeLessThan(80);
    const lastPage = await repo.search('Observation', new URLSearchParams(`code=rare&_total=estimate&_count=10&_offset=${exact.rare - 5}`));
    expect(lastPage.entry).toHaveLength(5);
    expect(lastPage.link?.some((l) => l.relation === 'next')).toBe(false);
  });

  it('estimate on a small type is the exact count', async () => {
    expect((await repo.search('Patient', new URLSearchParams('_total=estimate'))).total).toBe(OBSERVATIONS / 10);
  });
});
