import { MemoryRepository } from '../../../src-main/fhir/memory-repository';
import { examplesRoundTrip } from './examples.shared';

examplesRoundTrip('MemoryRepository', async () => ({ repo: new MemoryRepository(), close: async () => undefined }));
