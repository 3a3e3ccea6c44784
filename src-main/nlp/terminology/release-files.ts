/**
 * Recognises official release files among the paths a user gives (files or folders, searched a few
 * levels deep) by their published names:
 *   ICD-10-CM  icd10cm-order-YYYY.txt (the order file; addenda are not releases), icd10cm_index_YYYY.xml
 *   RxNorm     RXNCONSO.RRF, RXNREL.RRF, RXNSAT.RRF (full release or prescribable subset, rrf/ folder)
 *              or the partial TSV tables (rxnorm-tsv.ts)
 */
import { readdir, stat } from 'node:fs/promises';
import path from 'node:path';
import { fhirError } from '../../fhir/outcome-error';
import type { Icd10cmSourceFiles } from './icd10cm-pack';
import type { RxNormSourceFiles } from './rxnorm-loader';
import { RXNORM_TSV_FILES, type RxNormTsvKind } from './rxnorm-tsv';

export interface ReleaseFiles {
  icd10?: Icd10cmSourceFiles;
  rxnorm?: RxNormSourceFiles;
  /** Every file recognised, for the report. */
  files: string[];
}

const ORDER_FILE = /^icd10cm[-_]order[-_](\d{4})\.txt$/i;
const INDEX_FILE = /^icd10cm[-_]index[-_](\d{4})\.xml$/i;
const RRF_FILES = new Map<string, 'conso' | 'rel' | 'sat'>([
  ['rxnconso.rrf', 'conso'],
  ['rxnrel.rrf', 'rel'],
  ['rxnsat.rrf', 'sat'],
]);
const TSV_KIND_OF_NAME = new Map<string, RxNormTsvKind>(Object.entries(RXNORM_TSV_FILES).map(([kind, name]) => [name, kind as RxNormTsvKind]));
const MAX_DEPTH = 3;

async function collect(target: string, depth: number, out: string[]): Promise<void> {
  const info = await stat(target);
  if (info.isFile()) {
    out.push(target);
    return;
  }
  if (!info.isDirectory() || depth > MAX_DEPTH) return;
  for (const entry of await readdir(target, { withFileTypes: true })) {
    if (entry.name.startsWith('.')) continue;
    const child = path.join(target, entry.name);
    if (entry.isDirectory()) await collect(child, depth + 1, out);
    else if (entry.isFile()) out.push(child);
  }
}

/** The newest year's file of a pattern. */
function newest(files: string[], pattern: RegExp): string | undefined {
  let best: { file: string; year: number } | undefined;
  for (const file of files) {
    const year = Number(pattern.exec(path.basename(file))?.[1]);
    if (Number.isFinite(year) && year > 0 && (!best || year > best.year)) best = { file, year };
  }
  return best?.file;
}

/** Finds the release files under the given paths; throws when none is there. */
export async function findReleaseFiles(paths: readonly string[]): Promise<ReleaseFiles> {
  const all: string[] = [];
  for (const target of paths) {
    try {
      await collect(path.resolve(target), 0, all);
    } catch {
      throw fhirError('not-found', `Cannot read ${path.basename(target)}`, 404);
    }
  }
  const result: ReleaseFiles = { files: [] };
  const orderFile = newest(all, ORDER_FILE);
  if (orderFile) {
    const indexFile = newest(all, INDEX_FILE);
    result.icd10 = { orderFile, ...(indexFile ? { indexFile } : {}) };
    result.files.push(orderFile, ...(indexFile ? [indexFile] : []));
  }
  const rrf: Partial<Record<'conso' | 'rel' | 'sat', string>> = {};
  const tsv: Partial<Record<RxNormTsvKind, string>> = {};
  for (const file of all) {
    const name = path.basename(file);
    const rrfKind = RRF_FILES.get(name.toLowerCase());
    if (rrfKind && rrf[rrfKind] === undefined) rrf[rrfKind] = file;
    const tsvKind = TSV_KIND_OF_NAME.get(name);
    if (tsvKind && tsv[tsvKind] === undefined) tsv[tsvKind] = file;
  }
  if (rrf.conso !== undefined) {
    result.rxnorm = { kind: 'rrf', conso: rrf.conso, ...(rrf.rel ? { rel: rrf.rel } : {}), ...(rrf.sat ? { sat: rrf.sat } : {}) };
    result.files.push(...Object.values(rrf));
  } else if (Object.keys(tsv).length > 0) {
    result.rxnorm = { kind: 'tsv', files: tsv };
    result.files.push(...Object.values(tsv));
  }
  if (!result.icd10 && !result.rxnorm) {
    throw fhirError('not-found', 'No terminology release found (icd10cm-order-YYYY.txt, icd10cm_index_YYYY.xml, RXNCONSO.RRF or the RxNorm partial tables)', 404);
  }
  return result;
}
