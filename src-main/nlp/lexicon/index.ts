/**
 * The built-in lexicon: every entry the dictionary matcher knows, built once from the data modules.
 */
import { CONDITION_RECORDS } from './conditions';
import { MEDICATION_RECORDS } from './medications';
import { conditionEntry, medicationEntries, parseCondition, parseMedication, termEntry } from './parse';
import {
  ALCOHOL_RECORDS,
  ANATOMY_RECORDS,
  DIRECTION_RECORDS,
  ILLICIT_DRUG_RECORDS,
  PROCEDURE_RECORDS,
  STOP_PHRASES,
  TEST_RECORDS,
  TOBACCO_RECORDS,
  TREATMENT_RECORDS,
} from './terms';
import type { Lexicon, LexiconEntry } from './types';

export type { Lexicon, LexiconEntry, SurfaceForm, SurfaceKind, ConditionRecord, MedicationRecord } from './types';
export { builtinIcd10Index, builtinRxNormIndex } from './indexes';

/** Bumped whenever the lexicon's content changes, so stored results can offer a re-run. */
export const LEXICON_VERSION = 'hearth-lexicon-2';

let cached: Lexicon | undefined;

export function builtinLexicon(): Lexicon {
  if (cached !== undefined) return cached;
  const conditions = CONDITION_RECORDS.map(parseCondition);
  const medications = MEDICATION_RECORDS.map(parseMedication);
  const entries: LexiconEntry[] = [
    ...conditions.map(conditionEntry),
    ...medications.flatMap(medicationEntries),
    ...ANATOMY_RECORDS.map((r) => termEntry(r, 'an', 'ANATOMY', 'SYSTEM_ORGAN_SITE')),
    ...DIRECTION_RECORDS.map((r) => termEntry(r, 'dir', 'ANATOMY', 'DIRECTION')),
    ...TEST_RECORDS.map((r) => termEntry(r, 'tn', 'TEST_TREATMENT_PROCEDURE', 'TEST_NAME')),
    ...PROCEDURE_RECORDS.map((r) => termEntry(r, 'pn', 'TEST_TREATMENT_PROCEDURE', 'PROCEDURE_NAME')),
    ...TREATMENT_RECORDS.map((r) => termEntry(r, 'tx', 'TEST_TREATMENT_PROCEDURE', 'TREATMENT_NAME')),
    ...TOBACCO_RECORDS.map((r) => termEntry(r, 'beh', 'BEHAVIORAL_ENVIRONMENTAL_SOCIAL', 'TOBACCO')),
    ...ALCOHOL_RECORDS.map((r) => termEntry(r, 'beh', 'BEHAVIORAL_ENVIRONMENTAL_SOCIAL', 'ALCOHOL')),
    ...ILLICIT_DRUG_RECORDS.map((r) => termEntry(r, 'beh', 'BEHAVIORAL_ENVIRONMENTAL_SOCIAL', 'ILLICIT_DRUGS')),
  ];
  const seen = new Set<string>();
  for (const e of entries) {
    if (seen.has(e.id)) throw new Error(`duplicate lexicon id ${e.id}`);
    seen.add(e.id);
  }
  cached = { version: LEXICON_VERSION, entries, conditions, medications, stopPhrases: STOP_PHRASES };
  return cached;
}
