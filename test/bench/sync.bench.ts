/**
 * `npm run bench:sync`: push 100,000 resources from a vault on disk to a local Medplum server
 * (@medplum/fhir-router over HTTP, test/unit/sync/medplum-server.ts, in a forked process) and compare with the limit:
 * the exact same transaction Bundles (same conditional creates, same references) POSTed with
 * plain fetch, one after another, to a second, empty server of the same kind, in the same run.
 *
 * Fair server cost: Medplum's MemoryRepository answers `If-None-Exist: _tag=…` by scanning every
 * resource of the type (N creates cost N²/2 matches: ~31 resources/s by 100,000). Both servers
 * here answer a single-`_tag` conditional create from an index (`indexTags`), so the push and the
 * limit pay the same, small, server cost per resource.
 *
 * Also the sync-record index (docs/sync.md "Index"): a push of SMALL new resources when the id
 * map is empty and again when it holds every pushed resource, its plan alone (a dry run), and the
 * one scan that builds the index in a new session.
 *
 * Every time is given as wall-clock and as CPU time: of this process (the client: push, vault,
 * crypto threads) and of the server's process (sync-server-child.ts: Medplum's CPU is not ours), so
 * that a loaded machine does not change the per-CPU-second figures and ratios much.
 * HEARTH_BENCH_SYNC_PROFILE=FILE writes a V8 CPU profile of this process during the big push.
 *
 * HEARTH_BENCH_SYNC_N overrides the 100,000 (for quick runs; the figure names stay);
 * HEARTH_BENCH_SYNC_CHUNK the resources per Bundle (default 250). Prints a table and writes
 * bench-results/sync.json (figure name → number, unit in the name).
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { fork, type ChildProcess } from 'node:child_process';
import { Session } from 'node:inspector/promises';
import type { Bundle, Resource } from '@medplum/fhirtypes';
import { fhirProjector } from '../../src-main/fhir/fhir-projector';
import { createVaultRepository } from '../../src-main/fhir/vault-repository';
import { FhirKitTransport } from '../../src-main/sync/fhir-kit-transport';
import { createSecretBox, SECRET_KEY_PURPOSE } from '../../src-main/sync/secrets';
import { SyncService } from '../../src-main/sync/service';
import type { SyncTransport } from '../../src-main/sync/transport';
import { createVault, type Vault } from '../../src-main/vault';

const N = Number(process.env.HEARTH_BENCH_SYNC_N ?? 100_000);
const CHUNK = Number(process.env.HEARTH_BENCH_SYNC_CHUNK ?? 250);
const SMALL = 1_000;
/** HEARTH_BENCH_SYNC_PROFILE=FILE: a V8 CPU profile of this process during the big push only (open in Chrome DevTools or speedscope). */
const PROFILE = process.env.HEARTH_BENCH_SYNC_PROFILE;
const SEED_BATCH = 5_000;
const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

/**
 * `count` synthetic resources (no real data) under ids prefixed `prefix`: per patient an encounter,
 * two observations (subject + encounter) and a condition, so every push rewrites references.
 */
function synthetic(prefix: string, count: number): Resource[] {
  const out: Resource[] = [];
  for (let i = 0; out.length < count; i++) {
    const p = `${prefix}p${i}`;
    const e = `${prefix}e${i}`;
    const batch: Resource[] = [
      { resourceType: 'Patient', id: p, name: [{ family: `Family${i % 997}`, given: [`Given${i % 89}`] }], gender: i % 2 ? 'female' : 'male', birthDate: `19${50 + (i % 40)}-0${1 + (i % 9)}-1${i % 10}` },
      { resourceType: 'Encounter', id: e, status: 'finished', class: { system: 'http://terminology.hl7.org/CodeSystem/v3-ActCode', code: 'AMB' }, subject: { reference: `Patient/${p}` } },
      ...[0, 1].map(
        (k): Resource => ({
          resourceType: 'Observation',
          id: `${prefix}o${i}-${k}`,
          status: 'final',
          code: { coding: [{ system: 'http://loinc.org', code: k ? '8867-4' : '8310-5' }] },
          subject: { reference: `Patient/${p}` },
          encounter: { reference: `Encounter/${e}` },
          valueQuantity: { value: 36 + (i % 5) + k, unit: 'Cel', system: 'http://unitsofmeasure.org', code: 'Cel' },
        }),
      ),
      { resourceType: 'Condition', id: `${prefix}c${i}`, subject: { reference: `Patient/${p}` }, encounter: { reference: `Encounter/${e}` }, code: { coding: [{ system: 'http://hl7.org/fhir/sid/icd-10-cm', code: 'I10' }] } },
    ];
    out.push(...batch.slice(0, count - out.length));
  }
  return out;
}

async function seed(vault: Vault, resources: Resource[]): Promise<void> {
  const repo = createVaultRepository(vault);
  for (let i = 0; i < resources.length; i += SEED_BATCH) {
    const results = await repo.writeBatch(resources.slice(i, i + SEED_BATCH).map((resource) => ({ kind: 'update' as const, resource })));
    const failed = results.find((r) => r.status === 'failed');
    if (failed) throw new Error(`seed failed: ${JSON.stringify(failed)}`);
  }
}

/** The fhir-kit-client transport, keeping the JSON of every Bundle it sends (for the limit). */
function recordingTransport(inner: SyncTransport, sent: string[]): SyncTransport {
  return {
    baseUrl: inner.baseUrl,
    capabilities: (signal) => inner.capabilities(signal),
    bundle: (bundle, signal) => {
      sent.push(JSON.stringify(bundle));
      return inner.bundle(bundle, signal);
    },
    create: (resource, ifNoneExist, signal) => inner.create(resource, ifNoneExist, signal),
    update: (resource, ifMatch, signal) => inner.update(resource, ifMatch, signal),
    read: (type, id, signal) => inner.read(type, id, signal),
    delete: (type, id, ifMatch, signal) => inner.delete(type, id, ifMatch, signal),
    search: (type, params, signal) => inner.search(type, params, signal),
    nextPage: (bundle, signal) => inner.nextPage(bundle, signal),
  };
}

/** The Medplum test server in its own process (sync-server-child.ts): its CPU is the server's, not ours. */
interface BenchServer {
  baseUrl: string;
  /** CPU time of the server's process so far (ms). */
  cpuMs(): Promise<number>;
  /** Resources of the bench's types held, and origin tags held more than once. */
  count(): Promise<{ total: number; duplicated: number }>;
  close(): Promise<void>;
}

async function startServer(): Promise<BenchServer> {
  const child: ChildProcess = fork(path.join(path.dirname(fileURLToPath(import.meta.url)), 'sync-server-child.ts'), [], { execArgv: ['--import', 'tsx'], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  let next = 0;
  const waiting = new Map<number, (answer: Record<string, unknown>) => void>();
  const baseUrl = await new Promise<string>((resolve, reject) => {
    child.once('error', reject);
    child.once('exit', (code) => reject(new Error(`the server process exited (${code})`)));
    child.on('message', (raw) => {
      const message = raw as Record<string, unknown>;
      if (typeof message.baseUrl === 'string') resolve(message.baseUrl);
      else if (typeof message.id === 'number') waiting.get(message.id)?.(message);
    });
  });
  const ask = (cmd: string): Promise<Record<string, unknown>> =>
    new Promise((resolve) => {
      const id = next++;
      waiting.set(id, (answer) => {
        waiting.delete(id);
        resolve(answer);
      });
      child.send({ id, cmd });
    });
  let closed = false;
  return {
    baseUrl,
    cpuMs: async () => (await ask('cpu')).cpuMs as number,
    count: async () => {
      const a = await ask('count');
      return { total: a.total as number, duplicated: a.duplicated as number };
    },
    close: async () => {
      if (closed) return;
      closed = true;
      child.removeAllListeners('exit');
      await Promise.race([ask('close'), new Promise((r) => setTimeout(r, 5000))]);
      child.kill();
    },
  };
}

const seconds = (ms: number): number => Math.round(ms) / 1000;
/** CPU time of this process so far (user + system, ms): the client and the vault (the servers run in their own processes). */
const cpuMs = (): number => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
};

async function main(): Promise<void> {
  const results: Record<string, number> = {};
  const dir = mkdtempSync(path.join(os.tmpdir(), 'hearth-bench-sync-'));
  const servers: BenchServer[] = [];
  try {
    results['load average (1 min) at start'] = Math.round(os.loadavg()[0]! * 10) / 10;
    console.log(`Hearth sync benchmark: push ${N} resources (${CHUNK} per transaction Bundle) to Medplum over HTTP`);
    const vault = await createVault(path.join(dir, 'vault'), 'benchmark passphrase, not a secret', { projector: fhirProjector, kdfIterations: 1000, allowWeakKdfForTests: true });
    const server = await startServer();
    servers.push(server);
    const sent: string[] = [];
    let recording = false;
    const service = (): SyncService =>
      new SyncService({
        repository: createVaultRepository(vault),
        secrets: createSecretBox(() => vault.deriveKey(SECRET_KEY_PURPOSE)),
        transport: (baseUrl, auth) => {
          const inner = new FhirKitTransport({ baseUrl, auth });
          return recording ? recordingTransport(inner, sent) : inner;
        },
      });
    const sync = service();
    await sync.saveProfile({ name: 'medplum', baseUrl: server.baseUrl, auth: { kind: 'none' }, chunkSize: Math.min(1000, CHUNK) });

    // 1. A small push while the id map is empty.
    await seed(vault, synthetic('a', SMALL));
    let t = performance.now();
    const small = await sync.push('medplum', { mode: 'changed' });
    const smallEmptyMs = performance.now() - t;
    if (small.created !== SMALL) throw new Error(`small push created ${small.created}`);

    // 2. The big push, with the Bundles recorded for the limit.
    t = performance.now();
    await seed(vault, synthetic('b', N));
    results['seed vault (s)'] = seconds(performance.now() - t);
    recording = true;
    let last = 0;
    t = performance.now();
    const profiler = PROFILE ? new Session() : undefined;
    if (profiler) {
      profiler.connect();
      await profiler.post('Profiler.enable');
      await profiler.post('Profiler.start');
    }
    let cpu = cpuMs();
    let serverCpu = await server.cpuMs();
    const big = await sync.push('medplum', { mode: 'changed' }, undefined, (p) => {
      if (p.done - last >= N / 10) {
        last = p.done;
        console.log(`  pushed ${p.done} of ${p.total ?? N} (${Math.round(p.done / ((performance.now() - t) / 1000))}/s)`);
      }
    });
    const pushMs = performance.now() - t;
    const pushCpuMs = cpuMs() - cpu;
    const pushServerCpuMs = (await server.cpuMs()) - serverCpu;
    recording = false;
    if (profiler && PROFILE) {
      const { profile } = await profiler.post('Profiler.stop');
      writeFileSync(PROFILE, JSON.stringify(profile));
      profiler.disconnect();
      console.log(`  CPU profile of the push: ${PROFILE}`);
    }
    if (big.created !== N || big.failed.length > 0) throw new Error(`push created ${big.created} of ${N}, failed ${big.failed.length}`);
    const counted = await server.count();
    if (counted.total !== N + SMALL || counted.duplicated !== 0) throw new Error(`server holds ${counted.total}, ${counted.duplicated} duplicated`);
    results['push resources'] = N;
    results['push (s)'] = seconds(pushMs);
    results['push (resources/s)'] = Math.round(N / (pushMs / 1000));
    results['push Bundles'] = sent.length;
    results['push CPU, ours (s)'] = seconds(pushCpuMs);
    results['push CPU, server (s)'] = seconds(pushServerCpuMs);
    results['push (resources per CPU-second, ours)'] = Math.round(N / (pushCpuMs / 1000));
    results['push (resources per CPU-second, ours + server)'] = Math.round(N / ((pushCpuMs + pushServerCpuMs) / 1000));

    // 3. The same small push again with the id map full: the cost per resource should not grow.
    await seed(vault, synthetic('c', SMALL));
    t = performance.now();
    cpu = cpuMs();
    const plan = await sync.push('medplum', { mode: 'changed', dryRun: true });
    const planFullMs = performance.now() - t;
    const planFullCpuMs = cpuMs() - cpu;
    t = performance.now();
    const smallFull = await sync.push('medplum', { mode: 'changed' });
    const smallFullMs = performance.now() - t;
    if (plan.planned !== SMALL || smallFull.created !== SMALL) throw new Error(`second small push planned ${plan.planned}, created ${smallFull.created}`);
    results['push 1k, map empty (ms)'] = Math.round(smallEmptyMs);
    results[`push 1k, map ${N + SMALL} (ms)`] = Math.round(smallFullMs);
    results[`plan of push 1k, map ${N + SMALL} (ms)`] = Math.round(planFullMs);
    results[`plan of push 1k, map ${N + SMALL}: CPU (ms)`] = Math.round(planFullCpuMs);
    results[`plan of push 1k, map ${N + SMALL}: resources read`] = plan.planExamined ?? -1;
    // Nothing changed since: the plan of the next push reads the index rows of the last push's records only.
    t = performance.now();
    cpu = cpuMs();
    const idle = await sync.push('medplum', { mode: 'changed', dryRun: true });
    results[`plan, nothing changed, vault of ${N + 2 * SMALL}: CPU (ms)`] = Math.round(cpuMs() - cpu);
    results[`plan, nothing changed, vault of ${N + 2 * SMALL} (ms)`] = Math.round(performance.now() - t);
    if (idle.planned !== 0) throw new Error(`idle plan planned ${idle.planned}`);
    // A new session builds its index with one scan of Basic.
    t = performance.now();
    const status = await service().status('medplum');
    results[`index build, ${status.mapped} mapped (ms)`] = Math.round(performance.now() - t);
    t = performance.now();
    await sync.status('medplum');
    results['status, index built (ms)'] = Math.round(performance.now() - t);
    await vault.close();
    await server.close();
    servers.length = 0;

    // 4. The limit: the same Bundles, one after another, with plain fetch, to a fresh server.
    const limitServer = await startServer();
    servers.push(limitServer);
    t = performance.now();
    cpu = cpuMs();
    serverCpu = await limitServer.cpuMs();
    for (const body of sent) {
      const response = await fetch(limitServer.baseUrl, { method: 'POST', headers: { 'content-type': 'application/fhir+json', accept: 'application/fhir+json' }, body });
      const answer = (await response.json()) as Bundle;
      if (!response.ok || answer.type !== 'transaction-response') throw new Error(`limit: ${response.status}`);
    }
    const limitMs = performance.now() - t;
    const limitCpuMs = cpuMs() - cpu;
    const limitServerCpuMs = (await limitServer.cpuMs()) - serverCpu;
    const limitCount = await limitServer.count();
    if (limitCount.total !== N || limitCount.duplicated !== 0) throw new Error(`limit server holds ${limitCount.total}, ${limitCount.duplicated} duplicated`);
    results['limit: same Bundles with fetch (s)'] = seconds(limitMs);
    results['limit (resources/s)'] = Math.round(limitCount.total / (limitMs / 1000));
    results['push / limit (ratio)'] = Math.round((results['push (resources/s)']! / results['limit (resources/s)']!) * 100) / 100;
    results['limit CPU, ours (s)'] = seconds(limitCpuMs);
    results['limit CPU, server (s)'] = seconds(limitServerCpuMs);
    results['limit (resources per CPU-second, ours + server)'] = Math.round(limitCount.total / ((limitCpuMs + limitServerCpuMs) / 1000));
    // The ratio on CPU (the machine is shared): both sides pay the same server; the push adds our client's CPU.
    results['push / limit per CPU-second, ours + server (ratio)'] =
      Math.round((results['push (resources per CPU-second, ours + server)']! / results['limit (resources per CPU-second, ours + server)']!) * 100) / 100;
    // Our CPU per resource, server aside, beside the fetch client's (what plain fetch + JSON costs).
    results['push CPU per resource, ours (µs)'] = Math.round((pushCpuMs * 1000) / N);
    results['limit CPU per resource, fetch client (µs)'] = Math.round((limitCpuMs * 1000) / N);
    const load = os.loadavg();
    results['load average (1 min) at end'] = Math.round(load[0]! * 10) / 10;
  } finally {
    for (const s of servers) await s.close().catch(() => undefined);
    rmSync(dir, { recursive: true, force: true });
  }
  console.table(Object.entries(results).map(([figure, value]) => ({ figure, value })));
  const out = path.join(repoRoot, 'bench-results');
  mkdirSync(out, { recursive: true });
  writeFileSync(path.join(out, 'sync.json'), `${JSON.stringify(results, null, 2)}\n`);
  console.log(`wrote ${path.relative(repoRoot, path.join(out, 'sync.json'))}`);
}

await main();
