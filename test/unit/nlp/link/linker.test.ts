/**
 * Concept linking: lexicon code first, refined by qualifier words; pack alternatives; SCD first
 * when strength (and form) are given; descriptions from packs before the lexicon's own.
 */
import { describe, expect, it } from 'vitest';
import { builtinIcd10Index, builtinLexicon, builtinRxNormIndex } from '../../../../src-main/nlp/lexicon/index';
import { createLexiconMatcher } from '../../../../src-main/nlp/match/matcher';
import { ConceptLinker, type RankedConcept } from '../../../../src-main/nlp/link/linker';
import type { CodeSystemIndex } from '../../../../src-main/nlp/types';
import { docOf } from '../match/doc';

const matcher = createLexiconMatcher(builtinLexicon());
const linker = new ConceptLinker({ icd10: [builtinIcd10Index()], rxnorm: [builtinRxNormIndex()] });

function linkConditions(text: string, l: ConceptLinker = linker): [string, RankedConcept[]][] {
  const doc = docOf(text);
  return matcher
    .match(doc)
    .filter((m) => m.category === 'MEDICAL_CONDITION')
    .map((m) => [text.slice(m.begin, m.end), l.linkCondition(m, doc)]);
}

function linkDrug(text: string, attributes: { strength?: string; form?: string; route?: string } = {}): RankedConcept[] {
  const doc = docOf(text);
  const m = matcher.match(doc).find((x) => x.category === 'MEDICATION');
  if (m === undefined) throw new Error(`no medication in ${text}`);
  return linker.linkMedication(m, doc, attributes);
}

describe('ConceptLinker conditions', () => {
  it('ranks the lexicon code first, with a calibrated score in 0..1', () => {
    const [[text, concepts]] = linkConditions('Essential hypertension, controlled.') as [[string, RankedConcept[]]];
    expect(text).toBe('Essential hypertension');
    expect(concepts[0]).toMatchObject({ Code: 'I10' });
    expect(concepts[0]!.Score).toBeGreaterThan(0.8);
    expect(concepts[0]!.Score).toBeLessThanOrEqual(1);
    for (let i = 1; i < concepts.length; i++) expect(concepts[i]!.Score).toBeLessThanOrEqual(concepts[i - 1]!.Score);
  });

  it('prefers a more specific code when qualifier words stand with the condition', () => {
    const code = (text: string): string[] => linkConditions(text).map(([, c]) => c[0]!.Code);
    expect(code('type 2 diabetes with CKD')).toEqual(['E11.22', 'N18.9']);
    expect(code('Type 2 diabetes mellitus with diabetic neuropathy')).toEqual(['E11.40']);
    expect(code('uncontrolled type 2 diabetes')).toEqual(['E11.65']);
    expect(code('COPD exacerbation')).toEqual(['J44.1']);
    expect(code('COPD with acute exacerbation')).toEqual(['J44.1']);
    expect(code('CKD stage 4')).toEqual(['N18.4']);
    expect(code('chronic kidney disease, stage 3')).toEqual(['N18.9']); // a comma ends the qualifier window
    expect(code('paroxysmal afib')).toEqual(['I48.0']);
    expect(code('Knee pain, left')).toEqual(['M25.569']);
    expect(code('left ankle pain')).toEqual(['M25.572']);
    expect(code('cellulitis of the right leg')).toEqual(['L03.115']);
    expect(code('osteoarthritis of the left knee')).toEqual(['M17.12']);
    expect(code('pain in the right shoulder')).toEqual(['M25.511']);
    expect(code('history of stroke')).toEqual(['Z86.73']);
    expect(code('prior MI')).toEqual(['I25.2']);
  });

  it('answers a repeated mention from its cache with the same, unchangeable concepts', () => {
    const first = linkConditions('HTN. Also HTN with CKD.');
    expect(first.map(([t, c]) => [t, c[0]!.Code])).toEqual([
      ['HTN', 'I10'],
      ['HTN', 'I12.9'],
      ['CKD', 'N18.9'],
    ]);
    const again = linkConditions('HTN.');
    expect(again[0]![1]).toEqual(first[0]![1]);
    expect(() => {
      (again[0]![1][0] as { Score: number }).Score = 0;
    }).toThrow();
  });

  it('does not let a neighbouring problem in a list refine a condition', () => {
    const codes = linkConditions('PMH: T2DM, CKD 3, HTN.').map(([t, c]) => [t, c[0]!.Code]);
    expect(codes).toEqual([
      ['T2DM', 'E11.9'],
      ['CKD 3', 'N18.30'],
      ['HTN', 'I10'],
    ]);
  });

  it('keeps the general code as the next candidate after a refinement', () => {
    const [[, concepts]] = linkConditions('type 2 diabetes with hyperglycemia and nothing else') as [[string, RankedConcept[]]];
    expect(concepts.slice(0, 2).map((c) => c.Code)).toEqual(['E11.65', 'E11.9']);
    expect(concepts[0]!.Score).toBeGreaterThan(concepts[1]!.Score);
  });

  it('scores an abbreviation or a misspelling no higher than the full name', () => {
    const [[, full]] = linkConditions('hypertension') as [[string, RankedConcept[]]];
    const [[, abbr]] = linkConditions('HTN') as [[string, RankedConcept[]]];
    const [[, typo]] = linkConditions('hypertensoin') as [[string, RankedConcept[]]];
    expect(full[0]!.Code).toBe('I10');
    expect(abbr[0]!.Code).toBe('I10');
    expect(typo[0]!.Code).toBe('I10');
    // raw scores order them; the calibrated ones may tie where the gold showed no difference in accuracy
    expect(full[0]!.raw).toBeGreaterThan(abbr[0]!.raw);
    expect(abbr[0]!.raw).toBeGreaterThan(typo[0]!.raw);
    expect(full[0]!.Score).toBeGreaterThanOrEqual(abbr[0]!.Score);
    expect(abbr[0]!.Score).toBeGreaterThanOrEqual(typo[0]!.Score);
  });

  it('adds a pack’s candidates as alternatives and takes its official descriptions', () => {
    const pack: CodeSystemIndex = {
      system: 'ICD10CM',
      version: 'icd10cm-test',
      describe: (code) => ({ I10: 'Essential (primary) hypertension', I15: 'Secondary hypertension' })[code],
      search: (phrase) => (phrase.includes('hypertension') ? [{ code: 'I15.9', description: 'Secondary hypertension, unspecified', match: 0.7 }] : []),
    };
    const withPack = new ConceptLinker({ icd10: [builtinIcd10Index(), pack], rxnorm: [] });
    const [[, concepts]] = linkConditions('hypertension', withPack) as [[string, RankedConcept[]]];
    expect(concepts[0]).toMatchObject({ Code: 'I10', Description: 'Essential (primary) hypertension' });
    expect(concepts.map((c) => c.Code)).toContain('I15.9');
  });

  it('links a pack-only mention from the pack alone', () => {
    const pack: CodeSystemIndex = {
      system: 'ICD10CM',
      version: 'icd10cm-test',
      describe: (code) => (code === 'I51.81' ? 'Takotsubo syndrome' : undefined),
      search: (phrase) => (phrase === 'takotsubo cardiomyopathy' ? [{ code: 'I51.81', description: 'Takotsubo syndrome', match: 1 }] : []),
    };
    const m = createLexiconMatcher(builtinLexicon(), { extraTerms: [{ term: 'Takotsubo cardiomyopathy', code: 'I51.81', system: 'ICD10CM' }] });
    const doc = docOf('Takotsubo cardiomyopathy.');
    const [mention] = m.match(doc);
    const concepts = new ConceptLinker({ icd10: [pack], rxnorm: [] }).linkCondition(mention!, doc);
    expect(concepts[0]).toMatchObject({ Code: 'I51.81', Description: 'Takotsubo syndrome' });
  });
});

describe('ConceptLinker medications', () => {
  it('links a generic to its ingredient when no strength is given', () => {
    expect(linkDrug('metformin')[0]).toMatchObject({ Code: '6809', Description: 'metformin' });
  });

  it('links to the SCD first when strength and form are given, the ingredient next', () => {
    const concepts = linkDrug('metformin 500 mg tablet', { strength: '500 mg', form: 'tablet' });
    expect(concepts.map((c) => c.Code).slice(0, 2)).toEqual(['861007', '6809']);
    expect(concepts[0]!.Description).toBe('metformin 500 MG Oral Tablet');
  });

  it('picks among same-strength products by form, and by route family when no form is given', () => {
    expect(linkDrug('metformin ER 500 mg', { strength: '500mg', form: 'ER tablet' })[0]!.Code).toBe('860975');
    expect(linkDrug('amoxicillin 500 mg', { strength: '500 mg', route: 'by mouth' })[0]!.Code).toBe('308191');
    expect(linkDrug('amoxicillin 500 mg tablet', { strength: '500 mg', form: 'tablet' })[0]!.Code).toBe('308192');
  });

  it('converts mcg to mg to meet RxNorm strengths', () => {
    expect(linkDrug('levothyroxine 50 mcg', { strength: '50 mcg' })[0]!.Code).toBe('966221');
  });

  it('falls back to the ingredient when no product has the strength', () => {
    expect(linkDrug('metformin 750 mg', { strength: '750 mg' })[0]!.Code).toBe('6809');
  });

  it('links a brand name to its ingredient (and the SCD with a strength)', () => {
    expect(linkDrug('Zoloft')[0]).toMatchObject({ Code: '36437' });
    expect(linkDrug('Zoloft 50 mg', { strength: '50 mg' })[0]).toMatchObject({ Code: '312941' });
  });
});
