/**
 * Sentence splitting inside each section body (headings belong to no sentence). One pass over the
 * tokens; each boundary decision looks at a bounded number of neighbours, so it is linear.
 *
 * A sentence ends:
 * - at a blank line;
 * - at a line break when the previous line ends in . ! ? or :, when the next line starts with a
 *   list marker ("1.", "2)", "-", "*", "•") or a "Label:" field, or when the previous line is
 *   short (a templated or list line: < 50 characters) and the next one does not start in lower
 *   case; a long line followed by more text is a wrapped sentence and continues;
 * - at . ! ? followed by a token that starts upper case, a digit, a list marker or a quote
 *   ("...pain.  He"), unless the word before the dot is an abbreviation that does not end
 *   sentences (Dr., Mr., Pt., St., vs., e.g., No. 5, approx.) or an initial ("J. Smith");
 *   a lower-case continuation ("500 mg. p.o.", "q.d. with food") never starts a sentence;
 * - before an inline list marker continuing a numbered list ("1. HTN 2. DM": the "2.");
 * - before a "Label:" field after two or more spaces or a tab on the same line
 *   ("BP: 142/88  HR: 72").
 * Leading commas, semicolons and colons and trailing commas and semicolons are left out of a sentence (mtsamples writes ".,"), and a
 * stretch of punctuation alone is no sentence.
 */
import type { Section, Sentence, Token } from '../types';
import type { Heading } from './sections';

/** Words that, before a dot, do not end a sentence (titles, Latin, "No." before a number is handled apart). */
const NON_TERMINAL_ABBREVIATIONS = new Set([
  'dr', 'mr', 'mrs', 'ms', 'mx', 'st', 'pt', 'pts', 'vs', 'v', 'prof', 'sr', 'jr', 'approx', 'appt', 'dept', 'fig', 'figs', 'al', 'etc', 'ca', 'cf', 'inc', 'co', 'ltd', 'hr', 'hrs', 'yo', 'yrs', 'min', 'mins', 'wk', 'wks', 'mo', 'mos', 'sec', 'max', 'temp', 'resp', 'est', 'hx', 'dx', 'rx', 'tx', 'sx', 'fx', 'abd', 'ext', 'neuro', 'cardio', 'gen', 'apprx', 'incl', 'ref',
]);
/** Dotted abbreviations that never end a sentence ("e.g.", "i.e.") as opposed to "b.i.d." which may. */
const NON_TERMINAL_DOTTED = new Set(['e.g.', 'i.e.', 'a.k.a.', 'et.al.', 'viz.', 'cf.', 'vs.']);
const CLOSERS = new Set([')', ']', '"', "'", '}']);
const LEADING_SKIP = new Set([',', ';', ':']);
const TRAILING_SKIP = new Set([',', ';']);
const BULLETS = new Set(['-', '*', '•', '\u2022', '\u25cf', '\u25aa', '\u2023', '\u2043', '+', '>']);
const SHORT_LINE = 50;

function startsLower(token: Token): boolean {
  const first = token.text[0]!;
  return first !== first.toUpperCase() && first === first.toLowerCase();
}

function startsUpper(token: Token): boolean {
  const first = token.text[0]!;
  return first !== first.toLowerCase();
}

/** "1." / "2)" / "10." followed by space: a numbered-list marker at token j. */
function listNumberAt(tokens: readonly Token[], j: number): number | undefined {
  const token = tokens[j];
  const after = tokens[j + 1];
  const next = tokens[j + 2];
  if (!token || token.kind !== 'number' || token.text.length > 2 || !/^\d+$/.test(token.text)) return undefined;
  if (!after || (after.norm !== '.' && after.norm !== ')') || after.spaceBefore) return undefined;
  if (next && !next.spaceBefore) return undefined;
  return Number(token.text);
}

function isBulletAt(tokens: readonly Token[], j: number): boolean {
  const token = tokens[j]!;
  const next = tokens[j + 1];
  return BULLETS.has(token.text) && (next === undefined || next.spaceBefore);
}

/** "Label:" or "Two words:" (≤ 4 words) starting at token j on one line, not a time "10:30". */
function isLabelAt(tokens: readonly Token[], j: number): boolean {
  if (tokens[j]?.kind !== 'word') return false;
  for (let k = j + 1; k < j + 6 && k < tokens.length; k++) {
    const token = tokens[k]!;
    if (token.newlineBefore) return false;
    if (token.norm === ':') return true;
    if (!(token.kind === 'word' || (token.kind === 'number' && !token.spaceBefore) || (token.kind === 'punct' && (token.norm === '/' || token.norm === '-' || token.norm === '&')))) return false;
  }
  return false;
}

function countNewlines(text: string, from: number, to: number): number {
  let count = 0;
  for (let i = from; i < to; i++) if (text.charCodeAt(i) === 10) count++;
  if (count === 0) for (let i = from; i < to; i++) if (text.charCodeAt(i) === 13) count++;
  return count;
}

function hasWideGap(text: string, from: number, to: number): boolean {
  if (to - from >= 2) return true;
  return text.charCodeAt(from) === 9;
}

/** Is there a sentence boundary between tokens[j-1] and tokens[j]? */
function boundaryBefore(text: string, tokens: readonly Token[], j: number, sentenceStart: number, lastListNumber: number | undefined, previousLineBegin: number): boolean {
  const previous = tokens[j - 1]!;
  const token = tokens[j]!;
  if (token.newlineBefore) {
    if (countNewlines(text, previous.end, token.begin) >= 2) return true;
    const previousNorm = previous.norm;
    if (previous.kind === 'punct' && (previousNorm === '.' || previousNorm === '!' || previousNorm === '?' || previousNorm === ':')) return true;
    if (previous.kind === 'word' && previous.text.endsWith('.') && !NON_TERMINAL_DOTTED.has(previous.norm)) return true;
    if (listNumberAt(tokens, j) !== undefined || isBulletAt(tokens, j) || isLabelAt(tokens, j)) return true;
    if (startsLower(token)) return false;
    return previous.end - previousLineBegin < SHORT_LINE;
  }
  // Numbered list continuing on the same line: "1. HTN 2. DM".
  const listNumber = listNumberAt(tokens, j);
  if (listNumber !== undefined && lastListNumber !== undefined && listNumber === lastListNumber + 1 && j > sentenceStart) return true;
  // Templated fields on one line: "BP: 142/88  HR: 72".
  if (hasWideGap(text, previous.end, token.begin) && isLabelAt(tokens, j)) return true;
  return endsSentenceBefore(tokens, j, sentenceStart);
}

/** Terminal punctuation (possibly followed by closers and mtsamples commas) before token j. */
function endsSentenceBefore(tokens: readonly Token[], j: number, sentenceStart: number): boolean {
  let k = j - 1;
  while (k > sentenceStart && tokens[k]!.kind === 'punct' && (CLOSERS.has(tokens[k]!.norm) || tokens[k]!.norm === ',')) k--;
  const terminal = tokens[k]!;
  const token = tokens[j]!;
  if (!token.spaceBefore && !(tokens[j - 1]!.norm === ',')) return false;
  let beforeTerminal: Token | undefined;
  if (terminal.kind === 'punct' && (terminal.norm === '.' || terminal.norm === '!' || terminal.norm === '?')) {
    if (terminal.norm === '.') {
      beforeTerminal = k > sentenceStart ? tokens[k - 1] : undefined;
      if (beforeTerminal && !terminal.spaceBefore) {
        // "No. 5" and "Dr. Smith": the word before the dot decides.
        if (beforeTerminal.kind === 'word' && NON_TERMINAL_ABBREVIATIONS.has(beforeTerminal.norm)) return false;
        if (beforeTerminal.norm === 'no' && token.kind === 'number') return false;
        // An initial after a capitalised name: "John J. Smith".
        if (beforeTerminal.kind === 'word' && beforeTerminal.text.length === 1 && startsUpper(beforeTerminal) && k - 2 >= sentenceStart && startsUpper(tokens[k - 2]!) && tokens[k - 2]!.kind === 'word') return false;
        // The dot of a list marker at the start of the sentence: "1. HTN".
        if (beforeTerminal.kind === 'number' && k - 1 === sentenceStart && !terminal.spaceBefore) return false;
      }
    }
  } else if (terminal.kind === 'word' && terminal.text.endsWith('.')) {
    // A dotted abbreviation ("b.i.d.") ends a sentence only before a capitalised word that is not a short all-caps code ("p.o. BID").
    if (NON_TERMINAL_DOTTED.has(terminal.norm)) return false;
    if (token.kind === 'word' && token.text.length <= 4 && token.text === token.text.toUpperCase()) return false;
  } else return false;
  if (startsLower(token)) return false;
  return true;
}

/** Splits each section body into sentences; heading tokens are left out. */
export function splitSentences(text: string, tokens: readonly Token[], sections: readonly Section[], headings: readonly Heading[]): Sentence[] {
  const sentences: Sentence[] = [];
  const inHeading = new Uint8Array(tokens.length);
  for (const heading of headings) inHeading.fill(1, heading.tokenStart, heading.tokenEnd);

  let sectionIndex = 0;
  let start = -1;
  let lastListNumber: number | undefined;
  let lineBegin = 0;

  const close = (endExclusive: number): void => {
    if (start < 0) return;
    let first = start;
    while (first < endExclusive && tokens[first]!.kind === 'punct' && LEADING_SKIP.has(tokens[first]!.norm)) first++;
    let last = endExclusive;
    while (last > first && tokens[last - 1]!.kind === 'punct' && TRAILING_SKIP.has(tokens[last - 1]!.norm)) last--;
    let meaningful = false;
    for (let k = first; k < last; k++) if (tokens[k]!.kind !== 'punct') meaningful = true;
    if (meaningful) sentences.push({ begin: tokens[first]!.begin, end: tokens[last - 1]!.end, tokenStart: first, tokenEnd: last, section: sectionIndex });
    start = -1;
  };

  for (let j = 0; j < tokens.length; j++) {
    const token = tokens[j]!;
    const previousLineBegin = lineBegin;
    if (token.newlineBefore) lineBegin = lineBeginOf(text, token.begin);
    while (sectionIndex + 1 < sections.length && token.begin >= sections[sectionIndex + 1]!.headingBegin) {
      close(j);
      sectionIndex++;
      lastListNumber = undefined;
    }
    if (inHeading[j]) {
      close(j);
      continue;
    }
    if (start >= 0 && boundaryBefore(text, tokens, j, start, lastListNumber, previousLineBegin)) close(j);
    if (start < 0) {
      if (tokens[j]!.kind === 'punct' && LEADING_SKIP.has(tokens[j]!.norm)) continue;
      start = j;
      const listNumber = listNumberAt(tokens, j);
      if (listNumber !== undefined) lastListNumber = listNumber;
      else if (token.newlineBefore) lastListNumber = undefined;
    }
  }
  close(tokens.length);
  return sentences;
}

function lineBeginOf(text: string, offset: number): number {
  let i = offset;
  while (i > 0 && text.charCodeAt(i - 1) !== 10 && text.charCodeAt(i - 1) !== 13) i--;
  return i;
}
