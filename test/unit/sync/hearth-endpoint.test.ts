/**
 * Sync against Hearth's own FHIR endpoint (docs/fhir-endpoint.md) in a second vault on disk, served
 * over HTTP as `hearth serve --fhir` does (startFhirServer over createVaultRepository): push, pull
 * into a third vault with round-trip equality, two clients editing the same resource, the server
 * restarted in the middle of a push, and the app (`hearth sync DIR --server NAME push`, a child
 * process) killed in the middle and resumed by a new process. After every scenario: the server
 * holds each resource exactly once, the vault's id map is complete, nothing is lost.
 */
import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import type { Patient, Resource } from '@medplum/fhirtypes';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { fhirProjector } from '../../../src-main/fhir/fhir-projector';
import { MemoryRepository } from '../../../src-main/fhir/memory-repository';
import { warmCapabilities } from '../../../src-main/fhir/rest/capability';
import type { ResourceRepository } from '../../../src-main/fhir/repository';
import { createVaultRepository } from '../../../src-main/fhir/vault-repository';
import { sameContent } from '../../../src-main/sync/content';
import { rewriteReferences } from '../../../src-main/sync/references';
import { createSecretBox, SECRET_KEY_PURPOSE } from '../../../src-main/sync/secrets';
import { SyncService } from '../../../src-main/sync/service';
import { startFhirServer, type FhirServer } from '../../../src-main/transport/fhir-server';
import { createVault, openVault } from '../../../src-main/vault';
import type { Vault } from '../../../src-main/vault/types';
import { dataSet, FAST_RETRY, localResources, newService, originCounts, seed, SYNC_TYPES, withWriteBatch } from './fixtures';

const here = path.dirname(fileURLToPath(import.meta.url));
const repoRoot = path.resolve(here, '../../..');
const PASS = 'correct horse battery staple';
const TOKEN = 'hearth-endpoint-token-7c1e9a';
const VAULT_OPTIONS = { projector: fhirProjector, kdfIterations: 1000, allowWeakKdfForTests: true };
// The CLI as `npm run build:cli` builds it, from this checkout's sources; inside the repo so that
// its external packages resolve from node_modules.
const cli = path.join(repoRoot, 'node_modules/.cache/hearth-sync-tests', `hearth-${process.pid}.mjs`);

beforeAll(async () => {
  // The endpoint's CapabilityStatement tables (seconds, built once per process) are not any test's time.
  await warmCapabilities(new MemoryRepository());
  await build({
    entryPoints: [path.join(repoRoot, 'src-main/cli/hearth.ts')],
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    packages: 'external',
    outfile: cli,
    logLevel: 'silent',
  });
}, 180_000);
afterAll(() => rm(cli, { force: true }));

/** A Hearth FHIR endpoint over a vault on disk that can be stopped and started again on its port. */
interface HearthServer {
  baseUrl: string;
  vault: Vault;
  repo: ResourceRepository;
  /** Atomic store transactions committed (one per transaction Bundle), across restarts. */
  commits: number;
  restart(): Promise<void>;
  close(): Promise<void>;
}

const cleanups: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup().catch(() => undefined);
});

async function tempDir(): Promise<string> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'hearth-sync-ep-'));
  cleanups.push(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

/**
 * `onCommit` runs right after a transaction Bundle's store transaction committed and before the
 * endpoint answers: where a fault lands on "stored, answer not seen yet".
 */
async function startHearthServer(onCommit: (n: number) => void = () => undefined): Promise<HearthServer> {
  const dir = await tempDir();
  let vault = await createVault(dir, PASS, VAULT_OPTIONS);
  let http: FhirServer | undefined;
  const state: HearthServer = {
    baseUrl: '',
    vault,
    repo: createVaultRepository(vault),
    commits: 0,
    async restart() {
      await http?.close();
      await vault.close();
      vault = await openVault(dir, PASS, { projector: fhirProjector });
      await listen(Number(new URL(state.baseUrl).port));
    },
    async close() {
      await http?.close();
      await vault.close();
    },
  };
  const listen = async (port: number): Promise<void> => {
    const repo = createVaultRepository(vault);
    const writeBatch: ResourceRepository['writeBatch'] = async (ops, options) => {
      const results = await repo.writeBatch(ops, options);
      if (options?.atomic) onCommit(++state.commits);
      return results;
    };
    http = await startFhirServer({ repo: withWriteBatch(repo, writeBatch), port, token: TOKEN, warmCapabilities: false });
    Object.assign(state, { baseUrl: http.baseUrl, vault, repo });
  };
  await listen(0);
  cleanups.push(() => state.close());
  return state;
}

function serviceOver(vault: Vault, retry = FAST_RETRY): SyncService {
  return new SyncService({ repository: createVaultRepository(vault), secrets: createSecretBox(() => vault.deriveKey(SECRET_KEY_PURPOSE)), retry });
}

/** Every resource of the data set on the server holds one origin tag, and no tag is there twice. */
async function expectEachOnce(server: HearthServer, total: number): Promise<void> {
  const onServer = await localResources(server.repo);
  expect(onServer).toHaveLength(total);
  const counts = originCounts(onServer);
  expect(counts.size).toBe(total);
  expect([...counts.values()].every((n) => n === 1)).toBe(true);
}

describe('sync against Hearth FHIR endpoint in a second vault', () => {
  it('pushes, pulls into a third vault equal, and gives the second of two editing clients a conflict', async () => {
    const server = await startHearthServer();
    const repoA = new MemoryRepository();
    await seed(repoA, dataSet(4));
    const a = newService(repoA);
    await a.saveProfile({ name: 'hearth', baseUrl: server.baseUrl, auth: { kind: 'bearer', token: TOKEN } });
    expect(await a.testConnection('hearth')).toMatchObject({ r4: true, transaction: true, problems: [] });

    const pushed = await a.push('hearth', { mode: 'changed' });
    expect(pushed).toMatchObject({ mode: 'transaction', planned: 20, created: 20, conflicts: 0, failed: [] });
    await expectEachOnce(server, 20);
    expect((await a.status('hearth')).mapped).toBe(20);
    const map = await a.store.idMap('hearth');
    const serverP0 = (await server.repo.read('Patient', map.local('Patient', 'p0')!.serverId)) as Patient;
    expect(serverP0.link?.[0]?.other.reference).toBe(`Patient/${map.local('Patient', 'p1')!.serverId}`);

    // Pull into a third vault: every resource equal to A's, references on server ids.
    const repoC = new MemoryRepository();
    const c = newService(repoC);
    await c.saveProfile({ name: 'hearth', baseUrl: server.baseUrl, auth: { kind: 'bearer', token: TOKEN } });
    const pulled = await c.pull('hearth', { types: SYNC_TYPES, pageSize: 6 });
    expect(pulled).toMatchObject({ received: 20, created: 20, conflicts: 0, failed: [] });
    expect(pulled.pages).toBeGreaterThan(4);
    const inC = await localResources(repoC);
    expect(inC).toHaveLength(20);
    for (const local of await localResources(repoA)) {
      const serverId = map.local(local.resourceType, local.id!)!.serverId;
      const expected = rewriteReferences(local, (t) => `${t.resourceType}/${map.local(t.resourceType, t.id)!.serverId}`);
      const copy = inC.find((r) => r.resourceType === local.resourceType && r.id === serverId);
      expect(copy, `${local.resourceType}/${local.id}`).toBeDefined();
      expect(sameContent(copy!, expected)).toBe(true);
    }
    expect((await c.pull('hearth', { types: SYNC_TYPES })).created).toBe(0);

    // Two clients edit the same patient: C pushes first, A's push meets the moved version.
    const serverId = map.local('Patient', 'p2')!.serverId;
    const cCopy = (await repoC.read('Patient', serverId)) as Patient;
    await repoC.update({ ...cCopy, gender: 'other' });
    expect(await c.push('hearth', { mode: 'changed' })).toMatchObject({ planned: 1, updated: 1, conflicts: 0, failed: [] });
    const aCopy = (await repoA.read('Patient', 'p2')) as Patient;
    await repoA.update({ ...aCopy, birthDate: '1999-09-09' });
    const second = await a.push('hearth', { mode: 'changed' });
    expect(second).toMatchObject({ planned: 1, updated: 0, conflicts: 1, failed: [] });
    const [conflict] = await a.conflicts('hearth');
    expect(conflict).toMatchObject({ resourceType: 'Patient', localId: 'p2', serverId, kind: 'push-precondition' });
    expect((conflict!.local as Patient).birthDate).toBe('1999-09-09');
    expect((conflict!.server as Patient).gender).toBe('other');
    // Nothing overwritten: the server keeps C's edit, A keeps its own.
    const onServer = (await server.repo.read('Patient', serverId)) as Patient;
    expect(onServer.gender).toBe('other');
    expect(onServer.birthDate).toBe(aCopy.birthDate);
    expect(((await repoA.read('Patient', 'p2')) as Patient).birthDate).toBe('1999-09-09');
    await expectEachOnce(server, 20);
  });

  it('survives a server restart in the middle of a push', async () => {
    let restarted: Promise<void> | undefined;
    const server: HearthServer = await startHearthServer((n) => {
      // The third chunk is stored; the endpoint stops before answering and comes back with its data.
      if (n === 3) restarted = server.restart();
    });
    const dir = await tempDir();
    const vault = await createVault(dir, PASS, VAULT_OPTIONS);
    cleanups.push(() => vault.close());
    await seed(createVaultRepository(vault), dataSet(6));
    // Patient enough to wait for the restart (up to ~25 s of attempts under load), still quick between attempts.
    const a = serviceOver(vault, { attempts: 60, baseDelayMs: 20, maxDelayMs: 500, maxRetryAfterMs: 2000 });
    await a.saveProfile({ name: 'hearth', baseUrl: server.baseUrl, auth: { kind: 'bearer', token: TOKEN }, chunkSize: 5 });

    const report = await a.push('hearth', { mode: 'changed' });
    expect(restarted).toBeDefined();
    await restarted;
    expect(report.failed).toEqual([]);
    expect(report.retries).toBeGreaterThan(0);
    // The third chunk's answer was lost: resent, its conditional creates found what had landed.
    expect(report).toMatchObject({ created: 25, unchanged: 5 });
    await expectEachOnce(server, 30);
    const status = await a.status('hearth');
    expect(status.mapped).toBe(30);
    expect(status.pendingPush).toBeUndefined();
    const map = await a.store.idMap('hearth');
    expect([...map.entries()].every((e) => e.localVersion !== '')).toBe(true);
    for (const e of map.entries()) expect((await server.repo.read(e.resourceType, e.serverId)).meta?.versionId).toBe(e.serverVersion);
  });

  it('resumes in a new process after the app was killed in the middle of a push', async () => {
    let child: ReturnType<typeof spawn> | undefined;
    const server = await startHearthServer((n) => {
      // The fourth chunk is stored; the app dies before it hears the answer.
      if (n === 4) child?.kill('SIGKILL');
    });
    const dir = path.join(await tempDir(), 'vault');
    const vault = await createVault(dir, PASS, VAULT_OPTIONS);
    await seed(createVaultRepository(vault), dataSet(8));
    await serviceOver(vault).saveProfile({ name: 'hearth', baseUrl: server.baseUrl, auth: { kind: 'bearer', token: TOKEN }, chunkSize: 5 });
    await vault.close();

    const run = (): Promise<{ code: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string }> =>
      new Promise((resolve, reject) => {
        const p = spawn(process.execPath, [cli, 'sync', dir, '--server', 'hearth', 'push'], {
          cwd: repoRoot,
          env: { PATH: process.env.PATH ?? '', HOME: os.tmpdir(), NODE_ENV: 'test', HEARTH_PASSPHRASE: PASS },
          stdio: ['ignore', 'pipe', 'pipe'],
        });
        child = p;
        let stdout = '';
        let stderr = '';
        p.stdout.setEncoding('utf8').on('data', (t: string) => (stdout += t));
        p.stderr.setEncoding('utf8').on('data', (t: string) => (stderr += t));
        p.on('error', reject);
        p.on('close', (code, signal) => resolve({ code, signal, stdout, stderr }));
      });

    const killed = await run();
    expect(killed.signal).toBe('SIGKILL');
    expect(server.commits).toBe(4);
    await expectEachOnce(server, 20);

    const resumed = await run();
    expect(resumed.stderr.split('\n').filter((l) => l.startsWith('hearth:'))).toEqual([]);
    expect(resumed.code).toBe(0);
    expect(resumed.stdout).toMatch(/created: 20\n/);

    await expectEachOnce(server, 40);
    const reopened = await openVault(dir, PASS, { projector: fhirProjector });
    cleanups.push(() => reopened.close());
    const a = serviceOver(reopened);
    const status = await a.status('hearth');
    expect(status.mapped).toBe(40);
    expect(status.pendingPush).toBeUndefined();
    const map = await a.store.idMap('hearth');
    const local: Resource[] = await localResources(createVaultRepository(reopened));
    expect(local).toHaveLength(40);
    for (const r of local) {
      const entry = map.local(r.resourceType, r.id!);
      expect(entry?.localVersion, `${r.resourceType}/${r.id}`).toBe(r.meta?.versionId);
      expect((await server.repo.read(r.resourceType, entry!.serverId)).meta?.versionId).toBe(entry!.serverVersion);
    }
    // Two CLI processes (start, vault unlock, session) dominate: generous under a loaded machine.
  }, 240_000);
});
