/**
 * Crash and resume with a real vault (docs/sync.md "Resume"): a push is interrupted right after
 * the server stored a chunk whose answer never came back, the vault is closed, reopened with the
 * passphrase, and the push resumes from the persisted run: every resource on the server once,
 * the id map complete. The profile's bearer token, sealed with the vault-derived key, opens again
 * after the reopen (the server refuses requests without it) and is nowhere in the vault in clear.
 */
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { Patient, Resource } from '@medplum/fhirtypes';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { fhirProjector } from '../../../src-main/fhir/fhir-projector';
import { createVaultRepository } from '../../../src-main/fhir/vault-repository';
import { createSecretBox, SECRET_KEY_PURPOSE } from '../../../src-main/sync/secrets';
import { SyncService } from '../../../src-main/sync/service';
import { profileId } from '../../../src-main/sync/store';
import { createVault, openVault } from '../../../src-main/vault';
import type { Vault } from '../../../src-main/vault/types';
import { dataSet, FAST_RETRY, localResources, originCounts, seed, serverResources, SYNC_TYPES } from './fixtures';
import { startFaultProxy, type FaultProxy } from './fault-proxy';
import { startMedplumServer, type MedplumServer, MEDPLUM_LOAD_TIMEOUT_MS, preloadMedplum } from './medplum-server';

const PASS = 'correct horse battery staple';
const TOKEN = 'tok-3f9a1c7e5b2d4e6f8a0b';
let server: MedplumServer | undefined;
let proxy: FaultProxy | undefined;
let dir: string | undefined;
let vault: Vault | undefined;
afterEach(async () => {
  await vault?.close().catch(() => undefined);
  await proxy?.close();
  await server?.close();
  if (dir) await rm(dir, { recursive: true, force: true });
  proxy = server = vault = dir = undefined;
});

function serviceOver(v: Vault): SyncService {
  return new SyncService({ repository: createVaultRepository(v), secrets: createSecretBox(() => v.deriveKey(SECRET_KEY_PURPOSE)), retry: FAST_RETRY });
}

async function filesContain(folder: string, needle: string): Promise<boolean> {
  for (const entry of await readdir(folder, { recursive: true, withFileTypes: true })) {
    if (!entry.isFile()) continue;
    const bytes = await readFile(path.join(entry.parentPath, entry.name));
    if (bytes.includes(Buffer.from(needle, 'utf8'))) return true;
  }
  return false;
}

beforeAll(preloadMedplum, MEDPLUM_LOAD_TIMEOUT_MS);

describe('push interrupted, vault reopened, push resumed', () => {
  it('resumes with nothing lost and nothing created twice', async () => {
    server = await startMedplumServer({ bearer: TOKEN });
    const controller = new AbortController();
    // Chunks are told apart by their Bundle, not by counting POSTs: a POST repeated by the client
    // (a keep-alive connection reset under load is retried) is the same chunk again, and counting it
    // would interrupt an earlier chunk than the third.
    const chunks: string[] = [];
    const bodies = new Map<number, string>();
    proxy = await startFaultProxy(
      server.baseUrl,
      (n, method, url, body) => {
        if (method === 'POST' && /^\/fhir\/?$/.test(url)) bodies.set(n, body);
        return 'pass';
      },
      {
        // The third chunk reaches the server; the app "dies" before the answer comes back.
        afterForward: (n) => {
          const body = bodies.get(n);
          if (body === undefined || chunks.includes(body)) return;
          chunks.push(body);
          if (chunks.length === 3) controller.abort();
        },
      },
    );
    dir = await mkdtemp(path.join(os.tmpdir(), 'hearth-sync-'));
    vault = await createVault(dir, PASS, { projector: fhirProjector, kdfIterations: 1000, allowWeakKdfForTests: true });
    let sync = serviceOver(vault);
    await seed(createVaultRepository(vault), dataSet(5));
    await sync.saveProfile({ name: 'remote', baseUrl: proxy.baseUrl, auth: { kind: 'bearer', token: TOKEN }, chunkSize: 5 });

    await expect(sync.push('remote', { mode: 'changed' }, controller.signal)).rejects.toThrow();
    const before = await sync.status('remote');
    expect(before.pendingPush).toMatchObject({ mode: 'changed', inFlight: 5 });
    expect(before.mapped).toBe(10);
    expect(await serverResources(server)).toHaveLength(15);
    await vault.close();
    vault = undefined;
    // The token is sealed: no file of the vault holds it in clear (the log is encrypted anyway).
    expect(await filesContain(dir, TOKEN)).toBe(false);

    vault = await openVault(dir, PASS, { projector: fhirProjector });
    sync = serviceOver(vault);
    const resumed = await sync.push('remote', { mode: 'changed' });
    expect(resumed.failed).toEqual([]);
    // The in-flight chunk is recognised (conditional create found it), the rest created, and the
    // patient sent before its linked patient existed (the p0 <-> p1 cycle) is sent again: the
    // fix-up pass the interruption skipped.
    expect(resumed.planned).toBe(16);
    expect(resumed.created).toBe(10);
    const map = await sync.store.idMap('remote');
    const linked = (await server.all('Patient')).find((p) => p.id === map.local('Patient', 'p0')!.serverId) as Patient;
    expect(linked.link?.[0]?.other.reference).toBe(`Patient/${map.local('Patient', 'p1')!.serverId}`);
    expect([...map.entries()].every((e) => e.localVersion !== '')).toBe(true);
    const onServer = await serverResources(server);
    expect(onServer).toHaveLength(25);
    expect([...originCounts(onServer).values()].every((n) => n === 1)).toBe(true);
    const after = await sync.status('remote');
    expect(after.mapped).toBe(25);
    expect(after.pendingPush).toBeUndefined();
    expect(after.lastPushAt).toBeDefined();
    expect(await localResources(createVaultRepository(vault))).toHaveLength(25);
    expect(server.requests.every((r) => r.status !== 401)).toBe(true);
  });

  it('refuses a sealed secret moved to another profile', async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'hearth-sync-'));
    vault = await createVault(dir, PASS, { projector: fhirProjector, kdfIterations: 1000, allowWeakKdfForTests: true });
    const sync = serviceOver(vault);
    await sync.saveProfile({ name: 'one', baseUrl: 'https://fhir.example.org/r4', auth: { kind: 'bearer', token: TOKEN } });
    await sync.saveProfile({ name: 'two', baseUrl: 'https://fhir.example.org/r4', auth: { kind: 'bearer', token: 'other' } });
    const one = (await sync.store.profile('one'))!;
    const two = (await sync.store.profile('two'))!;
    await sync.store.putProfile({ ...two, secret: one.secret! });
    const report = await sync.testConnection('two').catch((e: unknown) => e);
    expect(String((report as Error).message ?? report)).toMatch(/do not open/);
    expect(JSON.stringify(await sync.listProfiles())).not.toContain(TOKEN);
  });

  it('opens a sealed secret after a passphrase change (the derived key follows the data key)', async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'hearth-sync-'));
    vault = await createVault(dir, PASS, { projector: fhirProjector, kdfIterations: 1000, allowWeakKdfForTests: true });
    await serviceOver(vault).saveProfile({ name: 'one', baseUrl: 'https://fhir.example.org/r4', auth: { kind: 'basic', user: 'ann', password: TOKEN } });
    await vault.changePassphrase(PASS, 'another passphrase entirely');
    await vault.close();
    vault = await openVault(dir, 'another passphrase entirely', { projector: fhirProjector });
    const v = vault;
    const stored = (await serviceOver(v).store.profile('one'))!;
    expect(stored.user).toBe('ann');
    expect(await createSecretBox(() => v.deriveKey(SECRET_KEY_PURPOSE)).open(stored.secret!, profileId('one'))).toBe(TOKEN);
    // Another purpose is another key.
    await expect(createSecretBox(() => v.deriveKey('something-else')).open(stored.secret!, profileId('one'))).rejects.toThrow(/do not open/);
  });
});
