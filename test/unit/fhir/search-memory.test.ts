import { searchSuite } from './search.suite';
import { memoryFixture } from './store-fixtures';

searchSuite('MemoryRepository', memoryFixture);
