/**
 * RxNorm Rich Release Format files (https://www.nlm.nih.gov/research/umls/rxnorm/docs/techdoc.html,
 * section 12): pipe-delimited, one trailing `|`, UTF-8. The full release and the Current
 * Prescribable Content subset share the layout. Only SAB=RXNORM rows that are not obsolete or
 * suppressed (SUPPRESS O or Y) are read. RXNCONSO must be read before RXNREL and RXNSAT: relations
 * and attributes of concepts not kept are dropped as they stream by.
 */
import { fhirError } from '../../fhir/outcome-error';
import { readLines, type LineProgress } from './read-lines';
import { RELATION_OF_RELA, type RxNormPackBuilder } from './rxnorm-pack';

/** Column positions (0-based) of the three files read. */
export const RXNCONSO_COLUMNS = { RXCUI: 0, LAT: 1, SAB: 11, TTY: 12, STR: 14, SUPPRESS: 16, count: 18 } as const;
export const RXNREL_COLUMNS = { RXCUI1: 0, STYPE1: 2, REL: 3, RXCUI2: 4, STYPE2: 6, RELA: 7, SAB: 10, SUPPRESS: 14, count: 16 } as const;
export const RXNSAT_COLUMNS = { RXCUI: 0, ATN: 8, SAB: 9, ATV: 10, SUPPRESS: 11, count: 13 } as const;

export type RrfFileKind = 'RXNCONSO' | 'RXNREL' | 'RXNSAT';

export interface RrfReadOptions {
  signal?: AbortSignal;
  onProgress?: (progress: LineProgress) => void;
}

const DROPPED_SUPPRESS = new Set(['O', 'Y']);

function fieldsOf(line: string, count: number, kind: RrfFileKind, lineNumber: number): string[] {
  const fields = line.split('|');
  // count fields, then the empty string after the trailing bar.
  if (fields.length < count) throw fhirError('invalid', `${kind}.RRF line ${lineNumber} has ${fields.length - 1} fields, not ${count}`, 400);
  return fields;
}

/** Streams one RRF file into the builder; returns the rows read. */
export async function readRrfFile(kind: RrfFileKind, file: string, builder: RxNormPackBuilder, options: RrfReadOptions = {}): Promise<number> {
  let rows = 0;
  for await (const { line, number } of readLines(file, options)) {
    if (line.length === 0) continue;
    rows += 1;
    if (kind === 'RXNCONSO') {
      const f = fieldsOf(line, RXNCONSO_COLUMNS.count, kind, number);
      if (f[RXNCONSO_COLUMNS.SAB] !== 'RXNORM' || DROPPED_SUPPRESS.has(f[RXNCONSO_COLUMNS.SUPPRESS]!)) continue;
      builder.addAtom(f[RXNCONSO_COLUMNS.RXCUI]!, f[RXNCONSO_COLUMNS.TTY]!, f[RXNCONSO_COLUMNS.STR]!);
    } else if (kind === 'RXNREL') {
      const f = fieldsOf(line, RXNREL_COLUMNS.count, kind, number);
      if (f[RXNREL_COLUMNS.SAB] !== 'RXNORM' || DROPPED_SUPPRESS.has(f[RXNREL_COLUMNS.SUPPRESS]!)) continue;
      const relation = RELATION_OF_RELA.get(f[RXNREL_COLUMNS.RELA]!);
      if (relation === undefined || f[RXNREL_COLUMNS.STYPE1] !== 'CUI' || f[RXNREL_COLUMNS.STYPE2] !== 'CUI') continue;
      builder.addRelation(relation, f[RXNREL_COLUMNS.RXCUI1]!, f[RXNREL_COLUMNS.RXCUI2]!);
    } else {
      const f = fieldsOf(line, RXNSAT_COLUMNS.count, kind, number);
      if (f[RXNSAT_COLUMNS.SAB] !== 'RXNORM' || DROPPED_SUPPRESS.has(f[RXNSAT_COLUMNS.SUPPRESS]!)) continue;
      const attribute = f[RXNSAT_COLUMNS.ATN];
      if (attribute === 'RXN_AVAILABLE_STRENGTH' || attribute === 'RXN_STRENGTH') builder.addStrength(f[RXNSAT_COLUMNS.RXCUI]!, attribute, f[RXNSAT_COLUMNS.ATV]!);
    }
  }
  builder.rowsRead += rows;
  return rows;
}

/** 'RxNorm_full_prescribe_11032025' → 'rxnorm-2025-11-03' (release folders carry the date as MMDDYYYY). */
export function rxnormVersionFromPath(file: string): string {
  const match = /(\d{2})(\d{2})(\d{4})(?!.*\d{8})/.exec(file);
  return match ? `rxnorm-${match[3]}-${match[1]}-${match[2]}` : 'rxnorm';
}
