/**
 * Where the engine's write time goes: writes N generated resources (the bench:fhir corpus) through
 * the REST handler into a vault with a fast KDF, then prints the wall rate and the CPU-seconds per
 * 10k resources (process.cpuUsage: every thread of the process, so the thread pool's crypto and
 * fsync work counts too; steadier than wall time on a shared machine). Run under
 * `node --import tsx`; `HEARTH_PROFILE_SIZE` (default 30000). `HEARTH_PROFILE_OUT=file.cpuprofile`
 * writes a V8 CPU profile of the main thread without the first Bundle (one-time loading), which
 * `node --cpu-prof` would include. `HEARTH_PROFILE_PIPELINE=2` keeps two Bundles in flight with the
 * write-prep worker (as bench:fhir does), so the profile is the store thread's share alone; the
 * store (main) thread's own CPU time is printed as well, and (Linux) the CPU of the other threads
 * over the same windows: the write-prep worker (the threads that appeared when the pool started), V8's
 * platform threads (concurrent/parallel GC of both isolates: the threads there before the pool
 * started) and the libuv pool (threads that appeared later). `HEARTH_PROFILE_YOUNG_MB=n` starts the
 * write-prep worker with maxYoungGenerationSizeMb n.
 */
import fs from 'node:fs';
import { Session } from 'node:inspector/promises';
import os from 'node:os';
import path from 'node:path';
import { fhirProjector } from '../../src-main/fhir/fhir-projector';
import { handleFhirRequest } from '../../src-main/fhir/rest/handler';
import { createVaultRepository } from '../../src-main/fhir/vault-repository';
import { WritePrepPool } from '../../src-main/fhir/write-prep-pool';
import { createVault } from '../../src-main/vault';
import { corpusBundles } from '../bench/fhir/corpus';
import { mainThreadCpuSeconds, threadsCpu } from '../bench/fhir/measure';

const startupThreads = new Set(threadsCpu().keys());
const size = Number(process.env.HEARTH_PROFILE_SIZE ?? 30000);
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'hearth-write-profile-'));
const vault = await createVault(path.join(dir, 'v'), 'profile passphrase', { projector: fhirProjector, kdfIterations: 1000, allowWeakKdfForTests: true });
const depth = Number(process.env.HEARTH_PROFILE_PIPELINE ?? 1);
let pool: WritePrepPool | undefined;
let prepThreads = new Set<string>();
if (depth > 1) {
  const young = process.env.HEARTH_PROFILE_YOUNG_MB;
  const beforePool = new Set(threadsCpu().keys());
  pool = new WritePrepPool(undefined, young ? { resourceLimits: { maxYoungGenerationSizeMb: Number(young) } } : {});
  pool.start();
  while (!pool.ready) await new Promise((resolve) => setTimeout(resolve, 10));
  prepThreads = new Set([...threadsCpu().keys()].filter((tid) => !beforePool.has(tid)));
}
/** CPU seconds per group of threads over the measured windows. */
const groupSeconds = new Map<string, number>();
function groupOf(tid: string): string {
  if (tid === String(process.pid)) return 'store (main)';
  if (prepThreads.has(tid)) return 'write-prep worker';
  if (startupThreads.has(tid)) return 'V8 platform (GC) + startup';
  return 'libuv pool + later';
}
function addThreadDeltas(before: Map<string, number>, after: Map<string, number>): void {
  for (const [tid, seconds] of after) {
    const group = groupOf(tid);
    groupSeconds.set(group, (groupSeconds.get(group) ?? 0) + seconds - (before.get(tid) ?? 0));
  }
}
const repo = createVaultRepository(vault, pool ? { preparer: pool } : {});
let written = 0;
let ms = 0;
let cpuMicros = 0;
let threadSeconds = 0;
/**
 * Time the store thread's event loop sat idle (performance.eventLoopUtilization): waiting for an
 * fdatasync, the prep worker or a thread-pool write with nothing else to run. Unlike the wall
 * rate, it does not grow when other processes take the CPU (time the OS runs something else counts as busy).
 */
let idleMs = 0;
let first = true;
const profileOut = process.env.HEARTH_PROFILE_OUT;
const session = profileOut ? new Session() : null;
const post = async (body: string) => {
  const response = await handleFhirRequest(repo, { method: 'POST', path: '/', headers: { 'content-type': 'application/fhir+json', prefer: 'return=minimal' }, body }, { baseUrl: 'http://x/fhir' });
  if (response.status !== 200) throw new Error(String(response.status));
};
// Bundles are generated in bursts outside the timed windows (as bench:fhir does), `depth` in flight.
const bundles = corpusBundles(size, 500)[Symbol.iterator]();
for (;;) {
  const burst: string[] = [];
  let entries = 0;
  for (let i = 0; i < (first ? 1 : 20); i++) {
    const next = bundles.next();
    if (next.done) break;
    burst.push(JSON.stringify(next.value));
    entries += next.value.entry?.length ?? 0;
  }
  if (burst.length === 0) break;
  const started = performance.now();
  const cpuBefore = process.cpuUsage();
  const threadBefore = mainThreadCpuSeconds();
  const threadsBefore = threadsCpu();
  const loopBefore = performance.eventLoopUtilization();
  const window: Array<Promise<void>> = [];
  for (const body of burst) {
    window.push(post(body));
    if (window.length >= depth) await window.shift();
  }
  for (const writing of window) await writing;
  const cpu = process.cpuUsage(cpuBefore);
  if (!first) {
    ms += performance.now() - started;
    cpuMicros += cpu.user + cpu.system;
    threadSeconds += mainThreadCpuSeconds() - threadBefore;
    idleMs += performance.eventLoopUtilization(loopBefore).idle;
    addThreadDeltas(threadsBefore, threadsCpu());
    written += entries;
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
    `${((cpuSeconds * 10000) / written).toFixed(2)} CPU-s per 10k (${(written / cpuSeconds).toFixed(0)} per CPU-second); ` +
    `store thread ${((threadSeconds * 1e6) / written).toFixed(0)} us CPU per resource, idle ${((idleMs * 1000) / written).toFixed(0)} us per resource; ${depth} in flight; load ${os.loadavg()[0]!.toFixed(1)} (first bundle excluded)`,
);
if (groupSeconds.size > 0) {
  console.log(`CPU us per resource by thread: ${[...groupSeconds].map(([group, seconds]) => `${group} ${((seconds * 1e6) / written).toFixed(0)}`).join('; ')}`);
}
await pool?.close();
await vault.close();
fs.rmSync(dir, { recursive: true, force: true });
