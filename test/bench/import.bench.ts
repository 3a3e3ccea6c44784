/**
 * `npm run bench:import` (issue 4 §5): generates a synthetic population with the sample generator
 * (about 370 resources per patient, notes included), then measures in one process:
 *   1. the limit: reading the same NDJSON files and JSON-parsing every line, nothing else;
 *   2. the import through the whole pipeline into a new vault on disk (production KDF): NDJSON
 *      streaming, validation, indexing of every search parameter, encryption, durable commits
 *      (runImport over the vault repository, as `hearth import` and the Import screen run it);
 *   3. generation itself (`hearth sample`), for the record;
 *   4. the export of the vault just imported (reopened, as `hearth export` opens it) to the Bulk Data
 *      NDJSON $export layout (runExport: one Type.ndjson per type and a manifest), with its rate and peak.
 * Figures go to bench-results/import.json; the rate is compared with the target (10,000
 * resources/s end to end) and with the limit measured in the same run, never with a fixed time.
 *
 * Knobs: HEARTH_BENCH_RESOURCES (default 1000000; the patient count is derived from it),
 * HEARTH_BENCH_COMMIT (the commit to record when run from a `git archive` export),
 * HEARTH_BENCH_IMPORT_PREP=0 (import without the write-prep worker, for comparison: `hearth import`
 * and the Import screen have one, vault-session.ts).
 */
import { createReadStream, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import os, { loadavg } from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { fhirProjector } from '../../src-main/fhir/fhir-projector';
import { createVaultRepository } from '../../src-main/fhir/vault-repository';
import { WritePrepPool } from '../../src-main/fhir/write-prep-pool';
import { runImport } from '../../src-main/io/importer';
import { generateSample } from '../../src-main/sample/generator';
import { runExport } from '../../src-main/export/exporter';
import { createVault, openVault } from '../../src-main/vault';
import { benchCommit, collectGarbage, folderBytes, mainThreadCpuSeconds, PhasePeak, round, cpuSeconds } from './fhir/measure';

const RESOURCES_PER_PATIENT = 370;
const target = Number(process.env.HEARTH_BENCH_RESOURCES ?? 1_000_000);
if (!Number.isInteger(target) || target < 1000) throw new Error('HEARTH_BENCH_RESOURCES must be a whole number of at least 1000');
const patients = Math.max(1, Math.round(target / RESOURCES_PER_PATIENT));
const work = mkdtempSync(path.join(os.tmpdir(), 'hearth-bench-import-'));
const dataDir = path.join(work, 'ndjson');



async function main(): Promise<void> {
  const started = new Date().toISOString();
  const load = loadavg()[0]!;
  console.log(`bench:import: ${patients} patients (~${target.toLocaleString('en-US')} resources) in ${work}; load average ${load.toFixed(1)}`);

  // 3. Generation (first: it makes the files the other phases read).
  const genPeak = new PhasePeak();
  genPeak.start();
  let cpu = process.cpuUsage();
  let t = performance.now();
  const sample = await generateSample({ patients, seed: 'bench-import', outDir: dataDir });
  const generateSeconds = (performance.now() - t) / 1000;
  const generateCpu = cpuSeconds(cpu);
  const genMb = genPeak.stop().peakMb;
  const files = readdirSync(dataDir).filter((name) => name.endsWith('.ndjson')).map((name) => path.join(dataDir, name));
  const bytes = folderBytes(dataDir);
  console.log(`  generated ${sample.resources.toLocaleString('en-US')} resources (${(bytes / 1e6).toFixed(0)} MB) in ${generateSeconds.toFixed(1)} s`);
  collectGarbage();

  // 1. The limit: read and JSON.parse every line of the same files.
  const limitPeak = new PhasePeak();
  limitPeak.start();
  cpu = process.cpuUsage();
  t = performance.now();
  let parsed = 0;
  for (const file of files) {
    const lines = createInterface({ input: createReadStream(file, { encoding: 'utf8', highWaterMark: 1024 * 1024 }), crlfDelay: Infinity });
    for await (const line of lines) {
      if (line.length === 0) continue;
      JSON.parse(line);
      parsed++;
    }
  }
  const limitSeconds = (performance.now() - t) / 1000;
  const limitCpu = cpuSeconds(cpu);
  const limitMb = limitPeak.stop().peakMb;
  console.log(`  limit: read + parse ${parsed.toLocaleString('en-US')} lines in ${limitSeconds.toFixed(1)} s`);
  collectGarbage();

  // 2. The import through the whole pipeline.
  const importPeak = new PhasePeak();
  importPeak.start();
  const vaultDir = path.join(work, 'vault');
  const vault = await createVault(vaultDir, 'benchmark passphrase, not a secret', { projector: fhirProjector });
  // As `hearth import` and the Import screen have it (vault-session.ts): the write-prep worker prepares
  // the next chunk while this thread commits the one before. Started before the timing, as it is by
  // the time an import runs in the app.
  const withPrep = process.env.HEARTH_BENCH_IMPORT_PREP !== '0';
  const pool = withPrep ? new WritePrepPool() : undefined;
  if (pool) {
    pool.start();
    const waiting = performance.now();
    while (!pool.ready) {
      if (performance.now() - waiting > 120_000) throw new Error('the write-prep worker did not start');
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
  }
  const repository = createVaultRepository(vault, pool ? { preparer: pool } : {});
  const importThreadBefore = mainThreadCpuSeconds();
  cpu = process.cpuUsage();
  t = performance.now();
  let lastPrint = 0;
  const result = await runImport({
    repository,
    sources: [{ kind: 'path', path: dataDir }],
    onProgress: (p) => {
      importPeak.sample();
      const now = performance.now();
      if (now - lastPrint > 5000) {
        lastPrint = now;
        process.stdout.write(`    ${p.recordsDone.toLocaleString('en-US')} records, ${Math.round(p.recordsDone / ((now - t) / 1000))}/s\r`);
      }
    },
  });
  const importSeconds = (performance.now() - t) / 1000;
  const importCpu = cpuSeconds(cpu);
  const importThreadCpu = mainThreadCpuSeconds() - importThreadBefore;
  const closeStarted = performance.now();
  await pool?.close();
  await vault.close();
  const closeSeconds = (performance.now() - closeStarted) / 1000;
  const importMb = importPeak.stop().peakMb;
  const stored = result.created + result.updated + result.unchanged;
  process.stdout.write('\n');
  console.log(`  import: ${stored.toLocaleString('en-US')} stored, ${result.failed} failed, in ${importSeconds.toFixed(1)} s (+ ${closeSeconds.toFixed(1)} s final snapshot)`);

  collectGarbage();

  // 4. The export of what was just imported, from a freshly opened vault.
  const exportPeak = new PhasePeak();
  exportPeak.start();
  t = performance.now();
  const reopened = await openVault(vaultDir, 'benchmark passphrase, not a secret', { projector: fhirProjector });
  const openSeconds = (performance.now() - t) / 1000;
  const exportDir = path.join(work, 'export');
  cpu = process.cpuUsage();
  t = performance.now();
  const exported = await runExport({ repository: createVaultRepository(reopened), outDir: exportDir, format: 'ndjson', onProgress: () => exportPeak.sample() });
  const exportSeconds = (performance.now() - t) / 1000;
  const exportCpu = cpuSeconds(cpu);
  await reopened.close();
  const exportMb = exportPeak.stop().peakMb;
  console.log(`  export: ${exported.resources.toLocaleString('en-US')} resources (${(exported.bytes / 1e6).toFixed(0)} MB) in ${exportSeconds.toFixed(1)} s (after ${openSeconds.toFixed(1)} s to open)`);

  const importRate = stored / importSeconds;
  const exportRate = exported.resources / exportSeconds;
  const limitRate = parsed / limitSeconds;
  const figures = {
    resources: sample.resources,
    patients,
    ndjson_bytes: bytes,
    generate_seconds: round(generateSeconds),
    generate_resources_per_second: round(sample.resources / generateSeconds, 0),
    generate_resources_per_cpu_second: round(sample.resources / generateCpu, 0),
    generate_peak_rss_mb: genMb,
    limit_seconds: round(limitSeconds),
    limit_resources_per_second: round(limitRate, 0),
    limit_peak_rss_mb: limitMb,
    import_seconds: round(importSeconds),
    import_resources_per_second: round(importRate, 0),
    import_resources_per_cpu_second: round(stored / importCpu, 0),
    import_failed: result.failed,
    import_write_prep_worker: withPrep,
    /** CPU of the store's (main) thread alone per resource: what bounds the wall rate with the worker. */
    import_main_thread_us_per_resource: round((importThreadCpu * 1e6) / Math.max(1, stored), 0),
    import_close_seconds: round(closeSeconds),
    import_peak_rss_mb: importMb,
    limit_over_import_ratio: round(limitRate / importRate, 1),
    vault_bytes_per_resource: round(folderBytes(vaultDir) / Math.max(1, stored), 0),
    export_open_seconds: round(openSeconds),
    export_seconds: round(exportSeconds),
    export_resources: exported.resources,
    export_bytes: exported.bytes,
    export_resources_per_second: round(exportRate, 0),
    export_resources_per_cpu_second: round(exported.resources / exportCpu, 0),
    export_peak_rss_mb: exportMb,
  };
  const targets = {
    import_at_least_10000_per_second: importRate >= 10_000,
    import_peak_under_3_gb: importMb < 3072,
    import_zero_failed: result.failed === 0,
    export_every_stored_resource: exported.resources === stored && exported.errors.length === 0,
  };
  console.table(figures);
  for (const [name, pass] of Object.entries(targets)) console.log(`${pass ? 'PASS' : 'FAIL'} ${name}`);
  mkdirSync('bench-results', { recursive: true });
  writeFileSync('bench-results/import.json', `${JSON.stringify({ started, finished: new Date().toISOString(), loadAverageAtStart: load, ...benchCommit(), figures, targets }, null, 2)}\n`);
  rmSync(work, { recursive: true, force: true });
}

main().catch((error: unknown) => {
  rmSync(work, { recursive: true, force: true });
  console.error(error);
  process.exitCode = 1;
});
