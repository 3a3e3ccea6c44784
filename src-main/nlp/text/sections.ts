/**
 * Section detection: finds the headings clinicians write and splits the note into sections.
 *
 * A heading is:
 * - a known heading (heading-lexicon.ts) followed by a colon, at the start of a line ("HPI:",
 *   "Past medical history: HTN", "CC: chest pain") or after sentence punctuation in the middle of
 *   a line, when it starts with a capital letter (mtsamples: "...allergies.,MEDICATIONS: , Her ...");
 * - a known heading alone on its line, with or without a colon ("Assessment and Plan");
 * - an unrecognised ALL-CAPS label ending in a colon and then the line's end or a comma (mtsamples'
 *   "MISCELLANEOUS/EATING HISTORY:,"), which opens an 'unknown' section, except inside sections
 *   whose body is written with such sub-labels (exam "HEENT:", ROS, vitals, labs, procedures).
 * Title-case labels that are not known headings ("Heart:", "Constitutional:", "Patient:") are
 * templated fields inside the current section, not headings.
 *
 * One pass over the tokens, looking back at most MAX_HEADING_TOKENS from each colon: linear.
 */
import type { Section, SectionKind, Token } from '../types';
import { HEADING_KINDS, MAX_HEADING_TOKENS, WEAK_HEADINGS } from './heading-lexicon';

/** A detected heading: tokens [tokenStart, tokenEnd) including its colon when it has one. */
export interface Heading {
  tokenStart: number;
  tokenEnd: number;
  kind: SectionKind;
}

/** Sections whose bodies are written as ALL-CAPS sub-labels ("HEENT:", "LUNGS:", "EBL:") that must not open new sections. */
const SUBLABELLED: ReadonlySet<SectionKind> = new Set(['physical_exam', 'review_of_systems', 'vital_signs', 'labs', 'procedures', 'imaging']);

const JOINERS = new Set(['/', '&', '-']);
const SENTENCE_PUNCT = new Set(['.', ',', ';', ':', '!', '?']);

function isLineStart(tokens: readonly Token[], i: number): boolean {
  return i === 0 || tokens[i]!.newlineBefore;
}

function isHeadingPiece(token: Token): boolean {
  return token.kind === 'word' || (token.kind === 'punct' && JOINERS.has(token.norm));
}

/** Heading key of tokens [start, end): norms joined by one space where the text had space, else glued ("a/p"). */
export function headingKey(tokens: readonly Token[], start: number, end: number): string {
  let key = tokens[start]!.norm;
  for (let i = start + 1; i < end; i++) key += (tokens[i]!.spaceBefore ? ' ' : '') + tokens[i]!.norm;
  return key;
}

function isUpperCaseWord(token: Token): boolean {
  return token.kind === 'word' && token.text !== token.text.toLowerCase() && token.text === token.text.toUpperCase();
}

function startsUpper(token: Token): boolean {
  const first = token.text[0]!;
  return first !== first.toLowerCase();
}

/** Can a heading start at token s: at a line start, or after sentence punctuation on the same line. */
function headingStartOk(tokens: readonly Token[], s: number): 'line' | 'inline' | false {
  if (isLineStart(tokens, s)) return 'line';
  const previous = tokens[s - 1]!;
  return previous.kind === 'punct' && SENTENCE_PUNCT.has(previous.norm) ? 'inline' : false;
}

/** Index of the first token of the next line after i (or tokens.length). */
function lineEnd(tokens: readonly Token[], i: number, limit: number): number {
  let j = i + 1;
  while (j < tokens.length && j <= limit && !tokens[j]!.newlineBefore) j++;
  return j;
}

function knownHeadingBeforeColon(tokens: readonly Token[], colon: number): Heading | undefined {
  for (let length = Math.min(MAX_HEADING_TOKENS, colon); length >= 1; length--) {
    const start = colon - length;
    let sameLineAndPieces = true;
    for (let k = start; k < colon; k++) {
      if (!isHeadingPiece(tokens[k]!) || (k > start && tokens[k]!.newlineBefore)) {
        sameLineAndPieces = false;
        break;
      }
    }
    if (!sameLineAndPieces || tokens[start]!.kind !== 'word') continue;
    const where = headingStartOk(tokens, start);
    if (!where) continue;
    const key = headingKey(tokens, start, colon);
    const kind = HEADING_KINDS.get(key);
    if (kind === undefined) continue;
    if (where === 'inline' && (WEAK_HEADINGS.has(key) || !startsUpper(tokens[start]!))) continue;
    return { tokenStart: start, tokenEnd: colon + 1, kind };
  }
  return undefined;
}

function upperCaseLabelBeforeColon(tokens: readonly Token[], colon: number): Heading | undefined {
  let start = colon;
  let letters = 0;
  while (start > 0 && colon - start < MAX_HEADING_TOKENS) {
    const token = tokens[start - 1]!;
    if (!(isUpperCaseWord(token) || (token.kind === 'punct' && JOINERS.has(token.norm) && start < colon))) break;
    if (token.kind === 'word') letters += token.text.length;
    start--;
    if (token.newlineBefore) break;
  }
  if (start === colon || letters < 2 || tokens[start]!.kind !== 'word' || !headingStartOk(tokens, start)) return undefined;
  // Only a label that stands alone: the line ends after the colon, or mtsamples' ":," follows.
  const after = tokens[colon + 1];
  if (after !== undefined && !after.newlineBefore && after.norm !== ',') return undefined;
  return { tokenStart: start, tokenEnd: colon + 1, kind: 'unknown' };
}

/** Finds the headings of a note, in order. */
export function findHeadings(tokens: readonly Token[]): Heading[] {
  const headings: Heading[] = [];
  let currentKind: SectionKind = 'unknown';
  let i = 0;
  while (i < tokens.length) {
    const token = tokens[i]!;
    let heading: Heading | undefined;
    if (token.norm === ':' && token.kind === 'punct' && i > 0) {
      heading = knownHeadingBeforeColon(tokens, i);
      if (!heading && !SUBLABELLED.has(currentKind)) heading = upperCaseLabelBeforeColon(tokens, i);
    } else if (isLineStart(tokens, i) && token.kind === 'word') {
      // A known heading alone on its line ("Assessment and Plan", "HOSPITAL COURSE").
      const end = lineEnd(tokens, i, i + MAX_HEADING_TOKENS);
      if (end - i <= MAX_HEADING_TOKENS && (end >= tokens.length || tokens[end]!.newlineBefore)) {
        let pieces = true;
        for (let k = i; k < end; k++) if (!isHeadingPiece(tokens[k]!)) pieces = false;
        const kind = pieces ? HEADING_KINDS.get(headingKey(tokens, i, end)) : undefined;
        if (kind !== undefined) heading = { tokenStart: i, tokenEnd: end, kind };
      }
    }
    if (heading) {
      // A heading that starts before the previous one ended is impossible: the scan only moves forward.
      const previous = headings[headings.length - 1];
      if (!previous || heading.tokenStart >= previous.tokenEnd) {
        headings.push(heading);
        currentKind = heading.kind;
        i = heading.tokenEnd;
        continue;
      }
    }
    i++;
  }
  return headings;
}

/** Sections covering the whole text: an implicit 'unknown' first section when anything (even blank space) precedes the first heading, or there is none. */
export function buildSections(text: string, tokens: readonly Token[], headings: readonly Heading[]): Section[] {
  const sections: Section[] = [];
  const firstHeadingBegin = headings.length > 0 ? tokens[headings[0]!.tokenStart]!.begin : text.length;
  if (headings.length === 0 || firstHeadingBegin > 0) {
    sections.push({ kind: 'unknown', heading: '', headingBegin: 0, headingEnd: 0, begin: 0, end: firstHeadingBegin });
  }
  headings.forEach((heading, index) => {
    const headingBegin = tokens[heading.tokenStart]!.begin;
    const headingEnd = tokens[heading.tokenEnd - 1]!.end;
    const next = headings[index + 1];
    const end = next ? tokens[next.tokenStart]!.begin : text.length;
    sections.push({ kind: heading.kind, heading: text.slice(headingBegin, headingEnd), headingBegin, headingEnd, begin: headingEnd, end });
  });
  return sections;
}
