import { searchFeatureSuite } from './search-features.suite';
import { memoryFixture, vaultFixture } from './store-fixtures';

searchFeatureSuite('MemoryRepository', memoryFixture);
searchFeatureSuite('vault repository', () => vaultFixture('hearth-search-features-'));
