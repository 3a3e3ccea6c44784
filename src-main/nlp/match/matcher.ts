/**
 * Dictionary matcher: finds lexicon terms in a note in one left-to-right pass per sentence.
 *
 * The lexicon's forms are stored in a trie keyed by match units (normalize.ts); from each unit the
 * matcher walks the trie as far as the note's units allow (terms are at most a few units long, so
 * this is O(units)). Case rules, value context and a bounded misspelling lookup (fuzzy.ts) are
 * checked on the way; overlapping matches are resolved longest first.
 */
import type { ConditionClass, EntityCategory, EntityType, Mention, NlpDocument, SectionKind } from '../types';
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
  /**
   * Sections whose mentions are dropped (default: allergies, whose drugs and reactions are
   * allergens, not the patient's medications or conditions, per the sample gold guideline).
   */
  excludeSections?: readonly SectionKind[];
  /** Edit-distance-1 misspelling lookup for words of 6+ letters (default true). */
  fuzzy?: boolean;
}

export interface LexiconMatcher {
  match(doc: NlpDocument): LexiconMention[];
}

interface TermRef {
  entry: MatchEntry;
  kind: SurfaceKind | 'pack' | 'stop';
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

const KIND_RANK: Record<MatchKind | 'stop', number> = { preferred: 6, synonym: 5, abbreviation: 4, misspelling: 3, pack: 2, fuzzy: 1, stop: 0 };

/** Words between a value-needing test name and its value: "K of 4.3", "BP: 120/80", "Temp was 38". */
const VALUE_FILLERS = new Set([':', '=', 'of', 'is', 'was', 'at', '-', '(', 'now', 'today']);

/** Verb forms are ordinary words far more often than misspelt terms ("waiting", "seating", "shaving"). */
const INFLECTED = /(?:ing|ed)$/;

/** Words between "of"/"in" and a body site a condition takes in ("pain in the left knee"). */
const SITE_DETERMINERS = new Set(['the', 'his', 'her', 'both', 'their', 'a', 'an', 'my']);

/** Words before a test name that make it one without a value: "will recheck TC", "order K". */
const TEST_VERBS = new Set(['check', 'checked', 'recheck', 'rechecked', 'repeat', 'repeated', 'order', 'ordered', 'obtain', 'obtained', 'draw', 'drew', 'trend', 'trending', 'monitor', 'follow', 'elevated', 'low', 'high', 'normal', 'abnormal']);

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
        if (builtin && u.alnum && ref.kind !== 'stop') {
          knownWords.add(u.key);
          // brand names are coined words that sit one letter from English ones ("Abilify", "ability"): exact only
          if (u.key.length >= FUZZY_MIN_LENGTH && !/\d/.test(u.key) && ref.kind !== 'misspelling' && ref.entry.type !== 'BRAND_NAME') deletionIndex.add(u.key);
        }
      }
      maxDepth = Math.max(maxDepth, variant.length);
      if (!builtin && node.terms !== undefined && node.terms.some((t) => t.kind !== 'pack')) continue;
      node.terms ??= [];
      if (!node.terms.some((t) => t.entry === ref.entry && t.caseSensitive === ref.caseSensitive && t.needsValue === ref.needsValue)) node.terms.push(ref);
    }
  };

  for (const entry of lexicon.entries) addEntry(entry);
  const STOP_ENTRY: MatchEntry = { category: 'MEDICAL_CONDITION', type: 'DX_NAME' };
  for (const phrase of lexicon.stopPhrases) {
    insert(phrase, { entry: STOP_ENTRY, kind: 'stop', form: phrase, written: writtenUnits(phrase), caseSensitive: false, needsValue: false }, true);
  }
  const excluded = new Set<SectionKind>(options.excludeSections ?? ['allergies']);
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

  /**
   * An abbreviation matches as written (or with a plural "s": "PVCs"), never through the plural
   * folding that serves words: "does" is not "DOE", "create" not "Creat", "rule" not "RUL". A single
   * letter after a number is a unit ("2 L"), not a direction.
   */
  function abbreviationOk(ref: TermRef, units: Unit[], from: number, to: number): boolean {
    let written = '';
    for (let k = from; k < to; k++) written += (k > from ? ' ' : '') + units[k]!.lower;
    const form = ref.written.toLowerCase();
    if (written !== form && written !== `${form}s`) return false;
    return !(form.length === 1 && units[from - 1]?.numeric === true);
  }

  function testVerbBefore(units: Unit[], from: number): boolean {
    const before = units[from - 1];
    return before !== undefined && TEST_VERBS.has(before.lower);
  }

  function caseOk(ref: TermRef, units: Unit[], from: number, to: number): boolean {
    if (!ref.caseSensitive) return true;
    // a short capitalised form before a ZIP code is a state ("Lansing, MI 48958")
    const next = units[to];
    if (next !== undefined && next.numeric && next.raw.length === 5 && ref.written.length <= 2) return false;
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

  /** Misspelling lookups by word: notes repeat their words, and the lookup is the costly part. */
  const nearbyCache = new Map<string, readonly string[]>();
  function nearby(word: string): readonly string[] {
    let hit = nearbyCache.get(word);
    if (hit === undefined) {
      if (nearbyCache.size > 100_000) nearbyCache.clear();
      hit = deletionIndex.nearby(word);
      nearbyCache.set(word, hit);
    }
    return hit;
  }

  /** The best valid term of a trie node for the span [from, to), or undefined. */
  function bestTerm(terms: TermRef[], units: Unit[], from: number, to: number, fuzzy: boolean): Candidate | undefined {
    let chosen: TermRef | undefined;
    let valid = 0;
    for (const ref of terms) {
      if (!caseOk(ref, units, from, to)) continue;
      if (ref.kind === 'abbreviation' && !abbreviationOk(ref, units, from, to)) continue;
      if (ref.needsValue && !valueFollows(units, to) && !testVerbBefore(units, from)) continue;
      valid++;
      if (chosen === undefined || rank(ref) > rank(chosen)) chosen = ref;
    }
    return chosen === undefined ? undefined : { from, to, ref: chosen, fuzzy, ambiguity: valid };
  }

  // the walk's stack, reused across calls (parallel arrays: no allocation per step)
  const stackNode: TrieNode[] = [];
  const stackAt: number[] = [];
  const stackFuzzy: boolean[] = [];

  /** The longest valid term starting at unit `from` (the better kind on a tie). */
  function longestFrom(units: Unit[], from: number): Candidate | undefined {
    let best: Candidate | undefined;
    let sp = 0;
    stackNode[sp] = root;
    stackAt[sp] = from;
    stackFuzzy[sp] = false;
    sp++;
    // depth-first over (node, next unit, fuzzy used); at most one misspelt word per term
    while (sp > 0) {
      sp--;
      const node = stackNode[sp]!;
      const at = stackAt[sp]!;
      const fuzzy = stackFuzzy[sp]!;
      if (at > from && node.terms !== undefined) {
        const cand = bestTerm(node.terms, units, from, at, fuzzy);
        if (cand !== undefined && (best === undefined || at > best.to || (at === best.to && better(cand, best)))) best = cand;
      }
      const next = node.next;
      if (next === undefined || at >= units.length || at - from >= maxDepth) continue;
      const u = units[at]!;
      if (at > from && u.newlineBefore) continue;
      const exact = next.get(u.key);
      if (exact !== undefined) {
        stackNode[sp] = exact;
        stackAt[sp] = at + 1;
        stackFuzzy[sp] = fuzzy;
        sp++;
      }
      const following = units[at + 1];
      if (following !== undefined && following.hyphenBefore) {
        const joined = next.get(u.key + following.key);
        if (joined !== undefined) {
          stackNode[sp] = joined;
          stackAt[sp] = at + 2;
          stackFuzzy[sp] = fuzzy;
          sp++;
        }
      }
      if (exact === undefined && fuzzyOn && !fuzzy && u.alnum && !u.numeric && u.key.length >= FUZZY_MIN_LENGTH && !knownWords.has(u.key) && !NOT_MISSPELLINGS.has(u.lower) && !INFLECTED.test(u.lower)) {
        for (const w of nearby(u.key)) {
          const child = next.get(w);
          if (child === undefined) continue;
          stackNode[sp] = child;
          stackAt[sp] = at + 1;
          stackFuzzy[sp] = true;
          sp++;
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

  function toMention(c: Candidate, units: Unit[], kind: MatchKind): LexiconMention {
    const e = c.ref.entry;
    const m: LexiconMention = {
      begin: units[c.from]!.begin,
      end: units[c.to - 1]!.end,
      category: e.category,
      type: e.type,
      score: MATCH_KIND_SCORE[kind],
      matchKind: kind,
      matchedForm: c.ref.form,
      ambiguity: c.ambiguity,
    };
    if (e.id !== undefined) m.lexiconId = e.id;
    if (e.icd10 !== undefined) m.icd10 = e.icd10;
    if (e.rxnorm !== undefined) m.rxnorm = e.rxnorm;
    if (e.conditionClass !== undefined) m.conditionClass = e.conditionClass;
    return m;
  }

  /** Keeps the longest of overlapping candidates (then the better kind, then the earlier). */
  function resolveOverlaps(candidates: Candidate[], units: Unit[]): Candidate[] {
    // one candidate per start, in start order: most sentences have no overlap at all
    let overlapping = false;
    for (let i = 1; i < candidates.length; i++) if (candidates[i]!.from < candidates[i - 1]!.to) overlapping = true;
    if (!overlapping) return candidates;
    const span = (c: Candidate): number => units[c.to - 1]!.end - units[c.from]!.begin;
    const order = [...candidates].sort((a, b) => span(b) - span(a) || (better(a, b) ? -1 : better(b, a) ? 1 : a.from - b.from));
    const taken = new Uint8Array(units.length);
    const accepted: Candidate[] = [];
    for (const c of order) {
      let free = true;
      for (let k = c.from; k < c.to; k++) if (taken[k] === 1) free = false;
      if (!free) continue;
      for (let k = c.from; k < c.to; k++) taken[k] = 1;
      accepted.push(c);
    }
    return accepted.sort((a, b) => a.from - b.from);
  }

  function isType(c: Candidate | undefined, type: EntityType): boolean {
    return c !== undefined && c.ref.kind !== 'stop' && c.ref.entry.type === type;
  }

  /**
   * A condition takes in the body site written with it, as the sample gold annotates it:
   * "osteoarthritis of the knee", "pain in the left hip" (site after "of"/"in"), "knee OA",
   * "left knee effusion" (site, with its directions, right before). The condition keeps its codes;
   * the linker reads the site words to pick the specific code. `accepted` is in text order.
   */
  function takeInSites(accepted: Candidate[], units: Unit[]): Candidate[] {
    const out: Candidate[] = [];
    for (let i = 0; i < accepted.length; i++) {
      const c = accepted[i]!;
      if (!isType(c, 'DX_NAME')) {
        out.push(c);
        continue;
      }
      let merged = c;
      // before: [DIRECTION]* SYSTEM_ORGAN_SITE, each right against the next (no punctuation between)
      let first = out.length;
      if (isType(out[first - 1], 'SYSTEM_ORGAN_SITE') && out[first - 1]!.to === c.from) {
        first--;
        while (isType(out[first - 1], 'DIRECTION') && out[first - 1]!.to === out[first]!.from) first--;
        merged = { ...merged, from: out[first]!.from };
        out.length = first;
      }
      // after: of|in [the|his|her|both]? [DIRECTION]* SYSTEM_ORGAN_SITE
      const link = units[c.to];
      if (link !== undefined && (link.lower === 'of' || link.lower === 'in')) {
        let k = c.to + 1;
        if (units[k] !== undefined && SITE_DETERMINERS.has(units[k]!.lower)) k++;
        let j = i + 1;
        while (isType(accepted[j], 'DIRECTION') && accepted[j]!.from === k) k = accepted[j++]!.to;
        if (isType(accepted[j], 'SYSTEM_ORGAN_SITE') && accepted[j]!.from === k) {
          merged = { ...merged, to: accepted[j]!.to };
          i = j;
        }
      }
      out.push(merged);
    }
    return out;
  }

  function matchSpan(text: string, begin: number, end: number, out: LexiconMention[]): void {
    const units = unitsOf(text, begin, end);
    const candidates: Candidate[] = [];
    for (let i = 0; i < units.length; i++) {
      if (!units[i]!.alnum) continue;
      const c = longestFrom(units, i);
      if (c !== undefined) candidates.push(c);
    }
    for (const c of takeInSites(resolveOverlaps(candidates, units), units)) {
      const kind = c.ref.kind;
      if (kind === 'stop') continue;
      out.push(toMention(c, units, c.fuzzy ? 'fuzzy' : kind));
    }
  }

  /** Drops mentions inside a recognised section heading or in an excluded section. Sections are in text order. */
  function keepInSections(doc: NlpDocument, m: LexiconMention): boolean {
    const sections = doc.sections;
    let lo = 0;
    let hi = sections.length - 1;
    let found = -1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      if (sections[mid]!.headingBegin <= m.begin) {
        found = mid;
        lo = mid + 1;
      } else hi = mid - 1;
    }
    if (found < 0) return true;
    const s = sections[found]!;
    // a known heading is no mention ("ALLERGIES:"); an unknown one may be a label that is ("CXR: clear")
    if (m.begin < s.headingEnd && s.heading !== '' && s.kind !== 'unknown') return false;
    return !excluded.has(s.kind);
  }

  return {
    match(doc: NlpDocument): LexiconMention[] {
      const out: LexiconMention[] = [];
      if (doc.sentences.length === 0) matchSpan(doc.text, 0, doc.text.length, out);
      else for (const s of doc.sentences) matchSpan(doc.text, s.begin, s.end, out);
      return doc.sections.length === 0 ? out : out.filter((m) => keepInSections(doc, m));
    },
  };
}
