/**
 * Bounded misspelling lookup: words of the lexicon one edit from a note's word, found through a
 * symmetric deletion index: every vocabulary word is stored under itself and each of its
 * one-character deletions; a query looks up itself and its own deletions. That is O(length)
 * lookups per word, never a scan of the vocabulary.
 *
 * The edits are a dropped, doubled or extra letter, two letters swapped ("diarhea", "vomitting",
 * "pnuemonia"), and a vowel written for another or a sound-alike consonant ("rhinitus",
 * "pulmonory", "fluticazone"). Other replaced letters are not guessed: on real notes they mostly
 * turn one English word into another ("swelling" / "smelling", "cancer" / "cancel", "finger" /
 * "finder", "intubation" / "incubation"); those are left to the curated misspellings.
 * Nor is a letter added or dropped at the very end: that is mostly a suffix ("urethral" / "urethra",
 * "cystoscope" / "cystoscopy"), not a typo.
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
      if (c !== word && c[0] === word[0] && !found.includes(c) && withinOneEdit(word, c) && !differsOnlyAtEnd(word, c)) found.push(c);
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

const VOWELS = 'aeiouy';
const SOUND_ALIKE = new Set(['sz', 'zs', 'ck', 'kc']);

/** A replaced letter that spelling slips produce more than English words do: vowel for vowel, s/z, c/k. */
function soundAlike(x: string, y: string): boolean {
  return (VOWELS.includes(x) && VOWELS.includes(y)) || SOUND_ALIKE.has(x + y);
}

/** True when one word is the other plus one letter at the end ("urethral" / "urethra"). */
function differsOnlyAtEnd(a: string, b: string): boolean {
  return a.length !== b.length && (a.startsWith(b) || b.startsWith(a));
}

/**
 * True when a and b differ by one insertion, deletion, adjacent transposition or sound-alike
 * replaced letter (any replaced letter with `substitution`).
 */
export function withinOneEdit(a: string, b: string, substitution = false): boolean {
  if (a === b) return true;
  const la = a.length;
  const lb = b.length;
  if (Math.abs(la - lb) > 1) return false;
  let i = 0;
  while (i < la && i < lb && a[i] === b[i]) i++;
  if (la === lb) {
    if (a.slice(i + 1) === b.slice(i + 1) && (substitution || soundAlike(a[i]!, b[i]!))) return true;
    return i + 1 < la && a[i] === b[i + 1] && a[i + 1] === b[i] && a.slice(i + 2) === b.slice(i + 2); // transposition
  }
  return la > lb ? a.slice(i + 1) === b.slice(i) : a.slice(i) === b.slice(i + 1);
}
