/**
 * Concept search figures (issue 6 §1): `npx tsx test/tools/concept-search-bench.ts`.
 *
 * Reads the FY2026 ICD-10-CM release with the FY2017 Alphabetic Index and the partial RxNorm tables
 * from ../shared/data/terminology into packs (as a terminology import does), builds the concept
 * index, then times 500 queries drawn from the real titles and names (test/tools/concept-search-queries.ts):
 * p50/p95/p99 per query (wall, one run each after a warm-up), recall (the code the query was drawn
 * from among the first 20 hits) per kind, index build time (wall and CPU) and heap.
 * Writes bench-results/concept-search.json. Knobs: HEARTH_BENCH_QUERIES (default 500).
 */
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import path from 'node:path';
import { buildConceptIndex } from '../../src-main/review/concept-search';
import { readTerminologyFolder } from '../../src-main/nlp/terminology';
import { benchCommit, collectGarbage, cpuSeconds, percentile, round } from '../bench/fhir/measure';
import { drawQueries, type QueryKind } from './concept-search-queries';

const shared = path.resolve(import.meta.dirname, '../../../shared/data/terminology');
const total = Number(process.env.HEARTH_BENCH_QUERIES ?? 500);
const MB = 1024 * 1024;

async function main(): Promise<void> {
  if (!existsSync(shared)) {
    console.log(`concept-search bench: ${shared} not found; nothing measured (it needs ../shared/data/terminology beside the repository)`);
    return;
  }
  const load = loadavg()[0]!;
  const packs = await readTerminologyFolder(shared);
  collectGarbage();
  const heapBefore = process.memoryUsage().heapUsed;

  const cpu = process.cpuUsage();
  const wall = performance.now();
  const index = await buildConceptIndex(packs);
  const buildWallMs = performance.now() - wall;
  const buildCpuS = cpuSeconds(cpu);
  collectGarbage();
  const heapWithIndex = process.memoryUsage().heapUsed;

  const queries = drawQueries(packs, 20261126, total);
  // Warm-up (JIT) on other queries than the measured ones.
  for (const q of drawQueries(packs, 1, 100)) index.search(q.query, { limit: 20 });

  const times: number[] = [];
  const byKind = new Map<QueryKind, { n: number; found: number; times: number[] }>();
  for (const q of queries) {
    const started = performance.now();
    const hits = index.search(q.query, { limit: 20 });
    const ms = performance.now() - started;
    times.push(ms);
    const entry = byKind.get(q.kind) ?? { n: 0, found: 0, times: [] };
    entry.n += 1;
    entry.times.push(ms);
    if (hits.some((h) => h.system === q.system && h.code === q.target)) entry.found += 1;
    byKind.set(q.kind, entry);
  }
  times.sort((a, b) => a - b);
  const kinds = Object.fromEntries(
    [...byKind].map(([kind, e]) => {
      const sorted = e.times.sort((a, b) => a - b);
      return [kind, { queries: e.n, recallAt20: round(e.found / e.n, 3), p50Ms: round(percentile(sorted, 50), 3), p95Ms: round(percentile(sorted, 95), 3) }];
    }),
  );
  const found = [...byKind.values()].reduce((sum, e) => sum + e.found, 0);
  // Packs dropped: what stays is the index alone (the session keeps only the index).
  const stats = index.stats;
  const result = {
    ...benchCommit(),
    date: new Date().toISOString(),
    loadAverage: round(load, 2),
    vocabularies: index.vocabularies(),
    index: { ...stats, buildWallMs: round(buildWallMs, 0), buildCpuS: round(buildCpuS, 2), heapMB: round((heapWithIndex - heapBefore) / MB, 1) },
    queries: times.length,
    concept_search_p50_ms: round(percentile(times, 50), 3),
    concept_search_p95_ms: round(percentile(times, 95), 3),
    concept_search_p99_ms: round(percentile(times, 99), 3),
    maxMs: round(times[times.length - 1] ?? 0, 3),
    recallAt20: round(found / Math.max(1, times.length), 3),
    kinds,
  };
  mkdirSync(path.resolve(import.meta.dirname, '../../bench-results'), { recursive: true });
  writeFileSync(path.resolve(import.meta.dirname, '../../bench-results/concept-search.json'), `${JSON.stringify(result, null, 2)}\n`);
  console.log(JSON.stringify(result, null, 2));
}

main().catch((e: unknown) => {
  console.error(e);
  process.exitCode = 1;
});
