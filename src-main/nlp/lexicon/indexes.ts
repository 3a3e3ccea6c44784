/**
 * The built-in lexicon as code-system indexes, so the linker treats it like any loaded pack:
 * `builtinIcd10Index()` over the condition records, `builtinRxNormIndex()` over the medications.
 */
import type { ClinicalDrug, ConceptCandidate, CodeSystemIndex, RxNormIndex } from '../types';
import { formKeys } from '../match/normalize';
import { CONDITION_RECORDS } from './conditions';
import { MEDICATION_RECORDS } from './medications';
import { parseCondition, parseMedication, surfaceForm } from './parse';

export const BUILTIN_INDEX_VERSION = 'hearth-lexicon-2';

/** How well a written form matches, by its kind: the lexicon's own name is the surest. */
const FORM_MATCH = { preferred: 1, synonym: 0.96, abbreviation: 0.9, misspelling: 0.9 } as const;

interface Posting {
  code: string;
  match: number;
  keys: ReadonlySet<string>;
}

/** Phrase → codes, exact on normalised keys, plus word-overlap candidates through an inverted index. */
class PhraseIndex {
  private readonly exact = new Map<string, Posting[]>();
  private readonly byWord = new Map<string, Posting[]>();

  add(form: string, code: string, match: number): void {
    const keys = formKeys(surfaceForm(form, 'synonym').text).filter((k) => /[a-z0-9]/.test(k));
    if (keys.length === 0) return;
    const posting: Posting = { code, match, keys: new Set(keys) };
    const key = keys.join(' ');
    const list = this.exact.get(key) ?? [];
    if (!list.some((p) => p.code === code)) list.push(posting);
    this.exact.set(key, list);
    for (const k of posting.keys) {
      const l = this.byWord.get(k) ?? [];
      l.push(posting);
      this.byWord.set(k, l);
    }
  }

  search(normalizedPhrase: string, limit: number): { code: string; match: number }[] {
    const keys = formKeys(normalizedPhrase).filter((k) => /[a-z0-9]/.test(k));
    if (keys.length === 0 || limit <= 0) return [];
    const best = new Map<string, number>();
    const note = (code: string, score: number): void => {
      if ((best.get(code) ?? 0) < score) best.set(code, score);
    };
    for (const p of this.exact.get(keys.join(' ')) ?? []) note(p.code, p.match);
    // partial: share of the words in common (Dice), discounted below any exact hit
    const query = new Set(keys);
    const seen = new Set<Posting>();
    for (const k of query) {
      const list = this.byWord.get(k);
      if (list === undefined || list.length > 2000) continue; // a very common word says little
      for (const p of list) {
        if (seen.has(p)) continue;
        seen.add(p);
        let common = 0;
        for (const q of query) if (p.keys.has(q)) common++;
        const dice = (2 * common) / (query.size + p.keys.size);
        note(p.code, 0.8 * dice * p.match);
      }
    }
    return [...best.entries()]
      .sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1))
      .slice(0, limit)
      .map(([code, match]) => ({ code, match }));
  }
}

let icd10: CodeSystemIndex | undefined;

export function builtinIcd10Index(): CodeSystemIndex {
  if (icd10 !== undefined) return icd10;
  const descriptions = new Map<string, string>();
  const phrases = new PhraseIndex();
  for (const r of CONDITION_RECORDS.map(parseCondition)) {
    const preferred = surfaceForm(r.preferred, 'preferred').text;
    if (!descriptions.has(r.code)) descriptions.set(r.code, capitalize(preferred));
    phrases.add(preferred, r.code, FORM_MATCH.preferred);
    for (const s of r.synonyms) phrases.add(s, r.code, FORM_MATCH.synonym);
    for (const s of r.abbreviations) phrases.add(s, r.code, FORM_MATCH.abbreviation);
    for (const s of r.misspellings) phrases.add(s, r.code, FORM_MATCH.misspelling);
  }
  icd10 = {
    system: 'ICD10CM',
    version: BUILTIN_INDEX_VERSION,
    describe: (code) => descriptions.get(code),
    search: (phrase, limit) => phrases.search(phrase, limit).map((c) => candidate(c, descriptions)),
  };
  return icd10;
}

let rxnorm: RxNormIndex | undefined;

export function builtinRxNormIndex(): RxNormIndex {
  if (rxnorm !== undefined) return rxnorm;
  const descriptions = new Map<string, string>();
  const phrases = new PhraseIndex();
  const brandIngredients = new Map<string, string[]>();
  const drugs = new Map<string, ClinicalDrug[]>();
  for (const m of MEDICATION_RECORDS.map(parseMedication)) {
    descriptions.set(m.rxcui, m.name);
    phrases.add(m.name, m.rxcui, FORM_MATCH.preferred);
    for (const s of m.synonyms) phrases.add(s, m.rxcui, FORM_MATCH.synonym);
    for (const s of m.abbreviations) phrases.add(s, m.rxcui, FORM_MATCH.abbreviation);
    for (const s of m.misspellings) phrases.add(s, m.rxcui, FORM_MATCH.misspelling);
    for (const b of m.brands) {
      // a brand name leads to its ingredient: that is the concept a brand mention links to
      phrases.add(b.name, m.rxcui, FORM_MATCH.synonym);
      if (b.rxcui !== undefined) {
        descriptions.set(b.rxcui, b.name);
        brandIngredients.set(b.rxcui, [...(brandIngredients.get(b.rxcui) ?? []), m.rxcui]);
      }
    }
    for (const d of m.clinicalDrugs) descriptions.set(d.rxcui, d.name);
    drugs.set(m.rxcui, [...(drugs.get(m.rxcui) ?? []), ...m.clinicalDrugs]);
  }
  rxnorm = {
    system: 'RXNORM',
    version: BUILTIN_INDEX_VERSION,
    describe: (code) => descriptions.get(code),
    search: (phrase, limit) => phrases.search(phrase, limit).map((c) => candidate(c, descriptions)),
    brandIngredients: (brand) => brandIngredients.get(brand) ?? [],
    clinicalDrugs: (ingredient) => drugs.get(ingredient) ?? [],
  };
  return rxnorm;
}

function candidate(c: { code: string; match: number }, descriptions: Map<string, string>): ConceptCandidate {
  return { code: c.code, description: descriptions.get(c.code) ?? c.code, match: c.match };
}

function capitalize(s: string): string {
  return s.length === 0 ? s : s[0]!.toUpperCase() + s.slice(1);
}
