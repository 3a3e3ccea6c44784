/**
 * Match units: the normalised pieces both the lexicon's forms and a note's tokens are reduced to,
 * so "Pre-Diabetes", "prediabetes" and "pre diabetes" can meet, and "headaches" meets "headache".
 *
 * A unit is a maximal run of letters/digits (hyphens and apostrophes join, and "'s" is dropped) or
 * one other punctuation character. Its key is lower-cased, accent-folded and lightly de-pluralised.
 */

export interface Unit {
  /** Lower-cased, folded, de-pluralised: what the trie is keyed by. */
  key: string;
  /** Lower-cased, folded, not de-pluralised (for the misspelling index and case rules). */
  lower: string;
  /** As written. */
  raw: string;
  begin: number;
  end: number;
  /** True for a unit of letters/digits. */
  alnum: boolean;
  /** True when the unit starts with a digit. */
  numeric: boolean;
  /** True when whitespace precedes the unit in the text. */
  spaceBefore: boolean;
  /** True when the unit was written joined to the previous one by a hyphen ("pre-diabetes"). */
  hyphenBefore: boolean;
  /** True when a line break lies between the previous unit and this one: terms never cross it. */
  newlineBefore: boolean;
}

const COMBINING_MARKS = /[\u0300-\u036f]/g;

export function foldCase(s: string): string {
  let ascii = true;
  for (let i = 0; i < s.length; i++) {
    if (s.charCodeAt(i) > 127) {
      ascii = false;
      break;
    }
  }
  const lower = s.toLowerCase();
  return ascii ? lower : lower.normalize('NFD').replace(COMBINING_MARKS, '');
}

/**
 * Light plural folding, applied the same way on both sides so it only has to be consistent, not
 * linguistic: drop a plural "s" ("ies" → "y"), then a final "e", so "headaches" and "headache"
 * both become "headach", "rashes" and "rash" both "rash".
 */
export function depluralize(word: string): string {
  let w = word;
  const n = w.length;
  if (n >= 4 && w.charCodeAt(n - 1) === 115 /* s */) {
    if (w.endsWith('ies') && n > 4) w = `${w.slice(0, -3)}y`;
    else if (!(w.endsWith('ss') || w.endsWith('us') || w.endsWith('is') || w.endsWith('os'))) w = w.slice(0, -1);
  }
  if (w.length >= 4 && w.charCodeAt(w.length - 1) === 101 /* e */) w = w.slice(0, -1);
  return w;
}

function isAlnum(code: number): boolean {
  return (
    (code >= 48 && code <= 57) ||
    (code >= 65 && code <= 90) ||
    (code >= 97 && code <= 122) ||
    (code > 127 && /[\p{L}\p{N}]/u.test(String.fromCharCode(code)))
  );
}

function isJoiner(code: number): boolean {
  // '-', apostrophes, and the Unicode hyphens and right single quote
  return code === 45 || code === 39 || code === 0x2019 || code === 0x2010 || code === 0x2011;
}

function isSpace(code: number): boolean {
  return code === 32 || code === 9 || code === 10 || code === 13 || code === 12 || code === 0xa0;
}

function makeUnit(text: string, begin: number, end: number, alnum: boolean, spaceBefore: boolean, hyphenBefore: boolean, newlineBefore: boolean): Unit {
  const raw = text.slice(begin, end);
  const lower = foldCase(raw);
  const code = raw.charCodeAt(0);
  return { key: alnum ? depluralize(lower) : lower, lower, raw, begin, end, alnum, numeric: code >= 48 && code <= 57, spaceBefore, hyphenBefore, newlineBefore };
}

/**
 * Units of text[begin, end). Offsets are into `text`. Linear in the span's length.
 */
export function unitsOf(text: string, begin = 0, end = text.length, out: Unit[] = []): Unit[] {
  let i = begin;
  let spaceBefore = true;
  let hyphenBefore = false;
  let newlineBefore = false;
  while (i < end) {
    const code = text.charCodeAt(i);
    if (isSpace(code)) {
      if (code === 10 || code === 13) newlineBefore = true;
      spaceBefore = true;
      hyphenBefore = false;
      i++;
      continue;
    }
    if (isAlnum(code)) {
      let j = i + 1;
      while (j < end && isAlnum(text.charCodeAt(j))) j++;
      out.push(makeUnit(text, i, j, true, spaceBefore, hyphenBefore, newlineBefore));
      spaceBefore = false;
      newlineBefore = false;
      hyphenBefore = false;
      i = j;
      continue;
    }
    if (isJoiner(code)) {
      // "'s" after a word is a possessive: dropped, so "Crohn's disease" meets "Crohn disease"
      if (code !== 45 && i + 1 < end && (text.charCodeAt(i + 1) | 32) === 115 && !(i + 2 < end && isAlnum(text.charCodeAt(i + 2)))) {
        i += 2;
        continue;
      }
      hyphenBefore = code === 45 || code === 0x2010 || code === 0x2011;
      i++;
      continue;
    }
    out.push(makeUnit(text, i, i + 1, false, spaceBefore, false, newlineBefore));
    spaceBefore = false;
    newlineBefore = false;
    hyphenBefore = false;
    i++;
  }
  return out;
}

/** The trie keys of a lexicon form: its units' keys. */
export function formKeys(form: string): string[] {
  return unitsOf(form).map((u) => u.key);
}

/** A phrase as CodeSystemIndex.search expects it: lower case, units joined by one space. */
export function normalizePhrase(phrase: string): string {
  return unitsOf(phrase)
    .map((u) => u.lower)
    .join(' ');
}
