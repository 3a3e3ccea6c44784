/**
 * Reading RxNorm's normalised names (https://www.nlm.nih.gov/research/umls/rxnorm/docs/appendix5.html):
 * a single-ingredient clinical drug is `[quantity factor] ingredient strength dose form [brand]`, e.g.
 * "metformin hydrochloride 500 MG Oral Tablet", "0.25 ML leuprolide acetate 30 MG/ML Prefilled Syringe",
 * "24 HR metformin hydrochloride 500 MG Extended Release Oral Tablet", "... Oral Tablet [Glucophage]".
 * Used when a release has no relations or strength attributes (the partial TSV layout) and to fill gaps.
 */

export interface ParsedDrugName {
  ingredient: string;
  strength: string;
  form: string;
}

// Strength units as RxNorm writes them: MG, MCG, ML, UNT, MEQ, %, [USP'U], BAU, ... optionally per amount and unit.
const UNIT = "(?:%|\\[[A-Za-z'’]+\\]|MG|MCG|G|ML|L|UNT|MEQ|MMOL|ACTUAT|HR|CM2|SQCM|BAU|PNU|AU|IR|CELLS|CFU|TCID50|SQ-HDM|VECTOR-GENOMES|VIRAL-PARTICLES|MU|KU|MEGAUNT|MCI|EIN)(?![A-Za-z0-9])";
const STRENGTH = `\\d+(?:\\.\\d+)?\\s?${UNIT}(?:\\/(?:\\d+(?:\\.\\d+)?\\s?)?${UNIT})?`;
const QUANTITY_PREFIX = `(?:\\d+(?:\\.\\d+)?\\s(?:HR|ML|MG|ACTUAT|UNT|G|L|CM2|MMOL|MEQ)\\s)`;
const DRUG_NAME = new RegExp(`^(?:Sprinkle\\s|\\d+\\/\\d+ Release\\s)?${QUANTITY_PREFIX}?(.+?)\\s(${STRENGTH})\\s(.+?)(?:\\s\\[[^\\]]+\\])?$`);

/** "500 MG" → "500 mg", "10 MG / ML" → "10 mg/ml". */
export function normalizeStrength(strength: string): string {
  return strength.toLowerCase().replace(/\s*\/\s*/g, '/').replace(/\s+/g, ' ').trim();
}

/** "Oral Tablet" → "oral tablet". */
export function normalizeDoseForm(form: string): string {
  return form.toLowerCase().replace(/\s+/g, ' ').trim();
}

/** The parts of a single-ingredient drug name; undefined for multi-ingredient names ("a 5 MG / b 10 MG ...") or names of another shape. */
export function parseDrugName(name: string): ParsedDrugName | undefined {
  if (name.includes(' / ')) return undefined;
  const match = DRUG_NAME.exec(name.trim());
  if (!match) return undefined;
  return { ingredient: match[1]!, strength: normalizeStrength(match[2]!), form: normalizeDoseForm(match[3]!) };
}
