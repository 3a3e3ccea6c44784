/**
 * Where the engine's write time goes: writes N generated resources (the bench:fhir corpus) through
 * the REST handler into a vault with a fast KDF, then prints the wall rate and the CPU-seconds per
 * 10k resources (process.cpuUsage: every thread of the process, so the thread pool's crypto and
 * fsync work counts too; steadier than wall time on a shared machine). Run under
 * `node --cpu-prof --import tsx` to get a profile; `HEARTH_PROFILE_SIZE` (default 30000).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fhirProjector } from '../../src-main/fhir/fhir-projector';
import { handleFhirRequest } from '../../src-main/fhir/rest/handler';
import { createVaultRepository } from '../../src-main/fhir/vault-repository';
import { createVault } from '../../src-main/vault';
import { corpusBundles } from '../bench/fhir/corpus';

const size = Number(process.env.HEARTH_PROFILE_SIZE ?? 30000);
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'hearth-write-profile-'));
const vault = await createVault(path.join(dir, 'v'), 'profile passphrase', { projector: fhirProjector, kdfIterations: 1000, allowWeakKdfForTests: true });
const repo = createVaultRepository(vault);
let written = 0;
let ms = 0;
let cpuMicros = 0;
let first = true;
for (const bundle of corpusBundles(size, 500)) {
  const body = JSON.stringify(bundle);
  const started = performance.now();
  const cpuBefore = process.cpuUsage();
  const response = await handleFhirRequest(repo, { method: 'POST', path: '/', headers: { 'content-type': 'application/fhir+json', prefer: 'return=minimal' }, body }, { baseUrl: 'http://x/fhir' });
  if (response.status !== 200) throw new Error(String(response.status));
  const cpu = process.cpuUsage(cpuBefore);
  if (!first) {
    ms += performance.now() - started;
    cpuMicros += cpu.user + cpu.system;
    written += bundle.entry?.length ?? 0;
  }
  first = false;
}
const cpuSeconds = cpuMicros / 1e6;
console.log(
  `${written} resources in ${ms.toFixed(0)} ms: ${(written / (ms / 1000)).toFixed(0)}/s; ` +
    `${((cpuSeconds * 10000) / written).toFixed(2)} CPU-s per 10k (${(written / cpuSeconds).toFixed(0)} per CPU-second) (first bundle excluded)`,
);
await vault.close();
fs.rmSync(dir, { recursive: true, force: true });
