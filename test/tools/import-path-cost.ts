/**
 * Where an NDJSON import's extra CPU per resource comes from: the data or the path. Writes one data
 * set (HEARTH_COST_DATA: `sample`, the `hearth sample` population bench:import imports, or `corpus`,
 * bench:fhir's generated corpus) through one path (HEARTH_COST_PATH: `import`, runImport over the
 * NDJSON files as `hearth import` runs it, or `transaction`, the same resources in the same order as
 * transaction Bundles of 500 `PUT Type/id` through the REST handler, two in flight, as bench:fhir
 * writes them) into a new vault (fast KDF) with the write-prep worker, and prints the CPU per
 * resource of the whole process and by thread group (store thread, write-prep worker, V8 platform
 * threads, other), from /proc/self/task. The Bundles' JSON text is made before the timing (as
 * bench:fhir makes it), the NDJSON files before it too. HEARTH_PROFILE_SIZE (default 100000),
 * HEARTH_COST_DIR (where the NDJSON is kept between runs; made when missing).
 * HEARTH_PROFILE_OUT=file.cpuprofile: a V8 CPU profile of the store thread over the timed part.
 * HEARTH_COST_YOUNG=1: the workers started get the larger young generation, as `hearth` gives them
 * (threads/young-generation.ts); the store thread's own is set with `node --max-semi-space-size=N`.
 * Run under `node --import tsx`.
 */
import fs from 'node:fs';
import { Session } from 'node:inspector/promises';
import os from 'node:os';
import path from 'node:path';
import { PerformanceObserver } from 'node:perf_hooks';
import { fhirProjector } from '../../src-main/fhir/fhir-projector';
import { handleFhirRequest } from '../../src-main/fhir/rest/handler';
import { createVaultRepository } from '../../src-main/fhir/vault-repository';
import { WritePrepPool } from '../../src-main/fhir/write-prep-pool';
import { runImport } from '../../src-main/io/importer';
import { generateSample } from '../../src-main/sample/generator';
import { enlargeYoungGeneration } from '../../src-main/threads/young-generation';
import { createVault } from '../../src-main/vault';
import { corpusResources } from '../bench/fhir/corpus';
import { threadsCpu } from '../bench/fhir/measure';

const size = Number(process.env.HEARTH_PROFILE_SIZE ?? 100_000);
const data = process.env.HEARTH_COST_DATA ?? 'sample';
const route = process.env.HEARTH_COST_PATH ?? 'import';
if (data !== 'sample' && data !== 'corpus') throw new Error('HEARTH_COST_DATA must be sample or corpus');
if (route !== 'import' && route !== 'transaction') throw new Error('HEARTH_COST_PATH must be import or transaction');
const work = fs.mkdtempSync(path.join(os.tmpdir(), 'hearth-import-path-cost-'));
const dataDir = process.env.HEARTH_COST_DIR ?? path.join(work, 'ndjson');

/** The data set's NDJSON files, in the order runImport reads them (the manifest's, or the names'). */
async function ndjsonFiles(): Promise<string[]> {
  if (!fs.existsSync(path.join(dataDir, 'manifest.json'))) {
    if (data === 'sample') await generateSample({ patients: Math.max(1, Math.round(size / 370)), seed: 'bench-import', outDir: dataDir });
    else {
      fs.mkdirSync(dataDir, { recursive: true });
      const lines: string[] = [];
      for (const resource of corpusResources(size)) lines.push(JSON.stringify(resource));
      fs.writeFileSync(path.join(dataDir, 'corpus.ndjson'), `${lines.join('\n')}\n`);
      const manifest = { transactionTime: '2026-01-01T00:00:00Z', request: 'corpus', requiresAccessToken: false, output: [{ type: 'Bundle', url: 'corpus.ndjson' }], error: [] };
      fs.writeFileSync(path.join(dataDir, 'manifest.json'), JSON.stringify(manifest));
    }
  }
  const manifest = JSON.parse(fs.readFileSync(path.join(dataDir, 'manifest.json'), 'utf8')) as { output: Array<{ url: string }> };
  return manifest.output.map((o) => path.join(dataDir, o.url));
}

const files = await ndjsonFiles();
/** Transaction Bundle texts of 500 PUT entries, the files' lines in order. */
const bundles: Array<{ body: string; entries: number }> = [];
if (route === 'transaction') {
  let entries: string[] = [];
  const flush = () => {
    if (entries.length === 0) return;
    bundles.push({ body: `{"resourceType":"Bundle","type":"transaction","entry":[${entries.join(',')}]}`, entries: entries.length });
    entries = [];
  };
  for (const file of files) {
    for (const line of fs.readFileSync(file, 'utf8').split('\n')) {
      if (line.trim().length === 0) continue;
      const r = JSON.parse(line) as { resourceType: string; id: string };
      entries.push(`{"resource":${line},"request":{"method":"PUT","url":"${r.resourceType}/${r.id}"}}`);
      if (entries.length === 500) flush();
    }
  }
  flush();
}

if (process.env.HEARTH_COST_YOUNG === '1') enlargeYoungGeneration();
const earlyThreads = new Set(threadsCpu().keys());
const pool = new WritePrepPool();
pool.start();
while (!pool.ready) await new Promise((resolve) => setTimeout(resolve, 10));
const poolThreads = new Set([...threadsCpu().keys()].filter((tid) => !earlyThreads.has(tid)));
const vault = await createVault(path.join(work, 'vault'), 'profile passphrase', { projector: fhirProjector, kdfIterations: 1000, allowWeakKdfForTests: true });
const repository = createVaultRepository(vault, { preparer: pool });
const session = process.env.HEARTH_PROFILE_OUT ? new Session() : null;
if (session) {
  session.connect();
  await session.post('Profiler.enable');
  await session.post('Profiler.setSamplingInterval', { interval: 500 });
  await session.post('Profiler.start');
}

/** The store thread's (main isolate's) collections over the timed part: scavenges and the rest. */
const gc = { minor: 0, other: 0, ms: 0 };
const gcObserver = new PerformanceObserver((list) => {
  for (const entry of list.getEntries()) {
    if ((entry as { detail?: { kind?: number } }).detail?.kind === 1) gc.minor++;
    else gc.other++;
    gc.ms += entry.duration;
  }
});
gcObserver.observe({ entryTypes: ['gc'] });
const loadBefore = os.loadavg()[0]!;
const threadsBefore = threadsCpu();
const cpuBefore = process.cpuUsage();
const started = performance.now();
let written = 0;
if (route === 'import') {
  const result = await runImport({ repository, sources: [{ kind: 'path', path: dataDir }] });
  if (result.failed > 0) throw new Error(`${result.failed} records failed`);
  written = result.created + result.updated + result.unchanged;
} else {
  const window: Array<Promise<void>> = [];
  const post = async (body: string) => {
    const response = await handleFhirRequest(repository, { method: 'POST', path: '/', headers: { 'content-type': 'application/fhir+json', prefer: 'return=minimal' }, body }, { baseUrl: 'http://x/fhir' });
    if (response.status !== 200) throw new Error(`transaction answered ${response.status}`);
  };
  for (const bundle of bundles) {
    window.push(post(bundle.body));
    written += bundle.entries;
    if (window.length >= 2) await window.shift();
  }
  for (const writing of window) await writing;
}
const seconds = (performance.now() - started) / 1000;
await new Promise((resolve) => setImmediate(resolve));
gcObserver.disconnect();
const cpu = process.cpuUsage(cpuBefore);
const groups = { store: 0, prepWorker: 0, v8Platform: 0, other: 0 };
for (const [tid, after] of threadsCpu()) {
  const used = after - (threadsBefore.get(tid) ?? 0);
  const group = Number(tid) === process.pid ? 'store' : poolThreads.has(tid) ? 'prepWorker' : earlyThreads.has(tid) ? 'v8Platform' : 'other';
  groups[group] += used;
}
if (session && process.env.HEARTH_PROFILE_OUT) {
  const { profile } = await session.post('Profiler.stop');
  fs.writeFileSync(process.env.HEARTH_PROFILE_OUT, JSON.stringify(profile));
  session.disconnect();
}
const us = (s: number) => ((s * 1e6) / written).toFixed(0);
console.log(
  `${data} via ${route}: ${written} resources in ${seconds.toFixed(1)} s (${(written / seconds).toFixed(0)}/s); ` +
    `${us((cpu.user + cpu.system) / 1e6)} us CPU per resource (store ${us(groups.store)}, prep worker ${us(groups.prepWorker)}, ` +
    `V8 platform ${us(groups.v8Platform)}, other ${us(groups.other)}); store thread GCs: ${gc.minor} scavenges, ${gc.other} others, ` +
    `${((gc.ms * 1000) / written).toFixed(0)} us pause per resource; load ${loadBefore.toFixed(1)} -> ${os.loadavg()[0]!.toFixed(1)}`,
);
await pool.close();
await vault.close();
fs.rmSync(work, { recursive: true, force: true });
