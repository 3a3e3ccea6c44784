import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadRxNormPack, readRxNormPack } from '../../../../src-main/nlp/terminology/rxnorm-loader';
import { normalizeStrength, parseDrugName } from '../../../../src-main/nlp/terminology/rxnorm-names';
import { rxnormIndexFromPack, type LoadedRxNormIndex, type RxNormPackStats } from '../../../../src-main/nlp/terminology/rxnorm-pack';
import { rxnormVersionFromPath } from '../../../../src-main/nlp/terminology/rxnorm-rrf';
import { RXNORM_TSV_FILES } from '../../../../src-main/nlp/terminology/rxnorm-tsv';
import { hasRxNormPartial, rxnormPartialDir, warnMissing } from './paths';

// RRF rows in the documented column layout (RxNorm technical documentation, section 12), with real
// RXCUIs; which relations and attributes they carry is written for the test.

/** RXNCONSO: RXCUI|LAT|TS|LUI|STT|SUI|ISPREF|RXAUI|SAUI|SCUI|SDUI|SAB|TTY|CODE|STR|SRL|SUPPRESS|CVF| */
const conso = (rxcui: string, tty: string, str: string, sab = 'RXNORM', suppress = 'N') =>
  [rxcui, 'ENG', '', '', '', '', '', `A${rxcui}${tty}`, '', '', '', sab, tty, rxcui, str, '', suppress, '', ''].join('|');
/** RXNREL: RXCUI1|RXAUI1|STYPE1|REL|RXCUI2|RXAUI2|STYPE2|RELA|RUI|SRUI|SAB|SL|DIR|RG|SUPPRESS|CVF| */
const rel = (rxcui1: string, rela: string, rxcui2: string, sab = 'RXNORM') =>
  [rxcui1, '', 'CUI', 'RO', rxcui2, '', 'CUI', rela, `R${rxcui1}${rxcui2}`, '', sab, sab, '', '', 'N', '', ''].join('|');
/** RXNSAT: RXCUI|LUI|SUI|RXAUI|STYPE|CODE|ATUI|SATUI|ATN|SAB|ATV|SUPPRESS|CVF| */
const sat = (rxcui: string, atn: string, atv: string) => [rxcui, '', '', `A${rxcui}`, 'AUI', rxcui, '', '', atn, 'RXNORM', atv, 'N', '', ''].join('|');

const RXNCONSO = [
  conso('6809', 'IN', 'metformin'),
  conso('6809', 'TMSY', 'metFORMIN'),
  conso('6809', 'IN', 'METFORMIN HCL', 'MTHSPL'),
  conso('235743', 'PIN', 'metformin hydrochloride'),
  conso('151827', 'BN', 'Glucophage'),
  conso('316255', 'SCDC', 'metformin hydrochloride 500 MG'),
  conso('861007', 'SCD', 'metformin hydrochloride 500 MG Oral Tablet'),
  conso('861007', 'PSN', 'metFORMIN HCl 500 MG Oral Tablet'),
  conso('861008', 'SBD', 'metformin hydrochloride 500 MG Oral Tablet [Glucophage]'),
  conso('317541', 'DF', 'Oral Tablet'),
  conso('29046', 'IN', 'lisinopril'),
  conso('316151', 'SCDC', 'lisinopril 10 MG'),
  conso('314076', 'SCD', 'lisinopril 10 MG Oral Tablet'),
  conso('5487', 'IN', 'hydrochlorothiazide'),
  conso('214618', 'MIN', 'hydrochlorothiazide / lisinopril'),
  conso('197885', 'SCD', 'hydrochlorothiazide 12.5 MG / lisinopril 10 MG Oral Tablet'),
  conso('999999', 'SCD', 'obsoletamide 1 MG Oral Tablet', 'RXNORM', 'O'),
].join('\n');

const RXNREL = [
  // "RXCUI2 has RELA to RXCUI1": Glucophage tradename_of metformin, and the inverse row.
  rel('6809', 'tradename_of', '151827'),
  rel('151827', 'has_tradename', '6809'),
  rel('316255', 'constitutes', '861007'),
  rel('316255', 'has_ingredient', '6809'),
  rel('316255', 'has_precise_ingredient', '235743'),
  rel('317541', 'has_dose_form', '861007'),
  // Written the other way round on purpose: the ends are told apart by their term types.
  rel('314076', 'consists_of', '316151'),
  rel('29046', 'ingredient_of', '316151'),
  rel('314076', 'has_dose_form', '317541'),
  rel('6809', 'tradename_of', '151827', 'MTHSPL'),
].join('\n');

const RXNSAT = [sat('861007', 'RXN_AVAILABLE_STRENGTH', '500 MG'), sat('316151', 'RXN_STRENGTH', '10 MG'), sat('861007', 'RXN_HUMAN_DRUG', 'US')].join('\n');

describe('RxNorm drug names', () => {
  it('splits a single-ingredient name into ingredient, strength and form', () => {
    expect(parseDrugName('metformin hydrochloride 500 MG Oral Tablet')).toEqual({ ingredient: 'metformin hydrochloride', strength: '500 mg', form: 'oral tablet' });
    expect(parseDrugName('24 HR metformin hydrochloride 500 MG Extended Release Oral Tablet [Glumetza]')).toEqual({
      ingredient: 'metformin hydrochloride',
      strength: '500 mg',
      form: 'extended release oral tablet',
    });
    expect(parseDrugName('insulin glargine 100 UNT/ML Injectable Solution')?.strength).toBe('100 unt/ml');
    expect(parseDrugName('1 ML hepatitis A virus strain CR 326F antigen, inactivated 50 UNT/ML Injection')?.ingredient).toBe(
      'hepatitis A virus strain CR 326F antigen, inactivated',
    );
    expect(parseDrugName('hydrochlorothiazide 12.5 MG / lisinopril 10 MG Oral Tablet')).toBeUndefined();
    expect(normalizeStrength('10 MG / ML')).toBe('10 mg/ml');
  });

  it('names a release by the date of its folder', () => {
    expect(rxnormVersionFromPath('/data/RxNorm_full_prescribe_11032025/rrf/RXNCONSO.RRF')).toBe('rxnorm-2025-11-03');
    expect(rxnormVersionFromPath('/data/rrf/RXNCONSO.RRF')).toBe('rxnorm');
  });
});

describe('RxNorm RRF (hand-written release files)', () => {
  let dir: string;
  let index: LoadedRxNormIndex;
  let stats: RxNormPackStats;

  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'hearth-rrf-'));
    const folder = path.join(dir, 'RxNorm_full_prescribe_11032025', 'rrf');
    await import('node:fs/promises').then((fs) => fs.mkdir(folder, { recursive: true }));
    await writeFile(path.join(folder, 'RXNCONSO.RRF'), `${RXNCONSO}\n`);
    await writeFile(path.join(folder, 'RXNREL.RRF'), `${RXNREL}\n`);
    await writeFile(path.join(folder, 'RXNSAT.RRF'), `${RXNSAT}\n`);
    const read = await readRxNormPack({ kind: 'rrf', conso: path.join(folder, 'RXNCONSO.RRF'), rel: path.join(folder, 'RXNREL.RRF'), sat: path.join(folder, 'RXNSAT.RRF') });
    stats = read.stats;
    index = rxnormIndexFromPack(read.pack);
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('keeps SAB=RXNORM concepts that are not obsolete, by term type', () => {
    expect(index.version).toBe('rxnorm-2025-11-03');
    expect(stats.byTty).toEqual({ IN: 3, PIN: 1, MIN: 1, BN: 1, SCD: 3, SBD: 1, SCDC: 2, DF: 1 });
    expect(stats.rowsRead).toBe(17 + 10 + 3);
    expect(index.describe('6809')).toBe('metformin');
    expect(index.describe('999999')).toBeUndefined();
    expect(index.termType('151827')).toBe('BN');
  });

  it('links brands to ingredients (source RXNORM only)', () => {
    expect(index.brandIngredients('151827')).toEqual(['6809']);
    expect(index.brandIngredients('6809')).toEqual([]);
    expect(stats.brandIngredientLinks).toBe(1);
  });

  it('lists single-ingredient clinical drugs with strength from RXNSAT and form from the dose-form relation', () => {
    expect(index.clinicalDrugs('6809')).toEqual([
      { rxcui: '861007', name: 'metformin hydrochloride 500 MG Oral Tablet', ingredientRxcui: '6809', strength: '500 mg', form: 'oral tablet' },
    ]);
    expect(index.clinicalDrugs('29046')).toEqual([
      { rxcui: '314076', name: 'lisinopril 10 MG Oral Tablet', ingredientRxcui: '29046', strength: '10 mg', form: 'oral tablet' },
    ]);
    // The combination drug has two ingredients: not a clinical drug of either.
    expect(index.clinicalDrugs('5487')).toEqual([]);
  });

  it('searches names and synonyms, ingredients first', () => {
    expect(index.search('metformin', 2)[0]).toEqual({ code: '6809', description: 'metformin', match: 1 });
    expect(index.search('glucophage', 1)[0]?.code).toBe('151827');
    expect(index.search('metformin hcl 500 mg oral tablet', 1)[0]?.code).toBe('861007');
    expect(index.search('lisinopril 10 mg oral tablet', 1)[0]).toEqual({ code: '314076', description: 'lisinopril 10 MG Oral Tablet', match: 1 });
    const terms = [...index.extraTerms()];
    expect(terms).toContainEqual({ term: 'metformin', code: '6809' });
    // Components and dose forms are not names a note uses.
    expect(terms.some((t) => t.code === '316255' || t.code === '317541')).toBe(false);
  });

  it('refuses a file with too few columns, naming the line', async () => {
    const bad = path.join(dir, 'RXNCONSO.RRF');
    await writeFile(bad, `${RXNCONSO.split('\n')[0]}\n6809|ENG|metformin|\n`);
    await expect(readRxNormPack({ kind: 'rrf', conso: bad })).rejects.toThrow(/RXNCONSO\.RRF line 2/);
  });
});

describe.skipIf(!hasRxNormPartial)('RxNorm partial tables (../shared)', () => {
  let index: LoadedRxNormIndex;
  let stats: RxNormPackStats;

  beforeAll(async () => {
    const files = Object.fromEntries(Object.entries(RXNORM_TSV_FILES).map(([kind, name]) => [kind, path.join(rxnormPartialDir, name)]));
    const read = await readRxNormPack({ kind: 'tsv', files });
    stats = read.stats;
    index = rxnormIndexFromPack(read.pack);
  }, 60_000);

  it('reads the counts SOURCE-rxnorm.md gives', () => {
    expect(stats.byTty).toEqual({ IN: 2_462, PIN: 790, MIN: 756, BN: 3_914, SCD: 11_307, SBD: 7_563 });
    expect(stats.brandIngredientLinks).toBe(12_569);
    // Single-ingredient SCDs whose ingredient is in the tables (the "A" ingredients are missing there).
    expect(stats.clinicalDrugs).toBeGreaterThan(8_000);
  });

  it('finds ingredients, brands and clinical drugs', async () => {
    expect(index.search('metformin', 1)[0]).toEqual({ code: '6809', description: 'metformin', match: 1 });
    expect(index.search('lisinopril', 1)[0]?.code).toBe('29046');
    expect(index.brandIngredients('151827')).toContain('6809');
    const drugs = index.clinicalDrugs('6809');
    expect(drugs).toContainEqual({ rxcui: '861007', name: 'metformin hydrochloride 500 MG Oral Tablet', ingredientRxcui: '6809', strength: '500 mg', form: 'oral tablet' });
    expect(drugs.every((d) => d.ingredientRxcui === '6809' && /^\d/.test(d.strength) && d.form.length > 0)).toBe(true);
    const loaded = await loadRxNormPack({ kind: 'pack', pack: (await readRxNormPack({ kind: 'tsv', files: { ingredients: path.join(rxnormPartialDir, RXNORM_TSV_FILES.ingredients) } })).pack });
    expect(loaded.describe('6809')).toBe('metformin');
  });
});

if (!hasRxNormPartial) warnMissing('RxNorm partial tables', rxnormPartialDir);
