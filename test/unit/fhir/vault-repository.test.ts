import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Patient } from '@medplum/fhirtypes';
import { fhirProjector } from '../../../src-main/fhir/fhir-projector';
import { createVaultRepository } from '../../../src-main/fhir/vault-repository';
import { createVault, openVault } from '../../../src-main/vault';
import { repositoryContract } from './repository.contract';

const weakKdf = { kdfIterations: 1000, allowWeakKdfForTests: true } as const;

async function freshVault() {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'hearth-fhir-'));
  const vault = await createVault(path.join(dir, 'vault'), 'test passphrase', { projector: fhirProjector, ...weakKdf });
  return { dir, vault };
}

repositoryContract('vault repository', async () => {
  const { dir, vault } = await freshVault();
  return {
    repo: createVaultRepository(vault),
    close: async () => {
      await vault.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
});

describe('vault repository persistence', () => {
  it('keeps resources, history and counts across close and reopen, and rebuilds the index from the log', async () => {
    const { dir, vault } = await freshVault();
    const folder = path.join(dir, 'vault');
    try {
      const repo = createVaultRepository(vault);
      await repo.update({ resourceType: 'Patient', id: 'keep', name: [{ family: 'One' }] } as Patient);
      await repo.update({ resourceType: 'Patient', id: 'keep', name: [{ family: 'Two' }] } as Patient);
      await repo.update({ resourceType: 'Patient', id: 'gone' } as Patient);
      await repo.delete('Patient', 'gone');
      await vault.close();

      const reopened = await openVault(folder, 'test passphrase', { projector: fhirProjector });
      try {
        const again = createVaultRepository(reopened);
        expect(((await again.read('Patient', 'keep')) as Patient).name?.[0]?.family).toBe('Two');
        expect((await again.history('Patient', 'keep')).total).toBe(2);
        expect(await again.counts()).toEqual([{ resourceType: 'Patient', count: 1 }]);
        const report = await reopened.verify();
        expect(report.ok).toBe(true);
        expect(report.resources).toBe(1);
        expect(report.versions).toBe(4);
      } finally {
        await reopened.close();
      }
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
