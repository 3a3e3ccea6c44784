/**
 * Finds the ConText phrases (lexicon.ts) in a sentence: a trie keyed by token norms, longest match
 * first and consuming, so a pseudo-trigger ("no change") hides the trigger inside it ("no"). A
 * year ("in 2015", "MI 2012") is a weak PAST_HISTORY trigger found by its shape. Linear in the
 * sentence's length (phrases are at most a few tokens long).
 */
import { tokenize } from '../text/tokenize';
import type { Token } from '../types';
import { CONTEXT_RULES, type ContextRule } from './lexicon';

interface TrieNode {
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

const TRIE = buildTrie(CONTEXT_RULES);

/** A year written alone: a weak PAST_HISTORY trigger either side of its condition ("stroke in 2015", "In 2012 she had an MI"). */
export const YEAR_RULE: ContextRule = { phrase: '<year>', role: 'trigger', traits: ['PAST_HISTORY'], direction: 'both', window: 6, score: 0.8, weak: true };
const YEAR = /^(19|20)\d\d$/;

/** Phrases of tokens [from, to), in order, not overlapping. */
export function findPhrases(tokens: readonly Token[], from: number, to: number): PhraseMatch[] {
  const matches: PhraseMatch[] = [];
  let i = from;
  while (i < to) {
    let node: TrieNode | undefined = TRIE;
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
    if (token.kind === 'number' && YEAR.test(token.text)) matches.push({ start: i, end: i + 1, rules: [YEAR_RULE] });
    i++;
  }
  return matches;
}
