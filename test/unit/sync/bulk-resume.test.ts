/**
 * A Bulk Data export resumed after a crash (docs/sync.md "Pull", Bulk Data): a pull in a child
 * process is SIGKILLed in the middle of downloading the second export file, after a batch of it
 * was written; the next pull (a new process's worth of state: the vault reopened) asks for no new
 * export, polls nothing, skips the file already imported and the lines of the second already
 * written. Then a manifest's `deleted` file (Bulk Data 2.0) deletes here what the server deleted.
 */
import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Observation, Patient } from '@medplum/fhirtypes';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fhirProjector } from '../../../src-main/fhir/fhir-projector';
import { createVaultRepository } from '../../../src-main/fhir/vault-repository';
import { createSecretBox, SECRET_KEY_PURPOSE } from '../../../src-main/sync/secrets';
import { SyncService } from '../../../src-main/sync/service';
import { createVault, openVault } from '../../../src-main/vault';
import type { Vault } from '../../../src-main/vault/types';
import { FAST_RETRY } from './fixtures';
import { startSmartServer, type SmartServer } from './smart-server';

const here = path.dirname(fileURLToPath(import.meta.url));
const PASS = 'bulk resume passphrase';
const OLD = '2026-01-01T00:00:00.000Z';
const PATIENTS = 250;
const OBSERVATIONS = 120;

let server: SmartServer;
let dir: string;
beforeAll(async () => {
  server = await startSmartServer({ bulk: true, bulkPolls: 1, requireToken: false });
  for (let i = 0; i < OBSERVATIONS; i++) {
    server.resources.push({ resourceType: 'Observation', id: `o${i}`, meta: { versionId: '1', lastUpdated: OLD }, status: 'final', code: { text: 'weight' }, subject: { reference: `Patient/p${i}` } } satisfies Observation);
  }
  for (let i = 0; i < PATIENTS; i++) server.resources.push({ resourceType: 'Patient', id: `p${i}`, meta: { versionId: '1', lastUpdated: OLD }, name: [{ family: `F${i}` }] } satisfies Patient);
  dir = await mkdtemp(path.join(os.tmpdir(), 'hearth-bulk-resume-'));
});
afterAll(async () => {
  await server.close();
  await rm(dir, { recursive: true, force: true });
});

const service = (vault: Vault): SyncService =>
  new SyncService({ repository: createVaultRepository(vault), secrets: createSecretBox(() => vault.deriveKey(SECRET_KEY_PURPOSE)), retry: { ...FAST_RETRY, maxRetryAfterMs: 20 } });

const fileRequests = (type: string): number => server.requests.filter((r) => r.path.endsWith(`/${type}.ndjson`)).length;

describe('Bulk Data export resumed after a crash', () => {
  it('resumes the download where the killed process stopped: no new export, nothing imported twice', { timeout: 240_000 }, async () => {
    const vaultDir = path.join(dir, 'vault');
    const created = await createVault(vaultDir, PASS, { projector: fhirProjector, kdfIterations: 1000, allowWeakKdfForTests: true });
    await service(created).saveProfile({ name: 'bulk', baseUrl: server.baseUrl, auth: { kind: 'none' }, pullTypes: ['Observation', 'Patient'] });
    await created.close();

    // The Patient file (the second) stops after 150 lines; the child is killed once its first 100 are written.
    server.bulkStall = { type: 'Patient', afterLines: 150 };
    const child = spawn(process.execPath, ['--import', 'tsx', path.join(here, 'bulk-pull-child.ts'), vaultDir, PASS], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const exit = new Promise<NodeJS.Signals | null>((resolve) => child.on('exit', (_code, signal) => resolve(signal)));
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
      if (out.includes('Bulk export: Patient\n')) child.kill('SIGKILL');
    });
    const signal = await exit;
    expect(signal, stderr.slice(-2000)).toBe('SIGKILL');
    expect(out).toContain('Bulk export: Observation done');
    expect(server.bulkKickoffs).toHaveLength(1);
    expect(fileRequests('Observation')).toBe(1);
    expect(fileRequests('Patient')).toBe(1);

    // A new session over the vault: the export in progress is in the sync state.
    server.bulkStall = undefined;
    const vault = await openVault(vaultDir, PASS, { projector: fhirProjector });
    try {
      const sync = service(vault);
      const pending = (await sync.store.state('bulk')).bulkExport;
      expect(pending?.done).toHaveLength(1);
      expect(pending?.partial?.lines).toBe(100);
      const statusPolls = (): number => server.requests.filter((r) => r.path.includes('/bulk-status/') && r.method === 'GET').length;
      const polled = statusPolls();
      const resumed = await sync.pull('bulk');
      expect(resumed).toMatchObject({ via: 'bulk-system', resumed: true, received: PATIENTS - 100, created: PATIENTS - 100, conflicts: 0, failed: [] });
      expect(server.bulkKickoffs).toHaveLength(1);
      // The manifest was in the vault: no polling; the finished file not read again; DELETE once done.
      expect(statusPolls()).toBe(polled);
      expect(fileRequests('Observation')).toBe(1);
      expect(fileRequests('Patient')).toBe(2);
      expect(server.bulkDeletes).toBe(1);
      const repo = createVaultRepository(vault);
      const counts = Object.fromEntries((await repo.counts()).map((c) => [c.resourceType, c.count]));
      expect(counts).toMatchObject({ Observation: OBSERVATIONS, Patient: PATIENTS });
      const state = await sync.store.state('bulk');
      expect(state.bulkExport).toBeUndefined();
      expect(state.pullCursor.Patient).toBeDefined();
      expect(await sync.store.mappedCount('bulk')).toBe(OBSERVATIONS + PATIENTS);

      // Bulk Data 2.0 `deleted`: a patient deleted on the server is deleted here.
      server.resources.splice(server.resources.findIndex((r) => r.id === 'p5'), 1);
      server.bulkDeleted.push({ type: 'Patient', id: 'p5' });
      const next = await sync.pull('bulk');
      expect(next).toMatchObject({ via: 'bulk-system', deleted: 1, received: 0 });
      await expect(repo.read('Patient', 'p5')).rejects.toThrow();
      expect((await sync.store.idMap('bulk')).local('Patient', 'p5')?.deleted).toBeDefined();
    } finally {
      await vault.close();
    }
  });
});
