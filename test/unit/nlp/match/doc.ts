/**
 * A minimal NlpDocument for the matcher's and linker's tests (one sentence per line or '. '),
 * so they do not depend on the text stage. The matcher only reads text and sentence spans.
 */
import type { NlpDocument, Sentence } from '../../../../src-main/nlp/types';

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
  return { text, tokens: [], sentences, sections: [] };
}
