/**
 * Where the write-prep worker's time goes (write-prep.ts): runs the worker's per-resource work on N
 * bench:fhir corpus resources (test/bench/fhir/corpus.ts) in this one thread, phase by phase,
 * batch by batch, keeping nothing, and prints the CPU microseconds per resource of each phase
 * (process.cpuUsage around each phase: this thread plus V8's helper threads; steadier than wall
 * time on a shared machine) and the load average. The phases are what the pool and its worker do
 * for one write:
 *
 *   stringify   the pool's JSON.stringify of the resource (on the store's thread)
 *   parse       the worker's JSON.parse of that text
 *   validate    writeProblems, as prepareWrite runs it
 *   hash        contentHash
 *   prepare     prepareWrite without rows (validate + hash + body template), and with them (as
 *               the worker runs it): the difference is the rows' extraction
 *   send        the worker's side of sending a batch of 500: packing the rows (search/packed-rows.ts)
 *               and serialising the message (v8.serialize, as postMessage does; the packed numbers'
 *               buffer is transferred, not serialised)
 *   receive     the store thread's side: deserialising the message and unpacking the rows
 *
 *   pool        the same batches through the real WritePrepPool and its worker thread (CPU of
 *               both threads)
 *   pool transactions  the corpus as transaction Bundles of 500 PUTs (as bench:fhir writes it)
 *               through WritePrepPool.prepareTransaction: CPU per resource of the worker thread,
 *               of V8's platform threads (its concurrent GC, and this thread's), of this thread
 *               (the pool's side: unpacking), and of the process (Linux: /proc/self/task)
 *
 * Then one more worker pass (parse, prepare, pack) under the V8 CPU profiler: the share of its
 * samples in the garbage collector, and the functions with the most self time.
 *
 * Run: `node --import tsx test/tools/prep-profile.ts` (the worker thread runs the TypeScript
 * source through tsx); `HEARTH_PROFILE_SIZE` (default 30000),
 * `HEARTH_PROFILE_ROUNDS` (default 3; the best round per phase is printed),
 * `HEARTH_PROFILE_OUT=file.cpuprofile` also writes the profile; `HEARTH_PROFILE_ONLY_POOL=1` runs
 * only the pool transactions (quick before/after comparisons); `HEARTH_PROFILE_YOUNG_MB=n` starts
 * the pool's worker with maxYoungGenerationSizeMb n.
 */
import fs from 'node:fs';
import { Session } from 'node:inspector/promises';
import os from 'node:os';
import v8 from 'node:v8';
import type { Resource } from '@medplum/fhirtypes';
import { contentHash } from '../../src-main/fhir/content-hash';
import { prepareWrite, type PreparedWrite } from '../../src-main/fhir/write-prep';
import { WritePrepPool } from '../../src-main/fhir/write-prep-pool';
import { writeProblems } from '../../src-main/fhir/validation';
import { corpusBundles, corpusResources } from '../bench/fhir/corpus';
import { threadsCpu } from '../bench/fhir/measure';
import { packRows, splitPackedRows, type PackedRows } from '../../src-main/fhir/search/packed-rows';
import type { IndexRows } from '../../src-main/fhir/search/extract';
import { preparedColumns, preparedFromColumns, type PreparedColumns } from '../../src-main/fhir/prepared-columns';

const size = Number(process.env.HEARTH_PROFILE_SIZE ?? 30000);
const rounds = Number(process.env.HEARTH_PROFILE_ROUNDS ?? 3);
const BATCH = 500;

const onlyPool = process.env.HEARTH_PROFILE_ONLY_POOL === '1';
const young = process.env.HEARTH_PROFILE_YOUNG_MB;
const workerOptions = young ? { resourceLimits: { maxYoungGenerationSizeMb: Number(young) } } : {};
const resources: Resource[] = [...corpusResources(size)];
// One-time loading (definitions, compiled validator, extraction plans) outside the measurement.
for (const resource of resources.slice(0, 2000)) prepareWrite({ resource, kind: 'update', id: resource.id! }, true);

/** CPU microseconds used since `before` (process.cpuUsage). */
function since(before: NodeJS.CpuUsage): number {
  const cpu = process.cpuUsage(before);
  return cpu.user + cpu.system;
}

const best = new Map<string, number>();
function keep(name: string, cpuUs: number): void {
  const previous = best.get(name);
  if (previous === undefined || cpuUs < previous) best.set(name, cpuUs);
}

/** The worker's side of write-prep-worker.ts's reply to one batch. */
function send(results: ReadonlyArray<PreparedWrite<IndexRows>>): { bytes: Buffer; values: Float64Array } {
  const packed = packRows(results.map((r) => r.rows));
  return { bytes: v8.serialize({ kind: 'result', id: 1, results: preparedColumns(results), packed: { strings: packed.strings } }), values: packed.values };
}

/** The pool's side (write-prep-pool.ts): the message, then each result given its item of the packed rows. */
function receive(message: { bytes: Buffer; values: Float64Array }): PreparedWrite[] {
  const data = v8.deserialize(message.bytes) as { results: PreparedColumns; packed: Omit<PackedRows, 'values'> };
  const results = preparedFromColumns(data.results);
  const rows = splitPackedRows({ strings: data.packed.strings, values: message.values });
  results.forEach((result, i) => {
    const itemRows = rows[i];
    if (itemRows) result.rows = itemRows;
  });
  return results;
}

/**
 * What the worker does with the batches' texts; `serialize`: the message too (v8.serialize's
 * Buffers are memory outside the heap, which postMessage's copy is not: under the profiler they
 * would add collections the worker does not have).
 */
function workerPass(texts: readonly string[], serialize: boolean): void {
  for (let i = 0; i < texts.length; i += BATCH) {
    const batch = texts.slice(i, i + BATCH).map((t) => {
      const r = JSON.parse(t) as Resource;
      return prepareWrite({ resource: r, kind: 'update', id: r.id! }, true);
    });
    if (serialize) checksum += send(batch).bytes.length;
    else checksum += packRows(batch.map((r) => r.rows)).values.length;
  }
}

const texts = resources.map((r) => JSON.stringify(r));
const inputOf = (r: Resource) => ({ resource: r, kind: 'update' as const, id: r.id! });
let checksum = 0;
for (let round = 0; round < (onlyPool ? 0 : rounds); round++) {
  // Batch by batch, as the worker goes, keeping nothing: retained results would make the
  // collector's work grow with the corpus.
  const cpu = new Map<string, number>();
  const add = (name: string, us: number) => cpu.set(name, (cpu.get(name) ?? 0) + us);
  for (let i = 0; i < resources.length; i += BATCH) {
    const batch = resources.slice(i, i + BATCH);
    let before = process.cpuUsage();
    for (const r of batch) checksum += JSON.stringify(r).length;
    add('stringify', since(before));
    before = process.cpuUsage();
    for (const t of texts.slice(i, i + BATCH)) checksum += (JSON.parse(t) as Resource).resourceType.length;
    add('parse', since(before));
    before = process.cpuUsage();
    for (const r of batch) checksum += writeProblems(r, { requireId: true }).length;
    add('validate', since(before));
    before = process.cpuUsage();
    for (const r of batch) checksum += contentHash(r).length;
    add('hash', since(before));
    before = process.cpuUsage();
    for (const r of batch) checksum += prepareWrite(inputOf(r), false).template!.tail.length;
    add('prepare without rows', since(before));
    before = process.cpuUsage();
    const results = batch.map((r) => prepareWrite(inputOf(r), true));
    add('prepare with rows', since(before));
    before = process.cpuUsage();
    const message = send(results);
    add('send (pack + serialize)', since(before));
    before = process.cpuUsage();
    checksum += receive(message).length;
    add('receive (deserialize + unpack)', since(before));
  }
  for (const [name, us] of cpu) keep(name, us);
  const before = process.cpuUsage();
  workerPass(texts, true);
  keep('worker total (parse + prepare + send)', since(before));
}

/** A write-prep pool whose worker thread has loaded its definitions. */
async function startedPool(): Promise<WritePrepPool> {
  const pool = new WritePrepPool(undefined, workerOptions);
  pool.start();
  const started = Date.now();
  while (!pool.ready) {
    if (Date.now() - started > 120_000) throw new Error('the write-prep worker did not start');
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  return pool;
}

/**
 * The real thing: the write-prep pool and its worker thread (write-prep-pool.ts), the batches one
 * after the other. CPU of the whole process (both threads: the pool's stringify and unpacking,
 * the worker's parse, prepare and packing, the message copies).
 */
async function poolPass(): Promise<number> {
  const pool = await startedPool();
  const inputs = resources.map((resource) => ({ resource, kind: 'update' as const, id: resource.id! }));
  // Its one-time loading (definitions, plans) outside the measurement.
  await pool.prepare(inputs.slice(0, 2000));
  const before = process.cpuUsage();
  for (let i = 0; i < inputs.length; i += BATCH) checksum += (await pool.prepare(inputs.slice(i, i + BATCH)))!.length;
  const cpu = process.cpuUsage(before);
  await pool.close();
  return cpu.user + cpu.system;
}
for (let round = 0; round < (onlyPool ? 0 : rounds); round++) keep('pool + worker thread, both threads', await poolPass());

/**
 * The corpus as transaction Bundles through the pool's worker (prepareTransaction), one after the
 * other: CPU seconds by thread group over the pass.
 */
async function poolTransactionPass(bundles: readonly string[]): Promise<Map<string, number>> {
  const beforeStart = new Set(threadsCpu().keys());
  const pool = await startedPool();
  const workerThreads = new Set([...threadsCpu().keys()].filter((tid) => !beforeStart.has(tid)));
  const base = { baseUrl: 'http://x/fhir' };
  // Its one-time loading outside the measurement.
  for (const text of bundles.slice(0, 4)) checksum += (await pool.prepareTransaction(text, base))!.length;
  const before = threadsCpu();
  const cpuBefore = process.cpuUsage();
  for (const text of bundles) checksum += (await pool.prepareTransaction(text, base))!.length;
  const cpu = process.cpuUsage(cpuBefore);
  const after = threadsCpu();
  await pool.close();
  const groups = new Map<string, number>([['process (cpuUsage)', (cpu.user + cpu.system) / 1e6]]);
  for (const [tid, seconds] of after) {
    const group = tid === String(process.pid) ? 'this thread (pool side)' : workerThreads.has(tid) ? 'worker thread' : beforeStart.has(tid) ? 'V8 platform + libuv threads' : 'other threads';
    groups.set(group, (groups.get(group) ?? 0) + seconds - (before.get(tid) ?? 0));
  }
  return groups;
}
const bundleTexts = [...corpusBundles(size, BATCH)].map((bundle) => JSON.stringify(bundle));
const poolTransactions: Array<Map<string, number>> = [];
for (let round = 0; round < rounds; round++) poolTransactions.push(await poolTransactionPass(bundleTexts));

const per = (us: number): string => (us / size).toFixed(1).padStart(7);
console.log(`${size} corpus resources, best of ${rounds} rounds; load average ${os.loadavg().map((l) => l.toFixed(2)).join(' ')}`);
for (const [round, groups] of poolTransactions.entries()) {
  console.log(`pool transactions, round ${round + 1}, CPU us/resource: ${[...groups].map(([group, seconds]) => `${group} ${((seconds * 1e6) / size).toFixed(1)}`).join('; ')}`);
}
if (onlyPool) process.exit(0);
console.log('phase                                       CPU us/resource');
for (const [name, cpuUs] of best) {
  console.log(`${name.padEnd(44)} ${per(cpuUs)}`);
}

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
}
// The worker holds one batch at a time: only the texts stay alive during the profiled pass.
resources.length = 0;
const session = new Session();
session.connect();
await session.post('Profiler.enable');
await session.post('Profiler.setSamplingInterval', { interval: 200 });
await session.post('Profiler.start');
workerPass(texts, false);
const { profile } = await session.post('Profiler.stop');
session.disconnect();
const nodes = new Map<number, ProfileNode>(profile.nodes.map((node) => [node.id, node]));
const selfSamples = new Map<string, number>();
for (const id of profile.samples ?? []) {
  const frame = nodes.get(id)?.callFrame;
  const name = frame ? `${frame.functionName || '(anonymous)'} ${frame.url.split('/').slice(-2).join('/')}` : '?';
  selfSamples.set(name, (selfSamples.get(name) ?? 0) + 1);
}
const samples = profile.samples?.length ?? 1;
const share = (n: number): string => `${((100 * n) / samples).toFixed(1)}%`;
console.log(`worker pass under the profiler: ${samples} samples, garbage collector ${share(selfSamples.get('(garbage collector) ') ?? 0)}`);
for (const [name, n] of [...selfSamples].sort((a, b) => b[1] - a[1]).slice(0, 15)) console.log(`  ${share(n).padStart(6)}  ${name}`);
console.log(`(checksum ${checksum})`);
const profileOut = process.env.HEARTH_PROFILE_OUT;
if (profileOut) fs.writeFileSync(profileOut, JSON.stringify(profile));
