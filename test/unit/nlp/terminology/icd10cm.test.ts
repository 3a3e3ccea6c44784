import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bareIcd10Code, dottedIcd10Code, parseIcd10cmOrderLine } from '../../../../src-main/nlp/terminology/icd10cm-order';
import { readIcd10cmIndexXml, type Icd10cmIndexTerm } from '../../../../src-main/nlp/terminology/icd10cm-index-xml';
import { icd10IndexFromPack, indexTermPhrases as phrasesOf, readIcd10cmPack, type Icd10cmIndex, type Icd10cmPackStats } from '../../../../src-main/nlp/terminology/icd10cm-pack';
import { loadIcd10Pack } from '../../../../src-main/nlp/terminology/icd10cm-loader';
import { hasIcd10, icd10IndexFile, icd10OrderFile, warnMissing } from './paths';

describe('ICD-10-CM order file lines', () => {
  it('reads code, billable flag, short and long title from the fixed columns', () => {
    const line = `00002 A000    1 ${'Cholera due to Vibrio cholerae 01, biovar cholerae'.padEnd(60)} Cholera due to Vibrio cholerae 01, biovar cholerae`;
    expect(parseIcd10cmOrderLine(line, 2)).toEqual({
      order: 2,
      code: 'A000',
      billable: true,
      shortTitle: 'Cholera due to Vibrio cholerae 01, biovar cholerae',
      longTitle: 'Cholera due to Vibrio cholerae 01, biovar cholerae',
    });
    const header = parseIcd10cmOrderLine(`00001 A00     0 ${'Cholera'.padEnd(60)} Cholera`, 1);
    expect(header.billable).toBe(false);
  });

  it('refuses a line of another layout, naming the line', () => {
    expect(() => parseIcd10cmOrderLine('A00 Cholera', 7)).toThrow(/Line 7/);
  });

  it('writes codes with and without the dot', () => {
    expect(dottedIcd10Code('E119')).toBe('E11.9');
    expect(dottedIcd10Code('I10')).toBe('I10');
    expect(bareIcd10Code('S72.0-')).toBe('S720');
    expect(bareIcd10Code('e11.9')).toBe('E119');
  });
});

describe('index term paths as phrases', () => {
  it('puts modifiers before the main term and connectives after it', () => {
    const indexTermPhrases = (path: string[]) => phrasesOf(path).map((p) => p.toLowerCase());
    expect(indexTermPhrases(['Hypertension, hypertensive (accelerated) (benign) (essential)', 'essential'])).toContain('essential hypertension');
    expect(indexTermPhrases(['Pneumonia (acute) (double) (migratory)', 'due to', 'Streptococcus pneumoniae'])).toContain('pneumonia due to streptococcus pneumoniae');
    expect(indexTermPhrases(['Infection, infected, infective (opportunistic)', 'urinary (tract)'])).toEqual(
      expect.arrayContaining(['urinary infection', 'urinary tract infection']),
    );
    expect(indexTermPhrases(['Abduction contracture, hip or other joint'])).toEqual(['abduction contracture, hip or other joint']);
  });
});

describe('ICD-10-CM index XML (streaming)', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'hearth-icd-xml-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('yields main terms and nested terms with their path, nonessential modifiers and references', async () => {
    const file = path.join(dir, 'index.xml');
    await writeFile(
      file,
      `<?xml version="1.0" encoding="utf-8"?>
<ICD10CM.index><version>2017</version><title>INDEX</title>
<letter><title>A</title>
  <mainTerm><title>Abasia<nemod>(-astasia) (hysterical)</nemod></title><code>F44.4</code></mainTerm>
  <mainTerm><title>Abdominalgia</title><see>Pain, abdominal</see></mainTerm>
  <mainTerm><title>Aberrant<nemod>(congenital)</nemod></title><seeAlso>Malposition, congenital</seeAlso>
    <term level="1"><title>artery<nemod>(peripheral)</nemod></title><code>Q27.8</code>
      <term level="2"><title>basilar NEC</title><code>Q28.1</code></term>
    </term>
  </mainTerm>
</letter></ICD10CM.index>`,
    );
    const terms: Icd10cmIndexTerm[] = [];
    for await (const term of readIcd10cmIndexXml(file)) terms.push(term);
    expect(terms).toEqual([
      { level: 0, path: ['Abasia (-astasia) (hysterical)'], nemod: '(-astasia) (hysterical)', code: 'F44.4' },
      { level: 0, path: ['Abdominalgia'], nemod: '', see: 'Pain, abdominal' },
      { level: 2, path: ['Aberrant (congenital)', 'artery (peripheral)', 'basilar NEC'], nemod: '', code: 'Q28.1' },
      { level: 1, path: ['Aberrant (congenital)', 'artery (peripheral)'], nemod: '(peripheral)', code: 'Q27.8' },
      { level: 0, path: ['Aberrant (congenital)'], nemod: '(congenital)', seeAlso: 'Malposition, congenital' },
    ]);
  });

  it('reports XML that is not well-formed as invalid, with its position', async () => {
    const file = path.join(dir, 'broken.xml');
    await writeFile(file, '<ICD10CM.index><letter><title>A</title><mainTerm><title>Abasia</mainTerm></letter></ICD10CM.index>');
    await expect(async () => {
      for await (const term of readIcd10cmIndexXml(file)) expect(term).toBeDefined();
    }).rejects.toThrow(/not well-formed: .*1:\d+/);
  });

  it('refuses another XML document', async () => {
    const file = path.join(dir, 'other.xml');
    await writeFile(file, '<tabular><chapter/></tabular>');
    await expect(async () => {
      for await (const term of readIcd10cmIndexXml(file)) expect(term).toBeUndefined();
    }).rejects.toThrow(/Not an ICD-10-CM index/);
  });
});

describe.skipIf(!hasIcd10)('ICD-10-CM FY2026 with the FY2017 Alphabetic Index (../shared)', () => {
  let index: Icd10cmIndex;
  let stats: Icd10cmPackStats;

  beforeAll(async () => {
    const read = await readIcd10cmPack({ orderFile: icd10OrderFile, indexFile: icd10IndexFile });
    stats = read.stats;
    index = icd10IndexFromPack(read.pack);
  }, 60_000);

  it('reads the counts SOURCE-icd10cm.md gives', () => {
    // 98,186 lines = 74,719 billable + 23,467 headers; the index has 7,973 main terms and 69,226 sub-terms.
    expect(stats.codes).toBe(98_186);
    expect(stats.billable).toBe(74_719);
    expect(stats.headers).toBe(23_467);
    expect(stats.indexTermsRead).toBe(7_973 + 69_226);
    expect(stats.indexTermsWithCode).toBe(59_412);
    expect(stats.indexTermsJoined + stats.indexTermsDropped).toBe(stats.indexTermsWithCode);
    // FY2017 → FY2026: a handful of index codes were deleted or expanded since.
    expect(stats.indexTermsDropped).toBeGreaterThan(0);
    expect(stats.indexTermsDropped).toBeLessThan(200);
  });

  it('describes codes written with or without the dot', () => {
    expect(index.version).toBe('icd10cm-2026');
    expect(index.describe('I10')).toBe('Essential (primary) hypertension');
    expect(index.describe('E11.9')).toBe('Type 2 diabetes mellitus without complications');
    expect(index.describe('e119')).toBe('Type 2 diabetes mellitus without complications');
    expect(index.describe('Z99.999')).toBeUndefined();
    expect(index.isBillable('E11.9')).toBe(true);
    expect(index.isBillable('E11')).toBe(false);
  });

  it.each([
    ['essential hypertension', 'I10'],
    ['hypertension', 'I10'],
    ['type 2 diabetes', 'E11.9'],
    ['urinary tract infection', 'N39.0'],
    ['congestive heart failure', 'I50.9'],
    ['chronic obstructive pulmonary disease', 'J44.9'],
    ['pain in right knee', 'M25.561'],
    ['crohn \' s disease', 'K50'],
    ['chronic kidney disease stage 3', 'N18.3'],
  ])('ranks %s → %s first', (phrase, code) => {
    const found = index.search(phrase, 5);
    expect(found[0]?.code).toBe(code);
    expect(found[0]?.match).toBe(1);
    expect(found.length).toBe(5);
    for (let i = 1; i < found.length; i++) expect(found[i]!.match).toBeLessThanOrEqual(found[i - 1]!.match);
  });

  it('ranks partial matches below exact ones and finds nothing for unknown words', () => {
    const partial = index.search('left lower lobe pneumonia', 3);
    expect(partial.length).toBe(3);
    expect(partial[0]!.match).toBeLessThan(1);
    expect(index.search('zzzz qqqq', 3)).toEqual([]);
    expect(index.search('', 3)).toEqual([]);
  });

  it('lists index terms and titles as dictionary entries', () => {
    let count = 0;
    let essential = false;
    for (const entry of index.extraTerms()) {
      count += 1;
      if (entry.term === 'essential hypertension' && entry.code === 'I10') essential = true;
    }
    expect(essential).toBe(true);
    expect(count).toBe(index.termCount);
  });

  it('loads through loadIcd10Pack from the files', async () => {
    const loaded = await loadIcd10Pack({ kind: 'files', orderFile: icd10OrderFile });
    expect(loaded.describe('I10')).toBe('Essential (primary) hypertension');
    expect(loaded.search('essential hypertension', 1)[0]?.code).toBe('I10');
  }, 30_000);
});

if (!hasIcd10) warnMissing('ICD-10-CM release', icd10OrderFile);
