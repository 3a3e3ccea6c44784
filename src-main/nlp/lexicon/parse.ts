/**
 * Turns the lexicon's compact records into entries.
 *
 * Record syntax (one string per concept, fields split by '|', lists by ';'):
 *   condition:  code|class|preferred|synonyms|abbreviations|misspellings      class: d, s or g (sign)
 *   term:       key|preferred|synonyms|abbreviations|misspellings             (anatomy, tests, ...)
 *   medication: rxcui|name|synonyms|abbreviations|misspellings|brands|clinical drugs
 *               brands: Name or Name:rxcui; clinical drugs: rxcui:strength:form
 * A form ending in '!' is case-sensitive; ending in '@' only counts before a value ("T 36.9").
 * Two-letter-or-shorter forms are always case-sensitive.
 */
import type { ClinicalDrug, ConditionClass, EntityCategory, EntityType } from '../types';
import type { ConditionRecord, LexiconEntry, MedicationRecord, SurfaceForm, SurfaceKind } from './types';

function splitList(field: string | undefined): string[] {
  if (field === undefined || field.trim() === '') return [];
  return field
    .split(';')
    .map((s) => s.trim())
    .filter((s) => s !== '');
}

function fields(record: string, min: number): string[] {
  const parts = record.split('|').map((p) => p.trim());
  if (parts.length < min) throw new Error(`lexicon record needs ${min} fields: ${record}`);
  return parts;
}

/** Reads the '!' / '@' markers off a written form. */
export function surfaceForm(written: string, kind: SurfaceKind): SurfaceForm {
  let text = written;
  let caseSensitive = false;
  let needsValue = false;
  for (;;) {
    if (text.endsWith('!')) {
      caseSensitive = true;
      text = text.slice(0, -1);
    } else if (text.endsWith('@')) {
      needsValue = true;
      text = text.slice(0, -1);
    } else break;
  }
  if (text.replace(/[^A-Za-z0-9]/g, '').length <= 2) caseSensitive = true;
  return { text, kind, caseSensitive, needsValue };
}

function formsOf(preferred: string, synonyms: string[], abbreviations: string[], misspellings: string[]): SurfaceForm[] {
  return [
    surfaceForm(preferred, 'preferred'),
    ...synonyms.map((s) => surfaceForm(s, 'synonym')),
    ...abbreviations.map((s) => surfaceForm(s, 'abbreviation')),
    ...misspellings.map((s) => surfaceForm(s, 'misspelling')),
  ];
}

const CONDITION_CLASSES: Record<string, ConditionClass> = { d: 'disease', s: 'symptom', g: 'sign' };

export function parseCondition(record: string): ConditionRecord {
  const [code = '', cls = '', preferred = '', synonyms, abbreviations, misspellings] = fields(record, 3);
  const conditionClass = CONDITION_CLASSES[cls];
  if (conditionClass === undefined) throw new Error(`condition class must be d, s or g: ${record}`);
  return {
    code,
    conditionClass,
    preferred,
    synonyms: splitList(synonyms),
    abbreviations: splitList(abbreviations),
    misspellings: splitList(misspellings),
  };
}

/** Several records may share a code (e.g. "SOB" and "dyspnea" both R06.02): one entry each. */
export function conditionEntry(record: ConditionRecord, index: number): LexiconEntry {
  return {
    id: `dx:${record.code}:${index}`,
    category: 'MEDICAL_CONDITION',
    type: 'DX_NAME',
    preferred: record.preferred.replace(/[!@]+$/, ''),
    forms: formsOf(record.preferred, record.synonyms, record.abbreviations, record.misspellings),
    icd10: [record.code],
    conditionClass: record.conditionClass,
  };
}

export function termEntry(record: string, prefix: string, category: EntityCategory, type: EntityType): LexiconEntry {
  const [key = '', preferred = '', synonyms, abbreviations, misspellings] = fields(record, 2);
  return {
    id: `${prefix}:${key}`,
    category,
    type,
    preferred: preferred.replace(/[!@]+$/, ''),
    forms: formsOf(preferred, splitList(synonyms), splitList(abbreviations), splitList(misspellings)),
  };
}

function titleCase(s: string): string {
  return s.replace(/\b[a-z]/g, (c) => c.toUpperCase());
}

export function parseMedication(record: string): MedicationRecord {
  const [rxcui = '', name = '', synonyms, abbreviations, misspellings, brands, drugs] = fields(record, 2);
  const clinicalDrugs: ClinicalDrug[] = splitList(drugs).map((d) => {
    const [drugRxcui = '', strength = '', form = ''] = d.split(':').map((s) => s.trim());
    if (drugRxcui === '' || strength === '' || form === '') throw new Error(`clinical drug needs rxcui:strength:form: ${record}`);
    const normStrength = strength.toLowerCase();
    const normForm = form.toLowerCase();
    return {
      rxcui: drugRxcui,
      name: `${name} ${normStrength.toUpperCase()} ${titleCase(normForm)}`,
      ingredientRxcui: rxcui,
      strength: normStrength,
      form: normForm,
    };
  });
  return {
    rxcui,
    name,
    synonyms: splitList(synonyms),
    abbreviations: splitList(abbreviations),
    misspellings: splitList(misspellings),
    brands: splitList(brands).map((b) => {
      const [brandName = '', brandRxcui] = b.split(':').map((s) => s.trim());
      return brandRxcui === undefined || brandRxcui === '' ? { name: brandName } : { name: brandName, rxcui: brandRxcui };
    }),
    clinicalDrugs,
  };
}

export function medicationEntries(record: MedicationRecord): LexiconEntry[] {
  const generic: LexiconEntry = {
    id: `rx:${record.rxcui}`,
    category: 'MEDICATION',
    type: 'GENERIC_NAME',
    preferred: record.name,
    forms: formsOf(record.name, record.synonyms, record.abbreviations, record.misspellings),
    rxnorm: [record.rxcui],
  };
  const brands = record.brands.map(
    (b): LexiconEntry => ({
      id: `bn:${b.name.toLowerCase()}`,
      category: 'MEDICATION',
      type: 'BRAND_NAME',
      preferred: b.name,
      forms: [surfaceForm(b.name, 'preferred')],
      rxnorm: [record.rxcui],
      ...(b.rxcui !== undefined ? { brandRxcui: b.rxcui } : {}),
    }),
  );
  return [generic, ...brands];
}
