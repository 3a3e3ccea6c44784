/**
 * Token normalisation: what every matcher compares. Lower case with accents folded ("Ménière" →
 * "meniere"), typographic apostrophes made plain, so lexicon keys can be written in plain ASCII.
 */

const COMBINING_MARKS = /[\u0300-\u036f]/g;

/** Lower-cases and folds accents; ASCII input (the common case) takes the fast path. */
export function normalizeWord(text: string): string {
  let ascii = true;
  for (let i = 0; i < text.length; i++) {
    if (text.charCodeAt(i) > 0x7f) {
      ascii = false;
      break;
    }
  }
  if (ascii) return text.toLowerCase();
  return text
    .normalize('NFD')
    .replace(COMBINING_MARKS, '')
    .replace(/[\u2018\u2019\u02bc]/g, "'")
    .toLowerCase()
    .normalize('NFC');
}
