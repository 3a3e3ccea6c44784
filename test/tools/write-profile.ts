/**
 * Where the engine's write time goes: writes N generated resources (the bench:fhir corpus) through
 * the REST handler into a vault with a fast KDF, then prints the wall rate and the CPU-seconds per
 * 10k resources (process.cpuUsage: every thread of the process, so the thread pool's crypto and
 * fsync work counts too; steadier than wall time on a shared machine). Run under
 * `node --import tsx`; `HEARTH_PROFILE_SIZE` (default 30000). `HEARTH_PROFILE_OUT=file.cpuprofile`
 * writes a V8 CPU profile of the main thread without the first Bundle (one-time loading), which
 * `node --cpu-prof` would include.
 */
import fs from 'node:fs';
import { Session } from 'node:inspector/promises';
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
const profileOut = process.env.HEARTH_PROFILE_OUT;
const session = profileOut ? new Session() : null;
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
  if (first && session) {
    session.connect();
    await session.post('Profiler.enable');
    await session.post('Profiler.setSamplingInterval', { interval: 500 });
    await session.post('Profiler.start');
  }
  first = false;
}
if (session && profileOut) {
  const { profile } = await session.post('Profiler.stop');
  fs.writeFileSync(profileOut, JSON.stringify(profile));
  session.disconnect();
}
const cpuSeconds = cpuMicros / 1e6;
console.log(
  `${written} resources in ${ms.toFixed(0)} ms: ${(written / (ms / 1000)).toFixed(0)}/s; ` +
    `${((cpuSeconds * 10000) / written).toFixed(2)} CPU-s per 10k (${(written / cpuSeconds).toFixed(0)} per CPU-second) (first bundle excluded)`,
);
await vault.close();
fs.rmSync(dir, { recursive: true, force: true });
