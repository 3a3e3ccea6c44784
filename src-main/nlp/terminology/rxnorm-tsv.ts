/**
 * The partial RxNorm tables derived from an RRF release (../shared/data/terminology/rxnorm-partial,
 * SOURCE-rxnorm.md): tab-separated with a header line.
 *   ingredients_in_pin_min.tsv  rxcui, tty (IN/PIN/MIN), name, unii
 *   brand_names_bn.tsv          rxcui, tty (BN), name
 *   ingredient_brand_pairs.tsv  ingredient_rxcui, bn_rxcui
 *   clinical_drugs_scd_sbd.tsv  rxcui, tty (SCD/SBD), name
 * They carry no relations besides brand pairs, no dose forms and no strengths: the rest comes from
 * the normalised names (rxnorm-names.ts).
 */
import { fhirError } from '../../fhir/outcome-error';
import { readLines, type LineProgress } from './read-lines';
import type { RxNormPackBuilder } from './rxnorm-pack';

export const RXNORM_TSV_FILES = {
  ingredients: 'ingredients_in_pin_min.tsv',
  brands: 'brand_names_bn.tsv',
  brandPairs: 'ingredient_brand_pairs.tsv',
  drugs: 'clinical_drugs_scd_sbd.tsv',
} as const;
export type RxNormTsvKind = keyof typeof RXNORM_TSV_FILES;

const HEADERS: Record<RxNormTsvKind, string[]> = {
  ingredients: ['rxcui', 'tty', 'name'],
  brands: ['rxcui', 'tty', 'name'],
  brandPairs: ['ingredient_rxcui', 'bn_rxcui'],
  drugs: ['rxcui', 'tty', 'name'],
};

export interface TsvReadOptions {
  signal?: AbortSignal;
  onProgress?: (progress: LineProgress) => void;
}

/** Streams one partial table into the builder (atoms before pairs: pairs of unknown concepts are dropped at `finish`). */
export async function readRxNormTsv(kind: RxNormTsvKind, file: string, builder: RxNormPackBuilder, options: TsvReadOptions = {}): Promise<number> {
  let rows = 0;
  const expected = HEADERS[kind];
  for await (const { line, number } of readLines(file, options)) {
    if (number === 1) {
      const header = line.split('\t');
      if (expected.some((name, i) => header[i] !== name)) {
        throw fhirError('invalid', `${RXNORM_TSV_FILES[kind]} does not start with the columns ${expected.join(', ')}`, 400);
      }
      continue;
    }
    if (line.length === 0) continue;
    rows += 1;
    const fields = line.split('\t');
    if (fields.length < expected.length || !/^\d+$/.test(fields[0]!)) {
      throw fhirError('invalid', `${RXNORM_TSV_FILES[kind]} line ${number} is not a row of ${expected.join(', ')}`, 400);
    }
    if (kind === 'brandPairs') builder.addBrandIngredient(fields[1]!, fields[0]!);
    else builder.addAtom(fields[0]!, fields[1]!, fields[2]!);
  }
  builder.rowsRead += rows;
  return rows;
}
