import { MemoryRepository } from '../../../src-main/fhir/memory-repository';
import { repositoryContract } from './repository.contract';

repositoryContract('MemoryRepository', async () => ({ repo: new MemoryRepository(), close: async () => undefined }));
