/**
 * The words of a note as the PHI detector sees them: letter runs (with inner apostrophes and
 * hyphens: O'Brien, Mary-Ann) and their shape. Built once per note, in one linear pass, so the
 * name, place and profession scanners never re-read the text.
 */

export type WordShape = 'title' | 'upper' | 'lower' | 'mixed';

export interface Word {
  begin: number;
  end: number;
  /** Lower-cased, curly apostrophe made straight: what the word lists are compared with. */
  lower: string;
  shape: WordShape;
}

function shapeOf(text: string, begin: number, end: number): WordShape {
  let upper = 0;
  let lower = 0;
  for (let i = begin; i < end; i++) {
    const c = text.charCodeAt(i);
    if (c >= 65 && c <= 90) upper++;
    else if (c >= 97 && c <= 122) lower++;
    else if (c >= 0xc0) {
      const ch = text[i]!;
      if (ch.toLowerCase() !== ch) upper++;
      else lower++;
    }
  }
  if (lower === 0) return 'upper';
  if (upper === 0) return 'lower';
  const first = text[begin]!;
  // McAllister, O'Brien: a capital first letter and a later capital still reads as a name.
  return first.toLowerCase() !== first ? 'title' : 'mixed';
}

/** ASCII letters and the Latin-1 / Latin Extended-A letters of names such as Sørensen, Lévesque, Castañeda. */
function isLetter(c: number): boolean {
  return (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || (c >= 0xc0 && c <= 0x24f && c !== 0xd7 && c !== 0xf7);
}

/**
 * Letter runs with one inner apostrophe (O'Brien, Mary's) and up to three hyphen joins
 * (Mary-Ann, daughter-in-law); a hand-written scanner, as this runs over every character.
 */
export function wordsOf(text: string): Word[] {
  const words: Word[] = [];
  const n = text.length;
  let i = 0;
  while (i < n) {
    let c = text.charCodeAt(i);
    if (!isLetter(c)) {
      i++;
      continue;
    }
    const begin = i;
    // Letter classes counted while scanning, so the shape needs no second pass.
    let upper = 0;
    let lower = 0;
    let other = false;
    let curly = false;
    let joins = 0;
    let apostrophe = false;
    for (;;) {
      if (c >= 97 && c <= 122) lower++;
      else if (c >= 65 && c <= 90) upper++;
      else if (isLetter(c)) other = true;
      i++;
      c = i < n ? text.charCodeAt(i) : 0;
      if (isLetter(c)) continue;
      const next = i + 1 < n ? text.charCodeAt(i + 1) : 0;
      if (!apostrophe && joins === 0 && (c === 39 || c === 0x2019) && isLetter(next)) {
        apostrophe = true;
        curly = c === 0x2019;
      } else if (c === 45 && joins < 3 && isLetter(next)) {
        joins++;
      } else break;
      i++;
      c = next;
    }
    const raw = text.slice(begin, i);
    let shape: WordShape;
    if (other) shape = shapeOf(text, begin, i);
    else if (lower === 0) shape = 'upper';
    else if (upper === 0) shape = 'lower';
    else {
      const first = text.charCodeAt(begin);
      shape = first >= 65 && first <= 90 ? 'title' : 'mixed';
    }
    const lowered = shape === 'lower' ? raw : raw.toLowerCase();
    words.push({ begin, end: i, lower: curly ? lowered.replace('\u2019', "'") : lowered, shape });
  }
  return words;
}

/** The characters between two words, e.g. ". " between "Dr" and "Chen". */
export function gapBetween(text: string, left: Word, right: Word): string {
  return text.slice(left.end, right.begin);
}

/** True when a word starts a sentence or a line: its capital says nothing about being a name. */
export function startsSentence(text: string, word: Word): boolean {
  for (let i = word.begin - 1; i >= 0 && i >= word.begin - 6; i--) {
    const c = text[i]!;
    if (c === ' ' || c === '\t' || c === '"' || c === '(') continue;
    return c === '\n' || c === '.' || c === '!' || c === '?' || c === ':' || c === ';' || c === '-' || c === '*' || /\d/.test(c);
  }
  return true;
}
