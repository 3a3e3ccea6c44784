/**
 * Export rate: fills a vault (fast KDF) with synthetic patients through the importer, then times
 * a whole-vault NDJSON export and, in the same process, the limit it is compared with: reading
 * the same resources page by page through the keyset scan without writing them. Prints
 * resources/s, CPU seconds and peak RSS. `HEARTH_PROFILE_PATIENTS` (default 100).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { runExport } from '../../src-main/export/exporter';
import { fhirProjector } from '../../src-main/fhir/fhir-projector';
import type { ScanKey } from '../../src-main/fhir/scan';
import { createVaultRepository } from '../../src-main/fhir/vault-repository';
import { runImport } from '../../src-main/io/importer';
import { generateSample } from '../../src-main/sample/generator';
import { createVault } from '../../src-main/vault';

const patients = Number(process.env.HEARTH_PROFILE_PATIENTS ?? 100);
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'hearth-export-profile-'));
let peakRss = 0;
const sampler = setInterval(() => (peakRss = Math.max(peakRss, process.memoryUsage().rss)), 50);
try {
  await generateSample({ patients, seed: 'export profile', outDir: path.join(dir, 'sample'), withGold: false });
  const vault = await createVault(path.join(dir, 'v'), 'profile passphrase', { projector: fhirProjector, kdfIterations: 1000, allowWeakKdfForTests: true });
  const repository = createVaultRepository(vault);
  const imported = await runImport({ repository, sources: [{ kind: 'path', path: path.join(dir, 'sample') }] });
  console.log(`imported ${imported.created} resources (${imported.failed} failed)`);

  const measure = async <T>(fn: () => Promise<T>): Promise<{ value: T; seconds: number; cpu: number }> => {
    const cpu = process.cpuUsage();
    const started = performance.now();
    const value = await fn();
    const used = process.cpuUsage(cpu);
    return { value, seconds: (performance.now() - started) / 1000, cpu: (used.user + used.system) / 1e6 };
  };

  const limit = await measure(async () => {
    let read = 0;
    for (const { resourceType } of await repository.counts()) {
      let after: ScanKey | undefined;
      do {
        const page = await repository.scan(resourceType, { limit: 500, ...(after ? { after } : {}) });
        read += page.resources.length;
        after = page.next;
      } while (after);
    }
    return read;
  });
  const exported = await measure(() => runExport({ repository, outDir: path.join(dir, 'out'), format: 'ndjson' }));
  const rate = (n: number, s: number) => Math.round(n / s).toLocaleString('en-US');
  console.log(`read limit: ${limit.value} resources in ${limit.seconds.toFixed(2)} s (${rate(limit.value, limit.seconds)}/s, ${rate(limit.value, limit.cpu)} per CPU-second)`);
  console.log(`export:     ${exported.value.resources} resources, ${(exported.value.bytes / 1_048_576).toFixed(1)} MB in ${exported.seconds.toFixed(2)} s (${rate(exported.value.resources, exported.seconds)}/s, ${rate(exported.value.resources, exported.cpu)} per CPU-second); ratio to the read limit ${(exported.cpu / limit.cpu).toFixed(2)}x CPU`);
  console.log(`peak RSS: ${(peakRss / 1_048_576).toFixed(0)} MB`);
  await vault.close();
} finally {
  clearInterval(sampler);
  fs.rmSync(dir, { recursive: true, force: true });
}
