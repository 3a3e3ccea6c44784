/**
 * The two timed loops every store goes through: the write of the corpus (transaction Bundles of the
 * same JSON text) and the query mix (one untimed warm-up round, then `rounds` timed rounds of the
 * whole mix in order, so every query sees the same cache state).
 */
import type { BenchQuery } from './queries';
import { type LatencySummary, mainThreadCpuSeconds, type PhasePeak, summarize } from './measure';

export interface WriteResult {
  resources: number;
  bundles: number;
  /** Time inside the store only (generating and serialising the corpus is not counted). */
  seconds: number;
  resourcesPerSecond: number;
  /** The first Bundle alone: one-time costs (definitions, compiled extractors, prepared statements). */
  firstBundleMs: number;
  /** Resources per second without the first Bundle. */
  steadyResourcesPerSecond: number;
  /** Process CPU time (user + system) spent in the store: on a shared machine, wall time is not all ours. */
  cpuSeconds: number;
  /** CPU time of the store's thread alone (the main thread; the write-prep worker and thread pool excluded). */
  storeThreadCpuSeconds: number;
}

function cpuSecondsSince(start: NodeJS.CpuUsage): number {
  const used = process.cpuUsage(start);
  return (used.user + used.system) / 1e6;
}

/**
 * A Bundle's JSON text as a request body arrives (transport/http-server.ts: the body's bytes
 * decoded, one flat string). JSON.stringify's own result for a Bundle this size is a rope (V8
 * builds it in parts) that its first reader flattens: ~1.8 ms per 500-resource Bundle, which the
 * store thread paid inside the timed window when it posted the text to the write-prep worker, and
 * which a body read from a socket never costs. Called outside the timed windows.
 */
export function requestBodyText(value: unknown): string {
  return Buffer.from(JSON.stringify(value), 'utf8').toString('utf8');
}

/** One transaction Bundle as JSON text, the same bytes for every store. */
export interface BundleText {
  body: string;
  entries: number;
}

/** Bundles generated ahead of each timed burst of pipelined writes. */
const BURST_BUNDLES = 20;

/**
 * `depth` Bundles in flight at once (a bulk loader's concurrent requests; the store pipelines them:
 * fhir-repository.ts). Generating the corpus runs on the thread the store runs on, so it must not
 * fall inside the timed windows: the Bundles come in bursts of BURST_BUNDLES generated untimed,
 * each burst written with `depth` in flight and timed from its first request to its last answer
 * (wall, and process CPU: every thread, the write-prep worker's included). The pipeline drains
 * between bursts, so this slightly understates a continuous stream. The first Bundle is written
 * alone (one-time costs, `firstBundleMs`).
 */
async function writeBundlesPipelined(
  size: number,
  bundles: () => Iterable<BundleText>,
  peak: PhasePeak,
  write: (body: string, entries: number) => Promise<void>,
  depth: number,
): Promise<WriteResult> {
  const iterator = bundles()[Symbol.iterator]();
  let storeMs = 0;
  let cpuSeconds = 0;
  let storeThreadCpuSeconds = 0;
  let resources = 0;
  let count = 0;
  let firstBundleMs = 0;
  let firstEntries = 0;
  for (let first = true; ; first = false) {
    const burst: BundleText[] = [];
    for (let i = 0; i < (first ? 1 : BURST_BUNDLES); i++) {
      const next = iterator.next();
      if (next.done) break;
      burst.push(next.value);
    }
    if (burst.length === 0) break;
    const cpuStart = process.cpuUsage();
    const threadStart = mainThreadCpuSeconds();
    const started = performance.now();
    const window: Array<Promise<void>> = [];
    for (const { body, entries } of burst) {
      const writing = write(body, entries);
      // Awaited in order below; a failure there must not also surface as unhandled.
      writing.catch(() => undefined);
      window.push(writing);
      if (window.length >= depth) await window.shift();
    }
    for (const writing of window) await writing;
    const elapsed = performance.now() - started;
    cpuSeconds += cpuSecondsSince(cpuStart);
    storeThreadCpuSeconds += mainThreadCpuSeconds() - threadStart;
    const entries = burst.reduce((total, b) => total + b.entries, 0);
    if (first) {
      firstBundleMs = elapsed;
      firstEntries = entries;
    }
    storeMs += elapsed;
    resources += entries;
    count += burst.length;
    peak.sample();
    process.stdout.write(`    ${resources.toLocaleString('en-US')} / ${size.toLocaleString('en-US')} (${Math.round(resources / (storeMs / 1000))}/s)\r`);
  }
  process.stdout.write('\n');
  return writeResult({ storeMs, firstBundleMs, resources, count, firstEntries, cpuSeconds, storeThreadCpuSeconds });
}

/** The figures of a write phase, from its running totals (serial and pipelined loops alike). */
function writeResult(t: { storeMs: number; firstBundleMs: number; resources: number; count: number; firstEntries: number; cpuSeconds: number; storeThreadCpuSeconds: number }): WriteResult {
  const seconds = t.storeMs / 1000;
  const steadySeconds = (t.storeMs - t.firstBundleMs) / 1000;
  return {
    resources: t.resources,
    bundles: t.count,
    seconds,
    resourcesPerSecond: t.resources / seconds,
    firstBundleMs: t.firstBundleMs,
    steadyResourcesPerSecond: steadySeconds > 0 ? (t.resources - t.firstEntries) / steadySeconds : Number.NaN,
    cpuSeconds: t.cpuSeconds,
    storeThreadCpuSeconds: t.storeThreadCpuSeconds,
  };
}

export async function writeBundles(
  size: number,
  bundles: () => Iterable<BundleText>,
  peak: PhasePeak,
  write: (body: string, entries: number) => Promise<void>,
  depth = 1,
): Promise<WriteResult> {
  if (depth > 1) return writeBundlesPipelined(size, bundles, peak, write, depth);
  let storeMs = 0;
  let firstBundleMs = 0;
  let resources = 0;
  let count = 0;
  let firstEntries = 0;
  let cpuSeconds = 0;
  let storeThreadCpuSeconds = 0;
  for (const { body, entries } of bundles()) {
    const cpuStart = process.cpuUsage();
    const threadStart = mainThreadCpuSeconds();
    const started = performance.now();
    await write(body, entries);
    const elapsed = performance.now() - started;
    cpuSeconds += cpuSecondsSince(cpuStart);
    storeThreadCpuSeconds += mainThreadCpuSeconds() - threadStart;
    if (count === 0) {
      firstBundleMs = elapsed;
      firstEntries = entries;
    }
    storeMs += elapsed;
    resources += entries;
    count++;
    peak.sample();
    if (count % 20 === 0) process.stdout.write(`    ${resources.toLocaleString('en-US')} / ${size.toLocaleString('en-US')} (${Math.round(resources / (storeMs / 1000))}/s)\r`);
  }
  process.stdout.write('\n');
  return writeResult({ storeMs, firstBundleMs, resources, count, firstEntries, cpuSeconds, storeThreadCpuSeconds });
}

export interface QueryOutcome {
  matches: number;
  included: number;
}

export interface QueryTiming {
  query: BenchQuery;
  /** Absent when the store refused the query (message in `unsupported`). */
  latency?: LatencySummary;
  firstRunMs?: number;
  outcome?: QueryOutcome;
  unsupported?: string;
}

/**
 * A store too slow for the full mix (Medplum's in-memory scans at 100k and more) gets a time budget
 * per query: timed rounds stop once the query has used it, and a warm-up run longer than the budget
 * is itself the only sample. Such queries are marked with fewer samples.
 */
export interface QueryBudget {
  perQueryMs: number;
}

export interface QueryMixResult {
  perQuery: QueryTiming[];
  /** Every timed sample of every supported query. */
  overall: LatencySummary;
}

export async function runQueryMix(
  queries: readonly BenchQuery[],
  rounds: number,
  peak: PhasePeak,
  run: (query: BenchQuery) => Promise<QueryOutcome>,
  budget?: QueryBudget,
): Promise<QueryMixResult> {
  const timings: QueryTiming[] = [];
  const samples = new Map<number, number[]>();
  const spent = new Map<number, number>();
  for (const [index, query] of queries.entries()) {
    const started = performance.now();
    try {
      const outcome = await run(query);
      const firstRunMs = performance.now() - started;
      timings.push({ query, firstRunMs, outcome });
      const overBudget = budget !== undefined && firstRunMs > budget.perQueryMs;
      samples.set(index, overBudget ? [firstRunMs] : []);
      spent.set(index, overBudget ? Number.POSITIVE_INFINITY : 0);
    } catch (error) {
      timings.push({ query, unsupported: error instanceof Error ? error.message.slice(0, 200) : String(error) });
    }
  }
  for (let round = 0; round < rounds; round++) {
    for (const [index, times] of samples) {
      if (budget !== undefined && (spent.get(index) ?? 0) > budget.perQueryMs) continue;
      const started = performance.now();
      await run(queries[index]!);
      const elapsed = performance.now() - started;
      times.push(elapsed);
      spent.set(index, (spent.get(index) ?? 0) + elapsed);
    }
    peak.sample();
  }
  const all: number[] = [];
  for (const [index, times] of samples) {
    timings[index]!.latency = summarize(times);
    all.push(...times);
  }
  return { perQuery: timings, overall: summarize(all) };
}
