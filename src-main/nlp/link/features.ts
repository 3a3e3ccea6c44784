/**
 * The raw link score: a product of feature weights, before calibration.
 *
 * Features: how the mention matched (lexicon form kind, misspelling lookup, pack-only term), how
 * many lexicon entries share the form (ambiguity), whether the concept is the lexicon's own code,
 * a refinement (qualifier words), or only a pack search result (its match strength), the
 * concept's rank among the candidates, and for a medication whether a stated strength found no
 * product (the ingredient then stands in for the clinical drug the note names).
 */
import type { MatchKind } from '../match/matcher';

export const MATCH_KIND_WEIGHT: Record<MatchKind, number> = {
  preferred: 1,
  synonym: 0.97,
  abbreviation: 0.92,
  misspelling: 0.9,
  pack: 0.85,
  fuzzy: 0.8,
};

export type ConceptSource = 'lexicon' | 'refinement' | 'scd' | 'ingredient' | 'search';

export const SOURCE_WEIGHT: Record<ConceptSource, number> = {
  lexicon: 0.97,
  refinement: 0.93,
  scd: 0.95,
  ingredient: 0.97,
  search: 0.7,
};

export interface LinkFeatures {
  matchKind: MatchKind;
  ambiguity: number;
  source: ConceptSource;
  /** For search results: the index's own match 0..1; 1 otherwise. */
  match: number;
  /** 0 for the first concept, 1 for the second... */
  rank: number;
  /** A medication whose strength was stated but no clinical drug of that strength is known (so the ingredient stands in). */
  productMissing?: boolean;
}

export function rawLinkScore(f: LinkFeatures): number {
  const ambiguity = f.ambiguity > 1 ? 1 / Math.sqrt(f.ambiguity) : 1;
  const rankDecay = f.rank === 0 ? 1 : 0.6 / f.rank;
  const product = f.productMissing === true ? 0.8 : 1;
  return MATCH_KIND_WEIGHT[f.matchKind] * SOURCE_WEIGHT[f.source] * f.match * ambiguity * rankDecay * product;
}
