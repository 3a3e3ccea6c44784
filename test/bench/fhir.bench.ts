/**
 * `npm run bench:fhir`: the FHIR engine benchmark of issue 3 §5 (docs/benchmarks.md).
 *
 * For each corpus size (HEARTH_BENCH_SIZES, default 100000,1000000), on a generated corpus
 * (test/bench/fhir/corpus.ts) streamed as transaction Bundles of 500, in one process and this order:
 *   1. Raw sql.js inserts of the same JSON, no indexes (the limit). First, in a fresh heap: run after
 *      the engine phase it measured 15-40% slower, depending on what that phase left behind.
 *   2. Hearth: an encrypted vault on disk (production KDF), every search parameter indexed at write
 *      time; writes and the 20-query mix through the transport-free REST handler; peak RSS of this
 *      phase alone; vault bytes on disk per resource.
 *   3. @medplum/fhir-router's MemoryRepository (the peer), capped at HEARTH_BENCH_MEDPLUM_MAX
 *      resources (default 100,000: it keeps every resource as JS objects and scans them all per
 *      search, about a millisecond per resource and filter), with a time budget per query
 *      (HEARTH_BENCH_MEDPLUM_QUERY_BUDGET_MS, default 10,000: fewer timed runs past it).
 * Prints tables and PASS/FAIL per target, writes bench-results/fhir.json. Never fails on a target:
 * the figures are what it is for.
 *
 * Hearth's writes keep HEARTH_BENCH_PIPELINE Bundles in flight (default 3, as the importer does: one
 * prepared on the write-prep worker, one applied on the store thread, one waiting for its fsync; with
 * 2 the next Bundle's preparation only starts once the one before is durable, and the store thread
 * sat idle ~21 us per resource of ~116 at 100k; 1 writes them one after the other).
 *
 * Other knobs: HEARTH_BENCH_ROUNDS (timed rounds of the query mix, default 7, at least 7 for the
 * targets), HEARTH_BENCH_MEDPLUM_ROUNDS (default the same), HEARTH_BENCH_COMMIT (the commit to record
 * when running from an exported tree without .git).
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { corpusBundles } from './fhir/corpus';
import { runEngine, type EngineResult } from './fhir/engine';
import { collectGarbage, round } from './fhir/measure';
import { runMedplum, type MedplumResult } from './fhir/medplum';
import { requestBodyText, type BundleText, type QueryMixResult, type WriteResult } from './fhir/phases';
import { queryMix } from './fhir/queries';
import { runRawSqlJs, type RawResult } from './fhir/raw-sqljs';

const BUNDLE_SIZE = 500;
const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

const TARGET_WRITE_PER_S = 10_000;
const TARGET_RAW_RATIO = 4;
const TARGET_P95_MS = 20;
const TARGET_PEAK_MB = 3 * 1024;
const TARGET_SIZE = 1_000_000;

function positiveInts(text: string, name: string): number[] {
  const values = text.split(',').map((part) => Number(part.trim()));
  if (values.length === 0 || values.some((value) => !Number.isInteger(value) || value < 1_000)) throw new Error(`${name} must be integers of at least 1000, comma-separated`);
  return values;
}

const sizes = positiveInts(process.env.HEARTH_BENCH_SIZES ?? '100000,1000000', 'HEARTH_BENCH_SIZES');
function intSetting(name: string, fallback: number, min: number): number {
  const text = process.env[name];
  if (text === undefined || text === '') return fallback;
  const value = Number(text);
  if (!Number.isInteger(value) || value < min) throw new Error(`${name} must be an integer of at least ${min}`);
  return value;
}

const rounds = intSetting('HEARTH_BENCH_ROUNDS', 7, 1);
/** Hearth's transaction Bundles in flight (3: preparing, applying, syncing; 1: serial). */
const pipelineDepth = intSetting('HEARTH_BENCH_PIPELINE', 3, 1);
const medplumRounds = intSetting('HEARTH_BENCH_MEDPLUM_ROUNDS', rounds, 1);
/** 0 skips the Medplum baseline. */
const medplumMax = intSetting('HEARTH_BENCH_MEDPLUM_MAX', 100_000, 0);
const medplumBudget = { perQueryMs: intSetting('HEARTH_BENCH_MEDPLUM_QUERY_BUDGET_MS', 10_000, 1) };

function label(size: number): string {
  return size % 1_000_000 === 0 ? `${size / 1_000_000}m` : size % 1_000 === 0 ? `${size / 1_000}k` : String(size);
}

/** The corpus as Bundle JSON text, generated anew for each store (deterministic: the same bytes). */
function bundleTexts(size: number): () => Iterable<BundleText> {
  return function* texts() {
    for (const bundle of corpusBundles(size, BUNDLE_SIZE)) yield { body: requestBodyText(bundle), entries: bundle.entry?.length ?? 0 };
  };
}

interface SizeRun {
  size: number;
  engine: EngineResult;
  /** null when the baseline failed (its error is in `failures`): the engine's figures still count. */
  raw: RawResult | null;
  medplum: MedplumResult | null;
  medplumSize: number;
  failures: string[];
}

async function baseline<T>(name: string, failures: string[], run: () => Promise<T>): Promise<T | null> {
  try {
    return await run();
  } catch (error) {
    failures.push(`${name} failed: ${error instanceof Error ? error.message.slice(0, 300) : String(error)}`);
    console.error(`  ${name} failed; continuing`);
    return null;
  } finally {
    collectGarbage();
  }
}

interface TargetLine {
  target: string;
  size: string;
  value: string;
  verdict: 'PASS' | 'FAIL' | 'n/a';
}

function writeFigures(prefix: string, tag: string, write: WriteResult, figures: Record<string, number>): void {
  figures[`${prefix}_write_resources_per_s_${tag}`] = round(write.resourcesPerSecond, 0);
  figures[`${prefix}_write_steady_resources_per_s_${tag}`] = round(write.steadyResourcesPerSecond, 0);
  figures[`${prefix}_write_s_${tag}`] = round(write.seconds, 1);
  figures[`${prefix}_first_bundle_ms_${tag}`] = round(write.firstBundleMs, 0);
  figures[`${prefix}_write_cpu_s_${tag}`] = round(write.cpuSeconds, 1);
  figures[`${prefix}_write_resources_per_cpu_s_${tag}`] = round(write.resources / write.cpuSeconds, 0);
  // The store's (main) thread alone: microseconds of its CPU per resource written.
  figures[`${prefix}_write_store_thread_cpu_s_${tag}`] = round(write.storeThreadCpuSeconds, 1);
  figures[`${prefix}_write_store_thread_us_per_resource_${tag}`] = round((write.storeThreadCpuSeconds * 1e6) / write.resources, 0);
}

function queryFigures(prefix: string, tag: string, mix: QueryMixResult, figures: Record<string, number>): void {
  figures[`${prefix}_search_p50_ms_${tag}`] = mix.overall.p50Ms;
  figures[`${prefix}_search_p95_ms_${tag}`] = mix.overall.p95Ms;
  figures[`${prefix}_search_queries_answered_${tag}`] = mix.perQuery.filter((timing) => timing.latency).length;
}

/** Medplum results by corpus size (a capped run reuses the one at that size). */
const medplumRuns = new Map<number, MedplumResult | null>();

async function runSize(size: number, folder: string): Promise<SizeRun> {
  const queries = queryMix(size);
  console.log(`\n== ${size.toLocaleString('en-US')} resources ==`);
  const failures: string[] = [];
  // The limit runs first: run after the engine phase, in the same process, raw sql.js measured 25-45%
  // slower than in a fresh process in session 11 (and faster in session 10), so it depended on what
  // the engine had left behind. Before the engine it starts from the same state in every run.
  console.log('  raw sql.js inserts (no indexes)');
  const raw = await baseline(`raw sql.js at ${label(size)}`, failures, () => runRawSqlJs(size, bundleTexts(size)));
  collectGarbage();
  console.log(`  Hearth (encrypted vault, REST transaction Bundles of 500, ${pipelineDepth} in flight)`);
  const engine = await runEngine(size, folder, bundleTexts(size), queries, rounds, pipelineDepth);
  collectGarbage();
  const medplumSize = Math.min(size, medplumMax);
  let medplum: MedplumResult | null = null;
  if (medplumSize >= 1_000 && medplumRuns.has(medplumSize)) {
    // Capped to a size an earlier run already measured: the same corpus and queries, not run twice.
    medplum = medplumRuns.get(medplumSize) ?? null;
  } else if (medplumSize >= 1_000) {
    console.log(`  @medplum/fhir-router MemoryRepository${medplumSize < size ? ` (capped at ${medplumSize.toLocaleString('en-US')} resources)` : ''}`);
    medplum = await baseline(`Medplum at ${label(medplumSize)}`, failures, () => runMedplum(medplumSize, bundleTexts(medplumSize), queryMix(medplumSize), medplumRounds, medplumBudget));
    medplumRuns.set(medplumSize, medplum);
  }
  return { size, engine, raw, medplum, medplumSize, failures };
}

function gitDescription(): { commit: string; dirty: boolean } {
  try {
    const commit = execFileSync('git', ['rev-parse', 'HEAD'], { cwd: repoRoot, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
    const dirty = execFileSync('git', ['status', '--porcelain', '--', 'src-main'], { cwd: repoRoot, encoding: 'utf8' }).trim().length > 0;
    return { commit, dirty };
  } catch {
    // Run from a `git archive` export (no .git): the caller names the commit.
    return { commit: process.env.HEARTH_BENCH_COMMIT ?? 'unknown', dirty: process.env.HEARTH_BENCH_COMMIT === undefined };
  }
}

function targetsFor(runs: readonly SizeRun[]): TargetLine[] {
  const lines: TargetLine[] = [];
  for (const run of runs) {
    const tag = label(run.size);
    const rate = run.engine.write.resourcesPerSecond;
    lines.push({ target: `write >= ${TARGET_WRITE_PER_S.toLocaleString('en-US')} resources/s`, size: tag, value: `${Math.round(rate)}/s`, verdict: rate >= TARGET_WRITE_PER_S ? 'PASS' : 'FAIL' });
    if (run.raw) {
      const ratio = run.raw.write.resourcesPerSecond / rate;
      lines.push({ target: `write within ${TARGET_RAW_RATIO}x of raw sql.js`, size: tag, value: `${round(ratio, 1)}x`, verdict: ratio <= TARGET_RAW_RATIO ? 'PASS' : 'FAIL' });
    } else {
      lines.push({ target: `write within ${TARGET_RAW_RATIO}x of raw sql.js`, size: tag, value: 'raw baseline failed', verdict: 'FAIL' });
    }
    const atTarget = run.size >= TARGET_SIZE;
    const p95 = run.engine.queries.overall.p95Ms;
    const complete = run.engine.queries.perQuery.every((timing) => timing.latency) && rounds >= 7;
    lines.push({
      target: `search p95 < ${TARGET_P95_MS} ms (20 queries x >= 7)${atTarget ? '' : ' [target is at 1M]'}`,
      size: tag,
      value: `${p95} ms${complete ? '' : ' (a query failed or fewer than 7 rounds)'}`,
      verdict: !atTarget ? 'n/a' : complete && p95 < TARGET_P95_MS ? 'PASS' : 'FAIL',
    });
    const peak = run.engine.peakRssMb;
    lines.push({ target: `engine peak RSS < 3 GB${atTarget ? '' : ' [target is at 1M]'}`, size: tag, value: `${Math.round(peak)} MB`, verdict: !atTarget ? 'n/a' : peak < TARGET_PEAK_MB ? 'PASS' : 'FAIL' });
  }
  if (!runs.some((run) => run.size >= TARGET_SIZE)) lines.push({ target: 'search p95 and peak RSS at 1,000,000 resources', size: '1m', value: 'not run', verdict: 'n/a' });
  return lines;
}

async function main(): Promise<void> {
  const startedAt = new Date();
  const git = gitDescription();
  const folder = mkdtempSync(path.join(os.tmpdir(), 'hearth-fhir-bench-'));
  console.log(`Hearth FHIR engine benchmark: sizes ${sizes.map(label).join(', ')}, ${rounds} timed rounds of ${queryMix(sizes[0]!).length} queries`);
  console.log(`commit ${git.commit.slice(0, 12)}${git.dirty ? ' + uncommitted changes in src-main' : ''}; ${os.cpus().length} cores; load average ${os.loadavg().map((l) => l.toFixed(1)).join(' ')}`);
  const runs: SizeRun[] = [];
  try {
    for (const size of sizes) runs.push(await runSize(size, folder));
  } finally {
    rmSync(folder, { recursive: true, force: true });
  }

  const figures: Record<string, number> = {};
  const notes: string[] = [];
  const queries: Record<string, unknown[]> = {};
  for (const run of runs) {
    const tag = label(run.size);
    writeFigures('engine', tag, run.engine.write, figures);
    queryFigures('engine', tag, run.engine.queries, figures);
    figures[`engine_peak_rss_mb_${tag}`] = run.engine.peakRssMb;
    figures[`engine_vault_bytes_${tag}`] = run.engine.vaultBytes;
    figures[`engine_vault_bytes_per_resource_${tag}`] = round(run.engine.vaultBytes / run.size, 0);
    figures[`engine_create_vault_ms_${tag}`] = round(run.engine.createVaultMs, 0);
    figures[`engine_close_ms_${tag}`] = round(run.engine.closeMs, 0);
    figures[`engine_snapshot_before_queries_ms_${tag}`] = round(run.engine.settleMs, 0);
    figures[`engine_write_pipeline_depth_${tag}`] = run.engine.pipelineDepth;
    figures[`engine_write_prep_worker_start_ms_${tag}`] = round(run.engine.prepWorkerStartMs, 0);
    figures[`engine_write_index_pages_out_per_resource_${tag}`] = round(run.engine.pagesOutDuringWrites / run.size, 2);
    figures[`engine_write_index_pages_in_per_resource_${tag}`] = round(run.engine.pagesInDuringWrites / run.size, 2);
    // Where a query read pages back from the paged index: each run's ms and pages, first (untimed) run first.
    for (const [queryLabel, queryRuns] of run.engine.queryRuns) {
      if (queryRuns.some((r) => r.pagesIn > 0)) console.log(`  ${tag} ${queryLabel}: ${queryRuns.map((r) => `${r.ms.toFixed(1)} ms/${r.pagesIn} pages`).join(', ')}`);
      // A timed run (not the first) over 10 ms: what else happened meanwhile.
      for (const [runIndex, slow] of queryRuns.entries()) {
        if (runIndex === 0) {
          // The untimed first run: cold caches, and for the deep page no paging checkpoint yet (the
          // timed runs resume from the one it leaves: docs/search.md, "Paging checkpoints").
          if (slow.ms > 20) console.log(`  ${tag} first (untimed) run of ${queryLabel}: ${slow.ms.toFixed(1)} ms, process CPU ${slow.cpuMs.toFixed(1)} ms, ${slow.pagesIn} pages`);
          continue;
        }
        if (slow.ms <= 10) continue;
        console.log(`  ${tag} slow run ${runIndex} of ${queryLabel}: ${slow.ms.toFixed(1)} ms, process CPU ${slow.cpuMs.toFixed(1)} ms, GC ${slow.gcMs.toFixed(1)} ms${slow.gcKinds ? ` (${slow.gcKinds})` : ''}, ${slow.pagesIn} pages`);
      }
    }
    notes.push(...run.failures);
    if (run.raw) {
      writeFigures('raw_sqljs', tag, run.raw.write, figures);
      figures[`raw_sqljs_peak_rss_mb_${tag}`] = run.raw.peakRssMb;
      figures[`engine_write_ratio_raw_over_engine_${tag}`] = round(run.raw.write.resourcesPerSecond / run.engine.write.resourcesPerSecond, 2);
      figures[`engine_cpu_ratio_engine_over_raw_${tag}`] = round(run.engine.write.cpuSeconds / run.raw.write.cpuSeconds, 2);
    }
    if (run.medplum) {
      const mtag = label(run.medplumSize);
      if (run.medplumSize < run.size) notes.push(`Medplum MemoryRepository capped at ${run.medplumSize} resources in the ${tag} run (HEARTH_BENCH_MEDPLUM_MAX); its figures are named ${mtag}.`);
      writeFigures('medplum', mtag, run.medplum.write, figures);
      queryFigures('medplum', mtag, run.medplum.queries, figures);
      figures[`medplum_peak_rss_mb_${mtag}`] = run.medplum.peakRssMb;
      for (const timing of run.medplum.queries.perQuery) {
        if (timing.unsupported) notes.push(`Medplum ${mtag}: "${timing.query.label}" refused: ${timing.unsupported}`);
        else if (timing.latency && timing.latency.samples < medplumRounds) notes.push(`Medplum ${mtag}: "${timing.query.label}" timed ${timing.latency.samples} time(s) only (over its ${medplumBudget.perQueryMs} ms budget).`);
      }
    }
    for (const timing of run.engine.queries.perQuery) if (timing.unsupported) notes.push(`Hearth ${tag}: "${timing.query.label}" failed: ${timing.unsupported}`);
    if (run.engine.peakMethod !== 'VmHWM') notes.push(`Peak RSS ${tag} was sampled every 50 ms (no VmHWM): it can miss short peaks.`);

    const sameSize = run.medplum !== null && run.medplumSize === run.size;
    queries[tag] = run.engine.queries.perQuery.map((timing, index) => {
      const peer = sameSize ? run.medplum?.queries.perQuery[index] : undefined;
      if (peer?.outcome && timing.outcome && peer.outcome.matches !== timing.outcome.matches) {
        notes.push(`${tag} "${timing.query.label}": Hearth returned ${timing.outcome.matches} matches, Medplum ${peer.outcome.matches}${timing.query.query.includes('_count=') ? '' : ' (no _count: the default page sizes differ)'}.`);
      }
      return {
        label: timing.query.label,
        query: `${timing.query.resourceType}?${timing.query.query}`,
        hearth: timing.latency ? { ...timing.latency, firstRunMs: round(timing.firstRunMs ?? Number.NaN), ...timing.outcome } : { unsupported: timing.unsupported },
        medplum: peer ? (peer.latency ? { ...peer.latency, firstRunMs: round(peer.firstRunMs ?? Number.NaN), ...peer.outcome } : { unsupported: peer.unsupported }) : undefined,
      };
    });

    console.log(`\nQuery mix at ${tag} (ms; Medplum ${sameSize ? 'on the same corpus' : `at ${label(run.medplumSize)}, not shown`})`);
    console.table(
      run.engine.queries.perQuery.map((timing, index) => {
        const peer = sameSize ? run.medplum?.queries.perQuery[index] : undefined;
        return {
          query: timing.query.label,
          'hearth p50': timing.latency?.p50Ms ?? 'failed',
          'hearth p95': timing.latency?.p95Ms ?? 'failed',
          matches: timing.outcome ? timing.outcome.matches + (timing.outcome.included ? ` +${timing.outcome.included}` : '') : '',
          'medplum p50': peer ? (peer.latency?.p50Ms ?? 'refused') : '',
          'medplum p95': peer ? (peer.latency?.p95Ms ?? 'refused') : '',
          'medplum matches': peer?.outcome ? peer.outcome.matches + (peer.outcome.included ? ` +${peer.outcome.included}` : '') : '',
        };
      }),
    );
  }

  // A Medplum run shared by two sizes would list its notes twice.
  const uniqueNotes = [...new Set(notes)];
  console.log('\nFigures');
  console.table(Object.entries(figures).map(([figure, value]) => ({ figure, value })));
  const targets = targetsFor(runs);
  console.log('\nTargets (issue 3 §5)');
  for (const line of targets) console.log(`  ${line.verdict.padEnd(4)} ${line.target} @ ${line.size}: ${line.value}`);
  if (uniqueNotes.length > 0) {
    console.log('\nNotes');
    for (const note of uniqueNotes) console.log(`  - ${note}`);
  }

  const out = path.join(repoRoot, 'bench-results');
  mkdirSync(out, { recursive: true });
  const report = {
    startedAt: startedAt.toISOString(),
    finishedAt: new Date().toISOString(),
    commit: git.commit,
    uncommittedChangesInSrcMain: git.dirty,
    machine: { cores: os.cpus().length, memoryGb: round(os.totalmem() / 1024 ** 3, 1), node: process.version, loadAverageAtStart: os.loadavg().map((l) => round(l, 1)) },
    sizes,
    bundleSize: BUNDLE_SIZE,
    rounds,
    medplumRounds,
    medplumMax,
    medplumQueryBudgetMs: medplumBudget.perQueryMs,
    figures,
    targets,
    queries,
    notes: uniqueNotes,
  };
  writeFileSync(path.join(out, 'fhir.json'), `${JSON.stringify(report, null, 2)}\n`);
  console.log(`wrote ${path.relative(repoRoot, path.join(out, 'fhir.json'))}`);
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? (error.stack ?? error.message) : String(error));
  process.exit(1);
});
