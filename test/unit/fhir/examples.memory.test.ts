import { MemoryRepository } from '../../../src-main/fhir/memory-repository';
import { examplesRoundTrip } from './examples.shared';

// Every other example: the vault's run (examples.vault.test.ts) takes all of them through the same validation.
examplesRoundTrip('MemoryRepository', async () => ({ repo: new MemoryRepository(), close: async () => undefined }), 2);
