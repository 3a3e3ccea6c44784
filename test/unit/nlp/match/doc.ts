/**
 * A minimal NlpDocument for the matcher's and linker's tests, so they do not depend on the text
 * stage: one sentence per line or '. ', and a section at each "HEADING:" that starts a line (kind
 * 'allergies' for an allergy heading, else 'unknown'). The matcher only reads text, sentence spans
 * and sections.
 */
import type { NlpDocument, Section, Sentence } from '../../../../src-main/nlp/types';

const HEADING = /^([A-Z][A-Za-z /&]{1,40}):/gm;

export function docOf(text: string): NlpDocument {
  const sentences: Sentence[] = [];
  const boundary = /\n|\.(?=\s)|[;]/g;
  let start = 0;
  const push = (end: number): void => {
    if (text.slice(start, end).trim() !== '') sentences.push({ begin: start, end, tokenStart: 0, tokenEnd: 0, section: 0 });
  };
  for (let m = boundary.exec(text); m !== null; m = boundary.exec(text)) {
    push(m.index);
    start = m.index + 1;
  }
  push(text.length);
  const sections: Section[] = [];
  for (let m = HEADING.exec(text); m !== null; m = HEADING.exec(text)) {
    const heading = m[1]!;
    // all-caps headings ("SHX:", "ALLERGIES:"), or any heading alone on its line ("Vital signs:")
    const alone = text[m.index + m[0].length] === '\n';
    if (heading !== heading.toUpperCase() && !alone) continue;
    const previous = sections[sections.length - 1];
    if (previous !== undefined) previous.end = m.index;
    sections.push({
      kind: /ALLERG/.test(heading) ? 'allergies' : 'unknown',
      heading,
      headingBegin: m.index,
      headingEnd: m.index + heading.length,
      begin: m.index + m[0].length,
      end: text.length,
    });
  }
  return { text, tokens: [], sentences, sections };
}
