/**
 * Where the engine's memory goes while it writes (issue 3 §5: peak RSS < 3 GB at 1,000,000): writes
 * N resources of the bench:fhir corpus through the REST handler into a vault (fast KDF, default
 * snapshot thresholds, so background snapshots run as in the benchmark), and prints every
 * `HEARTH_MEMORY_EVERY` resources: the index size (page_count * page_size), RSS, the kernel's
 * high-water mark of that interval alone (VmHWM, reset through /proc/self/clear_refs), V8 heap,
 * external and ArrayBuffer bytes, and whether a snapshot export/encryption ran in the interval.
 * Then a settling snapshot, the bench query mix once, and close, each with its own VmHWM.
 * `npx tsx test/tools/engine-memory.ts [N]` (default 200000); `HEARTH_MEMORY_VAULT` keeps the vault
 * in that folder (search-profile.ts can then open it with HEARTH_PROFILE_VAULT).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fhirProjector } from '../../src-main/fhir/fhir-projector';
import { handleFhirRequest } from '../../src-main/fhir/rest/handler';
import { createVaultRepository } from '../../src-main/fhir/vault-repository';
import { createVault } from '../../src-main/vault';
import { corpusBundles } from '../bench/fhir/corpus';
import { queryMix } from '../bench/fhir/queries';

const size = Number(process.argv[2] ?? 200_000);
const every = Number(process.env.HEARTH_MEMORY_EVERY ?? 20_000);
const kept = process.env.HEARTH_MEMORY_VAULT;
const dir = kept === undefined ? fs.mkdtempSync(path.join(os.tmpdir(), 'hearth-engine-memory-')) : undefined;
const folder = kept ?? path.join(dir!, 'v');
const MB = 1024 * 1024;

function highWaterMark(): number {
  const match = /^VmHWM:\s+(\d+) kB$/m.exec(fs.readFileSync('/proc/self/status', 'utf8'));
  return match ? (Number(match[1]) * 1024) / MB : Number.NaN;
}
function resetHighWaterMark(): void {
  fs.writeFileSync('/proc/self/clear_refs', '5');
}

const vault = await createVault(folder, 'profile passphrase', { projector: fhirProjector, kdfIterations: 1000, allowWeakKdfForTests: true });
const repo = createVaultRepository(vault);
const rest = { baseUrl: 'http://x/fhir' };

/** Snapshot files being written (a `.tmp` in index/) seen by a 20 ms poll: the interval overlapped one. */
let snapshotSeen = false;
const poll = setInterval(() => {
  try {
    if (fs.readdirSync(path.join(folder, 'index')).some((name) => name.endsWith('.tmp'))) snapshotSeen = true;
  } catch {
    // index/ appears with the first snapshot.
  }
}, 20);

async function indexBytes(): Promise<number> {
  return vault.read((db) => {
    const value = (pragma: string): number => Number(db.exec(`PRAGMA ${pragma}`)[0]?.values[0]?.[0] ?? 0);
    return value('page_count') * value('page_size');
  });
}

async function line(label: string): Promise<void> {
  const m = process.memoryUsage();
  const fields = [
    label.padEnd(14),
    `index ${((await indexBytes()) / MB).toFixed(0).padStart(5)}`,
    `rss ${(m.rss / MB).toFixed(0).padStart(5)}`,
    `hwm ${highWaterMark().toFixed(0).padStart(5)}`,
    `heap ${(m.heapUsed / MB).toFixed(0).padStart(4)}`,
    `ext ${(m.external / MB).toFixed(0).padStart(5)}`,
    `ab ${(m.arrayBuffers / MB).toFixed(0).padStart(5)}`,
    snapshotSeen ? 'snapshot' : '',
  ];
  console.log(fields.join('  '));
  snapshotSeen = false;
  resetHighWaterMark();
}

resetHighWaterMark();
let written = 0;
let next = every;
const started = performance.now();
for (const bundle of corpusBundles(size, 500)) {
  const response = await handleFhirRequest(repo, { method: 'POST', path: '/', headers: { 'content-type': 'application/fhir+json', prefer: 'return=minimal' }, body: JSON.stringify(bundle) }, rest);
  if (response.status !== 200) throw new Error(String(response.status));
  written += bundle.entry?.length ?? 0;
  if (written >= next) {
    await line(`${written}`);
    next += every;
  }
}
console.log(`wrote ${written} in ${((performance.now() - started) / 1000).toFixed(0)} s`);
await line('writes end');
await vault.snapshot();
await line('settle');
for (const query of queryMix(size)) {
  const response = await handleFhirRequest(repo, { method: 'GET', path: `/${query.resourceType}`, query: query.query, headers: { accept: 'application/fhir+json' } }, rest);
  if (response.status !== 200) throw new Error(`${query.resourceType}: ${response.status}`);
}
await line('query mix');
await vault.close();
clearInterval(poll);
const m = process.memoryUsage();
console.log(`close          rss ${(m.rss / MB).toFixed(0)}  hwm ${highWaterMark().toFixed(0)}`);
if (dir !== undefined) fs.rmSync(dir, { recursive: true, force: true });
