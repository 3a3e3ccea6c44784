/**
 * The search structure behind every loaded pack: codes with a description, terms (titles, index
 * terms, synonyms) pointing at them, an exact-phrase map and a token inverted index in flat typed
 * arrays (compressed-row postings), so 100k codes with 250k terms stay a few tens of MB.
 *
 * Ranking (CodeSystemIndex.search): a term whose whole normalised text equals the phrase scores 1;
 * otherwise the IDF-weighted Dice overlap between the phrase's content tokens and the term's,
 * 2·Σidf(shared) / (Σidf(phrase) + Σidf(term)), scaled below 1 so an exact phrase always comes first.
 * A code's score is its best term's. Work per query is bounded by the postings of its rarer tokens.
 */
import type { ConceptCandidate } from '../types';
import { contentTokens, normalizeTerm } from './normalize';

/** Non-exact matches stay below every exact one. */
const PARTIAL_MATCH_CEILING = 0.95;
/** Tokens in more terms than this only re-score candidates that rarer tokens found (no postings walk). */
const CANDIDATE_DF_LIMIT = 8_000;

/** Turns a code as a caller may write it into the index's key (ICD-10-CM: with or without the dot). */
export type CodeKey = (code: string) => string;

export interface TermEntry {
  term: string;
  code: string;
}

export class TermIndexBuilder {
  private readonly codes: string[] = [];
  private readonly descriptions: string[] = [];
  private readonly preferred: number[] = [];
  private readonly codeIndexByKey = new Map<string, number>();
  private readonly termCode: number[] = [];
  private readonly termTokenEnd: number[] = [];
  private readonly termTokens: number[] = [];
  private readonly tokenIds = new Map<string, number>();
  private readonly tokenDf: number[] = [];
  /** The last term each token was added to. */
  private readonly tokenLastTerm: number[] = [];
  /** Exact normalised text → one code index or several. */
  private readonly exact = new Map<string, number | number[]>();

  constructor(private readonly codeKey: CodeKey) {}

  /** Adds a code (or returns the existing one's index); `preferred` codes win ties (billable codes, ingredients). */
  addCode(code: string, description: string, preferred: boolean): number {
    const key = this.codeKey(code);
    const existing = this.codeIndexByKey.get(key);
    if (existing !== undefined) return existing;
    const index = this.codes.length;
    this.codes.push(code);
    this.descriptions.push(description);
    this.preferred.push(preferred ? 1 : 0);
    this.codeIndexByKey.set(key, index);
    return index;
  }

  codeIndex(code: string): number | undefined {
    return this.codeIndexByKey.get(this.codeKey(code));
  }

  get codeCount(): number {
    return this.codes.length;
  }

  /** Adds a term of a code; a text already recorded for that code is skipped. Returns false when skipped or empty. */
  addTerm(codeIndex: number, text: string): boolean {
    const normalized = normalizeTerm(text);
    if (normalized.length === 0) return false;
    const known = this.exact.get(normalized);
    if (known === codeIndex || (Array.isArray(known) && known.includes(codeIndex))) return false;
    if (known === undefined) this.exact.set(normalized, codeIndex);
    else if (Array.isArray(known)) known.push(codeIndex);
    else this.exact.set(normalized, [known, codeIndex]);

    const term = this.termCode.length;
    for (const token of contentTokens(normalized)) {
      let id = this.tokenIds.get(token);
      if (id === undefined) {
        id = this.tokenDf.length;
        this.tokenIds.set(token, id);
        this.tokenDf.push(0);
        this.tokenLastTerm.push(-1);
      }
      // A word twice in one term counts once (a stamp per token instead of a Set per term).
      if (this.tokenLastTerm[id] === term) continue;
      this.tokenLastTerm[id] = term;
      this.termTokens.push(id);
      this.tokenDf[id]! += 1;
    }
    this.termCode.push(codeIndex);
    this.termTokenEnd.push(this.termTokens.length);
    return true;
  }

  get termCount(): number {
    return this.termCode.length;
  }

  build(): TermIndex {
    const termCount = this.termCode.length;
    const tokenCount = this.tokenDf.length;
    const idf = new Float64Array(tokenCount);
    for (let t = 0; t < tokenCount; t++) idf[t] = Math.log(1 + termCount / this.tokenDf[t]!);
    const termTokenEnd = Int32Array.from(this.termTokenEnd);
    const termTokens = Int32Array.from(this.termTokens);
    const termWeight = new Float32Array(termCount);
    const postingStart = new Int32Array(tokenCount + 1);
    for (let t = 0; t < tokenCount; t++) postingStart[t + 1] = postingStart[t]! + this.tokenDf[t]!;
    const postings = new Int32Array(postingStart[tokenCount]!);
    const fill = postingStart.slice(0, tokenCount);
    let start = 0;
    for (let term = 0; term < termCount; term++) {
      const end = termTokenEnd[term]!;
      let weight = 0;
      for (let i = start; i < end; i++) {
        const token = termTokens[i]!;
        weight += idf[token]!;
        postings[fill[token]!++] = term;
      }
      termWeight[term] = weight;
      start = end;
    }
    return new TermIndex({
      codes: this.codes,
      descriptions: this.descriptions,
      preferred: Uint8Array.from(this.preferred),
      codeIndexByKey: this.codeIndexByKey,
      codeKey: this.codeKey,
      termCode: Int32Array.from(this.termCode),
      termTokenEnd,
      termTokens,
      termWeight,
      tokenIds: this.tokenIds,
      idf,
      postingStart,
      postings,
      exact: this.exact,
    });
  }
}

interface TermIndexData {
  codes: string[];
  descriptions: string[];
  preferred: Uint8Array;
  codeIndexByKey: Map<string, number>;
  codeKey: CodeKey;
  termCode: Int32Array;
  termTokenEnd: Int32Array;
  termTokens: Int32Array;
  termWeight: Float32Array;
  tokenIds: Map<string, number>;
  idf: Float64Array;
  postingStart: Int32Array;
  postings: Int32Array;
  exact: Map<string, number | number[]>;
}

export class TermIndex {
  private readonly maxIdf: number;
  /** Per-term shared IDF of the query being scored; all zero between queries (search is synchronous). */
  private readonly accumulator: Float64Array;

  constructor(private readonly data: TermIndexData) {
    this.maxIdf = Math.log(1 + Math.max(1, data.termCode.length));
    this.accumulator = new Float64Array(data.termCode.length);
  }

  get codeCount(): number {
    return this.data.codes.length;
  }

  get termCount(): number {
    return this.data.termCode.length;
  }

  codeIndex(code: string): number | undefined {
    return this.data.codeIndexByKey.get(this.data.codeKey(code));
  }

  code(codeIndex: number): string {
    return this.data.codes[codeIndex]!;
  }

  describe(code: string): string | undefined {
    const index = this.codeIndex(code);
    return index === undefined ? undefined : this.data.descriptions[index];
  }

  descriptionAt(codeIndex: number): string {
    return this.data.descriptions[codeIndex]!;
  }

  search(phrase: string, limit: number): ConceptCandidate[] {
    if (limit <= 0) return [];
    const normalized = normalizeTerm(phrase);
    if (normalized.length === 0) return [];
    const best = new Map<number, number>();
    const exact = this.data.exact.get(normalized);
    if (exact !== undefined) for (const codeIndex of Array.isArray(exact) ? exact : [exact]) best.set(codeIndex, 1);
    this.scoreTokens(normalized, best);
    return this.top(best, limit).map(([codeIndex, match]) => ({
      code: this.data.codes[codeIndex]!,
      description: this.data.descriptions[codeIndex]!,
      match: Math.round(match * 10_000) / 10_000,
    }));
  }

  /** Every exact term with its code: dictionary entries for the matcher. Lazy: nothing is copied. */
  *extraTerms(): IterableIterator<TermEntry> {
    for (const [term, value] of this.data.exact) {
      if (Array.isArray(value)) for (const codeIndex of value) yield { term, code: this.data.codes[codeIndex]! };
      else yield { term, code: this.data.codes[value]! };
    }
  }

  /** Codes whose exact term is this normalised text (no ranking): for joins such as brand → ingredient by name. */
  exactCodes(normalized: string): number[] {
    const value = this.data.exact.get(normalized);
    if (value === undefined) return [];
    return Array.isArray(value) ? value : [value];
  }

  /** The `limit` best entries, best first, without sorting every candidate. */
  private top(best: Map<number, number>, limit: number): Array<[number, number]> {
    const kept: Array<[number, number]> = [];
    for (const entry of best) {
      if (kept.length === limit && this.compare(entry, kept[limit - 1]!) >= 0) continue;
      let at = kept.length === limit ? limit - 1 : kept.length;
      while (at > 0 && this.compare(entry, kept[at - 1]!) < 0) {
        kept[at] = kept[at - 1]!;
        at -= 1;
      }
      kept[at] = entry;
    }
    return kept;
  }

  private compare([codeA, scoreA]: [number, number], [codeB, scoreB]: [number, number]): number {
    if (scoreA !== scoreB) return scoreB - scoreA;
    const { preferred, descriptions } = this.data;
    if (preferred[codeA] !== preferred[codeB]) return preferred[codeB]! - preferred[codeA]!;
    const lengthA = descriptions[codeA]!.length;
    const lengthB = descriptions[codeB]!.length;
    if (lengthA !== lengthB) return lengthA - lengthB;
    return codeA - codeB;
  }

  private scoreTokens(normalized: string, best: Map<number, number>): void {
    const { tokenIds, idf, postingStart, postings, termCode, termTokenEnd, termTokens, termWeight } = this.data;
    const known: number[] = [];
    let queryWeight = 0;
    for (const token of new Set(contentTokens(normalized))) {
      const id = tokenIds.get(token);
      if (id === undefined) {
        // A word no term has still counts against every candidate: "foo hypertension" is a weaker match than "hypertension".
        queryWeight += this.maxIdf;
        continue;
      }
      known.push(id);
      queryWeight += idf[id]!;
    }
    if (known.length === 0) return;
    const df = (token: number) => postingStart[token + 1]! - postingStart[token]!;
    known.sort((a, b) => df(a) - df(b));
    const shared = this.accumulator;
    const touched: number[] = [];
    const common: number[] = [];
    for (let i = 0; i < known.length; i++) {
      const token = known[i]!;
      if (i > 0 && df(token) > CANDIDATE_DF_LIMIT) {
        common.push(token);
        continue;
      }
      const weight = idf[token]!;
      for (let p = postingStart[token]!; p < postingStart[token + 1]!; p++) {
        const term = postings[p]!;
        if (shared[term] === 0) touched.push(term);
        shared[term]! += weight;
      }
    }
    for (const term of touched) {
      if (common.length > 0) {
        for (let i = term === 0 ? 0 : termTokenEnd[term - 1]!; i < termTokenEnd[term]!; i++) {
          const token = termTokens[i]!;
          if (common.includes(token)) shared[term]! += idf[token]!;
        }
      }
      const score = ((2 * shared[term]!) / (queryWeight + termWeight[term]!)) * PARTIAL_MATCH_CEILING;
      shared[term] = 0;
      const codeIndex = termCode[term]!;
      const previous = best.get(codeIndex);
      if (previous === undefined || score > previous) best.set(codeIndex, score);
    }
  }
}
