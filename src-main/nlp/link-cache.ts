/**
 * Memoised concept search. Notes repeat the same few hundred phrases ("HTN", "chest pain",
 * "metformin"), and a word-overlap search over a code system costs far more than the rest of a
 * mention's processing, so each index remembers its answers for recent phrases. Bounded: the
 * memo is dropped whole when full, which keeps memory flat on notes of any length.
 */
import type { CodeSystemIndex, ConceptCandidate, RxNormIndex } from './types';

const MAX_PHRASES = 20_000;

class SearchMemo {
  private readonly answers = new Map<string, ConceptCandidate[]>();

  constructor(private readonly search: (phrase: string, limit: number) => ConceptCandidate[]) {}

  get(phrase: string, limit: number): ConceptCandidate[] {
    const key = `${limit}\u0000${phrase}`;
    let answer = this.answers.get(key);
    if (answer === undefined) {
      if (this.answers.size >= MAX_PHRASES) this.answers.clear();
      answer = this.search(phrase, limit);
      this.answers.set(key, answer);
    }
    // Callers may keep or reorder what they get: hand out a copy of the list (candidates are not mutated).
    return answer.slice();
  }
}

export function memoizedCodeSystem(index: CodeSystemIndex): CodeSystemIndex {
  const memo = new SearchMemo((phrase, limit) => index.search(phrase, limit));
  return {
    system: index.system,
    version: index.version,
    describe: (code) => index.describe(code),
    search: (phrase, limit) => memo.get(phrase, limit),
  };
}

export function memoizedRxNorm(index: RxNormIndex): RxNormIndex {
  const memo = new SearchMemo((phrase, limit) => index.search(phrase, limit));
  return {
    system: 'RXNORM',
    version: index.version,
    describe: (code) => index.describe(code),
    search: (phrase, limit) => memo.get(phrase, limit),
    brandIngredients: (rxcui) => index.brandIngredients(rxcui),
    clinicalDrugs: (rxcui) => index.clinicalDrugs(rxcui),
  };
}
