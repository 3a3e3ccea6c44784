/**
 * Normalisation shared by every terminology index: the same rules on both sides (titles and index
 * terms when building, the linker's phrase when searching), so any tokenisation the caller used
 * (`"crohn ' s disease"`, `"Crohn's disease"`) lands on the same tokens.
 */

const COMBINING_MARKS = /[\u0300-\u036f]/g;
// "Crohn's", "Crohn ' s", "Crohn’s" → "Crohn": the possessive is not a word of the term.
const POSSESSIVE = /([a-z0-9])\s*['’]\s*s\b/g;
const NON_ALPHANUMERIC = /[^a-z0-9]+/g;

/** Lower case, accents folded, possessives dropped, every run of other characters → one space. */
export function normalizeTerm(text: string): string {
  return text
    .toLowerCase()
    .normalize('NFD')
    .replace(COMBINING_MARKS, '')
    .replace(POSSESSIVE, '$1')
    .replace(NON_ALPHANUMERIC, ' ')
    .trim();
}

/** Words too common in code titles to say anything about a concept (ICD-10-CM "NOS"/"NEC" qualifiers included). */
export const STOP_WORDS: ReadonlySet<string> = new Set(['a', 'an', 'the', 'of', 'and', 'or', 'to', 'in', 'on', 'at', 'by', 'for', 'as', 'nos', 'nec']);

/** The content tokens of a normalised phrase (stop words removed). */
export function contentTokens(normalized: string): string[] {
  if (normalized.length === 0) return [];
  return normalized.split(' ').filter((t) => !STOP_WORDS.has(t));
}

/** "(primary)" and other parenthesised nonessential modifiers removed: "Essential (primary) hypertension" → "Essential hypertension". */
export function withoutParentheses(text: string): string {
  return text.replace(/\s*[([][^)\]]*[)\]]/g, '').replace(/\s+/g, ' ').trim();
}
