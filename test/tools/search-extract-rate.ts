/**
 * Measures write-time search extraction (search/extract.ts) on the Synthea bundles of
 * ../shared/data/synthea/r4-bundles: resources per second with every R4 parameter evaluated,
 * and where the time goes (slowest parameters). Run: `npx tsx test/tools/search-extract-rate.ts`.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import type { Bundle, Resource } from '@medplum/fhirtypes';
import { extractIndexRows, isIndexed } from '../../src-main/fhir/search/extract';
import { searchParamsFor } from '../../src-main/fhir/search/parameters';
import { resourceTypes } from '../../src-main/fhir/resource-types';

const repoRoot = path.resolve(import.meta.dirname, '../..');
const dir = path.resolve(repoRoot, '../shared/data/synthea/r4-bundles');
if (!existsSync(dir)) {
  console.log(`skipped: ${dir} is absent`);
  process.exit(0);
}
const resources: Resource[] = [];
for (const file of readdirSync(dir).filter((f) => f.endsWith('.json'))) {
  const bundle = JSON.parse(readFileSync(path.join(dir, file), 'utf8')) as Bundle;
  for (const entry of bundle.entry ?? []) if (entry.resource) resources.push(entry.resource);
}
// Warm-up compiles every type's expressions once (a one-off cost per process).
let started = performance.now();
for (const type of new Set(resources.map((r) => r.resourceType))) searchParamsFor(type, resourceTypes());
console.log(`compile: ${(performance.now() - started).toFixed(0)} ms for ${new Set(resources.map((r) => r.resourceType)).size} types`);

// Best of three passes: the machine is shared, the best pass is the least disturbed one.
let seconds = Number.POSITIVE_INFINITY;
let rows = 0;
for (let pass = 0; pass < 3; pass++) {
  started = performance.now();
  rows = 0;
  for (const resource of resources) {
    const r = extractIndexRows(resource);
    rows += r.string.length + r.token.length + r.reference.length + r.date.length + r.number.length + r.quantity.length + r.uri.length;
  }
  seconds = Math.min(seconds, (performance.now() - started) / 1000);
}
console.log(`extract (best of 3): ${resources.length} resources, ${rows} rows in ${seconds.toFixed(2)} s = ${Math.round(resources.length / seconds)} resources/s`);

// Where the time goes: FHIRPath evaluation per parameter, summed over the corpus.
const perParam = new Map<string, number>();
for (const resource of resources) {
  for (const def of searchParamsFor(resource.resourceType, resourceTypes()).values()) {
    if (!isIndexed(def) || !def.evaluate) continue;
    const t = performance.now();
    try {
      def.evaluate(resource);
    } catch {
      // counted like a success: the time is what matters here
    }
    const k = `${resource.resourceType}.${def.code}`;
    perParam.set(k, (perParam.get(k) ?? 0) + performance.now() - t);
  }
}
const totalEval = [...perParam.values()].reduce((a, b) => a + b, 0);
console.log(`FHIRPath evaluation of every parameter, without the element pre-check: ${(totalEval / 1000).toFixed(2)} s`);
for (const [k, ms] of [...perParam].sort((a, b) => b[1] - a[1]).slice(0, 10)) console.log(`  ${k}: ${ms.toFixed(0)} ms`);
