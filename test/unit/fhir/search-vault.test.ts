import { searchSuite } from './search.suite';
import { vaultFixture } from './store-fixtures';

searchSuite('vault repository', () => vaultFixture('hearth-search-'));
