/** Fresh, empty stores for the behaviour suites: an in-memory one and an encrypted vault in a temp folder. */
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fhirProjector } from '../../../src-main/fhir/fhir-projector';
import { MemoryRepository } from '../../../src-main/fhir/memory-repository';
import { createVaultRepository } from '../../../src-main/fhir/vault-repository';
import { createVault } from '../../../src-main/vault';
import type { RepositoryFixture } from './repository.contract';

export async function memoryFixture(): Promise<RepositoryFixture> {
  return { repo: new MemoryRepository(), close: async () => undefined };
}

/** A vault with a weak KDF (tests only), removed on close; `prefix` names its temp folder. */
export async function vaultFixture(prefix: string): Promise<RepositoryFixture> {
  const dir = await mkdtemp(path.join(os.tmpdir(), prefix));
  const vault = await createVault(path.join(dir, 'vault'), 'test passphrase', { projector: fhirProjector, kdfIterations: 1000, allowWeakKdfForTests: true });
  return {
    repo: createVaultRepository(vault),
    close: async () => {
      await vault.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
}
