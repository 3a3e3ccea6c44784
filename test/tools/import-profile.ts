/**
 * How an import's cost per resource changes as the store grows: generates a sample population of
 * about HEARTH_PROFILE_SIZE resources (default 200000; kept in HEARTH_PROFILE_DATA when set, so
 * runs can share it), imports it with runImport into a new vault (fast KDF) and prints, for every
 * window of HEARTH_PROFILE_WINDOW records (default 25000), the CPU seconds per 10k resources of the
 * whole process (every thread) and of the main thread alone, the heap and the index file size.
 * A flat column means a write costs the same in a bigger store; the sample's files are one type
 * each, so the lines by file at the end compare a type at two sizes. `HEARTH_PROFILE_OUT=prefix`
 * with `HEARTH_PROFILE_AT=100000,300000` writes a V8 CPU profile of the main thread for the window
 * starting at each of those record counts (prefix-100000.cpuprofile...), so the same resource type
 * can be profiled in a small and a large store. `HEARTH_PROFILE_PREP=1` gives the repository the
 * write-prep worker.
 * Run under `node --import tsx`.
 */
import fs from 'node:fs';
import { Session } from 'node:inspector/promises';
import os from 'node:os';
import path from 'node:path';
import { fhirProjector } from '../../src-main/fhir/fhir-projector';
import { createVaultRepository } from '../../src-main/fhir/vault-repository';
import { WritePrepPool } from '../../src-main/fhir/write-prep-pool';
import { runImport } from '../../src-main/io/importer';
import { generateSample } from '../../src-main/sample/generator';
import { createVault } from '../../src-main/vault';
import { mainThreadCpuSeconds } from '../bench/fhir/measure';

const size = Number(process.env.HEARTH_PROFILE_SIZE ?? 200_000);
const windowSize = Number(process.env.HEARTH_PROFILE_WINDOW ?? 25_000);
const work = fs.mkdtempSync(path.join(os.tmpdir(), 'hearth-import-profile-'));
const dataDir = process.env.HEARTH_PROFILE_DATA ?? path.join(work, 'ndjson');
if (!fs.existsSync(path.join(dataDir, 'Patient.ndjson'))) {
  await generateSample({ patients: Math.max(1, Math.round(size / 370)), seed: 'bench-import', outDir: dataDir });
}
let pool: WritePrepPool | undefined;
if (process.env.HEARTH_PROFILE_PREP === '1') {
  pool = new WritePrepPool();
  pool.start();
  while (!pool.ready) await new Promise((resolve) => setTimeout(resolve, 10));
}
const vaultDir = path.join(work, 'vault');
const vault = await createVault(vaultDir, 'profile passphrase', { projector: fhirProjector, kdfIterations: 1000, allowWeakKdfForTests: true });
const repository = createVaultRepository(vault, pool ? { preparer: pool } : {});
const profileOut = process.env.HEARTH_PROFILE_OUT;
const session = profileOut ? new Session() : null;
session?.connect();

function indexBytes(): number {
  let total = 0;
  for (const name of fs.readdirSync(path.join(vaultDir, 'index'))) total += fs.statSync(path.join(vaultDir, 'index', name)).size;
  return total;
}

let windowStart = 0;
let cpu = process.cpuUsage();
let thread = mainThreadCpuSeconds();
let profiling = false;
const profileAt = (process.env.HEARTH_PROFILE_AT ?? '').split(',').filter((v) => v.length > 0).map(Number);
const startProfile = async () => {
  if (!session || profiling) return;
  await session.post('Profiler.enable');
  await session.post('Profiler.setSamplingInterval', { interval: 500 });
  await session.post('Profiler.start');
  profiling = true;
};
const stopProfile = async (name: string) => {
  if (!session || !profiling || !profileOut) return;
  const { profile } = await session.post('Profiler.stop');
  fs.writeFileSync(`${profileOut}-${name}.cpuprofile`, JSON.stringify(profile));
  profiling = false;
};
// CPU per resource by file (one resource type per file in a sample): the same type at two sizes compares.
let fileName: string | undefined;
let fileStart = 0;
let fileCpu = process.cpuUsage();
let fileThread = mainThreadCpuSeconds();
const fileLines: string[] = [];
function fileSummary(recordsDone: number): void {
  const n = recordsDone - fileStart;
  if (fileName !== undefined && n > 0) {
    const used = process.cpuUsage(fileCpu);
    const nowThread = mainThreadCpuSeconds();
    fileLines.push(
      `${path.basename(fileName).padEnd(28)} ${String(n).padStart(7)}  from ${String(fileStart).padStart(7)}  ${((((used.user + used.system) / 1e6) * 10000) / n).toFixed(2).padStart(6)} cpu-s/10k  ${(((nowThread - fileThread) * 10000) / n).toFixed(2).padStart(6)} main-s/10k`,
    );
    fileThread = nowThread;
  }
  fileStart = recordsDone;
  fileCpu = process.cpuUsage();
}
const totalCpu = process.cpuUsage();
const started = performance.now();
let pendingProfile: Promise<void> = Promise.resolve();
let profiledFrom = 0;
console.log(`import-profile: ~${size} resources, window ${windowSize}; load ${os.loadavg()[0]!.toFixed(1)}`);
console.log('records   cpu-s/10k  main-s/10k  heap MB  snapshots MB  load');
const result = await runImport({
  repository,
  sources: [{ kind: 'path', path: dataDir }],
  onProgress: (p) => {
    if (p.currentFile !== fileName) {
      fileSummary(p.recordsDone);
      fileName = p.currentFile;
    }
    if (p.recordsDone - windowStart < windowSize) return;
    const n = p.recordsDone - windowStart;
    const used = process.cpuUsage(cpu);
    const nowThread = mainThreadCpuSeconds();
    console.log(
      `${String(p.recordsDone).padStart(7)}  ${(((used.user + used.system) / 1e6) * 10000 / n).toFixed(2).padStart(9)}  ${(((nowThread - thread) * 10000) / n).toFixed(2).padStart(10)}  ${(process.memoryUsage().heapUsed / 1e6).toFixed(0).padStart(7)}  ${(indexBytes() / 1e6).toFixed(0).padStart(12)}  ${os.loadavg()[0]!.toFixed(1)}`,
    );
    if (profiling) pendingProfile = pendingProfile.then(() => stopProfile(String(profiledFrom)));
    else if (profileAt.length > 0 && p.recordsDone >= profileAt[0]!) {
      profiledFrom = profileAt.shift()!;
      pendingProfile = pendingProfile.then(() => startProfile());
    }
    windowStart = p.recordsDone;
    cpu = process.cpuUsage();
    thread = nowThread;
  },
});
await pendingProfile;
await stopProfile(String(profiledFrom));
fileSummary(result.created + result.updated + result.unchanged + result.failed);
console.log(fileLines.join('\n'));
const total = process.cpuUsage(totalCpu);
const stored = result.created + result.updated + result.unchanged;
console.log(
  `${stored} stored, ${result.failed} failed in ${((performance.now() - started) / 1000).toFixed(1)} s; ${(stored / ((total.user + total.system) / 1e6)).toFixed(0)} per CPU-second; load ${os.loadavg()[0]!.toFixed(1)}`,
);
session?.disconnect();
// What one snapshot of the index costs at this size (a small write first, so there is one to take).
await repository.writeBatch([{ kind: 'update', resource: { resourceType: 'Organization', id: 'import-profile-snapshot', name: 'x' }, skipUnchanged: true }]);
const snapCpu = process.cpuUsage();
const snapThread = mainThreadCpuSeconds();
const snapStarted = performance.now();
await vault.snapshot();
const snapUsed = process.cpuUsage(snapCpu);
console.log(
  `one snapshot of a ${(indexBytes() / 1e6).toFixed(0)} MB index: ${((snapUsed.user + snapUsed.system) / 1e6).toFixed(2)} CPU-s (main thread ${(mainThreadCpuSeconds() - snapThread).toFixed(2)}), ${((performance.now() - snapStarted) / 1000).toFixed(1)} s; load ${os.loadavg()[0]!.toFixed(1)}`,
);
await vault.close();
await pool?.close();
fs.rmSync(work, { recursive: true, force: true });
