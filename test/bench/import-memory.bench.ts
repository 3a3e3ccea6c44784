/**
 * `npm run bench:import-memory` (issue 4 §2: "a 2 GB NDJSON imports while the process stays under
 * 1.5 GB"). Makes one NDJSON file per shape in the OS temporary folder, imports it through the whole
 * pipeline (runImport over the vault repository on a new vault on disk, as `hearth import` runs
 * it: streaming, validation, indexing, encryption, durable commits, background snapshots) and
 * reports the peak RSS (VmHWM, reset at the start of the import) and the RSS over time, the
 * resources imported and the index bytes (sql.js page_count * page_size) at the end.
 *
 * Shapes (HEARTH_BENCH_SHAPES, comma-separated; default `sample,large`):
 *   sample  `hearth sample` output (the generator's mix: about 76% Observation, 9% DiagnosticReport,
 *           5% Encounter, 4% DocumentReference notes, the rest Patient, Condition, Procedure, ...)
 *           concatenated into one file, type after type: many small resources, so the index grows
 *           with the count;
 *   large   Binary resources of 960 KiB of base64 each (text/plain notes; the validator allows
 *           1 MiB): about 2,100 per 2 GB, so only the streaming is measured (the index stays small).
 * Size: HEARTH_BENCH_NDJSON_MB (default 2048, megabytes of 10^6 bytes; the sample shape lands
 * within a few percent of it, a whole number of patients). Results: bench-results/import-memory-<MB>mb.json.
 */
import { closeSync, createWriteStream, mkdirSync, mkdtempSync, openSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync, writeSync } from 'node:fs';
import { createReadStream } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import path from 'node:path';
import { once } from 'node:events';
import { fhirProjector } from '../../src-main/fhir/fhir-projector';
import { createVaultRepository } from '../../src-main/fhir/vault-repository';
import { runImport } from '../../src-main/io/importer';
import { generateSample } from '../../src-main/sample/generator';
import { createVault } from '../../src-main/vault';
import { benchCommit, collectGarbage, cpuSeconds, folderBytes, PhasePeak, round } from './fhir/measure';

const MB = 1e6;
const targetMb = Number(process.env.HEARTH_BENCH_NDJSON_MB ?? 2048);
if (!(targetMb >= 1)) throw new Error('HEARTH_BENCH_NDJSON_MB must be a number of at least 1');
const shapes = (process.env.HEARTH_BENCH_SHAPES ?? 'sample,large').split(',').map((s) => s.trim()).filter(Boolean);
for (const shape of shapes) if (shape !== 'sample' && shape !== 'large') throw new Error(`Unknown shape ${shape}: sample or large`);
/** NDJSON bytes per sample patient, measured on `hearth sample --patients 270` (78.0 MB). */
const SAMPLE_BYTES_PER_PATIENT = 289_000;
/** Under the validator's limit of 1 MiB (1,048,576 bytes) per base64Binary, base64 included. */
const LARGE_PAYLOAD_BYTES = 720 * 1024;
const work = mkdtempSync(path.join(tmpdir(), 'hearth-bench-import-memory-'));

function statusKb(field: 'VmRSS' | 'VmHWM'): number {
  const match = new RegExp(`^${field}:\\s+(\\d+) kB$`, 'm').exec(readFileSync('/proc/self/status', 'utf8'));
  return match ? Number(match[1]) : Math.round(process.memoryUsage.rss() / 1024);
}

/** `hearth sample` output for about `bytes`, concatenated into one NDJSON file. */
async function makeSampleFile(bytes: number): Promise<{ file: string; resources: number; patients: number }> {
  const patients = Math.max(1, Math.round(bytes / SAMPLE_BYTES_PER_PATIENT));
  const dir = path.join(work, 'sample');
  const sample = await generateSample({ patients, seed: 'bench-import-memory', outDir: dir });
  const file = path.join(work, 'sample.ndjson');
  const out = createWriteStream(file);
  for (const name of readdirSync(dir).filter((n) => n.endsWith('.ndjson')).sort()) {
    for await (const chunk of createReadStream(path.join(dir, name))) {
      if (!out.write(chunk as Buffer)) await once(out, 'drain');
    }
  }
  await new Promise<void>((resolve, reject) => out.end((error?: Error | null) => (error ? reject(error) : resolve())));
  rmSync(dir, { recursive: true, force: true });
  return { file, resources: sample.resources, patients };
}

/** Binary resources of LARGE_PAYLOAD_BYTES each (distinct text, base64) up to about `bytes`. */
function makeLargeFile(bytes: number): { file: string; resources: number } {
  const file = path.join(work, 'large.ndjson');
  const fd = openSync(file, 'w');
  const line = 'Progress note. Patient seen in clinic for follow-up; denies chest pain; continue current medications.\n';
  const text = Buffer.from(line.repeat(Math.ceil(LARGE_PAYLOAD_BYTES / line.length)).slice(0, LARGE_PAYLOAD_BYTES));
  let written = 0;
  let resources = 0;
  try {
    while (written < bytes) {
      // The first bytes differ per resource, so no two have the same content.
      text.write(`Note ${String(resources).padStart(8, '0')}.`, 0);
      const record = `${JSON.stringify({ resourceType: 'Binary', id: `large-${resources}`, contentType: 'text/plain', data: text.toString('base64') })}\n`;
      written += writeSync(fd, record);
      resources++;
    }
  } finally {
    closeSync(fd);
  }
  return { file, resources };
}

interface Sample {
  seconds: number;
  records: number;
  mbRead: number;
  rssMb: number;
  hwmMb: number;
}

async function importFile(shape: string, file: string): Promise<Record<string, number | boolean | string | Sample[]>> {
  const fileBytes = statSync(file).size;
  const vaultDir = path.join(work, `vault-${shape}`);
  const vault = await createVault(vaultDir, 'benchmark passphrase, not a secret', { projector: fhirProjector });
  const repository = createVaultRepository(vault);
  collectGarbage();
  const peak = new PhasePeak();
  peak.start();
  const series: Sample[] = [];
  const cpu = process.cpuUsage();
  const started = performance.now();
  let lastSample = -Infinity;
  const record = (records: number, bytesDone: number) => {
    const seconds = (performance.now() - started) / 1000;
    series.push({ seconds: round(seconds, 1), records, mbRead: round(bytesDone / MB, 1), rssMb: round(statusKb('VmRSS') / 1024, 0), hwmMb: round(statusKb('VmHWM') / 1024, 0) });
  };
  record(0, 0);
  const result = await runImport({
    repository,
    sources: [{ kind: 'path', path: file }],
    onProgress: (p) => {
      peak.sample();
      const now = performance.now();
      if (now - lastSample >= 10_000) {
        lastSample = now;
        record(p.recordsDone, p.bytesDone);
        const last = series.at(-1)!;
        console.log(`    ${shape}: ${last.seconds} s, ${last.records.toLocaleString('en-US')} records, ${last.mbRead} MB read, RSS ${last.rssMb} MiB, peak ${last.hwmMb} MiB`);
      }
    },
  });
  const importSeconds = (performance.now() - started) / 1000;
  const importCpu = cpuSeconds(cpu);
  const indexBytes = await vault.read((db) => Number(db.exec('PRAGMA page_count')[0]?.values[0]?.[0] ?? 0) * Number(db.exec('PRAGMA page_size')[0]?.values[0]?.[0] ?? 0));
  record(result.created + result.updated + result.unchanged + result.failed, fileBytes);
  const importPeak = peak.stop();
  const closeStarted = performance.now();
  await vault.close();
  const closeSeconds = (performance.now() - closeStarted) / 1000;
  const stored = result.created + result.updated + result.unchanged;
  const figures = {
    ndjson_bytes: fileBytes,
    resources: stored,
    failed: result.failed,
    import_seconds: round(importSeconds, 1),
    import_cpu_seconds: round(importCpu, 1),
    resources_per_cpu_second: round(stored / importCpu, 0),
    close_seconds: round(closeSeconds, 1),
    peak_rss_mb: importPeak.peakMb,
    peak_method: importPeak.method,
    index_bytes: indexBytes,
    index_bytes_per_resource: round(indexBytes / Math.max(1, stored), 0),
    vault_bytes: folderBytes(vaultDir),
    series,
  };
  rmSync(vaultDir, { recursive: true, force: true });
  return figures;
}

async function main(): Promise<void> {
  const startedAt = new Date().toISOString();
  const bytes = targetMb * MB;
  console.log(`bench:import-memory: ${shapes.join(' and ')} shape(s), ${targetMb} MB of NDJSON each, in ${work}; load average ${loadavg().map((l) => l.toFixed(1)).join(' ')}`);
  const results: Record<string, unknown> = {};
  for (const shape of shapes) {
    const made = shape === 'sample' ? await makeSampleFile(bytes) : makeLargeFile(bytes);
    console.log(`  ${shape}: ${path.basename(made.file)} ${(statSync(made.file).size / MB).toFixed(0)} MB, ${made.resources.toLocaleString('en-US')} resources`);
    const loadBefore = loadavg()[0]!;
    const figures = await importFile(shape, made.file);
    rmSync(made.file, { force: true });
    const loadAfter = loadavg()[0]!;
    results[shape] = { ...made, file: undefined, ...figures, load_average_before: round(loadBefore, 1), load_average_after: round(loadAfter, 1), under_1_5_gb: Number(figures.peak_rss_mb) < 1536 };
    const { series: _series, ...shown } = figures;
    console.table(shown);
    console.log(`${Number(figures.peak_rss_mb) < 1536 ? 'PASS' : 'FAIL'} ${shape}: peak RSS ${figures.peak_rss_mb} MiB ${Number(figures.peak_rss_mb) < 1536 ? '<' : '>='} 1,536 MiB (load average ${loadBefore.toFixed(1)} → ${loadAfter.toFixed(1)})`);
    collectGarbage();
  }
  mkdirSync('bench-results', { recursive: true });
  const out = `bench-results/import-memory-${targetMb}mb.json`;
  writeFileSync(out, `${JSON.stringify({ started: startedAt, finished: new Date().toISOString(), ...benchCommit(), targetMb, results }, null, 2)}\n`);
  console.log(`figures: ${out}`);
  rmSync(work, { recursive: true, force: true });
}

main().catch((error: unknown) => {
  rmSync(work, { recursive: true, force: true });
  console.error(error);
  process.exitCode = 1;
});
