/**
 * The differential corpus: Synthea patient bundles from ../shared/data/synthea/r4-bundles, a fixed
 * seeded selection (file names sorted, shuffled with CORPUS_SEED, taken in that order until at
 * least MIN_RESOURCES entries), imported into Hearth's memory repository through the importer
 * (one atomic batch per transaction Bundle, urn:uuid and conditional references resolved), then
 * read back so that Medplum receives exactly what Hearth stored.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import type { Resource } from '@medplum/fhirtypes';
import { MemoryRepository } from '../../../../src-main/fhir/memory-repository';
import { runImport } from '../../../../src-main/io/importer';
import { repoRoot } from '../../io/paths';
import { mulberry32, shuffle } from './random';

export const syntheaDir = path.resolve(repoRoot, '../shared/data/synthea/r4-bundles');
export const specParametersPath = path.resolve(repoRoot, '../shared/data/fhir-r4/search-parameters.json');
export const corpusPresent = existsSync(syntheaDir) && existsSync(specParametersPath);

const CORPUS_SEED = 20261126;
export const MIN_RESOURCES = 5000;

export interface Corpus {
  files: string[];
  repository: MemoryRepository;
  resources: Resource[];
  importMs: number;
}

export function selectBundles(): { files: string[]; entries: number } {
  const names = readdirSync(syntheaDir).filter((f) => f.endsWith('.json')).sort();
  const files: string[] = [];
  let entries = 0;
  for (const name of shuffle(names, mulberry32(CORPUS_SEED))) {
    if (entries >= MIN_RESOURCES) break;
    const file = path.join(syntheaDir, name);
    const bundle = JSON.parse(readFileSync(file, 'utf8')) as { entry?: unknown[] };
    entries += bundle.entry?.length ?? 0;
    files.push(file);
  }
  return { files, entries };
}

export async function loadCorpus(): Promise<Corpus> {
  const { files } = selectBundles();
  const repository = new MemoryRepository();
  const started = performance.now();
  const result = await runImport({ repository, sources: files.map((p) => ({ kind: 'path' as const, path: p })) });
  const importMs = performance.now() - started;
  if (result.failed > 0) throw new Error(`${result.failed} corpus resources failed to import`);
  const resources: Resource[] = [];
  for (const { resourceType } of await repository.counts()) {
    for (let offset = 0; ; offset += 1000) {
      const page = await repository.list(resourceType, { offset, count: 1000 });
      resources.push(...page.resources);
      if (page.resources.length < 1000) break;
    }
  }
  return { files: files.map((f) => path.basename(f)), repository, resources, importMs };
}
