import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fhirProjector } from '../../../src-main/fhir/fhir-projector';
import { MemoryRepository } from '../../../src-main/fhir/memory-repository';
import { createVaultRepository } from '../../../src-main/fhir/vault-repository';
import { createVault } from '../../../src-main/vault';
import { searchFeatureSuite } from './search-features.suite';

searchFeatureSuite('MemoryRepository', async () => ({ repo: new MemoryRepository(), close: async () => undefined }));

searchFeatureSuite('vault repository', async () => {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'hearth-search-features-'));
  const vault = await createVault(path.join(dir, 'vault'), 'test passphrase', { projector: fhirProjector, kdfIterations: 1000, allowWeakKdfForTests: true });
  return {
    repo: createVaultRepository(vault),
    close: async () => {
      await vault.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
});
