/**
 * Where the engine's write time goes: writes N generated resources (the bench:fhir corpus) through
 * the REST handler into a vault with a fast KDF, then prints the wall rate and the CPU-seconds per
 * 10k resources (process.cpuUsage: every thread of the process, so the thread pool's crypto and
 * fsync work counts too; steadier than wall time on a shared machine). Run under
 * `node --import tsx`; `HEARTH_PROFILE_SIZE` (default 30000). `HEARTH_PROFILE_OUT=file.cpuprofile`
 * writes a V8 CPU profile of the main thread without the first Bundle (one-time loading), which
 * `node --cpu-prof` would include. `HEARTH_PROFILE_PIPELINE=2` keeps two Bundles in flight with the
 * write-prep worker (as bench:fhir does), so the profile is the store thread's share alone; the
 * store (main) thread's own CPU time is printed as well. `HEARTH_PROFILE_YOUNG_MB=n` starts the write-prep
 * worker with maxYoungGenerationSizeMb n. The Bundles are flat texts, as a request body arrives
 * (phases.ts requestBodyText); `HEARTH_PROFILE_ROPE=1` posts JSON.stringify's rope instead (before session 15).
 * The frame-seal worker (vault/frame-sealer.ts) shows as `other` in the CPU by thread.
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
import { createVault } from '../../src-main/vault';
import { corpusBundles } from '../bench/fhir/corpus';
import { mainThreadCpuSeconds } from '../bench/fhir/measure';
import { requestBodyText } from '../bench/fhir/phases';

const size = Number(process.env.HEARTH_PROFILE_SIZE ?? 30000);

/** CPU ticks (10 ms) of every thread of this process, by thread id. */
function threadTicks(): Map<number, number> {
  const ticks = new Map<number, number>();
  let tasks: string[] = [];
  try {
    tasks = fs.readdirSync('/proc/self/task');
  } catch {
    return ticks;
  }
  for (const task of tasks) {
    try {
      const stat = fs.readFileSync(`/proc/self/task/${task}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      ticks.set(Number(task), Number(fields[11]) + Number(fields[12]));
    } catch {
      // the thread ended between the listing and the read
    }
  }
  return ticks;
}
const earlyThreads = new Set(threadTicks().keys());

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'hearth-write-profile-'));
// HEARTH_PROFILE_FRAME_SEALER=0: blob frames sealed on the store thread (vault/frame-sealer.ts off).
const frameSealer = process.env.HEARTH_PROFILE_FRAME_SEALER === '0' ? { frameSealer: null } : {};
const vault = await createVault(path.join(dir, 'v'), 'profile passphrase', { projector: fhirProjector, kdfIterations: 1000, allowWeakKdfForTests: true, ...frameSealer });
const depth = Number(process.env.HEARTH_PROFILE_PIPELINE ?? 1);
let pool: WritePrepPool | undefined;
if (depth > 1) {
  // HEARTH_PROFILE_YOUNG_MB=n: the write-prep worker's young generation (maxYoungGenerationSizeMb).
  const young = process.env.HEARTH_PROFILE_YOUNG_MB;
  pool = new WritePrepPool(undefined, young ? { resourceLimits: { maxYoungGenerationSizeMb: Number(young) } } : {});
  pool.start();
  while (!pool.ready) await new Promise((resolve) => setTimeout(resolve, 10));
}
const poolThreads = new Set([...threadTicks().keys()].filter((tid) => !earlyThreads.has(tid)));
/** CPU seconds per group of threads over the timed windows. */
const groupSeconds = { store: 0, prepWorker: 0, v8Platform: 0, other: 0 };
const groupOf = (tid: number): keyof typeof groupSeconds =>
  tid === process.pid ? 'store' : poolThreads.has(tid) ? 'prepWorker' : earlyThreads.has(tid) ? 'v8Platform' : 'other';
let heapAfterMajor = 0;
const gc = { minor: 0, major: 0, incremental: 0, ms: 0, timing: false };
const gcObserver = new PerformanceObserver((list) => {
  if (!gc.timing) return;
  for (const entry of list.getEntries()) {
    const kind = (entry as { detail?: { kind?: number } }).detail?.kind;
    gc.ms += entry.duration;
    if (kind === 1) gc.minor++;
    else if (kind === 4) {
      gc.major++;
      // The observer runs soon after the GC, so this is close to the live heap it left.
      heapAfterMajor = Math.max(heapAfterMajor, process.memoryUsage().heapUsed);
    }
    else if (kind === 8) gc.incremental++;
  }
});
gcObserver.observe({ entryTypes: ['gc'] });

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
/**
 * Background snapshots, watched in index/: each from its temp file's creation (its image is fixed
 * by then) to its rename (sealed and written; the re-read follows), in ms of wall time.
 */
const snapshotStarts = new Map<string, number>();
const snapshotMs: number[] = [];
const snapshotWatcher = fs.watch(path.join(dir, 'v', 'index'), (_event, name) => {
  const match = name === null ? null : /^(snapshot-\d+\.hsnap)(\.tmp)?$/.exec(name);
  if (!match) return;
  const started = snapshotStarts.get(match[1]!);
  if (match[2] && started === undefined) snapshotStarts.set(match[1]!, performance.now());
  else if (!match[2] && started !== undefined && started >= 0 && fs.existsSync(path.join(dir, 'v', 'index', match[1]!))) {
    snapshotMs.push(performance.now() - started);
    snapshotStarts.set(match[1]!, -1);
  }
});
const profileOut = process.env.HEARTH_PROFILE_OUT;
const session = profileOut ? new Session() : null;
const heapOut = process.env.HEARTH_PROFILE_HEAP;
const heapSession = heapOut ? new Session() : null;
/** Each timed Bundle's wall time from its POST to its acknowledgement (a snapshot holding the writer lock shows here). */
const bundleMs: number[] = [];
const post = async (body: string) => {
  const posted = performance.now();
  const response = await handleFhirRequest(repo, { method: 'POST', path: '/', headers: { 'content-type': 'application/fhir+json', prefer: 'return=minimal' }, body }, { baseUrl: 'http://x/fhir' });
  if (response.status !== 200) throw new Error(String(response.status));
  if (!first) bundleMs.push(performance.now() - posted);
};
// Bundles are generated in bursts outside the timed windows (as bench:fhir does), `depth` in flight.
const bundles = corpusBundles(size, 500)[Symbol.iterator]();
for (;;) {
  const burst: string[] = [];
  let entries = 0;
  for (let i = 0; i < (first ? 1 : 20); i++) {
    const next = bundles.next();
    if (next.done) break;
    burst.push(process.env.HEARTH_PROFILE_ROPE === '1' ? JSON.stringify(next.value) : requestBodyText(next.value));
    entries += next.value.entry?.length ?? 0;
  }
  if (burst.length === 0) break;
  const started = performance.now();
  const cpuBefore = process.cpuUsage();
  const threadBefore = mainThreadCpuSeconds();
  const loopBefore = performance.eventLoopUtilization();
  const ticksBefore = threadTicks();
  gc.timing = !first;
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
    written += entries;
    for (const [tid, ticks] of threadTicks()) groupSeconds[groupOf(tid)] += (ticks - (ticksBefore.get(tid) ?? 0)) / 100;
  }
  if (first && heapSession) {
    heapSession.connect();
    await heapSession.post('HeapProfiler.enable');
    await heapSession.post('HeapProfiler.startSampling', { samplingInterval: 16384, includeObjectsCollectedByMajorGC: true, includeObjectsCollectedByMinorGC: true });
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
if (heapSession && heapOut) {
  const { profile } = await heapSession.post('HeapProfiler.stopSampling');
  fs.writeFileSync(heapOut, JSON.stringify(profile));
  heapSession.disconnect();
}
await new Promise((resolve) => setImmediate(resolve));
gcObserver.disconnect();
const cpuSeconds = cpuMicros / 1e6;
console.log(
  `${written} resources in ${ms.toFixed(0)} ms: ${(written / (ms / 1000)).toFixed(0)}/s; ` +
    `${((cpuSeconds * 10000) / written).toFixed(2)} CPU-s per 10k (${(written / cpuSeconds).toFixed(0)} per CPU-second); ` +
    `store thread ${((threadSeconds * 1e6) / written).toFixed(0)} us CPU per resource, idle ${((idleMs * 1000) / written).toFixed(0)} us per resource; ${depth} in flight; load ${os.loadavg()[0]!.toFixed(1)} (first bundle excluded)`,
);
const perResource = (seconds: number) => ((seconds * 1e6) / written).toFixed(0);
console.log(
  `us CPU per resource by thread: store ${perResource(groupSeconds.store)}, prep worker ${perResource(groupSeconds.prepWorker)}, ` +
    `V8 platform (GC) ${perResource(groupSeconds.v8Platform)}, other ${perResource(groupSeconds.other)}; ` +
    `main isolate GCs per 10k resources: ${((gc.minor * 10000) / written).toFixed(1)} minor, ${((gc.major * 10000) / written).toFixed(2)} major, ` +
    `${((gc.incremental * 10000) / written).toFixed(2)} incremental marking, ${((gc.ms * 1000) / written).toFixed(1)} us pause per resource; ` +
    `largest heap used after a major GC ${(heapAfterMajor / 1048576).toFixed(0)} MB, rss ${(process.memoryUsage.rss() / 1048576).toFixed(0)} MB`,
);
snapshotWatcher.close();
bundleMs.sort((a, b) => a - b);
const percentile = (p: number) => bundleMs[Math.min(bundleMs.length - 1, Math.floor(p * bundleMs.length))] ?? 0;
console.log(
  `Bundle POST to acknowledgement (ms): median ${percentile(0.5).toFixed(0)}, p99 ${percentile(0.99).toFixed(0)}, max ${(bundleMs.at(-1) ?? 0).toFixed(0)}; ` +
    `${bundleMs.filter((t) => t > 1000).length} of ${bundleMs.length} over 1 s`,
);
console.log(`background snapshots: ${snapshotMs.length}, temp file to rename (ms): ${snapshotMs.map((t) => t.toFixed(0)).join(', ')}`);
const paging = vault.indexPaging();
if (paging) {
  console.log(
    `index paging: ${paging.pagesIn} pages in, ${paging.pagesOut} pages out, ${paging.cachedPages} cached; ` +
      `at most ${paging.keptPagesPeak} old pages kept for a snapshot being written`,
  );
}
await pool?.close();
await vault.close();
fs.rmSync(dir, { recursive: true, force: true });
