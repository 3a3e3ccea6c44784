/**
 * The dictionary matcher on tricky phrases: abbreviations and their case rules, value context,
 * inflections, hyphen/space variants, curated and edit-distance misspellings, overlaps, stop
 * phrases, sections, pack terms.
 */
import { describe, expect, it } from 'vitest';
import { builtinLexicon } from '../../../../src-main/nlp/lexicon/index';
import { createLexiconMatcher, type LexiconMention } from '../../../../src-main/nlp/match/matcher';
import { docOf } from './doc';

const matcher = createLexiconMatcher(builtinLexicon());

function found(text: string): { text: string; type: string; codes: readonly string[]; kind: string }[] {
  return matcher.match(docOf(text)).map((m: LexiconMention) => ({
    text: text.slice(m.begin, m.end),
    type: m.type,
    codes: m.icd10 ?? m.rxnorm ?? [],
    kind: m.matchKind,
  }));
}

function texts(text: string): string[] {
  return found(text).map((f) => f.text);
}

describe('createLexiconMatcher', () => {
  it('finds the common abbreviations with their codes', () => {
    const f = found('PMH: HTN, T2DM, CAD, afib, CHF, COPD, GERD, CKD 3, OSA.');
    expect(f.map((x) => [x.text, x.codes[0]])).toEqual([
      ['HTN', 'I10'],
      ['T2DM', 'E11.9'],
      ['CAD', 'I25.10'],
      ['afib', 'I48.91'],
      ['CHF', 'I50.9'],
      ['COPD', 'J44.9'],
      ['GERD', 'K21.9'],
      ['CKD 3', 'N18.30'],
      ['OSA', 'G47.33'],
    ]);
    expect(f.every((x) => x.type === 'DX_NAME')).toBe(true);
  });

  it('takes ambiguous all-caps abbreviations only in upper case', () => {
    expect(found('History of MI in 2019.').map((x) => x.codes[0])).toEqual(['I21.9']);
    expect(texts('He is mi casa')).toEqual([]);
    expect(texts('all other systems negative, ALL in remission')).toEqual(['ALL']);
    expect(texts('Was diagnosed with MS.')).toEqual(['MS']);
    expect(texts('ms. Jones, pe teacher')).toEqual([]);
    expect(found('Concern for PE.')[0]?.codes).toEqual(['I26.99']);
  });

  it('does not read a state before a ZIP code as a diagnosis', () => {
    expect(texts('Lives at 12 Main St, Lansing, MI 48958.')).toEqual([]);
  });

  it('takes value-only test names only before a value (or after a test verb)', () => {
    expect(found('T 36.9 C, K of 4.3, Na 137, wt 84 kg').map((x) => x.text)).toEqual(['T', 'K', 'Na', 'wt']);
    expect(texts('Vitamin K and a T cell')).toEqual([]);
    expect(texts('Will recheck TC in 3 months.')).toEqual(['TC']);
  });

  it('matches inflections, hyphen and space variants', () => {
    expect(found('Headaches and fevers.').map((x) => x.codes[0])).toEqual(['R51.9', 'R50.9']);
    expect(found('Pre-diabetes. Prediabetes. pre diabetes.').map((x) => x.codes[0])).toEqual(['R73.03', 'R73.03', 'R73.03']);
    expect(found('a-fib and A fib').map((x) => x.codes[0])).toEqual(['I48.91', 'I48.91']);
    expect(found("Crohn's disease and Crohn disease").map((x) => x.codes[0])).toEqual(['K50.90', 'K50.90']);
  });

  it('matches curated misspellings and single-edit typos of long words', () => {
    const curated = found('fevr, palpatations, diarhea');
    expect(curated.map((x) => [x.codes[0], x.kind])).toEqual([
      ['R50.9', 'misspelling'],
      ['R00.2', 'misspelling'],
      ['R19.7', 'misspelling'],
    ]);
    const typos = found('hypertensoin, pnumonia, metforminn');
    expect(typos.map((x) => [x.codes[0], x.kind])).toEqual([
      ['I10', 'fuzzy'],
      ['J18.9', 'fuzzy'],
      ['6809', 'fuzzy'],
    ]);
    // short words are never guessed at, and ordinary words near a lexicon word are left alone
    expect(texts('a favor, the injection site')).toEqual([]);
  });

  it('prefers the longest match and keeps conditions whole', () => {
    expect(texts('type 2 diabetes mellitus with hyperglycemia')).toEqual(['type 2 diabetes mellitus with hyperglycemia']);
    expect(texts('chest pain')).toEqual(['chest pain']);
    expect(found('Left lower lobe pneumonia.').map((x) => [x.text, x.type])).toEqual([
      ['Left lower lobe', 'SYSTEM_ORGAN_SITE'],
      ['pneumonia', 'DX_NAME'],
    ]);
    expect(found('left knee pain').map((x) => [x.text, x.codes[0] ?? x.type])).toEqual([['left knee pain', 'M25.562']]);
    expect(found('right leg DVT').map((x) => x.codes[0])).toEqual(['I82.401']);
    expect(found('old MI').map((x) => x.codes[0])).toEqual(['I25.2']);
  });

  it('does not cross a line break, a comma or a sentence', () => {
    // "chest pain" would be one condition; across a line break it is an organ and a complaint
    expect(found('chest\npain').map((x) => x.type)).toEqual(['SYSTEM_ORGAN_SITE', 'DX_NAME']);
    expect(texts('fever, cough')).toEqual(['fever', 'cough']);
  });

  it('finds medications by generic and brand name with the ingredient RXCUI', () => {
    const f = found('Takes metformin 500 mg, Lipitor 20 mg and zoloft.');
    expect(f.map((x) => [x.text, x.type, x.codes[0]])).toEqual([
      ['metformin', 'GENERIC_NAME', '6809'],
      ['Lipitor', 'BRAND_NAME', '83367'],
      ['zoloft', 'BRAND_NAME', '36437'],
    ]);
  });

  it('finds anatomy, directions, tests, procedures, treatments and behaviours', () => {
    const f = found('Heart: RRR. Lungs: clear. CXR and ECG done, A1c 7.2, BP 140/90. s/p colonoscopy; physical therapy; smoker; alcohol use; illicit drug use.');
    const byType = (t: string): string[] => f.filter((x) => x.type === t).map((x) => x.text);
    expect(byType('SYSTEM_ORGAN_SITE')).toEqual(['Heart', 'Lungs']);
    expect(byType('TEST_NAME')).toEqual(['CXR', 'ECG', 'A1c', 'BP']);
    expect(byType('PROCEDURE_NAME')).toEqual(['colonoscopy']);
    expect(byType('TREATMENT_NAME')).toEqual(['physical therapy']);
    expect(byType('TOBACCO')).toEqual(['smoker']);
    expect(byType('ALCOHOL')).toEqual(['alcohol use']);
    expect(byType('ILLICIT_DRUGS')).toEqual(['illicit drug use']);
  });

  it('lets stop phrases hide the entity words inside them', () => {
    expect(texts('lisinopril 10 mg by mouth daily')).toEqual(['lisinopril']);
    expect(texts('ECG: normal sinus rhythm')).toEqual(['ECG']);
  });

  it('drops mentions in recognised headings and in the allergies section', () => {
    const text = 'ALLERGIES:\nPenicillin (hives).\n\nASSESSMENT:\nHives after amoxicillin.';
    const doc = docOf(text);
    doc.sections[1]!.kind = 'assessment';
    const got = matcher.match(doc).map((m) => text.slice(m.begin, m.end));
    expect(got).toEqual(['Hives', 'amoxicillin']);
    const keepAll = createLexiconMatcher(builtinLexicon(), { excludeSections: [] });
    expect(keepAll.match(doc).map((m) => text.slice(m.begin, m.end))).toEqual(['Penicillin', 'hives', 'Hives', 'amoxicillin']);
  });

  it('adds terms from terminology packs without overriding the lexicon', () => {
    const withPack = createLexiconMatcher(builtinLexicon(), {
      extraTerms: [
        { term: 'Takotsubo cardiomyopathy', code: 'I51.81', system: 'ICD10CM' },
        { term: 'hypertension', code: 'I99.9', system: 'ICD10CM' },
        { term: 'zuranolone', code: '2626146', system: 'RXNORM' },
        { term: 'flu', code: 'J11.1', system: 'ICD10CM' },
      ],
    });
    const text = 'Takotsubo cardiomyopathy and hypertension; started zuranolone.';
    const got = withPack.match(docOf(text)).map((m) => [text.slice(m.begin, m.end), m.matchKind, (m.icd10 ?? m.rxnorm)?.[0]]);
    expect(got).toEqual([
      ['Takotsubo cardiomyopathy', 'pack', 'I51.81'],
      ['hypertension', 'synonym', 'I10'],
      ['zuranolone', 'pack', '2626146'],
    ]);
  });

  it('gives exact offsets into the original text', () => {
    const text = 'Pt c/o  Chest   Pain x3 days.';
    const [m] = matcher.match(docOf(text));
    expect(text.slice(m!.begin, m!.end)).toBe('Chest   Pain');
  });

  it('is linear: 40x the text takes about 40x the time (and several MB/s)', () => {
    const para = 'Pt with HTN, T2DM and CAD presents with chest pain and SOB. Denies fever, nausea, vomiting. Taking metformin 500 mg, lisinopril 10 mg by mouth daily. BP 142/88, HR 90. ';
    const small = para.repeat(250);
    const large = para.repeat(10_000);
    const time = (t: string): number => {
      const doc = docOf(t);
      const start = performance.now();
      matcher.match(doc);
      return performance.now() - start;
    };
    time(small);
    time(large); // warm-up: the JIT and the misspelling cache
    const tSmall = Math.min(time(small), time(small), time(small));
    const tLarge = Math.min(time(large), time(large));
    const mbPerSecond = large.length / 1e6 / (tLarge / 1000);
    console.log(`matcher: ${mbPerSecond.toFixed(1)} MB/s on ${(large.length / 1e6).toFixed(1)} MB; small ${tSmall.toFixed(1)} ms, large ${tLarge.toFixed(1)} ms`);
    expect(tLarge / Math.max(tSmall, 0.5)).toBeLessThan(40 * 3);
    // a floor that holds on a loaded 2-core machine; the report gives the figure measured idle
    expect(mbPerSecond).toBeGreaterThan(1);
  });
});
