/**
 * The text stage: tokens with offsets, sections, sentences (docs/nlp.md "Text"). Every later stage
 * reads the NlpDocument this returns. Linear in the text's length.
 */
import type { NlpDocument } from '../types';
import { buildSections, findHeadings } from './sections';
import { splitSentences } from './sentences';
import { tokenize } from './tokenize';

export function analyzeText(text: string): NlpDocument {
  const tokens = tokenize(text);
  const headings = findHeadings(tokens);
  const sections = buildSections(text, tokens, headings);
  const sentences = splitSentences(text, tokens, sections, headings);
  return { text, tokens, sentences, sections };
}

export { normalizeWord } from './normalize';
export { tokenize } from './tokenize';
export { headingKey } from './sections';
