/**
 * Importing official releases: find the files, read them into packs (streaming, with progress:
 * records, bytes, current file), store the packs in the vault, and report what was read.
 */
import { stat } from 'node:fs/promises';
import path from 'node:path';
import type { ResourceRepository } from '../../fhir/repository';
import { readIcd10cmPack, type Icd10cmPackData } from './icd10cm-pack';
import { writeTerminologyPack } from './pack-store';
import { findReleaseFiles } from './release-files';
import type { Icd10ImportSummary, RxNormImportSummary } from './report-types';
import { readRxNormPack } from './rxnorm-loader';
import type { RxNormPackData } from './rxnorm-pack';

export interface TerminologyImportProgress {
  /** Records (lines, index terms, rows) read so far over all files. */
  records: number;
  bytesDone: number;
  bytesTotal: number;
  /** File name being read (no folder). */
  currentFile?: string;
  /** 'reading' the files, 'storing' the packs in the vault. */
  phase: 'reading' | 'storing';
}

export interface TerminologyImportResult {
  files: string[];
  icd10?: Icd10ImportSummary;
  rxnorm?: RxNormImportSummary;
  icd10Pack?: Icd10cmPackData;
  rxnormPack?: RxNormPackData;
}

export interface TerminologyImportOptions {
  paths: readonly string[];
  /** Where to store the packs; absent: read only (`hearth nlp --terminology FOLDER`). */
  repository?: ResourceRepository;
  signal?: AbortSignal;
  onProgress?: (progress: TerminologyImportProgress) => void;
}

/** Reads every release found under `paths` and stores its pack (when a repository is given). */
export async function runTerminologyImport(options: TerminologyImportOptions): Promise<TerminologyImportResult> {
  const release = await findReleaseFiles(options.paths);
  let bytesTotal = 0;
  for (const file of release.files) bytesTotal += (await stat(file)).size;
  // Bytes of the files finished before the current one, so progress grows across files.
  const finishedBytes = new Map<string, number>();
  let records = 0;
  const signal = options.signal ? { signal: options.signal } : {};
  const onProgress = (p: { file: string; records: number; bytesRead: number; bytesTotal: number }) => {
    finishedBytes.set(p.file, p.bytesRead);
    let bytesDone = 0;
    for (const bytes of finishedBytes.values()) bytesDone += bytes;
    options.onProgress?.({ records: records + p.records, bytesDone, bytesTotal, currentFile: path.basename(p.file), phase: 'reading' });
  };
  const result: TerminologyImportResult = { files: release.files.map((f) => path.basename(f)) };

  if (release.icd10) {
    const { pack, stats } = await readIcd10cmPack(release.icd10, { ...signal, onProgress });
    records += stats.codes + stats.indexTermsRead;
    result.icd10Pack = pack;
    result.icd10 = { version: pack.version, ...stats, ...(pack.indexVersion ? { indexVersion: pack.indexVersion } : {}) };
  }
  if (release.rxnorm) {
    const { pack, stats } = await readRxNormPack(release.rxnorm, { ...signal, onProgress });
    records += stats.rowsRead;
    result.rxnormPack = pack;
    result.rxnorm = {
      version: pack.version,
      source: pack.source,
      rowsRead: stats.rowsRead,
      concepts: stats.concepts,
      byTty: stats.byTty,
      synonyms: stats.synonyms,
      brandIngredientLinks: stats.brandIngredientLinks,
      clinicalDrugs: stats.clinicalDrugs,
    };
  }
  if (options.repository) {
    options.signal?.throwIfAborted();
    options.onProgress?.({ records, bytesDone: bytesTotal, bytesTotal, phase: 'storing' });
    if (result.icd10Pack && result.icd10) result.icd10.stored = (await writeTerminologyPack(options.repository, result.icd10Pack)).status;
    options.signal?.throwIfAborted();
    if (result.rxnormPack && result.rxnorm) result.rxnorm.stored = (await writeTerminologyPack(options.repository, result.rxnormPack)).status;
  }
  return result;
}
