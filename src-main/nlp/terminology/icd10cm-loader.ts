/**
 * `loadIcd10Pack`: an ICD-10-CM CodeSystemIndex from the official CDC files (order file, optionally
 * the Alphabetic Index XML) or from a pack already read (the vault's copy, terminology/pack-store.ts).
 */
import { icd10IndexFromPack, readIcd10cmPack, type Icd10cmIndex, type Icd10cmPackData, type Icd10cmSourceFiles, type PackReadOptions } from './icd10cm-pack';

export type Icd10PackSource = ({ kind: 'files' } & Icd10cmSourceFiles) | { kind: 'pack'; pack: Icd10cmPackData };

export async function loadIcd10Pack(source: Icd10PackSource, options: PackReadOptions = {}): Promise<Icd10cmIndex> {
  if (source.kind === 'pack') return icd10IndexFromPack(source.pack);
  const { pack } = await readIcd10cmPack(source, options);
  return icd10IndexFromPack(pack);
}
