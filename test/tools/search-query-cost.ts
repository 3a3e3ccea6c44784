/**
 * Measures two query-side costs on a synthetic corpus (same process, best of 5, so load noise
 * hits both sides alike): `_total=estimate` vs `_total=accurate` on a large result set, and a
 * reference searched by bare id vs by `Type/id`. Run: `npx tsx test/tools/search-query-cost.ts [observations]`.
 */
import type { Resource } from '@medplum/fhirtypes';
import { MemoryRepository } from '../../src-main/fhir/memory-repository';

const observations = Number(process.argv[2] ?? 30_000);
const repo = new MemoryRepository();

async function best(label: string, query: string): Promise<number> {
  let fastest = Infinity;
  let total: number | undefined;
  for (let i = 0; i < 5; i++) {
    const start = performance.now();
    total = (await repo.search('Observation', new URLSearchParams(query))).total;
    fastest = Math.min(fastest, performance.now() - start);
  }
  console.log(`${label.padEnd(34)} ${fastest.toFixed(1).padStart(8)} ms  total=${total ?? '-'}  (${query})`);
  return fastest;
}

const resources: Resource[] = [];
for (let i = 0; i < observations; i++) {
  const code = i % 10 < 4 ? 'common' : `c${i % 97}`;
  resources.push({
    resourceType: 'Observation',
    id: `o${i}`,
    status: 'final',
    code: { coding: [{ system: 'urn:test', code }] },
    subject: { reference: `Patient/p${i % 300}` },
    valueQuantity: { value: (i * 7919) % 100, unit: 'kg' },
  });
}
const start = performance.now();
for (let i = 0; i < resources.length; i += 5000) await repo.writeBatch(resources.slice(i, i + 5000).map((resource) => ({ kind: 'update', resource })));
console.log(`${observations} Observations stored in ${((performance.now() - start) / 1000).toFixed(1)} s`);

const accurate = await best('code=common, accurate', 'code=common&_total=accurate');
const estimate = await best('code=common, estimate', 'code=common&_total=estimate');
const none = await best('code=common, no total', 'code=common&_total=none');
console.log(`estimate/accurate: ${(estimate / accurate).toFixed(2)}; the page alone: ${(none / accurate).toFixed(2)}`);
const accurate2 = await best('value-quantity=ge30, accurate', 'value-quantity=ge30&_total=accurate');
const estimate2 = await best('value-quantity=ge30, estimate', 'value-quantity=ge30&_total=estimate');
console.log(`estimate/accurate: ${(estimate2 / accurate2).toFixed(2)}`);
await best('subject=Patient/p7', 'subject=Patient/p7&_total=none');
await best('subject=p7 (bare id)', 'subject=p7&_total=none');
