/**
 * Whether a write costs more in a bigger store (the guide: "the cost of a write grows with the
 * change, not with the size of the store"), measured so that a shared machine's load cancels out:
 *   1. fills vault B with a sample population of about HEARTH_GROWTH_FILL resources (default
 *      400000) through runImport, as an import does, and reports that import's CPU per resource;
 *   2. reopens B (the unlock time is printed) and writes a second population (another seed, about
 *      HEARTH_GROWTH_PROBE resources, default 30000) chunk by chunk (500, planned by the importer's
 *      planFile) alternately into B and into a small vault A that is replaced every
 *      HEARTH_GROWTH_RESET resources (default 20000), measuring each chunk's CPU time. The two
 *      alternate chunk by chunk, so both see the same load: B's CPU per resource over A's is the
 *      growth, per resource type and in all. Background snapshots are off in this phase;
 *   3. times one snapshot of B's index (its CPU per MB of image) and, with the snapshot policy's
 *      thresholds, what snapshots add per resource written at B's size;
 *   4. opens a copy of the last A (no snapshot): what an unlock replays per resource of log.
 * `HEARTH_GROWTH_DATA=dir` keeps the generated NDJSON between runs (dir/fill, dir/probe).
 * `HEARTH_GROWTH_PROFILE=prefix` writes V8 CPU profiles of the chunks written to A and to B
 * (prefix-A.json, prefix-B.json: arrays of profiles, one per chunk). Run under `node --import tsx`.
 */
import fs from 'node:fs';
import { Session } from 'node:inspector/promises';
import os from 'node:os';
import path from 'node:path';
import { fhirProjector } from '../../src-main/fhir/fhir-projector';
import type { WriteOp } from '../../src-main/fhir/repository';
import { createVaultRepository } from '../../src-main/fhir/vault-repository';
import { runImport } from '../../src-main/io/importer';
import { planFile } from '../../src-main/io/import-plan';
import { ndjsonLines } from '../../src-main/io/ndjson-stream';
import type { SourceRecord } from '../../src-main/io/readers';
import { generateSample } from '../../src-main/sample/generator';
import { createVault, openVault, type Vault } from '../../src-main/vault';
import { DEFAULT_SNAPSHOT_AFTER_BYTES, snapshotThresholdScale } from '../../src-main/vault/vault';

const fill = Number(process.env.HEARTH_GROWTH_FILL ?? 400_000);
const probe = Number(process.env.HEARTH_GROWTH_PROBE ?? 30_000);
const reset = Number(process.env.HEARTH_GROWTH_RESET ?? 20_000);
const CHUNK = 500;
const PASSPHRASE = 'growth passphrase';
const weak = { kdfIterations: 1000, allowWeakKdfForTests: true } as const;
const noSnapshots = { snapshotAfterBytes: Number.MAX_SAFE_INTEGER, snapshotAfterTransactions: Number.MAX_SAFE_INTEGER };

const work = fs.mkdtempSync(path.join(os.tmpdir(), 'hearth-store-growth-'));
const dataDir = process.env.HEARTH_GROWTH_DATA ?? path.join(work, 'data');
const load = () => os.loadavg()[0]!.toFixed(1);
const cpuNow = () => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1e6;
};

async function population(name: string, resources: number, seed: string): Promise<string> {
  const dir = path.join(dataDir, name);
  if (!fs.existsSync(path.join(dir, 'Patient.ndjson'))) await generateSample({ patients: Math.max(1, Math.round(resources / 370)), seed, outDir: dir });
  return dir;
}

function indexBytes(folder: string): number {
  return fs.readdirSync(path.join(folder, 'index')).reduce((sum, name) => sum + fs.statSync(path.join(folder, 'index', name)).size, 0);
}

// 1. Fill B.
const fillDir = await population('fill', fill, 'store-growth-fill');
const probeDir = await population('probe', probe, 'store-growth-probe');
const bDir = path.join(work, 'B');
let filled = 0;
{
  const vault = await createVault(bDir, PASSPHRASE, { projector: fhirProjector, ...weak });
  const before = cpuNow();
  const started = performance.now();
  const result = await runImport({ repository: createVaultRepository(vault), sources: [{ kind: 'path', path: fillDir }] });
  const cpu = cpuNow() - before;
  const stored = result.created + result.updated + result.unchanged;
  filled = stored;
  console.log(`fill: ${stored} resources imported into B, ${result.failed} failed, ${(performance.now() - started) / 1000 | 0} s, ${Math.round(stored / cpu)} per CPU-second; load ${load()}`);
  await vault.close();
}

// 2. Alternate chunks between B (big) and A (small, replaced every `reset` resources).
let started = performance.now();
const b = await openVault(bDir, PASSPHRASE, { projector: fhirProjector, ...noSnapshots });
console.log(`B reopened in ${((performance.now() - started) / 1000).toFixed(1)} s; index ${(indexBytes(bDir) / 1e6).toFixed(0)} MB; load ${load()}`);
const bRepo = createVaultRepository(b);
let aIndex = 0;
let a: Vault = await createVault(path.join(work, `A${aIndex}`), PASSPHRASE, { projector: fhirProjector, ...weak, ...noSnapshots });
let aRepo = createVaultRepository(a);
let aWritten = 0;

const cacheKb = process.env.HEARTH_GROWTH_CACHE_KB;
async function tune(vault: Vault): Promise<void> {
  if (cacheKb) await vault.write((_tx, db) => db.run(`PRAGMA cache_size=-${Number(cacheKb)}`));
}
await tune(b);
await tune(a);

const profilePrefix = process.env.HEARTH_GROWTH_PROFILE;
const session = profilePrefix ? new Session() : null;
session?.connect();
if (session) {
  await session.post('Profiler.enable');
  await session.post('Profiler.setSamplingInterval', { interval: 500 });
}
const profiles: Record<'A' | 'B', unknown[]> = { A: [], B: [] };

async function timed(side: 'A' | 'B', ops: WriteOp[]): Promise<number> {
  if (session) await session.post('Profiler.start');
  const before = cpuNow();
  const outcomes = await (side === 'A' ? aRepo : bRepo).writeBatch(ops);
  const cpu = cpuNow() - before;
  if (session) profiles[side].push((await session.post('Profiler.stop')).profile);
  const failed = outcomes.filter((o) => o.status === 'failed').length;
  if (failed > 0) throw new Error(`${failed} writes failed in ${side}`);
  return cpu;
}

const byType = new Map<string, { n: number; a: number; b: number }>();
const files = fs.readdirSync(probeDir).filter((name) => name.endsWith('.ndjson')).sort();
started = performance.now();
for (const name of files) {
  const file = path.join(probeDir, name);
  const lines: string[] = [];
  for await (const { text } of ndjsonLines(file)) if (text.trim().length > 0) lines.push(text);
  for (let start = 0; start < lines.length; start += CHUNK) {
    const slice = lines.slice(start, start + CHUNK);
    // Each vault gets its own parsed objects (the planner must not share them between writes).
    const plan = () => {
      const records: SourceRecord[] = slice.map((text, i) => ({ line: start + i + 1, resource: JSON.parse(text) as unknown }));
      return planFile({ file, bytes: 0, format: 'ndjson', records, errors: [] }).writes.map((w) => w.op);
    };
    if (aWritten >= reset) {
      await a.close();
      fs.rmSync(path.join(work, `A${aIndex}`), { recursive: true, force: true });
      aIndex++;
      a = await createVault(path.join(work, `A${aIndex}`), PASSPHRASE, { projector: fhirProjector, ...weak, ...noSnapshots });
      aRepo = createVaultRepository(a);
      await tune(a);
      aWritten = 0;
    }
    // Alternate which goes first, so neither always follows the other's garbage.
    const aFirst = (start / CHUNK) % 2 === 0;
    const opsA = plan();
    const opsB = plan();
    const first = await timed(aFirst ? 'A' : 'B', aFirst ? opsA : opsB);
    const second = await timed(aFirst ? 'B' : 'A', aFirst ? opsB : opsA);
    const type = name.replace(/\.ndjson$/, '');
    const entry = byType.get(type) ?? { n: 0, a: 0, b: 0 };
    entry.n += slice.length;
    entry.a += aFirst ? first : second;
    entry.b += aFirst ? second : first;
    byType.set(type, entry);
    aWritten += slice.length;
  }
}
console.log(`probe: ${((performance.now() - started) / 1000).toFixed(0)} s; load ${load()}`);
console.log('type                      resources   A us/res   B us/res   B/A');
let n = 0;
let sumA = 0;
let sumB = 0;
for (const [type, e] of byType) {
  n += e.n;
  sumA += e.a;
  sumB += e.b;
  console.log(`${type.padEnd(24)} ${String(e.n).padStart(10)} ${((e.a * 1e6) / e.n).toFixed(0).padStart(10)} ${((e.b * 1e6) / e.n).toFixed(0).padStart(10)} ${(e.b / e.a).toFixed(2).padStart(6)}`);
}
console.log(`${'all'.padEnd(24)} ${String(n).padStart(10)} ${((sumA * 1e6) / n).toFixed(0).padStart(10)} ${((sumB * 1e6) / n).toFixed(0).padStart(10)} ${(sumB / sumA).toFixed(2).padStart(6)}`);
if (session && profilePrefix) {
  for (const side of ['A', 'B'] as const) fs.writeFileSync(`${profilePrefix}-${side}.json`, JSON.stringify(profiles[side]));
  session.disconnect();
}

// 3. One snapshot of B's index.
const before = cpuNow();
started = performance.now();
await b.snapshot();
const snapshotCpu = cpuNow() - before;
const image = indexBytes(bDir);
const perMb = snapshotCpu / (image / 1e6);
console.log(`one snapshot of B's ${(image / 1e6).toFixed(0)} MB index: ${snapshotCpu.toFixed(2)} CPU-s (${(perMb * 1000).toFixed(1)} CPU-ms per MB), ${((performance.now() - started) / 1000).toFixed(1)} s; load ${load()}`);
// Log bytes per resource written, from B's log: what a snapshot costs per resource at this size.
const logBytes = fs.readdirSync(path.join(bDir, 'log')).reduce((sum, name) => sum + fs.statSync(path.join(bDir, 'log', name)).size, 0);
const stored = filled + n;
const perResource = logBytes / stored;
const fixedEvery = DEFAULT_SNAPSHOT_AFTER_BYTES / perResource;
const scaledEvery = (DEFAULT_SNAPSHOT_AFTER_BYTES * snapshotThresholdScale(image, DEFAULT_SNAPSHOT_AFTER_BYTES)) / perResource;
console.log(
  `log ${perResource.toFixed(0)} B per resource: a snapshot every ${fixedEvery.toFixed(0)} resources (64 MiB) adds ${((snapshotCpu * 1e6) / fixedEvery).toFixed(0)} us per resource at this size; ` +
    `every ${scaledEvery.toFixed(0)} (scaled policy) adds ${((snapshotCpu * 1e6) / scaledEvery).toFixed(0)} us`,
);

// 4. What an unlock replays per resource: a copy of A (its whole log, no snapshot) opened.
const aCopy = path.join(work, 'A-copy');
for (const entry of fs.readdirSync(path.join(work, `A${aIndex}`), { recursive: true, withFileTypes: true })) {
  if (!entry.isFile() || entry.name === 'vault.lock') continue;
  const source = path.join(entry.parentPath, entry.name);
  const target = path.join(aCopy, path.relative(path.join(work, `A${aIndex}`), source));
  fs.mkdirSync(path.dirname(target), { recursive: true });
  fs.copyFileSync(source, target);
}
const replayBefore = cpuNow();
started = performance.now();
const replayed = await openVault(aCopy, PASSPHRASE, { projector: fhirProjector, ...noSnapshots });
const replayCpu = cpuNow() - replayBefore;
console.log(
  `unlock replaying ${aWritten} resources (${fs.readdirSync(path.join(aCopy, 'log')).length} segment(s)): ${replayCpu.toFixed(2)} CPU-s, ${((replayCpu * 1e6) / Math.max(1, aWritten)).toFixed(0)} us per resource, ${((performance.now() - started) / 1000).toFixed(1)} s; load ${load()}`,
);
await replayed.close();
await a.close();
await b.close();
fs.rmSync(work, { recursive: true, force: true });
