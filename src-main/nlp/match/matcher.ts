/**
 * Dictionary matcher: finds lexicon terms in a note in one left-to-right pass per sentence.
 *
 * The lexicon's forms are stored in a trie keyed by match units (normalize.ts); from each unit the
 * matcher walks the trie as far as the note's units allow (terms are at most a few units long, so
 * this is O(units)). Case rules, value context and a bounded misspelling lookup (fuzzy.ts) are
 * checked on the way; overlapping matches are resolved longest first.
 */
import type { ConditionClass, EntityCategory, EntityType, Mention, NlpDocument } from '../types';
import type { Lexicon, LexiconEntry, SurfaceKind } from '../lexicon/types';
import { DeletionIndex, FUZZY_MIN_LENGTH } from './fuzzy';
import { unitsOf, type Unit } from './normalize';

/** How a mention was matched: the linker's and the calibration's first feature. */
export type MatchKind = SurfaceKind | 'fuzzy' | 'pack';

/** A Mention with what the matcher knows about how it matched. */
export interface LexiconMention extends Mention {
  matchKind: MatchKind;
  /** The lexicon form (or pack term) that matched, as written there. */
  matchedForm: string;
  /** How many lexicon entries share the matched form (more than one: an ambiguous term). */
  ambiguity: number;
}

/** A term from a loaded terminology pack (helper K's CodeSystemIndex terms). */
export interface ExtraTerm {
  term: string;
  code: string;
  system: 'ICD10CM' | 'RXNORM';
}

export interface LexiconMatcherOptions {
  /** Terms from terminology packs; forms the built-in lexicon already has are skipped. */
  extraTerms?: Iterable<ExtraTerm>;
  /** Edit-distance-1 misspelling lookup for words of 6+ letters (default true). */
  fuzzy?: boolean;
}

export interface LexiconMatcher {
  match(doc: NlpDocument): LexiconMention[];
}

interface TermRef {
  entry: MatchEntry;
  kind: SurfaceKind | 'pack';
  form: string;
  /** The form's units as written, joined by one space: what case-sensitive forms compare with. */
  written: string;
  caseSensitive: boolean;
  needsValue: boolean;
}

interface TrieNode {
  next?: Map<string, TrieNode>;
  terms?: TermRef[];
}

/** The part of a lexicon entry or pack term a mention needs. */
interface MatchEntry {
  id?: string;
  category: EntityCategory;
  type: EntityType;
  icd10?: readonly string[];
  rxnorm?: readonly string[];
  conditionClass?: ConditionClass;
}

/** Recognition scores by how a term matched (raw; the engine may calibrate them). */
export const MATCH_KIND_SCORE: Record<MatchKind, number> = {
  preferred: 0.97,
  synonym: 0.95,
  abbreviation: 0.88,
  misspelling: 0.85,
  pack: 0.8,
  fuzzy: 0.7,
};

const KIND_RANK: Record<MatchKind, number> = { preferred: 6, synonym: 5, abbreviation: 4, misspelling: 3, pack: 2, fuzzy: 1 };

/** Words between a value-needing test name and its value: "K of 4.3", "BP: 120/80", "Temp was 38". */
const VALUE_FILLERS = new Set([':', '=', 'of', 'is', 'was', 'at', '-', '(', 'now', 'today']);

/**
 * Ordinary words of six letters or more that sit one edit from a lexicon word; never treated as
 * misspellings ("injection" is not "infection").
 */
const NOT_MISSPELLINGS = new Set([
  'injection', 'injections', 'station', 'patient', 'patients', 'pattern', 'normal', 'formal', 'father', 'mother', 'daughter', 'rather', 'weather',
  'breathe', 'breathing', 'breath', 'heated', 'hearing', 'healing', 'dealing', 'feeling', 'falling', 'filling', 'spelling', 'swelling',
  'smoking', 'smoker', 'smokes', 'walking', 'talking', 'taking', 'making', 'waking', 'within', 'without', 'return', 'returns', 'reports',
  'denies', 'denied', 'history', 'because', 'should', 'started', 'stated', 'status', 'states', 'months', 'weekly', 'seeing', 'strain',
  'stains', 'trains', 'brains', 'bladder', 'ladder', 'sister', 'brother', 'center', 'centre', 'letter', 'better', 'bitter', 'butter',
  'reduced', 'induced', 'produced', 'removed', 'moved', 'proved', 'improved', 'noticed', 'notice', 'lipids', 'liquid', 'liquids',
  'tablets', 'tablet', 'capsule', 'capsules', 'mellitus', 'present', 'prevent', 'recent', 'decent', 'resent', 'remote', 'remove',
  'coping', 'hoping', 'coughing', 'laughing', 'pained', 'gained', 'rained', 'treated', 'created', 'tested', 'rested', 'nested',
  'lesion', 'lesions', 'lotion', 'motion', 'notion', 'potion', 'option', 'options', 'action', 'reaction', 'fraction', 'traction',
  'infarct', 'intact', 'contact', 'regular', 'singular', 'angular', 'ocular', 'vascular', 'muscular', 'muscle', 'muscles',
]);

function writtenUnits(form: string): string {
  return unitsOf(form)
    .map((u) => u.raw)
    .join(' ');
}

function capitalized(s: string): string {
  return s.length === 0 ? s : s[0]!.toUpperCase() + s.slice(1);
}

export function createLexiconMatcher(lexicon: Lexicon, options: LexiconMatcherOptions = {}): LexiconMatcher {
  const root: TrieNode = {};
  const deletionIndex = new DeletionIndex();
  const knownWords = new Set<string>();
  let maxDepth = 1;

  const insert = (form: string, ref: TermRef, builtin: boolean): void => {
    const variants = [unitsOf(form)];
    // a hyphenated form also matches written as one word: "a-fib" -> "afib"
    const units = variants[0]!;
    if (units.some((u) => u.hyphenBefore)) {
      const joined: Unit[] = [];
      for (const u of units) {
        const last = joined[joined.length - 1];
        if (u.hyphenBefore && last !== undefined) joined[joined.length - 1] = { ...last, key: last.key + u.key, lower: last.lower + u.lower, raw: last.raw + u.raw };
        else joined.push(u);
      }
      variants.push(joined);
    }
    for (const variant of variants) {
      if (variant.length === 0) continue;
      let node = root;
      for (const u of variant) {
        node.next ??= new Map();
        let child = node.next.get(u.key);
        if (child === undefined) {
          child = {};
          node.next.set(u.key, child);
        }
        node = child;
        if (builtin && u.alnum) {
          knownWords.add(u.key);
          if (u.key.length >= FUZZY_MIN_LENGTH && !/\d/.test(u.key) && ref.kind !== 'misspelling') deletionIndex.add(u.key);
        }
      }
      maxDepth = Math.max(maxDepth, variant.length);
      if (!builtin && node.terms !== undefined && node.terms.some((t) => t.kind !== 'pack')) continue;
      node.terms ??= [];
      if (!node.terms.some((t) => t.entry === ref.entry && t.caseSensitive === ref.caseSensitive && t.needsValue === ref.needsValue)) node.terms.push(ref);
    }
  };

  for (const entry of lexicon.entries) addEntry(entry);
  function addEntry(entry: LexiconEntry): void {
    for (const f of entry.forms) {
      insert(f.text, { entry, kind: f.kind, form: f.text, written: writtenUnits(f.text), caseSensitive: f.caseSensitive, needsValue: f.needsValue }, true);
    }
  }
  if (options.extraTerms !== undefined) {
    for (const t of options.extraTerms) {
      const entry: MatchEntry =
        t.system === 'ICD10CM'
          ? { category: 'MEDICAL_CONDITION', type: 'DX_NAME', icd10: [t.code], conditionClass: 'disease' }
          : { category: 'MEDICATION', type: 'GENERIC_NAME', rxnorm: [t.code] };
      // short pack terms are too often ordinary words or unmarked abbreviations
      if (t.term.replace(/[^A-Za-z]/g, '').length < 4) continue;
      insert(t.term, { entry, kind: 'pack', form: t.term, written: writtenUnits(t.term), caseSensitive: false, needsValue: false }, false);
    }
  }
  const fuzzyOn = options.fuzzy ?? true;

  function valueFollows(units: Unit[], after: number): boolean {
    for (let k = after, skipped = 0; k < units.length && skipped <= 2; k++) {
      const u = units[k]!;
      if (u.numeric) return true;
      if (!VALUE_FILLERS.has(u.lower)) return false;
      skipped++;
    }
    return false;
  }

  function caseOk(ref: TermRef, units: Unit[], from: number, to: number): boolean {
    if (!ref.caseSensitive) return true;
    let written = '';
    for (let k = from; k < to; k++) written += (k > from ? ' ' : '') + units[k]!.raw;
    if (written === ref.written || written === ref.written.toUpperCase()) return true;
    return ref.written === ref.written.toLowerCase() && written === capitalized(ref.written);
  }

  interface Candidate {
    from: number;
    to: number;
    ref: TermRef;
    fuzzy: boolean;
    ambiguity: number;
  }

  /** Best valid term for each end reached from unit `from`; returns the longest. */
  function longestFrom(units: Unit[], from: number): Candidate | undefined {
    let best: Candidate | undefined;
    const consider = (node: TrieNode, to: number, fuzzy: boolean): void => {
      if (node.terms === undefined) return;
      let chosen: TermRef | undefined;
      let valid = 0;
      for (const ref of node.terms) {
        if (!caseOk(ref, units, from, to)) continue;
        if (ref.needsValue && !valueFollows(units, to)) continue;
        valid++;
        if (chosen === undefined || rank(ref) > rank(chosen)) chosen = ref;
      }
      if (chosen === undefined) return;
      const cand: Candidate = { from, to, ref: chosen, fuzzy, ambiguity: valid };
      if (best === undefined || to > best.to || (to === best.to && better(cand, best))) best = cand;
    };
    // depth-first over (node, next unit, fuzzy used); at most one misspelt word per term
    const stack: { node: TrieNode; at: number; fuzzy: boolean }[] = [{ node: root, at: from, fuzzy: false }];
    while (stack.length > 0) {
      const { node, at, fuzzy } = stack.pop()!;
      if (at > from) consider(node, at, fuzzy);
      if (node.next === undefined || at >= units.length || at - from >= maxDepth) continue;
      const u = units[at]!;
      if (at > from && u.newlineBefore) continue;
      const exact = node.next.get(u.key);
      if (exact !== undefined) stack.push({ node: exact, at: at + 1, fuzzy });
      const following = units[at + 1];
      if (following !== undefined && following.hyphenBefore) {
        const joined = node.next.get(u.key + following.key);
        if (joined !== undefined) stack.push({ node: joined, at: at + 2, fuzzy });
      }
      if (exact === undefined && fuzzyOn && !fuzzy && u.alnum && !u.numeric && u.key.length >= FUZZY_MIN_LENGTH && !knownWords.has(u.key) && !NOT_MISSPELLINGS.has(u.lower)) {
        for (const w of deletionIndex.nearby(u.key)) {
          const child = node.next.get(w);
          if (child !== undefined) stack.push({ node: child, at: at + 1, fuzzy: true });
        }
      }
    }
    return best;
  }

  function rank(ref: TermRef): number {
    // a satisfied value context is the more specific reading ("PT 12.1" is a test, not therapy)
    return KIND_RANK[ref.kind] * 2 + (ref.needsValue ? 1 : 0);
  }

  function better(a: Candidate, b: Candidate): boolean {
    if (a.fuzzy !== b.fuzzy) return !a.fuzzy;
    return rank(a.ref) > rank(b.ref);
  }

  function toMention(c: Candidate, units: Unit[]): LexiconMention {
    const e = c.ref.entry;
    const kind: MatchKind = c.fuzzy ? 'fuzzy' : c.ref.kind;
    return {
      begin: units[c.from]!.begin,
      end: units[c.to - 1]!.end,
      category: e.category,
      type: e.type,
      score: MATCH_KIND_SCORE[kind],
      ...(e.id !== undefined ? { lexiconId: e.id } : {}),
      ...(e.icd10 !== undefined ? { icd10: e.icd10 } : {}),
      ...(e.rxnorm !== undefined ? { rxnorm: e.rxnorm } : {}),
      ...(e.conditionClass !== undefined ? { conditionClass: e.conditionClass } : {}),
      matchKind: kind,
      matchedForm: c.ref.form,
      ambiguity: c.ambiguity,
    };
  }

  function matchSpan(text: string, begin: number, end: number, out: LexiconMention[]): void {
    const units = unitsOf(text, begin, end);
    const candidates: Candidate[] = [];
    for (let i = 0; i < units.length; i++) {
      if (!units[i]!.alnum) continue;
      const c = longestFrom(units, i);
      if (c !== undefined) candidates.push(c);
    }
    // longest first (in characters), then the better kind; earlier wins a tie
    candidates.sort((a, b) => {
      const la = units[a.to - 1]!.end - units[a.from]!.begin;
      const lb = units[b.to - 1]!.end - units[b.from]!.begin;
      if (la !== lb) return lb - la;
      if (better(a, b)) return -1;
      if (better(b, a)) return 1;
      return a.from - b.from;
    });
    const taken = new Uint8Array(units.length);
    const accepted: Candidate[] = [];
    for (const c of candidates) {
      let free = true;
      for (let k = c.from; k < c.to; k++) if (taken[k] === 1) free = false;
      if (!free) continue;
      for (let k = c.from; k < c.to; k++) taken[k] = 1;
      accepted.push(c);
    }
    accepted.sort((a, b) => a.from - b.from);
    for (const c of accepted) out.push(toMention(c, units));
  }

  return {
    match(doc: NlpDocument): LexiconMention[] {
      const out: LexiconMention[] = [];
      if (doc.sentences.length === 0) matchSpan(doc.text, 0, doc.text.length, out);
      else for (const s of doc.sentences) matchSpan(doc.text, s.begin, s.end, out);
      return out;
    },
  };
}
