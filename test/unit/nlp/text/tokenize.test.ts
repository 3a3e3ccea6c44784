/** Tokeniser (src-main/nlp/text/tokenize.ts): offsets, norms, and the number/word decisions matchers rely on. */
import { describe, expect, it } from 'vitest';
import { normalizeWord, tokenize } from '../../../../src-main/nlp/text/index';

const texts = (input: string): string[] => tokenize(input).map((token) => token.text);

describe('tokenize', () => {
  it('keeps offsets exact (UTF-16, end exclusive) and slices back to each token', () => {
    const input = 'Café au lait 😀 spots, BP 142/88 — Pt. c/o pain.\r\nNext line';
    for (const token of tokenize(input)) expect(input.slice(token.begin, token.end)).toBe(token.text);
    const emoji = tokenize(input).find((token) => token.text === '😀')!;
    expect(emoji.end - emoji.begin).toBe(2);
  });

  it('keeps blood pressures, decimals, thousands and dates as one number; splits units off', () => {
    expect(texts('BP 142/88, Hgb 13.5 g/dL, WBC 1,000 cells')).toEqual(['BP', '142/88', ',', 'Hgb', '13.5', 'g', '/', 'dL', ',', 'WBC', '1,000', 'cells']);
    expect(texts('500 mg and 10mg')).toEqual(['500', 'mg', 'and', '10', 'mg']);
    expect(texts('DOB 11/28/1958')).toEqual(['DOB', '11/28/1958']);
    expect(tokenize('142/88')[0]!.kind).toBe('number');
    // A comma between list numbers is not a thousands separator.
    expect(texts('3,4 and 12,34567')).toEqual(['3', ',', '4', 'and', '12', ',', '34567']);
  });

  it('does not glue a sentence-final number to the next word or a list number to its dot', () => {
    expect(texts('weight 70. He')).toEqual(['weight', '70', '.', 'He']);
    expect(texts('1. HTN 2. DM')).toEqual(['1', '.', 'HTN', '2', '.', 'DM']);
  });

  it('keeps alphanumeric clinical words, apostrophes and dotted abbreviations together', () => {
    expect(texts("T2DM, B12, A1c, Crohn's, doesn't")).toEqual(['T2DM', ',', 'B12', ',', 'A1c', ',', "Crohn's", ',', "doesn't"]);
    expect(texts('metformin 500 mg p.o. b.i.d., e.g. daily')).toEqual(['metformin', '500', 'mg', 'p.o.', 'b.i.d.', ',', 'e.g.', 'daily']);
    // One dotted group is a word and a dot: "Dr." and "mg." are decided by the sentence splitter.
    expect(texts('Dr. Smith')).toEqual(['Dr', '.', 'Smith']);
    expect(texts('Dr.Smith')).toEqual(['Dr', '.', 'Smith']);
  });

  it('splits hyphens and slashes between words into their own tokens with spaceBefore false', () => {
    const tokens = tokenize('follow-up h/o');
    expect(tokens.map((token) => token.text)).toEqual(['follow', '-', 'up', 'h', '/', 'o']);
    expect(tokens.map((token) => token.spaceBefore)).toEqual([true, false, false, true, false, false]);
  });

  it('marks kinds, space and line breaks', () => {
    const tokens = tokenize('Temp 37 °C 98%\nnext');
    expect(tokens.map((token) => token.kind)).toEqual(['word', 'number', 'symbol', 'word', 'number', 'symbol', 'word']);
    expect(tokens[6]!.newlineBefore).toBe(true);
    expect(tokens[5]!.newlineBefore).toBe(false);
    expect(tokens[0]!.spaceBefore).toBe(true);
  });

  it('lower-cases and folds accents in norm, and maps typographic apostrophes and dashes', () => {
    expect(tokenize('Ménière’s SJÖGREN')[0]!.norm).toBe("meniere's");
    expect(tokenize('Ménière’s SJÖGREN')[1]!.norm).toBe('sjogren');
    expect(tokenize('a – b')[1]!.norm).toBe('-');
    expect(normalizeWord('Naïve')).toBe('naive');
  });

  it('returns no tokens for empty or blank text', () => {
    expect(tokenize('')).toEqual([]);
    expect(tokenize(' \n\t ')).toEqual([]);
  });
});
