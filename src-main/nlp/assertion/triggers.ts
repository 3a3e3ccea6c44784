/**
 * Finds the ConText phrases (lexicon.ts) in a sentence: a trie keyed by token norms, longest match
 * first and consuming, so a pseudo-trigger ("no change") hides the trigger inside it ("no"). A
 * year ("in 2015", "MI 2012") is a weak PAST_HISTORY trigger found by its shape. Linear in the
 * sentence's length (phrases are at most a few tokens long).
 */
import { tokenize } from '../text/tokenize';
import type { Token } from '../types';
import { CONTEXT_RULES, type ContextRule } from './lexicon';

export interface TrieNode {
  next: Map<string, TrieNode>;
  rules: ContextRule[];
  /** Template answers (": no", "- denies") count only at the end of a clause: "Fever: denies." but not "Constitutional: negative for fever". */
  clauseFinal: boolean;
}

/** One phrase found in a sentence: tokens [start, end). */
export interface PhraseMatch {
  start: number;
  end: number;
  rules: readonly ContextRule[];
}

function newNode(): TrieNode {
  return { next: new Map(), rules: [], clauseFinal: false };
}

function buildTrie(rules: readonly ContextRule[]): TrieNode {
  const root = newNode();
  for (const rule of rules) {
    // Phrases are tokenised like notes are, so "h/o", "s/p" and "ex-" split the same way.
    const norms = tokenize(rule.phrase).map((token) => token.norm);
    let node = root;
    for (const norm of norms) {
      let child = node.next.get(norm);
      if (!child) {
        child = newNode();
        node.next.set(norm, child);
      }
      node = child;
    }
    node.rules.push(rule);
    if (norms[0] === ':' || norms[0] === '-') node.clauseFinal = true;
  }
  return root;
}

/** The built-in phrases (lexicon.ts). */
export const BUILTIN_PHRASES: TrieNode = buildTrie(CONTEXT_RULES);

/**
 * `base` plus `extra` phrases, sharing every node of `base` the new phrases do not pass through
 * (only the nodes on their paths are copied): `base` is left as it was. A phrase already in `base`
 * keeps both rules.
 */
export function extendPhrases(base: TrieNode, extra: readonly ContextRule[]): TrieNode {
  if (extra.length === 0) return base;
  const copied = new Set<TrieNode>();
  const copy = (node: TrieNode): TrieNode => {
    const clone: TrieNode = { next: new Map(node.next), rules: [...node.rules], clauseFinal: node.clauseFinal };
    copied.add(clone);
    return clone;
  };
  const root = copy(base);
  for (const rule of extra) {
    const norms = tokenize(rule.phrase).map((token) => token.norm);
    let node = root;
    for (const norm of norms) {
      const child = node.next.get(norm);
      const own = child === undefined ? newNode() : copied.has(child) ? child : copy(child);
      if (child === undefined) copied.add(own);
      node.next.set(norm, own);
      node = own;
    }
    node.rules.push(rule);
    if (norms[0] === ':' || norms[0] === '-') node.clauseFinal = true;
  }
  return root;
}

/**
 * The built-in phrases plus `extra` ones (triggers and pseudo-triggers learned from reviewers'
 * corrections, nlp/learning/): a phrase that is also built in keeps both rules.
 */
export function phraseIndex(extra: readonly ContextRule[]): TrieNode {
  return extendPhrases(BUILTIN_PHRASES, extra);
}

/** A year written alone: a weak PAST_HISTORY trigger either side of its condition ("stroke in 2015", "In 2012 she had an MI"); a procedure's year is its date, not a history ("Colonoscopy in 2022 showed..."). */
export const YEAR_RULE: ContextRule = { phrase: '<year>', role: 'trigger', traits: ['PAST_HISTORY'], direction: 'both', window: 6, score: 0.8, weak: true, onlyFor: ['MEDICAL_CONDITION'] };
const YEAR = /^(19|20)\d\d$/;

/** "in 3 months", "within 1 week", "in 6-8 weeks": a time ahead, a FUTURE post-trigger ("Repeat chest x-ray in 6 weeks", "recheck TSH in 6 weeks"). */
export const TIME_AHEAD_RULE: ContextRule = { phrase: '<in N weeks>', role: 'trigger', traits: ['FUTURE'], direction: 'backward', window: 4, score: 0.8 };
const TIME_UNITS = new Set(['day', 'days', 'week', 'weeks', 'wk', 'wks', 'month', 'months', 'mo', 'mos', 'year', 'years', 'yr', 'yrs', 'hours', 'hrs', 'h']);
const COUNT_WORDS = new Set(['a', 'an', 'one', 'two', 'three', 'four', 'five', 'six', 'several', 'few', 'couple']);

/** End of "in|within N[-M] unit" starting at token i, or -1. */
function timeAheadEnd(tokens: readonly Token[], i: number, to: number): number {
  const first = tokens[i]!.norm;
  if (first !== 'in' && first !== 'within') return -1;
  let j = i + 1;
  if (j < to && tokens[j]!.norm === 'the') j++;
  if (!(j < to && (tokens[j]!.kind === 'number' || COUNT_WORDS.has(tokens[j]!.norm)))) return -1;
  j++;
  if (j + 1 < to && (tokens[j]!.norm === '-' || tokens[j]!.norm === 'to') && tokens[j + 1]!.kind === 'number') j += 2;
  if (j < to && tokens[j]!.norm === 'next') j++;
  return j < to && TIME_UNITS.has(tokens[j]!.norm) ? j + 1 : -1;
}

/** Phrases of tokens [from, to), in order, not overlapping. */
export function findPhrases(tokens: readonly Token[], from: number, to: number, phrases: TrieNode = BUILTIN_PHRASES): PhraseMatch[] {
  const matches: PhraseMatch[] = [];
  let i = from;
  while (i < to) {
    let node: TrieNode | undefined = phrases;
    let bestEnd = -1;
    let bestRules: readonly ContextRule[] = [];
    for (let j = i; j < to; j++) {
      node = node.next.get(tokens[j]!.norm);
      if (!node) break;
      if (node.rules.length > 0 && (!node.clauseFinal || j + 1 >= to || tokens[j + 1]!.kind === 'punct')) {
        bestEnd = j + 1;
        bestRules = node.rules;
      }
    }
    if (bestEnd > 0) {
      matches.push({ start: i, end: bestEnd, rules: bestRules });
      i = bestEnd;
      continue;
    }
    const token = tokens[i]!;
    const timeAhead = timeAheadEnd(tokens, i, to);
    if (timeAhead > 0) {
      matches.push({ start: i, end: timeAhead, rules: [TIME_AHEAD_RULE] });
      i = timeAhead;
      continue;
    }
    if (token.kind === 'number' && YEAR.test(token.text)) matches.push({ start: i, end: i + 1, rules: [YEAR_RULE] });
    i++;
  }
  return matches;
}
