/**
 * Terminology packs: official ICD-10-CM and RxNorm releases read into packs (plain data a worker
 * thread can be given), stored in the vault, and loaded as the CodeSystemIndex / RxNormIndex the
 * linker ranks concepts from. docs/terminology.md describes the formats, storage and figures.
 */
import type { ResourceRepository } from '../../fhir/repository';
import { icd10IndexFromPack, type Icd10cmIndex, type Icd10cmPackData } from './icd10cm-pack';
import { listTerminologyPacks, readTerminologyPack } from './pack-store';
import { rxnormIndexFromPack, type LoadedRxNormIndex, type RxNormPackData } from './rxnorm-pack';
import { runTerminologyImport } from './terminology-import';

export { loadIcd10Pack, type Icd10PackSource } from './icd10cm-loader';
export { loadRxNormPack, readRxNormPack, type RxNormPackSource, type RxNormSourceFiles } from './rxnorm-loader';
export { icd10IndexFromPack, readIcd10cmPack, type Icd10cmIndex, type Icd10cmPackData, type Icd10cmPackStats } from './icd10cm-pack';
export { rxnormIndexFromPack, type LoadedRxNormIndex, type RxNormPackData, type RxNormPackStats } from './rxnorm-pack';
export { listTerminologyPacks, readTerminologyPack, writeTerminologyPack, type StoredPackInfo } from './pack-store';
export { runTerminologyImport, type TerminologyImportProgress, type TerminologyImportResult } from './terminology-import';
export { findReleaseFiles } from './release-files';
export type { TermEntry } from './term-index';

/** Packs as plain data (structured-clonable: what the NLP worker threads are given). */
export interface TerminologyPacks {
  icd10?: Icd10cmPackData;
  rxnorm?: RxNormPackData;
}

/** Packs turned into the indexes the linker uses. */
export interface LoadedTerminology {
  icd10?: Icd10cmIndex;
  rxnorm?: LoadedRxNormIndex;
  /** Versions of what was loaded, e.g. ['icd10cm-2026', 'rxnorm-partial'] (NlpVersions.packs). */
  versions: string[];
}

export function indexTerminology(packs: TerminologyPacks): LoadedTerminology {
  const loaded: LoadedTerminology = { versions: [] };
  if (packs.icd10) {
    loaded.icd10 = icd10IndexFromPack(packs.icd10);
    loaded.versions.push(packs.icd10.version);
  }
  if (packs.rxnorm) {
    loaded.rxnorm = rxnormIndexFromPack(packs.rxnorm);
    loaded.versions.push(packs.rxnorm.version);
  }
  return loaded;
}

/** Reads the official files found under a folder (or files) without storing anything. */
export async function readTerminologyFolder(dir: string | readonly string[], signal?: AbortSignal): Promise<TerminologyPacks> {
  const result = await runTerminologyImport({ paths: typeof dir === 'string' ? [dir] : dir, ...(signal ? { signal } : {}) });
  return { ...(result.icd10Pack ? { icd10: result.icd10Pack } : {}), ...(result.rxnormPack ? { rxnorm: result.rxnormPack } : {}) };
}

/** `hearth nlp --terminology FOLDER`: the releases of a folder of official files, indexed. */
export async function loadTerminologyFromFolder(dir: string | readonly string[], signal?: AbortSignal): Promise<LoadedTerminology> {
  return indexTerminology(await readTerminologyFolder(dir, signal));
}

/** The packs stored in a vault: the newest version of each system (by version string, then last update). */
export async function readTerminologyFromVault(repository: ResourceRepository): Promise<TerminologyPacks> {
  const stored = await listTerminologyPacks(repository);
  const newest = (system: 'ICD10CM' | 'RXNORM') =>
    stored
      .filter((p) => p.system === system)
      .sort((a, b) => b.version.localeCompare(a.version) || (b.lastUpdated ?? '').localeCompare(a.lastUpdated ?? ''))[0];
  const packs: TerminologyPacks = {};
  const icd10 = newest('ICD10CM');
  if (icd10) {
    const pack = await readTerminologyPack(repository, icd10);
    if (pack.format === 'hearth-icd10cm-pack') packs.icd10 = pack;
  }
  const rxnorm = newest('RXNORM');
  if (rxnorm) {
    const pack = await readTerminologyPack(repository, rxnorm);
    if (pack.format === 'hearth-rxnorm-pack') packs.rxnorm = pack;
  }
  return packs;
}

/** `hearth nlp --terminology VAULT`: the vault's packs, indexed. */
export async function loadTerminologyFromVault(repository: ResourceRepository): Promise<LoadedTerminology> {
  return indexTerminology(await readTerminologyFromVault(repository));
}
