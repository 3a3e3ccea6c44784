import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Observation, Patient } from '@medplum/fhirtypes';
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

describe('vault repository batch writes', () => {
  it('looks up a batch by its keys: keys only referenced are new resources, existing ones are updated or unchanged, deleted ones come back', async () => {
    const { dir, vault } = await freshVault();
    try {
      const repo = createVaultRepository(vault);
      const patient = (id: string, family: string) => ({ resourceType: 'Patient', id, name: [{ family }] }) as Patient;
      // Patient/referenced gets a key from the Observation's subject before it is ever written.
      const observation: Observation = { resourceType: 'Observation', id: 'o1', status: 'final', code: { text: 'x' }, subject: { reference: 'Patient/referenced' } };
      const first = await repo.writeBatch([
        { kind: 'update', resource: observation },
        { kind: 'update', resource: patient('same', 'Same') },
        { kind: 'update', resource: patient('changed', 'Before') },
        { kind: 'update', resource: patient('gone', 'Gone') },
      ]);
      expect(first.map((o) => o.status)).toEqual(['created', 'created', 'created', 'created']);
      await repo.delete('Patient', 'gone');
      const second = await repo.writeBatch([
        { kind: 'update', resource: patient('referenced', 'Referenced'), skipUnchanged: true },
        { kind: 'update', resource: patient('same', 'Same'), skipUnchanged: true },
        { kind: 'update', resource: patient('changed', 'After'), skipUnchanged: true },
        { kind: 'update', resource: patient('gone', 'Back'), skipUnchanged: true },
        { kind: 'update', resource: patient('never', 'Never'), skipUnchanged: true },
      ]);
      const versions = second.map((o) => (o.status === 'created' || o.status === 'updated' || o.status === 'unchanged' ? `${o.status} ${o.resource.meta?.versionId}` : o.status));
      expect(versions).toEqual(['created 1', 'unchanged 1', 'updated 2', 'created 3', 'created 1']);
      expect((await repo.search('Observation', new URLSearchParams('subject=Patient/referenced'))).entry?.length).toBe(1);
    } finally {
      await vault.close();
      await rm(dir, { recursive: true, force: true });
    }
  });
});
