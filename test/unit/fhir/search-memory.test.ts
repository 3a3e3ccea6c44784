import { MemoryRepository } from '../../../src-main/fhir/memory-repository';
import { searchSuite } from './search.suite';

searchSuite('MemoryRepository', async () => ({ repo: new MemoryRepository(), close: async () => undefined }));
