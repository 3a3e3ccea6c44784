/**
 * The export phase of bench:import on its own, to compare commits: imports the NDJSON folder
 * HEARTH_COST_DIR (a `hearth sample` population; made with HEARTH_PROFILE_SIZE resources, default
 * 100000, when missing) into a new vault (fast KDF), closes it, reopens it as `hearth export` does
 * and times runExport to the Bulk Data layout, HEARTH_COST_ROUNDS times (default 2, each into a new
 * folder), printing the wall rate and the CPU per resource of the whole process and of the main
 * thread for each. HEARTH_PROFILE_OUT=file.cpuprofile: a V8 CPU profile of the last round.
 * Run under `node --import tsx`.
 */
import fs from 'node:fs';
import { Session } from 'node:inspector/promises';
import os from 'node:os';
import path from 'node:path';
import { runExport } from '../../src-main/export/exporter';
import { fhirProjector } from '../../src-main/fhir/fhir-projector';
import { createVaultRepository } from '../../src-main/fhir/vault-repository';
import { runImport } from '../../src-main/io/importer';
import { generateSample } from '../../src-main/sample/generator';
import { createVault, openVault } from '../../src-main/vault';
import { mainThreadCpuSeconds } from '../bench/fhir/measure';

const size = Number(process.env.HEARTH_PROFILE_SIZE ?? 100_000);
const rounds = Number(process.env.HEARTH_COST_ROUNDS ?? 2);
const work = fs.mkdtempSync(path.join(os.tmpdir(), 'hearth-export-cost-'));
const dataDir = process.env.HEARTH_COST_DIR ?? path.join(work, 'ndjson');
if (!fs.existsSync(path.join(dataDir, 'manifest.json'))) await generateSample({ patients: Math.max(1, Math.round(size / 370)), seed: 'bench-import', outDir: dataDir });
const passphrase = 'export cost passphrase';
const vaultDir = path.join(work, 'vault');
const vault = await createVault(vaultDir, passphrase, { projector: fhirProjector, kdfIterations: 1000, allowWeakKdfForTests: true });
const imported = await runImport({ repository: createVaultRepository(vault), sources: [{ kind: 'path', path: dataDir }] });
await vault.close();
const reopened = await openVault(vaultDir, passphrase, { projector: fhirProjector });
const repository = createVaultRepository(reopened);
for (let round = 1; round <= rounds; round++) {
  const session = process.env.HEARTH_PROFILE_OUT && round === rounds ? new Session() : null;
  if (session) {
    session.connect();
    await session.post('Profiler.enable');
    await session.post('Profiler.setSamplingInterval', { interval: 500 });
    await session.post('Profiler.start');
  }
  const load = os.loadavg()[0]!;
  const cpu = process.cpuUsage();
  const thread = mainThreadCpuSeconds();
  const started = performance.now();
  const exported = await runExport({ repository, outDir: path.join(work, `out-${round}`), format: 'ndjson' });
  const seconds = (performance.now() - started) / 1000;
  const used = process.cpuUsage(cpu);
  const threadUsed = mainThreadCpuSeconds() - thread;
  if (session && process.env.HEARTH_PROFILE_OUT) {
    const { profile } = await session.post('Profiler.stop');
    fs.writeFileSync(process.env.HEARTH_PROFILE_OUT, JSON.stringify(profile));
    session.disconnect();
  }
  const n = exported.resources;
  console.log(
    `export round ${round}: ${n} of ${imported.created} resources in ${seconds.toFixed(1)} s (${(n / seconds).toFixed(0)}/s); ` +
      `${(((used.user + used.system) / n)).toFixed(0)} us CPU per resource, main thread ${((threadUsed * 1e6) / n).toFixed(0)}; load ${load.toFixed(1)} -> ${os.loadavg()[0]!.toFixed(1)}`,
  );
  fs.rmSync(path.join(work, `out-${round}`), { recursive: true, force: true });
}
await reopened.close();
fs.rmSync(work, { recursive: true, force: true });
