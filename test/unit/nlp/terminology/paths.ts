/** Where the reference releases live (../shared beside the repository) and a skip message when they do not. */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../..');
export const terminologyDir = path.resolve(repoRoot, '../shared/data/terminology');
export const icd10OrderFile = path.join(terminologyDir, 'icd10cm-2026/icd10cm-order-2026.txt');
export const icd10IndexFile = path.join(terminologyDir, 'icd10cm-index-2017/icd10cm_index_2017.xml');
export const rxnormPartialDir = path.join(terminologyDir, 'rxnorm-partial');

export const hasIcd10 = existsSync(icd10OrderFile) && existsSync(icd10IndexFile);
export const hasRxNormPartial = existsSync(path.join(rxnormPartialDir, 'clinical_drugs_scd_sbd.tsv'));

export function warnMissing(what: string, file: string): void {
  console.warn(`${what}: ${file} not found; these tests are skipped (they need ../shared/data/terminology beside the repository)`);
}
