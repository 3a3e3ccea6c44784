/**
 * Concept search figures (issue 6 §1): `npx tsx test/tools/concept-search-bench.ts`.
 *
 * Reads the FY2026 ICD-10-CM release with the FY2017 Alphabetic Index and the partial RxNorm tables
 * from ../shared/data/terminology into packs (as a terminology import does), builds the concept
 * index, then times 500 queries drawn from the real titles and names (test/tools/concept-search-queries.ts):
 * p50/p95/p99 per query (wall, one run each after a warm-up), recall (the code the query was drawn
 * from among the first 20 hits) per kind, the slowest of the one- and two-letter queries (the first
 * keystrokes), index build time (wall and CPU) and memory (JS heap plus the typed arrays, which live
 * outside it; measured after the packs are dropped, as the session keeps only the index).
 * Writes bench-results/concept-search.json. Knobs: HEARTH_BENCH_QUERIES (default 500).
 */
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import path from 'node:path';
import { buildConceptIndex } from '../../src-main/review/concept-search';
import { readTerminologyFolder, type TerminologyPacks } from '../../src-main/nlp/terminology';
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
  const used = () => {
    const m = process.memoryUsage();
    return m.heapUsed + m.arrayBuffers;
  };
  collectGarbage();
  const before = used();
  let packs: TerminologyPacks | undefined = await readTerminologyFolder(shared);
  collectGarbage();
  const withPacks = used();

  const cpu = process.cpuUsage();
  const wall = performance.now();
  const index = await buildConceptIndex(packs);
  const buildWallMs = performance.now() - wall;
  const buildCpuS = cpuSeconds(cpu);

  const queries = drawQueries(packs, 20261126, total);
  const warmUp = drawQueries(packs, 1, 100);
  packs = undefined;
  collectGarbage();
  const withIndex = used();
  // Warm-up (JIT) on other queries than the measured ones.
  for (const q of warmUp) index.search(q.query, { limit: 20 });

  const times: number[] = [];
  const byKind = new Map<QueryKind, { n: number; found: number; times: number[] }>();
  // CPU time per query as well: on a machine shared with other runs, wall time includes waiting for a core.
  const cpuTimes: number[] = [];
  for (const q of queries) {
    const cpuStarted = process.cpuUsage();
    const started = performance.now();
    const hits = index.search(q.query, { limit: 20 });
    const ms = performance.now() - started;
    cpuTimes.push(cpuSeconds(cpuStarted) * 1000);
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
  // The first keystrokes: every one- and two-letter query a coder may start with (the unselective worst case).
  const short: number[] = [];
  const letters = 'abcdefghijklmnopqrstuvwxyz';
  for (const a of letters) {
    for (const query of [a, ...[...letters].map((b) => a + b)]) {
      const started = performance.now();
      index.search(query, { limit: 20 });
      short.push(performance.now() - started);
    }
  }
  short.sort((a, b) => a - b);
  const stats = index.stats;
  const result = {
    ...benchCommit(),
    date: new Date().toISOString(),
    loadAverage: round(load, 2),
    vocabularies: index.vocabularies(),
    index: {
      ...stats,
      buildWallMs: round(buildWallMs, 0),
      buildCpuS: round(buildCpuS, 2),
      packsMB: round((withPacks - before) / MB, 1),
      indexMB: round((withIndex - before) / MB, 1),
      rssMB: round(process.memoryUsage().rss / MB, 0),
    },
    queries: times.length,
    concept_search_p50_ms: round(percentile(times, 50), 3),
    concept_search_p95_ms: round(percentile(times, 95), 3),
    concept_search_p99_ms: round(percentile(times, 99), 3),
    maxMs: round(times[times.length - 1] ?? 0, 3),
    cpuP50Ms: round(percentile(cpuTimes.sort((a, b) => a - b), 50), 3),
    cpuP95Ms: round(percentile(cpuTimes, 95), 3),
    recallAt20: round(found / Math.max(1, times.length), 3),
    kinds,
    shortQueries: { queries: short.length, p50Ms: round(percentile(short, 50), 3), p95Ms: round(percentile(short, 95), 3), maxMs: round(short[short.length - 1] ?? 0, 3) },
  };
  mkdirSync(path.resolve(import.meta.dirname, '../../bench-results'), { recursive: true });
  writeFileSync(path.resolve(import.meta.dirname, '../../bench-results/concept-search.json'), `${JSON.stringify(result, null, 2)}\n`);
  console.log(JSON.stringify(result, null, 2));
}

main().catch((e: unknown) => {
  console.error(e);
  process.exitCode = 1;
});
