/**
 * Concept search for the review workspace ("change concept", docs/concept-search.md): one
 * in-memory index over the ICD-10-CM and RxNorm packs stored in the vault and the built-in
 * lexicon's conditions and medications, answering a coder's query in a few milliseconds.
 *
 * Layout: concepts (one per system and code, whatever the sources), texts (a concept's titles,
 * index-term phrases, synonyms, abbreviations, brand names) as token-id runs, and a sorted token
 * dictionary with postings in token order, so every word prefix is one contiguous token range and
 * one contiguous slice of postings. A query costs the postings of its rarest word, checked against
 * the few tokens of each candidate text.
 */
import type { ConceptHit, ConceptSearchResult, ConceptSystem } from './types';
import { builtinLexicon } from '../nlp/lexicon';
import { surfaceForm } from '../nlp/lexicon/parse';
import type { TerminologyPacks } from '../nlp/terminology';
import { indexTermPhrases, INDEX_PATH_SEPARATOR } from '../nlp/terminology/icd10cm-pack';
import { bareIcd10Code, dottedIcd10Code } from '../nlp/terminology/icd10cm-order';
import { normalizeTerm, STOP_WORDS } from '../nlp/terminology/normalize';

const ICD = 0;
const RXNORM = 1;
const SYSTEMS: readonly ConceptSystem[] = ['ICD10CM', 'RXNORM'];

/** RxNorm term types searched (components, groups, packs and dose forms are not what a coder picks). */
const SEARCHED_TTYS = new Set(['IN', 'PIN', 'MIN', 'BN', 'SCD', 'SBD', 'SCDF', 'SBDF']);
/** RxNorm types that play the part of ICD-10-CM's billable codes in the ranking's tie-break. */
const PREFERRED_TTYS = new Set(['IN', 'PIN', 'MIN', 'BN']);

/** Query words considered (one bit each in a 32-bit mask); a 200-character query rarely has more. */
const MAX_QUERY_WORDS = 30;
/** Words this long or longer may carry one typo. */
const TYPO_MIN_LENGTH = 5;
/** Texts added between two yields to the event loop while building (the store worker keeps answering). */
const BUILD_SLICE = 20_000;

/**
 * Score bands (higher first): exact code 6; code prefix 5 (minus a little per position, so the
 * code order is kept); words 2..4 (2 + start-of-text + coverage); words with a typo 0..1.
 */
const EXACT_CODE_SCORE = 6;
const CODE_PREFIX_SCORE = 5;
const WORDS_SCORE = 2;

export interface ConceptSearchOptions {
  systems?: readonly ConceptSystem[];
  /** 1..50; default 20. */
  limit?: number;
  /** Only billable ICD-10-CM codes (RxNorm concepts are not filtered by it). */
  billableOnly?: boolean;
}

export interface ConceptIndexStats {
  concepts: number;
  texts: number;
  tokens: number;
  postings: number;
}

/** Sources of the index: packs (as stored in the vault) and, unless switched off, the lexicon. */
export interface ConceptIndexSources extends TerminologyPacks {
  /** Default true. */
  lexicon?: boolean;
}

function yieldToEventLoop(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

/** A text's words as the index keeps them: normalised, stop words out (all of them kept when the text is only stop words). */
function words(text: string): string[] {
  const normalized = normalizeTerm(text);
  if (normalized.length === 0) return [];
  const all = normalized.split(' ');
  const content = all.filter((w) => !STOP_WORDS.has(w));
  return content.length > 0 ? content : all;
}

function capitalize(s: string): string {
  return s.length === 0 ? s : s[0]!.toUpperCase() + s.slice(1);
}

class ConceptIndexBuilder {
  readonly system: number[] = [];
  readonly codes: string[] = [];
  /** ICD-10-CM: bare upper-case code; RxNorm: the RXCUI. */
  readonly keys: string[] = [];
  readonly displays: string[] = [];
  readonly fromPack: number[] = [];
  readonly billable: number[] = [];
  readonly ttys: Array<string | undefined> = [];
  readonly preferred: number[] = [];
  private readonly byKey = new Map<string, number>();

  readonly textConcept: number[] = [];
  readonly textEnd: number[] = [];
  readonly textTokens: number[] = [];
  readonly tokenIds = new Map<string, number>();
  /** Texts already recorded, per concept: `concept\u0000normalized words`. */
  private readonly seenTexts = new Set<string>();

  /** The concept of (system, code), created when new; a pack's concept keeps its display when the lexicon adds the same code. */
  concept(system: number, code: string, display: string, source: 'pack' | 'lexicon', flags: { billable?: boolean; tty?: string }): number {
    const key = system === ICD ? bareIcd10Code(code) : code.trim();
    const mapKey = `${system}:${key}`;
    const existing = this.byKey.get(mapKey);
    if (existing !== undefined) return existing;
    const id = this.codes.length;
    this.byKey.set(mapKey, id);
    this.system.push(system);
    this.codes.push(system === ICD ? dottedIcd10Code(key) : key);
    this.keys.push(key);
    this.displays.push(display);
    this.fromPack.push(source === 'pack' ? 1 : 0);
    this.billable.push(flags.billable === true ? 1 : 0);
    this.ttys.push(flags.tty);
    this.preferred.push(system === ICD ? (flags.billable === true ? 1 : 0) : flags.tty === undefined || PREFERRED_TTYS.has(flags.tty) ? 1 : 0);
    return id;
  }

  /** Adds a searchable text of a concept; the same words twice for one concept are kept once. */
  text(concept: number, text: string): void {
    const tokens = words(text);
    if (tokens.length === 0) return;
    const seenKey = `${concept}\u0000${tokens.join(' ')}`;
    if (this.seenTexts.has(seenKey)) return;
    this.seenTexts.add(seenKey);
    for (const token of tokens) {
      let id = this.tokenIds.get(token);
      if (id === undefined) {
        id = this.tokenIds.size;
        this.tokenIds.set(token, id);
      }
      this.textTokens.push(id);
    }
    this.textConcept.push(concept);
    this.textEnd.push(this.textTokens.length);
  }

  get textCount(): number {
    return this.textConcept.length;
  }
}

/** Adds the ICD-10-CM pack: every code (headers too) with its long title, the title without parenthesised modifiers, and the Alphabetic Index phrases. */
async function addIcd10Pack(builder: ConceptIndexBuilder, pack: NonNullable<TerminologyPacks['icd10']>): Promise<void> {
  const ids = new Int32Array(pack.codes.length);
  for (let i = 0; i < pack.codes.length; i++) {
    const title = pack.longTitles[i]!;
    const id = builder.concept(ICD, pack.codes[i]!, title, 'pack', { billable: pack.billable.charCodeAt(i) === 49 });
    ids[i] = id;
    builder.text(id, title);
    // "Essential (primary) hypertension" also reads "essential hypertension" (start-of-text ranking).
    builder.text(id, title.replace(/\s*[([][^)\]]*[)\]]/g, ''));
    if (i % BUILD_SLICE === BUILD_SLICE - 1) await yieldToEventLoop();
  }
  for (let t = 0; t < pack.indexTermPaths.length; t++) {
    const id = ids[pack.indexTermCodes[t]!]!;
    for (const phrase of indexTermPhrases(pack.indexTermPaths[t]!.split(INDEX_PATH_SEPARATOR))) builder.text(id, phrase);
    if (t % (BUILD_SLICE / 4) === BUILD_SLICE / 4 - 1) await yieldToEventLoop();
  }
}

/** Adds the RxNorm pack's searched concepts with their names and synonyms. */
async function addRxNormPack(builder: ConceptIndexBuilder, pack: NonNullable<TerminologyPacks['rxnorm']>): Promise<void> {
  const ids = new Int32Array(pack.rxcuis.length).fill(-1);
  for (let i = 0; i < pack.rxcuis.length; i++) {
    const tty = pack.ttys[i]!;
    if (!SEARCHED_TTYS.has(tty)) continue;
    const id = builder.concept(RXNORM, pack.rxcuis[i]!, pack.names[i]!, 'pack', { tty });
    ids[i] = id;
    builder.text(id, pack.names[i]!);
    if (i % BUILD_SLICE === BUILD_SLICE - 1) await yieldToEventLoop();
  }
  for (let s = 0; s < pack.synonymConcepts.length; s++) {
    const id = ids[pack.synonymConcepts[s]!]!;
    if (id >= 0) builder.text(id, pack.synonymTexts[s]!);
  }
  // A brand name also finds its ingredients ("Zestril" → lisinopril), as the lexicon does.
  for (let l = 0; l < pack.brandConcepts.length; l++) {
    const id = ids[pack.brandIngredients[l]!]!;
    if (id >= 0) builder.text(id, pack.names[pack.brandConcepts[l]!]!);
  }
}

/** Adds the lexicon's conditions (ICD-10-CM) and medications (RxNorm ingredients, brands, clinical drugs) with every written form. */
function addLexicon(builder: ConceptIndexBuilder): void {
  const lexicon = builtinLexicon();
  const form = (written: string) => surfaceForm(written, 'synonym').text;
  for (const record of lexicon.conditions) {
    // The lexicon's codes are billable FY2026 codes (its tests check them against the CDC order file).
    const id = builder.concept(ICD, record.code, capitalize(form(record.preferred)), 'lexicon', { billable: true });
    for (const text of [record.preferred, ...record.synonyms, ...record.abbreviations, ...record.misspellings]) builder.text(id, form(text));
  }
  for (const record of lexicon.medications) {
    const id = builder.concept(RXNORM, record.rxcui, record.name, 'lexicon', { tty: 'IN' });
    for (const text of [record.name, ...record.synonyms, ...record.abbreviations, ...record.misspellings]) builder.text(id, form(text));
    for (const brand of record.brands) {
      // A brand name also finds its ingredient (what the linker codes a brand mention to).
      builder.text(id, form(brand.name));
      if (brand.rxcui !== undefined) builder.text(builder.concept(RXNORM, brand.rxcui, brand.name, 'lexicon', { tty: 'BN' }), form(brand.name));
    }
    for (const drug of record.clinicalDrugs) builder.text(builder.concept(RXNORM, drug.rxcui, drug.name, 'lexicon', { tty: 'SCD' }), drug.name);
  }
}

/** Builds the index; yields to the event loop now and then, so a worker serving other calls stays responsive. */
export async function buildConceptIndex(sources: ConceptIndexSources): Promise<ConceptIndex> {
  const builder = new ConceptIndexBuilder();
  const vocabularies: string[][] = [[], []];
  // Packs first: their concepts carry the official display when the lexicon has the same code.
  if (sources.icd10) {
    await addIcd10Pack(builder, sources.icd10);
    vocabularies[ICD]!.push(sources.icd10.version);
  }
  if (sources.rxnorm) {
    await addRxNormPack(builder, sources.rxnorm);
    vocabularies[RXNORM]!.push(sources.rxnorm.version);
  }
  if (sources.lexicon !== false) {
    addLexicon(builder);
    const name = `lexicon ${builtinLexicon().version}`;
    vocabularies[ICD]!.push(name);
    vocabularies[RXNORM]!.push(name);
  }
  await yieldToEventLoop();
  return new ConceptIndex(freeze(builder), vocabularies);
}

interface IndexData {
  system: Uint8Array;
  codes: string[];
  keys: string[];
  displays: string[];
  fromPack: Uint8Array;
  billable: Uint8Array;
  ttys: Array<string | undefined>;
  preferred: Uint8Array;
  textConcept: Int32Array;
  /** Tokens of text t: textTokens[textStart(t) .. textEnd[t]). */
  textEnd: Int32Array;
  textTokens: Int32Array;
  /** Sorted token strings; a token's id is its position. */
  tokens: string[];
  /** Texts of token k: postings[postingStart[k] .. postingStart[k + 1]), ascending. */
  postingStart: Int32Array;
  postings: Int32Array;
  /** Concept ids sorted by code key, per system (code prefix search). */
  codeOrder: [Int32Array, Int32Array];
}

/** Sorts the token dictionary (prefix = contiguous id range) and lays postings out in token order. */
function freeze(b: ConceptIndexBuilder): IndexData {
  const provisional = [...b.tokenIds.keys()];
  const order = provisional.map((_, i) => i).sort((x, y) => (provisional[x]! < provisional[y]! ? -1 : provisional[x]! > provisional[y]! ? 1 : 0));
  const remap = new Int32Array(provisional.length);
  order.forEach((old, sorted) => (remap[old] = sorted));
  const tokens = order.map((old) => provisional[old]!);
  const textTokens = Int32Array.from(b.textTokens, (old) => remap[old]!);
  const textEnd = Int32Array.from(b.textEnd);
  const textCount = textEnd.length;

  // Postings: one entry per (token, text), a token repeated in a text counted once.
  const df = new Int32Array(tokens.length);
  const lastText = new Int32Array(tokens.length).fill(-1);
  let start = 0;
  for (let t = 0; t < textCount; t++) {
    for (let i = start; i < textEnd[t]!; i++) {
      const token = textTokens[i]!;
      if (lastText[token] === t) continue;
      lastText[token] = t;
      df[token]! += 1;
    }
    start = textEnd[t]!;
  }
  const postingStart = new Int32Array(tokens.length + 1);
  for (let k = 0; k < tokens.length; k++) postingStart[k + 1] = postingStart[k]! + df[k]!;
  const postings = new Int32Array(postingStart[tokens.length]!);
  const fill = postingStart.slice(0, tokens.length);
  lastText.fill(-1);
  start = 0;
  for (let t = 0; t < textCount; t++) {
    for (let i = start; i < textEnd[t]!; i++) {
      const token = textTokens[i]!;
      if (lastText[token] === t) continue;
      lastText[token] = t;
      postings[fill[token]!++] = t;
    }
    start = textEnd[t]!;
  }

  const codeOrder = (system: number): Int32Array => {
    const ids: number[] = [];
    for (let c = 0; c < b.codes.length; c++) if (b.system[c] === system) ids.push(c);
    ids.sort((x, y) => (b.keys[x]! < b.keys[y]! ? -1 : b.keys[x]! > b.keys[y]! ? 1 : 0));
    return Int32Array.from(ids);
  };
  return {
    system: Uint8Array.from(b.system),
    codes: b.codes,
    keys: b.keys,
    displays: b.displays,
    fromPack: Uint8Array.from(b.fromPack),
    billable: Uint8Array.from(b.billable),
    ttys: b.ttys,
    preferred: Uint8Array.from(b.preferred),
    textConcept: Int32Array.from(b.textConcept),
    textEnd,
    textTokens,
    tokens,
    postingStart,
    postings,
    codeOrder: [codeOrder(ICD), codeOrder(RXNORM)],
  };
}

/** First index in `sorted` (strings ascending) whose value is >= `value`, over ids mapped by `at`. */
function lowerBound(length: number, at: (i: number) => string, value: string): number {
  let lo = 0;
  let hi = length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (at(mid) < value) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** `b` starting at `bFrom` begins with `a` from `aFrom` on (a past its end: true). */
function continuesWith(a: string, aFrom: number, b: string, bFrom: number): boolean {
  if (b.length - bFrom < a.length - aFrom) return false;
  for (let i = aFrom, j = bFrom; i < a.length; i++, j++) if (a.charCodeAt(i) !== b.charCodeAt(j)) return false;
  return true;
}

/**
 * True when some prefix of `token` is one edit away from `word` (a substitution, an insertion, a
 * deletion or two adjacent letters swapped), but `word` is not itself a prefix of `token`.
 */
export function prefixWithinOneEdit(word: string, token: string): boolean {
  let k = 0;
  const shared = Math.min(word.length, token.length);
  while (k < shared && word.charCodeAt(k) === token.charCodeAt(k)) k++;
  if (k === word.length) return false;
  return (
    continuesWith(word, k + 1, token, k + 1) || // substitution
    continuesWith(word, k + 1, token, k) || // an extra letter in the word
    continuesWith(word, k, token, k + 1) || // a letter missing from the word
    (k + 1 < word.length && word.charCodeAt(k) === token.charCodeAt(k + 1) && word.charCodeAt(k + 1) === token.charCodeAt(k) && continuesWith(word, k + 2, token, k + 2))
  );
}

/** A query word's matching tokens: sorted, disjoint [from, to) ranges of token ids. */
type TokenRanges = number[];

export class ConceptIndex {
  /** Per-token bit mask of the query words it matches; all zero between queries. */
  private readonly tokenMask: Uint32Array;
  /** Query stamps: a text or concept already looked at in the current pass. */
  private readonly textStamp: Int32Array;
  private readonly conceptStamp: Int32Array;
  private readonly conceptScore: Float64Array;
  private stamp = 0;

  constructor(
    private readonly data: IndexData,
    /** Versions searched, per system (ICD10CM, RXNORM). */
    private readonly vocabularyNames: string[][],
  ) {
    this.tokenMask = new Uint32Array(data.tokens.length);
    this.textStamp = new Int32Array(data.textEnd.length);
    this.conceptStamp = new Int32Array(data.codes.length);
    this.conceptScore = new Float64Array(data.codes.length);
  }

  get stats(): ConceptIndexStats {
    return { concepts: this.data.codes.length, texts: this.data.textEnd.length, tokens: this.data.tokens.length, postings: this.data.postings.length };
  }

  /** The vocabularies searched for these systems, e.g. ['icd10cm-2026', 'lexicon hearth-lexicon-2']. */
  vocabularies(systems: readonly ConceptSystem[] = SYSTEMS): string[] {
    const names: string[] = [];
    for (const system of systems) for (const name of this.vocabularyNames[SYSTEMS.indexOf(system)] ?? []) if (!names.includes(name)) names.push(name);
    return names;
  }

  /**
   * Ranks concepts for a coder's query: exact code > code prefix > all query words at the start of
   * a text > the share of the text's words the query covers > billable (RxNorm: ingredient or
   * brand) > shorter display. Every query word must match a word of one text by prefix, in any
   * order; when that finds fewer than `limit` concepts, a word of 5 letters or more may also match
   * with one typo (ranked below every exact match).
   */
  search(query: string, options: ConceptSearchOptions = {}): ConceptHit[] {
    const limit = Math.max(1, Math.min(50, Math.floor(options.limit ?? 20)));
    const systems = options.systems && options.systems.length > 0 ? options.systems : SYSTEMS;
    let systemMask = 0;
    for (const system of systems) systemMask |= 1 << SYSTEMS.indexOf(system);
    const allowed = (c: number): boolean => {
      const system = this.data.system[c]!;
      if (((systemMask >> system) & 1) === 0) return false;
      return !(options.billableOnly === true && system === ICD && this.data.billable[c] === 0);
    };

    this.stamp += 1;
    const touched: number[] = [];
    const note = (c: number, score: number): void => {
      if (this.conceptStamp[c] !== this.stamp) {
        this.conceptStamp[c] = this.stamp;
        this.conceptScore[c] = score;
        touched.push(c);
      } else if (score > this.conceptScore[c]!) this.conceptScore[c] = score;
    };

    this.searchCodes(query, limit, allowed, note);
    const queryWords = this.queryWords(query);
    if (queryWords.length > 0) {
      const exact = queryWords.map((w) => this.prefixRange(w));
      this.searchWords(exact, false, allowed, note);
      if (touched.length < limit && queryWords.some((w) => w.length >= TYPO_MIN_LENGTH)) {
        const fuzzy = queryWords.map((w, i) => (w.length >= TYPO_MIN_LENGTH ? this.withTypos(w, exact[i]!) : exact[i]!));
        this.stamp += 1;
        // The second pass re-stamps texts; concept scores of the first pass must survive it.
        for (const c of touched) this.conceptStamp[c] = this.stamp;
        this.searchWords(fuzzy, true, allowed, note);
      }
    }
    return this.top(touched, limit).map((c) => this.hit(c));
  }

  private hit(c: number): ConceptHit {
    const d = this.data;
    const system = SYSTEMS[d.system[c]!]!;
    const hit: ConceptHit = {
      system,
      code: d.codes[c]!,
      display: d.displays[c]!,
      source: d.fromPack[c] === 1 ? 'pack' : 'lexicon',
      score: Math.round(this.conceptScore[c]! * 10_000) / 10_000,
    };
    if (system === 'ICD10CM') hit.billable = d.billable[c] === 1;
    else if (d.ttys[c] !== undefined) hit.tty = d.ttys[c]!;
    return hit;
  }

  /** The query's words (normalised like the texts), duplicates once, at most MAX_QUERY_WORDS. */
  private queryWords(query: string): string[] {
    return [...new Set(words(query))].slice(0, MAX_QUERY_WORDS);
  }

  private prefixRange(word: string): TokenRanges {
    const { tokens } = this.data;
    const from = lowerBound(tokens.length, (i) => tokens[i]!, word);
    const to = lowerBound(tokens.length, (i) => tokens[i]!, `${word}\uffff`);
    return from < to ? [from, to] : [];
  }

  /** The word's prefix range plus every token one edit away (a scan of the dictionary: done only when exact matching found little). */
  private withTypos(word: string, exact: TokenRanges): TokenRanges {
    const { tokens } = this.data;
    const ranges: TokenRanges = [];
    const [exactFrom = -1, exactTo = -1] = exact;
    for (let k = 0; k < tokens.length; k++) {
      if (k === exactFrom) {
        // The exact range joins in order (ranges stay sorted and disjoint).
        ranges.push(exactFrom, exactTo);
        k = exactTo - 1;
        continue;
      }
      const token = tokens[k]!;
      if (token.length < word.length - 1 || !prefixWithinOneEdit(word, token)) continue;
      if (ranges.length > 0 && ranges[ranges.length - 1] === k) ranges[ranges.length - 1] = k + 1;
      else ranges.push(k, k + 1);
    }
    return ranges;
  }

  private postingCount(ranges: TokenRanges): number {
    let count = 0;
    for (let r = 0; r < ranges.length; r += 2) count += this.data.postingStart[ranges[r + 1]!]! - this.data.postingStart[ranges[r]!]!;
    return count;
  }

  /** Every text holding all the query words scores its concept (AND over words, any order). */
  private searchWords(wordRanges: TokenRanges[], typo: boolean, allowed: (c: number) => boolean, note: (c: number, score: number) => void): void {
    if (wordRanges.some((r) => r.length === 0)) return;
    const { postingStart, postings, textEnd, textTokens, textConcept } = this.data;
    const mask = this.tokenMask;
    const wordCount = wordRanges.length;
    // At most MAX_QUERY_WORDS (30) words: the mask fits a positive 31-bit integer.
    const full = (1 << wordCount) - 1;
    let driver = 0;
    let driverCount = Infinity;
    wordRanges.forEach((ranges, w) => {
      for (let r = 0; r < ranges.length; r += 2) for (let k = ranges[r]!; k < ranges[r + 1]!; k++) mask[k]! |= 1 << w;
      const count = this.postingCount(ranges);
      if (count < driverCount) {
        driverCount = count;
        driver = w;
      }
    });
    try {
      const driverRanges = wordRanges[driver]!;
      for (let r = 0; r < driverRanges.length; r += 2) {
        for (let p = postingStart[driverRanges[r]!]!; p < postingStart[driverRanges[r + 1]!]!; p++) {
          const text = postings[p]!;
          if (this.textStamp[text] === this.stamp) continue;
          this.textStamp[text] = this.stamp;
          const concept = textConcept[text]!;
          if (!allowed(concept)) continue;
          const from = text === 0 ? 0 : textEnd[text - 1]!;
          const to = textEnd[text]!;
          let seen = 0;
          let covered = 0;
          for (let i = from; i < to; i++) {
            const m = mask[textTokens[i]!]!;
            if (m !== 0) {
              seen |= m;
              covered += 1;
            }
          }
          if (seen !== full) continue;
          // All words at the start: the i-th query word matches the text's i-th word.
          let start = to - from >= wordCount ? 1 : 0;
          for (let w = 0; start === 1 && w < wordCount; w++) if ((mask[textTokens[from + w]!]! & (1 << w)) === 0) start = 0;
          const coverage = Math.round((covered / (to - from)) * 100) / 100;
          const score = start + coverage * 0.99;
          note(concept, typo ? score / 2 : WORDS_SCORE + score);
        }
      }
    } finally {
      for (const ranges of wordRanges) for (let r = 0; r < ranges.length; r += 2) mask.fill(0, ranges[r]!, ranges[r + 1]!);
    }
  }

  /** An ICD-10-CM code (`I10`, `E11.6`, `e116`) or RXCUI digits, exact then prefix in code order. */
  private searchCodes(query: string, limit: number, allowed: (c: number) => boolean, note: (c: number, score: number) => void): void {
    const compact = query.replace(/[\s.]/g, '').toUpperCase();
    let system: number;
    if (/^[A-Z]\d[0-9A-Z]{0,5}$/.test(compact)) system = ICD;
    else if (/^\d{1,9}$/.test(compact)) system = RXNORM;
    else return;
    const { keys } = this.data;
    const order = this.data.codeOrder[system as 0 | 1];
    let rank = 0;
    for (let i = lowerBound(order.length, (j) => keys[order[j]!]!, compact); i < order.length && rank < limit; i++) {
      const c = order[i]!;
      const key = keys[c]!;
      if (!key.startsWith(compact)) break;
      if (!allowed(c)) continue;
      note(c, key === compact ? EXACT_CODE_SCORE : CODE_PREFIX_SCORE - rank * 1e-4);
      rank += 1;
    }
  }

  /** The `limit` best concepts, best first, without sorting every candidate. */
  private top(candidates: readonly number[], limit: number): number[] {
    const kept: number[] = [];
    for (const c of candidates) {
      if (kept.length === limit && this.compare(c, kept[limit - 1]!) >= 0) continue;
      let at = kept.length === limit ? limit - 1 : kept.length;
      while (at > 0 && this.compare(c, kept[at - 1]!) < 0) {
        kept[at] = kept[at - 1]!;
        at -= 1;
      }
      kept[at] = c;
    }
    return kept;
  }

  private compare(a: number, b: number): number {
    const d = this.data;
    const scoreA = this.conceptScore[a]!;
    const scoreB = this.conceptScore[b]!;
    if (scoreA !== scoreB) return scoreB - scoreA;
    if (d.preferred[a] !== d.preferred[b]) return d.preferred[b]! - d.preferred[a]!;
    const lengthA = d.displays[a]!.length;
    const lengthB = d.displays[b]!.length;
    if (lengthA !== lengthB) return lengthA - lengthB;
    if (d.system[a] !== d.system[b]) return d.system[a]! - d.system[b]!;
    return d.keys[a]! < d.keys[b]! ? -1 : d.keys[a]! > d.keys[b]! ? 1 : 0;
  }
}

/**
 * The session's concept search: the index is built on the first search from the packs stored in
 * the vault (and the lexicon), reused after that, and dropped when a terminology import stores a
 * pack (`invalidate`), so the next search rebuilds it.
 */
export class ConceptSearch {
  private current: Promise<ConceptIndex> | undefined;

  constructor(private readonly loadPacks: () => Promise<TerminologyPacks>) {}

  /** The packs changed: the next search builds a new index (a search already waiting keeps the old one). */
  invalidate(): void {
    this.current = undefined;
  }

  /** The index, built when needed; a failed build is forgotten, so the next search tries again. */
  index(): Promise<ConceptIndex> {
    if (this.current === undefined) {
      const building = this.loadPacks().then((packs) => buildConceptIndex(packs));
      this.current = building;
      building.catch(() => {
        if (this.current === building) this.current = undefined;
      });
    }
    return this.current;
  }

  /** `concepts.search`; tookMs covers the whole call (a first call includes building the index). */
  async search(query: string, options: ConceptSearchOptions = {}): Promise<ConceptSearchResult> {
    const started = performance.now();
    const index = await this.index();
    const hits = index.search(query, options);
    return { hits, tookMs: Math.round((performance.now() - started) * 100) / 100, vocabularies: index.vocabularies(options.systems) };
  }
}
