/**
 * Tokeniser: one linear pass over the text, offsets in UTF-16 code units, end exclusive.
 *
 * Decisions the later stages rely on (docs/nlp.md "Text"):
 * - A word starts with a letter and runs through letters and digits ("T2DM", "B12", "A1c", "CO2");
 *   an apostrophe between letters stays inside ("Crohn's", "doesn't").
 * - Dotted abbreviations are one word including their last dot: "b.i.d.", "q.d.", "p.o.", "e.g.".
 * - A number starts with a digit: "5.5", "0.92", "1,000" (comma + exactly three digits),
 *   "142/88" and "11/28/1958" (slash between digits) are each one token. Letters after digits
 *   start a new token ("10mg" → "10", "mg") so attribute detection sees value and unit apart;
 *   "500 mg" is two tokens.
 * - A hyphen is its own punct token ("follow-up" → "follow", "-", "up"; spaceBefore false tells
 *   a matcher the pieces were joined).
 * - Everything else is one punct (.,;:!?()[]{}"'-/) or symbol (%, ^, +, #, °...) token per character
 *   (a surrogate pair stays together).
 */
import type { Token, TokenKind } from '../types';
import { normalizeWord } from './normalize';

const PUNCT = new Set(['.', ',', ';', ':', '!', '?', '(', ')', '[', ']', '{', '}', '"', "'", '-', '/', '\u2018', '\u2019', '\u201c', '\u201d', '\u2013', '\u2014', '\u2026']);
const LETTER = /\p{L}|\p{M}/u;
const ASCII_PUNCT = new Uint8Array(128);
for (const punct of PUNCT) if (punct.charCodeAt(0) < 0x80) ASCII_PUNCT[punct.charCodeAt(0)] = 1;

function isDigit(code: number): boolean {
  return code >= 48 && code <= 57;
}

function isAsciiLetter(code: number): boolean {
  return (code >= 65 && code <= 90) || (code >= 97 && code <= 122);
}

function isLetterAt(text: string, i: number): boolean {
  const code = text.charCodeAt(i);
  if (code < 0x80) return isAsciiLetter(code);
  // Surrogates are never letters here: astral letters are rare enough in notes to be symbols.
  if (code >= 0xd800 && code <= 0xdfff) return false;
  return LETTER.test(text[i]!);
}

function isSpace(code: number): boolean {
  return code === 32 || code === 9 || code === 10 || code === 13 || code === 12 || code === 11 || code === 0xa0 || code === 0x2028 || code === 0x2029 || code === 0x3000 || (code >= 0x2000 && code <= 0x200a);
}

function isApostrophe(code: number): boolean {
  return code === 39 || code === 0x2019;
}

/** End of a dotted abbreviation ("b.i.d.") starting at `start`, or -1: at least two "x." groups of one or two letters. */
function dottedAbbreviationEnd(text: string, start: number): number {
  let i = start;
  let groups = 0;
  let afterLastDot = -1;
  for (;;) {
    let letters = 0;
    while (letters < 2 && i < text.length && isAsciiLetter(text.charCodeAt(i))) {
      i++;
      letters++;
    }
    if (letters === 0 || text.charCodeAt(i) !== 46) break;
    i++;
    groups++;
    afterLastDot = i;
  }
  // A group must not be the start of a longer word ("Dr.Smith" is not "Dr.Sm.").
  if (groups < 2 || (afterLastDot < text.length && isLetterAt(text, afterLastDot))) return -1;
  return afterLastDot;
}

function wordEnd(text: string, start: number): number {
  let i = start + 1;
  while (i < text.length) {
    const code = text.charCodeAt(i);
    if (isDigit(code) || isLetterAt(text, i)) {
      i++;
    } else if (isApostrophe(code) && i + 1 < text.length && isLetterAt(text, i + 1)) {
      i += 2;
    } else break;
  }
  return i;
}

function numberEnd(text: string, start: number): number {
  let i = start;
  while (i < text.length && isDigit(text.charCodeAt(i))) i++;
  for (;;) {
    const code = text.charCodeAt(i);
    const next = text.charCodeAt(i + 1);
    if ((code === 46 || code === 47) && isDigit(next)) {
      // "5.5", "142/88"
      i++;
      while (i < text.length && isDigit(text.charCodeAt(i))) i++;
    } else if (code === 44 && isDigit(next) && isDigit(text.charCodeAt(i + 2)) && isDigit(text.charCodeAt(i + 3)) && !isDigit(text.charCodeAt(i + 4))) {
      // "1,000": a comma followed by exactly three digits is a thousands separator.
      i += 4;
    } else break;
  }
  return i;
}

export function tokenize(text: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  let spaceBefore = true;
  let newlineBefore = false;
  while (i < text.length) {
    const code = text.charCodeAt(i);
    if (isSpace(code)) {
      spaceBefore = true;
      if (code === 10 || code === 13 || code === 0x2028 || code === 0x2029) newlineBefore = true;
      i++;
      continue;
    }
    let end: number;
    let kind: TokenKind;
    if (isDigit(code)) {
      end = numberEnd(text, i);
      kind = 'number';
    } else if (isLetterAt(text, i)) {
      const dotted = isAsciiLetter(code) ? dottedAbbreviationEnd(text, i) : -1;
      end = dotted > 0 ? dotted : wordEnd(text, i);
      kind = 'word';
    } else {
      const high = code >= 0xd800 && code <= 0xdbff && i + 1 < text.length;
      end = i + (high ? 2 : 1);
      kind = (code < 0x80 ? ASCII_PUNCT[code] === 1 : PUNCT.has(text[i]!)) ? 'punct' : 'symbol';
    }
    const surface = text.slice(i, end);
    const norm = kind === 'word' ? normalizeWord(surface) : kind === 'number' || code < 0x80 ? surface : normalizePunct(surface);
    tokens.push({ text: surface, norm, kind, begin: i, end, spaceBefore, newlineBefore });
    spaceBefore = false;
    newlineBefore = false;
    i = end;
  }
  return tokens;
}

/** Typographic quotes and dashes compare as their ASCII forms. */
function normalizePunct(surface: string): string {
  switch (surface) {
    case '\u2018':
    case '\u2019':
      return "'";
    case '\u201c':
    case '\u201d':
      return '"';
    case '\u2013':
    case '\u2014':
      return '-';
    default:
      return surface;
  }
}
