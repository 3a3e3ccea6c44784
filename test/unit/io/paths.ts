import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
export const fixture = (name: string) => path.join(repoRoot, 'test/fixtures/import', name);
/** Shared reference data beside the repository (never copied into it). */
export const syntheaDir = path.resolve(repoRoot, '../shared/data/synthea/r4-bundles');
