/** Test helper: every offset of an NlpDocument is consistent with its text (tokens, sentences inside their sections, sections covering the text). */
import { expect } from 'vitest';
import type { NlpDocument } from '../../../../src-main/nlp/types';

/** The problems found, empty when the document is consistent (plain comparisons: notes have tens of thousands of tokens). */
export function documentProblems(doc: NlpDocument): string[] {
  const { text, tokens, sentences, sections } = doc;
  const problems: string[] = [];
  let previousEnd = 0;
  tokens.forEach((token, index) => {
    if (text.slice(token.begin, token.end) !== token.text) problems.push(`token ${index} text`);
    if (token.begin < previousEnd || token.end <= token.begin) problems.push(`token ${index} offsets`);
    previousEnd = token.end;
  });
  if (sections[0]!.headingBegin !== 0) problems.push('first section does not start at 0');
  if (sections[sections.length - 1]!.end !== text.length) problems.push('last section does not end at the text end');
  sections.forEach((section, index) => {
    if (text.slice(section.headingBegin, section.headingEnd) !== section.heading) problems.push(`section ${index} heading`);
    if (index > 0 && section.headingBegin !== sections[index - 1]!.end) problems.push(`section ${index} not adjacent`);
  });
  let sentenceEnd = 0;
  sentences.forEach((sentence, index) => {
    const section = sections[sentence.section]!;
    if (sentence.tokenEnd <= sentence.tokenStart) problems.push(`sentence ${index} empty`);
    else if (tokens[sentence.tokenStart]!.begin !== sentence.begin || tokens[sentence.tokenEnd - 1]!.end !== sentence.end) problems.push(`sentence ${index} token range`);
    if (sentence.begin < sentenceEnd) problems.push(`sentence ${index} overlaps`);
    if (sentence.begin < section.begin || sentence.end > section.end) problems.push(`sentence ${index} outside its section`);
    sentenceEnd = sentence.end;
  });
  return problems;
}

export function checkDocument(doc: NlpDocument): void {
  expect(documentProblems(doc)).toEqual([]);
}
