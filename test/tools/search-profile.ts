/**
 * Where the engine's search time goes: fills a vault with the bench:fhir corpus (fast KDF), then
 * runs the bench query mix through the REST handler and prints each query's median and worst time
 * and its fastest time and median CPU time (process.cpuUsage): on a shared machine these move less than
 * the median.
 * Run under `node --cpu-prof --import tsx` for a profile. `HEARTH_PROFILE_SIZE` (default 50000),
 * `HEARTH_PROFILE_ROUNDS` (default 5), `HEARTH_PROFILE_ONLY` (comma-separated query numbers),
 * `HEARTH_PROFILE_OUT` (a .cpuprofile file of the timed rounds only, sampled every 200 µs), `HEARTH_PROFILE_VAULT` (a folder:
 * filled and kept when missing, else opened as it is, so runs at 300,000 need one fill; a vault of an
 * older index schema is rebuilt from its log on open), `HEARTH_PROFILE_EXTRA` (more queries, `Type?query;...`),
 * `HEARTH_PROFILE_SQLITE_CACHE_KB` (SQLite's own page cache for the run, PRAGMA cache_size; default 2,000 KiB).
 * Prints per query its wall p50, worst and best, and its CPU p50 and p95; then the whole mix as bench:fhir
 * counts it (every timed sample: CPU and wall p50 / p95) with the load average.
 */
import fs from 'node:fs';
import { Session } from 'node:inspector/promises';
import os from 'node:os';
import path from 'node:path';
import { fhirProjector } from '../../src-main/fhir/fhir-projector';
import { handleFhirRequest } from '../../src-main/fhir/rest/handler';
import { createVaultRepository } from '../../src-main/fhir/vault-repository';
import { createVault, openVault } from '../../src-main/vault';
import { corpusBundles } from '../bench/fhir/corpus';
import { queryMix } from '../bench/fhir/queries';

const size = Number(process.env.HEARTH_PROFILE_SIZE ?? 50000);
const rounds = Number(process.env.HEARTH_PROFILE_ROUNDS ?? 5);
const only = process.env.HEARTH_PROFILE_ONLY?.split(',').map(Number);
const kept = process.env.HEARTH_PROFILE_VAULT;
const dir = kept === undefined ? fs.mkdtempSync(path.join(os.tmpdir(), 'hearth-search-profile-')) : undefined;
const folder = kept ?? path.join(dir!, 'v');
const passphrase = 'profile passphrase';
const reused = kept !== undefined && fs.existsSync(kept);
const started = performance.now();
const vault = reused
  ? await openVault(folder, passphrase, { projector: fhirProjector })
  : await createVault(folder, passphrase, { projector: fhirProjector, kdfIterations: 1000, allowWeakKdfForTests: true });
const repo = createVaultRepository(vault);
// HEARTH_PROFILE_SQLITE_CACHE_KB: SQLite's own page cache (PRAGMA cache_size) for this run, in KiB.
const sqliteCacheKb = process.env.HEARTH_PROFILE_SQLITE_CACHE_KB;
if (sqliteCacheKb !== undefined) await vault.read((db) => db.run(`PRAGMA cache_size=-${Number(sqliteCacheKb)}`));
const rest = { baseUrl: 'http://x/fhir' };
if (!reused) {
  for (const bundle of corpusBundles(size, 500)) {
    const response = await handleFhirRequest(repo, { method: 'POST', path: '/', headers: { 'content-type': 'application/fhir+json', prefer: 'return=minimal' }, body: JSON.stringify(bundle) }, rest);
    if (response.status !== 200) throw new Error(String(response.status));
  }
}
console.log(`${reused ? 'opened' : 'filled'} ${size} in ${((performance.now() - started) / 1000).toFixed(1)} s`);
// HEARTH_PROFILE_EXTRA: more queries, `Type?query` separated by `;` (numbered after the mix's 20).
const extra = (process.env.HEARTH_PROFILE_EXTRA ?? '').split(';').filter(Boolean).map((text) => {
  const [resourceType, query] = text.split('?') as [string, string];
  return { label: 'extra', resourceType, query };
});
const mix = [...queryMix(size), ...extra];
const profileOut = process.env.HEARTH_PROFILE_OUT;
const inspector = new Session();
if (profileOut) {
  inspector.connect();
  await inspector.post('Profiler.enable');
  await inspector.post('Profiler.setSamplingInterval', { interval: 200 });
}
const times = mix.map(() => [] as number[]);
// CPU time of this process per run: on a shared machine it moves much less than the wall time.
const cpuTimes = mix.map(() => [] as number[]);
const matches: number[] = [];
for (let round = 0; round <= rounds; round++) {
  // The profile covers the timed rounds only (round 0 loads definitions and warms the caches).
  if (profileOut && round === 1) await inspector.post('Profiler.start');
  for (let index = 0; index < mix.length; index++) {
    if (only && !only.includes(index + 1)) continue;
    const query = mix[index]!;
    const started = performance.now();
    const cpuStarted = process.cpuUsage();
    const response = await handleFhirRequest(repo, { method: 'GET', path: `/${query.resourceType}`, query: query.query, headers: { accept: 'application/fhir+json' } }, rest);
    const ms = performance.now() - started;
    const cpu = process.cpuUsage(cpuStarted);
    if (response.status !== 200) throw new Error(`${query.resourceType}?${query.query}: ${response.status} ${JSON.stringify(response.body).slice(0, 300)}`);
    const body = response.body as { entry?: unknown[] };
    matches[index] = body.entry?.length ?? 0;
    if (round > 0) {
      times[index]!.push(ms);
      cpuTimes[index]!.push((cpu.user + cpu.system) / 1000);
    }
  }
}
if (profileOut) {
  const { profile } = await inspector.post('Profiler.stop');
  fs.writeFileSync(profileOut, JSON.stringify(profile));
  inspector.disconnect();
}
mix.forEach((query, index) => {
  const sorted = [...times[index]!].sort((a, b) => a - b);
  if (sorted.length === 0) return;
  const cpu = [...cpuTimes[index]!].sort((a, b) => a - b);
  const p50 = (values: number[]) => values[Math.floor(values.length / 2)]!.toFixed(1).padStart(8);
  const p95 = (values: number[]) => values[Math.min(values.length - 1, Math.ceil(values.length * 0.95) - 1)]!.toFixed(1).padStart(7);
  console.log(`${String(index + 1).padStart(2)} ${p50(sorted)} ${sorted.at(-1)!.toFixed(1).padStart(8)} ms  min ${sorted[0]!.toFixed(1).padStart(6)}  cpu p50 ${p50(cpu)} p95 ${p95(cpu)} ms  ${String(matches[index]).padStart(4)} entries  ${query.resourceType}?${query.query.slice(0, 90)}`);
});
// The whole mix as bench:fhir reports it (every timed sample of every query), in CPU time and wall time.
const overall = (samples: number[][]) => {
  const all = samples.flat().sort((a, b) => a - b);
  if (all.length === 0) return '-';
  return `p50 ${all[Math.floor(all.length / 2)]!.toFixed(1)} p95 ${all[Math.min(all.length - 1, Math.ceil(all.length * 0.95) - 1)]!.toFixed(1)} ms`;
};
console.log(`mix of ${times.flat().length} samples: cpu ${overall(cpuTimes)}, wall ${overall(times)}; load ${os.loadavg().map((l) => l.toFixed(1)).join(' ')}`);
await vault.close();
if (dir !== undefined) fs.rmSync(dir, { recursive: true, force: true });
