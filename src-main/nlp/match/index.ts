export { createLexiconMatcher, MATCH_KIND_SCORE, type ExtraTerm, type LexiconMatcher, type LexiconMatcherOptions, type LexiconMention, type MatchKind } from './matcher';
export { normalizePhrase, unitsOf, type Unit } from './normalize';
