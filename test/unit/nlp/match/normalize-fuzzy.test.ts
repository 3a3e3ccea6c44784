import { describe, expect, it } from 'vitest';
import { DeletionIndex, withinOneEdit } from '../../../../src-main/nlp/match/fuzzy';
import { depluralize, normalizePhrase, unitsOf } from '../../../../src-main/nlp/match/normalize';

describe('unitsOf', () => {
  it('splits into word and punctuation units with offsets, joining hyphens and dropping possessives', () => {
    const text = "Pre-diabetes, Crohn's  O2-sat 97%";
    const units = unitsOf(text);
    expect(units.map((u) => u.key)).toEqual(['pre', 'diabet', ',', 'crohn', 'o2', 'sat', '97', '%']);
    expect(units.map((u) => text.slice(u.begin, u.end))).toEqual(['Pre', 'diabetes', ',', 'Crohn', 'O2', 'sat', '97', '%']);
    expect(units.map((u) => u.hyphenBefore)).toEqual([false, true, false, false, false, true, false, false]);
    expect(unitsOf('a\nb').map((u) => u.newlineBefore)).toEqual([false, true]);
  });

  it('folds case and accents, and plurals the same way on both sides', () => {
    expect(normalizePhrase('Sjögren  Syndrome')).toBe('sjogren syndrome');
    const pairs = [
      ['headaches', 'headache'],
      ['stools', 'stool'],
      ['arteries', 'artery'],
      ['rashes', 'rash'],
      ['knees', 'knee'],
      ['diseases', 'disease'],
    ];
    for (const [plural, singular] of pairs) expect(depluralize(plural!)).toBe(depluralize(singular!));
    for (const kept of ['pelvis', 'abscess', 'virus', 'gas', 'use']) expect(depluralize(kept)).toBe(kept);
  });
});

describe('misspelling lookup', () => {
  it('tells single edits apart from more', () => {
    expect(withinOneEdit('pneumonia', 'pnumonia')).toBe(true); // deletion
    expect(withinOneEdit('pneumonia', 'pneumoniaa')).toBe(true); // insertion
    expect(withinOneEdit('pneumonia', 'pneunonia')).toBe(false); // a replaced consonant: only when asked
    expect(withinOneEdit('rhinitis', 'rhinitus')).toBe(true); // a vowel for a vowel
    expect(withinOneEdit('fluticasone', 'fluticazone')).toBe(true); // s/z
    expect(withinOneEdit('pneumonia', 'pneunonia', true)).toBe(true);
    expect(withinOneEdit('pneumonia', 'pnuemonia')).toBe(true); // transposition
    expect(withinOneEdit('pneumonia', 'pnuemonai')).toBe(false);
    expect(withinOneEdit('pneumonia', 'pneumo')).toBe(false);
  });

  it('finds vocabulary words one edit away with the same first letter, ignoring short words', () => {
    const index = new DeletionIndex();
    for (const w of ['hypertension', 'hypotension', 'infection', 'pneumonia', 'fever']) index.add(w);
    expect(index.nearby('hypertensoin')).toEqual(['hypertension']);
    expect(index.nearby('hypotenson')).toEqual(['hypotension']);
    expect(index.nearby('hypertensiom')).toEqual([]); // a replaced letter is left to curated misspellings
    expect(index.nearby('xnfection')).toEqual([]); // first letter differs
    expect(index.nearby('fevor')).toEqual([]); // under six letters
    expect(index.nearby('pneumonia')).toEqual([]); // the word itself is no misspelling of itself
    expect(index.nearby('pneumonias')).toEqual([]); // a letter more at the end is a suffix
  });
});
