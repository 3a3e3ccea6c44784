/**
 * The built-in lexicon's shape and size, its record syntax, and the code-system indexes built
 * from it (what the linker searches when no terminology pack is loaded).
 */
import { describe, expect, it } from 'vitest';
import { builtinIcd10Index, builtinLexicon, builtinRxNormIndex, LEXICON_VERSION } from '../../../../src-main/nlp/lexicon/index';
import { parseCondition, parseMedication, surfaceForm } from '../../../../src-main/nlp/lexicon/parse';

describe('builtinLexicon', () => {
  const lexicon = builtinLexicon();
  const count = (type: string): number => lexicon.entries.filter((e) => e.type === type).length;

  it('is big enough for a primary-care or hospital note', () => {
    expect(new Set(lexicon.conditions.map((c) => c.code)).size).toBeGreaterThanOrEqual(400);
    expect(new Set(lexicon.medications.map((m) => m.rxcui)).size).toBeGreaterThanOrEqual(300);
    expect(count('BRAND_NAME')).toBeGreaterThanOrEqual(250);
    expect(count('SYSTEM_ORGAN_SITE')).toBeGreaterThanOrEqual(80);
    expect(count('DIRECTION')).toBeGreaterThanOrEqual(15);
    expect(count('TEST_NAME')).toBeGreaterThanOrEqual(80);
    expect(count('PROCEDURE_NAME')).toBeGreaterThanOrEqual(40);
    expect(count('TREATMENT_NAME')).toBeGreaterThanOrEqual(20);
    for (const t of ['TOBACCO', 'ALCOHOL', 'ILLICIT_DRUGS']) expect(count(t)).toBeGreaterThan(0);
    const classes = new Set(lexicon.conditions.map((c) => c.conditionClass));
    expect([...classes].sort()).toEqual(['disease', 'sign', 'symptom']);
    expect(LEXICON_VERSION).toMatch(/^hearth-lexicon-\d+$/);
  });

  it('has unique ids and every entry has a form and its codes', () => {
    expect(new Set(lexicon.entries.map((e) => e.id)).size).toBe(lexicon.entries.length);
    for (const e of lexicon.entries) {
      expect(e.forms.length, e.id).toBeGreaterThan(0);
      if (e.category === 'MEDICAL_CONDITION') expect(e.icd10?.length, e.id).toBe(1);
      if (e.category === 'MEDICATION') expect(e.rxnorm?.length, e.id).toBe(1);
    }
  });

  it('has the conditions the brief names, with their codes', () => {
    const codeOf = (form: string): string[] =>
      lexicon.entries.filter((e) => e.category === 'MEDICAL_CONDITION' && e.forms.some((f) => f.text === form)).map((e) => e.icd10![0]!);
    expect(codeOf('HTN')).toEqual(['I10']);
    expect(codeOf('T2DM')).toEqual(['E11.9']);
    expect(codeOf('CAD')).toEqual(['I25.10']);
    expect(codeOf('afib')).toEqual(['I48.91']);
    expect(codeOf('CHF')).toEqual(['I50.9']);
    expect(codeOf('COPD')).toEqual(['J44.9']);
    expect(codeOf('GERD')).toEqual(['K21.9']);
    expect(codeOf('MI')).toEqual(['I21.9']);
    expect(codeOf('old MI')).toEqual(['I25.2']);
    expect(codeOf('CKD 3')).toEqual(['N18.30']);
    expect(codeOf('chest pain')).toEqual(['R07.9']);
    expect(codeOf('SOB')).toEqual(['R06.02']);
    expect(codeOf('fever')).toEqual(['R50.9']);
  });
});

describe('record syntax', () => {
  it('reads case and value markers, and makes short forms case-sensitive', () => {
    expect(surfaceForm('MI!', 'abbreviation')).toEqual({ text: 'MI', kind: 'abbreviation', caseSensitive: true, needsValue: false });
    expect(surfaceForm('T@', 'abbreviation')).toEqual({ text: 'T', kind: 'abbreviation', caseSensitive: true, needsValue: true });
    expect(surfaceForm('HTN', 'abbreviation').caseSensitive).toBe(false);
    expect(surfaceForm('wt@', 'abbreviation').caseSensitive).toBe(true);
  });

  it('parses conditions and medications, and rejects malformed records', () => {
    expect(parseCondition('I10|d|essential hypertension|high blood pressure|HTN|hypertention')).toEqual({
      code: 'I10',
      conditionClass: 'disease',
      preferred: 'essential hypertension',
      synonyms: ['high blood pressure'],
      abbreviations: ['HTN'],
      misspellings: ['hypertention'],
    });
    expect(() => parseCondition('I10|x|hypertension')).toThrow(/class/);
    const m = parseMedication('6809|metformin|||metfromin|Glucophage:151827;Fortamet|861007:500 mg:oral tablet');
    expect(m.brands).toEqual([{ name: 'Glucophage', rxcui: '151827' }, { name: 'Fortamet' }]);
    expect(m.clinicalDrugs).toEqual([{ rxcui: '861007', name: 'metformin 500 MG Oral Tablet', ingredientRxcui: '6809', strength: '500 mg', form: 'oral tablet' }]);
    expect(() => parseMedication('6809|metformin|||||861007:500 mg')).toThrow(/rxcui:strength:form/);
  });
});

describe('builtin code-system indexes', () => {
  it('describes and searches ICD-10-CM codes, exact phrases first', () => {
    const icd = builtinIcd10Index();
    expect(icd.system).toBe('ICD10CM');
    expect(icd.describe('I10')).toBe('Essential hypertension');
    expect(icd.describe('Z99.99')).toBeUndefined();
    expect(icd.search('high blood pressure', 3)[0]).toMatchObject({ code: 'I10' });
    expect(icd.search('type 2 diabetes mellitus with hyperglycemia', 3)[0]).toMatchObject({ code: 'E11.65', match: 1 });
    const partial = icd.search('pain in the left knee', 3);
    expect(partial[0]!.code).toBe('M25.562');
    expect(partial[0]!.match).toBeLessThan(1);
    expect(icd.search('', 3)).toEqual([]);
  });

  it('maps brands to ingredients and ingredients to clinical drugs', () => {
    const rx = builtinRxNormIndex();
    expect(rx.search('lipitor', 1)[0]).toMatchObject({ code: '83367' });
    expect(rx.brandIngredients('82728')).toEqual(['36437']); // Zoloft → sertraline
    expect(rx.clinicalDrugs('6809').map((d) => d.strength)).toContain('500 mg');
    expect(rx.describe('861007')).toBe('metformin 500 MG Oral Tablet');
  });
});
