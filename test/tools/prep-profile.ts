/**
 * Where the write-prep worker's time goes (write-prep.ts): runs the worker's per-resource work on N
 * bench:fhir corpus resources (test/bench/fhir/corpus.ts) in this one thread, phase by phase over
 * the whole corpus, and prints the CPU microseconds per resource of each phase (process.cpuUsage
 * around each phase: this thread plus V8's helper threads; steadier than wall time on a shared
 * machine), the share of it spent in garbage collection (PerformanceObserver 'gc' entries) and the
 * load average. The phases are what the pool and its worker do for one write:
 *
 *   stringify   the pool's JSON.stringify of the resource (on the store's thread)
 *   parse       the worker's JSON.parse of that text
 *   prepare     prepareWrite(…, rows) as the worker runs it, split into: validate (writeProblems),
 *               hash (contentHash), template + extract (the rest of prepareWrite)
 *   clone       the results' structured clone both ways (v8.serialize + deserialize, per batch of
 *               500: what postMessage does)
 *
 * Run: `node --import tsx test/tools/prep-profile.ts`; `HEARTH_PROFILE_SIZE` (default 30000),
 * `HEARTH_PROFILE_ROUNDS` (default 3; the best round per phase is printed),
 * `HEARTH_PROFILE_OUT=file.cpuprofile` writes a V8 CPU profile of one more prepare pass.
 */
import fs from 'node:fs';
import { Session } from 'node:inspector/promises';
import os from 'node:os';
import { PerformanceObserver } from 'node:perf_hooks';
import v8 from 'node:v8';
import type { Resource } from '@medplum/fhirtypes';
import { contentHash } from '../../src-main/fhir/content-hash';
import { prepareWrite, type PreparedWrite } from '../../src-main/fhir/write-prep';
import { writeProblems } from '../../src-main/fhir/validation';
import { corpusResources } from '../bench/fhir/corpus';

const size = Number(process.env.HEARTH_PROFILE_SIZE ?? 30000);
const rounds = Number(process.env.HEARTH_PROFILE_ROUNDS ?? 3);
const BATCH = 500;

const resources = [...corpusResources(size)];
// One-time loading (definitions, compiled validator, extraction plans) outside the measurement.
for (const resource of resources.slice(0, 2000)) prepareWrite({ resource, kind: 'update', id: resource.id! }, true);

let gcMs = 0;
const observer = new PerformanceObserver((list) => {
  for (const entry of list.getEntries()) gcMs += entry.duration;
});
observer.observe({ entryTypes: ['gc'] });

interface Phase {
  cpuUs: number;
  gcMs: number;
}

/** CPU and GC time of `run` (GC entries are delivered asynchronously: waits a turn for them). */
async function phase(run: () => void): Promise<Phase> {
  await new Promise((resolve) => setImmediate(resolve));
  const gcBefore = gcMs;
  const before = process.cpuUsage();
  run();
  const cpu = process.cpuUsage(before);
  await new Promise((resolve) => setImmediate(resolve));
  return { cpuUs: cpu.user + cpu.system, gcMs: gcMs - gcBefore };
}

const best = new Map<string, Phase>();
function keep(name: string, measured: Phase): void {
  const previous = best.get(name);
  if (!previous || measured.cpuUs < previous.cpuUs) best.set(name, measured);
}

let checksum = 0;
for (let round = 0; round < rounds; round++) {
  let texts: string[] = [];
  keep('stringify', await phase(() => (texts = resources.map((r) => JSON.stringify(r)))));
  let parsed: Resource[] = [];
  keep('parse', await phase(() => (parsed = texts.map((t) => JSON.parse(t) as Resource))));
  keep('validate', await phase(() => {
    for (const r of parsed) checksum += writeProblems(r, { requireId: true }).length;
  }));
  keep('hash', await phase(() => {
    for (const r of parsed) checksum += contentHash(r).length;
  }));
  let results: PreparedWrite[] = [];
  keep('prepare (all)', await phase(() => (results = parsed.map((r) => prepareWrite({ resource: r, kind: 'update', id: r.id! }, true)))));
  keep('clone', await phase(() => {
    for (let i = 0; i < results.length; i += BATCH) {
      const copy = v8.deserialize(v8.serialize(results.slice(i, i + BATCH))) as unknown[];
      checksum += copy.length;
    }
  }));
  keep('worker total (parse + prepare + clone)', await phase(() => {
    for (let i = 0; i < texts.length; i += BATCH) {
      const batch = texts.slice(i, i + BATCH).map((t) => {
        const r = JSON.parse(t) as Resource;
        return prepareWrite({ resource: r, kind: 'update', id: r.id! }, true);
      });
      checksum += (v8.deserialize(v8.serialize(batch)) as unknown[]).length;
    }
  }));
}
observer.disconnect();

const per = (us: number): string => (us / size).toFixed(1).padStart(7);
const prepare = best.get('prepare (all)')!;
const rest = { cpuUs: prepare.cpuUs - best.get('validate')!.cpuUs - best.get('hash')!.cpuUs, gcMs: 0 };
console.log(`${size} corpus resources, best of ${rounds} rounds; load average ${os.loadavg().map((l) => l.toFixed(2)).join(' ')}`);
console.log('phase                                    CPU us/resource   GC share');
for (const [name, measured] of best) {
  console.log(`${name.padEnd(40)} ${per(measured.cpuUs)}          ${((measured.gcMs * 1000 * 100) / Math.max(1, measured.cpuUs)).toFixed(0).padStart(3)}%`);
  if (name === 'prepare (all)') console.log(`${'  of which template + rows (by difference)'.padEnd(40)} ${per(rest.cpuUs)}`);
}
console.log(`(checksum ${checksum})`);

const profileOut = process.env.HEARTH_PROFILE_OUT;
if (profileOut) {
  const texts = resources.map((r) => JSON.stringify(r));
  const session = new Session();
  session.connect();
  await session.post('Profiler.enable');
  await session.post('Profiler.setSamplingInterval', { interval: 200 });
  await session.post('Profiler.start');
  for (const t of texts) {
    const r = JSON.parse(t) as Resource;
    prepareWrite({ resource: r, kind: 'update', id: r.id! }, true);
  }
  const { profile } = await session.post('Profiler.stop');
  fs.writeFileSync(profileOut, JSON.stringify(profile));
  session.disconnect();
}
