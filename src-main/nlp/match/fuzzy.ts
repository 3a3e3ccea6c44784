/**
 * Bounded misspelling lookup: words of the lexicon within one edit (insert, delete, substitute,
 * transpose) of a note's word, found through a symmetric deletion index: every vocabulary word is
 * stored under itself and each of its one-character deletions; a query looks up itself and its own
 * deletions. That is O(length) lookups per word, never a scan of the vocabulary.
 */

export const FUZZY_MIN_LENGTH = 6;

export class DeletionIndex {
  private readonly byVariant = new Map<string, string[]>();
  private readonly vocabulary = new Set<string>();

  add(word: string): void {
    if (word.length < FUZZY_MIN_LENGTH || this.vocabulary.has(word)) return;
    this.vocabulary.add(word);
    this.put(word, word);
    for (let i = 0; i < word.length; i++) this.put(word.slice(0, i) + word.slice(i + 1), word);
  }

  private collect(word: string, candidates: string[] | undefined, found: string[]): void {
    if (candidates === undefined) return;
    for (const c of candidates) {
      if (c !== word && c[0] === word[0] && !found.includes(c) && withinOneEdit(word, c)) found.push(c);
    }
  }

  private put(variant: string, word: string): void {
    const list = this.byVariant.get(variant);
    if (list === undefined) this.byVariant.set(variant, [word]);
    else if (!list.includes(word)) list.push(word);
  }

  /**
   * Vocabulary words one edit from `word` with the same first letter (a misspelt first letter is
   * rare and would make far more false matches). Empty for words shorter than FUZZY_MIN_LENGTH.
   */
  nearby(word: string): string[] {
    if (word.length < FUZZY_MIN_LENGTH) return [];
    const found: string[] = [];
    this.collect(word, this.byVariant.get(word), found);
    for (let i = 0; i < word.length; i++) this.collect(word, this.byVariant.get(word.slice(0, i) + word.slice(i + 1)), found);
    return found;
  }
}

/** True when a and b differ by one insertion, deletion, substitution or adjacent transposition. */
export function withinOneEdit(a: string, b: string): boolean {
  if (a === b) return true;
  const la = a.length;
  const lb = b.length;
  if (Math.abs(la - lb) > 1) return false;
  let i = 0;
  while (i < la && i < lb && a[i] === b[i]) i++;
  if (la === lb) {
    if (a.slice(i + 1) === b.slice(i + 1)) return true; // substitution
    return i + 1 < la && a[i] === b[i + 1] && a[i + 1] === b[i] && a.slice(i + 2) === b.slice(i + 2); // transposition
  }
  return la > lb ? a.slice(i + 1) === b.slice(i) : a.slice(i) === b.slice(i + 1);
}
